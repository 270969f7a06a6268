"""Reading what tamper evidence covers, on SQLite and PostgreSQL alike: the stored
events with their notification ids, the chain's links and the stored checkpoints.

Rows come as plain tuples straight from the driver, with the originator as the chain
spells it (a UUID's 32 hex digits): the check reads every event of the log, so the
few microseconds per row that adapting them would cost matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.integrity import chain

if TYPE_CHECKING:
    from application.cases import FamilyCases

PAGE = 5000
EventRow = tuple[int, str, int, str, bytes]
"""notification id, originator, version, topic, stored state"""
LinkRow = tuple[int, str, int, bytes]
"""notification id, originator, version, chain hash"""


class Log:
    def __init__(self, cases: FamilyCases) -> None:
        self.tables = cases.tables
        self.postgres = cases.tables.postgres
        recorder: Any = cases.recorder
        self.events = self.tables.table(recorder.events_table_name)
        self.links = self.tables.table(chain.TABLE)
        self.key = "notification_id" if self.postgres else "rowid"

    def _rows(self, statement: str, params: tuple[Any, ...]) -> list[Any]:
        with self.tables.transaction(commit=False) as c:
            c.cursor.execute(statement, params)
            rows: list[Any] = c.cursor.fetchall()
            return rows

    def event_pages(self, originator: str | None = None) -> Iterator[list[EventRow]]:
        """Every stored event in notification order (of one originator, if given)."""
        k, p = self.key, self.tables.p
        where, extra = "", tuple[Any, ...]()
        if originator is not None:
            where = f" AND originator_id = {p}"
            extra = (UUID(hex=originator) if self.postgres else originator,)
        statement = (f"SELECT {k}, originator_id, originator_version, topic, state "  # noqa: S608
                     f"FROM {self.events} WHERE {k} > {p}{where} ORDER BY {k} LIMIT {p}")
        position = 0
        while True:
            rows = self._rows(statement, (position, *extra, PAGE))
            if not rows:
                return
            if self.postgres:
                yield [(n, o.hex, v, t, s) for n, o, v, t, s in rows]
            else:
                yield [tuple(r) for r in rows]
            position = rows[-1][0]

    def links_between(self, after: int, upto: int | None,
                      originator: str | None = None) -> list[LinkRow]:
        """The chain's links with notification ids in (after, upto] (no end: all)."""
        p = self.tables.p
        conditions, params = [f"notification_id > {p}"], list[Any]([after])
        if upto is not None:
            conditions.append(f"notification_id <= {p}")
            params.append(upto)
        if originator is not None:
            conditions.append(f"originator_id = {p}")
            params.append(UUID(hex=originator) if self.postgres else originator)
        rows = self._rows(f"SELECT notification_id, originator_id, originator_version, hash "  # noqa: S608
                          f"FROM {self.links} WHERE {' AND '.join(conditions)} "
                          "ORDER BY notification_id", tuple(params))
        if self.postgres:
            return [(n, o.hex, v, h) for n, o, v, h in rows]
        return [(n, o, v, h) for n, o, v, h in rows]

    def link_pages(self, after: int) -> Iterator[list[LinkRow]]:
        """The chain's links after ``after``, in pages, in notification order."""
        p = self.tables.p
        statement = (f"SELECT notification_id, originator_id, originator_version, hash "  # noqa: S608
                     f"FROM {self.links} WHERE notification_id > {p} "
                     f"ORDER BY notification_id LIMIT {p}")
        while True:
            rows = self._rows(statement, (after, PAGE * 4))
            if not rows:
                return
            if self.postgres:
                yield [(n, o.hex, v, bytes(h)) for n, o, v, h in rows]
            else:
                yield [(n, o, v, h) for n, o, v, h in rows]
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
    return f"family {name}" if kind == "FamilyCase" else f"{kind} {name}"
