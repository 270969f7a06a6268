"""A social-space offer (issue 15): an office hour, café, course, … with its sessions.

No family is involved: attendance is an anonymous headcount. Like a case, every event
carries ``occurred_on`` (for a session: the session's date) and ``recorded_by``; the
store adds when it was recorded, so a session entered a week late shows both dates, and
a correction is an event of its own with a reason (``SessionCorrected``), never a rewrite.
The public methods decide; the events' ``apply`` only assigns state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import rules
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.offer_corrections import corrected, parse_session_change
from domain.offer_values import (
    MAX_ATTENDEES,
    MAX_PARTNERS,
    MAX_PLANNED,
    MAX_STAFF,
    AgeBand,
    Attendance,
    Attendee,
    CancelReason,
    CorrectionReason,
    HeadcountGender,
    NetworkOutcome,
    OfferType,
    Recurrence,
    Schedule,
    SessionRecord,
    attendance,
)
from domain.values import Topic


class OfferEvent(Aggregate.Event):
    occurred_on: date
    recorded_by: str

    personal: ClassVar[tuple[str, ...]] = ()

    def apply(self, aggregate: Any) -> None:
        offer: Offer = aggregate
        self.apply_to(offer)

    def apply_to(self, offer: Offer) -> None:
        """Assign this event's facts to the offer."""


class OfferCreated(OfferEvent, Aggregate.Created):
    project: str
    offer_type: OfferType
    title: str
    place_id: UUID
    """A place of the project's directory (``domain.places``)."""
    partner_ids: tuple[UUID, ...]
    """Partner institutions of the project's directory running it with the team."""
    target_group: str | None
    schedule: Schedule
    starts_on: date
    ends_on: date | None
    planned_sessions: int | None

    def apply_to(self, offer: Offer) -> None:
        offer.project, offer.offer_type, offer.title = self.project, self.offer_type, self.title
        offer.place_id, offer.partner_ids, offer.target_group = (
            self.place_id, self.partner_ids, self.target_group)
        offer.schedule, offer.starts_on, offer.ends_on = (self.schedule, self.starts_on,
                                                          self.ends_on)
        offer.planned_sessions, offer.ended_on = self.planned_sessions, None
        offer.sessions = {}


class OfferChanged(OfferEvent):
    """What changed from ``occurred_on``; ``None`` leaves a detail as it was."""

    title: str | None
    place_id: UUID | None
    partner_ids: tuple[UUID, ...] | None
    target_group: str | None
    schedule: Schedule | None
    ends_on: date | None
    planned_sessions: int | None

    def apply_to(self, offer: Offer) -> None:
        for name in ("title", "place_id", "partner_ids", "target_group", "schedule",
                     "ends_on", "planned_sessions"):
            value = getattr(self, name)
            if value is not None:
                setattr(offer, name, value)


class OfferEnded(OfferEvent):
    """The offer ran for the last time on ``occurred_on``."""

    def apply_to(self, offer: Offer) -> None:
        offer.ended_on = self.occurred_on


class SessionHeld(OfferEvent):
    """A session held on ``occurred_on``: anonymous headcounts, and optionally the
    members of the project's families who came (``attendees``, counted in the headcount
    too), the partners present and, for a network meeting, what it agreed."""

    session_id: UUID
    start_time: time
    duration_minutes: int
    staff_present: tuple[str, ...]
    place_id: UUID
    topics: tuple[Topic, ...]
    attendance: Attendance
    partner_ids: tuple[UUID, ...]
    outcomes: tuple[NetworkOutcome, ...]
    attendees: tuple[Attendee, ...]

    def apply_to(self, offer: Offer) -> None:
        offer.sessions[self.session_id] = SessionRecord(
            self.session_id, True, self.occurred_on, self.start_time, self.duration_minutes,
            self.staff_present, self.place_id, self.topics, self.attendance,
            partner_ids=self.partner_ids, outcomes=self.outcomes, attendees=self.attendees,
            recorded_version=self.originator_version)


