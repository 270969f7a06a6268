"""The hash chain of every aggregate (a family's case, the staff directory, a case-number
sequence, ...), one link per stored event.

    h_v = SHA-256(0x00 || h_(v-1) || originator || 0x00 || v || 0x00 || topic || 0x00 || state)

with ``h_0`` 32 zero bytes, ``originator`` the id as the store keeps it (a UUID's 32 hex
digits), ``v`` in decimal and ``state`` the stored bytes exactly: the sealed ciphertext,
never plaintext, so destroying a family's key leaves its chain intact. The 0x00 in front
makes ``h_v`` the RFC 9162 leaf hash of the event's entry, so the Merkle tree over the
log (``merkle.py``) is built from the chain hashes as they are.

Each event's link is a column of its own row, ``chain_hash`` in the library's events
table, written by the same ``INSERT`` as the event: ``h_v`` does not depend on the
notification id, so the recorders compute it before the insert. A column rather than a
table of links (the design before 2026-12): a second row per event was one more B-tree
page written and synced per commit on SQLite and a second table's heap and index insert
on PostgreSQL, most of what the chain cost a command. The hash sits in the page the
event dirties anyway. What a table of links told besides - the event at a place in the
log, an event deleted - the check now reads from the log itself: each aggregate's
versions must follow one another in notification order (an event placed elsewhere is
named moved), a deleted event breaks the next version's link (a gap), a log cut short
and an aggregate's last event deleted are named by the signed checkpoints (the root of
the log's first n events), and an event without a hash (``NULL``: written around
Lotse) is named unchained.

Stores written with the link table get its hashes copied into the column when they
are opened, and the table dropped (``sqlite_migrate``, ``postgres_create``); stores
from before the chain get theirs from ``backfill.py``.

``Heads`` remembers the last link of recently written aggregates, so a save needs no
query for the previous hash; it learns only from committed transactions, and a head
that is not the version just before the new event is looked up in the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from typing import NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent

COLUMN = "chain_hash"
OLD_TABLE = "lotse_event_chain"
"""The links' own table of stores from before 2026-12 (notification id, originator,
version, hash): copied into ``COLUMN`` and dropped when such a store is opened."""
GENESIS = bytes(32)
HEADS_MAX = 50_000


def sqlite_migrate(events: str) -> tuple[str, ...]:
    """After ``ALTER TABLE events ADD COLUMN chain_hash``, when ``OLD_TABLE`` exists:
    each event gets the hash its link row holds (matched by place, aggregate and
    version: a link that names another event is not copied, the event is then named
    unchained), and the table goes."""
    return (f"UPDATE {events} SET {COLUMN} = (SELECT c.hash FROM {OLD_TABLE} c "  # noqa: S608
            f"WHERE c.notification_id = {events}.rowid "
            f"AND c.originator_id = {events}.originator_id "
            f"AND c.originator_version = {events}.originator_version) "
            f"WHERE {COLUMN} IS NULL",
            f"DROP TABLE {OLD_TABLE}")


def postgres_create(events: str, schema: str, table: str) -> str:
    """The column, and the old link table's hashes copied into it, as one idempotent
    statement (run at every start under the schema's advisory lock): ``events``
    schema-qualified and quoted, ``schema`` and ``table`` bare names. The column is
    looked up first, so an ``ALTER TABLE`` (and its exclusive lock, which would queue
    every reader of the log behind it) happens only once."""
    old = f'"{schema}"."{OLD_TABLE}"'
    return (
        "DO $lotse$ BEGIN "  # noqa: S608 (validated schema, constants)
        # (the catalog itself: information_schema.columns took 6 ms of each start)
        "IF NOT EXISTS (SELECT 1 FROM pg_attribute "
        f"WHERE attrelid = to_regclass('\"{schema}\".\"{table}\"') "
        f"AND attname = '{COLUMN}' AND NOT attisdropped) THEN "
        f"ALTER TABLE {events} ADD COLUMN IF NOT EXISTS {COLUMN} bytea; "
        "END IF; "
        f"IF to_regclass('{old}') IS NOT NULL THEN "
        f"UPDATE {events} e SET {COLUMN} = c.hash FROM {old} c "
        "WHERE c.notification_id = e.notification_id AND c.originator_id = e.originator_id "
        f"AND c.originator_version = e.originator_version AND e.{COLUMN} IS NULL; "
        f"DROP TABLE {old}; "
        "END IF; "
        "END $lotse$")


def originator_key(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def link(previous: bytes, originator: str, version: int, topic: str, state: bytes) -> bytes:
    """The chain hash of one stored event (see the module's description)."""
    return sha256(b"\x00%s%s\x00%d\x00%s\x00" % (previous, originator.encode(), version,
                                                  topic.encode()) + state).digest()


class Link(NamedTuple):
    """(A tuple: made for every event saved, where a frozen dataclass cost a microsecond.)"""

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

    def links_for(self, events: Sequence[StoredEvent], lookup: Lookup) -> list[Link]:
        """The links of ``events``, about to be inserted (in the writing transaction)."""
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
            return [Link(key, version, link(previous, key, version, e.topic, e.state))]
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
        for key, e in zip(keys, events, strict=True):
            previous = GENESIS if e.originator_version == 1 else known[key][1]
            h = link(previous, key, e.originator_version, e.topic, e.state)
            known[key] = (e.originator_version, h)
            links.append(Link(key, e.originator_version, h))
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

