"""Application recorders: idempotency keys with the events, group commit on SQLite.

Both subclass the library's recorders (the PostgreSQL one is in
``application/postgres_recorder.py``, so that the embedded store never loads psycopg).
Each event is written with its link in the hash chain, in a column of its own row
(``application/integrity/chain.py``), and the idempotency key goes in with the events,
after them (so the notification position is known). A key that exists already raises
the store's unique violation, which rolls back the events.

SQLite has one writer at a time and each commit waits for the disk. When several
commands save at once, the SQLite recorder writes them in one transaction (group
commit), each in its own savepoint: a command that collides (a stale version, a used
idempotency key) is rolled back alone and told so, the others are committed together.

The factory below plugs the SQLite recorder in. It also makes writers queue
at a gate of their own before they ask the connection pool for the writer connection:
the library's pool serves requests one at a time, and a writer waiting there for the
writer connection would keep every reader waiting too.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    Notification,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType
from pydantic import TypeAdapter

from application import idempotency
from application.integrity import chain, checkpoints

_parse_uuid = TypeAdapter(UUID).validator.validate_python


@dataclass
class _Job:
    """One command's save, waiting for a group commit."""

    events: Sequence[StoredEvent]
    kwargs: dict[str, Any]
    pending: idempotency.PendingKey | None
    links: list[chain.Link] = field(default_factory=list)
    positions: Sequence[int] | None = None
    error: BaseException | None = None
    done: bool = False


class LotseSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._leader = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Job] = []
        self._connection: sqlite3.Connection | None = None
        self.heads = chain.Heads()
        self.insert_events_statement = (
            f"INSERT INTO {self.events_table_name} (originator_id, "  # noqa: S608
            f"originator_version, topic, state, {chain.COLUMN}) VALUES (?, ?, ?, ?, ?)")

    @contextmanager
    def _transaction(self) -> Iterator[SQLiteCursor]:
        """A write transaction on the recorder's own connection (the leader's alone),
        taken at the datastore's writer gate like every other write."""
        gate: FairLock = self.datastore.writer_gate  # type: ignore[attr-defined]
        with gate:
            if self._connection is None:
                self._connection = sqlite3.connect(
                    self.datastore.pool.db_name, uri=True, check_same_thread=False,
                    isolation_level=None,
                    timeout=self.datastore.pool.lock_timeout or 5)
            cursor = self._connection.cursor()
            try:
                begin_immediate(cursor, self.datastore.pool.lock_timeout or 5)
                yield SQLiteCursor(cursor)
                self._connection.commit()
            except BaseException as e:
                self._connection.rollback()
                translated = _translated(e)
                if translated is e:
                    raise
                raise translated from e
            finally:
                cursor.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def select_share(self, start: int, limit: int, stop: int, topics: Sequence[str],
                     share: tuple[int, int]) -> list[Notification]:
        """``select_notifications(start, limit, stop=stop, topics=topics,
        inclusive_of_start=False)`` of the families of one share of a rebuild (``(k,
        n)``: the last byte of the id modulo n is k, as ``share_of`` in
        ``projections.engine.catch_up``), chosen in SQL from the id's last two hex digits:
        the rows of the other shares are never made into notifications."""
        k, shares = share
        digit = "instr('0123456789abcdef', substr(lower(originator_id), {}, 1)) - 1"
        statement = (
            f"SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? "
            + (f"AND topic IN ({', '.join('?' * len(topics))}) " if topics else "")
            + f"AND (({digit.format(-2)}) * 16 + {digit.format(-1)}) % ? = ? "
            "ORDER BY rowid LIMIT ?")
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, [start, stop, *topics, shares, k, limit])
            return [Notification(id=i, originator_id=self.convert_originator_id(o),
                                 originator_version=v, topic=t, state=state)
                    for i, o, v, t, state in c.fetchall()]

    def convert_originator_id(self, originator_id: str) -> UUID | str:
        """The stored id as the library converts it, parsed by pydantic's validator:
        ``uuid.UUID(text)`` costs about 5 µs, a sixth of reading a notification."""
        if self.datastore.originator_id_type == "uuid":
            return _parse_uuid(originator_id)  # type: ignore[no-any-return]
        return originator_id

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                idempotency.CREATE.format(table=idempotency.TABLE),
                *checkpoints.create_statements(checkpoints.TABLE, postgres=False)]

    def _create_table(self, c: SQLiteCursor) -> None:
        """The tables, then the chain's column of the events table if the store has
        none yet, with the hashes of the link table of stores from before it (one
        transaction holding the write lock: a second process starting at once waits,
        then finds the column)."""
        super()._create_table(c)
        events = self.events_table_name
        c.execute(f"PRAGMA table_info({events})")
        if chain.COLUMN not in {row[1] for row in c.fetchall()}:
            c.execute(f"ALTER TABLE {events} ADD COLUMN {chain.COLUMN} BLOB")
        c.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                  (chain.OLD_TABLE,))
        if c.fetchone() is not None:
            for statement in chain.sqlite_migrate(events):
                c.execute(statement)

    def insert_events(self, stored_events: Sequence[StoredEvent],
                      **kwargs: Any) -> Sequence[int] | None:
        job = _Job(stored_events, kwargs, idempotency.pending_key())
        with self._queue_lock:
            self._queue.append(job)
        with self._leader:  # whoever holds it writes everything queued so far
            if not job.done:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._write(batch)
        if job.error is not None:
            raise job.error
        return job.positions

    def _write(self, batch: list[_Job]) -> None:
        if len(batch) == 1:  # nobody to share the commit with: no savepoint needed
            job = batch[0]
            try:
                with self._transaction() as c:
                    job.positions = self._insert_events(c, job.events, pending=job.pending,
                                                        links=job.links, **job.kwargs)
                self.heads.committed(job.links)
            except BaseException as e:
                job.error, job.positions = e, None
            finally:
                job.done = True
            return
        try:
            with self._transaction() as c:
                for job in batch:
                    c.execute("SAVEPOINT lotse_job")
                    try:
                        job.positions = self._insert_events(c, job.events, pending=job.pending,
                                                            links=job.links, **job.kwargs)
                    except sqlite3.IntegrityError as e:
                        c.execute("ROLLBACK TO lotse_job")
                        job.error, job.positions = IntegrityError(e), None
                    c.execute("RELEASE lotse_job")
        except BaseException as e:  # the commit failed: nothing of the batch is stored
            for job in batch:
                if job.error is None:
                    job.error, job.positions = e, None
        else:
            for job in batch:
                if job.error is None:
                    self.heads.committed(job.links)
        finally:
            for job in batch:
                job.done = True

    def _stored_links(self, c: SQLiteCursor, wanted: Sequence[tuple[str, int]]
                      ) -> dict[tuple[str, int], bytes]:
        """The stored links of these events."""
        found = {}
        for key, version in wanted:
            c.execute(f"SELECT {chain.COLUMN} FROM {self.events_table_name} "  # noqa: S608
                      "WHERE originator_id = ? AND originator_version = ?", (key, version))
            row = c.fetchone()
            if row is not None and row[0] is not None:
                found[key, version] = bytes(row[0])
        return found

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], *,
                       pending: idempotency.PendingKey | None = None,
                       links: list[chain.Link] | None = None,
                       **kwargs: Any) -> Sequence[int] | None:
        """The library's insert, each event with its link in the same statement."""
        new = self.heads.links_for(stored_events,
                                   lambda wanted: self._stored_links(c, wanted)
                                   ) if stored_events else []
        raw, statement = c.sqlite_cursor, self.insert_events_statement
        positions: list[int] = []
        if new:
            for e, li in zip(stored_events, new, strict=True):
                raw.execute(statement, (li.originator, e.originator_version, e.topic,
                                        e.state, li.hash))
                positions.append(raw.lastrowid)  # type: ignore[arg-type]
            if links is not None:
                links.extend(new)
        else:  # (no links: the benchmark's commands without the chain)
            for e in stored_events:
                raw.execute(statement, (chain.originator_key(e.originator_id),
                                        e.originator_version, e.topic, e.state, None))
                positions.append(raw.lastrowid)  # type: ignore[arg-type]
        if pending is not None and stored_events:
            receipt = pending.receipt_for(stored_events, positions)
            c.execute(idempotency.INSERT.format(table=idempotency.TABLE, p="?"),
                      idempotency.row_for(pending, receipt))
        return positions


