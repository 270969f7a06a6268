"""Domain: each command of a family case emits exactly the right event and state.

Pure in-memory tests of the aggregates: no store, no application.
"""

from __future__ import annotations

import copy
import functools
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain import events as ev
from domain.case_numbers import CaseNumberSequence
from domain.family_case import FamilyCase
from domain.records import FieldChange
from domain.values import (
    AccessRoute,
    BenefitSituation,
    CaseStatus,
    ClosureReason,
    ConsentPurpose,
    ContactMode,
    ErasureBasis,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    LabourMarketStatus,
    LifeArea,
    ReferralOutcome,
    Topic,
)
from tests.support.builders import INTAKE, child, entry, intake_kwargs, parent
from tests.support.examples import DECIDING, in_memory, run_every_example

TODAY = date(2026, 6, 30)
LATER_TODAY = date(2026, 12, 31)
"""A today late enough for six-month follow-ups of exits soon after the intake."""
BY: dict[str, Any] = {"recorded_by": "cm-berk", "today": TODAY}


def day(n: int) -> date:
    return INTAKE + timedelta(days=n)


def new_case(**overrides: Any) -> tuple[FamilyCase, UUID, UUID]:
    """An open case with a parent and a child, its intake events already collected."""
    members = [parent(), child()]
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001", today=TODAY,
                           **intake_kwargs(members, **overrides))
    case.collect_events()
    return case, members[0].member_id, members[1].member_id


def emitted(case: FamilyCase, event_class: type[ev.CaseEvent], on: date) -> Any:
    """The one event the last command appended, checked for class, version and dates."""
    events = case.collect_events()
    assert [type(e) for e in events] == [event_class]
    (event,) = events
    assert (event.originator_id, event.originator_version) == (case.id, case.version)
    assert (event.occurred_on, event.recorded_by) == (on, "cm-berk")
    return event


def consult(case: FamilyCase, on: date, **kw: Any) -> UUID:
    values: dict[str, Any] = dict(
        consultation_id=uuid4(), duration_minutes=45, mode=ContactMode.HOME_VISIT,
        topics=[Topic.JOB_SEARCH], members_present=[], location=None, notes=None,
        next_follow_up_on=None, occurred_on=on)
    values.update(kw)
    case.record_consultation(**values, **BY)
    return values["consultation_id"]


def test_open_emits_case_opened_then_the_intake_case_manager_assignment() -> None:
    members = [parent(), child()]
    family_id = uuid4()
    case = FamilyCase.open(family_id=family_id, case_number="KR-2026-0001", today=INTAKE,
                           **intake_kwargs(members, district="  Krefeld-Mitte "))
    opened, assigned = case.collect_events()
    assert [type(e) for e in (opened, assigned)] == [FamilyCase.CaseOpened,
                                                     ev.CaseManagerAssigned]
    assert isinstance(opened, ev.CaseOpened)
    assert (opened.originator_id, opened.originator_version, assigned.originator_version,
            case.version) == (family_id, 1, 2, 2)
    assert (opened.occurred_on, opened.recorded_by) == (INTAKE, "cm-anna")
    assert (opened.project, opened.case_number, opened.district) == (
        "KR", "KR-2026-0001", "Krefeld-Mitte")
    assert (opened.members, opened.consent_purposes, opened.consent_texts) == (
        tuple(members), (ConsentPurpose.ESF_REPORTING, ConsentPurpose.REFERRAL_TO_PARTNERS), ())
    assert (assigned.case_manager, assigned.previous_case_manager, assigned.reason) == (
        "cm-anna", None, "intake")
    assert (assigned.occurred_on, assigned.recorded_by) == (INTAKE, "cm-anna")
    s = case.state
    assert (s.status, s.opened_on, s.case_manager) == (CaseStatus.OPEN, INTAKE, "cm-anna")
    assert (s.postal_code, s.street_address) == ("47798", "Westwall 12")
    assert (s.access_route, s.benefit_situation) == (AccessRoute.KITA, BenefitSituation.SGB_II)
    assert set(s.members) == {m.member_id for m in members}
    assert s.members[members[0].member_id].given_name == "Amira"
    assert s.participations == s.goals == s.referrals == s.consultations == {}


