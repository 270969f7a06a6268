"""Reading social-space offers: ``GET /offers`` (with their next and last session) and
``GET /offers/{offer_id}`` (with every session). Case managers, coordinators, auditors
and reporting users of the offer's project read them; another project's offer answers
404 as if it did not exist. Places and partners are named from the project's directory.
A session's named attendees are listed only to whom may see their family (a case
manager: their own families; reporting users: never); the others see how many there
were."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ActorDep, Services, ServicesDep
from api.family_reads import visible_families
from api.problems import ERROR_RESPONSES
from application import offers, policy
from application.directory import Actor
from application.views import CaseView
from domain.directory import ProjectRecord
from domain.offer_values import Attendance, Attendee, SessionRecord
from domain.offers import Offer
from domain.rules import today_in_programme

router = APIRouter(tags=["offers"], responses=ERROR_RESPONSES)
A = policy.Action


class PlaceOut(BaseModel):
    place_id: UUID
    name: str
    kind: str
    district: str | None


class PartnerOut(BaseModel):
    partner_id: UUID
    name: str
    institution_type: str


class AttendeeOut(BaseModel):
    family_id: UUID
    member_id: UUID
    case_number: str


class ScheduleOut(BaseModel):
    recurrence: str
    weekdays: list[str]
    start_time: time
    duration_minutes: int


class AttendanceOut(BaseModel):
    counts: dict[str, dict[str, int]]
    first_time: int
    total: int


class SessionOut(BaseModel):
    session_id: UUID
    status: str  # held or cancelled
    occurred_on: date
    recorded_at: datetime
    start_time: time | None
    duration_minutes: int | None
    staff_present: list[str]
    place: PlaceOut | None
    topics: list[str]
    attendance: AttendanceOut | None
    partners: list[PartnerOut]
    outcomes: list[str]
    attendees: list[AttendeeOut]
    """Those whose family you may see."""
    attendees_named: int
    """Every named attendee, seen or not."""
    reason: str | None
    corrections: int


class OfferOut(BaseModel):
    offer_id: UUID
    version: int
    project: str
    offer_type: str
    title: str
    place: PlaceOut
    partners: list[PartnerOut]
    target_group: str | None
    schedule: ScheduleOut
    starts_on: date
    ends_on: date | None
    ended_on: date | None
    planned_sessions: int | None
    sessions_held: int
    sessions_cancelled: int
    last_session_on: date | None
    next_session_on: date | None


class OfferDetail(OfferOut):
    sessions: list[SessionOut]


class OfferList(BaseModel):
    items: list[OfferOut]


def _attendance(a: Attendance | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"counts": {g.value: {b.value: n for b, n in bands.items()}
                       for g, bands in a.counts.items()},
            "first_time": a.first_time, "total": a.total}


def next_session(offer: Offer, today: date) -> date | None:
    """The next day on the offer's schedule from today on that is not recorded yet."""
    if offer.ended_on is not None:
        return None
    last = offer.ends_on
    day = max(today, offer.starts_on)
    recorded = {s.on for s in offer.sessions.values()}
    if offer.schedule.recurrence.value == "one_off":
        return offer.starts_on if offer.starts_on >= today and day not in recorded else None
    weekdays = [list(type(w)).index(w) for w in offer.schedule.weekdays]
    for step in range(7 * 53):
        candidate = date.fromordinal(day.toordinal() + step)
        if last is not None and candidate > last:
            return None
        if candidate.weekday() in weekdays and candidate not in recorded:
            return candidate
    return None


def place_out(project: ProjectRecord, place_id: UUID) -> dict[str, Any]:
    p = project.places[place_id]
    return {"place_id": place_id, "name": p.name, "kind": p.kind.value,
            "district": p.district}


def partners_out(project: ProjectRecord, partner_ids: tuple[UUID, ...]) -> list[Any]:
    found = (project.partners[i] for i in partner_ids)
    return [{"partner_id": p.partner_id, "name": p.name,
             "institution_type": p.institution_type.value} for p in found]


