"""Termin erfassen: a session of an offer recorded in under a minute, or Termin abgesagt.

The form comes prefilled: the date from the due session it was opened for (else today),
start and duration from the offer's schedule, the person among the staff present, the
offer's place. Headcounts are a grid of number fields, gender by age band, typed from
the keyboard (Tab goes along a row); empty cells count 0. The form builds the JSON API's
``RecordSession`` (or ``CancelSession``) and hands it to the pipeline with the form's
idempotency key: a double click records once; a broken rule (a negative count, a date
before the offer's start or in the future) is shown at its field, nothing is stored and
everything typed stays.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.web.pages import attendees
from api.web.pages.base import (
    PageRoute,
    Person,
    PersonDep,
    form_lists,
    form_of,
    redirect,
    render,
    services,
)
from api.web.pages.family_view import Form
from api.web.pages.form_state import refused_at, whole_number
from api.web.pages.offer_views import load_offer, time_text
from api.web.pages.project_choice import new_key
from api.web.staff_names import colleagues
from application import policy
from application.commands.offers import CancelSession, RecordSession
from application.refusals import Refusal
from domain.directory import Role
from domain.errors import DomainError
from domain.offer_values import (
    AgeBand,
    CancelReason,
    HeadcountGender,
    NetworkOutcome,
    OfferType,
)
from domain.offers import Offer
from domain.rules import today_in_programme
from domain.values import Topic

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RECORDERS = (Role.CASE_MANAGER, Role.COORDINATOR)
"""Who is offered among the staff present: those who hold sessions."""


def cell(gender: HeadcountGender, band: AgeBand) -> str:
    """The form field of one headcount cell."""
    return f"n_{gender.value}_{band.value}"


FIELDS = {"occurred_on": "occurred_on", "start_time": "start_time",
          "duration_minutes": "duration_minutes", "staff_present": "staff_present",
          "place": "place_id", "place_id": "place_id", "topics": "topics",
          "partner_ids": "partner_ids", "outcomes": "outcomes", "attendees": "attendees",
          "attendance": "counts", "attendance.counts": "counts",
          "attendance.first_time": "first_time", "reason": "reason", "session_id": "_",
          **{f"attendance.counts.{g.value}.{b.value}": cell(g, b)
             for g in HeadcountGender for b in AgeBand}}
"""The command's fields (dotted paths) → the form's."""


def _offer(request: Request, person: Person, offer_id: UUID) -> Offer:
    return load_offer(services(request), person, offer_id, policy.Action.SOCIAL_SPACE)


def _blank(offer: Offer, person: Person, on: date) -> tuple[Form, Form]:
    s = offer.schedule
    held = Form("session", {"occurred_on": on.isoformat(), "start_time": f"{s.start_time:%H:%M}",
                            "duration_minutes": str(s.duration_minutes),
                            "place_id": str(offer.place_id)},
                {"staff_present": [person.actor.staff_id],
                 "partner_ids": [str(p) for p in offer.partner_ids]}, posted=True)
    return held, Form("cancel", {"occurred_on": on.isoformat()}, posted=True)


ENDPOINT = "GET /angebote/{offer_id}/termin"
"""How the read log names a read of families' names by this form."""


def _show(request: Request, person: Person, offer: Offer, held: Form, cancel: Form,
          back: str, status: int = 200, found: list[attendees.Choice] | None = None
          ) -> Response:
    svc = services(request)
    chosen = attendees.chosen(svc, person, offer.project, held.lists.get("attendees", []),
                              ENDPOINT) if held.lists.get("attendees") else []
    ticked = {c.value for c in chosen}
    project = svc.directory.project(offer.project)
    staff = [c for c in colleagues(svc.directory, offer.project, person.texts)
             if c.role in RECORDERS]
    places = sorted((p for p in project.places.values() if p.active),
                    key=lambda p: p.name.casefold())
    return render(request, person, "session_form.html", status=status, offer=offer,
                  fm=held, cancel=cancel, back=back, staff=staff, places=places,
                  topics=list(Topic), genders=list(HeadcountGender), bands=list(AgeBand),
                  cell=cell, reasons=list(CancelReason), today=today_in_programme(),
                  hours=time_text(offer.schedule.start_time, offer.schedule.duration_minutes),
                  chosen=chosen, found=[c for c in found or [] if c.value not in ticked],
                  searched=found is not None,
                  network=offer.offer_type is OfferType.NETWORK_MEETING,
                  partners=sorted((p for p in project.partners.values() if p.active),
                                  key=lambda p: p.name.casefold()),
                  outcomes=list(NetworkOutcome),
                  may_name=policy.may(person.actor.role_in(offer.project),
                                      policy.Action.READ_CASE))


