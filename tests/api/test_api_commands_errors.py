"""The command endpoints refuse bad input (wrong types, unknown or missing fields, values
outside an enumeration, dates in the future, control characters, blank or too long
texts) and broken domain rules with 422, naming the rule and the field, and store
nothing. Bodies, If-Match and Idempotency-Key: ``test_api_commands_protocol.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.rules import today_in_programme
from tests.support.api import (
    CONSULTATION,
    ROUTES,
    Family,
    entered,
    exited,
    fill,
    no_case_stored,
    prepared,
    problem,
    with_goal,
    with_referral,
)
from tests.support.world import World, intake_body

DROP = object()
TOMORROW = (today_in_programme() + timedelta(days=1)).isoformat()


def changed(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    result = {**body, **changes}
    return {k: v for k, v in result.items() if v is not DROP}


# ----- bad input, refused by the request schema ---------------------------------------

SCHEMA_ERRORS: list[tuple[str, dict[str, Any], str, str]] = [
    ("RecordConsultation", {"duration_minutes": "30"}, "int_type", "body.duration_minutes"),
    ("RecordConsultation", {"duration_minutes": 30.5}, "int_type", "body.duration_minutes"),
    ("RecordConsultation", {"duration_minutes": 0}, "greater_than_equal", "body.duration_minutes"),
    ("RecordConsultation", {"duration_minutes": 1441}, "less_than_equal", "body.duration_minutes"),
    ("RecordConsultation", {"mode": "meeting"}, "enum", "body.mode"),
    ("RecordConsultation", {"topics": []}, "too_short", "body.topics"),
    ("RecordConsultation", {"topics": ["cooking"]}, "enum", "body.topics.0"),
    ("RecordConsultation", {"topics": "health"}, "list_type", "body.topics"),
    ("RecordConsultation", {"mode": DROP}, "missing", "body.mode"),
    ("RecordConsultation", {"mood": "good"}, "extra_forbidden", "body.mood"),
    ("RecordConsultation", {"occurred_on": 20260310}, "value_error", "body.occurred_on"),
    ("RecordConsultation", {"occurred_on": "10.03.2026"}, "date_from_datetime_parsing",
     "body.occurred_on"),
    ("RecordConsultation", {"occurred_on": "2026-02-30"}, "date_from_datetime_parsing",
     "body.occurred_on"),
    ("RecordConsultation", {"notes": "x" * 10_001}, "string_too_long", "body.notes"),
    ("RecordConsultation", {"location": "x" * 201}, "string_too_long", "body.location"),
    ("RecordConsultation", {"members_present": ["Amira"]}, "uuid_parsing",
     "body.members_present.0"),
    ("AddMember", {"role": "cousin"}, "enum", "body.role"),
    ("AddMember", {"gender": "diverse"}, "enum", "body.gender"),
    ("AddMember", {"given_name": ""}, "string_too_short", "body.given_name"),
    ("AddMember", {"given_name": "x" * 201}, "string_too_long", "body.given_name"),
    ("AddMember", {"given_name": 7}, "string_type", "body.given_name"),
    ("AddMember", {"family_name": DROP}, "missing", "body.family_name"),
    ("ChangeMemberDetails", {"birth_date": True}, "value_error", "body.birth_date"),
    ("ChangeMemberDetails", {"member_id": "{parent}"}, "extra_forbidden", "body.member_id"),
    ("RecordMemberLeft", {"reason": ["moved"]}, "string_type", "body.reason"),
    ("EnterParticipant", {"unemployed_months": "14"}, "int_type",
     "body.unemployed_months"),
    ("EnterParticipant", {"unemployed_months": 601}, "less_than_equal",
     "body.unemployed_months"),
    ("EnterParticipant", {"rural": "no"}, "bool_type", "body.rural"),
    ("EnterParticipant", {"rural": 0}, "bool_type", "body.rural"),
    ("EnterParticipant", {"isced": "isced_9"}, "enum", "body.isced"),
    ("EnterParticipant", {"disability": "maybe"}, "enum", "body.disability"),
    ("EnterParticipant", {"member_id": "parent"}, "uuid_parsing", "body.member_id"),
    ("EnterParticipant", {"member_id": DROP}, "missing", "body.member_id"),
    ("RecordExit", {"status": "retired"}, "enum", "body.status"),
    ("RecordLeavingStatus", {"status": DROP}, "missing", "body.status"),
    ("RecordFollowUp", {"better_situation": "yes"}, "bool_type", "body.better_situation"),
    ("RecordFollowUp", {"status": "happy"}, "enum", "body.status"),
    ("SetGoal", {"member_ids": []}, "too_short", "body.member_ids"),
    ("SetGoal", {"life_area": "leisure"}, "enum", "body.life_area"),
    ("SetGoal", {"description": ""}, "string_too_short", "body.description"),
    ("SetGoal", {"description": "x" * 10_001}, "string_too_long", "body.description"),
    ("ReviseGoal", {"reason": DROP}, "missing", "body.reason"),
    ("AchieveGoal", {"note": "great"}, "extra_forbidden", "body.note"),
    ("DropGoal", {"reason": ""}, "string_too_short", "body.reason"),
    ("MakeReferral", {"consent_confirmed": "true"}, "bool_type", "body.consent_confirmed"),
    ("MakeReferral", {"consent_confirmed": DROP}, "missing", "body.consent_confirmed"),
    ("MakeReferral", {"institution_type": "bank"}, "enum", "body.institution_type"),
    ("RecordReferralOutcome", {"outcome": "maybe"}, "enum", "body.outcome"),
    ("AssignCaseManager", {"case_manager": ""}, "string_too_short", "body.case_manager"),
    ("AssignCaseManager", {"case_manager": "x" * 101}, "string_too_long", "body.case_manager"),
    ("CloseCase", {"reason": "bored"}, "enum", "body.reason"),
    ("ReopenCase", {"reason": DROP}, "missing", "body.reason"),
    ("CorrectEntry", {"corrected_version": "1"}, "int_type", "body.corrected_version"),
    ("CorrectEntry", {"corrected_version": 0}, "greater_than_equal", "body.corrected_version"),
    ("CorrectEntry", {"changes": []}, "too_short", "body.changes"),
    ("CorrectEntry", {"changes": [{"field": "district"}]}, "missing", "body.changes.0.value"),
    ("ErasePersonalData", {"legal_basis": DROP}, "missing", "body.legal_basis"),
    ("ErasePersonalData", {"legal_basis": "Löschantrag von Frau M."}, "enum",
     "body.legal_basis"),
    ("ErasePersonalData", {"reason": "Art. 17"}, "extra_forbidden", "body.reason"),
    ("GiveConsent", {"purpose": "ESF+ reporting"}, "enum", "body.purpose"),
    ("GiveConsent", {"purpose": DROP}, "missing", "body.purpose"),
]


@pytest.mark.store_independent
@pytest.mark.parametrize(("name", "changes", "rule", "field"), SCHEMA_ERRORS)
def test_bad_input_is_refused_with_422_naming_field_and_rule(
        world: World, name: str, changes: dict[str, Any], rule: str, field: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    response = family.post(path, changed(body, fill(changes, family.ids)), route.role)

    found = problem(response, 422, rule, field)
    assert found["errors"][0]["field"] == field
    assert family.version() == before


@pytest.mark.store_independent
@pytest.mark.parametrize(("changes", "rule", "field"), [
    ({"members": []}, "too_short", "body.members"),
    ({"members": [{"role": "parent", "given_name": "Amira"}]}, "missing",
     "body.members.0.family_name"),
    ({"access_route": "walk_in"}, "enum", "body.access_route"),
    ({"benefit_situation": "rich"}, "enum", "body.benefit_situation"),
    ({"postal_code": "477981"}, "string_too_long", "body.postal_code"),
    ({"district": ""}, "string_too_short", "body.district"),
    ({"consent_purposes": []}, "too_short", "body.consent_purposes"),
    ({"consent_purposes": ["ESF+ reporting"]}, "enum", "body.consent_purposes.0"),
    ({"consent_given_on": "yesterday"}, "date_from_datetime_parsing",
     "body.consent_given_on"),
    ({"district": DROP}, "missing", "body.district"),
    ({"referrer": "Kita Sonnenschein"}, "extra_forbidden", "body.referrer"),
])
def test_an_intake_with_bad_input_is_refused_and_opens_no_case(
        world: World, changes: dict[str, Any], rule: str, field: str) -> None:
    response = world.client("case_manager").post("/families",
                                                 json=changed(intake_body(), changes))

    problem(response, 422, rule, field)
    no_case_stored(world)


# ----- input rules of the domain: dates, control characters, blank and long texts ------

@pytest.mark.store_independent
@pytest.mark.parametrize("name", list(ROUTES))
def test_a_date_in_the_future_is_refused_with_rule_date_in_future(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    response = family.post(path, {**body, "occurred_on": TOMORROW}, route.role)

    problem(response, 422, "date_in_future", "occurred_on")
    assert family.version() == before


@pytest.mark.parametrize(("name", "changes", "field"), [
    ("AddMember", {"birth_date": TOMORROW}, "birth_date"),
    ("ChangeMemberDetails", {"birth_date": TOMORROW}, "birth_date"),
])
def test_a_birth_date_in_the_future_is_refused(
        world: World, name: str, changes: dict[str, Any], field: str) -> None:
    family, _route, path, body = prepared(world, name)

    problem(family.post(path, {**body, **changes}), 422, "date_in_future", field)
    assert family.version() == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"occurred_on": TOMORROW}, "occurred_on"),
    ({"consent_given_on": TOMORROW}, "consent_given_on"),
    ({"members": [{"role": "parent", "given_name": "Amira", "family_name": "Okonkwo",
                   "birth_date": TOMORROW}]}, "birth_date"),
])
def test_an_intake_dated_in_the_future_opens_no_case(
        world: World, changes: dict[str, Any], field: str) -> None:
    response = world.client("case_manager").post("/families", json=intake_body(**changes))

    problem(response, 422, "date_in_future", field)
    no_case_stored(world)


TEXT_RULES: list[tuple[str, dict[str, Any], str, str]] = [
    ("AddMember", {"given_name": "Le\x07a"}, "control_characters", "given_name"),
    ("AddMember", {"family_name": "   "}, "blank_text", "family_name"),
    ("ChangeMemberDetails", {"given_name": "Amina\nX"}, "control_characters", "given_name"),
    ("ChangeMemberDetails", {"family_name": " "}, "blank_text", "family_name"),
    ("RecordMemberLeft", {"reason": "moved\x00"}, "control_characters", "reason"),
    ("RecordConsultation", {"location": "Büro\x1b[31m"}, "control_characters", "location"),
    ("RecordConsultation", {"notes": "call\x00back"}, "control_characters", "notes"),
    ("SetGoal", {"description": "   "}, "blank_text", "description"),
    ("SetGoal", {"description": "Kita\x0cplace"}, "control_characters", "description"),
    ("ReviseGoal", {"reason": " \n "}, "blank_text", "reason"),
    ("DropGoal", {"reason": "no\x7fmore"}, "control_characters", "reason"),
    ("MakeReferral", {"institution_name": "  "}, "blank_text", "institution_name"),
    ("MakeReferral", {"purpose": "debts\x08"}, "control_characters", "purpose"),
    ("AssignCaseManager", {"reason": "leave\x00"}, "control_characters", "reason"),
    ("CloseCase", {"note": "\x1b"}, "control_characters", "note"),
    ("ReopenCase", {"reason": "   "}, "blank_text", "reason"),
    ("CorrectEntry", {"reason": "\t"}, "blank_text", "reason"),
    ("ErasePersonalData", {"note": "Art.\x0017"}, "control_characters", "note"),
]


@pytest.mark.store_independent
@pytest.mark.parametrize(("name", "changes", "rule", "field"), TEXT_RULES)
def test_control_characters_blank_and_too_long_texts_are_refused(
        world: World, name: str, changes: dict[str, Any], rule: str, field: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    response = family.post(path, {**body, **changes}, route.role)

    problem(response, 422, rule, field)
    assert family.version() == before


@pytest.mark.store_independent
@pytest.mark.parametrize(("changes", "rule", "field"), [
    ({"district": "Krefeld\x00"}, "control_characters", "district"),
    ({"district": "   "}, "blank_text", "district"),
    ({"street_address": "Westwall\x0012"}, "control_characters", "street_address"),
    ({"members": [{"role": "parent", "given_name": "\x00", "family_name": "X"}]},
     "control_characters", "given_name"),
    ({"members": [{"role": "parent", "given_name": "Amira", "family_name": "  "}]},
     "blank_text", "family_name"),
    ({"postal_code": "4779"}, "invalid_postal_code", "postal_code"),
    ({"members": [{"role": "child", "given_name": "Noah", "family_name": "X"}]},
     "no_adult", "members"),
])
def test_an_intake_breaking_an_input_rule_opens_no_case(
        world: World, changes: dict[str, Any], rule: str, field: str) -> None:
    response = world.client("case_manager").post("/families", json=intake_body(**changes))

    problem(response, 422, rule, field)
    no_case_stored(world)


# ----- broken domain rules -------------------------------------------------------------

def unknown(_: Family) -> dict[str, str]:
    return {"goal": str(uuid4()), "referral": str(uuid4())}


def exited_and_closed(f: Family) -> dict[str, str]:
    exited(f)
    f.ok("/closure", {"reason": "goals_achieved", "occurred_on": "2026-10-01"})
    return {}


def achieved(f: Family) -> dict[str, str]:
    ids = with_goal(f)
    f.ok(f"/goals/{ids['goal']}/achievement", {"occurred_on": "2026-05-01"})
    return ids


def referral_completed(f: Family) -> dict[str, str]:
    ids = with_referral(f)
    f.ok(f"/referrals/{ids['referral']}/outcomes", {"outcome": "completed",
                                                    "occurred_on": "2026-05-01"})
    return ids


def child_left(f: Family) -> dict[str, str]:
    f.ok(f"/members/{f.child}/departure", {"occurred_on": "2026-04-01"})
    return {}


def closed_early(f: Family) -> dict[str, str]:
    f.ok("/closure", {"reason": "no_contact", "occurred_on": "2026-04-01"})
    return {}


RULES: list[tuple[str, Any, str, dict[str, Any], str, str | None]] = [
    # (what, prepare, path, body, rule, field); role is the route's (coordinator for
    # /assignment), paths and bodies take {parent}, {child}, {goal}, {referral}, {other}
    ("exit before entry", entered, "/participants/{parent}/exit",
     {"status": "employed", "occurred_on": "2026-03-05"}, "exit_before_entry", "occurred_on"),
    ("exit without entry", None, "/participants/{parent}/exit",
     {"status": "employed"}, "not_participating", "member_id"),
    ("entry twice", entered, "/participants", {"member_id": "{parent}"},
     "already_participating", "member_id"),
    ("entry of an unknown member", None, "/participants", {"member_id": "{other}"},
     "unknown_member", "member_id"),
    ("entry of a member who left", child_left, "/participants", {"member_id": "{child}"},
     "member_not_in_household", "member_id"),
    ("unemployed without months", None, "/participants",
     {"member_id": "{parent}", "labour_market_status": "unemployed"},
     "unemployment_duration_missing", "unemployed_months"),
    ("months without unemployment", None, "/participants",
     {"member_id": "{parent}", "labour_market_status": "employed", "unemployed_months": 3},
     "unemployment_duration_without_unemployment", "unemployed_months"),
    ("leaving status without exit", entered, "/participants/{parent}/leaving-status",
     {"status": "employed"}, "not_left", "member_id"),
    ("leaving status before exit", exited, "/participants/{parent}/leaving-status",
     {"status": "employed", "occurred_on": "2026-05-01"}, "status_before_exit", "occurred_on"),
    ("follow-up before exit", exited, "/follow-ups",
     {"member_id": "{parent}", "status": "employed", "occurred_on": "2026-05-01"},
     "follow_up_before_exit", "occurred_on"),
    ("departure of a participant", entered, "/members/{parent}/departure", {},
     "participant_still_active", None),
    ("departure twice", child_left, "/members/{child}/departure", {},
     "member_already_left", None),
    ("details changing nothing", None, "/members/{parent}/details", {},
     "nothing_changed", None),
    ("details of an unknown member", None, "/members/{other}/details",
     {"given_name": "Amina"}, "unknown_member", "member_id"),
    ("consultation before intake", None, "/consultations",
     {**CONSULTATION, "occurred_on": "2026-03-01"}, "before_intake", "occurred_on"),
    ("consultation on a closed case", closed_early, "/consultations", CONSULTATION,
     "case_closed", None),
    ("consultation with an unknown member present", None, "/consultations",
     {**CONSULTATION, "members_present": ["{other}"]}, "unknown_member", "member_id"),
    ("follow-up date before the consultation", None, "/consultations",
     {**CONSULTATION, "next_follow_up_on": "2026-03-09"}, "follow_up_before_consultation",
     "next_follow_up_on"),
    ("goal for an unknown member", None, "/goals",
     {"member_ids": ["{other}"], "life_area": "work", "description": "A job"},
     "unknown_member", "member_id"),
    ("goal target before its start", None, "/goals",
     {"member_ids": ["{parent}"], "life_area": "work", "description": "A job",
      "target_date": "2026-03-09", "occurred_on": "2026-03-10"},
     "target_before_start", "target_date"),
    ("revision of an unknown goal", unknown, "/goals/{goal}/revisions",
     {"description": "x", "reason": "y"}, "unknown_goal", "goal_id"),
    ("revision changing nothing", with_goal, "/goals/{goal}/revisions", {"reason": "y"},
     "nothing_changed", "description"),
    ("revision of an achieved goal", achieved, "/goals/{goal}/revisions",
     {"description": "x", "reason": "y"}, "goal_not_open", None),
    ("achievement twice", achieved, "/goals/{goal}/achievement", {}, "goal_not_open", None),
    ("achievement before the goal was set", with_goal, "/goals/{goal}/achievement",
     {"occurred_on": "2026-03-09"}, "achieved_before_set", "occurred_on"),
    ("drop of an unknown goal", unknown, "/goals/{goal}/drop", {"reason": "y"},
     "unknown_goal", "goal_id"),
    ("drop before the goal was set", with_goal, "/goals/{goal}/drop",
     {"reason": "y", "occurred_on": "2026-03-09"}, "dropped_before_set", "occurred_on"),
    ("referral without consent", None, "/referrals",
     {"member_id": "{parent}", "institution_type": "jobcenter", "institution_name": "JC",
      "consent_confirmed": False}, "referral_without_consent", "consent_confirmed"),
    ("referral of an unknown member", None, "/referrals",
     {"member_id": "{other}", "institution_type": "jobcenter", "institution_name": "JC",
      "consent_confirmed": True}, "unknown_member", "member_id"),
    ("outcome for an unknown referral", unknown, "/referrals/{referral}/outcomes",
     {"outcome": "accepted"}, "unknown_referral", "referral_id"),
    ("outcome after the final one", referral_completed, "/referrals/{referral}/outcomes",
     {"outcome": "accepted"}, "referral_outcome_final", None),
    ("outcome before the referral", with_referral, "/referrals/{referral}/outcomes",
     {"outcome": "accepted", "occurred_on": "2026-03-20"}, "outcome_before_referral",
     "occurred_on"),
    ("closure with an active participant", entered, "/closure",
     {"reason": "goals_achieved"}, "participants_still_active", None),
    ("closure of a closed case", exited_and_closed, "/closure", {"reason": "other"},
     "case_closed", None),
    ("reopening of an open case", None, "/reopening", {"reason": "again"},
     "case_not_closed", None),
    ("reopening before the closure", exited_and_closed, "/reopening",
     {"reason": "again", "occurred_on": "2026-09-01"}, "reopened_before_closed",
     "occurred_on"),
    ("correction of an unknown version", None, "/corrections",
     {"corrected_version": 99, "changes": [{"field": "district", "value": "Uerdingen"}],
      "reason": "typo"}, "unknown_version", "corrected_version"),
    ("correction of an event that cannot be corrected", None, "/corrections",
     {"corrected_version": 2, "changes": [{"field": "case_manager", "value": "st-x"}],
      "reason": "typo"}, "correction_not_allowed", "corrected_version"),
    ("correction of a field that cannot be corrected", None, "/corrections",
     {"corrected_version": 1, "changes": [{"field": "case_number", "value": "KR-1"}],
      "reason": "typo"}, "field_not_correctable", "changes"),
    ("correction to an invalid value", None, "/corrections",
     {"corrected_version": 1, "changes": [{"field": "access_route", "value": "walk_in"}],
      "reason": "typo"}, "invalid_correction_value", "changes"),
    ("correction making an exit precede its entry", exited, "/corrections",
     {"corrected_version": 4, "changes": [{"field": "occurred_on", "value": "2026-03-01"}],
      "reason": "typo"}, "exit_before_entry", "changes"),
]


@pytest.mark.store_independent
@pytest.mark.parametrize(("prepare", "path", "body", "rule", "field"),
                         [pytest.param(*r[1:], id=r[0]) for r in RULES])
def test_a_command_breaking_a_domain_rule_is_refused_and_stores_nothing(
        world: World, prepare: Any, path: str, body: dict[str, Any], rule: str,
        field: str | None) -> None:
    family = Family(world, world.intake())
    ids = {"parent": family.parent, "child": family.child, "other": str(uuid4())}
    if prepare is not None:
        ids.update(prepare(family))
    before = family.version()

    response = family.post(fill(path, ids), fill(body, ids))

    found = problem(response, 422, rule, field)
    assert found["title"] in ("Invalid input", "Rule broken", "Unknown reference")
    assert family.version() == before


def test_a_transfer_to_the_current_case_manager_is_refused(world: World) -> None:
    family = Family(world, world.intake())

    response = family.post("/assignment", {"case_manager": world.case_manager_id()},
                           "coordinator")

    problem(response, 422, "same_case_manager", "case_manager")
    assert family.version() == 2
