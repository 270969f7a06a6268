"""``lotse projections``: keeping the read-model views current in a process of their
own, where each view stands, and rebuilding views from the whole event log."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from cli.store import console, open_cases, require_signing_key

projections_app = typer.Typer(help="Read-model views.", no_args_is_help=True)


@projections_app.command("run")
def projections_run(poll: Annotated[float, typer.Option(min=0.001, max=60, help=(
        "Seconds between looks for new events. On PostgreSQL new events also wake the "
        "process at once; on the embedded store, where other processes' events are only "
        "seen by looking, a short poll keeps the views close behind the server."))] = 0.01,
                    ) -> None:
    """Keep the views current in a process of its own (until Ctrl-C or SIGTERM)."""
    import signal
    import threading

    from application.integrity.checkpoints import INTERVAL_SECONDS, Checkpoints
    from projections.engine.runner import Runner, settle_garbage_collector
    from projections.views.registry import Views

    with open_cases() as cases:
        require_signing_key(cases.settings)
        runner = Runner(cases, [Views.build(cases).engine], poll_seconds=poll,
                        chores=[(INTERVAL_SECONDS, Checkpoints(cases).write)])
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


@projections_app.command("status")
def projections_status() -> None:
    """Per view: its position in the event log, how far behind it is, and how old the
    oldest event it has not applied is (the same at GET /admin/views and /metrics)."""
    from rich.table import Column, Table

    from projections.views.registry import Views

    with open_cases() as cases:
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


@projections_app.command("rebuild")
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
    with open_cases() as cases, Progress(
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
