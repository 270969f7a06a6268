"""``lotse projections``: keeping the read-model views current in a process of their
own, where each view stands, and rebuilding views from the whole event log."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.store import command_group, console, fits, open_cases, require_signing_key

if TYPE_CHECKING:
    from projections.engine.catch_up import ViewStatus

projections_app = command_group("Read-model views.")


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
    from rich import box
    from rich.table import Column, Table

    from projections.views.registry import Views

    with open_cases() as cases:
        found = Views.build(cases).engine.status()
    numbers: dict[str, Any] = {"justify": "right", "no_wrap": True}
    table = Table(Column("view", no_wrap=True), Column("gen.", **numbers),
                  Column("position", **numbers), Column("log head", **numbers),
                  Column("behind", **numbers), Column("waiting", **numbers),
                  Column("events/s", **numbers), box=box.SIMPLE_HEAD, pad_edge=False,
                  caption="gen.: the generation of tables it serves from; waiting: how "
                  "old the oldest event it has not applied is; events/s: of the last page "
                  "any process applied to it", caption_justify="left")
    for s in found:
        age = "-" if s.oldest_unprocessed_seconds is None else _age(
            s.oldest_unprocessed_seconds)
        rate = "-" if s.events_per_second is None else f"{s.events_per_second:,.0f}"
        table.add_row(s.name, str(s.generation), f"{s.position:,}", f"{s.head:,}",
                      f"{s.behind:,}", age, rate)
    if fits(table):
        console.print(table)
    else:
        _status_lines(found)
    if any(s.behind for s in found):
        console.print("Views catch up while `lotse serve` or `lotse projections run` runs; "
                      "a read through the API waits for what was recorded before it.",
                      highlight=False)


def _status_lines(found: list[ViewStatus]) -> None:
    """A line per view, for a terminal too narrow for the table (it would cut the
    numbers off)."""
    for s in found:
        state = "up to date" if not s.behind else f"{s.behind:,} behind"
        if s.oldest_unprocessed_seconds is not None:
            state += f", the oldest waiting {_age(s.oldest_unprocessed_seconds)}"
        if s.events_per_second is not None:
            state += f"; last page {s.events_per_second:,.0f} events/s"
        console.print(f"[bold]{s.name}[/bold] (gen. {s.generation}): at {s.position:,} of "
                      f"{s.head:,}, {state}", highlight=False)


def _age(seconds: float) -> str:
    """A wait as a person reads it: seconds, minutes, hours or days."""
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7_200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3_600:.1f} h"
    return f"{seconds / 86_400:,.0f} d"


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
        Progress,
        ProgressColumn,
        TextColumn,
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
    names = ", ".join(v.name for v in chosen)
    # One line that fits the terminal: the views named above it, the bar only where
    # there is room for it (80 columns), the log positions, the rate and the time left.
    columns: list[ProgressColumn] = [TextColumn("[bold]{task.description}")]
    if console.width >= 78:
        columns.append(BarColumn(bar_width=16))
    columns += [TextColumn("{task.completed:,}/{task.total:,.0f}"),
                TextColumn("{task.fields[rate]:>7,.0f} events/s"),
                TimeRemainingColumn(), TextColumn("left")]
    if len(chosen) > 1:
        console.print(f"Rebuilding {names}:", highlight=False)
    with open_cases() as cases, Progress(*columns, console=console) as bar:
        task = bar.add_task(f"{len(chosen)} views" if len(chosen) > 1 else names,
                            total=cases.recorder.max_notification_id() or 0, rate=0.0)
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