class SessionCancelled(OfferEvent):
    session_id: UUID
    reason: CancelReason

    def apply_to(self, offer: Offer) -> None:
        offer.sessions[self.session_id] = SessionRecord(
            self.session_id, False, self.occurred_on, reason=self.reason,
            recorded_version=self.originator_version)


class SessionCorrected(OfferEvent):
    """A correction of one fact of a recorded session (``value`` as canonical JSON
    text), with the reason's code; the session's own event stays as it was."""

    session_id: UUID
    field: str
    value: str
    reason: CorrectionReason

    def apply_to(self, offer: Offer) -> None:
        record = offer.sessions[self.session_id]
        offer.sessions[self.session_id] = replace(
            corrected(record, self.field, self.value), corrections=record.corrections + 1)


class Offer(Aggregate):
    """One offer of a project and its sessions."""

    if TYPE_CHECKING:  # (state, assigned by the events)
        project: str
        offer_type: OfferType
        title: str
        place_id: UUID
        partner_ids: tuple[UUID, ...]
        target_group: str | None
        schedule: Schedule
        starts_on: date
        ends_on: date | None
        ended_on: date | None
        planned_sessions: int | None
        sessions: dict[UUID, SessionRecord]

    def __init__(self) -> None:
        """State is assigned by ``OfferCreated.apply``."""

    @classmethod
    def create(cls, *, offer_id: UUID, project: str, offer_type: OfferType, title: str,
               place_id: UUID, partner_ids: Sequence[UUID], target_group: str | None,
               schedule: Schedule, starts_on: date, ends_on: date | None,
               planned_sessions: int | None, occurred_on: date, recorded_by: str,
               today: date | None = None) -> Offer:
        rules.project_code(project)
        rules.not_in_future(occurred_on, today or rules.today_in_programme(), "occurred_on")
        if ends_on is not None and ends_on < starts_on:
            raise InvalidInput("end_before_start", "an offer cannot end before it starts",
                               field="ends_on")
        offer: Offer = cls._create(
            OfferCreated, id=offer_id, occurred_on=occurred_on, recorded_by=recorded_by,
            project=project, offer_type=offer_type, title=rules.text(title, "title"),
            place_id=place_id, partner_ids=checked_partners(partner_ids),
            target_group=rules.optional_text(target_group, "target_group",
                                             max_len=rules.NAME_MAX),
            schedule=checked_schedule(schedule), starts_on=starts_on, ends_on=ends_on,
            planned_sessions=checked_planned(planned_sessions))
        return offer

    def change(self, *, title: str | None = None, place_id: UUID | None = None,
               partner_ids: Sequence[UUID] | None = None, target_group: str | None = None,
               schedule: Schedule | None = None, ends_on: date | None = None,
               planned_sessions: int | None = None, occurred_on: date,
               recorded_by: str, today: date | None = None) -> None:
        self._check_running(occurred_on, today)
        if ends_on is not None and ends_on < self.starts_on:
            raise InvalidInput("end_before_start", "an offer cannot end before it starts",
                               field="ends_on")
        values = dict(
            title=None if title is None else rules.text(title, "title"),
            place_id=place_id,
            partner_ids=None if partner_ids is None else checked_partners(partner_ids),
            target_group=None if target_group is None else rules.text(target_group,
                                                                      "target_group"),
            schedule=None if schedule is None else checked_schedule(schedule),
            ends_on=ends_on, planned_sessions=checked_planned(planned_sessions))
        if all(v is None for v in values.values()):
            raise InvalidInput("nothing_changed", "a change names at least one detail")
        self.trigger_event(OfferChanged, occurred_on=occurred_on, recorded_by=recorded_by,
                           **values)

    def end(self, *, occurred_on: date, recorded_by: str, today: date | None = None) -> None:
        self._check_running(occurred_on, today)
        if occurred_on < self.starts_on:
            raise InvalidInput("end_before_start", "an offer cannot end before it starts",
                               field="occurred_on")
        last = max((s.on for s in self.sessions.values()), default=None)
        if last is not None and occurred_on < last:
            raise RuleViolation("sessions_after_end", "sessions were recorded after that "
                                "day", field="occurred_on")
        self.trigger_event(OfferEnded, occurred_on=occurred_on, recorded_by=recorded_by)

    def hold_session(self, *, session_id: UUID, start_time: time | None,
                     duration_minutes: int | None, staff_present: Sequence[str],
                     place_id: UUID | None, topics: Sequence[Topic],
                     counts: Mapping[HeadcountGender, Mapping[AgeBand, int]],
                     first_time: int, occurred_on: date, recorded_by: str,
                     partner_ids: Sequence[UUID] | None = None,
                     outcomes: Sequence[NetworkOutcome] = (),
                     attendees: Sequence[Attendee] = (),
                     today: date | None = None) -> None:
        """Time, duration, place and partners default to the offer's."""
        self._check_session(session_id, occurred_on, today)
        minutes = self.schedule.duration_minutes if duration_minutes is None \
            else checked_minutes(duration_minutes, "duration_minutes")
        counted = attendance(counts, first_time)
        partners = self.partner_ids if partner_ids is None else checked_partners(partner_ids)
        self.trigger_event(
            SessionHeld, occurred_on=occurred_on, recorded_by=recorded_by,
            session_id=session_id, start_time=start_time or self.schedule.start_time,
            duration_minutes=minutes, staff_present=checked_staff(staff_present),
            place_id=self.place_id if place_id is None else place_id,
            topics=tuple(dict.fromkeys(topics)), attendance=counted,
            partner_ids=partners,
            outcomes=checked_outcomes(self.offer_type, partners, outcomes),
            attendees=checked_attendees(attendees, counted))

    def cancel_session(self, *, session_id: UUID, reason: CancelReason, occurred_on: date,
                       recorded_by: str, today: date | None = None) -> None:
        self._check_session(session_id, occurred_on, today, future_ok=True)
        self.trigger_event(SessionCancelled, occurred_on=occurred_on,
                           recorded_by=recorded_by, session_id=session_id, reason=reason)

    def correct_session(self, *, session_id: UUID, field: str, value: Any,
                        reason: CorrectionReason,
                        occurred_on: date, recorded_by: str, today: date | None = None) -> None:
        """Correct one fact of a recorded session, with a reason (as ``EntryCorrected``
        does for a case: the session's event itself is never rewritten)."""
        rules.not_in_future(occurred_on, self._today(today), "occurred_on")
        record = self.sessions.get(session_id)
        if record is None:
            raise NotFound("unknown_session", "the offer has no such session",
                           field="session_id", session_id=session_id)
        text = parse_session_change(record, field, value)
        trial = corrected(record, field, text)
        if trial == record:
            raise InvalidInput("nothing_changed", "the value is the one recorded",
                               field="value")
        self._check_date(trial.on, today, future_ok=not trial.held, field="value")
        if trial.held and trial.attendance is not None:
            try:
                checked_outcomes(self.offer_type, trial.partner_ids, trial.outcomes)
                checked_attendees(trial.attendees, trial.attendance)
            except InvalidInput as e:
                raise InvalidInput(e.rule, e.message, field="value") from None
        self.trigger_event(SessionCorrected, occurred_on=occurred_on,
                           recorded_by=recorded_by, session_id=session_id, field=field,
                           value=text, reason=CorrectionReason(reason))

    # ----- guards ------------------------------------------------------------------

    def _today(self, today: date | None) -> date:
        return today or rules.today_in_programme()

    def _check_running(self, occurred_on: date, today: date | None) -> None:
        rules.not_in_future(occurred_on, self._today(today), "occurred_on")
        if self.ended_on is not None:
            raise RuleViolation("offer_ended", f"the offer ended on {self.ended_on}",
                                offer_id=self.id)

    def _check_session(self, session_id: UUID, on: date, today: date | None, *,
                       future_ok: bool = False) -> None:
        if session_id in self.sessions:
            raise RuleViolation("duplicate_session", "this session is recorded already",
                                session_id=session_id)
        self._check_date(on, today, future_ok=future_ok, field="occurred_on")

    def _check_date(self, on: date, today: date | None, *, future_ok: bool,
                    field: str) -> None:
        if not future_ok:
            rules.not_in_future(on, self._today(today), field)
        if on < self.starts_on:
            raise InvalidInput("session_before_offer_start", f"the offer starts on "
                               f"{self.starts_on}", field=field)
        last = self.ended_on or self.ends_on
        if last is not None and on > last:
            raise InvalidInput("session_after_offer_end", f"the offer ends on {last}",
                               field=field)


