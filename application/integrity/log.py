"""Reading what tamper evidence covers, on SQLite and PostgreSQL alike: the stored
events with their notification ids and chain hashes (``chain.COLUMN``).

Rows come as plain tuples straight from the driver, with the originator as the chain
spells it (a UUID's 32 hex digits): the check reads every event of the log, so the
few microseconds per row that adapting them would cost matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.integrity import chain

if TYPE_CHECKING:
    from application.cases import FamilyCases

PAGE = 5000
CheckedRow = tuple[int, bytes, int, bytes, bytes, bytes | None]
"""An event as the chain hashes it, with its stored link: notification id, originator
(its hex digits, as bytes), version, topic (bytes), stored state, chain hash (None: the
event has none)."""
LinkRow = tuple[int, bytes]
"""notification id, chain hash"""


class Log:
    def __init__(self, cases: FamilyCases) -> None:
        self.tables = cases.tables
        self.postgres = cases.tables.postgres
        recorder: Any = cases.recorder
        self.events = self.tables.table(recorder.events_table_name)
        self.key = "notification_id" if self.postgres else "rowid"

    def _rows(self, statement: str, params: tuple[Any, ...]) -> list[Any]:
        with self.tables.transaction(commit=False) as c:
            c.cursor.execute(statement, params)
            rows: list[Any] = c.cursor.fetchall()
            return rows

    def _originator(self, originator: str) -> Any:
        return UUID(hex=originator) if self.postgres else originator

    def head(self) -> int:
        row = self.tables.fetchone(f"SELECT MAX({self.key}) FROM {self.events}")  # noqa: S608
        return int(row[0]) if row and row[0] is not None else 0

    def checked_pages(self, head: int, originator: str | None = None, after: int = 0
                      ) -> Iterator[list[CheckedRow]]:
        """Every stored event after ``after`` up to ``head`` in notification order (of one
        originator, if given), each with its chain hash, one query per page."""
        k, p = self.key, self.tables.p
        where, extra = "", tuple[Any, ...]()
        if originator is not None:
            where, extra = f" AND originator_id = {p}", (self._originator(originator),)
        if self.postgres:  # the originators' hex digits and the topic as bytes, converted
            # by the server (a process of its own) rather than row by row in Python
            columns = ("notification_id, convert_to(translate(originator_id::text, "
                       "'-', ''), 'UTF8'), originator_version, convert_to(topic, 'UTF8'), "
                       f"state, {chain.COLUMN}")
        else:  # the text columns as bytes, as they are hashed
            columns = ("rowid, CAST(originator_id AS BLOB), originator_version, "
                       f"CAST(topic AS BLOB), state, {chain.COLUMN}")
        statement = (f"SELECT {columns} FROM {self.events} "  # noqa: S608
                     f"WHERE {k} > {p} AND {k} <= {p}{where} ORDER BY {k} LIMIT {p}")
        with ThreadPoolExecutor(1, thread_name_prefix="lotse-verify-read") as reader:
            # the next page is read while the caller checks this one: the driver lets go
            # of the interpreter while the store works (SQLite's steps, PostgreSQL's wait)
            rows = self._rows(statement, (after, head, *extra, PAGE))
            while rows:
                last = rows[-1][0]
                ahead = reader.submit(self._rows, statement, (last, head, *extra, PAGE))
                yield rows
                rows = ahead.result()

    def versions(self, originator: str, first: int, last: int
                 ) -> list[tuple[int, int, bytes | None]]:
        """The stored versions ``first`` to ``last`` of an aggregate: (version,
        notification id, chain hash), by version."""
        p, k = self.tables.p, self.key
        rows = self._rows(
            f"SELECT originator_version, {k}, {chain.COLUMN} FROM {self.events} "  # noqa: S608
            f"WHERE originator_id = {p} AND originator_version >= {p} "
            f"AND originator_version <= {p} ORDER BY originator_version",
            (self._originator(originator), first, last))
        return [(int(v), int(n), None if h is None else bytes(h)) for v, n, h in rows]

    def link_pages(self, after: int) -> Iterator[list[LinkRow]]:
        """The stored chain hashes after ``after``, in pages, in notification order
        (events without one left out)."""
        p, k = self.tables.p, self.key
        statement = (f"SELECT {k}, {chain.COLUMN} FROM {self.events} "  # noqa: S608
                     f"WHERE {k} > {p} AND {chain.COLUMN} IS NOT NULL "
                     f"ORDER BY {k} LIMIT {p}")
        while True:
            rows = self._rows(statement, (after, PAGE * 4))
            if not rows:
                return
            yield [(n, bytes(h)) for n, h in rows]
            after = rows[-1][0]


def describe(log: Log, originator: str) -> str:
    """``family <id>`` for a family's case, else the aggregate's class and id (the
    directory, a case-number sequence, ...), as named by its first event's topic."""
    p = log.tables.p
    row = log.tables.fetchone(
        f"SELECT topic FROM {log.events} WHERE originator_id = {p} "  # noqa: S608
        "AND originator_version = 1", (UUID(hex=originator) if log.postgres else originator,))
    try:
        name = str(UUID(hex=originator))
    except ValueError:
        name = originator
    if row is None:
        return f"aggregate {name}"
    kind = str(row[0]).rpartition(":")[2].split(".")[0]
    if kind == "OfferCreated":
        return f"offer {name}"
    return f"family {name}" if kind == "FamilyCase" else f"{kind} {name}"