def test_add_member_emits_member_added_and_adds_the_member() -> None:
    case, _, _ = new_case()
    baby = child(given="Mia", born=day(3))
    case.add_member(member=baby, occurred_on=day(5), **BY)
    assert emitted(case, ev.MemberAdded, day(5)).member == baby
    assert case.state.members[baby.member_id].birth_date == day(3)


def test_change_member_details_changes_only_the_details_given() -> None:
    case, parent_id, _ = new_case()
    case.change_member_details(member_id=parent_id, family_name=" Brandt ",
                               gender=Gender.NON_BINARY, occurred_on=day(1), **BY)
    event = emitted(case, ev.MemberDetailsChanged, day(1))
    assert (event.member_id, event.given_name, event.family_name, event.birth_date) == (
        parent_id, None, "Brandt", None)
    m = case.state.members[parent_id]
    assert (m.given_name, m.family_name, m.gender) == ("Amira", "Brandt", Gender.NON_BINARY)


def test_record_member_left_takes_the_member_out_of_the_household() -> None:
    case, _, child_id = new_case()
    case.record_member_left(member_id=child_id, reason="  ", occurred_on=day(9), **BY)
    event = emitted(case, ev.MemberLeftHousehold, day(9))
    assert (event.member_id, event.reason) == (child_id, None)
    m = case.state.members[child_id]
    assert (m.in_household, m.left_household_on) == (False, day(9))


def test_enter_participant_starts_a_first_participation() -> None:
    case, parent_id, _ = new_case()
    case.enter_participant(member_id=parent_id, entry=entry(), occurred_on=day(2), **BY)
    event = emitted(case, ev.ParticipantEntered, day(2))
    assert (event.member_id, event.entry, event.reentry) == (parent_id, entry(), False)
    (p,) = case.state.participations[parent_id]
    assert (p.entered_on, p.entry_version, p.reentry, p.active) == (day(2), 3, False, True)


def test_record_exit_ends_the_participation_with_its_status() -> None:
    case, parent_id, _ = new_case()
    case.enter_participant(member_id=parent_id, entry=entry(), occurred_on=day(2), **BY)
    case.collect_events()
    case.record_exit(member_id=parent_id, status=ExitStatus.EMPLOYED, occurred_on=day(2), **BY)
    event = emitted(case, ev.ParticipantLeft, day(2))
    assert (event.member_id, event.status) == (parent_id, ExitStatus.EMPLOYED)
    (p,) = case.state.participations[parent_id]
    assert (p.left_on, p.exit_version, p.exit_status, p.active) == (
        day(2), 4, ExitStatus.EMPLOYED, False)
    assert p.statuses == [(day(2), ExitStatus.EMPLOYED)]


def test_entering_again_after_an_exit_is_a_reentry_that_keeps_the_first_participation() -> None:
    case, parent_id, _ = new_case()
    case.enter_participant(member_id=parent_id, entry=entry(), occurred_on=day(2), **BY)
    case.record_exit(member_id=parent_id, status=ExitStatus.JOB_SEARCHING,
                     occurred_on=day(30), **BY)
    case.collect_events()
    second = entry(LabourMarketStatus.EMPLOYED)
    case.enter_participant(member_id=parent_id, entry=second, occurred_on=day(30), **BY)
    assert emitted(case, ev.ParticipantEntered, day(30)).reentry is True
    first, again = case.state.participations[parent_id]
    assert (first.entry, first.left_on, first.reentry) == (entry(), day(30), False)
    assert (again.entry, again.entered_on, again.reentry, again.active) == (
        second, day(30), True, True)


