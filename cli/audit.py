"""``lotse audit``: tamper evidence - verify the log's chains, tree and checkpoints, and
hand a signed checkpoint to an outside witness."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from cli.store import command_group, console, errors, open_cases, require_signing_key

if TYPE_CHECKING:
    from application.integrity.findings import Finding, Report
    from application.integrity.log import Log

audit_app = command_group("Tamper evidence of the event log.")


@audit_app.command("verify")
def verify(family: Annotated[UUID | None, typer.Option(
               help="Check only this family's hash chain (no tree, no checkpoints).")] = None,
           against: Annotated[Path | None, typer.Option(
               exists=True, dir_okay=False, readable=True,
               help="A checkpoint a witness holds (from `lotse audit checkpoint --export`): "
                    "prove the log still extends it.")] = None) -> None:
    """Check every event's link in its hash chain, the Merkle tree over the log and every
    signed checkpoint; name the first family and version that does not verify. Exits 1
    when something does not verify."""
    from application.integrity.log import Log
    from application.integrity.notes import NoteError
    from application.integrity.service import Integrity
    from application.integrity.split import helper

    share_helper = helper() if family is None else None  # forked before the store opens
    try:
        with open_cases() as cases:
            try:
                text = None if against is None else against.read_text(encoding="utf-8")
                report = Integrity(cases).verify(family, text, share_helper)
            except (NoteError, UnicodeDecodeError) as e:
                errors.print(f"[red]{against} is not a checkpoint: {e}[/red]")
                raise typer.Exit(2) from None
            if family is not None and not report.events:
                errors.print(f"[red]The log holds no events of family {family}[/red]: "
                             "check the id (`GET /families?q=<case number>` gives a "
                             "family's id).", highlight=False)
                raise typer.Exit(2)
            _print(report, Log(cases))
    finally:
        if share_helper is not None:
            share_helper.close()
    if not report.ok:
        raise typer.Exit(1)


def _print(report: Report, log: Log) -> None:
    scope = f"family {UUID(report.family)}" if report.family else "the log"
    say(f"Checked {report.events:,} events of {scope} in {report.seconds:.2f} s.")
    if report.family is None:
        say(f"Merkle tree: {report.size:,} events, root {_b64(report.root)} (as a "
            "checkpoint's third line writes it)")
        signed = (f"signatures with the key {report.signing_key}" if report.signing_key
                  else "signatures NOT checked (no LOTSE_SIGNING_KEY)")
        if report.checkpoints:
            say(f"Checkpoints: {report.checkpoints:,} checked, {signed}.")
        else:
            say(f"Checkpoints: none yet ({'' if report.signing_key else signed + '; '}"
                "`lotse audit checkpoint` signs one; a running `lotse serve` or `lotse "
                "projections run` signs one every two minutes while the log grows).")
    if report.witness is not None:
        w = report.witness
        verdict = "extends" if w.extended else "does NOT extend"
        say(f"Witness: the log {verdict} its checkpoint of {w.size:,} events "
            f"(consistency proof: {w.proof_hashes} hashes).")
    if report.ok:
        say("Verified: nothing was altered.", "green")
        return
    total = len(report.findings) + report.more
    say(f"NOT VERIFIED: {total} finding{'s' if total != 1 else ''}.", "red bold")
    for i, finding in enumerate(report.findings[:SHOWN]):
        what, detail = _name(finding, log)
        say(("First: " if i == 0 else "- ") + what, "red" if i == 0 else None)
        say(f"  {detail}")
    if total > SHOWN:
        say(f"… and {total - SHOWN} more.")


SHOWN = 10


def _b64(root: bytes) -> str:
    """A tree's root as signed notes write it (base64), so that a witness can compare
    what verify prints with the checkpoint it keeps."""
    import base64

    return base64.b64encode(root).decode()


def say(text: str, style: str | None = None) -> None:
    """A paragraph wrapped to the terminal, continued lines indented, never split
    inside a word (ids and keys stay whole)."""
    import textwrap

    width = max(console.width, 40)
    lines = textwrap.wrap(text, width=width, subsequent_indent="  ",
                          break_long_words=False, break_on_hyphens=False)
    console.print("\n".join(lines), style=style, soft_wrap=True, highlight=False,
                  markup=False)


def _name(finding: Finding, log: Log) -> tuple[str, str]:
    """What (family and version, or the tree) and the finding's kind with its detail."""
    from application.integrity.log import describe

    if finding.originator is None:
        return f"{finding.kind}", finding.detail
    return (f"{describe(log, finding.originator)}, version {finding.version} "
            f"(event {finding.position})", f"{finding.kind}: {finding.detail}")


@audit_app.command("checkpoint")
def checkpoint(export: Annotated[Path | None, typer.Option(
        dir_okay=False, help="Write the signed checkpoint here, for a witness.")] = None,
               ) -> None:
    """Sign a checkpoint of the log as it stands now (tree size, root hash, time); with
    --export, write it to a file for an outside witness (the funder, the data-protection
    officer), who keeps it and later runs `lotse audit verify --against FILE`."""
    from application.integrity.service import Integrity

    with open_cases() as cases:
        require_signing_key(cases.settings)
        integrity = Integrity(cases)
        stored = integrity.checkpoint()
        if stored is None:
            errors.print("[red]The log is empty: nothing to sign yet.[/red]")
            raise typer.Exit(1)
        say(f"Checkpoint of {stored.size:,} events, root {_b64(stored.root)}")
        if export is not None:
            export.write_text(stored.note, encoding="utf-8")
            say(f"Written to {export}. The witness checks its signature with this key:")
            say(integrity.verifier_key() or "")
