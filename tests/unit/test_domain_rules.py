"""Domain: every rule rejects bad input with its name, and nothing is recorded.

A refused command must leave the case exactly as it was: no pending event, the same
version, the same state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import DomainError, NotFound
from domain.family_case import FamilyCase
from domain.records import FieldChange, MemberData
from domain.values import (
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
    MemberRole,
    ReferralOutcome,
    Topic,
)
from tests.support.builders import INTAKE, child, entry, intake_kwargs, parent

TODAY = date(2026, 12, 31)  # (after the six-month follow-up of the exit on day 30)
LATER = date(2026, 5, 1)
BY: dict[str, Any] = {"recorded_by": "cm-berk", "today": TODAY}
Ids = SimpleNamespace


def day(n: int) -> date:
    return INTAKE + timedelta(days=n)


def busy_case() -> tuple[FamilyCase, Ids]:
    """A case with history: parent ``p`` entered and left the ESF+ (exit on day 30),
    adult ``a`` participates since day 8, child ``k`` never did, adult ``x`` left the
    household; goal ``g`` and referral ``r`` are open, ``g2`` achieved, ``r2`` completed."""
    p_data = parent()
    members = [p_data, parent("Jonas", gender=Gender.MALE), child(),
               MemberData(uuid4(), MemberRole.OTHER_ADULT, "Ingrid", "Brandt")]
    i = Ids(p_data=p_data, nobody=uuid4(), cons=uuid4(), g=uuid4(), g2=uuid4(), r=uuid4(),
            r2=uuid4(), **{n: m.member_id for n, m in zip("pakx", members, strict=True)},
            referral="referral_to_partners", photo="photo_and_media")
    c = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0007", today=TODAY,
                        **intake_kwargs(members))
    c.enter_participant(member_id=i.p, entry=entry(), occurred_on=day(1), **BY)
    i.entry_p = c.version
    c.record_exit(member_id=i.p, status=ExitStatus.JOB_SEARCHING, occurred_on=day(30), **BY)
    i.exit_p = c.version
    c.enter_participant(member_id=i.a, entry=entry(), occurred_on=day(8), **BY)
    c.record_member_left(member_id=i.x, reason=None, occurred_on=day(3), **BY)
    c.record_consultation(consultation_id=i.cons, duration_minutes=30, mode=ContactMode.OFFICE,
                          topics=[Topic.HEALTH], members_present=[], location=None, notes=None,
                          next_follow_up_on=None, occurred_on=day(8), **BY)
    i.cons_v = c.version
    i.goal_v = c.version + 1
    for goal_id in (i.g, i.g2):
        c.set_goal(goal_id=goal_id, member_ids=[i.p], life_area=LifeArea.WORK,
                   description="Find work", target_date=None, occurred_on=day(8), **BY)
    c.achieve_goal(goal_id=i.g2, occurred_on=day(9), **BY)
    i.ref_v = c.version + 1
    for referral_id in (i.r, i.r2):
        c.make_referral(referral_id=referral_id, member_id=i.p, purpose=None,
                        institution_type=InstitutionType.HEALTH_SERVICE, institution_name="GA",
                        consent_confirmed=True, occurred_on=day(8), **BY)
    c.record_referral_outcome(referral_id=i.r2, outcome=ReferralOutcome.COMPLETED,
                              occurred_on=day(9), **BY)
    c.collect_events()
    return c, i


def closed_case() -> tuple[FamilyCase, Ids]:
    c, i = busy_case()
    c.record_exit(member_id=i.a, status=ExitStatus.EMPLOYED, occurred_on=day(40), **BY)
    c.close(reason=ClosureReason.MOVED_AWAY, note=None, occurred_on=day(45), **BY)
    c.collect_events()
    return c, i


FOLLOW_UP_P = date(2026, 10, 1)
"""Six calendar months after the exit of ``p`` on day 30 (2026-04-01)."""

# Valid arguments of every command on the busy case (close and reopen aside), on LATER
# unless they name their own date.
VALID: dict[str, Callable[[Ids], dict[str, Any]]] = {
    "add_member": lambda i: {"member": child("Mia", born=day(40))},
    "change_member_details": lambda i: {"member_id": i.k, "given_name": "Lea"},
    "record_member_left": lambda i: {"member_id": i.k, "reason": None},
    "enter_participant": lambda i: {"member_id": i.k, "entry": entry()},
    "record_exit": lambda i: {"member_id": i.a, "status": ExitStatus.EMPLOYED},
    "record_leaving_status": lambda i: {"member_id": i.p, "status": ExitStatus.EMPLOYED,
                                        "occurred_on": day(40)},  # (28 days after exit)
    "record_follow_up": lambda i: {"member_id": i.p, "status": FollowUpStatus.UNKNOWN,
                                   "better_situation": None,
                                   "occurred_on": FOLLOW_UP_P},  # (six months after exit)
    "record_consultation": lambda i: {
        "consultation_id": uuid4(), "duration_minutes": 60, "mode": ContactMode.PHONE,
        "topics": [Topic.BENEFITS], "members_present": [i.p], "location": None,
        "notes": None, "next_follow_up_on": None},
    "set_goal": lambda i: {"goal_id": uuid4(), "member_ids": [i.p], "target_date": None,
                           "life_area": LifeArea.MONEY, "description": "Pay off debts"},
    "revise_goal": lambda i: {"goal_id": i.g, "description": "Find part-time work",
                              "target_date": None, "reason": "childcare hours"},
    "achieve_goal": lambda i: {"goal_id": i.g},
    "drop_goal": lambda i: {"goal_id": i.g, "reason": "no longer wanted"},
    "make_referral": lambda i: {
        "referral_id": uuid4(), "member_id": i.p, "institution_type": InstitutionType.JOBCENTER,
        "institution_name": "Jobcenter", "purpose": None, "consent_confirmed": True},
    "record_referral_outcome": lambda i: {"referral_id": i.r,
                                          "outcome": ReferralOutcome.ACCEPTED},
    "assign_case_manager": lambda i: {"case_manager": "cm-carla", "reason": None},
    "correct": lambda i: {"corrected_version": i.cons_v, "reason": "typo",
                          "changes": [FieldChange("mode", "video")]},
    "record_personal_data_erased": lambda i: {"legal_basis": ErasureBasis.ART17_REQUEST,
                                              "note": "Art. 17 request"},
    "request_erasure": lambda i: {"legal_basis": ErasureBasis.ART17_REQUEST,
                                  "note": "letter of the mother"},
    "give_consent": lambda i: {"purpose": ConsentPurpose.PHOTO_AND_MEDIA},
    "withdraw_consent": lambda i: {"purpose": ConsentPurpose.REFERRAL_TO_PARTNERS},
    "close": lambda i: {"reason": ClosureReason.OTHER, "note": None},
    "reopen": lambda i: {"reason": "asked again"},
}
ALL = sorted(VALID)
ON_BUSY_CASE = sorted(set(VALID) - {"close", "reopen"})
OPEN_ONLY = ["achieve_goal", "add_member", "change_member_details", "close", "drop_goal",
             "enter_participant", "make_referral", "record_consultation", "record_exit",
             "record_member_left", "revise_goal", "set_goal"]
ALSO_WHEN_CLOSED = sorted(set(VALID) - set(OPEN_ONLY))


def run(case: FamilyCase, i: Ids, command: str, **overrides: Any) -> None:
    kwargs = {"occurred_on": LATER, **VALID[command](i), **BY, **overrides}
    getattr(case, command)(**kwargs)


def refused(case: FamilyCase, call: Callable[[], object], rule: str,
            field: str | None = None, **ids: object) -> DomainError:
    """Runs ``call``, expecting ``rule``; checks that nothing was recorded."""
    case.collect_events()
    version, before = case.version, copy.deepcopy(case.state)
    with pytest.raises(DomainError) as info:
        call()
    err = info.value
    assert (err.rule, err.field) == (rule, field), str(err)
    assert {k: v for k, v in err.ids.items() if k != "family_id"} == {
        k: str(v) for k, v in ids.items()}
    assert err.ids.get("family_id", str(case.id)) == str(case.id)
    assert isinstance(err, NotFound) == rule.startswith("unknown_")
    assert case.collect_events() == []
    assert (case.version, case.state) == (version, before)
    return err


@pytest.mark.parametrize("command", ON_BUSY_CASE)
def test_the_valid_call_each_rule_test_starts_from_records_one_event(command: str) -> None:
    case, i = busy_case()
    run(case, i, command)
    assert [e.originator_version for e in case.collect_events()] == [case.version]


@pytest.mark.parametrize("command", ALL)
def test_no_command_accepts_a_business_date_after_today(command: str) -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, command, occurred_on=TODAY + timedelta(days=1)),
            "date_in_future", "occurred_on")


@pytest.mark.parametrize("command", ALL)
def test_no_command_accepts_a_business_date_before_the_intake(command: str) -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, command, occurred_on=day(-1)),
            "before_intake", "occurred_on")


@pytest.mark.parametrize("command", ALL)
def test_no_command_is_accepted_once_personal_data_are_erased(command: str) -> None:
    case, i = busy_case()
    run(case, i, "record_personal_data_erased")
    refused(case, lambda: run(case, i, command), "case_erased")


@pytest.mark.parametrize("command", OPEN_ONLY)
def test_casework_commands_refuse_a_closed_case(command: str) -> None:
    case, i = closed_case()
    refused(case, lambda: run(case, i, command), "case_closed")


@pytest.mark.parametrize(("command", "event"), [
    ("assign_case_manager", "CaseManagerAssigned"), ("correct", "EntryCorrected"),
    ("record_follow_up", "FollowUpRecorded"), ("record_leaving_status", "LeavingStatusRecorded"),
    ("record_personal_data_erased", "PersonalDataErased"),
    ("record_referral_outcome", "ReferralOutcomeRecorded"), ("reopen", "CaseReopened"),
    ("give_consent", "ConsentGiven"), ("withdraw_consent", "ConsentWithdrawn")])
def test_follow_up_work_is_still_accepted_on_a_closed_case(command: str, event: str) -> None:
    assert command in ALSO_WHEN_CLOSED
    case, i = closed_case()
    run(case, i, command)
    assert [type(e).__name__ for e in case.collect_events()] == [event]


@pytest.mark.parametrize("command", ON_BUSY_CASE)
@pytest.mark.parametrize(("staff", "rule"), [
    ("  ", "blank_text"), ("cm\x00anna", "control_characters"), ("x" * 101, "text_too_long")])
def test_every_command_refuses_a_bad_staff_id(command: str, staff: str, rule: str) -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, command, recorded_by=staff), rule, "recorded_by")


def r(command: str, overrides: Callable[[Ids], dict[str, Any]], rule: str,
      field: str | None = None, why: str = "", **ids: str) -> Any:
    """One row of the rule table; ``ids`` name attributes of ``Ids``."""
    return pytest.param(command, overrides, rule, field, ids,
                        id="-".join(filter(None, (command, rule, why))))


NOBODY = {"member_id": "nobody"}
RULES = [
    r("add_member", lambda i: {"member": i.p_data}, "duplicate_member", "member_id",
      member_id="p"),
    r("add_member", lambda i: {"member": child(born=TODAY + timedelta(days=1))},
      "date_in_future", "birth_date"),
    r("add_member", lambda i: {"member": MemberData(uuid4(), MemberRole.CHILD, None, "B")},
      "blank_text", "given_name"),
    r("change_member_details", lambda i: {"member_id": i.nobody}, "unknown_member",
      "member_id", **NOBODY),
    r("change_member_details", lambda i: {"given_name": None}, "nothing_changed"),
    r("change_member_details", lambda i: {"birth_date": TODAY + timedelta(days=1)},
      "date_in_future", "birth_date"),
    r("change_member_details", lambda i: {"given_name": " \t "}, "control_characters",
      "given_name"),
    r("change_member_details", lambda i: {"given_name": "   "}, "blank_text", "given_name"),
    r("change_member_details", lambda i: {"family_name": "x" * 201}, "text_too_long",
      "family_name"),
    r("record_member_left", lambda i: {"member_id": i.nobody}, "unknown_member", "member_id",
      **NOBODY),
    r("record_member_left", lambda i: {"member_id": i.x}, "member_already_left",
      member_id="x"),
    r("record_member_left", lambda i: {"member_id": i.a}, "participant_still_active",
      member_id="a"),
    r("enter_participant", lambda i: {"member_id": i.nobody}, "unknown_member", "member_id",
      **NOBODY),
    r("enter_participant", lambda i: {"member_id": i.x}, "member_not_in_household",
      "member_id", member_id="x"),
    r("enter_participant", lambda i: {"member_id": i.a}, "already_participating",
      "member_id", member_id="a"),
    r("enter_participant", lambda i: {"member_id": i.p, "occurred_on": day(29)},
      "reentry_before_exit", "occurred_on", member_id="p"),
    r("enter_participant", lambda i: {"entry": replace(entry(), unemployed_months=None)},
      "unemployment_duration_missing", "unemployed_months"),
    r("enter_participant", lambda i: {"entry": replace(entry(LabourMarketStatus.INACTIVE),
                                                       unemployed_months=0)},
      "unemployment_duration_without_unemployment", "unemployed_months"),
    *(r("enter_participant", lambda i, m=m: {"entry": replace(entry(), unemployed_months=m)},
        "unemployment_duration_out_of_range", "unemployed_months", why=str(m))
      for m in (-1, 601)),
    r("record_exit", lambda i: {"member_id": i.k}, "not_participating", "member_id",
      "never_entered", member_id="k"),
    r("record_exit", lambda i: {"member_id": i.p}, "not_participating", "member_id",
      "already_left", member_id="p"),
    r("record_exit", lambda i: {"occurred_on": day(7)}, "exit_before_entry", "occurred_on",
      member_id="a"),
    *(r(cmd, lambda i: {"member_id": i.nobody}, "unknown_member", "member_id", **NOBODY)
      for cmd in ("record_leaving_status", "record_follow_up")),
    *(r(cmd, lambda i, m=m: {"member_id": getattr(i, m)}, "not_left", "member_id", m,
        member_id=m) for cmd in ("record_leaving_status", "record_follow_up") for m in "ak"),
    r("record_leaving_status", lambda i: {"occurred_on": day(29)}, "status_before_exit",
      "occurred_on", member_id="p"),
    r("record_follow_up", lambda i: {"occurred_on": day(29)}, "follow_up_before_exit",
      "occurred_on", member_id="p"),
    r("record_leaving_status", lambda i: {"occurred_on": day(59)}, "status_after_window",
      "occurred_on", member_id="p"),
    r("record_follow_up", lambda i: {"occurred_on": FOLLOW_UP_P - timedelta(days=1)},
      "follow_up_too_early", "occurred_on", member_id="p"),
    *(r(cmd, lambda i: {"exit_on": day(31)}, "unknown_exit", "exit_on", member_id="p")
      for cmd in ("record_leaving_status", "record_follow_up")),
    r("record_consultation", lambda i: {"consultation_id": i.cons}, "duplicate_consultation",
      consultation_id="cons"),
    *(r("record_consultation", lambda i, m=m: {"duration_minutes": m},
        "duration_out_of_range", "duration_minutes", str(m)) for m in (0, 1441)),
    r("record_consultation", lambda i: {"topics": []}, "topics_missing", "topics"),
    r("record_consultation", lambda i: {"members_present": [i.p, i.nobody]},
      "unknown_member", "member_id", **NOBODY),
    r("record_consultation", lambda i: {"next_follow_up_on": LATER - timedelta(days=1)},
      "follow_up_before_consultation", "next_follow_up_on"),
    r("record_consultation", lambda i: {"location": "x" * 201}, "text_too_long", "location"),
    r("record_consultation", lambda i: {"notes": "ok\x07"}, "control_characters", "notes"),
    r("set_goal", lambda i: {"goal_id": i.g}, "duplicate_goal", goal_id="g"),
    r("set_goal", lambda i: {"member_ids": []}, "goal_without_member", "member_ids"),
    r("set_goal", lambda i: {"member_ids": [i.nobody]}, "unknown_member", "member_id",
      **NOBODY),
    r("set_goal", lambda i: {"target_date": LATER - timedelta(days=1)},
      "target_before_start", "target_date"),
    r("set_goal", lambda i: {"description": "\n"}, "blank_text", "description"),
    r("set_goal", lambda i: {"description": "x" * 10_001}, "text_too_long", "description"),
    *(r(cmd, lambda i: {"goal_id": i.nobody}, "unknown_goal", "goal_id", goal_id="nobody")
      for cmd in ("revise_goal", "achieve_goal", "drop_goal")),
    *(r(cmd, lambda i: {"goal_id": i.g2}, "goal_not_open", goal_id="g2")
      for cmd in ("revise_goal", "achieve_goal", "drop_goal")),
    r("revise_goal", lambda i: {"description": None}, "nothing_changed", "description"),
    r("revise_goal", lambda i: {"reason": " "}, "blank_text", "reason"),
    r("achieve_goal", lambda i: {"occurred_on": day(7)}, "achieved_before_set", "occurred_on",
      goal_id="g"),
    r("drop_goal", lambda i: {"reason": ""}, "blank_text", "reason"),
    r("make_referral", lambda i: {"referral_id": i.r}, "duplicate_referral", referral_id="r"),
    r("make_referral", lambda i: {"member_id": i.nobody}, "unknown_member", "member_id",
      **NOBODY),
    r("make_referral", lambda i: {"consent_confirmed": False}, "referral_without_consent",
      "consent_confirmed", member_id="p"),
    r("make_referral", lambda i: {"institution_name": " "}, "blank_text", "institution_name"),
    r("record_referral_outcome", lambda i: {"referral_id": i.nobody}, "unknown_referral",
      "referral_id", referral_id="nobody"),
    r("record_referral_outcome", lambda i: {"referral_id": i.r2}, "referral_outcome_final",
      referral_id="r2"),
    r("record_referral_outcome", lambda i: {"occurred_on": day(7)}, "outcome_before_referral",
      "occurred_on", referral_id="r"),
    r("assign_case_manager", lambda i: {"case_manager": " cm-anna "}, "same_case_manager",
      "case_manager"),
    r("assign_case_manager", lambda i: {"case_manager": ""}, "blank_text", "case_manager"),
    r("assign_case_manager", lambda i: {"case_manager": "x" * 101}, "text_too_long",
      "case_manager"),
    r("close", lambda i: {}, "participants_still_active", member_ids="a"),
    r("reopen", lambda i: {}, "case_not_closed"),
    r("record_personal_data_erased", lambda i: {"legal_basis": "request"},
      "invalid_legal_basis", "legal_basis"),
    r("record_personal_data_erased", lambda i: {"note": "x" * 10_001}, "text_too_long",
      "note"),
    r("record_personal_data_erased", lambda i: {"note": "Frau\x07"}, "control_characters",
      "note"),
    r("give_consent", lambda i: {"purpose": ConsentPurpose.REFERRAL_TO_PARTNERS},
      "consent_already_given", "purpose", purpose="referral"),
    r("give_consent", lambda i: {"purpose": "photos"}, "invalid_consent_purpose", "purpose"),
    r("withdraw_consent", lambda i: {"purpose": ConsentPurpose.PHOTO_AND_MEDIA},
      "consent_not_in_force", "purpose", purpose="photo"),
]


@pytest.mark.parametrize(("command", "overrides", "rule", "field", "ids"), RULES)
def test_each_rule_of_a_command_refuses_bad_input_and_records_nothing(
        command: str, overrides: Callable[[Ids], dict[str, Any]], rule: str,
        field: str | None, ids: dict[str, str]) -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, command, **overrides(i)), rule, field,
            **{k: getattr(i, v) for k, v in ids.items()})


def test_a_case_cannot_be_reopened_before_the_day_it_was_closed() -> None:
    case, i = closed_case()
    refused(case, lambda: run(case, i, "reopen", occurred_on=day(44)),
            "reopened_before_closed", "occurred_on")


def test_a_case_can_be_closed_once_every_participant_has_left() -> None:
    case, i = busy_case()
    run(case, i, "record_exit")
    run(case, i, "close")
    assert len(case.collect_events()) == 2


def test_a_case_cannot_be_closed_before_its_last_esf_exit() -> None:
    case, i = busy_case()
    run(case, i, "record_exit", occurred_on=day(60))
    case.collect_events()
    refused(case, lambda: run(case, i, "close", occurred_on=day(59)), "closed_before_exit",
            "occurred_on")
    run(case, i, "close", occurred_on=day(60))


# ----- bugs: rules that the commands do not enforce ---------------------------------------

@pytest.mark.parametrize(("command", "overrides"), [
    ("change_member_details", {"given_name": ""}),
    ("change_member_details", {"family_name": ""}),
    ("revise_goal", {"description": ""}),
])
def test_an_empty_name_or_goal_description_is_refused_as_blank(
        command: str, overrides: dict[str, Any]) -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, command, **overrides), "blank_text",
            next(iter(overrides)))


def test_a_revised_target_date_cannot_precede_the_day_the_goal_was_set() -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, "revise_goal", target_date=day(7)),
            "target_before_start", "target_date")


def test_an_exit_for_an_unknown_member_is_not_found() -> None:
    case, i = busy_case()
    refused(case, lambda: run(case, i, "record_exit", member_id=i.nobody), "unknown_member",
            "member_id", member_id=i.nobody)