def exited(case: FamilyCase, member_id: UUID, on: date) -> None:
    case.enter_participant(member_id=member_id, entry=entry(), occurred_on=day(1), **BY)
    case.record_exit(member_id=member_id, status=ExitStatus.JOB_SEARCHING, occurred_on=on, **BY)
    case.collect_events()


def test_record_leaving_status_adds_a_later_status_to_the_last_participation() -> None:
    case, parent_id, _ = new_case()
    exited(case, parent_id, day(20))
    case.record_leaving_status(member_id=parent_id, status=ExitStatus.EMPLOYED,
                               occurred_on=day(34), **BY)
    event = emitted(case, ev.LeavingStatusRecorded, day(34))
    assert (event.member_id, event.status) == (parent_id, ExitStatus.EMPLOYED)
    (p,) = case.state.participations[parent_id]
    assert p.statuses == [(day(20), ExitStatus.JOB_SEARCHING), (day(34), ExitStatus.EMPLOYED)]
    assert p.exit_status is ExitStatus.JOB_SEARCHING


def test_record_follow_up_stores_the_situation_six_months_after_leaving() -> None:
    case, parent_id, _ = new_case()
    exited(case, parent_id, day(2))
    later = {**BY, "today": LATER_TODAY}  # (six months after the exit on day 2: day 184)
    case.record_follow_up(member_id=parent_id, status=FollowUpStatus.EMPLOYED,
                          better_situation=True, occurred_on=day(190), **later)
    event = emitted(case, ev.FollowUpRecorded, day(190))
    assert (event.member_id, event.status, event.better_situation) == (
        parent_id, FollowUpStatus.EMPLOYED, True)
    (p,) = case.state.participations[parent_id]
    assert (p.follow_up_on, p.follow_up_status, p.follow_up_better) == (
        day(190), FollowUpStatus.EMPLOYED, True)


def test_record_consultation_stores_it_deduplicated_and_moves_the_last_contact() -> None:
    case, parent_id, child_id = new_case()
    cid = consult(case, day(7), topics=[Topic.HEALTH, Topic.SCHOOL, Topic.HEALTH],
                  members_present=[parent_id, child_id, parent_id], location=" ",
                  notes=" Kita place found.\nNext: school. ", next_follow_up_on=day(21))
    event = emitted(case, ev.ConsultationRecorded, day(7))
    assert (event.consultation_id, event.duration_minutes, event.mode) == (
        cid, 45, ContactMode.HOME_VISIT)
    assert event.topics == (Topic.HEALTH, Topic.SCHOOL)
    assert event.members_present == (parent_id, child_id)
    assert (event.location, event.notes) == (None, "Kita place found.\nNext: school.")
    c = case.state.consultations[cid]
    assert (c.held_on, c.version, c.topics) == (day(7), case.version, event.topics)
    assert (case.state.last_contact_on, case.state.next_follow_up_on) == (day(7), day(21))


def test_a_consultation_recorded_late_for_an_earlier_day_keeps_the_latest_contact() -> None:
    case, _, _ = new_case()
    consult(case, day(10), next_follow_up_on=day(24))
    consult(case, day(3), next_follow_up_on=day(5))
    assert (case.state.last_contact_on, case.state.next_follow_up_on) == (day(10), day(24))


def set_goal(case: FamilyCase, member_id: UUID, on: date = INTAKE) -> UUID:
    goal_id = uuid4()
    case.set_goal(goal_id=goal_id, member_ids=[member_id, member_id], life_area=LifeArea.WORK,
                  description="Find a part-time job\nnear the Kita", target_date=day(90),
                  occurred_on=on, **BY)
    return goal_id


