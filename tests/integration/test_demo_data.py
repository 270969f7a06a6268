"""The demo data set: projects, staff with working tokens, families with histories, on both
stores; the same seed gives the same families and histories."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.directory import Directory
from application.integrity.service import Integrity
from application.keys import KeyDestroyedError
from application.sign_in import SignIns
from cli.main import app as cli
from demo.loading import HISTORY_DAYS, DemoAlreadyLoaded, DemoSummary, load_demo
from demo.showcase import last_period
from domain.directory import Role
from domain.rules import PROGRAMME_TZ, today_in_programme
from domain.values import CaseStatus, ErasureBasis
from projections.reporting.esf_report import esf_report, figure_values
from projections.views.registry import Views
from tests.conftest import SettingsFactory, drop_schema
from tests.support.processes import configure_lotse

FAMILIES = 12
TODAY = today_in_programme()


def load(app: FamilyCases, seed: int = 7, families: int = FAMILIES, *,
         showcase: bool = False, social_space: bool = False) -> tuple[DemoSummary, Directory]:
    """The demo (its social-space work, 2,000 events of offers, only where asked for)."""
    directory = Directory(app)
    return load_demo(app, directory, today=TODAY, families=families, seed=seed,
                     showcase=showcase, social_space=social_space), directory


def family_ids(app: FamilyCases) -> list[UUID]:
    """Every family in the store, in order of intake recording."""
    return [UUID(str(n.originator_id)) for n in app.recorder.select_notifications(0, 1_000_000)
            if n.topic.endswith("CaseOpened")]


def structure(app: FamilyCases, summary: DemoSummary) -> list[Any]:
    """Each family's case number and history, with staff ids replaced by staff names (ids
    and tokens are new on every run)."""
    names = {s.staff_id: s.name for s in summary.staff}
    result = []
    for fid in family_ids(app):
        history = []
        for e in app.history(fid):
            facts = json.dumps(e.facts, sort_keys=True, ensure_ascii=False)
            for staff_id, name in names.items():
                facts = facts.replace(staff_id, name)
            history.append((e.event, e.occurred_on, names[e.recorded_by], facts))
        result.append((app.get_case(fid).state.case_number, history))
    return result


@pytest.fixture
def other_app(store: str, make_settings: SettingsFactory, tmp_path: Path
              ) -> Iterator[FamilyCases]:
    """A second, empty store of the same kind."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    application = FamilyCases(make_settings(data_dir=tmp_path / "other", postgres_schema=schema))
    yield application
    application.close()
    if store == "postgres":
        drop_schema(schema)


def test_projects_and_staff_exist_every_token_authenticates_and_a_reload_is_refused(
        app: FamilyCases) -> None:
    summary, directory = load(app, families=0, showcase=True)  # the staff part alone
    assert (summary.families, summary.events) == (0, 0)
    assert summary.projects == ["KR", "GL", "AF"]
    targets = {p.code: p.yearly_target for p in directory.projects()}
    assert targets == {"KR": 48, "GL": 40, "AF": 60}
    for code in summary.projects:
        roles = Counter(s.role for s in summary.staff if s.project == code)
        assert 3 <= roles.pop(Role.CASE_MANAGER.value) <= 4
        assert roles == {r.value: 1 for r in (Role.COORDINATOR, Role.AUDITOR, Role.REPORTING,
                                              Role.ADMIN)}
        assert {m.staff_id for m in directory.staff(code)} == {
            s.staff_id for s in summary.staff if s.project == code}
    for s in summary.staff:
        actor = directory.authenticate(s.token)
        assert actor is not None, s
        assert (actor.staff_id, actor.name) == (s.staff_id, s.name)
        assert actor.role_in(s.project) is Role(s.role)
    sign_ins = SignIns.for_cases(app)
    assert len({s.user_name for s in summary.staff}) == len(summary.staff)
    assert len({s.password for s in summary.staff}) == len(summary.staff)
    for s in summary.staff:  # every demo user signs in with the password printed
        assert re.fullmatch(r"[a-z0-9-]+\.[a-z0-9-]+", s.user_name), s
        assert sign_ins.sign_in(s.user_name, s.password, None) == s.staff_id, s
    assert sign_ins.user_name_of(summary.staff[0].staff_id) == "anna.terhorst"
    before = len(app.recorder.select_notifications(0, 1_000_000))
    with pytest.raises(DemoAlreadyLoaded):
        load(app, seed=8)
    assert len(app.recorder.select_notifications(0, 1_000_000)) == before


