"""Which store the application uses: the embedded SQLite file or PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

from eventsourcing.utils import get_topic

from application.files import secure_data_dir
from application.recorders import LotseSQLiteFactory
from application.settings import Settings

SQLITE_LOCK_TIMEOUT_SECONDS = 30
POSTGRES_FACTORY = "application.postgres_recorder:LotsePostgresFactory"
"""By topic: the library imports it (and psycopg) only for a store on PostgreSQL."""


def persistence_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing environment for the configured store."""
    env = {"IS_SNAPSHOTTING_ENABLED": "y"}
    if settings.database_url is None:
        secure_data_dir(settings)
        env.update(PERSISTENCE_MODULE=get_topic(LotseSQLiteFactory),
                   SQLITE_DBNAME=str(settings.sqlite_path),
                   SQLITE_LOCK_TIMEOUT=str(SQLITE_LOCK_TIMEOUT_SECONDS))
        return env
    url = urlsplit(settings.database_url)
    env.update(
        PERSISTENCE_MODULE=POSTGRES_FACTORY,
        POSTGRES_DBNAME=unquote(url.path.lstrip("/")) or "postgres",
        POSTGRES_HOST=url.hostname or "127.0.0.1",
        POSTGRES_PORT=str(url.port or 5432),
        POSTGRES_USER=unquote(url.username or "postgres"),
        POSTGRES_PASSWORD=unquote(url.password or ""),
        POSTGRES_CONNECT_TIMEOUT="5",
        POSTGRES_LOCK_TIMEOUT="10",
        POSTGRES_POOL_SIZE=str(settings.postgres_connections),
        POSTGRES_MAX_OVERFLOW="5",
    )
    if settings.postgres_schema:
        ensure_schema(settings.database_url, settings.postgres_schema)
        env["POSTGRES_SCHEMA"] = settings.postgres_schema
    return env


_held = threading.local()


@contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """Serialises start-up table creation across processes (PostgreSQL answers
    concurrent ``CREATE ... IF NOT EXISTS`` of one table with a unique violation, and
    concurrent ``CREATE OR REPLACE FUNCTION`` with "tuple concurrently updated").
    A session-level advisory lock per schema, held on a connection of its own; taken
    again inside (by the same thread) it is already held: a start-up that creates the
    store's tables and then the views' opens one connection for it, not one a step."""
    if settings.database_url is None:
        yield
        return
    import psycopg

    key = f"lotse-schema:{settings.postgres_schema or 'public'}"
    held: set[tuple[str, str]] = getattr(_held, "keys", set())
    _held.keys = held
    if (settings.database_url, key) in held:
        yield
        return
    with psycopg.connect(settings.database_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        held.add((settings.database_url, key))
        try:
            yield
        finally:
            held.discard((settings.database_url, key))
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def ensure_schema(database_url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
