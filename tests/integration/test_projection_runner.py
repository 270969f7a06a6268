"""The runner keeps views current in the background: woken by saves in its own process,
by other processes' writes (LISTEN/NOTIFY on PostgreSQL, polling on SQLite)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from cli.main import app as cli
from projections.engine import CatchUp
from projections.engine.runner import Runner
from projections.views.caseload import Caseload
from tests.integration.test_store_concurrency import consultation
from tests.support.builders import first_parent_id, open_case
from tests.support.processes import configure_lotse


def _reaches(engine: CatchUp, position: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if engine.position() >= position:
            return True
        time.sleep(0.01)
    return False


def test_a_write_in_this_process_reaches_the_view_without_anyone_asking(
        app: FamilyCases) -> None:
    engine = CatchUp(app, Caseload())
    runner = Runner(app, [engine], poll_seconds=30)  # only the wake-up can explain it
    runner.start()
    try:
        opened, members = open_case(app)
        result = consultation(app, opened.family_id, [first_parent_id(members)])
        assert result.position is not None
        assert _reaches(engine, result.position)
    finally:
        runner.stop()


def test_a_write_in_another_process_reaches_the_view(make_settings: Any, store: str) -> None:
    with FamilyCases(make_settings()) as viewer, FamilyCases(make_settings()) as writer:
        engine = CatchUp(viewer, Caseload())
        # PostgreSQL wakes it through LISTEN/NOTIFY; SQLite has no subscriptions: it polls
        runner = Runner(viewer, [engine], poll_seconds=30 if store == "postgres" else 0.2)
        runner.start()
        try:
            time.sleep(0.3)  # the listener is listening
            opened, members = open_case(writer)
            result = consultation(writer, opened.family_id, [first_parent_id(members)])
            assert result.position is not None
            assert _reaches(engine, result.position)
        finally:
            runner.stop()


def test_projections_status_names_each_view_and_how_far_behind_it_is(
        make_settings: Any, monkeypatch: Any) -> None:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        open_case(app)

    result = CliRunner().invoke(cli, ["projections", "status"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "caseload" in result.output


@pytest.mark.store_independent  # (how the figures are laid out)
def test_projections_status_never_cuts_a_figure_off_however_narrow_the_terminal(
        make_settings: Any, monkeypatch: Any) -> None:
    """Wide enough, a table with a column per figure; narrower, a line per view: a
    table squeezed into a narrow terminal cut positions off to "108…"."""
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        for _ in range(4):
            open_case(app)
        head = app.recorder.max_notification_id()

    wide, narrow = (CliRunner().invoke(cli, ["projections", "status"],
                                       env={"COLUMNS": str(columns)}) for columns in (80, 40))

    assert wide.exit_code == narrow.exit_code == 0, wide.output + narrow.output
    assert "…" not in wide.output + narrow.output
    assert "position" in wide.output
    assert "log head" in wide.output
    rows = [line.split() for line in wide.output.splitlines()
            if line.split()[:1] == ["caseload"]]
    assert len(rows) == 1
    assert rows[0][:5] == ["caseload", "0", "0", str(head), str(head)]
    assert rows[0][6:] == ["s", "-"]  # (waiting some seconds; no page applied yet)
    lines = " ".join(narrow.output.split())  # (wrapped at 40 columns)
    assert lines.startswith(f"caseload (gen. 0): at 0 of {head}, {head} behind, the oldest "
                            "waiting ")
    assert all(f"{name} (gen. 0): at 0 of {head}," in lines
               for name in ("family_summary", "esf_participants", "programme_facts"))


@pytest.mark.store_independent  # (the runner's own threads)
def test_a_runner_stopped_while_it_gathers_stops_at_once(app: FamilyCases) -> None:
    """A stop that arrives while the runner waits for more events to gather ends it at
    once: the wake-up the stop gives was cleared by the loop and the runner then slept a
    whole poll, so a server's shutdown waited out the join's five seconds."""
    runner = Runner(app, [CatchUp(app, Caseload())], poll_seconds=30, gather_seconds=10)
    runner.start()
    time.sleep(0.1)  # (in the gathering wait)
    began = time.monotonic()
    runner.stop()
    assert time.monotonic() - began < 2
    assert not any(thread.is_alive() for thread in runner._threads)
