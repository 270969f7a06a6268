"""``lotse``: the command line (server, projects and staff, demo data, keys)."""

from __future__ import annotations

import getpass
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

from application.cases import FamilyCases
from application.directory import Directory
from application.settings import ConfigurationError, Settings, new_key_text
from domain.directory import Role
from domain.errors import DomainError
from domain.rules import today_in_programme

app = typer.Typer(help="Lotse: case tracking for ESF+ family coaching programmes.",
                  no_args_is_help=True)
projects_cli = typer.Typer(help="Programme sites (projects).", no_args_is_help=True)
staff_cli = typer.Typer(help="Staff accounts, roles and tokens.", no_args_is_help=True)
app.add_typer(projects_cli, name="projects")
app.add_typer(staff_cli, name="staff")
projections_cli = typer.Typer(help="Read-model views.", no_args_is_help=True)
app.add_typer(projections_cli, name="projections")
report_cli = typer.Typer(help="Reports for the funder.", no_args_is_help=True)
app.add_typer(report_cli, name="report")
console = Console()

if TYPE_CHECKING:
    from api.demo_data import DemoStaff


def _settings() -> Settings:
    try:
        settings = Settings()
        settings.resolve_master_key()
    except (ConfigurationError, ValueError) as e:
        console.print(f"[red]Configuration error:[/red] {e}")
        raise typer.Exit(2) from None
    return settings


def _cases(settings: Settings) -> FamilyCases:
    try:
        return FamilyCases(settings)
    except ConfigurationError as e:
        console.print(f"[red]Configuration error:[/red] {e}")
        raise typer.Exit(2) from None


def _operator() -> str:
    """Who ran a command-line change (recorded with its events)."""
    return f"cli:{getpass.getuser()}"


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]{error.message}[/red] (rule: {error.rule})")
    return typer.Exit(1)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help=(
              "Server processes (PostgreSQL; the embedded store serves best with 1)."))] = 1,
          ) -> None:
    """Serve the HTTP API (embedded store in LOTSE_DATA_DIR, or LOTSE_DATABASE_URL)."""
    import uvicorn

    settings = _settings()
    where = "PostgreSQL" if settings.uses_postgres else f"embedded store {settings.sqlite_path}"
    console.print(f"Lotse API on http://{host}:{port} ({where}); docs at /docs")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=os.environ.get("LOTSE_LOG_LEVEL", "info"), access_log=False)


@app.command()
def demo(families: Annotated[int, typer.Option(min=1, max=5000, help=(
        "How many fictional families to record."))] = 300) -> None:
    """Load a fictional data set: three projects, their staff and families with up to 18
    months of casework. Prints a token per staff member to try the API with."""
    from api.demo_data import load_demo

    settings = _settings()
    with _cases(settings) as cases:
        directory = Directory(cases)
        if directory.projects():
            console.print("[yellow]This store holds projects already; the demo needs an "
                          "empty data directory (set LOTSE_DATA_DIR).[/yellow]")
            raise typer.Exit(1)
        with console.status(f"Recording {families} fictional families ..."):
            summary = load_demo(cases, directory, today=today_in_programme(),
                                families=families)
    _print_staff(summary.staff)
    console.print(f"{summary.families} families, {summary.events} events in projects "
                  f"{', '.join(summary.projects)}. Start the API with `lotse serve`.")


def _print_staff(staff: list[DemoStaff]) -> None:
    table = Table(title="Demo staff")
    for column in ("project", "role", "name", "staff id"):
        table.add_column(column)
    for s in staff:
        table.add_row(s.project, s.role, s.name, s.staff_id)
    console.print(table)
    console.print("Tokens (shown only now; one per line, project role staff-id token):")
    for s in staff:  # plain lines: a table would wrap the tokens
        print(f"{s.project} {s.role:<13} {s.staff_id} {s.token}")


