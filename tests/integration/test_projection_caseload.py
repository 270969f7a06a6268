"""The caseload view equals what the families' cases say, kept event by event or rebuilt
from scratch, for varied realistic histories (the demo generator with random seeds)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.cases import FamilyCases
from application.commands import CorrectEntry, RecordConsultation
from application.directory import Directory
from demo.loading import load_demo
from domain.records import FieldChange
from domain.values import ContactMode, Topic
from projections.engine import CatchUp, rebuild
from projections.views.caseload import ROWS, Caseload, CaseloadRow, read_caseload
from tests.conftest import drop_schema
from tests.support.builders import INTAKE, open_case

TODAY = date(2026, 11, 20)


def from_the_cases(app: FamilyCases) -> dict[str, tuple[Any, ...]]:
    """The caseload computed directly from every family's aggregate."""
    expected = {}
    rows = app.tables.fetchall(app.tables.sql("SELECT family_id FROM {r}",
                                              r=serving(app).t(ROWS)))
    for (family_id,) in rows:
        view = app.get_case(uuid.UUID(family_id))
        s = view.state
        expected[family_id] = (
            s.project, s.case_number, s.case_manager, s.status.value, s.opened_on,
            s.last_contact_on, s.next_follow_up_on,
            sum(1 for g in s.goals.values() if g.status == "open"),
            sum(1 for r in s.referrals.values() if not r.outcomes))
    return expected


def as_tuples(rows: list[CaseloadRow]) -> dict[str, tuple[Any, ...]]:
    return {r.family_id.hex: (r.project, r.case_number, r.case_manager, r.status,
                              r.opened_on, r.last_contact_on, r.next_follow_up_on,
                              r.open_goals, r.pending_referrals) for r in rows}


def serving(app: FamilyCases) -> Caseload:
    """The caseload view at the generation that serves reads."""
    view = Caseload()
    CatchUp(app, view)
    return view


def everything(app: FamilyCases) -> dict[str, tuple[Any, ...]]:
    _, rows = read_caseload(app.tables, serving(app), projects={"KR", "GL", "AF"}, status=None,
                            limit=10_000)
    return as_tuples(rows)


@pytest.mark.slow
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_the_view_kept_event_by_event_equals_the_cases_and_a_rebuild(
        make_settings: Any, store: str, tmp_path: Path, seed: int) -> None:
    """Each example on a store of its own: the demo writes one into an empty store."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    own = {"data_dir": tmp_path / schema}
    if store == "postgres":
        own["postgres_schema"] = schema
    try:
        with FamilyCases(make_settings(**own)) as app:
            live = CatchUp(app, Caseload(), page_size=7)
            live.run_once()  # an empty view, then the history arrives while it follows
            load_demo(app, Directory(app), today=TODAY, families=8, seed=seed)
            while live.run_once(max_pages=3):
                pass
            kept = everything(app)
            assert kept
            assert kept == from_the_cases(app)
            rebuild(app, [Caseload()])
            assert everything(app) == kept
    finally:
        if store == "postgres":
            drop_schema(schema)


def test_a_corrected_consultation_date_moves_the_last_contact_as_in_the_case(
        app: FamilyCases) -> None:
    opened, _ = open_case(app)
    engine = CatchUp(app, Caseload())

    def consult(day: int, follow_up: date | None) -> int:
        return app.handle(RecordConsultation(family_id=opened.family_id, duration_minutes=30,
            mode=ContactMode.PHONE, topics=[Topic.BENEFITS], members_present=[], location=None,
            notes=None, next_follow_up_on=follow_up, occurred_on=INTAKE.replace(day=day)),
            recorded_by="cm-anna").version

    consult(10, date(2026, 12, 1))
    later = consult(20, date(2026, 12, 15))
    engine.run_once()
    assert everything(app)[opened.family_id.hex][5:7] == (INTAKE.replace(day=20),
                                                         date(2026, 12, 15))

    app.handle(CorrectEntry(
        family_id=opened.family_id, corrected_version=later,
        changes=[FieldChange("occurred_on", INTAKE.replace(day=5).strftime("%Y%m%d")),
                 FieldChange("next_follow_up_on", None)],
        reason="wrong day", occurred_on=INTAKE.replace(day=21)), recorded_by="cm-anna")
    engine.run_once()

    assert everything(app)[opened.family_id.hex][5:7] == (INTAKE.replace(day=10),
                                                         date(2026, 12, 1))
    assert everything(app) == from_the_cases(app)