def offer_out(offer: Offer, project: ProjectRecord, today: date) -> dict[str, Any]:
    sessions = list(offer.sessions.values())
    s = offer.schedule
    return {
        "offer_id": offer.id, "version": offer.version, "project": offer.project,
        "offer_type": offer.offer_type.value, "title": offer.title,
        "place": place_out(project, offer.place_id),
        "partners": partners_out(project, offer.partner_ids),
        "target_group": offer.target_group,
        "schedule": {"recurrence": s.recurrence.value, "weekdays": [w.value for w in s.weekdays],
                     "start_time": s.start_time, "duration_minutes": s.duration_minutes},
        "starts_on": offer.starts_on, "ends_on": offer.ends_on, "ended_on": offer.ended_on,
        "planned_sessions": offer.planned_sessions,
        "sessions_held": sum(1 for x in sessions if x.held),
        "sessions_cancelled": sum(1 for x in sessions if not x.held),
        "last_session_on": max((x.on for x in sessions if x.held), default=None),
        "next_session_on": next_session(offer, today)}


Seen = dict[UUID, CaseView | None]
"""Families named in sessions: their case if the reader may see it, else None."""


def seen_families(svc: Services, actor: Actor, sessions: list[SessionRecord],
                  endpoint: str) -> Seen:
    """Which families named in ``sessions`` ``actor`` may see (``api.family_reads``)."""
    return visible_families(svc, actor, sorted({a.family_id for s in sessions
                                                for a in s.attendees}), endpoint)


def _attendees(attendees: tuple[Attendee, ...], seen: Seen) -> list[dict[str, Any]]:
    shown = []
    for a in attendees:
        case = seen.get(a.family_id)
        if case is not None:
            shown.append({"family_id": a.family_id, "member_id": a.member_id,
                          "case_number": case.state.case_number})
    return shown


def session_out(record: SessionRecord, recorded_at: datetime, project: ProjectRecord,
                seen: Seen) -> dict[str, Any]:
    return {"session_id": record.session_id, "status": "held" if record.held else "cancelled",
            "occurred_on": record.on, "recorded_at": recorded_at,
            "start_time": record.start_time, "duration_minutes": record.duration_minutes,
            "staff_present": list(record.staff_present),
            "place": None if record.place_id is None else place_out(project, record.place_id),
            "topics": [t.value for t in record.topics],
            "attendance": _attendance(record.attendance),
            "partners": partners_out(project, record.partner_ids),
            "outcomes": [o.value for o in record.outcomes],
            "attendees": _attendees(record.attendees, seen),
            "attendees_named": len(record.attendees),
            "reason": None if record.reason is None else record.reason.value,
            "corrections": record.corrections}


def _projects(actor: Actor, project: str | None) -> set[str]:
    if project is not None:
        policy.check_project(actor, A.READ_OFFERS, project)
        return {project}
    allowed = policy.projects_for(actor, A.READ_OFFERS)
    if not allowed:
        raise policy.forbidden(next(iter(actor.roles.values())), A.READ_OFFERS)
    return set(allowed)


@router.get("/offers", response_model=OfferList,
            summary="The social-space offers of your projects, with next and last session")
def list_offers(svc: ServicesDep, actor: ActorDep,
                project: Annotated[str | None, Query(max_length=10)] = None) -> OfferList:
    """Offers oldest first; without ``project``, those of every project you may read."""
    today = today_in_programme()
    found = [offers.load(svc.cases, i) for i in offers.offer_ids(svc.cases,
                                                                 _projects(actor, project))]
    return OfferList.model_validate({"items": [
        offer_out(o, svc.directory.project(o.project), today) for o in found]})


@router.get("/offers/{offer_id}", response_model=OfferDetail,
            summary="An offer with its sessions (headcounts, recording times, corrections)")
def get_offer(svc: ServicesDep, actor: ActorDep, offer_id: UUID) -> JSONResponse:
    """Sessions by date; each names when it was recorded (the second timeline) and how
    often it was corrected. The ``ETag`` is the offer's version (for ``If-Match``)."""
    offer = offers.load(svc.cases, offer_id)
    policy.check_offer(actor, A.READ_OFFERS, offer.project)
    when = offers.recorded_at(svc.cases, offer_id)
    project = svc.directory.project(offer.project)
    sessions = sorted(offer.sessions.values(), key=lambda x: (x.on, x.start_time or time.min))
    seen = seen_families(svc, actor, sessions, "GET /offers/{id}")
    body = OfferDetail.model_validate({
        **offer_out(offer, project, today_in_programme()),
        "sessions": [session_out(s, when[s.recorded_version], project, seen)
                     for s in sessions]})
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": f'"{offer.version}"'})
