"""Backups (issue 13 item 10): ``lotse backup create`` writes a consistent copy, 0600;
``lotse backup restore`` puts it back and verifies the log. A family erased after the
backup was made stays erased after the restore: the erasure ledger outside the store
erases it again, on a restore and whenever a store is opened (so also a PostgreSQL store
brought back by ``pg_restore``)."""

from __future__ import annotations

import re
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.erasure_ledger import RESTORED_BY, ErasureLedger, ledger_path
from application.integrity.service import Integrity
from application.settings import Settings
from cli.main import app as cli
from domain.events import PersonalDataErased
from domain.values import ErasureBasis
from tests.support.builders import open_case
from tests.support.processes import configure_lotse

ERASED_ON = date(2026, 4, 1)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100"})


def configure(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    configure_lotse(monkeypatch, settings)


def erase(app: FamilyCases, family_id: UUID) -> None:
    app.erase_personal_data(family_id, legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Löschantrag", occurred_on=ERASED_ON, recorded_by="co-cora")


def names(app: FamilyCases, family_id: UUID) -> list[str | None]:
    return [m.given_name for m in app.get_case(family_id).state.members.values()]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.store_independent
def test_backup_erase_restore_keeps_the_family_erased_and_the_log_verifies(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = make_settings()
    configure(settings, monkeypatch)
    with FamilyCases(settings) as app:
        kept, erased = (open_case(app)[0].family_id for _ in range(2))
        erase(app, kept)  # erased before the backup: erased in it already
    backup = tmp_path / "lotse-backup.sqlite"
    made = run("backup", "create", str(backup))
    assert made.exit_code == 0, made.output
    assert mode(backup) == 0o600
    assert run("backup", "create", str(backup)).exit_code == 1  # never overwritten

    with FamilyCases(settings) as app:
        erase(app, erased)
    ledger = ledger_path(settings)
    assert set(ErasureLedger(ledger).entries()) == {kept, erased}
    assert mode(ledger) == 0o600

    restored = run("backup", "restore", str(backup))
    assert restored.exit_code == 0, restored.output
    flat = " ".join(restored.output.split())
    assert f"Erased again (erased after the backup was made): 1 family: {erased}" in flat
    assert "Verified: nothing was altered." in flat
    # The store the backup replaced is kept beside it, 0600, and the output names it.
    store = settings.sqlite_path
    [replaced] = store.parent.glob(f"{store.name}.before-restore-*")
    assert re.fullmatch(rf"{re.escape(store.name)}\.before-restore-\d{{8}}T\d{{6}}Z",
                        replaced.name)
    assert mode(replaced) == 0o600
    assert f"The store it replaced is kept in {replaced}" in flat
    with sqlite3.connect(replaced) as copy:  # (the replaced store: the erasure in it)
        assert copy.execute("SELECT COUNT(*) FROM lotse_family_keys WHERE family_id = ? "
                            "AND wrapped_key IS NULL", (erased.hex,)).fetchone() == (1,)
    with FamilyCases(settings) as app:
        assert app.get_case(erased).state.status.value == "erased"
        assert names(app, erased) == [None, None]
        assert app.keys.key_for_reading(erased) is None
        last = list(app.events.get(erased))[-1]
        assert isinstance(last, PersonalDataErased)
        assert (last.recorded_by, last.occurred_on) == (RESTORED_BY, ERASED_ON)
        assert app.get_case(kept).state.status.value == "erased"
        assert Integrity(app).verify().ok
        assert not app.reconciled.erased_again  # once is enough
    assert run("audit", "verify").exit_code == 0


@pytest.mark.store_independent
def test_restore_refuses_while_another_process_has_the_store_open(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """As an idle ``lotse serve`` holds it: refused, the store left as it was, no copy."""
    settings = make_settings()
    configure(settings, monkeypatch)
    with FamilyCases(settings) as app:
        mine = open_case(app)[0].family_id
    backup = tmp_path / "backup.sqlite"
    assert run("backup", "create", str(backup)).exit_code == 0
    store = settings.sqlite_path
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
         "db.execute('SELECT COUNT(*) FROM stored_events').fetchall(); print('open', "
         "flush=True); sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        result = run("backup", "restore", str(backup))
    finally:
        holder.communicate("", timeout=10)
    assert result.exit_code == 1
    assert "is in use by another process: stop lotse serve" in " ".join(result.output.split())
    assert not list(store.parent.glob("*.before-restore-*"))
    with FamilyCases(settings) as app:
        assert names(app, mine) == ["Amira", "Noah"]
    assert run("backup", "restore", str(backup)).exit_code == 0  # (once it has stopped)


@pytest.mark.store_independent
def test_restore_refuses_a_file_that_is_no_store(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    configure(make_settings(), monkeypatch)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    result = run("backup", "restore", str(junk))
    assert result.exit_code == 1
    assert "is not a Lotse store" in " ".join(result.output.split())


@pytest.mark.store_independent
def test_restore_refuses_a_backup_of_another_master_key_and_keeps_the_store(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from application.settings import new_key_text

    foreign = make_settings(data_dir=tmp_path / "foreign", master_key=new_key_text())
    with FamilyCases(foreign) as app:
        open_case(app)
    configure(foreign, monkeypatch)
    backup = tmp_path / "foreign.sqlite"
    assert run("backup", "create", str(backup)).exit_code == 0
    settings = make_settings()
    configure(settings, monkeypatch)
    with FamilyCases(settings) as app:
        mine = open_case(app)[0].family_id
    result = run("backup", "restore", str(backup))
    assert result.exit_code == 1
    assert "another master key" in " ".join(result.output.split())
    with FamilyCases(settings) as app:
        assert names(app, mine) == ["Amira", "Noah"]


def test_the_ledger_erases_again_when_a_store_is_opened(make_settings: Any) -> None:
    """A store brought back by other means (pg_restore, a copied file) without an
    erasure it had: the next open erases the family again. Simulated by entering an
    erasure into the ledger only."""
    settings = make_settings()
    with FamilyCases(settings) as app:
        family_id = open_case(app)[0].family_id
        other = open_case(app)[0].family_id
    from application.erasure_ledger import enter

    with FamilyCases(settings) as app:
        enter(app, family_id, ERASED_ON, ErasureBasis.UNLAWFULLY_RECORDED)
    with FamilyCases(settings) as app:
        assert app.reconciled.erased_again == (family_id,)
        assert app.get_case(family_id).state.status.value == "erased"
        assert names(app, family_id) == [None, None]
        assert names(app, other) == ["Amira", "Noah"]
        assert Integrity(app).verify().ok
    with FamilyCases(settings) as app:
        assert app.reconciled == type(app.reconciled)((), ())


def test_the_ledger_records_an_erasure_again_whatever_rules_would_refuse_a_new_one(
        make_settings: Any) -> None:
    """The family WAS erased: its erasure is recorded again as the fact it is, on the
    ledger's date and basis — a date before the restored intake (a correction the
    backup lacks), a basis not known (None, not made up), a request basis in a project
    whose retention runs (no last payment recorded: a new erasure on that basis is
    refused there, ``domain/retention.py``) — never refused, never entered twice."""
    from application.erasure_ledger import Erased, enter

    settings = make_settings()
    with FamilyCases(settings) as app:
        early, unknown, requested = (open_case(app)[0].family_id for _ in range(3))
        enter(app, early, date(2020, 1, 1), ErasureBasis.AUTHORITY_ORDER)
        enter(app, requested, ERASED_ON, ErasureBasis.ART17_REQUEST)
    ledger = ErasureLedger(ledger_path(settings))
    ledger.append([Erased(unknown, ERASED_ON, None, datetime.now(UTC))])
    with FamilyCases(settings) as app:
        assert set(app.reconciled.erased_again) == {early, unknown, requested}
        for family_id, on, basis in ((early, date(2020, 1, 1), ErasureBasis.AUTHORITY_ORDER),
                                     (unknown, ERASED_ON, None),
                                     (requested, ERASED_ON, ErasureBasis.ART17_REQUEST)):
            last = list(app.events.get(family_id))[-1]
            assert isinstance(last, PersonalDataErased), family_id
            assert (last.recorded_by, last.occurred_on, last.legal_basis) == (
                RESTORED_BY, on, basis)
            assert app.get_case(family_id).state.status.value == "erased"
            assert app.keys.key_for_reading(family_id) is None
        assert Integrity(app).verify().ok
    assert len(ledger.path.read_text().splitlines()) == 3  # (not entered again)


def test_erasures_the_store_knows_are_entered_into_a_missing_ledger(
        make_settings: Any) -> None:
    settings = make_settings()
    with FamilyCases(settings) as app:
        family_id = open_case(app)[0].family_id
        erase(app, family_id)
    ledger = ledger_path(settings)
    ledger.unlink()
    with FamilyCases(settings) as app:
        assert app.reconciled.entered == (family_id,)
    entry = ErasureLedger(ledger).entries()[family_id]
    assert (entry.erased_on, entry.legal_basis) == (ERASED_ON, ErasureBasis.ART17_REQUEST)


@pytest.mark.store_independent
def test_backup_on_postgres_explains_pg_dump(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOTSE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path))
    result = run("backup", "create", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "pg_dump" in result.output
    assert "pg_restore" in result.output
    assert not (tmp_path / "x").exists()


def test_a_pg_restore_of_a_dump_older_than_an_erasure_is_erased_again_at_start_up(
        store: str, make_settings: Any, tmp_path: Path) -> None:
    """The README's PostgreSQL way, for real: pg_dump, an erasure, pg_restore of the
    older dump; the next open erases the family again and the log verifies."""
    import shutil
    import subprocess

    if store != "postgres":
        pytest.skip("PostgreSQL's tools; SQLite: lotse backup restore, tested above")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    settings = make_settings()
    with FamilyCases(settings) as app:
        erased, kept = (open_case(app)[0].family_id for _ in range(2))
    dump = tmp_path / "lotse.dump"
    url, schema = str(settings.database_url), str(settings.postgres_schema)
    subprocess.run(["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}",
                    url], check=True, capture_output=True, timeout=120)
    with FamilyCases(settings) as app:
        erase(app, erased)
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={url}",
                    str(dump)], check=True, capture_output=True, timeout=120)

    with FamilyCases(settings) as app:
        assert app.reconciled.erased_again == (erased,)
        assert app.get_case(erased).state.status.value == "erased"
        assert names(app, erased) == [None, None]
        assert names(app, kept) == ["Amira", "Noah"]
        assert Integrity(app).verify().ok
