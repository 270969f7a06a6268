"""Rebuilding views: new tables fill from the log's start while the old ones keep
serving, then one switch; writes made meanwhile are in the new tables; an interrupted
rebuild leaves the serving view alone; a view whose shape changed starts afresh."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.commands import ChangeIn, CorrectEntry, RecordConsultation
from application.directory import Directory
from application.sql import Tables
from cli.main import app as cli
from demo.loading import load_demo
from domain.values import ContactMode, ErasureBasis, Topic
from projections.engine import GENERATIONS, POSITIONS, CatchUp, View, rebuild
from projections.views.caseload import ROWS, Caseload, read_caseload
from projections.views.registry import all_views
from tests.integration.test_projection_caseload import everything, from_the_cases
from tests.support.processes import configure_lotse

TODAY = date(2026, 11, 20)


def contents(app: FamilyCases, views: Sequence[View]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ``views`` (at their generations), sorted."""
    t = app.tables
    return {f"{v.name}.{base}": sorted(t.fetchall(t.sql("SELECT * FROM {x}", x=v.t(base))),
                                       key=repr)
            for v in views for base in v.table_names}


def serving(app: FamilyCases) -> list[View]:
    views = all_views()
    CatchUp(app, views)
    return views


def table_exists(t: Tables, name: str) -> bool:
    try:
        t.fetchone(t.sql("SELECT COUNT(*) FROM {x}", x=name))
    except Exception:
        return False
    return True


def demo(app: FamilyCases, families: int = 30, seed: int = 3) -> None:
    load_demo(app, Directory(app), today=TODAY, families=families, seed=seed)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_rebuild_during_live_writes_loses_nothing(make_settings: Any, workers: int) -> None:
    with FamilyCases(make_settings()) as app, FamilyCases(make_settings()) as writer:
        demo(app)
        live = CatchUp(app, all_views())
        live.run_once()
        rows = everything(app)
        families = [UUID(f) for f, row in rows.items() if row[3] == "open"][:6]
        assert families
        stop, written, during = threading.Event(), [], []
        rebuilding = threading.Event()

        def write() -> None:
            i = 0
            while not stop.is_set():
                family = families[i % len(families)]
                result = writer.handle(RecordConsultation(family_id=family, duration_minutes=30,
                    mode=ContactMode.PHONE, topics=[Topic.BENEFITS], members_present=[],
                    location=None, notes=None, next_follow_up_on=None, occurred_on=TODAY),
                    recorded_by="cm-anna")
                written.append(result.position)
                if rebuilding.is_set():
                    during.append(result.position)
                i += 1
                # a pause, as between real requests: a writer in a loop without one
                # wrote 10,000 events while a one-process rebuild ran on SQLite, each of
                # which the serving engine then applied (the test took 25-40 s, or 4 s
                # when other tests slowed the writer down)
                time.sleep(0.001)

        def reads_while_rebuilding(position: int, head: int) -> None:
            rebuilding.set()
            live.run_once()  # the serving tables follow the writes meanwhile
            assert everything(app)  # and answer

        thread = threading.Thread(target=write)
        thread.start()
        try:
            done = rebuild(app, all_views(), page_size=25, progress=reads_while_rebuilding,
                           workers=workers)
        finally:
            rebuilding.clear()
            stop.set()
            thread.join(30)
        assert during, "no write happened while the rebuild ran"
        assert all(r.generation == 1 for r in done)

        live.run_once()  # follows the switch, then the writes after it
        assert all(v.generation == 1 for v in live.views)
        after = contents(app, live.views)
        assert everything(app) == from_the_cases(app)
        assert len(written) == len(set(written))
        rebuild(app, all_views())  # from scratch again, with nothing written meanwhile
        assert contents(app, serving(app)) == after


def erase_the_first_family(app: FamilyCases) -> None:
    """The personal data of the first family opened is erased (a page with an erasure)."""
    opened = [n.originator_id for n in app.recorder.select_notifications(0, 10_000)
              if n.topic.endswith("CaseOpened")]
    app.erase_personal_data(opened[0], legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Antrag nach Art. 17", occurred_on=TODAY,
                            recorded_by="co-clara")


