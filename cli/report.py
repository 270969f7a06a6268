"""``lotse report esf``: the ESF+ common indicators of a project for a reporting period,
as JSON, CSV or an XLSX workbook (the auditor's view, with the evidence)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.store import PROJECTS_HINT, command_group, console, errors, export_file, open_cases

report_app = command_group("Reports for the funder.")


@report_app.command("esf")
def report_esf(
        project: Annotated[str, typer.Option(help="Project code, e.g. KR.")],
        period: Annotated[str, typer.Option(help="2026-H1 (cut-off 30 June) or 2026-H2.")],
        as_known: Annotated[str, typer.Option("--as", help=(
            "now (corrections and backdated entries recorded later included) or cutoff "
            "(only what was recorded by the end of the cut-off day)."))] = "now",
        format: Annotated[str, typer.Option(help="json, csv or xlsx.")] = "json",
        table: Annotated[str, typer.Option(help=(
            "CSV: indicators (default) or programme (the programme figures)."))
        ] = "indicators",
        output: Annotated[Path | None, typer.Option(help=(
            "Write the report here (default: print it)."))] = None,
) -> None:
    """The ESF+ common indicators of a project for a reporting period, with every figure
    that differs between "now" and "at the cut-off" (JSON: with the participants and
    events behind each figure, as an auditor sees them)."""
    import json

    from application.directory import Directory
    from domain.rules import today_in_programme
    from projections.reporting.esf_figures import Period
    from projections.reporting.esf_render import CSV_TABLES, report_csv, report_json, report_xlsx
    from projections.reporting.esf_report import AS_KNOWN, esf_report
    from projections.reporting.offer_render import directory_names, offer_section
    from projections.views.registry import Views

    try:
        chosen = Period.parse(period)
    except ValueError as e:
        errors.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    for option, value, allowed in (("--as", as_known, AS_KNOWN),
                                   ("--format", format, ("json", "csv", "xlsx")),
                                   ("--table", table, CSV_TABLES)):
        if value not in allowed:
            errors.print(f"[red]{option} {value!r}: it is {' or '.join(allowed)}[/red]",
                         highlight=False)
            raise typer.Exit(2)
    if format == "xlsx" and output is None:
        errors.print("[red]an XLSX workbook needs --output FILE[/red]")
        raise typer.Exit(2)
    # (errors and notices on standard error: a report printed to standard output stays
    # whole; the evidence names participants, so a file is new and its owner's alone)
    with export_file(output) as fd:
        with open_cases() as cases:
            directory = Directory(cases)
            if project not in {p.code for p in directory.projects()}:
                errors.print(f"[red]No such project: {project}[/red]{PROJECTS_HINT}",
                             highlight=False)
                raise typer.Exit(2)
            record = directory.project(project)
            if chosen.cutoff >= today_in_programme():  # (after every refusal)
                errors.print(f"[yellow]{chosen} has not ended (cut-off {chosen.cutoff}): "
                             "the figures hold what is recorded so far.[/yellow]",
                             highlight=False)
            views = Views.build(cases)
            views.engine.run_once()
            report = esf_report(cases, views.esf, project, chosen, as_known, details=True,
                                programme=views.programme, yearly_target=record.yearly_target)
            report.social_space = offer_section(
                cases.tables, views.offers, project, chosen.start, chosen.cutoff,
                None if as_known == "now" else chosen.cutoff, hidden=False,
                names=directory_names(record))
        if format == "xlsx":
            content = report_xlsx(report, details=True)
        else:
            text = (report_csv(report, table) if format == "csv" else
                    json.dumps(report_json(report, details=True), ensure_ascii=False,
                               indent=2) + "\n")
            if fd is None:
                sys.stdout.write(text)
                return
            content = text.encode("utf-8")
        assert fd is not None  # (an XLSX workbook needs --output: checked above)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
    console.print(f"Wrote the {chosen} report of {project} ({as_known}) to {output} "
                  "(readable by its owner only).", highlight=False)