def _translated(error: BaseException) -> BaseException:
    """SQLite's errors as the library's, which the application and the API handle."""
    if isinstance(error, sqlite3.IntegrityError):
        return IntegrityError(error)
    if isinstance(error, sqlite3.OperationalError):
        return OperationalError(error)
    if isinstance(error, sqlite3.Error):
        return PersistenceError(error)
    return error


def begin_immediate(cursor: Any, timeout: float) -> None:
    """Begin a write transaction, waiting for another process's writer in steps of a
    millisecond. SQLite's own busy handler backs off to sleeps of up to 100 ms, so a
    writer that asks while another process commits continuously (a server under load
    and `lotse projections run`) waited 100-200 ms for a lock free most of the time."""
    deadline = time.monotonic() + timeout
    cursor.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.001)
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


class FairLock:
    """A lock handed to its waiters in the order they came. A plain lock lets the
    thread that just released it take it again at once: under a steady stream of group
    commits the views' catch-up waited at the gate for 100 ms and more."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        try:
            turn.acquire()  # the holder hands the lock over by releasing ``turn``
        except BaseException:
            with self._mutex:
                if turn in self._waiters:
                    self._waiters.remove(turn)
                else:  # handed over meanwhile: pass it on
                    self._hand_over()
            raise

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._waiters:
            self._waiters.popleft().release()  # stays held, by the next in line
        else:
            self._held = False


class GatedSQLiteDatastore(SQLiteDatastore):
    """Writers wait at ``writer_gate`` (in turn), never inside the pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writer_gate = FairLock()

    @contextmanager
    def transaction(self, *, commit: bool, wait_for_disk: bool = True
                    ) -> Iterator[SQLiteCursor]:
        """``wait_for_disk`` off: the commit writes the transaction to the WAL without
        waiting for the disk (``synchronous = NORMAL`` for this transaction only; the
        store stays consistent after a crash, the transaction may be lost with the ones
        after it). For a rebuild's pages, which nobody reads before the switch: the
        switch's own commit waits for the disk, and with it for everything the WAL holds
        before it."""
        if not commit:
            with super().transaction(commit=False) as c:
                yield c
            return
        with self.writer_gate, self.get_connection(commit=True) as connection:
            level = None
            if not wait_for_disk:  # (a safety level cannot change inside a transaction)
                setting = connection.cursor()
                setting.execute("PRAGMA synchronous")
                level = int(setting.fetchone()[0])
                setting.execute("PRAGMA synchronous = NORMAL")
            try:
                with connection.transaction(commit=True) as c:
                    # Take the write lock at the start: a deferred transaction that reads
                    # first and writes later cannot wait for another process's writer
                    # (SQLite answers "database is locked" at once instead of upgrading
                    # its lock).
                    c.execute("ROLLBACK")
                    begin_immediate(c, self.pool.lock_timeout or 5)
                    yield c
            finally:
                if level is not None:  # (the connection goes back to the pool as it was)
                    connection.cursor().execute(f"PRAGMA synchronous = {level}")


class LotseSQLiteFactory(SQLiteFactory):
    application_recorder_class = LotseSQLiteRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        plain = self.datastore
        self.datastore = GatedSQLiteDatastore(
            db_name=plain.pool.db_name, lock_timeout=plain.pool.lock_timeout,
            pool_size=10, max_overflow=30,
            single_row_tracking=plain.single_row_tracking,
            originator_id_type=plain.originator_id_type)
        plain.close()
