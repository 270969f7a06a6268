"""Fixtures that run the same tests on the embedded SQLite store and on PostgreSQL.

PostgreSQL comes from ``LOTSE_TEST_POSTGRES_URL`` (default: the local server). When it
cannot be reached the PostgreSQL variants are skipped with a clear reason, except under
``CI=true``, where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from application.cases import FamilyCases
from application.settings import Settings, new_key_text

POSTGRES_URL = os.environ.get("LOTSE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_pg_error: str | None = None
_pg_checked = False


def postgres_unavailable() -> str | None:
    global _pg_checked, _pg_error
    if not _pg_checked:
        _pg_checked = True
        try:
            import psycopg

            with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except Exception as e:
            _pg_error = f"PostgreSQL at {POSTGRES_URL} is unreachable: {e}"
    return _pg_error


def drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def fresh_store(make_settings: SettingsFactory, store: str, tmp_path: Path
                ) -> Iterator[FamilyCases]:
    """A new, empty store of the kind ``store`` beside the test's own (a property test
    gives each example one), closed and, on PostgreSQL, its schema dropped after."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    own: dict[str, Any] = {"data_dir": tmp_path / schema}
    if store == "postgres":
        own["postgres_schema"] = schema
    try:
        with FamilyCases(make_settings(**own)) as app:
            yield app
    finally:
        if store == "postgres":
            drop_schema(schema)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than there are cores. The tests wait, each now and
    then, for a server to start, PostgreSQL or the browser; a third worker on the 2-core
    CI machine kept the cores busy meanwhile (434 s against 463 s)."""
    return (os.cpu_count() or 1) + 1


def pytest_report_header() -> str:
    error = postgres_unavailable()
    if error is None:
        return f"PostgreSQL: {POSTGRES_URL} (tests run on SQLite and PostgreSQL)"
    if IN_CI:
        return f"PostgreSQL: UNREACHABLE ({error}); CI=true, so its tests will FAIL"
    return f"PostgreSQL: UNREACHABLE ({error}); its test variants will be SKIPPED"


STORES = ["sqlite", "postgres"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test on a store runs on each one, except those marked ``store_independent``:
    they check what the store plays no part in (request validation, the schema, refusals
    before anything is stored) and run on SQLite alone."""
    if "store" in metafunc.fixturenames:
        independent = metafunc.definition.get_closest_marker("store_independent")
        metafunc.parametrize("store", STORES[:1] if independent else STORES, indirect=True)


@pytest.fixture
def store(request: pytest.FixtureRequest) -> str:
    """The name of the store a test runs on."""
    if request.param == "postgres":
        error = postgres_unavailable()
        if error:
            if IN_CI:
                pytest.fail(f"{error} (CI=true: PostgreSQL tests must run)")
            pytest.skip(f"{error}; PostgreSQL variant skipped")
    return str(request.param)


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(store: str, tmp_path: Path) -> Iterator[SettingsFactory]:
    """Settings for a fresh, empty store of the current kind; every call with the same
    test shares that store (for several application instances or processes)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    master, signing = new_key_text(), new_key_text()
    used = False  # the API world brings schemas of its own

    def make(**overrides: Any) -> Settings:
        nonlocal used
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "master_key": master,
                                  "signing_key": signing, "mode": "production",
                                  "password_hashing": "light"}
        if store == "postgres":
            # (one kept open: a test's store is built and closed in some 20 ms, and the
            # pool opened the other four in the background for nothing)
            values.update(database_url=POSTGRES_URL, postgres_schema=schema,
                          postgres_connections=1)
        values.update(overrides)
        used = used or values.get("postgres_schema") == schema
        return Settings(**values)

    yield make
    if store == "postgres" and used:
        drop_schema(schema)


@pytest.fixture
def app(make_settings: SettingsFactory) -> Iterator[FamilyCases]:
    application = FamilyCases(make_settings())
    yield application
    application.close()


# the API fixtures, for every test module
from tests.support.world import world, world_templates  # noqa: E402,F401
