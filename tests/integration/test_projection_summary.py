"""The family summary view equals what each family's case says, kept event by event or
rebuilt from scratch, for random demo histories and for corrections of every shown fact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.cases import FamilyCases
from application.commands import (
    AchieveGoal,
    AddMember,
    AssignCaseManager,
    ChangeMemberDetails,
    CloseCase,
    CorrectEntry,
    EnterParticipant,
    FamilyCommand,
    MakeReferral,
    RecordConsultation,
    RecordExit,
    RecordLeavingStatus,
    RecordMemberLeft,
    RecordReferralOutcome,
    ReopenCase,
    ReviseGoal,
    SetGoal,
)
from application.directory import Directory
from demo.loading import load_demo
from domain.records import FieldChange, MemberData
from domain.values import (
    ClosureReason,
    ContactMode,
    ErasureBasis,
    ExitStatus,
    Gender,
    InstitutionType,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)
from projections.engine import CatchUp, rebuild
from projections.views.family_summary import ROWS, FamilySummary
from projections.views.family_summary_read import (
    ConsultationFigures,
    FamilySummaryRecord,
    GoalSummary,
    MemberSummary,
    ModeHours,
    ParticipationSummary,
    ReferralSummary,
    TopicHours,
    read_summary,
)
from tests.conftest import fresh_store
from tests.support.builders import INTAKE, entry, first_parent_id, open_case
from tests.support.examples import run_every_example, through

TODAY = date(2026, 11, 20)


def from_the_case(app: FamilyCases, family_id: UUID) -> FamilySummaryRecord:
    """The summary computed directly from the family's aggregate."""
    case = app.get_case(family_id)
    s = case.state
    held = list(s.consultations.values())
    modes: Counter[str] = Counter()
    mode_minutes: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    topic_minutes: Counter[str] = Counter()
    for c in held:
        modes[c.mode.value] += 1
        mode_minutes[c.mode.value] += c.duration_minutes
        for t in c.topics:
            topics[t.value] += 1
            topic_minutes[t.value] += c.duration_minutes
    return FamilySummaryRecord(
        family_id=family_id, project=s.project, case_number=s.case_number,
        status=s.status.value, case_manager=s.case_manager, opened_on=s.opened_on,
        closed_on=s.closed_on, version=case.version,
        members=tuple(MemberSummary(
            m.member_id, m.role.value, m.gender.value if m.gender else None, m.in_household,
            m.left_household_on,
            tuple(ParticipationSummary(p.entered_on, p.left_on,
                                       p.exit_status.value if p.exit_status else None)
                  for p in s.participations.get(m.member_id, [])))
            for m in s.members.values()),
        goals=tuple(GoalSummary(g.goal_id, g.life_area.value, g.set_on, g.target_date,
                                g.status, g.closed_on, g.revisions) for g in s.goals.values()),
        referrals=tuple(ReferralSummary(
            r.referral_id, r.institution_type.value, r.referred_on,
            r.outcome.value if r.outcome else None,
            r.outcomes[-1][0] if r.outcomes else None) for r in s.referrals.values()),
        consultations=ConsultationFigures(
            count=len(held), minutes=sum(c.duration_minutes for c in held),
            first_contact_on=min((c.held_on for c in held), default=None),
            last_contact_on=s.last_contact_on,
            by_topic=tuple(TopicHours(k, topics[k], topic_minutes[k]) for k in sorted(topics)),
            by_mode=tuple(ModeHours(k, modes[k], mode_minutes[k]) for k in sorted(modes))))


def serving(app: FamilyCases) -> FamilySummary:
    view = FamilySummary()
    CatchUp(app, view)  # (follows the serving generation)
    return view


def family_ids(app: FamilyCases) -> list[UUID]:
    rows = app.tables.fetchall(app.tables.sql("SELECT family_id FROM {r}",
                                              r=serving(app).t(ROWS)))
    return sorted(UUID(f) for (f,) in rows)


def everything(app: FamilyCases) -> dict[UUID, FamilySummaryRecord | None]:
    view = serving(app)
    return {f: read_summary(app.tables, view, f) for f in family_ids(app)}


def from_the_cases(app: FamilyCases) -> dict[UUID, FamilySummaryRecord | None]:
    return {f: from_the_case(app, f) for f in family_ids(app)}


@pytest.mark.slow
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_the_view_kept_event_by_event_equals_the_cases_and_a_rebuild(
        make_settings: Any, store: str, tmp_path: Path, seed: int) -> None:
    """Each example on a store of its own: the demo writes one into an empty store."""
    with fresh_store(make_settings, store, tmp_path) as app:
        live = CatchUp(app, FamilySummary(), page_size=7)
        live.run_once()  # an empty view, then the history arrives while it follows
        load_demo(app, Directory(app), today=TODAY, families=8, seed=seed)
        while live.run_once(max_pages=3):
            pass
        kept = everything(app)
        assert len(kept) == 8
        assert kept == from_the_cases(app)
        assert any(s and s.consultations.count for s in kept.values())
        rebuild(app, [FamilySummary()])
        assert everything(app) == kept


