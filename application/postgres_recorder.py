"""The PostgreSQL recorder: idempotency keys with the events (see
``application/recorders.py``) and the events written as one array literal.

A module of its own so that only a process on PostgreSQL loads psycopg; the store names
the factory by its topic (``application/store.py``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg.sql import SQL

from application import idempotency


class LotsePostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idempotency_table = f'"{self.datastore.schema}"."{idempotency.TABLE}"'
        self.sql_create_statements.append(
            SQL(idempotency.CREATE.format(table=self.idempotency_table)))  # type: ignore[arg-type]

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """The library's insert (table lock, notification, one statement), with the
        events passed as the text of the array it casts them to."""
        literal = events_array_literal(stored_events)
        if literal is None:
            super()._insert_stored_events(curs, stored_events, **kwargs)
            return
        self._lock_table(curs)
        self._notify_channel(curs)
        curs.execute(self.insert_events_statement, (literal,))

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


_TOPIC = re.compile(r"[A-Za-z0-9_.:]+")  # module.path:Class.Name: nothing to escape


def events_array_literal(stored_events: Sequence[StoredEvent]) -> str | None:
    """Stored events as the text of a PostgreSQL array of the library's stored-event
    composite type: one quoted ``(id,version,topic,state)`` per event, the state in
    bytea's hex form, whose leading backslash is escaped for the composite and again for
    the array (four in all). Written directly, because psycopg's pure-Python adaptation
    of composite values costs a few dozen microseconds per event, a third of a bulk
    load's time. ``None`` when a value is not of the plain kinds written here (the
    events are then adapted as usual)."""
    parts = []
    for e in stored_events:
        if not (isinstance(e.originator_id, UUID) and type(e.originator_version) is int
                and _TOPIC.fullmatch(e.topic)):
            return None
        parts.append(f'"({e.originator_id},{e.originator_version},{e.topic},'
                     f'\\\\\\\\x{e.state.hex()})"')
    return "{" + ",".join(parts) + "}"


class LotsePostgresFactory(PostgresFactory):
    application_recorder_class = LotsePostgresRecorder