def test_families_have_varied_histories_recorded_by_their_project_staff(
        app: FamilyCases) -> None:
    summary, _ = load(app)
    ids = family_ids(app)
    assert len(ids) == summary.families == FAMILIES
    staff = {s.staff_id: s for s in summary.staff}
    events: Counter[str] = Counter()
    statuses: Counter[CaseStatus] = Counter()
    transferred = 0
    for fid in ids:
        history = app.history(fid)
        assert [e.event for e in history[:2]] == ["CaseOpened", "CaseManagerAssigned"]
        assert all(e.occurred_on <= TODAY for e in history)
        assert [e.occurred_on for e in history[2:]] == sorted(e.occurred_on for e in history[2:])
        state = app.get_case(fid).state
        assert all(staff[e.recorded_by].project == state.project for e in history)
        assert staff[history[0].recorded_by].role == Role.CASE_MANAGER
        assert state.case_manager is not None
        assert staff[state.case_manager].role == Role.CASE_MANAGER
        assert state.case_number.startswith(f"{state.project}-")
        events.update(e.event for e in history)
        statuses[state.status] += 1
        transferred += any(e.event == "CaseManagerAssigned"
                           and e.facts["previous_case_manager"] for e in history)
    assert sum(events.values()) == summary.events
    assert statuses[CaseStatus.CLOSED] >= 1
    assert statuses[CaseStatus.OPEN] >= 1
    assert transferred >= 1
    for event in ("ParticipantEntered", "ConsultationRecorded", "GoalSet", "ReferralMade",
                  "ParticipantLeft", "CaseClosed", "EntryCorrected", "PersonalDataErased"):
        assert events[event] >= 1, event
    assert events["ConsultationRecorded"] >= 2 * FAMILIES


def test_the_same_seed_gives_the_same_families_and_histories(
        app: FamilyCases, other_app: FamilyCases) -> None:
    first, _ = load(app, families=6)
    second, _ = load(other_app, families=6)
    assert (first.families, first.events) == (second.families, second.events)
    families = structure(app, first)
    assert len(families) == 6
    assert families == structure(other_app, second)



def test_entries_are_recorded_over_the_months_they_describe_in_log_order_never_later_than_now(
        app: FamilyCases) -> None:
    load(app)
    now = datetime.now(UTC)
    times = []
    for stored in app.recorder.select_notifications(0, 1_000_000):  # in log order
        try:
            times.append(app.mapper.to_domain_event(stored).timestamp)  # type: ignore[attr-defined]
        except KeyDestroyedError:  # (the erased family's events stay sealed)
            continue
    assert times == sorted(times)
    assert len(set(times)) == len(times)
    assert times[-1] <= now
    assert now - times[0] > timedelta(days=HISTORY_DAYS)  # the projects came first
    lags: Counter[str] = Counter()
    for fid in family_ids(app):
        for e in app.history(fid):
            late = (e.recorded_at.astimezone(PROGRAMME_TZ).date() - e.occurred_on).days
            assert late >= 0, e
            lags["days" if late <= 3 else "weeks" if late <= 42 else "more"] += 1
    assert lags["days"] > lags["weeks"] > 0
    assert lags["days"] > sum(lags.values()) / 2
    months = {e.recorded_at.strftime("%Y-%m") for fid in family_ids(app)
              for e in app.history(fid)}
    assert len(months) >= 12


def test_a_past_half_year_reads_otherwise_as_at_its_cut_off_and_was_submitted(
        app: FamilyCases) -> None:
    summary, _ = load(app, families=60, showcase=True)
    period = last_period(TODAY)
    views = Views.build(app)
    views.engine.run_once()
    now, cutoff = ({code: esf_report(app, views.esf, code, period, known).figures
                    for code in summary.projects} for known in ("now", "cutoff"))
    assert sum(f.figures["EECO01"].total for f in cutoff.values()) > 0
    assert any(figure_values(now[code]) != figure_values(cutoff[code])
               for code in summary.projects)
    submitted = app.report_submissions("KR")
    assert len(submitted) == 1
    coordinator = next(s for s in summary.staff if s.project == "KR"
                       and s.role == Role.COORDINATOR.value)
    assert (submitted[0].period, submitted[0].submitted_by) == (str(period),
                                                              coordinator.staff_id)
    assert period.cutoff < submitted[0].submitted_on < TODAY
    assert submitted[0].timestamp.date() == submitted[0].submitted_on
    assert submitted[0].figures["EECO01"][0] > 0
    assert all(app.report_submissions(code) == [] for code in ("GL", "AF"))


