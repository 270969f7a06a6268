"""Tampering with a store the way someone with write access to its database would:
plain SQL on the tables, around Lotse."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from application.settings import Settings


class RawStore:
    """Statements with ``{events}``, ``{key}`` (the notification id's column), ``{hash}``
    (the chain hash's column of the events table), ``{checkpoints}`` and ``{p}`` filled
    in for the store."""

    def __init__(self, settings: Settings, events_table: str) -> None:
        self.settings = settings
        self.postgres = settings.uses_postgres
        schema = f'"{settings.postgres_schema}".' if self.postgres else ""
        self.names = {"events": f'{schema}"{events_table}"', "hash": "chain_hash",
                      "checkpoints": f"{schema}lotse_checkpoints",
                      "key": "notification_id" if self.postgres else "rowid",
                      "p": "%s" if self.postgres else "?"}

    def oid(self, family_id: UUID) -> Any:
        return family_id if self.postgres else family_id.hex

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self.postgres:
            import psycopg

            assert self.settings.database_url is not None
            with psycopg.connect(self.settings.database_url) as conn:
                yield conn
        else:
            conn = sqlite3.connect(self.settings.sqlite_path)
            try:
                with conn:
                    yield conn
            finally:
                conn.close()

    def run(self, *statements: tuple[str, Sequence[Any]]) -> None:
        """In one transaction."""
        with self._connection() as conn:
            for statement, params in statements:
                conn.execute(statement.format(**self.names), tuple(params))

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return [tuple(r) for r in conn.execute(statement.format(**self.names),
                                                   tuple(params)).fetchall()]

    def position(self, family_id: UUID, version: int) -> int:
        [(position,)] = self.rows("SELECT {key} FROM {events} WHERE originator_id = {p} "
                                  "AND originator_version = {p}",
                                  (self.oid(family_id), version))
        return int(position)

    def event(self, family_id: UUID, version: int) -> tuple[str, bytes]:
        [(topic, state)] = self.rows("SELECT topic, state FROM {events} WHERE originator_id "
                                     "= {p} AND originator_version = {p}",
                                     (self.oid(family_id), version))
        return str(topic), bytes(state)
