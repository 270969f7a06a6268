"""Application recorders that store an idempotency key with the command's events.

Both subclass the library's recorders and add one insert to the transaction that
writes the events, after the events (so the notification position is known). A key
that exists already raises the store's unique violation, which rolls back the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg.sql import SQL

from application import idempotency


class LotseSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                idempotency.CREATE.format(table=idempotency.TABLE)]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        pending = idempotency.pending_key()
        if pending is not None and stored_events:
            receipt = pending.receipt_for(stored_events, positions)
            c.execute(idempotency.INSERT.format(table=idempotency.TABLE, p="?"),
                      idempotency.row_for(pending, receipt))
        return positions


class LotsePostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idempotency_table = f'"{self.datastore.schema}"."{idempotency.TABLE}"'
        self.sql_create_statements.append(
            SQL(idempotency.CREATE.format(table=self.idempotency_table)))  # type: ignore[arg-type]

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        pending = idempotency.pending_key()
        if pending is not None and stored_events:
            receipt = pending.receipt_for(stored_events, positions)
            # RETURNING + fetch makes the pipeline sync here, so a duplicate key raises
            # inside the library's error handling and the transaction rolls back.
            curs.execute(idempotency.INSERT.format(table=self.idempotency_table, p="%s")
                         + " RETURNING 1", idempotency.row_for(pending, receipt))
            curs.fetchone()
        return positions
