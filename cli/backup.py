"""``lotse backup``: a consistent copy of the embedded store, and its restore with the
erasure ledger applied and the log verified (``application/backup.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.store import command_group, configuration_refused, console, errors, open_settings

backup_app = command_group("Back up and restore the store.")


@backup_app.command("create")
def create(file: Annotated[Path, typer.Argument(
        dir_okay=False, help="The backup file to write (must not exist; made 0600).")]) -> None:
    """Copy the SQLite store into FILE while Lotse keeps running (SQLite's online backup).
    On PostgreSQL, explains the pg_dump way."""
    from application.backup import BackupError
    from application.backup import create as make

    settings = open_settings()
    with configuration_refused():
        try:
            made = make(settings, file)
        except BackupError as e:
            errors.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
    console.print(f"Backup written to {made.path}: {made.events:,} events, "
                  f"{made.size / 1e6:.1f} MB, readable by its owner only (0600).",
                  highlight=False)
    console.print("It holds personal data: keep it as safe as the store. Erasures made "
                  "after it stay in force when it is restored (the erasure ledger in "
                  f"{settings.data_dir}).", highlight=False)


@backup_app.command("restore")
def restore(file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="A backup made by `lotse backup create`.")]) -> None:
    """Replace the SQLite store by the backup in FILE (stop the server and every other
    Lotse process first: refused while one has the store open), keep the store it
    replaces beside it as lotse.sqlite.before-restore-YYYYMMDDTHHMMSSZ (in UTC; 0600),
    erase again every family erased since the backup (the erasure ledger) and verify the
    hash chains, the Merkle tree and the checkpoints. Exits 1 if the restored log does
    not verify."""
    from application.backup import BackupError
    from application.backup import restore as put_back
    from application.cases import FamilyCases
    from application.integrity.log import Log
    from cli.audit import _print, say

    settings = open_settings()
    with configuration_refused():
        try:
            restored = put_back(settings, file)
        except BackupError as e:
            errors.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
    say(f"Restored {restored.events:,} events from {file}.")
    if restored.replaced is not None:
        say(f"The store it replaced is kept in {restored.replaced} (readable by its owner "
            "only). It holds personal data: keep it as safe as the store, and delete it once "
            "the restored store has proven right.")
    again = restored.erased_again
    if again:
        say(f"Erased again (erased after the backup was made): {len(again)} "
            f"famil{'ies' if len(again) != 1 else 'y'}: " + ", ".join(str(f) for f in again))
    cases = FamilyCases(settings)
    try:
        _print(restored.report, Log(cases))
    finally:
        cases.close()
    if not restored.report.ok:
        raise typer.Exit(1)
