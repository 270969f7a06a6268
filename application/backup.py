"""Backups of the embedded SQLite store, and their restore with an integrity check.

``create`` copies the live store with SQLite's online backup API (a consistent copy
while the server keeps running) into a new file, 0600 from the start. ``restore`` copies
a backup over the store, opens it — which applies the erasure ledger, so a family erased
after the backup stays erased (``application/erasure_ledger``) — and verifies the hash
chains, the Merkle tree and the signed checkpoints (``application/integrity``). It
refuses while another process has the store open (``lotse serve``: stop it first), and
keeps the store it replaces as a safety copy beside it (``SAFETY_COPY``, 0600).

PostgreSQL is backed up and restored with its own tools (``pg_dump``, ``pg_restore``:
``POSTGRES_WAY``); the ledger is applied when Lotse next opens the store.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from application.files import create_private_file
from application.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from application.integrity.findings import Report

EVENTS_TABLE = "stored_events"
SAFETY_COPY = "{name}.before-restore-{at}"
"""The store a restore replaced, beside it (``at``: UTC, ``20261206T121500Z``)."""
IN_USE_WAIT = 0.2
"""Seconds a restore waits for the store's exclusive lock before it calls it in use."""
POSTGRES_WAY = (
    "Lotse's store is PostgreSQL: back it up with pg_dump and restore it with pg_restore "
    "(the README's \"Backups\" shows the commands), e.g.\n"
    "  (umask 077; pg_dump --format=custom --schema=SCHEMA --file=FILE \"$LOTSE_DATABASE_URL\")\n"
    "  pg_restore --clean --if-exists --no-owner --dbname=\"$LOTSE_DATABASE_URL\" FILE\n"
    "then run `lotse audit verify`: opening the store applies the erasure ledger, so "
    "families erased since the dump stay erased.")


class BackupError(RuntimeError):
    """The backup cannot be made or restored; the message says why."""


@dataclass(frozen=True)
class Made:
    path: Path
    size: int
    events: int


@dataclass(frozen=True)
class Restored:
    events: int
    erased_again: tuple[UUID, ...]
    """Families erased after the backup was made: erased again from the ledger."""
    report: Report
    replaced: Path | None
    """The safety copy of the store the backup replaced (None: there was none)."""


def _sqlite_only(settings: Settings) -> None:
    if settings.uses_postgres:
        raise ConfigurationError(POSTGRES_WAY)


def create(settings: Settings, target: Path) -> Made:
    """A consistent copy of the live store in ``target`` (which must not exist)."""
    _sqlite_only(settings)
    source_path = settings.sqlite_path
    if not source_path.exists():
        raise BackupError(f"there is no store at {source_path} to back up")
    try:
        _copy_to_new(source_path, target)
    except FileExistsError:
        raise BackupError(f"{target} exists already: name a new file") from None
    except OSError as e:
        raise BackupError(f"cannot create {target}: {e.strerror}") from None
    return Made(target, target.stat().st_size, _events(target))


def restore(settings: Settings, source: Path) -> Restored:
    """Replace the store by the backup in ``source`` (the store replaced kept as a safety
    copy beside it), apply the erasure ledger and verify the restored log. Refused while
    another process has the store open: stop every Lotse process on the store first."""
    _sqlite_only(settings)
    events = _events(source)  # (refuses a file that is no Lotse store)
    _opens_with_master_key(settings, source)
    from application.cases import FamilyCases
    from application.integrity.service import Integrity

    store = settings.sqlite_path
    replaced = None
    if store.exists():
        _not_in_use(store)
        # Erasures of the store being replaced go into the ledger before it is gone.
        FamilyCases(settings).close()
        replaced = _safety_copy(store)
    from application.files import secure_data_dir

    secure_data_dir(settings)
    _copy(source, store)
    cases = FamilyCases(settings)  # opening applies the ledger
    try:
        report = Integrity(cases).verify()
    finally:
        cases.close()
    return Restored(events, cases.reconciled.erased_again, report, replaced)


def _not_in_use(store: Path) -> None:
    """Refuses a store another process has open. The store runs in WAL mode, where an
    exclusive lock is only granted to a connection that is the store's only one: an idle
    ``lotse serve`` holds it open too. (In another journal mode only a process in the
    middle of a transaction is noticed.)"""
    try:
        db = sqlite3.connect(store, timeout=IN_USE_WAIT, isolation_level=None)
        try:
            db.execute("PRAGMA locking_mode = EXCLUSIVE")
            db.execute("BEGIN EXCLUSIVE")
            db.execute("ROLLBACK")
        finally:
            db.close()
    except sqlite3.OperationalError as e:
        if "locked" not in str(e) and "busy" not in str(e):
            raise BackupError(f"cannot open {store}: {e}") from None
        raise BackupError(f"{store} is in use by another process: stop lotse serve (and "
                          "every other Lotse process on the store) first, then restore "
                          "again") from None


def _safety_copy(store: Path) -> Path:
    """A copy of ``store`` beside it (``SAFETY_COPY``, 0600, never overwriting one)."""
    at = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 100):
        name = SAFETY_COPY.format(name=store.name, at=at) + (f"-{n}" if n > 1 else "")
        target = store.with_name(name)
        try:
            _copy_to_new(store, target)
        except FileExistsError:
            continue
        return target
    raise BackupError(f"cannot name a safety copy of {store}: too many made at {at}")


def _copy_to_new(source: Path, target: Path) -> None:
    """``source`` copied into a new 0600 file ``target`` (``FileExistsError`` if there is
    one); a copy that fails leaves no file behind."""
    os.close(create_private_file(target))
    try:
        _copy(source, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _copy(source: Path, target: Path) -> None:
    """``source`` into ``target`` through SQLite's online backup API."""
    try:
        src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as e:
        raise BackupError(f"cannot copy {source} to {target}: {e}") from None


def _opens_with_master_key(settings: Settings, path: Path) -> None:
    """Refuses a backup of a store with another master key (restored, nothing in it
    could be read), before the store is replaced."""
    from cryptography.exceptions import InvalidTag

    from application.keys import MASTER_KEY_CHECK, unseal, wrapping_aad

    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            row = db.execute("SELECT wrapped_key FROM lotse_family_keys WHERE family_id = ?",
                             (MASTER_KEY_CHECK.hex,)).fetchone()
        finally:
            db.close()
        if row is None or row[0] is None:
            raise InvalidTag
        unseal(settings.resolve_master_key(), row[0], wrapping_aad(MASTER_KEY_CHECK))
    except (sqlite3.Error, InvalidTag):
        raise BackupError(f"{path} is a store of another master key: LOTSE_MASTER_KEY does "
                          "not open it (restore it with the key it was made with)") from None


def _events(path: Path) -> int:
    """The events a store file holds; refuses a file that is no intact Lotse store."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise BackupError(f"{path} is damaged: {check[0] if check else 'no answer'}")
            row = db.execute(f"SELECT COUNT(*) FROM {EVENTS_TABLE}").fetchone()  # noqa: S608
        finally:
            db.close()
    except sqlite3.Error as e:
        raise BackupError(f"{path} is not a Lotse store: {e}") from None
    return int(row[0]) if row else 0