def test_a_rebuild_equals_the_views_applied_event_by_event_with_an_erasure(
        app: FamilyCases) -> None:
    """On SQLite a rebuild's engine folds each page before it takes the store's write
    lock, and writes under it; a page with an erasure (the ESF+ view reads back the
    versions it closed) is applied under the lock. In one process and in several, the
    views equal those of an engine applying one event at a time."""
    demo(app, families=12, seed=8)
    erase_the_first_family(app)
    one_by_one = CatchUp(app, all_views(), page_size=1)
    one_by_one.run_once()
    expected = contents(app, one_by_one.views)
    assert expected["esf_participants.lotse_esf_participants"]
    rebuild(app, all_views(), page_size=25)
    assert contents(app, serving(app)) == expected
    rebuild(app, all_views(), page_size=25, workers=2)
    assert contents(app, serving(app)) == expected


@pytest.mark.slow
def test_a_rebuild_in_processes_sharing_the_families_equals_one_in_a_single_process(
        app: FamilyCases) -> None:
    demo(app, families=24, seed=5)
    rebuild(app, all_views(), page_size=40)
    alone = contents(app, serving(app))
    assert everything(app) == from_the_cases(app)
    done = rebuild(app, all_views(), page_size=40, workers=3)
    assert all(r.generation == 2 for r in done)
    assert contents(app, serving(app)) == alone
    assert everything(app) == from_the_cases(app)
    t = app.tables
    keys = {str(r[0]) for r in t.fetchall(t.sql("SELECT name FROM {q}", q=POSITIONS))}
    assert not [k for k in keys if "/" in k], "the shares' positions are gone"


@pytest.mark.slow
def test_a_rebuild_whose_process_dies_changes_nothing(app: FamilyCases) -> None:
    demo(app, families=24, seed=6)
    live = CatchUp(app, all_views())
    live.run_once()
    before = contents(app, live.views)
    killed: list[int] = []

    def kill_one(position: int, head: int) -> None:
        for child in multiprocessing.active_children():
            if child.name.startswith("lotse-rebuild-") and not killed and child.pid:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    with pytest.raises(RuntimeError, match="ended with exit code"):
        rebuild(app, all_views(), page_size=10, progress=kill_one, workers=2)
    assert killed
    live.run_once()
    assert all(v.generation == 0 for v in live.views)
    assert contents(app, live.views) == before
    rebuild(app, all_views(), workers=2)  # the next one starts afresh and switches
    live.run_once()
    assert all(v.generation == 1 for v in live.views)
    assert contents(app, live.views) == before


def test_the_old_tables_serve_until_the_switch_and_the_one_before_them_is_dropped(
        app: FamilyCases) -> None:
    demo(app, families=12)
    live = CatchUp(app, Caseload())
    live.run_once()
    before = everything(app)
    seen: list[tuple[int, int]] = []

    def during(position: int, head: int) -> None:
        seen.append((position, head))
        assert live.view.generation == 0
        _, rows = read_caseload(app.tables, live.view,  # type: ignore[arg-type]
                                projects={"KR", "GL", "AF"}, status=None, limit=10_000)
        assert len(rows) == len(before)  # complete, from the serving tables

    rebuild(app, [Caseload()], page_size=40, progress=during)
    assert len(seen) > 3
    live.run_once()
    assert live.view.generation == 1
    assert everything(app) == before
    assert table_exists(app.tables, ROWS)  # the one that served until now stays

    rebuild(app, [Caseload()])
    live.run_once()
    assert live.view.generation == 2
    assert not table_exists(app.tables, ROWS)  # generation 0 is gone
    assert table_exists(app.tables, ROWS + "_g1")
    assert everything(app) == before


def test_an_interrupted_rebuild_changes_nothing_and_the_next_one_starts_afresh(
        app: FamilyCases) -> None:
    demo(app, families=10)
    live = CatchUp(app, Caseload())
    live.run_once()
    before = everything(app)

    def crash(position: int, head: int) -> None:
        if position > head // 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rebuild(app, [Caseload()], page_size=30, progress=crash)
    live.run_once()
    assert live.view.generation == 0
    assert everything(app) == before

    rebuild(app, [Caseload()], page_size=30)
    live.run_once()
    assert live.view.generation == 1
    assert everything(app) == before == from_the_cases(app)


class ReshapedCaseload(Caseload):
    schema_version = Caseload.schema_version + 1


