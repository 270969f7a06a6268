"""Lotse's own tables beside the event store, on SQLite and PostgreSQL alike.

Statements are written once with ``{p}`` for a parameter and ``{t:name}``-style table
names resolved by ``table()``; rows come back as tuples on both stores.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

STAGED_ROWS = 50
"""From this many rows on, ``Tables.upsert`` stages them on PostgreSQL (fewer rows, as
the engines that follow the log write them, cost less than its four statements)."""


class Tables:
    """Runs statements in the application's datastore (its connection pool)."""

    def __init__(self, datastore: Any, postgres: bool) -> None:
        self.datastore = datastore
        self.postgres = postgres
        self.p = "%s" if postgres else "?"

    def table(self, name: str) -> str:
        """Schema names are validated by the settings (``[a-z_][a-z0-9_]*``)."""
        return f'"{self.datastore.schema}"."{name}"' if self.postgres else f'"{name}"'

    def where(self, projects: Collection[str], **equal: object) -> tuple[list[str], list[Any]]:
        """Conditions and parameters for "in these projects, and each column given equal
        to its value" (a value of None sets no condition)."""
        conditions = [f"project IN ({', '.join([self.p] * len(projects))})"]
        params: list[Any] = list(projects)
        for column, value in equal.items():
            if value is not None:
                conditions.append(f"{column} = {self.p}")
                params.append(value)
        return conditions, params

    def sql(self, statement: str, **tables: str) -> str:
        return statement.format(p=self.p, **{k: self.table(v) for k, v in tables.items()})

    def insert_many(self, c: Cursor, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (of ``columns``) into ``table`` (resolved by ``table()``), in
        their order: on SQLite in one ``executemany`` (its loop binds and steps in C), on
        PostgreSQL by ``COPY``, which psycopg formats in C: its ``executemany`` costs a
        Bind and Execute per row (26 µs a row of 12 columns)."""
        if not rows:
            return
        names = ", ".join(columns)  # (the views' own names, never input)
        if not self.postgres or len(rows) < STAGED_ROWS:
            values = ", ".join([self.p] * len(columns))
            c.executemany(self.sql(f"INSERT INTO {{t}} ({names}) VALUES ({values})",  # noqa: S608
                                   t=table), rows)
            return
        with c.cursor.copy(self.sql(f"COPY {{t}} ({names}) FROM STDIN", t=table)) as copy:
            for row in rows:
                copy.write_row(row)

    def upsert(self, c: Cursor, table: str, columns: Sequence[str], key: Sequence[str],
               rows: Sequence[Sequence[Any]], *, add: Collection[str] = (),
               drop_zero: bool = False) -> None:
        """Insert ``rows`` (of ``columns``) into ``table`` (resolved by ``table()``); where a
        row of the same ``key`` exists, replace its other columns, or add to those named
        in ``add`` (counters; ``drop_zero``: a row whose counters all came to zero goes).
        No two rows may share a key. On SQLite one ``executemany`` (a second for
        ``drop_zero``); on PostgreSQL, from ``STAGED_ROWS`` rows on, the rows go by
        ``COPY`` into a temporary table of the same columns (the session's own), from
        which one ``INSERT ... SELECT`` upserts them, in key order (two rebuild processes
        adding to the same counters then lock them in one order): psycopg's
        ``executemany`` costs the server a statement per row."""
        if not rows:
            return
        names = ", ".join(columns)  # (the views' own names, never input)
        others = [col for col in columns if col not in key]
        update = ", ".join(f"{col} = v.{col} + excluded.{col}" if col in add
                           else f"{col} = excluded.{col}" for col in others)
        conflict = (f"ON CONFLICT ({', '.join(key)}) "
                    + (f"DO UPDATE SET {update}" if others else "DO NOTHING"))
        zero = " AND ".join(f"v.{col} = 0" for col in add)
        if not self.postgres or len(rows) < STAGED_ROWS:
            values = ", ".join([self.p] * len(columns))
            insert = f"INSERT INTO {{t}} AS v ({names}) VALUES ({values}) {conflict}"  # noqa: S608
            c.executemany(self.sql(insert, t=table), rows)
            if drop_zero:
                same = " AND ".join(f"{col} = {self.p}" for col in key)
                at = [columns.index(col) for col in key]
                delete = f"DELETE FROM {{t}} AS v WHERE {same} AND {zero}"  # noqa: S608
                c.executemany(self.sql(delete, t=table), [[row[i] for i in at] for row in rows])
            return
        stage = f'"lotse_stage_{table}"'
        c.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS "  # noqa: S608
                  f"SELECT {names} FROM {self.table(table)} WITH NO DATA")
        with c.cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        by_key = ", ".join(key)
        c.execute(self.sql(f"INSERT INTO {{t}} AS v ({names}) SELECT {names} "  # noqa: S608
                           f"FROM {stage} ORDER BY {by_key} {conflict}", t=table))
        if drop_zero:  # (rows this transaction holds already: no lock waits)
            same = " AND ".join(f"v.{col} = s.{col}" for col in key)
            c.execute(self.sql(f"DELETE FROM {{t}} AS v USING {stage} AS s "  # noqa: S608
                               f"WHERE {same} AND {zero}", t=table))
        c.execute(f"DELETE FROM {stage}")  # noqa: S608

    @contextmanager
    def transaction(self, *, commit: bool, wait_for_disk: bool = True) -> Iterator[Cursor]:
        """``wait_for_disk`` off: the commit does not wait for the disk (a crash may lose
        the transaction, never leave part of it); for work nobody reads before a later
        commit that waits (a rebuild's pages before its switch)."""
        if wait_for_disk or not commit:
            with self.datastore.transaction(commit=commit) as c:
                yield Cursor(c)
        elif self.postgres:
            with self.datastore.transaction(commit=True) as c:
                cursor = Cursor(c)
                cursor.execute("SET LOCAL synchronous_commit = off")
                yield cursor
        else:  # (the embedded store's own datastore: application.recorders)
            with self.datastore.transaction(commit=True, wait_for_disk=False) as c:
                yield Cursor(c)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self.transaction(commit=False) as c:
            return c.execute(statement, params).fetchone()

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.transaction(commit=False) as c:
            return c.execute(statement, params).fetchall()

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self.transaction(commit=True) as c:
            c.execute(statement, params)


class Cursor:
    """A cursor whose rows are plain tuples on both stores."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        if hasattr(cursor, "row_factory") and not hasattr(cursor, "sqlite_cursor"):
            from psycopg.rows import tuple_row  # the library's PostgreSQL rows are dicts,
            cursor.row_factory = tuple_row  # which would merge columns of the same name

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        self.cursor.execute(statement, tuple(params))
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cursor.executemany(statement, [tuple(r) for r in rows])

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self.cursor.fetchone()
        return None if row is None else _plain(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [_plain(r) for r in self.cursor.fetchall()]


def _plain(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)
