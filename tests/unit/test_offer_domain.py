"""Domain: the rules of an offer, its sessions, headcounts and corrections. A refused
command leaves the offer as it was (no pending event, the same version and sessions)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, time
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import DomainError
from domain.offer_values import (
    AgeBand,
    Attendee,
    CancelReason,
    CorrectionReason,
    HeadcountGender,
    NetworkOutcome,
    OfferType,
    Recurrence,
    Schedule,
    Weekday,
)
from domain.offers import Offer, SessionCorrected, SessionHeld

pytestmark = pytest.mark.store_independent

TODAY = date(2026, 12, 1)
W, M, NB = HeadcountGender.WOMEN, HeadcountGender.MEN, HeadcountGender.NON_BINARY
ADULT, CHILD = AgeBand.AGE_27_54, AgeBand.AGE_0_5
OFFICE, KITA, JOBCENTER = uuid4(), uuid4(), uuid4()


def cafe(**overrides: Any) -> Offer:
    values: dict[str, Any] = dict(
        offer_id=uuid4(), project="KR", offer_type=OfferType.CAFE, title="Frauencafé",
        place_id=OFFICE, partner_ids=[JOBCENTER, JOBCENTER],
        target_group="Frauen", schedule=Schedule(Recurrence.WEEKLY, time(10), 120,
                                                 (Weekday.WEDNESDAY,)),
        starts_on=date(2026, 9, 2), ends_on=date(2026, 12, 16), planned_sessions=15,
        occurred_on=date(2026, 8, 20), recorded_by="st-a")
    values.update(overrides)
    return Offer.create(**values)


def hold(offer: Offer, on: date = date(2026, 9, 9), counts: Any = None,
         first_time: int = 0, **overrides: Any) -> UUID:
    session_id = uuid4()
    values: dict[str, Any] = dict(
        session_id=session_id, start_time=None, duration_minutes=None,
        staff_present=["st-a"], place_id=None, topics=[], counts=counts or {W: {ADULT: 12}},
        first_time=first_time, occurred_on=on, recorded_by="st-a", today=TODAY)
    values.update(overrides)
    offer.hold_session(**values)
    return session_id


def refused(offer: Offer, act: Callable[[Offer], object], rule: str,
            field: str | None = None) -> None:
    before = copy.deepcopy(offer.sessions), offer.version, len(offer.pending_events)
    with pytest.raises(DomainError) as e:
        act(offer)
    assert e.value.rule == rule
    if field is not None:
        assert e.value.field == field
    assert (offer.sessions, offer.version, len(offer.pending_events)) == before


def test_a_session_takes_the_offers_time_duration_and_place_unless_given() -> None:
    offer = cafe()
    assert offer.partner_ids == (JOBCENTER,)
    s = offer.sessions[hold(offer, counts={W: {ADULT: 9}, NB: {CHILD: 3}}, first_time=2)]
    assert (s.start_time, s.duration_minutes, s.place_id) == (time(10), 120, OFFICE)
    assert (s.partner_ids, s.outcomes, s.attendees) == ((JOBCENTER,), (), ())
    assert s.attendance is not None
    assert s.attendance.total == 12
    assert isinstance(offer.pending_events[-1], SessionHeld)
    other = offer.sessions[hold(offer, date(2026, 9, 16), start_time=time(9),
                                duration_minutes=45, place_id=KITA, partner_ids=[])]
    assert (other.start_time, other.duration_minutes, other.place_id, other.partner_ids) == (
        time(9), 45, KITA, ())


def test_named_attendees_are_counted_in_the_headcount_each_once() -> None:
    offer = cafe()
    mother, child = Attendee(uuid4(), uuid4()), Attendee(uuid4(), uuid4())
    s = offer.sessions[hold(offer, counts={W: {ADULT: 2}},
                            attendees=[child, mother, child])]
    assert s.attendees == tuple(sorted((mother, child)))
    refused(offer, lambda o: hold(o, date(2026, 9, 16), counts={W: {ADULT: 1}},
                                  attendees=[mother, child]),
            "attendees_above_total", "attendees")


def test_only_a_network_meeting_records_outcomes_and_it_names_its_partners() -> None:
    refused(cafe(), lambda o: hold(o, outcomes=[NetworkOutcome.COOPERATION_AGREED]),
            "outcomes_only_for_network_meetings", "outcomes")
    meeting = cafe(offer_type=OfferType.NETWORK_MEETING, partner_ids=[])
    refused(meeting, lambda o: hold(o), "partners_missing", "partner_ids")
    s = meeting.sessions[hold(meeting, partner_ids=[JOBCENTER, KITA], outcomes=[
        NetworkOutcome.REFERRAL_PATH_AGREED, NetworkOutcome.REFERRAL_PATH_AGREED])]
    assert (s.partner_ids, s.outcomes) == ((JOBCENTER, KITA),
                                           (NetworkOutcome.REFERRAL_PATH_AGREED,))


@pytest.mark.parametrize(("counts", "first_time", "rule", "field"), [
    ({W: {ADULT: -1}}, 0, "count_negative", "attendance.counts.women.27_54"),
    ({M: {CHILD: 501}}, 0, "count_too_large", "attendance.counts.men.0_5"),
    ({W: {b: 450 for b in AgeBand}}, 0, "count_too_large", "attendance.counts"),
    ({W: {ADULT: 2}}, 3, "first_time_above_total", "attendance.first_time"),
    ({W: {ADULT: 2}}, -1, "count_negative", "attendance.first_time"),
])
def test_headcounts_are_whole_non_negative_bounded_and_first_timers_within_the_total(
        counts: Any, first_time: int, rule: str, field: str) -> None:
    refused(cafe(), lambda o: hold(o, counts=counts, first_time=first_time), rule, field)


def test_a_session_lies_within_the_offer_and_not_in_the_future() -> None:
    offer = cafe()
    refused(offer, lambda o: hold(o, date(2026, 9, 1)), "session_before_offer_start")
    refused(cafe(ends_on=date(2026, 10, 28)), lambda o: hold(o, date(2026, 11, 4)),
            "session_after_offer_end")
    refused(cafe(ends_on=None), lambda o: hold(o, date(2026, 12, 2)), "date_in_future")
    refused(offer, lambda o: hold(o, staff_present=[]), "staff_missing")
    refused(offer, lambda o: hold(o, duration_minutes=0), "duration_out_of_range")
    session_id = hold(offer)
    refused(offer, lambda o: hold(o, session_id=session_id), "duplicate_session")


def test_a_cancelled_session_may_be_announced_ahead_but_not_outside_the_offer() -> None:
    offer = cafe()
    sid = uuid4()
    offer.cancel_session(session_id=sid, reason=CancelReason.HOLIDAY,
                         occurred_on=date(2026, 12, 9), recorded_by="st-a", today=TODAY)
    assert not offer.sessions[sid].held
    assert offer.sessions[sid].attendance is None
    refused(offer, lambda o: o.cancel_session(
        session_id=uuid4(), reason=CancelReason.OTHER, occurred_on=date(2026, 8, 26),
        recorded_by="st-a", today=TODAY), "session_before_offer_start")


def test_an_offer_is_consistent_when_created_and_changed() -> None:
    with pytest.raises(DomainError, match="end_before_start"):
        cafe(ends_on=date(2026, 9, 1))
    with pytest.raises(DomainError, match="weekdays_missing"):
        cafe(schedule=Schedule(Recurrence.WEEKLY, time(10), 60))
    with pytest.raises(DomainError, match="weekdays_on_one_off"):
        cafe(schedule=Schedule(Recurrence.ONE_OFF, time(10), 60, (Weekday.MONDAY,)))
    with pytest.raises(DomainError, match="date_in_future"):
        cafe(occurred_on=date(2026, 12, 2), today=TODAY)
    with pytest.raises(DomainError, match="planned_out_of_range"):
        cafe(planned_sessions=0)
    with pytest.raises(DomainError, match="blank"):
        cafe(title="  ")
    offer = cafe()
    refused(offer, lambda o: o.change(occurred_on=date(2026, 10, 1), recorded_by="st-a",
                                      today=TODAY), "nothing_changed")
    offer.change(title="Café", planned_sessions=12, occurred_on=date(2026, 10, 1),
                 recorded_by="st-a", today=TODAY)
    assert (offer.title, offer.planned_sessions, offer.target_group) == ("Café", 12, "Frauen")


def test_an_ended_offer_takes_late_sessions_up_to_its_end_but_no_changes() -> None:
    offer = cafe()
    hold(offer, date(2026, 10, 7))
    refused(offer, lambda o: o.end(occurred_on=date(2026, 9, 30), recorded_by="st-a",
                                   today=TODAY), "sessions_after_end")
    offer.end(occurred_on=date(2026, 10, 28), recorded_by="st-a", today=TODAY)
    hold(offer, date(2026, 10, 21))  # recorded late, before the end: accepted
    refused(offer, lambda o: hold(o, date(2026, 11, 4)), "session_after_offer_end")
    refused(offer, lambda o: o.change(title="x", occurred_on=date(2026, 11, 1),
                                      recorded_by="st-a", today=TODAY), "offer_ended")


def correct(offer: Offer, session_id: UUID, field: str, value: Any,
            reason: CorrectionReason = CorrectionReason.TYPING_ERROR) -> None:
    offer.correct_session(session_id=session_id, field=field, value=value, reason=reason,
                          occurred_on=date(2026, 11, 2), recorded_by="st-b", today=TODAY)


def test_a_correction_changes_one_fact_with_a_reason_and_keeps_the_session_event() -> None:
    offer = cafe()
    sid = hold(offer, counts={W: {ADULT: 12}}, first_time=4)
    held = offer.pending_events[-1]
    correct(offer, sid, "attendance", {"counts": {"women": {"27_54": 11}}, "first_time": 3})
    correct(offer, sid, "occurred_on", "2026-09-10")
    correct(offer, sid, "topics", ["childcare", "childcare"])
    s = offer.sessions[sid]
    assert s.attendance is not None
    assert (s.attendance.total, s.attendance.first_time) == (11, 3)
    assert s.on == date(2026, 9, 10)
    assert [t.value for t in s.topics] == ["childcare"]
    assert s.corrections == 3
    assert isinstance(offer.pending_events[-1], SessionCorrected)
    assert held.attendance.total == 12  # type: ignore[attr-defined]


def test_a_correction_obeys_the_sessions_rules() -> None:
    offer = cafe()
    sid = hold(offer, counts={W: {ADULT: 12}}, first_time=4)
    refused(offer, lambda o: correct(o, uuid4(), "duration_minutes", 60), "unknown_session")
    refused(offer, lambda o: correct(o, sid, "title", "x"), "not_correctable", "field")
    refused(offer, lambda o: correct(o, sid, "duration_minutes", 0), "invalid_value")
    refused(offer, lambda o: correct(o, sid, "duration_minutes", 120), "nothing_changed")
    refused(offer, lambda o: correct(o, sid, "occurred_on", "2026-08-01"),
            "session_before_offer_start", "value")
    refused(offer, lambda o: correct(o, sid, "occurred_on", "2026-12-09"), "date_in_future")
    refused(offer, lambda o: correct(o, sid, "attendance", {"counts": {"women": {"27_54": 2}},
                                                            "first_time": 3}),
            "first_time_above_total", "value.first_time")
    cancelled = uuid4()
    offer.cancel_session(session_id=cancelled, reason=CancelReason.HOLIDAY,
                         occurred_on=date(2026, 9, 16), recorded_by="st-a", today=TODAY)
    refused(offer, lambda o: correct(o, cancelled, "attendance", {"counts": {}}),
            "not_correctable")
    correct(offer, cancelled, "reason", "staff_unavailable")
    assert offer.sessions[cancelled].reason is CancelReason.STAFF_UNAVAILABLE
