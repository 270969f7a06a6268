"""The hash chain of every aggregate (a family's case, the staff directory, a case-number
sequence, ...), one link per stored event.

    h_v = SHA-256(0x00 || h_(v-1) || originator || 0x00 || v || 0x00 || topic || 0x00 || state)

with ``h_0`` 32 zero bytes, ``originator`` the id as the store keeps it (a UUID's 32 hex
digits), ``v`` in decimal and ``state`` the stored bytes exactly: the sealed ciphertext,
never plaintext, so destroying a family's key leaves its chain intact. The 0x00 in front
makes ``h_v`` the RFC 9162 leaf hash of the event's entry, so the Merkle tree over the
log (``merkle.py``) is built from the chain hashes as they are.

Links live in a table of their own, ``lotse_event_chain`` (notification id, originator,
version, hash), written by the recorders in the transaction that inserts the events,
after them (so the notification ids are known). A table rather than a column: the
library's events table, its insert statements and every reader of the log (the views'
engine) stay as they are, stores from before the chain get theirs by plain inserts
(``backfill.py``), and a link that names its notification id shows an event moved to
another place in the log.

``Heads`` remembers the last link of recently written aggregates, so a save needs no
query for the previous hash; it learns only from committed transactions, and a head
that is not the version just before the new event is looked up in the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent

TABLE = "lotse_event_chain"
GENESIS = bytes(32)
HEADS_MAX = 50_000

OLD_INDEX = f"{TABLE}_originator"
"""An index of the links by aggregate and version, which stores from before 2026-12 have:
each save wrote a page of it, an eighth of a command's time on SQLite. Links are found
by their notification id (the primary key); a link by aggregate and version is found
through the events table's own index of the same."""

SQLITE_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (notification_id INTEGER PRIMARY KEY, "
    "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, hash BLOB NOT NULL)",
    f"DROP INDEX IF EXISTS {OLD_INDEX}",
)


def postgres_create(table: str, schema: str) -> tuple[str, ...]:
    """``table`` schema-qualified and quoted; ``schema`` a bare name."""
    return (f"CREATE TABLE IF NOT EXISTS {table} (notification_id bigint PRIMARY KEY, "
            "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "hash bytea NOT NULL)",
            f'DROP INDEX IF EXISTS "{schema}"."{OLD_INDEX}"')


def originator_key(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def link(previous: bytes, originator: str, version: int, topic: str, state: bytes) -> bytes:
    """The chain hash of one stored event (see the module's description)."""
    return sha256(b"\x00%s%s\x00%d\x00%s\x00" % (previous, originator.encode(), version,
                                                  topic.encode()) + state).digest()


class Link(NamedTuple):
    """(A tuple: made for every event saved, where a frozen dataclass cost a microsecond.)"""

    position: int
    originator: str
    version: int
    hash: bytes


Lookup = Callable[[Sequence[tuple[str, int]]], dict[tuple[str, int], bytes]]
"""The stored hashes of these (originator, version) pairs, read in the writing
transaction."""


class Heads:
    """The last link of recently written aggregates (bounded; oldest forgotten first)."""

    def __init__(self, maximum: int = HEADS_MAX) -> None:
        self._heads: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self.maximum = maximum

    def links_for(self, events: Sequence[StoredEvent], positions: Sequence[int],
                  lookup: Lookup) -> list[Link]:
        """The links of ``events``, just inserted at ``positions``."""
        if len(events) == 1:  # most saves: one command, one event
            e = events[0]
            key, version = originator_key(e.originator_id), e.originator_version
            previous = GENESIS
            if version != 1:
                head = self._heads.get(key)  # (a tuple, read at once: no lock needed)
                if head is not None and head[0] == version - 1:
                    previous = head[1]
                else:
                    previous = lookup([(key, version - 1)]).get((key, version - 1), GENESIS)
            return [Link(positions[0], key, version,
                         link(previous, key, version, e.topic, e.state))]
        keys = [originator_key(e.originator_id) for e in events]
        known: dict[str, tuple[int, bytes]] = {}
        missing: list[tuple[str, int]] = []
        with self._lock:
            for key, e in zip(keys, events, strict=True):
                if key in known or e.originator_version == 1:
                    continue
                head = self._heads.get(key)
                if head is not None and head[0] == e.originator_version - 1:
                    known[key] = head
                else:
                    missing.append((key, e.originator_version - 1))
        if missing:
            found = lookup(missing)
            for key, version in missing:
                if key not in known:  # (no stored link: chained from zeros; verify names it)
                    known[key] = (version, found.get((key, version), GENESIS))
        links = []
        for key, e, position in zip(keys, events, positions, strict=True):
            previous = GENESIS if e.originator_version == 1 else known[key][1]
            h = link(previous, key, e.originator_version, e.topic, e.state)
            known[key] = (e.originator_version, h)
            links.append(Link(position, key, e.originator_version, h))
        return links

    def committed(self, links: Iterable[Link]) -> None:
        """Remember the heads of a committed transaction's links."""
        with self._lock:
            heads = self._heads
            for li in links:
                head = heads.get(li.originator)
                if head is None or head[0] < li.version:
                    heads.pop(li.originator, None)  # re-inserted: newest last
                    heads[li.originator] = (li.version, li.hash)
            while len(heads) > self.maximum:
                del heads[next(iter(heads))]

    def forget(self) -> None:
        with self._lock:
            self._heads.clear()


def rows(links: Sequence[Link], postgres: bool) -> list[tuple[Any, ...]]:
    if postgres:
        return [(li.position, UUID(hex=li.originator), li.version, li.hash) for li in links]
    return list(links)  # (each is the tuple of the four columns)
