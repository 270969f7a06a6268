"""The read log: who read which family's record, when, through which endpoint.

Data protection requires that reads of a family's record by anyone other than its own
case manager (coordinators, auditors) can be traced. The API writes an entry before it
answers; if the entry cannot be written, the read fails. Auditors list the entries.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from application.sql import Tables
from domain.errors import InvalidInput

TABLE = "lotse_read_log"


@dataclass(frozen=True)
class ReadEntry:
    read_at: datetime
    staff_id: str
    role: str
    project: str
    family_id: UUID
    endpoint: str
    token_id: str | None = None
    """Which of the reader's tokens was used (an admin may issue tokens: this tells a
    read through a token an admin minted from one through the staff member's own)."""


class ReadLog:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        key = "BIGSERIAL PRIMARY KEY" if tables.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        tables.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {t} (id " + key + ", read_at TEXT NOT NULL, "
            "staff_id TEXT NOT NULL, role TEXT NOT NULL, project TEXT NOT NULL, "
            "family_id TEXT NOT NULL, endpoint TEXT NOT NULL, token_id TEXT)", t=TABLE))
        tables.execute(tables.sql(
            "CREATE INDEX IF NOT EXISTS lotse_read_log_project ON {t} (project, id)", t=TABLE))

    def record(self, entries: Sequence[ReadEntry]) -> None:
        if not entries:
            return
        statement = self.tables.sql("INSERT INTO {t} (read_at, staff_id, role, project, "
                                    "family_id, endpoint, token_id) VALUES ({p}, {p}, {p}, "
                                    "{p}, {p}, {p}, {p})", t=TABLE)
        with self.tables.transaction(commit=True) as c:
            for e in entries:
                c.execute(statement, (e.read_at.isoformat(), e.staff_id, e.role, e.project,
                                      str(e.family_id), e.endpoint, e.token_id))

    def entries(self, *, projects: Collection[str], family_id: UUID | None = None,
                staff_id: str | None = None, since: datetime | None = None,
                limit: int = 100, offset: int = 0) -> tuple[int, list[ReadEntry]]:
        """Newest first: the total matching and one page of entries."""
        if not projects:
            return 0, []
        where, params = self.tables.where(
            projects, family_id=str(family_id) if family_id else None, staff_id=staff_id)
        if since is not None:
            where.append(f"read_at >= {self.tables.p}")
            params.append(_utc(since).isoformat())
        condition = " AND ".join(where)
        table = self.tables.table(TABLE)
        with self.tables.transaction(commit=False) as c:
            total_row = c.execute(f"SELECT COUNT(*) FROM {table} WHERE {condition}",
                                  params).fetchone()
            rows = c.execute(f"SELECT read_at, staff_id, role, project, family_id, endpoint, "
                             f"token_id "
                             f"FROM {table} WHERE {condition} ORDER BY id DESC "
                             f"LIMIT {int(limit)} OFFSET {int(offset)}", params).fetchall()
        total = int(total_row[0]) if total_row else 0
        return total, [ReadEntry(datetime.fromisoformat(r[0]), r[1], r[2], r[3], UUID(r[4]),
                                 r[5], r[6]) for r in rows]


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (OverflowError, ValueError):
        raise InvalidInput("invalid_since", "since lies outside the calendar Lotse keeps",
                           field="since") from None


def now() -> datetime:
    return datetime.now(UTC)