def test_a_view_whose_shape_changed_starts_afresh_in_new_tables(app: FamilyCases) -> None:
    demo(app, families=6)
    CatchUp(app, Caseload()).run_once()
    before = everything(app)

    reshaped = CatchUp(app, ReshapedCaseload())
    assert reshaped.view.generation == 1
    assert reshaped.position() == 0  # filled from the log's start, not from old tables
    reshaped.run_once()
    _, rows = read_caseload(app.tables, reshaped.view,  # type: ignore[arg-type]
                            projects={"KR", "GL", "AF"}, status=None, limit=10_000)
    assert {r.family_id.hex for r in rows} == set(before)
    with pytest.raises(RuntimeError, match="newer than this version"):
        CatchUp(app, Caseload())  # older code refuses the newer tables
    row = app.tables.fetchone(app.tables.sql(
        "SELECT generation, schema_version FROM {g} WHERE name = 'caseload'", g=GENERATIONS))
    assert row == (1, ReshapedCaseload.schema_version)


def test_lotse_projections_rebuild_switches_every_view_and_says_so(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        demo(app, families=5)
        CatchUp(app, all_views()).run_once()
        before = contents(app, serving(app))

    runner = CliRunner()
    result = runner.invoke(cli, ["projections", "rebuild"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # rich wraps at the width it found at import
    assert "switched over" in said
    assert f"Rebuilding {', '.join(v.name for v in all_views())}:" in said  # (above the
    # progress line, which names them by their number: it fits 80 columns)
    for view in all_views():
        assert f"{view.name}: now generation 1" in said

    with FamilyCases(settings) as app:
        assert contents(app, serving(app)) == before

    one = runner.invoke(cli, ["projections", "rebuild", "caseload"], env={"COLUMNS": "200"})
    assert one.exit_code == 0, one.output
    assert "caseload: now generation 2" in " ".join(one.output.split())

    unknown = runner.invoke(cli, ["projections", "rebuild", "nonsense"])
    assert unknown.exit_code == 2
    assert "No such view: nonsense" in unknown.output


def test_engines_that_keep_documents_between_pages_equal_a_rebuild(app: FamilyCases) -> None:
    """An engine that follows the serving tables keeps the documents it wrote for its next
    page; another engine moving the same views in between (another process) makes it
    read them from the tables again. Whatever the interleaving, with corrections and an
    erasure, the views equal a rebuild's."""
    demo(app, families=8, seed=11)
    erase_the_first_family(app)
    keeping, other = CatchUp(app, all_views(), page_size=7), CatchUp(app, all_views(),
                                                                     page_size=5)

    def interleaved() -> None:
        for i in range(100_000):
            mine = keeping.run_once(max_pages=1)
            theirs = other.run_once(max_pages=1) if i % 3 == 2 else 0
            if not mine and not theirs and keeping.position() == other.position() == (
                    app.recorder.max_notification_id()):
                return

    interleaved()
    open_ones = [UUID(f) for f, row in everything(app).items() if row[3] == "open"][:3]
    assert open_ones
    for family in open_ones:
        for minutes in (20, 30):
            result = app.handle(RecordConsultation(
                family_id=family, duration_minutes=minutes, mode=ContactMode.PHONE,
                topics=[Topic.BENEFITS], occurred_on=TODAY), recorded_by="cm-anna")
        app.handle(CorrectEntry(family_id=family, corrected_version=result.version,
                                changes=[ChangeIn(field="duration_minutes", value=45)],
                                reason="typed 30 instead of 45", occurred_on=TODAY),
                   recorded_by="cm-anna")
    interleaved()
    followed = contents(app, keeping.views)
    assert followed["caseload.lotse_view_caseload"]
    rebuild(app, all_views(), page_size=25)
    assert contents(app, serving(app)) == followed


def test_a_kept_document_is_read_again_once_another_engine_moved_the_view(
        app: FamilyCases) -> None:
    demo(app, families=4, seed=2)
    keeping = CatchUp(app, Caseload())
    keeping.run_once()
    family = next(UUID(f) for f, row in everything(app).items() if row[3] == "open")
    view = keeping.views[0]
    assert isinstance(view, Caseload)
    read: list[str] = []
    decode = view.decode_doc
    view.decode_doc = lambda f, text: read.append(f) or decode(f, text)  # type: ignore[method-assign]

    def consult() -> None:
        app.handle(RecordConsultation(family_id=family, duration_minutes=30,
                                      mode=ContactMode.PHONE, topics=[Topic.BENEFITS],
                                      occurred_on=TODAY), recorded_by="cm-anna")

    consult()
    keeping.run_once()
    assert read == []  # the document written by the page before
    consult()
    CatchUp(app, Caseload()).run_once()  # another process moves the view
    consult()
    keeping.run_once()
    assert read == [family.hex]
    assert contents(app, [view]) == contents(app, [_caught_up(app)])


def _caught_up(app: FamilyCases) -> Caseload:
    view = Caseload()
    rebuild(app, [view])
    return view
