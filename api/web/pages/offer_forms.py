"""Angebot anlegen, ändern, beenden: the offer's forms, for those who record
social-space work (case managers, coordinators; ``Action.SOCIAL_SPACE``).

Each form builds the JSON API's command (``CreateOffer``, ``ChangeOffer``, ``EndOffer``
of ``application/commands/offers.py``) and hands it to the pipeline with the form's
idempotency key (a double click records once); a change names the offer's version it
was made for, so a change by someone else meanwhile is explained instead of overwritten.
A change sends only what differs from the offer as it stands. On a broken rule nothing
is stored and the form comes back with everything typed and the rule at its field.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import Services
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
from api.web.pages.form_state import GENERAL, refused_at, whole_number
from api.web.pages.offer_views import load_offer
from api.web.pages.project_choice import new_key
from application import policy
from application.cases import StaleVersion
from application.commands.offers import ChangeOffer, CreateOffer, EndOffer
from application.refusals import Refusal
from domain.errors import DomainError
from domain.offer_values import OfferType, Weekday
from domain.offers import Offer
from domain.places import PartnerRecord, PlaceRecord
from domain.rules import today_in_programme

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = {"offer_type": "offer_type", "title": "title", "target_group": "target_group",
          "place": "place_id", "place_id": "place_id", "partners": "partner_ids",
          "partner_ids": "partner_ids", "schedule.recurrence": "recurrence",
          "schedule.weekdays": "weekdays", "schedule.start_time": "start_time",
          "schedule.duration_minutes": "duration_minutes", "schedule": "recurrence",
          "starts_on": "starts_on", "ends_on": "ends_on",
          "planned_sessions": "planned_sessions", "occurred_on": "occurred_on",
          "project": "project"}
"""The command's fields (dotted paths) → the form's."""


def _project_for_new(person: Person, wanted: str | None) -> str:
    allowed = policy.projects_for(person.actor, policy.Action.SOCIAL_SPACE)
    if not allowed:
        raise policy.forbidden(next(iter(person.actor.roles.values())),
                               policy.Action.SOCIAL_SPACE)
    code = wanted or sorted(allowed)[0]
    if code not in allowed:
        raise policy.hidden("project")
    return code


def _directory(svc: Services, project: str) -> tuple[list[PlaceRecord], list[PartnerRecord]]:
    """The project's active places and partners, by name (a form chooses among them)."""
    record = svc.directory.project(project)
    places = sorted((p for p in record.places.values() if p.active),
                    key=lambda p: p.name.casefold())
    partners = sorted((p for p in record.partners.values() if p.active),
                      key=lambda p: p.name.casefold())
    return places, partners


def _show(request: Request, person: Person, form: Form, project: str,
          offer: Offer | None = None, status: int = 200, end: Form | None = None) -> Response:
    """The offer's form (a new one, or the change and end forms of ``offer``)."""
    svc = services(request)
    places, partners = _directory(svc, project)
    return render(request, person, "offer_form.html", status=status, fm=form, offer=offer,
                  end=end or Form("end", {"occurred_on": today_in_programme().isoformat()},
                                  posted=True),
                  project=project, project_name=svc.directory.project(project).name,
                  places=places, partners=partners, types=list(OfferType),
                  weekdays=list(Weekday), today=today_in_programme())


def _values(offer: Offer) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The form's fields for an offer as it stands."""
    s = offer.schedule
    values = {"offer_type": offer.offer_type.value, "title": offer.title,
              "target_group": offer.target_group or "", "place_id": str(offer.place_id),
              "recurrence": s.recurrence.value, "start_time": f"{s.start_time:%H:%M}",
              "duration_minutes": str(s.duration_minutes),
              "starts_on": offer.starts_on.isoformat(),
              "ends_on": offer.ends_on.isoformat() if offer.ends_on else "",
              "planned_sessions": str(offer.planned_sessions or "")}
    return values, {"weekdays": [w.value for w in s.weekdays],
                    "partner_ids": [str(p) for p in offer.partner_ids]}


@router.get("/angebote/neu", response_class=HTMLResponse)
def new_offer(request: Request, person: PersonDep,
              projekt: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    project = _project_for_new(person, projekt)
    form = Form("offer", {"recurrence": "weekly", "start_time": "10:00",
                          "duration_minutes": "120",
                          "starts_on": today_in_programme().isoformat()}, posted=True)
    return _show(request, person, form, project)


@router.post("/angebote/neu", response_class=HTMLResponse)
async def create_offer(request: Request, person: PersonDep) -> Response:
    form = await _posted(request, person, "offer")
    project = _project_for_new(person, form.values.get("project"))
    svc = services(request)
    try:
        command = CreateOffer(project=project, **_details(form, None))
        done = svc.pipeline.execute(command, person.actor, None, form.key or None)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, form, project, None, e)
    return redirect(f"/angebote/{done.body['offer_id']}?gespeichert=angebot")