@router.get("/angebote/{offer_id}/termin", response_class=HTMLResponse)
def session_page(request: Request, person: PersonDep, offer_id: UUID,
                 datum: Annotated[date | None, Query()] = None,
                 von: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    offer = _offer(request, person, offer_id)
    held, cancel = _blank(offer, person, datum or today_in_programme())
    return _show(request, person, offer, held, cancel, "woche" if von == "woche" else "")


@router.post("/angebote/{offer_id}/termin", response_class=HTMLResponse)
async def record_session(request: Request, person: PersonDep, offer_id: UUID) -> Response:
    form = await _posted(request, person, "session")
    offer = _offer(request, person, offer_id)
    svc = services(request)
    if form.values.get("aktion") == "suchen":
        return _found(request, person, offer, form)
    try:
        command = RecordSession(offer_id=offer.id, **_session(offer, form))
        svc.pipeline.execute(command, person.actor, None, form.key)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, offer, form, e)
    return _saved(offer, form, "termin")


@router.post("/angebote/{offer_id}/absage", response_class=HTMLResponse)
async def cancel_session(request: Request, person: PersonDep, offer_id: UUID) -> Response:
    form = await _posted(request, person, "cancel")
    offer = _offer(request, person, offer_id)
    try:
        command = CancelSession.model_validate({
            "offer_id": offer.id, "reason": form.values.get("reason", ""),
            "occurred_on": form.values.get("occurred_on") or None})
        services(request).pipeline.execute(command, person.actor, None, form.key)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, offer, form, e)
    return _saved(offer, form, "absage")


def _found(request: Request, person: Person, offer: Offer, form: Form) -> Response:
    """The form again, everything typed kept, with the members of the families found
    by the name or case number typed into the search field."""
    query = (form.values.get("suche") or "").strip()
    found: list[attendees.Choice] = []
    try:
        if query:
            found = attendees.search(services(request), person, offer.project, query,
                                     ENDPOINT)
    except DomainError:
        form.errors["suche"] = person.texts("session.search_too_short")
    if not query:
        form.errors["suche"] = person.texts("session.search_empty")
    cancel = _blank(offer, person, today_in_programme())[1]
    return _show(request, person, offer, form, cancel, form.values.get("zurueck", ""),
                 found=found)


async def _posted(request: Request, person: Person, form_id: str) -> Form:
    values = await form_of(request, person)
    return Form(form_id, values, await form_lists(request), posted=True,
                key=values.get("key", "")[:100] or new_key())


def _saved(offer: Offer, form: Form, what: str) -> Response:
    on = form.values.get("occurred_on", "")
    if form.values.get("zurueck") == "woche":
        return redirect(f"/diese-woche?woche={on}&gespeichert={what}")
    return redirect(f"/angebote/{offer.id}?gespeichert={what}#termine")


def _refused(request: Request, person: Person, offer: Offer, form: Form,
             error: Refusal | DomainError | ValidationError) -> Response:
    if isinstance(error, Refusal) and error.status in (403, 404):
        raise error
    form.errors.update(refused_at(error, FIELDS, person.texts))
    held, cancel = _blank(offer, person, today_in_programme())
    if form.id == "session":
        held = form
    else:
        cancel = form
    return _show(request, person, offer, held, cancel, form.values.get("zurueck", ""), 422)


def _session(offer: Offer, form: Form) -> dict[str, Any]:
    """The command's values from the form, as typed (the command's rules judge them)."""
    v, lists = form.values, form.lists
    counts: dict[str, dict[str, Any]] = {}
    for g in HeadcountGender:
        for b in AgeBand:
            n = whole_number(v.get(cell(g, b)))
            if n is not None:
                counts.setdefault(g.value, {})[b.value] = n
    first = whole_number(v.get("first_time"))
    return {"occurred_on": v.get("occurred_on") or None,
            "start_time": (v.get("start_time") or "").strip() or None,
            "duration_minutes": whole_number(v.get("duration_minutes")),
            "staff_present": lists.get("staff_present", []),
            "topics": lists.get("topics", []),
            "attendance": {"counts": counts, "first_time": 0 if first is None else first},
            "place_id": v.get("place_id") or None,
            "attendees": [{"family_id": f, "member_id": m} for f, _, m in (
                a.partition(":") for a in lists.get("attendees", []))],
            **_network(offer, lists)}


def _network(offer: Offer, lists: dict[str, list[str]]) -> dict[str, Any]:
    """A network meeting's partners present and outcomes (other offers take the
    offer's partners and record no outcomes)."""
    if offer.offer_type is not OfferType.NETWORK_MEETING:
        return {}
    return {"partner_ids": lists.get("partner_ids", []),
            "outcomes": lists.get("outcomes", [])}
