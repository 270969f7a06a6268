"""Domain: the dates of ESF+ results (issue 13, items 2 and 3).

A status on leaving describes the situation within 28 days after its exit, the six-month
follow-up the situation six calendar months after it (clamped to the end of a shorter
month); either belongs to one exit, named by its date (default: the latest), so the
results of an earlier stay can be recorded after a re-entry.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events as ev
from domain import rules
from domain.errors import DomainError, NotFound
from domain.family_case import FamilyCase
from domain.records import FieldChange
from domain.values import ExitStatus, FollowUpStatus
from tests.support.builders import INTAKE, child, entry, intake_kwargs, parent

TODAY = date(2027, 12, 31)
BY: dict[str, Any] = {"recorded_by": "cm-berk", "today": TODAY}


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),
    (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year
    (date(2026, 3, 31), 6, date(2026, 9, 30)),
    (date(2026, 7, 31), 6, date(2027, 1, 31)),
    (date(2026, 1, 15), 6, date(2026, 7, 15)),
    (date(2026, 12, 1), 6, date(2027, 6, 1)),
    (date(2026, 6, 30), 6, date(2026, 12, 30)),
    (date(2026, 5, 31), 0, date(2026, 5, 31)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 11, 30), 14, date(2028, 1, 30)),
])
def test_months_are_added_by_the_calendar_clamped_to_the_month_s_end(
        day: date, months: int, expected: date) -> None:
    assert rules.add_months(day, months) == expected


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_six_months_later_is_the_same_day_or_the_last_of_a_shorter_month(day: date) -> None:
    later = rules.earliest_follow_up(day)

    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == 6
    assert later.day == day.day or (later.day < day.day
                                    and (later + timedelta(days=1)).day == 1)
    assert 181 <= (later - day).days <= 184


def left_on(exit_day: date) -> tuple[FamilyCase, UUID]:
    """A case whose parent entered the ESF+ at the intake and left on ``exit_day``."""
    members = [parent(), child()]
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0011", today=TODAY,
                           **intake_kwargs(members))
    p = members[0].member_id
    case.enter_participant(member_id=p, entry=entry(), occurred_on=INTAKE, **BY)
    case.record_exit(member_id=p, status=ExitStatus.JOB_SEARCHING, occurred_on=exit_day, **BY)
    case.collect_events()
    return case, p


def refused(case: FamilyCase, rule: str, field: str, **kwargs: Any) -> DomainError:
    """Calls ``call`` with the keywords, expecting ``rule``; checks nothing was recorded."""
    case.collect_events()
    version, before = case.version, copy.deepcopy(case.state)
    with pytest.raises(DomainError) as info:
        kwargs.pop("call")(**kwargs, **BY)
    assert (info.value.rule, info.value.field) == (rule, field), str(info.value)
    assert case.collect_events() == []
    assert (case.version, case.state) == (version, before)
    return info.value


def test_a_follow_up_six_months_after_31_august_is_accepted_on_28_february() -> None:
    case, p = left_on(date(2026, 8, 31))

    err = refused(case, "follow_up_too_early", "occurred_on", call=case.record_follow_up,
                  member_id=p, status=FollowUpStatus.EMPLOYED, better_situation=None,
                  occurred_on=date(2027, 2, 27))
    case.record_follow_up(member_id=p, status=FollowUpStatus.EMPLOYED, better_situation=None,
                          occurred_on=date(2027, 2, 28), **BY)

    assert "6 months" in err.message
    assert "earliest valid date is 2027-02-28" in err.message
    assert case.state.participations[p][0].follow_up_on == date(2027, 2, 28)


def test_a_leaving_status_is_accepted_until_28_days_after_the_exit() -> None:
    case, p = left_on(date(2026, 4, 1))

    err = refused(case, "status_after_window", "occurred_on",
                  call=case.record_leaving_status, member_id=p, status=ExitStatus.EMPLOYED,
                  occurred_on=date(2026, 4, 30))
    case.record_leaving_status(member_id=p, status=ExitStatus.EMPLOYED,
                               occurred_on=date(2026, 4, 29), **BY)

    assert "28 days" in err.message
    assert "last valid date is 2026-04-29" in err.message
    assert case.state.participations[p][0].statuses[-1] == (date(2026, 4, 29),
                                                            ExitStatus.EMPLOYED)


@pytest.mark.parametrize("command", ["record_leaving_status", "record_follow_up"])
def test_a_result_cannot_precede_its_exit(command: str) -> None:
    case, p = left_on(date(2026, 4, 1))
    rule = {"record_leaving_status": "status_before_exit",
            "record_follow_up": "follow_up_before_exit"}[command]
    extra = {"better_situation": None} if command == "record_follow_up" else {}
    status = ExitStatus.EMPLOYED if command == "record_leaving_status" else (
        FollowUpStatus.EMPLOYED)

    err = refused(case, rule, "occurred_on", call=getattr(case, command), member_id=p,
                  status=status, occurred_on=date(2026, 3, 31), **extra)

    assert "2026-04-01" in err.message


def reentered() -> tuple[FamilyCase, UUID]:
    """The parent's first stay ends on 1 April; the second begins on 1 May."""
    case, p = left_on(date(2026, 4, 1))
    case.enter_participant(member_id=p, entry=entry(), occurred_on=date(2026, 5, 1), **BY)
    case.collect_events()
    return case, p