def test_every_shown_fact_follows_its_correction_as_the_case_does(app: FamilyCases) -> None:
    opened, members = open_case(app)
    family = opened.family_id
    parent = first_parent_id(members)
    engine = CatchUp(app, FamilySummary(), page_size=3)

    def on(day: int, month: int = 3) -> date:
        return date(2026, month, day)

    def consult(day: int, minutes: int, mode: ContactMode, *topics: Topic) -> int:
        return app.handle(RecordConsultation(family_id=family, duration_minutes=minutes, mode=mode,
            topics=list(topics), members_present=[parent], location="Büro", notes="vertraulich",
            next_follow_up_on=None, occurred_on=on(day)),
            recorded_by="cm-anna").version

    entered = app.handle(EnterParticipant(family_id=family, member_id=parent, entry=entry(),
        occurred_on=on(4)),
        recorded_by="cm-anna").version
    first = consult(5, 45, ContactMode.HOME_VISIT, Topic.BENEFITS, Topic.MONEY_AND_DEBTS)
    consult(12, 30, ContactMode.PHONE, Topic.BENEFITS)
    goal_id, referral_id = uuid4(), uuid4()
    goal = app.handle(SetGoal(family_id=family, goal_id=goal_id, member_ids=[parent],
        life_area=LifeArea.WORK, description="Bewerbungen schreiben", target_date=on(1, 6),
        occurred_on=on(6)),
        recorded_by="cm-anna").version
    app.handle(ReviseGoal(family_id=family, goal_id=goal_id, description=None,
        target_date=on(1, 8), reason="Kita-Platz fehlt", occurred_on=on(20)),
        recorded_by="cm-anna")
    referral = app.handle(MakeReferral(family_id=family, referral_id=referral_id, member_id=parent,
        institution_type=InstitutionType.JOBCENTER, institution_name="Jobcenter Krefeld",
        purpose="Beratung", consent_confirmed=True, occurred_on=on(7)),
        recorded_by="cm-anna").version
    app.handle(RecordReferralOutcome(family_id=family, referral_id=referral_id,
        outcome=ReferralOutcome.ACCEPTED, occurred_on=on(9)),
        recorded_by="cm-anna")
    engine.run_once()
    before = read_summary(app.tables, engine.view, family)  # type: ignore[arg-type]
    assert before == from_the_case(app, family)
    assert before is not None
    assert before.consultations.by_topic == (TopicHours("benefits", 2, 75),
                                             TopicHours("money_and_debts", 1, 45))
    assert before.consultations.by_mode == (ModeHours("home_visit", 1, 45),
                                            ModeHours("phone", 1, 30))
    assert (before.consultations.first_contact_on, before.consultations.last_contact_on) == (
        on(5), on(12))
    assert before.goals[0].target_date == on(1, 8)  # the revision
    assert (before.referrals[0].outcome, before.referrals[0].outcome_on) == ("accepted", on(9))

    # Corrections, some written as the parsers accept but not as the view stores them.
    fixes = [
        (first, [FieldChange("occurred_on", "20260315"), FieldChange("duration_minutes", "090"),
                 FieldChange("mode", "video")]),
        (goal, [FieldChange("life_area", "housing"), FieldChange("target_date", None)]),
        (referral, [FieldChange("institution_type", "debt_counselling")]),
        (entered, [FieldChange("occurred_on", "2026-03-03")]),
    ]
    for version, changes in fixes:
        app.handle(CorrectEntry(family_id=family, corrected_version=version, changes=changes,
            reason="Tippfehler", occurred_on=on(21)),
            recorded_by="cm-anna")
    exit_version = app.handle(RecordExit(family_id=family, member_id=parent,
        status=ExitStatus.JOB_SEARCHING, occurred_on=on(25)),
        recorded_by="cm-anna").version
    app.handle(CorrectEntry(
        family_id=family, corrected_version=exit_version,
        changes=[FieldChange("occurred_on", "2026-03-24"), FieldChange("status", "employed")],
        reason="Arbeitsvertrag lag vor", occurred_on=on(26)), recorded_by="cm-anna")
    app.handle(AchieveGoal(family_id=family, goal_id=goal_id, occurred_on=on(26)),
        recorded_by="cm-anna")
    engine.run_once()

    after = read_summary(app.tables, engine.view, family)  # type: ignore[arg-type]
    assert after == from_the_case(app, family)
    assert after is not None
    assert after.consultations.by_mode == (ModeHours("phone", 1, 30), ModeHours("video", 1, 90))
    assert after.consultations.minutes == 120
    assert after.consultations.hours == 2.0
    assert (after.consultations.first_contact_on, after.consultations.last_contact_on) == (
        on(12), on(15))
    assert (after.goals[0].life_area, after.goals[0].target_date) == ("housing", None)
    assert (after.goals[0].status, after.goals[0].closed_on) == ("achieved", on(26))
    assert after.goals[0].revisions == 1
    assert after.referrals[0].institution_type == "debt_counselling"
    parent_summary = next(m for m in after.members if m.member_id == parent)
    assert parent_summary.participations == (
        ParticipationSummary(on(3), on(24), "employed"),)
    assert after.version == app.get_case(family).version


