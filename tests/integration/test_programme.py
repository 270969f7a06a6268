"""Programme figures against a fixture whose every figure was counted by hand.

Project KR, period 2026-H1 (1 January to 30 June 2026), yearly target 48 families. Each
event is recorded on the day it happened (10:00 UTC) unless said otherwise ("rec.").

F1, opened 2025-11-10: parent and 2 children; child C2 leaves 2025-12-20. Consultations
  2025-12-01 (60 min, office, money) and 2026-02-10 (90, home visit, money + housing).
  Goal money set 2025-12-01, achieved 03-15; goal housing set 06-01, achieved 08-01.
  Referral childcare 2025-12-01 (no response 2026-01-10); referral debt counselling 02-10
  (accepted 03-01, completed 07-20). Closed 08-15 (family ended the cooperation).
F2, opened 2026-02-01: parent, other adult, child. Consultation 03-05 (45, phone, job
  search); goals work (dropped 05-10) and education set 03-05; referral Jobcenter 03-05
  (declined 06-29, rec. 07-08); a backdated consultation 06-20 (30, office, job search +
  childcare) rec. 07-05.
F3, opened 2026-01-15: parent, 2 children. Consultation 01-20 (60, open office hours,
  parenting); goal family life set 01-20, dropped 02-27; closed 02-28 (no contact),
  reopened 04-01, closed 06-10 (goals achieved: 146 days after intake).
F4, opened 2025-09-01: parent, child; closed 2025-12-15 (moved away: 105 days): reached
  since the start, not in the period.
F5, opened 2026-03-01: parent; a child joins 04-10. Consultation 03-10 (120, video,
  language), corrected on 07-15 to 150 min, accompanied appointment; goal language set
  03-10, achieved 06-25 rec. 07-02; referral integration course 03-10, corrected 05-01 to
  education provider, first appointment kept 05-20.
F7, opened 2026-07-10: parent, child; a consultation 07-11: after the cut-off, in no figure.
F8, opened 2026-06-01 rec. 07-03: parent, child; a consultation 06-02 (60, phone,
  benefits) rec. 07-03.
G1, opened 2026-02-01 in project GL: parent, child; in no KR figure.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.cases import FamilyCases
from application.commands import (
    AchieveGoal,
    AddMember,
    CloseCase,
    CorrectEntry,
    DropGoal,
    MakeReferral,
    RecordConsultation,
    RecordMemberLeft,
    RecordReferralOutcome,
    ReopenCase,
    SetGoal,
)
from application.directory import Directory
from demo.loading import load_demo
from domain.records import FieldChange, MemberData
from domain.values import (
    ClosureReason,
    ContactMode,
    Gender,
    InstitutionType,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)
from projections.engine import CatchUp, rebuild
from projections.reporting.programme import FACTS, ProgrammeFacts
from projections.reporting.programme_figures import (
    CLOSURE_REASONS,
    INSTITUTION_TYPES,
    LIFE_AREAS,
    MODES,
    OUTCOMES,
    TOPICS,
    ProgrammeFigures,
    programme_figures,
)
from projections.reporting.programme_render import SECTIONS, programme_json, programme_rows
from projections.views.registry import all_views
from tests.integration.test_projection_rebuild import contents
from tests.integration.test_store_queries import Clock
from tests.support.builders import intake_kwargs, run_intake

START, CUTOFF = date(2026, 1, 1), date(2026, 6, 30)
PARENT, CHILD, OTHER = MemberRole.PARENT, MemberRole.CHILD, MemberRole.OTHER_ADULT


class Fixture:
    """Builds the families in the order of recording, with the clock on each day."""

    def __init__(self, app: FamilyCases, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.families: dict[str, UUID] = {}
        self.members: dict[str, list[UUID]] = {}
        self.referrals: dict[str, UUID] = {}
        self.goals: dict[str, UUID] = {}
        self.versions: dict[str, int] = {}
        self.live: CatchUp | None = None
        """An engine kept current after each recording day (the incremental view)."""

    def on(self, day: date) -> None:
        if self.live is not None:
            self.live.run_once()
        self.clock.set(day.year, day.month, day.day, 10, 0)

    def open(self, name: str, day: date, roles: list[MemberRole], *, project: str = "KR",
             recorded: date | None = None) -> None:
        self.on(recorded or day)
        members = [MemberData(uuid4(), role, "Vorname", "Muster", date(2015, 1, 1)
                              if role is CHILD else date(1990, 1, 1), Gender.FEMALE)
                   for role in roles]
        opened = run_intake(self.app, **intake_kwargs(
            members, project=project, occurred_on=day, consent_given_on=day))
        self.families[name] = opened.family_id
        self.members[name] = [m.member_id for m in members]

    def consult(self, name: str, day: date, minutes: int, mode: ContactMode,
                topics: list[Topic], *, recorded: date | None = None) -> int:
        self.on(recorded or day)
        return self.app.handle(RecordConsultation(family_id=self.families[name],
            duration_minutes=minutes, mode=mode, topics=topics, members_present=[], location=None,
            notes="Gesprächsnotiz", next_follow_up_on=None, occurred_on=day),
            recorded_by="cm-anna").version

    def goal(self, name: str, goal: str, day: date, area: LifeArea) -> None:
        self.on(day)
        self.goals[goal] = uuid4()
        self.app.handle(SetGoal(family_id=self.families[name], goal_id=self.goals[goal],
            member_ids=[self.members[name][0]], life_area=area, description="Ziel",
            target_date=None, occurred_on=day),
            recorded_by="cm-anna")

    def achieve(self, name: str, goal: str, day: date, *, recorded: date | None = None) -> None:
        self.on(recorded or day)
        self.app.handle(AchieveGoal(family_id=self.families[name], goal_id=self.goals[goal],
            occurred_on=day),
            recorded_by="cm-anna")

    def drop(self, name: str, goal: str, day: date) -> None:
        self.on(day)
        self.app.handle(DropGoal(family_id=self.families[name], goal_id=self.goals[goal],
            reason="passt nicht", occurred_on=day),
            recorded_by="cm-anna")

    def refer(self, name: str, referral: str, day: date, kind: InstitutionType) -> int:
        self.on(day)
        self.referrals[referral] = uuid4()
        return self.app.handle(MakeReferral(family_id=self.families[name],
            member_id=self.members[name][0], institution_type=kind, institution_name="Stelle",
            purpose=None, consent_confirmed=True, occurred_on=day,
            referral_id=self.referrals[referral]),
            recorded_by="cm-anna").version

    def outcome(self, name: str, referral: str, day: date, outcome: ReferralOutcome, *,
                recorded: date | None = None) -> None:
        self.on(recorded or day)
        self.app.handle(RecordReferralOutcome(family_id=self.families[name],
            referral_id=self.referrals[referral], outcome=outcome, occurred_on=day),
            recorded_by="cm-anna")

    def close(self, name: str, day: date, reason: ClosureReason) -> None:
        self.on(day)
        self.app.handle(CloseCase(family_id=self.families[name], reason=reason,
            note="Abschlussnotiz", occurred_on=day),
            recorded_by="cm-anna")

    def correct(self, name: str, version: int, day: date, *changes: tuple[str, str]) -> None:
        self.on(day)
        self.app.handle(CorrectEntry(family_id=self.families[name], corrected_version=version,
            changes=[FieldChange(f, v) for f, v in changes], reason="Tippfehler", occurred_on=day),
            recorded_by="cm-anna")


def build(f: Fixture) -> Fixture:
    app, d = f.app, date
    f.open("F4", d(2025, 9, 1), [PARENT, CHILD])
    f.open("F1", d(2025, 11, 10), [PARENT, CHILD, CHILD])
    f.consult("F1", d(2025, 12, 1), 60, ContactMode.OFFICE, [Topic.MONEY_AND_DEBTS])
    f.goal("F1", "money", d(2025, 12, 1), LifeArea.MONEY)
    f.refer("F1", "childcare", d(2025, 12, 1), InstitutionType.CHILDCARE)
    f.close("F4", d(2025, 12, 15), ClosureReason.MOVED_AWAY)
    f.on(d(2025, 12, 20))
    app.handle(RecordMemberLeft(family_id=f.families["F1"], member_id=f.members["F1"][2],
        reason="Internat", occurred_on=d(2025, 12, 20)),
        recorded_by="cm-anna")
    f.outcome("F1", "childcare", d(2026, 1, 10), ReferralOutcome.NO_RESPONSE)
    f.open("F3", d(2026, 1, 15), [PARENT, CHILD, CHILD])
    f.consult("F3", d(2026, 1, 20), 60, ContactMode.OPEN_OFFICE_HOURS, [Topic.PARENTING])
    f.goal("F3", "family", d(2026, 1, 20), LifeArea.FAMILY_LIFE)
    f.open("F2", d(2026, 2, 1), [PARENT, OTHER, CHILD])
    f.open("G1", d(2026, 2, 1), [PARENT, CHILD], project="GL")
    f.consult("G1", d(2026, 2, 2), 60, ContactMode.OFFICE, [Topic.BENEFITS])
    f.goal("G1", "gl-work", d(2026, 2, 2), LifeArea.WORK)
    f.refer("G1", "gl-jobcenter", d(2026, 2, 2), InstitutionType.JOBCENTER)
    f.consult("F1", d(2026, 2, 10), 90, ContactMode.HOME_VISIT,
              [Topic.MONEY_AND_DEBTS, Topic.HOUSING_AND_EVICTION])
    f.refer("F1", "debts", d(2026, 2, 10), InstitutionType.DEBT_COUNSELLING)
    f.drop("F3", "family", d(2026, 2, 27))
    f.close("F3", d(2026, 2, 28), ClosureReason.NO_CONTACT)
    f.open("F5", d(2026, 3, 1), [PARENT])
    f.outcome("F1", "debts", d(2026, 3, 1), ReferralOutcome.ACCEPTED)
    f.consult("F2", d(2026, 3, 5), 45, ContactMode.PHONE, [Topic.JOB_SEARCH])
    f.goal("F2", "work", d(2026, 3, 5), LifeArea.WORK)
    f.goal("F2", "education", d(2026, 3, 5), LifeArea.EDUCATION)
    f.refer("F2", "jobcenter", d(2026, 3, 5), InstitutionType.JOBCENTER)
    f.versions["F5 consultation"] = f.consult(
        "F5", d(2026, 3, 10), 120, ContactMode.VIDEO, [Topic.LANGUAGE_AND_INTEGRATION])
    f.goal("F5", "language", d(2026, 3, 10), LifeArea.LANGUAGE)
    f.versions["F5 referral"] = f.refer("F5", "course", d(2026, 3, 10),
                                        InstitutionType.INTEGRATION_COURSE)
    f.achieve("F1", "money", d(2026, 3, 15))
    f.on(d(2026, 4, 1))
    app.handle(ReopenCase(family_id=f.families["F3"], reason="Familie meldet sich wieder",
        occurred_on=d(2026, 4, 1)),
        recorded_by="cm-anna")
    f.on(d(2026, 4, 10))
    newborn = MemberData(uuid4(), CHILD, "Baby", "Muster", d(2026, 4, 2), Gender.MALE)
    app.handle(AddMember(family_id=f.families["F5"], member=newborn, occurred_on=d(2026, 4, 10)),
        recorded_by="cm-anna")
    f.correct("F5", f.versions["F5 referral"], d(2026, 5, 1),
              ("institution_type", "education_provider"))
    f.drop("F2", "work", d(2026, 5, 10))
    f.outcome("F5", "course", d(2026, 5, 20), ReferralOutcome.FIRST_APPOINTMENT_KEPT)
    f.goal("F1", "housing", d(2026, 6, 1), LifeArea.HOUSING)
    f.close("F3", d(2026, 6, 10), ClosureReason.GOALS_ACHIEVED)
    f.close("G1", d(2026, 6, 15), ClosureReason.OTHER)
    # Recorded after the cut-off, dated before it.
    f.achieve("F5", "language", d(2026, 6, 25), recorded=d(2026, 7, 2))
    f.open("F8", d(2026, 6, 1), [PARENT, CHILD], recorded=d(2026, 7, 3))
    f.consult("F8", d(2026, 6, 2), 60, ContactMode.PHONE, [Topic.BENEFITS],
              recorded=d(2026, 7, 3))
    f.consult("F2", d(2026, 6, 20), 30, ContactMode.OFFICE, [Topic.JOB_SEARCH, Topic.CHILDCARE],
              recorded=d(2026, 7, 5))
    f.outcome("F2", "jobcenter", d(2026, 6, 29), ReferralOutcome.DECLINED,
              recorded=d(2026, 7, 8))
    # Dated after the cut-off.
    f.open("F7", d(2026, 7, 10), [PARENT, CHILD])
    f.consult("F7", d(2026, 7, 11), 30, ContactMode.OFFICE, [Topic.SCHOOL])
    f.correct("F5", f.versions["F5 consultation"], d(2026, 7, 15),
              ("duration_minutes", "150"), ("mode", "accompanied_appointment"))
    f.outcome("F1", "debts", d(2026, 7, 20), ReferralOutcome.COMPLETED)
    f.achieve("F1", "housing", d(2026, 8, 1))
    f.close("F1", d(2026, 8, 15), ClosureReason.FAMILY_ENDED_COOPERATION)
    f.on(d(2026, 11, 30))
    return f


@pytest.fixture
def fixture(app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> Fixture:
    return build(Fixture(app, Clock(monkeypatch)))


def figures(app: FamilyCases, view: ProgrammeFacts, known_by: date | None,
            project: str = "KR") -> ProgrammeFigures:
    return programme_figures(app.tables, view, project, START, CUTOFF, known_by, 48)


def caught_up(app: FamilyCases) -> ProgrammeFacts:
    view = ProgrammeFacts()
    CatchUp(app, view).run_once()
    return view


def nonzero(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (0, (0, 0.0), (0, 0, 0))}


def compact(window: dict[str, Any]) -> dict[str, Any]:
    """A window of the JSON with the categories that count nothing left out."""
    c, r, g, x = (window["consultations"], window["referrals"], window["goals"],
                  window["exits"])
    return {
        "families": window["families"], "children": window["children"],
        "persons": window["persons"],
        "consultations": (c["count"], c["hours"]),
        "by_topic": nonzero({k: (v["count"], v["hours"]) for k, v in c["by_topic"].items()}),
        "by_mode": nonzero({k: (v["count"], v["hours"]) for k, v in c["by_mode"].items()}),
        "referrals": r["count"],
        "by_institution_type": nonzero(r["by_institution_type"]),
        "by_outcome": nonzero(r["by_outcome"]),
        "goals": (g["set"], g["achieved"], g["dropped"]),
        "by_life_area": nonzero({k: (v["set"], v["achieved"], v["dropped"])
                                 for k, v in g["by_life_area"].items()}),
        "exits": (x["count"], x["average_case_days"]),
        "by_reason": nonzero(x["by_reason"]),
    }


# Counted by hand from the table above.
NOW_PERIOD: dict[str, Any] = {
    "families": 5, "children": 6, "persons": 12,  # F1 (without C2), F2, F3, F5, F8
    "consultations": (6, 7.3),  # 90 + 45 + 30 + 60 + 150 + 60 = 435 min = 7.25 h
    "by_topic": {"job_search": (2, 1.3), "money_and_debts": (1, 1.5),
                 "housing_and_eviction": (1, 1.5), "childcare": (1, 0.5),
                 "parenting": (1, 1.0), "language_and_integration": (1, 2.5),
                 "benefits": (1, 1.0)},
    "by_mode": {"office": (1, 0.5), "open_office_hours": (1, 1.0), "home_visit": (1, 1.5),
                "phone": (2, 1.8), "accompanied_appointment": (1, 2.5)},
    "referrals": 3,
    "by_institution_type": {"debt_counselling": 1, "jobcenter": 1, "education_provider": 1},
    "by_outcome": {"accepted": 1, "first_appointment_kept": 1, "declined": 1},
    "goals": (5, 2, 2),
    "by_life_area": {"work": (1, 0, 1), "education": (1, 0, 0), "money": (0, 1, 0),
                     "housing": (1, 0, 0), "family_life": (1, 0, 1), "language": (1, 1, 0)},
    "exits": (1, 146.0),  # F3, 2026-01-15 to 06-10 (its closure of 02-28 was undone)
    "by_reason": {"goals_achieved": 1},
}
NOW_SINCE_START: dict[str, Any] = {
    **NOW_PERIOD,
    "families": 6, "children": 8, "persons": 15,  # + F4, and C2 of F1
    "consultations": (7, 8.3),  # + 60 min in December: 495 min
    "by_topic": {**NOW_PERIOD["by_topic"], "money_and_debts": (2, 2.5)},
    "by_mode": {**NOW_PERIOD["by_mode"], "office": (2, 1.5)},
    "referrals": 4,
    "by_institution_type": {"debt_counselling": 1, "jobcenter": 1, "childcare": 1,
                            "education_provider": 1},
    "by_outcome": {"accepted": 1, "first_appointment_kept": 1, "declined": 1,
                   "no_response": 1},
    "goals": (6, 2, 2),
    "by_life_area": {**NOW_PERIOD["by_life_area"], "money": (1, 1, 0)},
    "exits": (2, 125.5),  # (146 + 105) / 2
    "by_reason": {"goals_achieved": 1, "moved_away": 1},
}
# At the cut-off nobody knew of F8 (and its consultation), the consultation of 20 June,
# the outcome of 29 June, the goal achieved on 25 June, nor the correction of F5's
# consultation (still 120 minutes by video).
CUTOFF_PERIOD: dict[str, Any] = {
    **NOW_PERIOD,
    "families": 4, "children": 5, "persons": 10,
    "consultations": (4, 5.3),  # 90 + 45 + 60 + 120 = 315 min
    "by_topic": {"job_search": (1, 0.8), "money_and_debts": (1, 1.5),
                 "housing_and_eviction": (1, 1.5), "parenting": (1, 1.0),
                 "language_and_integration": (1, 2.0)},
    "by_mode": {"open_office_hours": (1, 1.0), "home_visit": (1, 1.5), "phone": (1, 0.8),
                "video": (1, 2.0)},
    "by_outcome": {"accepted": 1, "first_appointment_kept": 1, "pending": 1},
    "goals": (5, 1, 2),
    "by_life_area": {**NOW_PERIOD["by_life_area"], "language": (1, 0, 0)},
}
CUTOFF_SINCE_START: dict[str, Any] = {
    **CUTOFF_PERIOD,
    "families": 5, "children": 7, "persons": 13,
    "consultations": (5, 6.3),
    "by_topic": {**CUTOFF_PERIOD["by_topic"], "money_and_debts": (2, 2.5)},
    "by_mode": {**CUTOFF_PERIOD["by_mode"], "office": (1, 1.0)},
    "referrals": 4,
    "by_institution_type": NOW_SINCE_START["by_institution_type"],
    "by_outcome": {"accepted": 1, "first_appointment_kept": 1, "pending": 1,
                   "no_response": 1},
    "goals": (6, 1, 2),
    "by_life_area": {**CUTOFF_PERIOD["by_life_area"], "money": (1, 1, 0)},
    "exits": NOW_SINCE_START["exits"], "by_reason": NOW_SINCE_START["by_reason"],
}


def test_every_figure_as_known_now_and_at_the_cutoff(fixture: Fixture) -> None:
    view = caught_up(fixture.app)
    now = programme_json(figures(fixture.app, view, None))
    assert compact(now["period"]) == NOW_PERIOD
    assert compact(now["since_start"]) == NOW_SINCE_START
    assert now["target"] == {"yearly": 48, "period": 24, "share_percent": 20.8}  # 5 / 24
    assert (now["project"], now["start"], now["cutoff"], now["known_by"], now["as"],
            now["project_start"]) == ("KR", "2026-01-01", "2026-06-30", None, "now",
                                      "2025-09-01")

    then = programme_json(figures(fixture.app, view, CUTOFF))
    assert compact(then["period"]) == CUTOFF_PERIOD
    assert compact(then["since_start"]) == CUTOFF_SINCE_START
    assert then["target"] == {"yearly": 48, "period": 24, "share_percent": 16.7}  # 4 / 24
    assert (then["known_by"], then["as"]) == ("2026-06-30", "known_by")


def test_now_and_cutoff_differ_exactly_where_expected(fixture: Fixture) -> None:
    view = caught_up(fixture.app)
    now = {(r[0], r[1]): r[4:] for r in programme_rows(figures(fixture.app, view, None))}
    then = {(r[0], r[1]): r[4:] for r in programme_rows(figures(fixture.app, view, CUTOFF))}
    assert now.keys() == then.keys()
    changed = {key: (then[key], now[key]) for key in now if now[key] != then[key]}
    assert changed == {
        ("families", "reached"): ((4, 5), (5, 6)),  # F8
        ("families", "children"): ((5, 7), (6, 8)),
        ("families", "persons"): ((10, 13), (12, 15)),
        ("target", "share_percent"): ((16.7, None), (20.8, None)),
        ("consultations", "count"): ((4, 5), (6, 7)),
        ("consultations", "hours"): ((5.3, 6.3), (7.3, 8.3)),
        ("consultations_by_topic", "job_search"): ((1, 1), (2, 2)),
        ("consultations_by_topic", "childcare"): ((0, 0), (1, 1)),
        ("consultations_by_topic", "benefits"): ((0, 0), (1, 1)),
        ("hours_by_topic", "job_search"): ((0.8, 0.8), (1.3, 1.3)),
        ("hours_by_topic", "childcare"): ((0.0, 0.0), (0.5, 0.5)),
        ("hours_by_topic", "benefits"): ((0.0, 0.0), (1.0, 1.0)),
        ("hours_by_topic", "language_and_integration"): ((2.0, 2.0), (2.5, 2.5)),  # corrected
        ("consultations_by_mode", "office"): ((0, 1), (1, 2)),
        ("consultations_by_mode", "phone"): ((1, 1), (2, 2)),
        ("consultations_by_mode", "video"): ((1, 1), (0, 0)),
        ("consultations_by_mode", "accompanied_appointment"): ((0, 0), (1, 1)),
        ("hours_by_mode", "office"): ((0.0, 1.0), (0.5, 1.5)),
        ("hours_by_mode", "phone"): ((0.8, 0.8), (1.8, 1.8)),
        ("hours_by_mode", "video"): ((2.0, 2.0), (0.0, 0.0)),
        ("hours_by_mode", "accompanied_appointment"): ((0.0, 0.0), (2.5, 2.5)),
        ("referrals_by_outcome", "declined"): ((0, 0), (1, 1)),
        ("referrals_by_outcome", "pending"): ((1, 1), (0, 0)),
        ("goals", "achieved"): ((1, 1), (2, 2)),
        ("goals_achieved", "language"): ((0, 0), (1, 1)),
    }


def test_the_view_kept_day_by_day_equals_a_rebuild(app: FamilyCases,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    f = Fixture(app, Clock(monkeypatch))
    live = ProgrammeFacts()
    f.live = CatchUp(app, live, page_size=3)  # (pages end within a family and a day)
    build(f)
    f.live.run_once()
    fresh = ProgrammeFacts()
    rebuild(app, [fresh])
    assert fresh.generation == 1
    for known_by in (None, CUTOFF, date(2026, 3, 1), date(2026, 7, 3)):
        kept, rebuilt = figures(app, live, known_by), figures(app, fresh, known_by)
        assert kept == rebuilt, known_by
    assert compact(programme_json(figures(app, fresh, None))["period"]) == NOW_PERIOD
    t = app.tables
    rows = [sorted(t.fetchall(t.sql("SELECT * FROM {x}", x=v.t(FACTS))), key=repr)
            for v in (live, fresh)]
    assert rows[0] == rows[1]


def test_other_projects_are_invisible(fixture: Fixture) -> None:
    view = caught_up(fixture.app)
    gl = programme_json(figures(fixture.app, view, None, project="GL"))
    assert compact(gl["period"]) == {
        "families": 1, "children": 1, "persons": 2, "consultations": (1, 1.0),
        "by_topic": {"benefits": (1, 1.0)}, "by_mode": {"office": (1, 1.0)},
        "referrals": 1, "by_institution_type": {"jobcenter": 1},
        "by_outcome": {"pending": 1}, "goals": (1, 0, 0), "by_life_area": {"work": (1, 0, 0)},
        "exits": (1, 134.0), "by_reason": {"other": 1}}  # 2026-02-01 to 06-15
    nobody = programme_json(figures(fixture.app, view, None, project="XX"))
    assert compact(nobody["since_start"]) == {
        "families": 0, "children": 0, "persons": 0, "consultations": (0, 0.0),
        "by_topic": {}, "by_mode": {}, "referrals": 0, "by_institution_type": {},
        "by_outcome": {}, "goals": (0, 0, 0), "by_life_area": {}, "exits": (0, None),
        "by_reason": {}}
    assert nobody["project_start"] is None
    assert nobody["target"]["share_percent"] == 0.0


def test_no_target_no_share_and_a_year_has_the_whole_target(fixture: Fixture) -> None:
    view = caught_up(fixture.app)
    t = fixture.app.tables
    untargeted = programme_figures(t, view, "KR", START, CUTOFF, None, None)
    assert (untargeted.target.yearly, untargeted.target.period,
            untargeted.target.share_percent) == (None, None, None)
    odd = programme_figures(t, view, "KR", START, CUTOFF, None, 45)
    assert odd.target.period == 23  # half of 45, rounded up
    year = programme_figures(t, view, "KR", START, date(2026, 12, 31), None, 48)
    assert (year.target.period, year.period.families) == (24 * 2, 6)  # F1..F3, F5, F7, F8


def test_json_and_rows_have_a_stable_shape_and_labels_in_both_languages(
        fixture: Fixture) -> None:
    view = caught_up(fixture.app)
    result = figures(fixture.app, view, None)
    body = programme_json(result)
    assert list(body) == ["project", "start", "cutoff", "known_by", "as", "project_start",
                          "target", "period", "since_start"]
    period = body["period"]
    assert list(period) == ["families", "children", "persons", "consultations", "referrals",
                            "goals", "exits"]
    assert tuple(period["consultations"]["by_topic"]) == TOPICS
    assert tuple(period["consultations"]["by_mode"]) == MODES
    assert tuple(period["referrals"]["by_institution_type"]) == INSTITUTION_TYPES
    assert tuple(period["referrals"]["by_outcome"]) == OUTCOMES
    assert tuple(period["goals"]["by_life_area"]) == LIFE_AREAS
    assert tuple(period["exits"]["by_reason"]) == CLOSURE_REASONS

    rows = programme_rows(result)
    assert len({(r[0], r[1]) for r in rows}) == len(rows)
    assert {r[0] for r in rows} == set(SECTIONS)
    for section, key, de, en, _, _ in rows:
        assert de, (section, key)
        assert en, (section, key)
        assert de != key or key in ("jobcenter", "video"), (section, key)
    assert rows[0] == ("families", "reached", "Erreichte Familien", "Families reached", 5, 6)
    by_key = {(r[0], r[1]): r for r in rows}
    assert by_key[("referrals_by_institution_type", "debt_counselling")][2:] == (
        "Schuldnerberatung", "Debt counselling", 1, 1)
    assert by_key[("exits", "average_case_days")][4:] == (146.0, 125.5)


def test_the_view_is_registered_and_holds_no_personal_data(fixture: Fixture) -> None:
    assert "programme_facts" in {v.name for v in all_views()}
    view = caught_up(fixture.app)
    t = fixture.app.tables
    stored = " ".join(str(r) for r in t.fetchall(t.sql("SELECT * FROM {x}", x=view.t(FACTS))))
    stored += " ".join(str(r) for r in t.fetchall(t.sql(
        "SELECT doc FROM {x}", x=view.t("lotse_programme_docs"))))
    for personal in ("Vorname", "Muster", "Gesprächsnotiz", "Stelle", "Ziel", "Internat",
                     "Abschlussnotiz", "Westwall", "Tippfehler"):
        assert personal not in stored, personal


@pytest.mark.slow
def test_comparing_only_the_entities_an_event_names_writes_the_same_rows(
        app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    """``touches`` is an optimisation: the rows equal those of a view that compares
    every entity of a family after each recording day (demo histories: corrections,
    closures, reopenings, outcomes)."""
    load_demo(app, Directory(app), today=date(2026, 11, 20), families=40, seed=9)
    named = ProgrammeFacts()
    CatchUp(app, named, page_size=5).run_once()
    kept = contents(app, [named])
    monkeypatch.setattr(ProgrammeFacts, "touches", lambda self, event: None)
    every = ProgrammeFacts()
    rebuild(app, [every], workers=1)
    assert contents(app, [every]) == kept
    assert len(kept[f"{every.name}.{FACTS}"]) > 500
