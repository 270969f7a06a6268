"""``lotse access export``: a person's right of access (GDPR Art. 15) from the command
line, as the API answers it to coordinators (``application/subject_access.py``). The
export is written to the read log under the operator's name."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from cli.store import command_group, console, errors, export_file, open_cases, operator

access_app = command_group("Data subjects' rights (GDPR).")
ENDPOINT = "lotse access export"


class Format(StrEnum):
    JSON = "json"
    HTML = "html"


@access_app.command("export")
def export(family_id: Annotated[UUID, typer.Argument(help="The family's id.")],
           member_id: Annotated[UUID, typer.Argument(help="The member's (person's) id.")],
           format: Annotated[Format, typer.Option(
               help="json, or html: a printable German document.")] = Format.JSON,
           output: Annotated[Path | None, typer.Option(
               dir_okay=False, help="Write to this new file (0600) instead of printing.")]
           = None) -> None:
    """Everything Lotse holds about one member of a family: their data, their ESF+
    participations, the events that concern them (decrypted), the views' documents about
    the family and the family's read log. Logged in the read log."""
    import json

    from application.cases import CaseNotFound
    from application.read_log import ReadLog, now
    from application.subject_access import MemberNotFound, Requested, collect
    from application.subject_access_html import render
    from projections.views.registry import Views
    from projections.views.subject_documents import documents_of

    with export_file(output) as fd:  # (refused before anything is read or logged)
        try:
            with open_cases() as cases:
                views = Views.build(cases)
                views.engine.run_once()
                found = collect(cases, ReadLog(cases.tables), family_id, member_id,
                                documents_of(cases.tables, views.engine.views, family_id),
                                Requested(operator(), "operator", ENDPOINT, None, now()))
        except (CaseNotFound, MemberNotFound) as e:
            rule = "member_not_found" if isinstance(e, MemberNotFound) else "family_not_found"
            errors.print(f"[red]{e}[/red] (rule: {rule})")
            raise typer.Exit(1) from None
    text = (render(found) if format is Format.HTML
            else json.dumps(found, ensure_ascii=False, indent=2) + "\n")
    if fd is None:
        typer.echo(text, nl=False)
        return
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    console.print(f"Written to {output} (readable by its owner only). The export is "
                  "logged in the read log.", highlight=False)
