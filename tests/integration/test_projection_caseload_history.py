"""The caseload history equals what the families' histories say, kept event by event or
rebuilt from scratch, and agrees with the case state at every version: while a case is
open exactly one interval covers it, held by the case manager the case names."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.cases import FamilyCases
from application.commands import AssignCaseManager, CloseCase, ReopenCase
from application.directory import Directory
from demo.loading import load_demo
from domain.values import ClosureReason, ErasureBasis
from projections.engine import CatchUp, rebuild
from projections.views.caseload_history import CaseloadHistory, Interval, read_history
from tests.conftest import fresh_store
from tests.support.builders import open_case

TODAY = date(2026, 11, 20)
PROJECTS = ("KR", "GL", "AF")


def serving(app: FamilyCases) -> CaseloadHistory:
    view = CaseloadHistory()
    CatchUp(app, view)  # (follows the serving generation)
    return view


def everything(app: FamilyCases, **filters: Any) -> list[Interval]:
    view = serving(app)
    rows: list[Interval] = []
    for project in PROJECTS:
        total, found = read_history(app.tables, view, project=project, limit=10_000, **filters)
        assert total == len(found)
        rows.extend(found)
    return rows


def from_the_history(app: FamilyCases, family_id: UUID) -> list[Interval]:
    """The intervals by the rules of the module docstring, from the family's history."""
    entries = app.history(family_id)
    facts = entries[0].facts
    status, manager, rows = "open", None, []
    row: dict[str, Any] | None = None  # the running interval

    def end(e: Any, why: str) -> None:
        nonlocal row
        if row is not None:
            rows.append(Interval(**row, until_on=e.occurred_on, ended_by=why,
                                 ended_version=e.version))
            row = None

    def begin(e: Any, why: str) -> None:
        nonlocal row
        row = dict(family_id=family_id, project=facts["project"],
                   case_number=facts["case_number"], case_manager=manager,
                   from_on=e.occurred_on, assigned_by=e.recorded_by, started_by=why,
                   version=e.version)

    for e in entries:
        if e.event == "CaseManagerAssigned":
            end(e, "transfer")
            first = manager is None
            manager = e.facts["case_manager"]
            if status == "open":
                begin(e, "intake" if first else "transfer")
        elif e.event == "CaseClosed":
            end(e, "closure")
            status = "closed"
        elif e.event == "CaseReopened":
            status = "open"
            begin(e, "reopening")
        elif e.event == "PersonalDataErased":
            end(e, "erasure")
            status = "erased"
    if row is not None:
        rows.append(Interval(**row, until_on=None, ended_by=None, ended_version=None))
    return rows


def agrees_with_the_states(app: FamilyCases, family_id: UUID, rows: list[Interval]) -> None:
    """At every version: an open case with a case manager lies in exactly one interval,
    held by that case manager; a closed or erased one in none."""
    last = app.get_case(family_id).version
    for version in range(1, last + 1):
        state = app.get_case(family_id, version=version).state
        covering = [r for r in rows if r.version <= version
                    and (r.ended_version is None or version < r.ended_version)]
        if state.status.value == "open" and state.case_manager is not None:
            assert [r.case_manager for r in covering] == [state.case_manager], version
        else:
            assert covering == [], version


def by_family(rows: list[Interval]) -> dict[UUID, list[Interval]]:
    found: dict[UUID, list[Interval]] = {}
    for r in sorted(rows, key=lambda r: (r.family_id, r.version)):
        found.setdefault(r.family_id, []).append(r)
    return found


@pytest.mark.slow
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_the_view_kept_event_by_event_equals_the_histories_and_a_rebuild(
        make_settings: Any, store: str, tmp_path: Path, seed: int) -> None:
    """Each example on a store of its own: the demo writes one into an empty store."""
    with fresh_store(make_settings, store, tmp_path) as app:
        live = CatchUp(app, CaseloadHistory(), page_size=7)
        live.run_once()  # an empty view, then the history arrives while it follows
        load_demo(app, Directory(app), today=TODAY, families=8, seed=seed)
        while live.run_once(max_pages=3):
            pass
        kept = by_family(everything(app))
        assert len(kept) == 8
        for family_id, rows in kept.items():
            assert rows == from_the_history(app, family_id)
            agrees_with_the_states(app, family_id, rows)
        rebuild(app, [CaseloadHistory()])
        assert by_family(everything(app)) == kept


