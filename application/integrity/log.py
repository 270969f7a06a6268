"""Reading what tamper evidence covers, on SQLite and PostgreSQL alike: the stored
events with their notification ids, the chain's links and the stored checkpoints.

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
CheckedRow = tuple[int, bytes, int, bytes, bytes, bytes | None, int | None, bytes | None]
"""An event and the link stored at its place: notification id, originator (its hex
digits, as bytes), version, topic (bytes), stored state; the link's originator, version
and hash (None: no link there)."""
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

    def _originator(self, originator: str) -> Any:
        return UUID(hex=originator) if self.postgres else originator

    def head(self) -> int:
        row = self.tables.fetchone(f"SELECT MAX({self.key}) FROM {self.events}")  # noqa: S608
        return int(row[0]) if row and row[0] is not None else 0

    def checked_pages(self, head: int, originator: str | None = None, after: int = 0
                      ) -> Iterator[list[CheckedRow]]:
        """Every stored event after ``after`` up to ``head`` in notification order (of one
        originator, if given), each with the link stored at its place, one query per
        page."""
        k, p = self.key, self.tables.p
        where, extra = "", tuple[Any, ...]()
        if originator is not None:
            where, extra = f" AND e.originator_id = {p}", (self._originator(originator),)
        if self.postgres:  # the originators' hex digits and the topic as bytes, converted
            # by the server (a process of its own) rather than row by row in Python
            columns = ("e.notification_id, convert_to(translate(e.originator_id::text, "
                       "'-', ''), 'UTF8'), e.originator_version, convert_to(e.topic, 'UTF8'), "
                       "e.state, convert_to(translate(c.originator_id::text, '-', ''), 'UTF8'), "
                       "c.originator_version, c.hash")
        else:  # the text columns as bytes, as they are hashed
            columns = ("e.rowid, CAST(e.originator_id AS BLOB), e.originator_version, "
                       "CAST(e.topic AS BLOB), e.state, CAST(c.originator_id AS BLOB), "
                       "c.originator_version, c.hash")
        # the page's range also on the links: else PostgreSQL merges each page with the
        # links from the log's start (a page near the end read the whole chain's index)
        statement = (f"SELECT {columns} FROM {self.events} e "  # noqa: S608
                     f"LEFT JOIN {self.links} c ON c.notification_id = e.{k} "
                     f"AND c.notification_id > {p} AND c.notification_id <= {p} "
                     f"WHERE e.{k} > {p} AND e.{k} <= {p}{where} ORDER BY e.{k} LIMIT {p}")
        with ThreadPoolExecutor(1, thread_name_prefix="lotse-verify-read") as reader:
            # the next page is read while the caller checks this one: the driver lets go
            # of the interpreter while the store works (SQLite's steps, PostgreSQL's wait)
            rows = self._rows(statement, (after, head, after, head, *extra, PAGE))
            while rows:
                last = rows[-1][0]
                ahead = reader.submit(self._rows, statement,
                                      (last, head, last, head, *extra, PAGE))
                yield rows
                rows = ahead.result()


    def link_count(self) -> int:
        row = self.tables.fetchone(f"SELECT COUNT(*) FROM {self.links}")  # noqa: S608
        return int(row[0]) if row else 0

    def orphan_links(self, head: int | None, originator: str | None = None) -> list[LinkRow]:
        """Links (up to ``head``; None: all) whose event is not in the log."""
        p, k = self.tables.p, self.key
        conditions, params = [], list[Any]()
        if head is not None:
            conditions.append(f"c.notification_id <= {p}")
            params.append(head)
        if originator is not None:
            conditions.append(f"c.originator_id = {p}")
            params.append(self._originator(originator))
        conditions.append(f"NOT EXISTS (SELECT 1 FROM {self.events} e "  # noqa: S608
                          f"WHERE e.{k} = c.notification_id)")
        rows = self._rows(
            f"SELECT c.notification_id, c.originator_id, c.originator_version, c.hash "  # noqa: S608
            f"FROM {self.links} c WHERE {' AND '.join(conditions)} "
            "ORDER BY c.notification_id", tuple(params))
        if self.postgres:
            return [(n, o.hex, v, bytes(h)) for n, o, v, h in rows]
        return [(n, o, v, bytes(h)) for n, o, v, h in rows]

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
    if kind == "OfferCreated":
        return f"offer {name}"
    return f"family {name}" if kind == "FamilyCase" else f"{kind} {name}"
