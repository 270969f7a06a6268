"""Social-space offers and their sessions (issue 15): commands on an offer, not a family.

Access is checked on the freshly loaded offer's project (another project's offer
answers 404), ``If-Match`` names the offer's version, and a keyed repeat answers with
the offer's id and version as the first request did.
"""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from application import offers, policy
from application.cases import CaseNotFound
from application.commands.base import Command, Route
from application.commands.fields import IsoDate, Name, NewId, Occurred, Project, StaffId
from domain.errors import InvalidInput
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
from domain.offers import Offer
from domain.places import active_partner, active_place
from domain.rules import today_in_programme
from domain.values import Topic

if TYPE_CHECKING:
    from application.directory import Actor, Directory
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    recurrence: Recurrence
    weekdays: list[Weekday] = Field(default_factory=list, max_length=7)
    start_time: time = Field(examples=["10:00"])
    duration_minutes: StrictInt

    def value(self) -> Schedule:
        return Schedule(self.recurrence, self.start_time, self.duration_minutes,
                        tuple(self.weekdays))


class AttendanceIn(BaseModel):
    """Anonymous headcounts: gender → age band → people (cells left out are 0)."""

    model_config = ConfigDict(extra="forbid")
    counts: dict[HeadcountGender, dict[AgeBand, StrictInt]] = Field(default_factory=dict)
    first_time: StrictInt = 0


class AttendeeIn(BaseModel):
    """A member of a family with a case in the offer's project."""

    model_config = ConfigDict(extra="forbid")
    family_id: UUID
    member_id: UUID


PartnerIds = list[UUID]


def check_directory(directory: Directory, project: str, place_id: UUID | None,
                    partner_ids: list[UUID] | None) -> None:
    """A named place and partners are active ones of the project's directory."""
    record = directory.project(project)
    if place_id is not None:
        active_place(record.places, place_id, project)
    for partner_id in partner_ids or ():
        active_partner(record.partners, partner_id, project)


def check_attendees(pipeline: Pipeline, project: str,
                    attendees: list[AttendeeIn]) -> tuple[Attendee, ...]:
    """Each named attendee is a member of a family of ``project``; a family of another
    project is refused as if it did not exist (its id tells the caller nothing)."""
    found: list[Attendee] = []
    for i, a in enumerate(attendees):
        spot = f"attendees.{i}"
        try:
            state = pipeline.cases.get_case(a.family_id).state
        except CaseNotFound:
            state = None
        if state is None or state.project != project:
            raise InvalidInput("attendee_not_in_project", f"the family is not a family of "
                               f"{project}", field=f"{spot}.family_id", project=project)
        if a.member_id not in state.members:
            raise InvalidInput("unknown_member", "the family has no such member",
                               field=f"{spot}.member_id")
        found.append(Attendee(a.family_id, a.member_id))
    return tuple(found)


class OfferWork(Command):
    """A command on one offer; the answer names the offer and its new version."""

    offer_id: UUID
    occurred_on: Occurred

    def on(self) -> date:
        return self.occurred_on if self.occurred_on is not None else today_in_programme()

    def facts(self) -> dict[str, Any]:
        return {"offer_id": str(self.offer_id)}

    def perform_offer(self, pipeline: Pipeline, actor: Actor,
                      expected_version: int | None) -> offers.Saved:
        def guard(offer: Offer) -> None:
            policy.check_offer(actor, self.action, offer.project)

        return offers.update(pipeline.cases, self.offer_id, expected_version, guard,
                             lambda offer: self.decide(offer, actor.staff_id, pipeline))

    def decide(self, offer: Offer, recorded_by: str, pipeline: Pipeline) -> None:
        raise NotImplementedError

    def replayed(self, receipt: Receipt) -> dict[str, Any]:
        return dict(receipt.facts)


