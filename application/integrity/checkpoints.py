"""Signed checkpoints of the Merkle tree over the whole log, in notification order.

Each row keeps the checkpoint's signed note, the notification id of its last event and
the tree's frontier (``merkle.Frontier``), so the next checkpoint extends the tree by
the links recorded since, reading nothing older. Written by the projection runner every
``INTERVAL_SECONDS`` when the log grew, and on demand (``lotse audit checkpoint``); two
writers at once store the same tree size once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from application.integrity import merkle
from application.integrity.log import Log

if TYPE_CHECKING:
    from application.cases import FamilyCases

TABLE = "lotse_checkpoints"
INTERVAL_SECONDS = 120.0
COLUMNS = "tree_size, last_position, root, frontier, note"


def create_statements(table: str, postgres: bool) -> tuple[str, ...]:
    blob = "bytea" if postgres else "BLOB"
    return (f"CREATE TABLE IF NOT EXISTS {table} (tree_size bigint PRIMARY KEY, "
            f"last_position bigint NOT NULL, root {blob} NOT NULL, frontier {blob} NOT NULL, "
            "note text NOT NULL)",)


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    last_position: int
    root: bytes
    frontier: bytes
    note: str


class Checkpoints:
    def __init__(self, cases: FamilyCases) -> None:
        self.cases = cases
        self.tables = cases.tables
        self.log = Log(cases)
        self.table = self.tables.table(TABLE)

    def all(self) -> list[StoredCheckpoint]:
        rows = self.tables.fetchall(f"SELECT {COLUMNS} FROM {self.table} "  # noqa: S608
                                    "ORDER BY tree_size")
        return [_stored(r) for r in rows]

    def latest(self) -> StoredCheckpoint | None:
        row = self.tables.fetchone(f"SELECT {COLUMNS} FROM {self.table} "  # noqa: S608
                                   "ORDER BY tree_size DESC LIMIT 1")
        return None if row is None else _stored(row)

    def write(self) -> StoredCheckpoint | None:
        """A checkpoint of the log as it stands, if it grew since the latest one (that
        one otherwise); None while the log is empty."""
        latest = self.latest()
        frontier, last = merkle.Frontier(), 0
        if latest is not None:
            try:
                frontier, last = merkle.Frontier.load(latest.size, latest.frontier), \
                    latest.last_position
                if frontier.root() != latest.root:
                    raise ValueError("frontier and root disagree")
            except ValueError:  # a damaged row: `lotse audit verify` names it; start over
                frontier, last = merkle.Frontier(), 0
        for page in self.log.link_pages(last):
            for _, h in page:
                frontier.push(h)
            last = page[-1][0]
        if frontier.size == 0:
            return None
        if latest is not None and frontier.size == latest.size:
            return latest
        from application.integrity import notes  # (cryptography: only when signing)

        settings = self.cases.settings
        checkpoint = notes.Checkpoint(settings.log_origin, frontier.size, frontier.root(),
                                      datetime.now(UTC))
        note = notes.sign(checkpoint, settings.resolve_signing_key())
        stored = StoredCheckpoint(frontier.size, last, checkpoint.root, frontier.dump(), note)
        p = self.tables.p
        self.tables.execute(f"INSERT INTO {self.table} ({COLUMNS}) "  # noqa: S608
                            f"VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING",
                            (stored.size, stored.last_position, stored.root, stored.frontier,
                             stored.note))
        return stored


def _stored(row: tuple[Any, ...]) -> StoredCheckpoint:
    size, last, root, frontier, note = row
    return StoredCheckpoint(int(size), int(last), bytes(root), bytes(frontier), str(note))