@app.command("demo-data")
def demo_data(families: Annotated[int, typer.Option(min=1, max=5_000_000, help=(
                  "How many fictional families to record (about 20 events each)."))],
              seed: Annotated[int, typer.Option(help=(
                  "The same seed gives the same families and histories."))] = 7,
              chunk: Annotated[int, typer.Option(min=1, max=10_000, help=(
                  "Families saved per transaction (on PostgreSQL at most 2,000 events)."
                  ))] = 250) -> None:
    """Record many fictional families fast, for benchmarks: the families `lotse demo`
    records (same planning, same rules, the same histories for a seed), saved a chunk of
    families per transaction, about ten times faster. Adds the three demo projects and
    their staff when they are missing (printing their tokens once) and otherwise uses the
    projects' staff as they are; refuses a store whose demo projects already hold
    families of the last 18 months (case numbers follow intake dates). Nobody else should
    record in the demo projects meanwhile: that stops the load (the chunks saved before
    stay)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from api.bulk_demo import load_bulk_demo, refuse_loaded
    from api.demo_data import DemoAlreadyLoaded

    settings = _settings()
    today = today_in_programme()
    with _cases(settings) as cases:
        try:
            refuse_loaded(cases, today)
        except DemoAlreadyLoaded as e:
            console.print(f"[yellow]{e}[/yellow]")
            raise typer.Exit(1) from None
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("families {task.fields[events]:>12,} "
                                                       "events"),
                      TextColumn("{task.fields[rate]:>8,.0f} events/s"), TimeElapsedColumn(),
                      console=console) as bar:
            task = bar.add_task("Recording", total=families, events=0, rate=0.0)
            started = time.perf_counter()

            def progress(done: int, events: int) -> None:
                bar.update(task, completed=done, events=events,
                           rate=events / max(time.perf_counter() - started, 1e-6))

            try:
                summary = load_bulk_demo(cases, Directory(cases), today=today,
                                         families=families, seed=seed, chunk=chunk,
                                         progress=progress)
            except (DemoAlreadyLoaded, ValueError) as e:
                bar.stop()
                console.print(f"[yellow]{e}[/yellow]")
                raise typer.Exit(1) from None
            seconds = time.perf_counter() - started
            bar.update(task, completed=summary.families, events=summary.events,
                       rate=summary.events / max(seconds, 1e-6))
    if summary.staff:
        _print_staff(summary.staff)
    console.print(f"{summary.families:,} families, {summary.events:,} events in "
                  f"{seconds:.1f} s ({summary.events / max(seconds, 1e-6):,.0f} events/s)")


@projects_cli.command("add")
def projects_add(code: Annotated[str, typer.Argument(help="2-10 capitals/digits, e.g. KR")],
                 name: Annotated[str, typer.Option(help="e.g. 'WiQ Plus Krefeld'")],
                 yearly_target: Annotated[int | None, typer.Option(
                     help="Families to reach per year.")] = None) -> None:
    """Add a project (a programme site)."""
    with _cases(_settings()) as cases:
        try:
            project = Directory(cases).add_project(code=code, name=name,
                                                   yearly_target=yearly_target,
                                                   recorded_by=_operator())
        except DomainError as e:
            raise _fail(e) from None
    console.print(f"Project {project.code} ({project.name}) added.")


@projects_cli.command("list")
def projects_list() -> None:
    """List the projects."""
    with _cases(_settings()) as cases:
        table = Table("code", "name", "yearly target")
        for p in Directory(cases).projects():
            table.add_row(p.code, p.name, str(p.yearly_target or "-"))
    console.print(table)


@staff_cli.command("add")
def staff_add(project: Annotated[str, typer.Option(help="Project code.")],
              role: Annotated[Role, typer.Option(help="Role in that project.")],
              name: Annotated[str, typer.Option(help="Full name.")]) -> None:
    """Add a staff member; the last line printed is their token, shown only now."""
    with _cases(_settings()) as cases:
        try:
            issued = Directory(cases).add_staff(name=name, project=project, role=role,
                                                recorded_by=_operator())
        except DomainError as e:
            raise _fail(e) from None
    console.print(f"Staff {issued.staff_id} is {role} in {project}. Token (shown once):")
    print(issued.token)


@staff_cli.command("grant")
def staff_grant(staff_id: str, project: Annotated[str, typer.Option()],
                role: Annotated[Role, typer.Option()]) -> None:
    """Give a staff member a role in (another) project."""
    with _cases(_settings()) as cases:
        try:
            Directory(cases).grant_role(staff_id=staff_id, project=project, role=role,
                                        recorded_by=_operator())
        except DomainError as e:
            raise _fail(e) from None
    console.print(f"{staff_id} is now {role} in {project}.")


@staff_cli.command("token")
def staff_token(staff_id: str) -> None:
    """Issue another token; the last line printed is the token, shown only now."""
    with _cases(_settings()) as cases:
        try:
            issued = Directory(cases).issue_token(staff_id=staff_id, recorded_by=_operator())
        except DomainError as e:
            raise _fail(e) from None
    console.print(f"New token {issued.token_id} for {staff_id} (shown once):")
    print(issued.token)


@staff_cli.command("revoke")
def staff_revoke(staff_id: str, token_id: Annotated[str, typer.Argument(
        help="The token id (the part after `lotse_`, before the next `_`).")]) -> None:
    """Revoke a token at once, in every server process."""
    with _cases(_settings()) as cases:
        try:
            Directory(cases).revoke_token(staff_id=staff_id, token_id=token_id,
                                          recorded_by=_operator())
        except DomainError as e:
            raise _fail(e) from None
    console.print(f"Token {token_id} of {staff_id} revoked.")


@staff_cli.command("list")
def staff_list(project: Annotated[str | None, typer.Option()] = None) -> None:
    """List staff with their roles and active token ids."""
    with _cases(_settings()) as cases:
        table = Table("staff id", "name", "roles", "active tokens")
        for s in Directory(cases).staff(project):
            table.add_row(s.staff_id, s.name or "-",
                          ", ".join(f"{p}: {r}" for p, r in s.roles.items()),
                          ", ".join(s.active_tokens) or "-")
    console.print(table)


@projections_cli.command("run")
def projections_run(poll: Annotated[float, typer.Option(min=0.001, max=60, help=(
        "Seconds between looks for new events. On PostgreSQL new events also wake the "
        "process at once; on the embedded store, where other processes' events are only "
        "seen by looking, a short poll keeps the views close behind the server."))] = 0.01,
                    ) -> None:
    """Keep the views current in a process of its own (until Ctrl-C or SIGTERM)."""
    import signal
    import threading

    from projections.engine.runner import Runner, settle_garbage_collector
    from projections.views.registry import Views

    with _cases(_settings()) as cases:
        runner = Runner(cases, [Views.build(cases).engine], poll_seconds=poll)
        settle_garbage_collector()
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        runner.start()
        console.print("Keeping the views current; Ctrl-C stops.")
        try:
            done.wait()
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()


@projections_cli.command("status")
def projections_status() -> None:
    """Per view: its position in the event log, how far behind it is, and how old the
    oldest event it has not applied is (the same at GET /admin/views and /metrics)."""
    from projections.views.registry import Views

    with _cases(_settings()) as cases:
        table = Table("generation", "position", "log head", "behind",
                      "oldest unprocessed", "events/s (last page)")
        table.columns.insert(0, Column("view", no_wrap=True))
        for s in Views.build(cases).engine.status():
            age = "-" if s.oldest_unprocessed_seconds is None else (
                f"{s.oldest_unprocessed_seconds:.1f} s")
            rate = "-" if s.events_per_second is None else f"{s.events_per_second:,.0f}"
            table.add_row(s.name, str(s.generation), str(s.position), str(s.head),
                          str(s.behind), age, rate)
    console.print(table)


@projections_cli.command("rebuild")
def projections_rebuild(views: Annotated[list[str] | None, typer.Argument(
        help="Views to rebuild (default: all).", show_default=False)] = None,
                        workers: Annotated[int | None, typer.Option(min=1, max=64, help=(
                            "Processes that share the families out (default: one per "
                            "core)."), show_default=False)] = None,
                        ) -> None:
    """Rebuild views from the whole event log into new tables while the current ones go
    on serving (also to other processes), then switch over. Safe while the service runs
    and records: what is written meanwhile is in the new tables."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from projections.engine import default_workers, rebuild
    from projections.views.registry import views_named

    try:
        chosen = views_named(views or [])
    except KeyError as e:
        console.print(f"[red]No such view: {e.args[0]}[/red] (views: "
                      f"{', '.join(v.name for v in views_named([]))})")
        raise typer.Exit(2) from None
    with _cases(_settings()) as cases, Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("log positions"), TextColumn("{task.fields[rate]:>9,.0f} events/s"),
            TimeElapsedColumn(), TimeRemainingColumn(), console=console) as bar:
        names = ", ".join(v.name for v in chosen)
        task = bar.add_task(f"Rebuilding {names}", total=None, rate=0.0)
        started = time.perf_counter()

        def progress(position: int, head: int) -> None:
            bar.update(task, completed=position, total=head,
                       rate=position / max(time.perf_counter() - started, 1e-6))

        done = rebuild(cases, chosen, progress=progress,
                       workers=workers or default_workers())
    for r in done:
        console.print(f"{r.name}: now generation {r.generation}")
    seconds = max((r.seconds for r in done), default=0.0)
    events = max((r.events for r in done), default=0)
    console.print(f"Rebuilt {names}: {events:,} events in {seconds:.1f} s "
                  f"({events / max(seconds, 1e-6):,.0f} events/s); switched over.")