class CreateOffer(OfferWork):
    """A new offer of the project: an office hour, café, course, … with its schedule."""

    route: ClassVar = Route("/offers", "Create a social-space offer", "OfferIn", status=201,
                            tag="offers")
    action: ClassVar = A.SOCIAL_SPACE
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "project": "KR", "offer_type": "cafe", "title": "Frauencafé",
        "place_id": "5f0c9a52-8d0e-4a51-9a43-0d3b8f6c2e11",
        "partner_ids": ["b1e7c0d4-2f3a-4c5b-8e6d-7a8b9c0d1e2f"],
        "target_group": "Frauen im Quartier",
        "schedule": {"recurrence": "weekly", "weekdays": ["wednesday"],
                     "start_time": "10:00", "duration_minutes": 120},
        "starts_on": "2026-09-02", "planned_sessions": 40, "occurred_on": "2026-08-20"}]})

    offer_id: NewId
    project: Project
    offer_type: OfferType
    title: Name
    place_id: UUID = Field(description="A place of the project's directory (active).")
    partner_ids: PartnerIds = Field(default_factory=list, max_length=20, description=(
        "Partner institutions of the project's directory (active) running it."))
    target_group: Name | None = None
    schedule: ScheduleIn
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    planned_sessions: StrictInt | None = None

    def authorize(self, actor: Actor, directory: Directory) -> Command:
        policy.check_project(actor, self.action, self.project)
        check_directory(directory, self.project, self.place_id, self.partner_ids)
        return self

    def perform_offer(self, pipeline: Pipeline, actor: Actor,
                      expected_version: int | None) -> offers.Saved:
        return offers.create(pipeline.cases, Offer.create(
            offer_id=self.offer_id, project=self.project, offer_type=self.offer_type,
            title=self.title, place_id=self.place_id, partner_ids=self.partner_ids,
            target_group=self.target_group, schedule=self.schedule.value(),
            starts_on=self.starts_on, ends_on=self.ends_on,
            planned_sessions=self.planned_sessions, occurred_on=self.on(),
            recorded_by=actor.staff_id))


class ChangeOffer(OfferWork):
    """Changes details of an offer from ``occurred_on``; details left out stay."""

    route: ClassVar = Route("/offers/{offer_id}/changes", "Change an offer's details",
                            "OfferChangeIn", tag="offers")
    action: ClassVar = A.SOCIAL_SPACE
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "title": "Frauencafé am Mittwoch", "planned_sessions": 36,
        "occurred_on": "2026-10-01"}]})

    title: Name | None = None
    place_id: UUID | None = None
    partner_ids: PartnerIds | None = Field(default=None, max_length=20)
    target_group: Name | None = None
    schedule: ScheduleIn | None = None
    ends_on: IsoDate | None = None
    planned_sessions: StrictInt | None = None

    def decide(self, offer: Offer, recorded_by: str, pipeline: Pipeline) -> None:
        check_directory(pipeline.directory, offer.project, self.place_id, self.partner_ids)
        offer.change(title=self.title, place_id=self.place_id,
                     partner_ids=self.partner_ids, target_group=self.target_group,
                     schedule=None if self.schedule is None else self.schedule.value(),
                     ends_on=self.ends_on, planned_sessions=self.planned_sessions,
                     occurred_on=self.on(), recorded_by=recorded_by)


class EndOffer(OfferWork):
    """The offer ran for the last time on ``occurred_on``."""

    route: ClassVar = Route("/offers/{offer_id}/end", "End an offer", "OfferEndIn",
                            tag="offers")
    action: ClassVar = A.SOCIAL_SPACE
    model_config = ConfigDict(json_schema_extra={"examples": [{"occurred_on": "2026-12-16"}]})

    def decide(self, offer: Offer, recorded_by: str, pipeline: Pipeline) -> None:
        offer.end(occurred_on=self.on(), recorded_by=recorded_by)