def test_set_goal_emits_goal_set_and_opens_the_goal() -> None:
    case, parent_id, _ = new_case()
    goal_id = set_goal(case, parent_id, day(4))
    event = emitted(case, ev.GoalSet, day(4))
    assert (event.goal_id, event.member_ids, event.life_area, event.target_date) == (
        goal_id, (parent_id,), LifeArea.WORK, day(90))
    assert event.description == "Find a part-time job\nnear the Kita"
    g = case.state.goals[goal_id]
    assert (g.status, g.set_on, g.revisions, g.closed_on) == ("open", day(4), 0, None)


def test_revise_goal_changes_the_given_parts_and_counts_the_revision() -> None:
    case, parent_id, _ = new_case()
    goal_id = set_goal(case, parent_id)
    case.collect_events()
    case.revise_goal(goal_id=goal_id, description=None, target_date=day(120),
                     reason="Kita opens later", occurred_on=day(30), **BY)
    event = emitted(case, ev.GoalRevised, day(30))
    assert (event.goal_id, event.description, event.target_date, event.reason) == (
        goal_id, None, day(120), "Kita opens later")
    g = case.state.goals[goal_id]
    assert (g.description, g.target_date, g.revisions) == (
        "Find a part-time job\nnear the Kita", day(120), 1)


@pytest.mark.parametrize(("command", "event_class", "status"), [
    ("achieve_goal", ev.GoalAchieved, "achieved"),
    ("drop_goal", ev.GoalDropped, "dropped"),
])
def test_achieving_or_dropping_a_goal_closes_it(command: str, event_class: type[ev.CaseEvent],
                                               status: str) -> None:
    case, parent_id, _ = new_case()
    goal_id = set_goal(case, parent_id)
    case.collect_events()
    extra = {"reason": "Family moved priorities"} if command == "drop_goal" else {}
    getattr(case, command)(goal_id=goal_id, occurred_on=day(40), **extra, **BY)
    event = emitted(case, event_class, day(40))
    assert event.goal_id == goal_id
    assert getattr(event, "reason", "Family moved priorities") == "Family moved priorities"
    g = case.state.goals[goal_id]
    assert (g.status, g.closed_on) == (status, day(40))


def refer(case: FamilyCase, member_id: UUID, on: date = INTAKE) -> UUID:
    referral_id = uuid4()
    case.make_referral(referral_id=referral_id, member_id=member_id,
                       institution_type=InstitutionType.DEBT_COUNSELLING,
                       institution_name=" Schuldnerberatung Krefeld ", purpose=None,
                       consent_confirmed=True, occurred_on=on, **BY)
    return referral_id


def test_make_referral_emits_referral_made_with_confirmed_consent() -> None:
    case, parent_id, _ = new_case()
    referral_id = refer(case, parent_id, day(6))
    event = emitted(case, ev.ReferralMade, day(6))
    assert (event.referral_id, event.member_id, event.institution_type) == (
        referral_id, parent_id, InstitutionType.DEBT_COUNSELLING)
    assert (event.institution_name, event.purpose, event.consent_confirmed) == (
        "Schuldnerberatung Krefeld", None, True)
    r = case.state.referrals[referral_id]
    assert (r.referred_on, r.outcome, r.outcomes) == (day(6), None, [])


def test_record_referral_outcome_appends_outcomes_until_a_final_one() -> None:
    case, parent_id, _ = new_case()
    referral_id = refer(case, parent_id)
    case.collect_events()
    case.record_referral_outcome(referral_id=referral_id, outcome=ReferralOutcome.ACCEPTED,
                                 occurred_on=day(3), **BY)
    emitted(case, ev.ReferralOutcomeRecorded, day(3))
    case.record_referral_outcome(referral_id=referral_id, outcome=ReferralOutcome.COMPLETED,
                                 occurred_on=day(50), **BY)
    event = emitted(case, ev.ReferralOutcomeRecorded, day(50))
    assert (event.referral_id, event.outcome) == (referral_id, ReferralOutcome.COMPLETED)
    assert case.state.referrals[referral_id].outcomes == [
        (day(3), ReferralOutcome.ACCEPTED), (day(50), ReferralOutcome.COMPLETED)]


