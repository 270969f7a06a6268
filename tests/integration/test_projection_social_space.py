"""The social-space statistics equal what the families' cases say: kept event by event
while a history is written and corrected, or rebuilt from scratch, for random demo
histories; corrections move families and consultations; a period sums its months."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.cases import FamilyCases
from application.commands import (
    AchieveGoal,
    CorrectEntry,
    DropGoal,
    MakeReferral,
    RecordConsultation,
    RecordReferralOutcome,
    SetGoal,
)
from application.directory import Directory
from demo.loading import load_demo
from domain.family_case import FamilyCase
from domain.records import CaseState, FieldChange
from domain.values import (
    CaseStatus,
    ContactMode,
    InstitutionType,
    LifeArea,
    ReferralOutcome,
    Topic,
)
from projections.engine import CatchUp, rebuild
from projections.views.social_space import (
    CONSULTATION,
    FAMILY,
    GOAL,
    GOAL_END,
    MODE,
    OUTCOMES,
    PENDING,
    REFERRAL,
    ROWS,
    TOPIC,
    SocialSpace,
)
from projections.views.social_space_read import SocialSpaceStatistics, read_social_space
from tests.conftest import drop_schema
from tests.support.builders import INTAKE, open_case

TODAY = date(2026, 11, 20)
PROJECTS = ("KR", "GL", "AF")
Rows = dict[tuple[str, str, str, str, str], tuple[int, int]]


def month(day: date) -> str:
    return day.isoformat()[:7]


def cases(app: FamilyCases) -> dict[uuid.UUID, CaseState]:
    """Every family's case, found in the log (not in the view)."""
    opened = app.recorder.select_notifications(0, 1_000_000,
                                               topics=[get_topic(FamilyCase.CaseOpened)])
    return {n.originator_id: app.get_case(n.originator_id).state for n in opened}


def states(app: FamilyCases) -> list[CaseState]:
    return list(cases(app).values())


def rows_from_the_cases(app: FamilyCases) -> Rows:
    """The counters computed directly from every family's aggregate."""
    counted: Counter[tuple[str, str, str, str, str]] = Counter()
    minutes: Counter[tuple[str, str, str, str, str]] = Counter()
    for s in states(app):
        p = s.project
        counted[(p, FAMILY, s.district, "", month(s.opened_on))] += 1
        for c in s.consultations.values():
            held = month(c.held_on)
            for key in [(p, CONSULTATION, "", "", held), (p, MODE, c.mode.value, "", held),
                        *((p, TOPIC, t.value, "", held) for t in c.topics)]:
                counted[key] += 1
                minutes[key] += c.duration_minutes
        for g in s.goals.values():
            counted[(p, GOAL, g.life_area.value, g.status, month(g.set_on))] += 1
            if g.closed_on is not None:
                counted[(p, GOAL_END, g.life_area.value, g.status, month(g.closed_on))] += 1
        for r in s.referrals.values():
            outcome = r.outcome.value if r.outcome else PENDING
            counted[(p, REFERRAL, r.institution_type.value, outcome,
                     month(r.referred_on))] += 1
    return {k: (n, minutes[k]) for k, n in counted.items()}


def kept_rows(app: FamilyCases) -> Rows:
    """Every counter row of the serving view, zeros included (there must be none)."""
    view = serving(app)
    return {tuple(r[:5]): (int(r[5]), int(r[6]))  # type: ignore[misc]
            for r in app.tables.fetchall(app.tables.sql(
                "SELECT project, dimension, item, detail, month, n, minutes FROM {r}",
                r=view.t(ROWS)))}


def serving(app: FamilyCases) -> SocialSpace:
    view = SocialSpace()
    CatchUp(app, view)
    return view