@report_cli.command("esf")
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

    from projections.reporting.esf_figures import Period
    from projections.reporting.esf_render import CSV_TABLES, report_csv, report_json, report_xlsx
    from projections.reporting.esf_report import AS_KNOWN, esf_report
    from projections.views.registry import Views

    try:
        chosen = Period.parse(period)
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    if as_known not in AS_KNOWN or format not in ("json", "csv", "xlsx") or (
            table not in CSV_TABLES):
        console.print("[red]--as is now or cutoff; --format is json, csv or xlsx; --table "
                      "is indicators or programme[/red]")
        raise typer.Exit(2)
    if format == "xlsx" and output is None:
        console.print("[red]an XLSX workbook needs --output FILE[/red]")
        raise typer.Exit(2)
    with _cases(_settings()) as cases:
        if project not in {p.code for p in Directory(cases).projects()}:
            console.print(f"[red]No such project: {project}[/red]")
            raise typer.Exit(2)
        views = Views.build(cases)
        views.engine.run_once()
        report = esf_report(cases, views.esf, project, chosen, as_known, details=True,
                            programme=views.programme,
                            yearly_target=Directory(cases).project(project).yearly_target)
    if format == "xlsx":
        assert output is not None
        output.write_bytes(report_xlsx(report, details=True))
        console.print(f"Wrote the {chosen} report of {project} ({as_known}) to {output}.")
        return
    text = (report_csv(report, table) if format == "csv" else
            json.dumps(report_json(report, details=True), ensure_ascii=False, indent=2) + "\n")
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote the {chosen} report of {project} ({as_known}) to {output}.")


@app.command()
def keygen() -> None:
    """Print a new master key for LOTSE_MASTER_KEY."""
    console.print(new_key_text())


def main() -> None:
    app()