def test_assign_case_manager_records_the_transfer_from_the_previous_one() -> None:
    case, _, _ = new_case()
    case.assign_case_manager(case_manager=" cm-berk ", reason="parental leave",
                             occurred_on=day(8), **BY)
    event = emitted(case, ev.CaseManagerAssigned, day(8))
    assert (event.case_manager, event.previous_case_manager, event.reason) == (
        "cm-berk", "cm-anna", "parental leave")
    assert case.state.case_manager == "cm-berk"


def test_close_then_reopen_moves_the_case_through_its_life_cycle() -> None:
    case, parent_id, _ = new_case()
    exited(case, parent_id, day(20))
    case.close(reason=ClosureReason.GOALS_ACHIEVED, note="All done", occurred_on=day(25), **BY)
    event = emitted(case, ev.CaseClosed, day(25))
    assert (event.reason, event.note) == (ClosureReason.GOALS_ACHIEVED, "All done")
    assert (case.state.status, case.state.closed_on, case.state.closure_reason) == (
        CaseStatus.CLOSED, day(25), ClosureReason.GOALS_ACHIEVED)
    case.reopen(reason="Family asked again", occurred_on=day(25), **BY)
    assert emitted(case, ev.CaseReopened, day(25)).reason == "Family asked again"
    assert (case.state.status, case.state.closed_on, case.state.closure_reason) == (
        CaseStatus.OPEN, None, None)


def test_record_personal_data_erased_blanks_personal_state_and_keeps_the_rest() -> None:
    case, parent_id, _ = new_case()
    consult(case, day(2), location="Office", notes="private")
    set_goal(case, parent_id)
    refer(case, parent_id)
    case.enter_participant(member_id=parent_id, entry=entry(), occurred_on=day(2), **BY)
    case.collect_events()
    case.record_personal_data_erased(legal_basis=ErasureBasis.ART17_REQUEST,
                                     note="Art. 17 request", occurred_on=day(9), **BY)
    erased = emitted(case, ev.PersonalDataErased, day(9))
    assert (erased.legal_basis, erased.note) == (ErasureBasis.ART17_REQUEST, "Art. 17 request")
    s = case.state
    assert (s.status, s.street_address) == (CaseStatus.ERASED, None)
    m = s.members[parent_id]
    assert (m.given_name, m.family_name, m.birth_date, m.gender) == (
        None, None, None, Gender.FEMALE)
    assert {(c.notes, c.location) for c in s.consultations.values()} == {(None, None)}
    assert [g.description for g in s.goals.values()] == [None]
    assert [r.purpose for r in s.referrals.values()] == [None]
    e = s.participations[parent_id][0].entry
    assert (e.disability, e.minority, e.foreign_background, e.homeless) == (None,) * 4
    assert (e.labour_market_status, e.unemployed_months) == (LabourMarketStatus.UNEMPLOYED, 14)


