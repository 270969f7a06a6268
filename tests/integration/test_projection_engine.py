"""The catch-up engine applies each event exactly once, a page per transaction, on both
stores: with several engines at once, after a failure half-way and after a restart."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest

from application.cases import FamilyCases
from application.sql import Cursor, Tables
from domain.events import ALL_EVENTS, ConsultationRecorded
from domain.family_case import FamilyCase
from projections.engine import CatchUp, View
from tests.integration.test_store_concurrency import consultation, run_together
from tests.support.builders import first_parent_id, open_case


class Counts(View):
    """How many events of each type each family has: easy to check exactly."""

    def __init__(self, name: str = "test_counts",
                 events: tuple[type, ...] = (*ALL_EVENTS, FamilyCase.CaseOpened),
                 fail_at: int | None = None) -> None:
        self.name, self.events, self.fail_at = name, events, fail_at
        self.batches: list[int] = []

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {v} (family_id TEXT NOT NULL, "
                             "event TEXT NOT NULL, n INTEGER NOT NULL, "
                             "PRIMARY KEY (family_id, event))", v=self.name))

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        self.batches.append(len(events))
        for i, event in enumerate(events):
            if self.fail_at is not None and len(self.batches) == 2 and i == self.fail_at:
                raise RuntimeError("the view's process died half-way through a page")
            c.execute(tables.sql(
                "INSERT INTO {v} (family_id, event, n) VALUES ({p}, {p}, 1) ON CONFLICT "
                "(family_id, event) DO UPDATE SET n = {v}.n + 1", v=self.name),
                (str(event.originator_id), type(event).__name__))

    def read(self, tables: Tables) -> Counter[tuple[str, str]]:
        rows = tables.fetchall(tables.sql("SELECT family_id, event, n FROM {v}", v=self.name))
        return Counter({(f, e): n for f, e, n in rows})


def expected(app: FamilyCases, family_ids: Sequence[UUID],
             only: set[str] | None = None) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for family_id in family_ids:
        for entry in app.history(family_id):
            if only is None or entry.event in only:
                counts[(str(family_id), entry.event)] += 1
    return counts


def families_with_consultations(app: FamilyCases, n: int = 4, each: int = 6) -> list[UUID]:
    ids = []
    for _ in range(n):
        opened, members = open_case(app)
        for _ in range(each):
            consultation(app, opened.family_id, [first_parent_id(members)])
        ids.append(opened.family_id)
    return ids


def test_every_event_is_applied_once_a_page_per_transaction(app: FamilyCases) -> None:
    families = families_with_consultations(app)
    view = Counts()
    engine = CatchUp(app, view, page_size=5)

    applied = engine.run_once()

    assert view.read(app.tables) == expected(app, families)
    assert applied == sum(expected(app, families).values())
    assert max(view.batches) == 5
    assert engine.position() == app.recorder.max_notification_id()
    assert engine.run_once() == 0  # nothing new: nothing applied again


def test_a_view_reads_only_the_events_it_names(app: FamilyCases) -> None:
    families = families_with_consultations(app, n=2)
    view = Counts("test_consultations", events=(ConsultationRecorded,))
    engine = CatchUp(app, view)

    engine.run_once()

    assert view.read(app.tables) == expected(app, families, only={"ConsultationRecorded"})
    assert engine.position() == app.recorder.max_notification_id()


def test_a_failure_half_way_through_a_page_leaves_neither_the_page_nor_its_position(
        app: FamilyCases) -> None:
    families = families_with_consultations(app)
    view = Counts(fail_at=2)
    engine = CatchUp(app, view, page_size=5)

    with pytest.raises(RuntimeError, match="half-way"):
        engine.run_once()
    stopped_at = engine.position()
    view.fail_at = None
    engine.run_once()

    assert 0 < stopped_at < app.recorder.max_notification_id()
    assert view.read(app.tables) == expected(app, families)


def test_after_a_restart_the_engine_goes_on_from_its_stored_position(
        make_settings: Any) -> None:
    with FamilyCases(make_settings()) as app:
        first = families_with_consultations(app, n=2)
        CatchUp(app, Counts()).run_once()
        later = families_with_consultations(app, n=2)
    with FamilyCases(make_settings()) as restarted:
        view = Counts()
        applied = CatchUp(restarted, view).run_once()
        assert applied == sum(expected(restarted, later).values())
        assert view.read(restarted.tables) == expected(restarted, first + later)


def test_engines_in_several_processes_apply_each_event_once(make_settings: Any) -> None:
    apps = [FamilyCases(make_settings()) for _ in range(3)]
    try:
        families = families_with_consultations(apps[0], n=6)
        engines = [CatchUp(a, Counts(), page_size=4) for a in apps for _ in range(2)]
        writer_done = threading.Event()

        def write_more() -> None:
            families.extend(families_with_consultations(apps[1], n=3, each=4))
            writer_done.set()

        def follow(engine: CatchUp) -> None:
            while not writer_done.is_set():
                engine.run_once()
            engine.run_once()

        outcomes = run_together(write_more, *(lambda e=e: follow(e) for e in engines))
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        for engine in engines:
            engine.run_once()
        assert Counts().read(apps[2].tables) == expected(apps[2], families)
    finally:
        for a in apps:
            a.close()


def test_a_reader_waits_for_its_own_write(app: FamilyCases) -> None:
    opened, members = open_case(app)
    view = Counts()
    engine = CatchUp(app, view)
    engine.run_once()

    result = consultation(app, opened.family_id, [first_parent_id(members)])

    assert result.position is not None
    assert engine.wait_for(result.position, timeout=5)
    assert view.read(app.tables)[(str(opened.family_id), "ConsultationRecorded")] == 1


def test_the_status_tells_every_process_the_rate_of_the_last_page(app: FamilyCases) -> None:
    families_with_consultations(app, n=2)
    before = CatchUp(app, Counts()).status()[0]
    assert before.events_per_second is None
    assert before.behind == before.head > 0
    assert before.oldest_unprocessed_seconds is not None

    CatchUp(app, Counts()).run_once()

    after = CatchUp(app, Counts()).status()[0]  # as another process sees it
    assert after.events_per_second is not None
    assert after.events_per_second > 0
    assert after.behind == 0
    assert after.oldest_unprocessed_seconds is None