def test_the_results_of_the_first_stay_are_recorded_after_a_re_entry() -> None:
    case, p = reentered()
    first_exit = case.state.participations[p][0].exit_version

    case.record_leaving_status(member_id=p, status=ExitStatus.EMPLOYED,
                               occurred_on=date(2026, 4, 20), **BY)  # (the latest exit)
    case.record_follow_up(member_id=p, status=FollowUpStatus.EMPLOYED, better_situation=True,
                          occurred_on=date(2026, 10, 1), exit_on=date(2026, 4, 1), **BY)

    events = case.collect_events()
    assert [e.exit_version for e in events] == [first_exit, first_exit]
    first, second = case.state.participations[p]
    assert first.statuses[-1] == (date(2026, 4, 20), ExitStatus.EMPLOYED)
    assert (first.follow_up_on, first.follow_up_status) == (date(2026, 10, 1),
                                                            FollowUpStatus.EMPLOYED)
    assert (second.active, second.statuses, second.follow_up_on) == (True, [], None)


def test_after_a_second_exit_a_result_names_the_stay_it_belongs_to() -> None:
    case, p = reentered()
    case.record_exit(member_id=p, status=ExitStatus.NONE_OF_THESE,
                     occurred_on=date(2026, 6, 1), **BY)
    case.collect_events()

    case.record_leaving_status(member_id=p, status=ExitStatus.IN_EDUCATION_OR_TRAINING,
                               occurred_on=date(2026, 6, 10), **BY)  # default: the latest
    case.record_leaving_status(member_id=p, status=ExitStatus.EMPLOYED,
                               occurred_on=date(2026, 4, 29), exit_on=date(2026, 4, 1), **BY)
    # the first exit's 28 days are over: a status dated within them is still accepted,
    # one dated after them is not, whichever stay is the latest
    refused(case, "status_after_window", "occurred_on", call=case.record_leaving_status,
            member_id=p, status=ExitStatus.EMPLOYED, occurred_on=date(2026, 6, 10),
            exit_on=date(2026, 4, 1))

    first, second = case.state.participations[p]
    assert first.statuses[1:] == [(date(2026, 4, 29), ExitStatus.EMPLOYED)]
    assert second.statuses[1:] == [(date(2026, 6, 10), ExitStatus.IN_EDUCATION_OR_TRAINING)]


def test_an_exit_the_member_does_not_have_is_not_found() -> None:
    case, p = reentered()

    err = refused(case, "unknown_exit", "exit_on", call=case.record_follow_up, member_id=p,
                  status=FollowUpStatus.EMPLOYED, better_situation=None,
                  occurred_on=date(2026, 12, 1), exit_on=date(2026, 5, 1))

    assert isinstance(err, NotFound)
    assert "2026-04-01" in err.message  # (the exits it has)


def test_a_result_of_version_1_belongs_to_the_latest_stay_as_it_did() -> None:
    case, p = reentered()
    case.record_exit(member_id=p, status=ExitStatus.NONE_OF_THESE,
                     occurred_on=date(2026, 6, 1), **BY)
    case.record_follow_up(member_id=p, status=FollowUpStatus.EMPLOYED, better_situation=None,
                          occurred_on=date(2026, 12, 1), **BY)
    (recorded,) = [e for e in case.collect_events() if isinstance(e, ev.FollowUpRecorded)]
    state = copy.deepcopy(case.state)
    state.participations[p][1].follow_up_on = None
    legacy = copy.copy(recorded)
    object.__setattr__(legacy, "exit_version", None)

    legacy.apply_to(state)

    assert state.participations[p][1].follow_up_on == date(2026, 12, 1)
    assert state.participations[p][0].follow_up_on is None


def test_a_corrected_exit_date_keeps_its_results_within_their_dates() -> None:
    case, p = left_on(date(2026, 4, 1))
    exit_version = case.version
    case.record_leaving_status(member_id=p, status=ExitStatus.EMPLOYED,
                               occurred_on=date(2026, 4, 20), **BY)
    case.record_follow_up(member_id=p, status=FollowUpStatus.EMPLOYED, better_situation=None,
                          occurred_on=date(2026, 10, 5), **BY)
    correct = {"call": case.correct, "corrected_version": exit_version, "reason": "typo"}

    for day in ("2026-04-21", "2026-03-22", "2026-04-06"):  # status before it, > 28 days
        refused(case, "results_outside_window", "changes",  # after it, follow-up too early
                changes=[FieldChange("occurred_on", day)], occurred_on=date(2026, 10, 6),
                **correct)
    case.correct(corrected_version=exit_version, reason="typo", occurred_on=date(2026, 10, 6),
                 changes=[FieldChange("occurred_on", "2026-04-05")], **BY)

    assert case.state.participations[p][0].left_on == date(2026, 4, 5)