class RecordSession(OfferWork):
    """A session held on ``occurred_on`` (may be recorded later), with its headcounts
    and optionally the members of the project's families who came (counted in the
    headcount too). Time, duration, place and partners default to the offer's; a network
    meeting names the partners who met and may record what it agreed (``outcomes``)."""

    route: ClassVar = Route("/offers/{offer_id}/sessions", "Record a session held",
                            "SessionIn", tag="offers")
    action: ClassVar = A.SOCIAL_SPACE
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "staff_present": ["st-3f9a2c1b"], "topics": ["childcare"],
        "attendance": {"counts": {"women": {"27_54": 9, "18_26": 3}, "not_stated": {"0_5": 4}},
                       "first_time": 2}, "occurred_on": "2026-11-18"}]})

    session_id: NewId
    start_time: time | None = None
    duration_minutes: StrictInt | None = None
    staff_present: list[StaffId] = Field(min_length=1, max_length=20)
    place_id: UUID | None = None
    topics: list[Topic] = Field(default_factory=list, max_length=30)
    attendance: AttendanceIn
    partner_ids: PartnerIds | None = Field(default=None, max_length=20)
    outcomes: list[NetworkOutcome] = Field(default_factory=list, max_length=10)
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=200)

    def facts(self) -> dict[str, Any]:
        return {**super().facts(), "session_id": str(self.session_id)}

    def decide(self, offer: Offer, recorded_by: str, pipeline: Pipeline) -> None:
        check_directory(pipeline.directory, offer.project, self.place_id, self.partner_ids)
        offer.hold_session(session_id=self.session_id, start_time=self.start_time,
                           duration_minutes=self.duration_minutes,
                           staff_present=self.staff_present, place_id=self.place_id,
                           topics=self.topics, counts=self.attendance.counts,
                           first_time=self.attendance.first_time, occurred_on=self.on(),
                           recorded_by=recorded_by, partner_ids=self.partner_ids,
                           outcomes=self.outcomes,
                           attendees=check_attendees(pipeline, offer.project,
                                                     self.attendees))


class CancelSession(OfferWork):
    """A session of ``occurred_on`` that did not take place, with the reason's code."""

    route: ClassVar = Route("/offers/{offer_id}/cancellations", "Record a cancelled session",
                            "CancellationIn", tag="offers")
    action: ClassVar = A.SOCIAL_SPACE
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "holiday", "occurred_on": "2026-12-23"}]})

    session_id: NewId
    reason: CancelReason

    def facts(self) -> dict[str, Any]:
        return {**super().facts(), "session_id": str(self.session_id)}

    def decide(self, offer: Offer, recorded_by: str, pipeline: Pipeline) -> None:
        offer.cancel_session(session_id=self.session_id, reason=self.reason,
                             occurred_on=self.on(), recorded_by=recorded_by)


class CorrectSession(OfferWork):
    """Corrects one fact of a recorded session, with the reason's code (`miscounted`,
    `typing_error`, `wrong_date_or_time`, `added_later`, `other`); the session's event stays
    as it was. ``value`` is the field's new value as JSON (a date, time, number, list
    of staff ids, topics, partner ids or outcomes, a place id, the whole attendance, or
    the list of named attendees)."""

    route: ClassVar = Route("/offers/{offer_id}/sessions/{session_id}/corrections",
                            "Correct a recorded session", "SessionCorrectionIn",
                            tag="offers")
    action: ClassVar = A.SOCIAL_SPACE
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "field": "attendance", "value": {"counts": {"women": {"27_54": 8}}, "first_time": 1},
        "reason": "miscounted", "occurred_on": "2026-11-20"}]})

    session_id: UUID
    field: str = Field(min_length=1, max_length=50)
    value: dict[str, Any] | list[str] | list[AttendeeIn] | StrictInt | str
    reason: CorrectionReason

    def decide(self, offer: Offer, recorded_by: str, pipeline: Pipeline) -> None:
        self.check_value(offer, pipeline)
        value: Any = self.value
        if isinstance(value, list):
            value = [a.model_dump(mode="json") if isinstance(a, AttendeeIn) else a
                     for a in value]
        offer.correct_session(session_id=self.session_id, field=self.field, value=value,
                              reason=self.reason, occurred_on=self.on(),
                              recorded_by=recorded_by)

    def check_value(self, offer: Offer, pipeline: Pipeline) -> None:
        """A corrected place, partner or attendee list is checked as a new one is."""
        try:
            if self.field == "place_id" and isinstance(self.value, str):
                check_directory(pipeline.directory, offer.project, UUID(self.value), None)
            elif self.field == "partner_ids" and isinstance(self.value, list):
                check_directory(pipeline.directory, offer.project, None,
                                [UUID(str(p)) for p in self.value])
            elif self.field == "attendees" and isinstance(self.value, list):
                check_attendees(pipeline, offer.project, [
                    a if isinstance(a, AttendeeIn) else AttendeeIn.model_validate(a)
                    for a in self.value])
        except (ValueError, TypeError):
            raise InvalidInput("invalid_value", f"not a valid {self.field}",
                               field="value") from None