def test_one_family_is_erased_with_a_legal_basis(app: FamilyCases) -> None:
    load(app)
    erased = [e for fid in family_ids(app) for e in app.history(fid)
              if e.event == "PersonalDataErased"]
    assert len(erased) == 1
    assert erased[0].facts["legal_basis"] == ErasureBasis.UNLAWFULLY_RECORDED.value


def test_the_store_of_the_demo_verifies(app: FamilyCases) -> None:
    load(app)
    integrity = Integrity(app)
    assert integrity.checkpoint() is not None
    report = integrity.verify()
    assert report.ok, report.findings
    assert report.checkpoints == 1


@pytest.mark.slow  # (the whole showcase demo: CI runs it, the inner loop not)
@pytest.mark.store_independent  # (what the demo holds and prints; the demo's histories
# on both stores: the tests above, test_bulk_demo.py; signing in: tests/web)
def test_lotse_demo_prints_each_sign_in_readably_in_80_columns_and_each_one_works(
        make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    result = CliRunner().invoke(cli, ["demo", "--families", "3"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    tables = result.output.split("API tokens")[0]
    assert max(len(line) for line in tables.splitlines()) <= 80
    printed = re.findall(r"^\s+(\w+)\s+.+?\s+([a-z0-9-]+\.[a-z0-9-]+)\s+"
                         r"([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})\s*$", tables, re.M)
    assert len(printed) == 23
    assert ("case_manager", "anna.terhorst") in {(r, u) for r, u, _ in printed}
    app = FamilyCases(settings)
    try:
        sign_ins = SignIns.for_cases(app)
        signed_in = {sign_ins.sign_in(user_name, password, None)
                     for _, user_name, password in printed}
        staff = {m.staff_id for p in ("KR", "GL", "AF") for m in Directory(app).staff(p)}
        assert signed_in == staff
    finally:
        app.close()
    assert re.search(r"^KR case_manager +st-\w+ lotse_\S+$", result.output, re.M)


@pytest.mark.slow  # (18 months of offers: CI runs it, the inner loop not)
@pytest.mark.store_independent  # (what the demo's offers hold; offers on both stores:
# tests/integration/test_offer_statistics.py, tests/api/test_api_offers.py)
def test_each_demo_project_has_its_social_space_work_with_families_who_came_through_it(
        app: FamilyCases) -> None:
    from application import offers
    from domain.offer_values import OfferType
    from domain.values import AccessRoute, InstitutionType

    _, directory = load(app, families=60, social_space=True)
    for code in ("KR", "GL", "AF"):
        project = directory.project(code)
        found = [offers.load(app, i) for i in offers.offer_ids(app, {code})]
        kinds = Counter(o.offer_type for o in found)
        assert {k: kinds[k] for k in (OfferType.CAFE, OfferType.OPEN_OFFICE_HOURS,
                                      OfferType.PARENT_BREAKFAST, OfferType.GROUP_COURSE)} == {
            OfferType.CAFE: 1, OfferType.OPEN_OFFICE_HOURS: 1, OfferType.PARENT_BREAKFAST: 1,
            OfferType.GROUP_COURSE: 1}, code
        assert kinds[OfferType.NETWORK_MEETING] >= 5
        by_kind = {o.offer_type: o for o in found}
        hours = by_kind[OfferType.OPEN_OFFICE_HOURS]
        assert [project.partners[p].institution_type for p in hours.partner_ids] == [
            InstitutionType.JOBCENTER]
        cafe = by_kind[OfferType.CAFE]
        held = [s for s in cafe.sessions.values() if s.held]
        assert len(held) > 50
        assert any(not s.held for s in cafe.sessions.values())
        assert all(s.on.weekday() == 2 for s in cafe.sessions.values())  # Wednesdays
        course = by_kind[OfferType.GROUP_COURSE]
        assert (course.planned_sessions, len(course.sessions)) == (10, 10)
        assert course.ended_on == course.ends_on
        meeting = by_kind[OfferType.NETWORK_MEETING]
        assert all(s.partner_ids and s.outcomes for s in meeting.sessions.values())
        named = [a for s in cafe.sessions.values() for a in s.attendees]
        assert named
        assert {str(app.get_case(a.family_id).state.members[a.member_id].gender)
                for a in named} == {"female"}  # (the women's café names women)
        assert any(s.corrections for o in found for s in o.sessions.values())
    via = [app.get_case(f).state for f in family_ids(app)]
    came = [s for s in via if s.access_route is AccessRoute.SOCIAL_SPACE_OFFER]
    assert came
    assert all(s.via_offer_id is not None for s in came)
