"""``lotse demo`` and ``lotse demo-data``: the fictional data set, for trying the API
(through the application, a family at a time) and for benchmarks (in bulk)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from cli.store import console, fits, open_cases

if TYPE_CHECKING:
    from demo.loading import DemoStaff


def demo(families: Annotated[int, typer.Option(min=1, max=5000, help=(
        "How many fictional families to record."))] = 300) -> None:
    """Load a fictional data set: three projects, their staff and families with up to 18
    months of casework, recorded over those months, with a submitted report and
    erasures. Prints each staff member's sign-in (user name, password) and API token."""
    from application.directory import Directory
    from demo.loading import load_demo
    from domain.rules import today_in_programme

    with open_cases(new_store=True) as cases:
        directory = Directory(cases)
        if directory.projects():
            console.print("[yellow]This store holds projects already; the demo needs an "
                          "empty data directory (set LOTSE_DATA_DIR).[/yellow]")
            raise typer.Exit(1)
        with console.status(f"Recording {families} fictional families ..."):
            summary = load_demo(cases, directory, today=today_in_programme(),
                                families=families, showcase=True,
                                social_space=True)
        logged = cases.recorder.max_notification_id() or 0
    _print_sign_ins(summary.staff)
    _print_tokens(summary.staff)
    console.print(f"{summary.families:,} families with {summary.events:,} events of casework "
                  f"in projects {', '.join(summary.projects)}; {logged:,} events in the log "
                  "in all (projects, staff, offers, sessions). Start Lotse with `lotse serve` "
                  "and sign in at http://127.0.0.1:8000/ (the API: /docs).", highlight=False)


def _print_sign_ins(staff: list[DemoStaff]) -> None:
    """A table per project: role, name, user name, password (fits 80 columns; a line per
    person in a narrower terminal)."""
    from rich import box
    from rich.table import Table

    from demo.population import SITES

    names = {s.code: s.name for s in SITES}
    projects = {project: f"Sign-ins {names.get(project, project)} ({project})"
                for project in dict.fromkeys(s.project for s in staff)}
    tables = []
    for project, title in projects.items():
        table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
        for column in ("role", "name", "user name", "password"):
            table.add_column(column, no_wrap=column != "name")  # (names wrap by words)
        for s in staff:
            if s.project == project:
                table.add_row(s.role, s.name, s.user_name, s.password)
        tables.append(table)
    if fits(*tables):
        for table in tables:
            console.print(table)
    else:  # (too narrow for the tables: they would cut names off)
        for project, title in projects.items():
            console.print(f"[bold]{title}[/bold]")
            for s in staff:
                if s.project == project:
                    console.print(f"{s.name} ({s.role}): user name [bold]{s.user_name}"
                                  f"[/bold], password [bold]{s.password}[/bold]",
                                  highlight=False)
            console.print()
    console.print("The passwords are shown only now ([bold]lotse staff password[/bold] sets "
                  "new ones).")


def _print_staff(staff: list[DemoStaff]) -> None:
    from rich.table import Table

    table = Table(title="Demo staff")
    for column in ("project", "role", "name", "staff id"):
        table.add_column(column)
    for s in staff:
        table.add_row(s.project, s.role, s.name, s.staff_id)
    console.print(table)
    _print_tokens(staff)


def _print_tokens(staff: list[DemoStaff]) -> None:
    console.print("API tokens (shown only now; one per line, project role staff-id token):")
    for s in staff:  # plain lines: a table would wrap the tokens
        print(f"{s.project} {s.role:<13} {s.staff_id} {s.token}")


def demo_data(families: Annotated[int, typer.Option(min=1, max=5_000_000, help=(
                  "How many fictional families to record (about 20 events each)."))],
              seed: Annotated[int, typer.Option(help=(
                  "The same seed gives the same families and histories."))] = 7,
              chunk: Annotated[int, typer.Option(min=1, max=10_000, help=(
                  "Families saved per transaction (on PostgreSQL at most 2,000 events)."
                  ))] = 250) -> None:
    """Record many fictional families fast, for benchmarks.

    The families `lotse demo` records (same planning, same rules, the same histories
    for a seed), saved a chunk of
    families per transaction, about ten times faster. Adds the three demo projects and
    their staff when they are missing (printing their tokens once) and otherwise uses the
    projects' staff as they are; refuses a store whose demo projects already hold
    families of the last 18 months (case numbers follow intake dates). Nobody else should
    record in the demo projects meanwhile: that stops the load (the chunks saved before
    stay)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from application.directory import Directory
    from demo.bulk import load_bulk_demo, refuse_loaded
    from demo.loading import DemoAlreadyLoaded
    from domain.rules import today_in_programme

    today = today_in_programme()
    with open_cases(new_store=True) as cases:
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