def test_the_summary_follows_the_household_a_closure_reopening_transfer_and_erasure(
        app: FamilyCases) -> None:
    opened, members = open_case(app)
    family = opened.family_id
    parent, child = members[0].member_id, members[1].member_id
    engine = CatchUp(app, FamilySummary())
    baby = MemberData(uuid4(), MemberRole.CHILD, "Lina", "Okonkwo-Brandt", date(2026, 3, 1),
                      None)
    app.handle(AddMember(family_id=family, member=baby, occurred_on=date(2026, 3, 10)),
        recorded_by="cm-anna")
    app.handle(ChangeMemberDetails(family_id=family, member_id=baby.member_id,
        gender=Gender.FEMALE, occurred_on=date(2026, 3, 11)),
        recorded_by="cm-anna")
    app.handle(RecordMemberLeft(family_id=family, member_id=child, reason="zum Vater gezogen",
        occurred_on=date(2026, 3, 12)),
        recorded_by="cm-anna")
    app.handle(EnterParticipant(family_id=family, member_id=parent, entry=entry(),
        occurred_on=INTAKE),
        recorded_by="cm-anna")
    app.handle(RecordExit(family_id=family, member_id=parent, status=ExitStatus.JOB_SEARCHING,
        occurred_on=date(2026, 4, 1)),
        recorded_by="cm-anna")
    app.handle(CloseCase(family_id=family, reason=ClosureReason.GOALS_ACHIEVED, note=None,
        occurred_on=date(2026, 4, 2)),
        recorded_by="cm-anna")
    app.handle(RecordLeavingStatus(family_id=family, member_id=parent, status=ExitStatus.EMPLOYED,
        occurred_on=date(2026, 4, 10)),
        recorded_by="cm-anna")
    engine.run_once()
    closed = read_summary(app.tables, engine.view, family)  # type: ignore[arg-type]
    assert closed == from_the_case(app, family)
    assert closed is not None
    assert (closed.status, closed.closed_on) == ("closed", date(2026, 4, 2))
    by_id = {m.member_id: m for m in closed.members}
    assert (by_id[child].in_household, by_id[child].left_household_on) == (
        False, date(2026, 3, 12))
    assert (by_id[baby.member_id].role, by_id[baby.member_id].gender) == ("child", "female")

    app.handle(ReopenCase(family_id=family, reason="neue Krise", occurred_on=date(2026, 5, 1)),
        recorded_by="cm-anna")
    app.handle(EnterParticipant(family_id=family, member_id=parent, entry=entry(),
        occurred_on=date(2026, 5, 1)),
        recorded_by="cm-anna")
    app.handle(AssignCaseManager(family_id=family, case_manager="cm-bernd", reason="Elternzeit",
        occurred_on=date(2026, 5, 2)),
        recorded_by="co-clara")
    engine.run_once()
    reopened = read_summary(app.tables, engine.view, family)  # type: ignore[arg-type]
    assert reopened == from_the_case(app, family)
    assert reopened is not None
    assert (reopened.status, reopened.closed_on, reopened.case_manager) == (
        "open", None, "cm-bernd")
    assert len(next(m for m in reopened.members if m.member_id == parent).participations) == 2

    app.erase_personal_data(family, legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Antrag nach Art. 17", occurred_on=date(2026, 5, 3),
                            recorded_by="co-clara")
    engine.run_once()
    erased = read_summary(app.tables, engine.view, family)  # type: ignore[arg-type]
    assert erased == from_the_case(app, family)
    assert erased is not None
    assert erased.status == "erased"
    stored = app.tables.fetchall(app.tables.sql("SELECT doc FROM {r}", r=ROWS))
    for name in ("Amira", "Okonkwo", "Lina", "1991-05-17", "Westwall", "Krise", "Elternzeit"):
        assert all(name not in doc for (doc,) in stored), name


def test_an_unknown_family_has_no_summary(app: FamilyCases) -> None:
    engine = CatchUp(app, FamilySummary())
    engine.run_once()
    assert read_summary(app.tables, engine.view, uuid4()) is None  # type: ignore[arg-type]


def test_after_each_commands_example_the_summary_shows_the_case_at_its_version(
        app: FamilyCases) -> None:
    """Every command's example in turn, the erasure last: after each, the view equals
    the case (its version too, also after events the summary does not show), so a new
    event type cannot leave the summary behind unnoticed."""
    opened, members = open_case(app)
    family = opened.family_id
    engine = CatchUp(app, FamilySummary(), page_size=5)
    run = through(app, family, "cm-anna")

    def checked(command: type[FamilyCommand], fields: dict[str, Any]) -> Mapping[str, Any]:
        facts = run(command, fields)
        engine.run_once()
        shown = read_summary(app.tables, engine.view, family)  # type: ignore[arg-type]
        assert shown == from_the_case(app, family), command.__name__
        return facts

    run_every_example(checked, {"parent": str(members[0].member_id),
                                "child": str(members[1].member_id), "colleague": "cm-bernd"})

    assert app.get_case(family).state.status.value == "erased"
