"""Orte & Partner: a project's places and partner institutions, and per partner the
referrals made to it with their latest outcomes.

Every role of the project reads the lists (``Action.READ_PLACES``); coordinators and
admins add, change and retire (``Action.MANAGE_PLACES``). Each form builds the JSON
API's command (``application/commands/places.py``: a partner has a contact *role*, never
a person) and hands it to the pipeline with the form's idempotency key; a broken rule
(a district not the project's, an e-mail address as contact role) is shown at its field
and nothing is stored. A retired place or partner stays listed, marked as such.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.read_your_writes import catch_up
from api.web.pages.base import (
    PageRoute,
    Person,
    PersonDep,
    form_of,
    redirect,
    render,
    services,
)
from api.web.pages.family_view import Form
from api.web.pages.form_state import refused_at
from api.web.pages.project_choice import new_key
from api.web.pages.reporting import Chosen, chosen_project
from application import policy
from application.commands.base import Command
from application.commands.places import (
    AddPartner,
    AddPlace,
    ChangePartner,
    ChangePlace,
    RetirePartner,
    RetirePlace,
)
from application.refusals import Refusal
from domain.errors import DomainError
from domain.values import InstitutionType, PlaceKind
from projections.reporting.offer_figures import offer_figures

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = {f: f for f in ("name", "kind", "district", "institution_type", "contact_role")}
SAVED = ("ort", "partner", "ort_beendet", "partner_beendet")


@router.get("/orte", response_class=HTMLResponse)
def places_page(request: Request, person: PersonDep,
                projekt: Annotated[str | None, Query(max_length=10)] = None,
                gespeichert: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    chosen = chosen_project(services(request), person, policy.Page.PLACES, projekt)
    return _show(request, person, chosen, None,
                 saved=gespeichert if gespeichert in SAVED else None)


def _show(request: Request, person: Person, chosen: Chosen, posted: Form | None,
          status: int = 200, saved: str | None = None) -> Response:
    svc = services(request)
    project = svc.directory.project(chosen.code)
    places = sorted(project.places.values(), key=lambda p: (not p.active, p.name.casefold()))
    partners = sorted(project.partners.values(),
                      key=lambda p: (not p.active, p.name.casefold()))
    catch_up(svc, None)
    figures = offer_figures(svc.cases.tables, svc.views.offers, chosen.code)
    referrals = {UUID(line.partner): line for line in figures.partners if line.referrals}

    def form(form_id: str, values: dict[str, str] | None = None) -> Form:
        if posted is not None and posted.id == form_id:
            return posted
        return Form(form_id, values or {}, posted=True)

    return render(request, person, "places.html", status=status, chosen=chosen,
                  places=places, partners=partners, referrals=referrals, form=form,
                  may_manage=policy.may(chosen.role, policy.Action.MANAGE_PLACES),
                  kinds=list(PlaceKind), types=list(InstitutionType),
                  districts=list(project.districts), saved=saved)


async def _run(request: Request, person: Person, form_id: str, build: Any,
               saved: str) -> Response:
    values = await form_of(request, person)
    svc = services(request)
    chosen = chosen_project(svc, person, policy.Page.PLACES, values.get("projekt") or None)
    form = Form(form_id, values, posted=True, key=values.get("key", "")[:100] or new_key())
    text = {k: (values.get(k) or "").strip() or None for k in (
        "name", "kind", "district", "institution_type", "contact_role")}
    try:
        command: Command = build(chosen.code, text)
        svc.pipeline.execute(command, person.actor, None, form.key)
    except (Refusal, DomainError, ValidationError) as e:
        if isinstance(e, Refusal) and e.status in (403, 404) and e.field is None:
            raise
        form.errors.update(refused_at(e, FIELDS, person.texts))
        return _show(request, person, chosen, form, 422)
    return redirect(f"/orte?projekt={chosen.code}&gespeichert={saved}")


def _place(text: dict[str, str | None]) -> dict[str, Any]:
    return {"name": text["name"] or "", "kind": text["kind"] or "", "district": text["district"]}


def _partner(text: dict[str, str | None]) -> dict[str, Any]:
    return {"name": text["name"] or "", "institution_type": text["institution_type"] or "",
            "contact_role": text["contact_role"], "district": text["district"]}


@router.post("/orte/ort", response_class=HTMLResponse)
async def add_place(request: Request, person: PersonDep) -> Response:
    return await _run(request, person, "place-new",
                      lambda p, t: AddPlace(project=p, **_place(t)), "ort")


@router.post("/orte/ort/{place_id}", response_class=HTMLResponse)
async def change_place(request: Request, person: PersonDep, place_id: UUID) -> Response:
    return await _run(request, person, f"place-{place_id}",
                      lambda p, t: ChangePlace(project=p, place_id=place_id, **_place(t)),
                      "ort")


@router.post("/orte/ort/{place_id}/beenden", response_class=HTMLResponse)
async def retire_place(request: Request, person: PersonDep, place_id: UUID) -> Response:
    return await _run(request, person, f"place-{place_id}",
                      lambda p, t: RetirePlace(project=p, place_id=place_id), "ort_beendet")


@router.post("/orte/partner", response_class=HTMLResponse)
async def add_partner(request: Request, person: PersonDep) -> Response:
    return await _run(request, person, "partner-new",
                      lambda p, t: AddPartner(project=p, **_partner(t)), "partner")


@router.post("/orte/partner/{partner_id}", response_class=HTMLResponse)
async def change_partner(request: Request, person: PersonDep, partner_id: UUID) -> Response:
    return await _run(request, person, f"partner-{partner_id}",
                      lambda p, t: ChangePartner(project=p, partner_id=partner_id,
                                                 **_partner(t)), "partner")


@router.post("/orte/partner/{partner_id}/beenden", response_class=HTMLResponse)
async def retire_partner(request: Request, person: PersonDep, partner_id: UUID) -> Response:
    return await _run(request, person, f"partner-{partner_id}",
                      lambda p, t: RetirePartner(project=p, partner_id=partner_id),
                      "partner_beendet")