def statistics_from_the_cases(app: FamilyCases, project: str, first: str | None,
                              last: str | None) -> dict[str, Any]:
    """The statistics of a period, computed from the cases without the view's code."""

    def within(day: date) -> bool:
        m = month(day)
        return (first is None or m >= first) and (last is None or m <= last)

    districts: Counter[str] = Counter()
    months: Counter[str] = Counter()
    month_minutes: Counter[str] = Counter()
    topics: dict[str, Counter[str]] = {}
    modes: dict[str, list[int]] = {}
    referrals: dict[str, Counter[str]] = {}
    goals: dict[str, Counter[str]] = {}
    for s in states(app):
        if s.project != project:
            continue
        if within(s.opened_on):
            districts[s.district] += 1
        for c in s.consultations.values():
            if not within(c.held_on):
                continue
            months[month(c.held_on)] += 1
            month_minutes[month(c.held_on)] += c.duration_minutes
            for t in c.topics:
                topic = topics.setdefault(t.value, Counter())
                topic["n"] += 1
                topic["minutes"] += c.duration_minutes
                topic[month(c.held_on)] += 1
            mode = modes.setdefault(c.mode.value, [0, 0])
            mode[0] += 1
            mode[1] += c.duration_minutes
        for r in s.referrals.values():
            if within(r.referred_on):
                referrals.setdefault(r.institution_type.value, Counter())[
                    r.outcome.value if r.outcome else PENDING] += 1
        for g in s.goals.values():
            area = goals.setdefault(g.life_area.value, Counter())
            if within(g.set_on):
                area["set"] += 1
                area[g.status] += 1
            if g.closed_on is not None and within(g.closed_on):
                area[f"{g.status}_in_period"] += 1
    return {
        "families": sum(districts.values()), "by_district": dict(districts),
        "consultations": sum(months.values()), "minutes": sum(month_minutes.values()),
        "by_month": {m: (n, month_minutes[m]) for m, n in months.items()},
        "by_topic": {t: (c["n"], c["minutes"],
                         {m: n for m, n in c.items() if m not in ("n", "minutes")})
                     for t, c in topics.items()},
        "by_mode": {m: tuple(v) for m, v in modes.items()},
        "referrals": sum(sum(c.values()) for c in referrals.values()),
        "by_institution_type": {i: {o: c[o] for o in OUTCOMES} for i, c in referrals.items()},
        "by_life_area": {a: tuple(c[k] for k in ("set", "open", "achieved", "dropped",
                                                 "achieved_in_period", "dropped_in_period"))
                         for a, c in goals.items() if any(c.values())},
    }


def plain(s: SocialSpaceStatistics) -> dict[str, Any]:
    """The statistics in the shape of ``statistics_from_the_cases`` (order left out)."""
    return {
        "families": s.families, "by_district": {d.district: d.families for d in s.by_district},
        "consultations": s.consultations, "minutes": s.minutes,
        "by_month": {m.month: (m.consultations, m.minutes) for m in s.consultations_by_month},
        "by_topic": {t.topic: (t.consultations, t.minutes,
                               {m.month: m.consultations for m in t.by_month})
                     for t in s.by_topic},
        "by_mode": {m.mode: (m.consultations, m.minutes) for m in s.by_mode},
        "referrals": s.referrals,
        "by_institution_type": {r.institution_type: r.outcomes for r in s.by_institution_type},
        "by_life_area": {g.life_area: (g.set, g.open, g.achieved, g.dropped,
                                       g.achieved_in_period, g.dropped_in_period)
                         for g in s.by_life_area},
    }


def assert_sorted(s: SocialSpaceStatistics) -> None:
    """Every list: most counted first, ties by name; months in calendar order."""
    ranked = [[(-d.families, d.district) for d in s.by_district],
              [(-t.consultations, t.topic) for t in s.by_topic],
              [(-m.consultations, m.mode) for m in s.by_mode],
              [(-r.referrals, r.institution_type) for r in s.by_institution_type],
              [(-g.set, g.life_area) for g in s.by_life_area],
              [m.month for m in s.consultations_by_month],
              *([m.month for m in t.by_month] for t in s.by_topic)]
    for found in ranked:
        assert found == sorted(found)  # type: ignore[type-var]
        assert len(found) == len(set(found))


