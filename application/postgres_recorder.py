"""The PostgreSQL recorder: each event with its link in the hash chain in its own row,
idempotency keys with the events (see ``application/recorders.py``), and the events
written as one array literal.

A module of its own so that only a process on PostgreSQL loads psycopg; the store names
the factory by its topic (``application/store.py``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, Notification, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from application import idempotency
from application.integrity import chain, checkpoints


class LotsePostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idempotency_table = f'"{self.datastore.schema}"."{idempotency.TABLE}"'
        self.sql_create_statements.append(
            SQL(idempotency.CREATE.format(table=self.idempotency_table)))  # type: ignore[arg-type]
        events = f'"{self.datastore.schema}"."{self.events_table_name}"'
        statements: list[Any] = [
            chain.postgres_create(events, self.datastore.schema, self.events_table_name),
            *checkpoints.create_statements(f'"{self.datastore.schema}"."{checkpoints.TABLE}"',
                                           postgres=True)]
        self.sql_create_statements.extend(SQL(s) for s in statements)  # type: ignore[misc]
        self.heads = chain.Heads()
        self._links = threading.local()
        schema = Identifier(self.datastore.schema)
        self.insert_linked_events_statement = SQL(
            # each event with its link, in the same row: the hashes come as one bytea,
            # 32 bytes per event in the events' order
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state, "
            "{column}) SELECT originator_id, originator_version, topic, state, "
            "substring(%s::bytea FROM ((i - 1) * 32 + 1)::int FOR 32) "
            "FROM unnest(%s::{schema}.{type}[]) "
            "WITH ORDINALITY AS u(originator_id, originator_version, topic, state, i) "
            "ORDER BY i RETURNING notification_id").format(
            schema=schema, table=Identifier(self.events_table_name),
            type=Identifier(self.stored_event_type_name), column=Identifier(chain.COLUMN))
        self.insert_one_linked_event_statement = SQL(
            # one event (most saves): no numbering of the events
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state, "
            "{column}) SELECT originator_id, originator_version, topic, state, %s::bytea "
            "FROM unnest(%s::{schema}.{type}[]) RETURNING notification_id").format(
            schema=schema, table=Identifier(self.events_table_name),
            type=Identifier(self.stored_event_type_name), column=Identifier(chain.COLUMN))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(self, originator_id: UUID | str, *, gt: int | None = None,
                      lte: int | None = None, desc: bool = False,
                      limit: int | None = None) -> Sequence[StoredEvent]:
        """The library's query, each event with its link beside it: whenever an aggregate
        is loaded (a new process, a case another process changed), the chain's heads learn
        its last link in the same round trip, so its next save needs no lookup."""
        conditions, params = ["originator_id = %s"], list[Any]([originator_id])
        if gt is not None:
            conditions.append("originator_version > %s")
            params.append(gt)
        if lte is not None:
            conditions.append("originator_version <= %s")
            params.append(lte)
        statement = (
            f"SELECT e.originator_id, e.originator_version, e.topic, e.state, "  # noqa: S608
            f"e.{chain.COLUMN} "
            f'FROM "{self.datastore.schema}"."{self.events_table_name}" e '
            f"WHERE {' AND '.join(conditions)} "
            f"ORDER BY originator_version {'DESC' if desc else 'ASC'}")
        if limit is not None:
            statement += " LIMIT %s"
            params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
            c.execute(statement, params, prepare=True)
            rows = c.fetchall()
        if rows:
            o, v, _, _, h = max(rows, key=lambda r: int(r[1]))
            if h is not None:
                self.heads.committed([chain.Link(chain.originator_key(o), v, bytes(h))])
        return [StoredEvent(originator_id=o, originator_version=v, topic=t,
                            state=s if type(s) is bytes else bytes(s))
                for o, v, t, s, _ in rows]

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        """The library's insert; the chain's heads learn the links once it committed."""
        self._links.pending = []
        try:
            positions: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            self.heads.committed(self._links.pending)
            return positions
        finally:
            self._links.pending = []

    def analyze(self) -> None:
        """Gather the planner's statistics of the events table, after a bulk load: until
        autovacuum does (a minute or more later), PostgreSQL plans a page of the log as
        a bitmap scan of everything up to the page's stop position and a sort of it,
        which made reading the log five times slower."""
        with self.datastore.get_connection() as conn:
            conn.execute(SQL("ANALYZE {schema}.{table}").format(
                schema=Identifier(self.datastore.schema),
                table=Identifier(self.events_table_name)))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> Sequence[Notification]:
        """The library's query, its rows read as tuples: its dict rows and the copy of
        each state cost a sixth of reading a page with the compiled driver."""
        conditions: list[str] = []
        params: list[Any] = []
        if start is not None:
            conditions.append("notification_id >= %s" if inclusive_of_start
                              else "notification_id > %s")
            params.append(start)
        if stop is not None:
            conditions.append("notification_id <= %s")
            params.append(stop)
        if topics:
            conditions.append("topic = ANY(%s)")
            params.append(list(topics))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table}" + where + " ORDER BY notification_id LIMIT %s").format(
            schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        params.append(limit)
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
            c.execute(statement, params, prepare=True)
            return [Notification(id=i, originator_id=o, originator_version=v, topic=t,
                                 state=state if type(state) is bytes else bytes(state))
                    for i, o, v, t, state in c.fetchall()]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_share(self, start: int, limit: int, stop: int, topics: Sequence[str],
                     share: tuple[int, int]) -> list[Notification]:
        """``select_notifications(start, limit, stop=stop, topics=topics,
        inclusive_of_start=False)`` of the families of one share of a rebuild (``(k,
        n)``: the last byte of the id modulo n is k, as ``share_of`` in
        ``projections.engine.catch_up``), chosen by the server: the rows of the other
        shares are never sent."""
        k, shares = share
        topic = "topic = ANY(%s) AND " if topics else ""
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {schema}.{table} WHERE notification_id > %s AND notification_id <= %s "
            "AND " + topic + "get_byte(uuid_send(originator_id::uuid), 15) %% %s = %s "
            "ORDER BY notification_id LIMIT %s").format(
            schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        params: list[Any] = [start, stop, *([list(topics)] if topics else []), shares, k, limit]
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as c:
            c.execute(statement, params, prepare=True)
            return [Notification(id=i, originator_id=o, originator_version=v, topic=t,
                                 state=state if type(state) is bytes else bytes(state))
                    for i, o, v, t, state in c.fetchall()]

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """The library's insert (table lock, notification, one statement), each event
        with its link in the same row, the events passed as the text of the array it
        casts them to."""
        literal: Any = events_array_literal(stored_events)
        if literal is None:  # (not of the plain kinds: adapted by psycopg)
            literal = [self.construct_pg_stored_event(e.originator_id, e.originator_version,
                                                      e.topic, e.state)
                       for e in stored_events]
        self._lock_table(curs)
        self._notify_channel(curs)
        links = self.heads.links_for(stored_events,
                                     lambda wanted: self._stored_links(curs, wanted))
        if not links:  # (the benchmark's commands without the chain)
            curs.execute(self.insert_events_statement, (literal,), prepare=True)
            return
        statement = (self.insert_one_linked_event_statement if len(links) == 1
                     else self.insert_linked_events_statement)
        curs.execute(statement, (b"".join(li.hash for li in links), literal), prepare=True)
        self._links.pending = links

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        positions: Sequence[int] | None = [_row(r)[0] for r in curs.fetchall()]
        pending = idempotency.pending_key()
        if pending is not None and stored_events:
            receipt = pending.receipt_for(stored_events, positions)
            # RETURNING + fetch makes the pipeline sync here, so a duplicate key raises
            # inside the library's error handling and the transaction rolls back.
            curs.execute(idempotency.INSERT.format(table=self.idempotency_table, p="%s")
                         + " RETURNING 1", idempotency.row_for(pending, receipt))
            curs.fetchone()
        return positions

    def _stored_links(self, curs: Any, wanted: Sequence[tuple[str, int]]
                      ) -> dict[tuple[str, int], bytes]:
        """One query for every previous link the heads did not know."""
        curs.execute(
            f"SELECT e.originator_id, e.originator_version, e.{chain.COLUMN} "  # noqa: S608
            f'FROM "{self.datastore.schema}"."{self.events_table_name}" e '
            "JOIN unnest(%s::uuid[], %s::bigint[]) AS w(o, v) "
            "ON e.originator_id = w.o AND e.originator_version = w.v "
            f"WHERE e.{chain.COLUMN} IS NOT NULL",
            ([UUID(hex=k) for k, _ in wanted], [v for _, v in wanted]))
        return {(_row(r)[0].hex, _row(r)[1]): bytes(_row(r)[2]) for r in curs.fetchall()}


def _row(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


_TOPIC = re.compile(r"[A-Za-z0-9_.:]+")  # module.path:Class.Name: nothing to escape


def events_array_literal(stored_events: Sequence[StoredEvent]) -> str | None:
    """Stored events as the text of a PostgreSQL array of the library's stored-event
    composite type: one quoted ``(id,version,topic,state)`` per event, the state in
    bytea's hex form, whose leading backslash is escaped for the composite and again for
    the array (four in all). Written directly, because psycopg's adaptation of composite
    values costs a few dozen microseconds per event: a third of a bulk load's time with
    the pure-Python implementation, still an eighth with the compiled one (its composite
    dumpers are Python code). ``None`` when a value is not of the plain kinds written
    here (the events are then adapted as usual)."""
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