def checked_partners(partner_ids: Sequence[UUID]) -> tuple[UUID, ...]:
    if len(partner_ids) > MAX_PARTNERS:
        raise InvalidInput("too_many_partners", f"at most {MAX_PARTNERS} partners",
                           field="partner_ids")
    return tuple(dict.fromkeys(partner_ids))


def checked_outcomes(offer_type: OfferType, partner_ids: Sequence[UUID],
                     outcomes: Sequence[NetworkOutcome]) -> tuple[NetworkOutcome, ...]:
    """A network meeting names the partners who met; only it records outcomes."""
    if offer_type is OfferType.NETWORK_MEETING:
        if not partner_ids:
            raise InvalidInput("partners_missing", "a network meeting names the partners "
                               "who took part", field="partner_ids")
    elif outcomes:
        raise InvalidInput("outcomes_only_for_network_meetings", "outcomes are recorded "
                           "for network meetings only", field="outcomes")
    return tuple(dict.fromkeys(outcomes))


def checked_attendees(attendees: Sequence[Attendee],
                      counted: Attendance) -> tuple[Attendee, ...]:
    """Named attendees, each once, within the headcount (they are counted in it)."""
    named = tuple(sorted(dict.fromkeys(attendees)))
    if len(named) > MAX_ATTENDEES:
        raise InvalidInput("too_many_attendees", f"at most {MAX_ATTENDEES} named "
                           "attendees", field="attendees")
    if len(named) > counted.total:
        raise InvalidInput("attendees_above_total", "named attendees are counted in the "
                           "headcount: it holds fewer people", field="attendees")
    return named