@router.get("/angebote/{offer_id}/aendern", response_class=HTMLResponse)
def change_page(request: Request, person: PersonDep, offer_id: UUID) -> Response:
    offer = load_offer(services(request), person, offer_id, policy.Action.SOCIAL_SPACE)
    values, lists = _values(offer)
    form = Form("change", values, lists, posted=True, version=offer.version)
    return _show(request, person, form, offer.project, offer)


@router.post("/angebote/{offer_id}/aendern", response_class=HTMLResponse)
async def change_offer(request: Request, person: PersonDep, offer_id: UUID) -> Response:
    form = await _posted(request, person, "change")
    svc = services(request)
    offer = load_offer(svc, person, offer_id, policy.Action.SOCIAL_SPACE)
    version = form.values.get("version", "")
    form.version = int(version) if version.isdecimal() else offer.version
    try:
        changed = _changes(_details(form, offer), offer)
        svc.pipeline.execute(ChangeOffer(offer_id=offer.id, **changed), person.actor,
                             form.version, form.key or None)
    except StaleVersion:
        form.errors[GENERAL] = person.texts("offers.conflict")
        return _show(request, person, form, offer.project,
                     load_offer(svc, person, offer_id), 409)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, form, offer.project, offer, e)
    return redirect(f"/angebote/{offer.id}?gespeichert=aenderung")


@router.post("/angebote/{offer_id}/beenden", response_class=HTMLResponse)
async def end_offer(request: Request, person: PersonDep, offer_id: UUID) -> Response:
    form = await _posted(request, person, "end")
    svc = services(request)
    offer = load_offer(svc, person, offer_id, policy.Action.SOCIAL_SPACE)
    try:
        svc.pipeline.execute(EndOffer(offer_id=offer.id,
                                      occurred_on=form.values.get("occurred_on") or None),
                             person.actor, None, form.key or None)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, form, offer.project, offer, e)
    return redirect(f"/angebote/{offer.id}?gespeichert=ende")


async def _posted(request: Request, person: Person, form_id: str) -> Form:
    values = await form_of(request, person)
    return Form(form_id, values, await form_lists(request), posted=True,
                key=values.get("key", "")[:100] or new_key())


def _refused(request: Request, person: Person, form: Form, project: str,
             offer: Offer | None, error: Refusal | DomainError | ValidationError) -> Response:
    if isinstance(error, Refusal) and error.status in (403, 404):
        raise error
    form.errors.update(refused_at(error, FIELDS, person.texts))
    if offer is not None and form.id == "end":  # (the end form sits on the change page)
        values, lists = _values(offer)
        change = Form("change", values, lists, posted=True, version=offer.version)
        return _show(request, person, change, project, offer, 422, end=form)
    return _show(request, person, form, project, offer, 422)


def _details(form: Form, offer: Offer | None) -> dict[str, Any]:
    """The command's details from the form (texts as typed: the command's own rules
    judge them, and refuse what is not a number or a date)."""
    v, lists = form.values, form.lists
    text = {name: (v.get(name) or "").strip() or None for name in (
        "title", "target_group", "start_time", "starts_on", "ends_on")}
    recurrence = v.get("recurrence") or ""
    details: dict[str, Any] = {
        "title": text["title"], "target_group": text["target_group"],
        "schedule": {"recurrence": recurrence,
                     "weekdays": lists.get("weekdays", []) if recurrence != "one_off" else [],
                     "start_time": text["start_time"],
                     "duration_minutes": whole_number(v.get("duration_minutes"))},
        "ends_on": text["ends_on"],
        "planned_sessions": whole_number(v.get("planned_sessions")),
        "place_id": v.get("place_id") or None,  # (ids of the project's directory: the
        "partner_ids": lists.get("partner_ids", [])}  # command refuses one not active)
    if offer is None:
        details.update(offer_type=v.get("offer_type") or "", starts_on=text["starts_on"])
    return details


def _changes(details: dict[str, Any], offer: Offer) -> dict[str, Any]:
    """Only what differs from the offer as it stands (the rest stays as it is)."""
    now = ChangeOffer(offer_id=offer.id, **details)
    s = offer.schedule
    same = {"title": now.title == offer.title,
            "target_group": (now.target_group or None) == offer.target_group,
            "ends_on": now.ends_on == offer.ends_on,
            "planned_sessions": now.planned_sessions == offer.planned_sessions,
            "schedule": now.schedule is not None and now.schedule.value() == s,
            "place_id": now.place_id is None or now.place_id == offer.place_id,
            "partner_ids": tuple(now.partner_ids or ()) == offer.partner_ids}
    return {k: v for k, v in details.items() if not same.get(k, False)}