def test_replaying_the_collected_events_rebuilds_an_equal_case() -> None:
    members = [parent(), child()]
    p_id, k_id = members[0].member_id, members[1].member_id
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0003", today=TODAY,
                           **intake_kwargs(members))
    case.add_member(member=child("Mia", born=day(1)), occurred_on=day(1), **BY)
    case.change_member_details(member_id=k_id, given_name="Noa", occurred_on=day(1), **BY)
    cid = consult(case, day(3), next_follow_up_on=day(10))
    goal_id, other_goal = set_goal(case, p_id), set_goal(case, k_id)
    case.revise_goal(goal_id=goal_id, description="New", target_date=None, reason="r",
                     occurred_on=day(5), **BY)
    case.achieve_goal(goal_id=goal_id, occurred_on=day(6), **BY)
    case.drop_goal(goal_id=other_goal, reason="r", occurred_on=day(6), **BY)
    referral_id = refer(case, p_id)
    case.record_referral_outcome(referral_id=referral_id, outcome=ReferralOutcome.ACCEPTED,
                                 occurred_on=day(6), **BY)
    case.enter_participant(member_id=p_id, entry=entry(), occurred_on=day(6), **BY)
    case.record_exit(member_id=p_id, status=ExitStatus.NONE_OF_THESE, occurred_on=day(20), **BY)
    case.record_leaving_status(member_id=p_id, status=ExitStatus.EMPLOYED, occurred_on=day(25),
                               **BY)
    case.enter_participant(member_id=p_id, entry=entry(), occurred_on=day(30), **BY)
    case.correct(corrected_version=case.version, changes=[FieldChange("isced", "isced_5_8")],
                 reason="r", occurred_on=day(31), **BY)
    case.record_follow_up(member_id=p_id, status=FollowUpStatus.EMPLOYED,  # of the first stay
                          better_situation=True, occurred_on=day(204), exit_on=day(20),
                          **{**BY, "today": LATER_TODAY})
    case.correct(corrected_version=case.state.consultations[cid].version,
                 changes=[FieldChange("occurred_on", day(4).isoformat())], reason="r",
                 occurred_on=day(31), **BY)
    case.record_exit(member_id=p_id, status=ExitStatus.EMPLOYED, occurred_on=day(32), **BY)
    case.record_member_left(member_id=k_id, reason="moved out", occurred_on=day(32), **BY)
    case.assign_case_manager(case_manager="cm-carla", reason=None, occurred_on=day(33), **BY)
    case.close(reason=ClosureReason.OTHER, note=None, occurred_on=day(34), **BY)
    case.reopen(reason="r", occurred_on=day(35), **BY)
    run_every_example(in_memory(case), {"parent": str(p_id), "child": str(k_id),  # and
                                        "colleague": "cm-carla"},  # a new event type's
                      recorded={type(e).__name__ for e in case.pending_events},  # example
                      among=DECIDING)
    before_erasure = copy.deepcopy(case.state)
    case.record_personal_data_erased(legal_basis=ErasureBasis.ART17_REQUEST, note="request",
                                     occurred_on=day(40), **BY)
    history = case.collect_events()
    assert {type(e).__name__ for e in history} == {e.__name__ for e in ev.ALL_EVENTS}
    assert len(history) == case.version
    for events, state in ((history[:-1], before_erasure), (history, case.state)):
        replayed = functools.reduce(lambda a, e: e.mutate(a), events, None)
        assert isinstance(replayed, FamilyCase)
        assert (replayed.id, replayed.version, replayed.state) == (
            case.id, events[-1].originator_version, state)


def test_a_case_number_sequence_issues_gap_free_numbers_for_its_project_and_year() -> None:
    seq = CaseNumberSequence.start("KR", 2026)
    (started,) = seq.collect_events()
    assert type(started) is CaseNumberSequence.Started
    assert (started.project, started.year) == ("KR", 2026)
    assert seq.id == CaseNumberSequence.id_for("KR", 2026) != CaseNumberSequence.id_for(
        "KR", 2027)
    first, second = uuid4(), uuid4()
    assert (seq.issue(first), seq.issue(second)) == ("KR-2026-0001", "KR-2026-0002")
    issued = seq.collect_events()
    assert [type(e) for e in issued] == [CaseNumberSequence.NumberIssued] * 2
    assert [(e.number, e.family_id, e.originator_version) for e in issued] == [
        (1, first, 2), (2, second, 3)]
    assert (seq.last_number, seq.version) == (2, 3)
    replayed = functools.reduce(lambda a, e: e.mutate(a), [started, *issued], None)
    assert (replayed.last_number, replayed.project, replayed.year) == (2, "KR", 2026)
    assert seq.format(12345) == "KR-2026-12345"