def checked_staff(staff: Sequence[str]) -> tuple[str, ...]:
    if not staff:
        raise InvalidInput("staff_missing", "name who held the session",
                           field="staff_present")
    if len(staff) > MAX_STAFF:
        raise InvalidInput("too_many_staff", f"at most {MAX_STAFF} staff",
                           field="staff_present")
    return tuple(dict.fromkeys(rules.text(s, "staff_present", max_len=100) for s in staff))


def checked_minutes(minutes: int, field: str) -> int:
    if not 1 <= minutes <= 1440:
        raise InvalidInput("duration_out_of_range", "a session lasts 1 to 1440 minutes",
                           field=field)
    return minutes


def checked_schedule(schedule: Schedule) -> Schedule:
    checked_minutes(schedule.duration_minutes, "schedule.duration_minutes")
    if schedule.recurrence is Recurrence.WEEKLY and not schedule.weekdays:
        raise InvalidInput("weekdays_missing", "a weekly offer names its weekdays",
                           field="schedule.weekdays")
    if schedule.recurrence is Recurrence.ONE_OFF and schedule.weekdays:
        raise InvalidInput("weekdays_on_one_off", "a one-off offer has no weekdays",
                           field="schedule.weekdays")
    return replace(schedule, weekdays=tuple(dict.fromkeys(schedule.weekdays)))


def checked_planned(planned: int | None) -> int | None:
    if planned is not None and not 1 <= planned <= MAX_PLANNED:
        raise InvalidInput("planned_out_of_range", f"1 to {MAX_PLANNED} planned sessions",
                           field="planned_sessions")
    return planned


__all__ = ["Attendance", "Attendee", "Offer", "OfferChanged", "OfferCreated", "OfferEnded",
           "SessionCancelled", "SessionCorrected", "SessionHeld"]