def correct_some(app: FamilyCases, rng: random.Random, live: CatchUp) -> int:
    """Later corrections of what the statistics count, each after a page or two of the
    live engine: a district, a consultation's date, length and mode, a goal's life area,
    a referral's institution type. Returns how many were recorded."""
    made = 0
    open_to_corrections = [(f, s) for f, s in cases(app).items()
                           if s.status is not CaseStatus.ERASED]
    for family, s in rng.sample(open_to_corrections, min(len(open_to_corrections), 5)):
        targets = [(v, ref.event) for v, ref in s.refs.items() if ref.event in (
            "CaseOpened", "ConsultationRecorded", "GoalSet", "ReferralMade")]
        for version, event in rng.sample(targets, min(len(targets), 3)):
            live.run_once(max_pages=rng.randint(0, 2))
            if event == "CaseOpened":
                changes = [FieldChange("district", rng.choice(
                    ["Oppum", "  Uerdingen ", "Stadtmitte-Süd"]))]
            elif event == "ConsultationRecorded":
                moved = s.opened_on + timedelta(days=rng.randint(0, (TODAY - s.opened_on).days))
                candidates = [FieldChange("occurred_on", moved.isoformat()),
                              FieldChange("duration_minutes", str(rng.randint(5, 240))),
                              FieldChange("mode", rng.choice(list(ContactMode)).value)]
                changes = [c for c in candidates if rng.random() < 0.6] or candidates[:1]
                if changes[0].field == "occurred_on":  # (a follow-up may not precede it)
                    changes.append(FieldChange("next_follow_up_on", None))
            elif event == "GoalSet":
                changes = [FieldChange("life_area", rng.choice(list(LifeArea)).value)]
            else:
                changes = [FieldChange("institution_type",
                                       rng.choice(list(InstitutionType)).value)]
            app.handle(CorrectEntry(family_id=family, corrected_version=version, changes=changes,
                reason="recorded wrongly", occurred_on=TODAY),
                recorded_by="cm-test")
            made += 1
    return made