def test_transfer_closure_a_transfer_while_closed_reopening_and_erasure(
        app: FamilyCases) -> None:
    opened, _ = open_case(app, case_manager="cm-anna", recorded_by="co-clara")
    family = opened.family_id
    engine = CatchUp(app, CaseloadHistory(), page_size=2)

    def state() -> list[tuple[Any, ...]]:
        engine.run_once()
        rows = everything(app, family_id=family)
        assert rows == from_the_history(app, family)
        agrees_with_the_states(app, family, rows)
        return [(r.case_manager, r.from_on, r.until_on, r.assigned_by, r.started_by,
                 r.ended_by) for r in rows]

    assert state() == [("cm-anna", date(2026, 3, 2), None, "co-clara", "intake", None)]
    app.handle(AssignCaseManager(family_id=family, case_manager="cm-bernd", reason="Elternzeit",
        occurred_on=date(2026, 4, 1)),
        recorded_by="co-clara")
    app.handle(CloseCase(family_id=family, reason=ClosureReason.GOALS_ACHIEVED, note=None,
        occurred_on=date(2026, 5, 4)),
        recorded_by="cm-bernd")
    transfer = ("cm-anna", date(2026, 3, 2), date(2026, 4, 1), "co-clara", "intake", "transfer")
    carried = ("cm-bernd", date(2026, 4, 1), date(2026, 5, 4), "co-clara", "transfer", "closure")
    assert state() == [transfer, carried]

    app.handle(AssignCaseManager(family_id=family, case_manager="cm-carla", reason="Bernd geht",
        occurred_on=date(2026, 6, 1)),
        recorded_by="co-clara")
    assert state() == [transfer, carried]  # nobody carries a closed case
    app.handle(ReopenCase(family_id=family, reason="neue Krise", occurred_on=date(2026, 7, 1)),
        recorded_by="co-dora")
    assert state() == [transfer, carried,
                       ("cm-carla", date(2026, 7, 1), None, "co-dora", "reopening", None)]

    app.erase_personal_data(family, legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Antrag", occurred_on=date(2026, 7, 2),
                            recorded_by="co-clara")
    assert state() == [transfer, carried, ("cm-carla", date(2026, 7, 1), date(2026, 7, 2),
                                           "co-dora", "reopening", "erasure")]


def test_filters_by_day_case_manager_and_family_and_sorts(app: FamilyCases) -> None:
    first, _ = open_case(app, case_manager="cm-anna", occurred_on=date(2026, 3, 2))
    second, _ = open_case(app, case_manager="cm-bernd", occurred_on=date(2026, 3, 10),
                          consent_given_on=date(2026, 3, 10))
    app.handle(AssignCaseManager(family_id=first.family_id, case_manager="cm-bernd", reason=None,
        occurred_on=date(2026, 4, 1)),
        recorded_by="co-clara")
    engine = CatchUp(app, CaseloadHistory())
    engine.run_once()
    view = engine.view
    assert isinstance(view, CaseloadHistory)

    def who(**filters: Any) -> list[tuple[str, str]]:
        total, rows = read_history(app.tables, view, project="KR", **filters)
        assert total >= len(rows)
        return [(r.case_number[-4:], r.case_manager) for r in rows]

    assert who() == [("0001", "cm-anna"), ("0002", "cm-bernd"), ("0001", "cm-bernd")]
    assert who(sort="-from") == [("0001", "cm-bernd"), ("0002", "cm-bernd"), ("0001", "cm-anna")]
    assert who(sort="until") == [("0001", "cm-anna"), ("0001", "cm-bernd"), ("0002", "cm-bernd")]
    assert who(on=date(2026, 3, 5)) == [("0001", "cm-anna")]
    assert who(on=date(2026, 4, 1)) == [  # the handover day belongs to both
        ("0001", "cm-anna"), ("0002", "cm-bernd"), ("0001", "cm-bernd")]
    assert who(on=date(2026, 4, 2)) == [("0002", "cm-bernd"), ("0001", "cm-bernd")]
    assert who(on=date(2026, 3, 1)) == []
    assert who(case_manager="cm-anna") == [("0001", "cm-anna")]
    assert who(family_id=second.family_id) == [("0002", "cm-bernd")]
    assert who(limit=1, offset=1) == [("0002", "cm-bernd")]
    assert read_history(app.tables, view, project="KR", limit=1)[0] == 3
    assert read_history(app.tables, view, project="GL") == (0, [])
