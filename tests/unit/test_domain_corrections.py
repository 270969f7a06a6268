"""Domain: corrections of earlier events (``FamilyCase.correct``).

A correction is an ``EntryCorrected`` event naming the version it corrects; the earlier
event stays as it was, and the state reads the corrected values. A refused correction
records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

import pytest

from domain import events as ev
from domain.corrections import CORRECTABLE, parse_change
from domain.errors import DomainError, InvalidInput
from domain.family_case import FamilyCase
from domain.records import FieldChange
from domain.values import AccessRoute, Answer, ExitStatus, LabourMarketStatus, LifeArea
from tests.support.builders import INTAKE, entry
from tests.unit.test_domain_commands import (
    BY,
    TODAY,
    consult,
    day,
    emitted,
    exited,
    new_case,
    refer,
    set_goal,
)
from tests.unit.test_domain_rules import Ids, busy_case, refused

LATER = date(2026, 5, 1)
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
Version = Callable[[Ids], int]


def correct(case: FamilyCase, version: int, *changes: tuple[str, str | None],
            reason: str = "typo in the form") -> None:
    case.correct(corrected_version=version, changes=[FieldChange(f, v) for f, v in changes],
                 reason=reason, occurred_on=LATER, **BY)


def test_correct_emits_entry_corrected_and_leaves_the_corrected_event_alone() -> None:
    case, _, _ = new_case()
    case.correct(corrected_version=1, changes=[FieldChange("access_route", "jobcenter"),
                                               FieldChange("postal_code", "47799")],
                 reason="  read from the wrong form ", occurred_on=day(3), **BY)
    event = emitted(case, ev.EntryCorrected, day(3))
    assert (event.corrected_version, event.reason) == (1, "read from the wrong form")
    assert event.changes == (FieldChange("access_route", "jobcenter"),
                             FieldChange("postal_code", "47799"))
    assert (case.state.access_route, case.state.postal_code) == (AccessRoute.JOBCENTER, "47799")
    assert case.state.corrections == 1


def test_correcting_the_labour_market_status_of_an_entry_changes_the_participation() -> None:
    case, parent_id, _ = new_case()
    case.enter_participant(member_id=parent_id, entry=entry(), occurred_on=day(2), **BY)
    version = case.version
    case.correct(corrected_version=version,
                 changes=[FieldChange("labour_market_status", "employed"),
                          FieldChange("unemployed_months", None),
                          FieldChange("disability", "declined"),
                          FieldChange("occurred_on", day(1).isoformat())],
                 reason="status was misread", occurred_on=day(3), **BY)
    (p,) = case.state.participations[parent_id]
    assert (p.entry.labour_market_status, p.entry.unemployed_months) == (
        LabourMarketStatus.EMPLOYED, None)
    assert (p.entry.disability, p.entered_on) == (Answer.DECLINED, day(1))


def test_correcting_a_consultation_date_moves_the_last_contact() -> None:
    case, _, _ = new_case()
    early = consult(case, day(5), next_follow_up_on=day(12))
    consult(case, day(8), next_follow_up_on=day(15))
    version = case.state.consultations[early].version
    case.correct(corrected_version=version, changes=[FieldChange("occurred_on",
                                                                 day(10).isoformat())],
                 reason="wrong day", occurred_on=day(11), **BY)
    assert case.state.consultations[early].held_on == day(10)
    assert (case.state.last_contact_on, case.state.next_follow_up_on) == (day(10), day(12))


def test_correcting_a_reentry_changes_only_the_second_participation() -> None:
    case, parent_id, _ = new_case()
    exited(case, parent_id, day(20))
    case.enter_participant(member_id=parent_id, entry=entry(), occurred_on=day(40), **BY)
    reentry_version = case.version
    case.record_exit(member_id=parent_id, status=ExitStatus.EMPLOYED, occurred_on=day(70), **BY)
    exit_version = case.version
    case.correct(corrected_version=reentry_version,
                 changes=[FieldChange("unemployed_months", "20"),
                          FieldChange("occurred_on", day(45).isoformat())],
                 reason="second intake form", occurred_on=day(71), **BY)
    case.correct(corrected_version=exit_version,
                 changes=[FieldChange("status", "self_employed"),
                          FieldChange("occurred_on", day(69).isoformat())],
                 reason="exit form", occurred_on=day(71), **BY)
    first, second = case.state.participations[parent_id]
    assert (first.entered_on, first.entry.unemployed_months, first.left_on) == (
        day(1), 14, day(20))
    assert first.exit_status is ExitStatus.JOB_SEARCHING
    assert (second.entered_on, second.entry.unemployed_months, second.left_on) == (
        day(45), 20, day(69))
    assert second.exit_status is ExitStatus.SELF_EMPLOYED


@pytest.mark.parametrize(("kind", "field", "value", "read"), [
    ("goal", "life_area", "housing", lambda s, k: s.goals[k].life_area),
    ("goal", "target_date", "2026-12-31", lambda s, k: s.goals[k].target_date.isoformat()),
    ("referral", "institution_type", "jobcenter",
     lambda s, k: s.referrals[k].institution_type),
    ("referral", "institution_name", "Jobcenter Krefeld",
     lambda s, k: s.referrals[k].institution_name),
])
def test_correcting_a_goal_or_referral_changes_that_entity(kind: str, field: str, value: str,
                                                          read: Any) -> None:
    case, parent_id, _ = new_case()
    key = set_goal(case, parent_id) if kind == "goal" else refer(case, parent_id)
    case.correct(corrected_version=case.version, changes=[FieldChange(field, value)],
                 reason="typo", occurred_on=day(2), **BY)
    assert read(case.state, key) == value


def test_a_goal_target_date_may_be_corrected_into_the_future() -> None:
    case, i = busy_case()
    correct(case, i.goal_v, ("target_date", TOMORROW))
    assert case.state.goals[i.g].target_date == TODAY + timedelta(days=1)


def test_a_correction_of_an_active_participation_may_move_the_entry_date() -> None:
    case, i = busy_case()
    entry_a = case.state.participations[i.a][0].entry_version
    correct(case, entry_a, ("occurred_on", day(60).isoformat()), ("homeless", "yes"))
    (p,) = case.state.participations[i.a]
    assert (p.entered_on, p.entry.homeless, p.active) == (day(60), Answer.YES, True)


def c(version: Version, changes: list[tuple[str, str | None]], rule: str,
      field: str | None = "changes", why: str = "", **ids: str) -> Any:
    return pytest.param(version, changes, rule, field, ids,
                        id="-".join(filter(None, (rule, why or "+".join(
                            f for f, _ in changes)))))


CONS: Version = attrgetter("cons_v")
ENTRY: Version = attrgetter("entry_p")
EXIT: Version = attrgetter("exit_p")
RULES = [
    c(lambda i: 999, [("mode", "video")], "unknown_version", "corrected_version", "999"),
    c(lambda i: 0, [("mode", "video")], "unknown_version", "corrected_version", "0"),
    c(CONS, [], "nothing_changed"),
    c(lambda i: 2, [("case_manager", "cm-x")], "correction_not_allowed", "corrected_version",
      "CaseManagerAssigned"),
    c(lambda i: i.goal_v + 2, [("occurred_on", "2026-03-01")], "correction_not_allowed",
      "corrected_version", "GoalAchieved"),
    c(CONS, [("notes", "x")], "field_not_correctable"),
    c(lambda i: 1, [("project", "ZZ")], "field_not_correctable"),
    c(ENTRY, [("member_id", "x")], "field_not_correctable"),
    c(EXIT, [("status", "employed"), ("reentry", "true")], "field_not_correctable"),
    *(c(CONS, [("duration_minutes", v)], "invalid_correction_value", why=f"duration {v}")
      for v in ("0", "1441", "ninety")),
    c(CONS, [("mode", "fax")], "invalid_correction_value"),
    c(CONS, [("occurred_on", "2026-02-30")], "invalid_correction_value"),
    c(CONS, [("next_follow_up_on", "next week")], "invalid_correction_value"),
    c(ENTRY, [("rural", "yes")], "invalid_correction_value"),
    c(ENTRY, [("unemployed_months", "601")], "invalid_correction_value"),
    c(ENTRY, [("labour_market_status", "retired")], "invalid_correction_value"),
    c(ENTRY, [("isced", "isced_9")], "invalid_correction_value"),
    c(EXIT, [("status", "retired")], "invalid_correction_value"),
    c(lambda i: 1, [("access_route", "walk_in")], "invalid_correction_value"),
    c(lambda i: i.goal_v, [("life_area", "leisure")], "invalid_correction_value"),
    c(lambda i: i.ref_v, [("institution_type", "bank")], "invalid_correction_value"),
    c(ENTRY, [("occurred_on", day(31).isoformat())], "exit_before_entry", member_id="p"),
    c(ENTRY, [("labour_market_status", "inactive")],
      "unemployment_duration_without_unemployment", "unemployed_months"),
    c(ENTRY, [("unemployed_months", None)], "unemployment_duration_missing",
      "unemployed_months"),
    c(CONS, [("occurred_on", TOMORROW)], "date_in_future"),
    c(EXIT, [("occurred_on", TOMORROW)], "date_in_future"),
]


@pytest.mark.parametrize(("version", "changes", "rule", "field", "ids"), RULES)
def test_each_correction_rule_refuses_bad_input_and_records_nothing(
        version: Version, changes: list[tuple[str, str | None]], rule: str, field: str | None,
        ids: dict[str, str]) -> None:
    case, i = busy_case()
    refused(case, lambda: correct(case, version(i), *changes), rule, field,
            **{k: getattr(i, v) for k, v in ids.items()})


@pytest.mark.parametrize(("reason", "rule"), [
    (" ", "blank_text"), ("x" * 10_001, "text_too_long"), ("a\x00b", "control_characters")])
def test_a_correction_needs_a_proper_reason(reason: str, rule: str) -> None:
    case, i = busy_case()
    refused(case, lambda: correct(case, i.cons_v, ("mode", "video"), reason=reason),
            rule, "reason")


def test_parse_change_returns_typed_values_and_none_only_for_optional_facts() -> None:
    assert parse_change("ParticipantEntered", FieldChange("rural", "false")) is False
    assert parse_change("ParticipantEntered", FieldChange("occurred_on", "2026-03-02")) == INTAKE
    assert parse_change("CaseOpened", FieldChange("access_route", "self")) is AccessRoute.SELF
    assert parse_change("GoalSet", FieldChange("life_area", "housing")) is LifeArea.HOUSING
    assert parse_change("ParticipantEntered", FieldChange("isced", None)) is None
    with pytest.raises(InvalidInput) as info:
        parse_change("ParticipantLeft", FieldChange("status", None))
    assert info.value.rule == "invalid_correction_value"


def test_parse_change_names_the_correctable_fields_when_refusing_one() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_change("ParticipantLeft", FieldChange("member_id", "x"))
    assert info.value.rule == "field_not_correctable"
    assert "correctable: occurred_on, status" in info.value.message
    assert set(CORRECTABLE) == {"CaseOpened", "ParticipantEntered", "ParticipantLeft",
                                "ConsultationRecorded", "GoalSet", "ReferralMade"}


# ----- bugs -------------------------------------------------------------------------------

@pytest.mark.parametrize(("version", "field"), [
    (EXIT, "occurred_on"), (EXIT, "status"), (ENTRY, "occurred_on"), (CONS, "occurred_on"),
    (CONS, "duration_minutes"), (CONS, "mode"), (lambda i: 1, "access_route"),
    (lambda i: i.goal_v, "life_area"), (lambda i: i.ref_v, "institution_name"),
])
def test_a_correction_cannot_blank_a_fact_every_event_has(version: Version, field: str) -> None:
    case, i = busy_case()
    refused(case, lambda: correct(case, version(i), (field, None)),
            "invalid_correction_value", "changes")


@pytest.mark.parametrize(("version", "field", "value"), [
    (lambda i: 1, "postal_code", "abc"), (lambda i: 1, "postal_code", "4779"),
    (lambda i: 1, "district", " "), (lambda i: 1, "district", "Mitte\x00"),
    (lambda i: i.ref_v, "institution_name", ""),
])
def test_a_corrected_text_is_checked_like_the_original_input(version: Version, field: str,
                                                            value: str) -> None:
    case, i = busy_case()
    case.collect_events()
    before = case.version
    with pytest.raises(DomainError):
        correct(case, version(i), (field, value))
    assert (case.collect_events(), case.version) == ([], before)


def test_a_next_follow_up_can_be_corrected_to_a_future_day() -> None:
    case, i = busy_case()
    correct(case, i.cons_v, ("next_follow_up_on", TOMORROW))
    assert case.state.next_follow_up_on == TODAY + timedelta(days=1)


def _reentry(case: FamilyCase, i: Ids) -> int:
    case.enter_participant(member_id=i.p, entry=entry(), occurred_on=LATER, **BY)
    return case.version


@pytest.mark.parametrize(("version", "field", "value", "rule"), [
    (EXIT, "occurred_on", day(0), "exit_before_entry"),
    (_reentry, "occurred_on", day(29), "reentry_before_exit"),
    (CONS, "occurred_on", day(-1), "before_intake"),
    (CONS, "next_follow_up_on", day(7), "follow_up_before_consultation"),
    (lambda i: i.goal_v, "target_date", day(7), "target_before_start"),
])
def test_a_correction_cannot_break_the_order_of_dates(version: Any, field: str, value: date,
                                                     rule: str) -> None:
    case, i = busy_case()
    corrected = version(case, i) if version is _reentry else version(i)
    ids = ({"member_id": i.p} if "entry" in rule or "exit" in rule
           else {"goal_id": i.g} if rule == "target_before_start"
           else {"consultation_id": i.cons})
    refused(case, lambda: correct(case, corrected, (field, value.isoformat())), rule, "changes",
            **ids)