@pytest.mark.slow
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_the_statistics_kept_event_by_event_equal_the_cases_and_a_rebuild(
        make_settings: Any, store: str, tmp_path: Path, seed: int) -> None:
    """Each example on a store of its own: the demo writes one into an empty store, the
    live engine follows in small pages, corrections arrive between its pages."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    own = {"data_dir": tmp_path / schema}
    if store == "postgres":
        own["postgres_schema"] = schema
    rng = random.Random(seed)
    try:
        with FamilyCases(make_settings(**own)) as app:
            live = CatchUp(app, SocialSpace(), page_size=7)
            live.run_once()  # an empty view, then the history arrives while it follows
            load_demo(app, Directory(app), today=TODAY, families=8, seed=seed)
            live.run_once(max_pages=rng.randint(1, 20))
            assert correct_some(app, rng, live)
            while live.run_once(max_pages=3):
                pass
            kept = kept_rows(app)
            assert kept
            assert kept == rows_from_the_cases(app)
            months = sorted({k[4] for k in kept})
            first, last = sorted(rng.sample(months, 2)) if len(months) > 1 else (None, None)
            for project in PROJECTS:
                for period in ((None, None), (first, last), (first, None), (None, last)):
                    found = read_social_space(app.tables, serving(app), project=project,
                                              from_month=period[0], to_month=period[1])
                    assert plain(found) == statistics_from_the_cases(app, project, *period)
                    assert_sorted(found)
            rebuild(app, [SocialSpace()])
            assert kept_rows(app) == kept
    finally:
        if store == "postgres":
            drop_schema(schema)


def consult(app: FamilyCases, family_id: uuid.UUID, day: date, minutes: int,
            topics: list[Topic], mode: ContactMode = ContactMode.PHONE) -> int:
    return app.handle(RecordConsultation(family_id=family_id, duration_minutes=minutes, mode=mode,
        topics=topics, members_present=[], location="Café am Markt", notes="personal",
        next_follow_up_on=None, occurred_on=day),
        recorded_by="cm-anna").version


def test_a_later_correction_moves_a_consultation_to_another_month_and_a_family_to_another_district(
        app: FamilyCases) -> None:
    opened, _ = open_case(app, district="Krefeld-Mitte")  # intake on 2026-03-02
    other, _ = open_case(app, district="Krefeld-Mitte")
    engine = CatchUp(app, SocialSpace())
    march = consult(app, opened.family_id, INTAKE.replace(day=20), 60,
                    [Topic.BENEFITS, Topic.HOUSING_AND_EVICTION])
    consult(app, opened.family_id, INTAKE.replace(day=25), 30, [Topic.BENEFITS])
    engine.run_once()
    view = engine.view
    assert isinstance(view, SocialSpace)
    before = read_social_space(app.tables, view, project="KR")
    assert [(d.district, d.families) for d in before.by_district] == [("Krefeld-Mitte", 2)]
    assert [(m.month, m.consultations, m.minutes) for m in before.consultations_by_month] == [
        ("2026-03", 2, 90)]

    app.handle(CorrectEntry(
        family_id=opened.family_id, corrected_version=march,
        changes=[FieldChange("occurred_on", "2026-04-02"), FieldChange("duration_minutes", "45")],
        reason="wrong month", occurred_on=date(2026, 5, 4)), recorded_by="cm-anna")
    app.handle(CorrectEntry(family_id=other.family_id, corrected_version=1,
        changes=[FieldChange("district", " Uerdingen ")], reason="moved before intake",
        occurred_on=date(2026, 5, 4)),
        recorded_by="cm-anna")
    engine.run_once()

    after = read_social_space(app.tables, view, project="KR")
    assert [(d.district, d.families) for d in after.by_district] == [
        ("Krefeld-Mitte", 1), ("Uerdingen", 1)]  # ties by name; the value as the case reads
    assert app.get_case(other.family_id).state.district == "Uerdingen"
    assert [(m.month, m.consultations, m.minutes) for m in after.consultations_by_month] == [
        ("2026-03", 1, 30), ("2026-04", 1, 45)]
    benefits = next(t for t in after.by_topic if t.topic == "benefits")
    assert (benefits.consultations, benefits.minutes) == (2, 75)
    assert [(m.month, m.consultations, m.minutes) for m in benefits.by_month] == [
        ("2026-03", 1, 30), ("2026-04", 1, 45)]
    housing = next(t for t in after.by_topic if t.topic == "housing_and_eviction")
    assert [(m.month, m.minutes) for m in housing.by_month] == [("2026-04", 45)]
    march_only = read_social_space(app.tables, view, project="KR", from_month="2026-03",
                                   to_month="2026-03")
    assert (march_only.consultations, march_only.minutes) == (1, 30)
    assert [t.topic for t in march_only.by_topic] == ["benefits"]
    assert kept_rows(app) == rows_from_the_cases(app)
    assert (("KR", CONSULTATION, "", "", "2026-03") in kept_rows(app))
    assert not any(n == 0 for n, _ in kept_rows(app).values())  # emptied counters go
    rebuilt = SocialSpace()
    rebuild(app, [rebuilt])
    assert kept_rows(app) == rows_from_the_cases(app)
    assert read_social_space(app.tables, rebuilt, project="KR") == after


def test_a_period_sums_its_months(app: FamilyCases) -> None:
    """Hand-counted: three families in two districts over three months."""
    a, a_members = open_case(app, district="Oppum", occurred_on=date(2026, 1, 12),
                             consent_given_on=date(2026, 1, 12))
    b, b_members = open_case(app, district="Oppum", occurred_on=date(2026, 2, 3),
                             consent_given_on=date(2026, 2, 3))
    c, c_members = open_case(app, district="Dießem", occurred_on=date(2026, 3, 9),
                           consent_given_on=date(2026, 3, 9))
    consult(app, a.family_id, date(2026, 1, 12), 60, [Topic.JOB_SEARCH, Topic.CHILDCARE],
            ContactMode.HOME_VISIT)
    consult(app, a.family_id, date(2026, 2, 16), 30, [Topic.JOB_SEARCH])
    consult(app, b.family_id, date(2026, 2, 3), 90, [Topic.MONEY_AND_DEBTS, Topic.JOB_SEARCH],
            ContactMode.OFFICE)
    consult(app, c.family_id, date(2026, 3, 10), 45, [Topic.CHILDCARE], ContactMode.OFFICE)
    goal_a, goal_b = uuid.uuid4(), uuid.uuid4()
    for family, members, goal, area, day in (
            (a, a_members, goal_a, LifeArea.WORK, date(2026, 1, 20)),
            (a, a_members, goal_b, LifeArea.WORK, date(2026, 2, 20)),
            (c, c_members, uuid.uuid4(), LifeArea.HOUSING, date(2026, 3, 10))):
        app.handle(SetGoal(family_id=family.family_id, member_ids=[members[0].member_id],
            life_area=area, description="a personal goal", target_date=None, occurred_on=day,
            goal_id=goal),
            recorded_by="cm-anna")
    app.handle(AchieveGoal(family_id=a.family_id, goal_id=goal_a, occurred_on=date(2026, 3, 2)),
        recorded_by="cm-anna")
    app.handle(DropGoal(family_id=a.family_id, goal_id=goal_b, reason="moved",
        occurred_on=date(2026, 2, 25)),
        recorded_by="cm-anna")
    referral = uuid.uuid4()
    app.handle(MakeReferral(family_id=c.family_id, member_id=c_members[0].member_id,
        institution_type=InstitutionType.JOBCENTER, institution_name="Jobcenter", purpose=None,
        consent_confirmed=True, occurred_on=date(2026, 3, 11), referral_id=referral),
        recorded_by="cm-anna")
    app.handle(MakeReferral(family_id=b.family_id, member_id=b_members[0].member_id,
        institution_type=InstitutionType.JOBCENTER, institution_name="Jobcenter", purpose=None,
        consent_confirmed=True, occurred_on=date(2026, 2, 4)),
        recorded_by="cm-anna")
    app.handle(RecordReferralOutcome(family_id=c.family_id, referral_id=referral,
        outcome=ReferralOutcome.ACCEPTED, occurred_on=date(2026, 3, 20)),
        recorded_by="cm-anna")
    app.handle(RecordReferralOutcome(family_id=c.family_id, referral_id=referral,
        outcome=ReferralOutcome.COMPLETED, occurred_on=date(2026, 4, 20)),
        recorded_by="cm-anna")
    engine = CatchUp(app, SocialSpace(), page_size=3)
    engine.run_once()
    view = engine.view
    assert isinstance(view, SocialSpace)

    feb_mar = read_social_space(app.tables, view, project="KR", from_month="2026-02",
                                to_month="2026-03")

    assert (feb_mar.families, [(d.district, d.families) for d in feb_mar.by_district]) == (
        2, [("Dießem", 1), ("Oppum", 1)])
    assert (feb_mar.consultations, feb_mar.minutes) == (3, 165)  # 30 + 90 + 45, once each
    assert [(m.month, m.consultations, m.minutes) for m in feb_mar.consultations_by_month] == [
        ("2026-02", 2, 120), ("2026-03", 1, 45)]
    assert [(t.topic, t.consultations, t.minutes) for t in feb_mar.by_topic] == [
        ("job_search", 2, 120), ("childcare", 1, 45), ("money_and_debts", 1, 90)]
    assert [(m.mode, m.consultations, m.minutes) for m in feb_mar.by_mode] == [
        ("office", 2, 135), ("phone", 1, 30)]
    assert feb_mar.referrals == 2
    assert [(r.institution_type, r.referrals) for r in feb_mar.by_institution_type] == [
        ("jobcenter", 2)]
    outcomes = feb_mar.by_institution_type[0].outcomes
    assert {o: n for o, n in outcomes.items() if n} == {"pending": 1, "completed": 1}
    assert set(outcomes) == set(OUTCOMES)
    assert [(g.life_area, g.set, g.open, g.achieved, g.dropped, g.achieved_in_period,
             g.dropped_in_period) for g in feb_mar.by_life_area] == [
        ("housing", 1, 1, 0, 0, 0, 0),  # set in March, open
        ("work", 1, 0, 0, 1, 1, 1)]  # goal_b set and dropped in February; goal_a (set in
    #                                  January) achieved in March
    assert feb_mar.goals_set == 2

    everything = read_social_space(app.tables, view, project="KR")
    assert (everything.families, everything.consultations, everything.minutes) == (3, 4, 225)
    assert [(g.life_area, g.set, g.open, g.achieved, g.dropped) for g in
            everything.by_life_area] == [("work", 2, 0, 1, 1), ("housing", 1, 1, 0, 0)]
    january = read_social_space(app.tables, view, project="KR", to_month="2026-01")
    assert (january.families, january.consultations, january.minutes) == (1, 1, 60)
    assert [(t.topic, t.consultations) for t in january.by_topic] == [
        ("childcare", 1), ("job_search", 1)]
    assert read_social_space(app.tables, view, project="KR", from_month="2026-05").families == 0
    assert read_social_space(app.tables, view, project="GL").families == 0
