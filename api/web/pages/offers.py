"""Angebote: the social-space offers of a project and, per offer, its sessions.

The list shows each offer's type, title, place, schedule, next due session and sessions
held; an offer's page lists its sessions (held with headcount and first-time visitors,
or cancelled with the reason) and, for those who record social-space work (case
managers, coordinators), Termin erfassen and the forms to change or end the offer
(``offer_forms.py``). Auditors and reporting users read (headcounts only). Another
project's offer answers 404, as ``GET /offers/{id}`` does.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web import formats
from api.web.pages.base import PageRoute, Person, PersonDep, render, services
from api.web.pages.offer_views import (
    load_offer,
    named_attendees,
    partner_names,
    place_text,
    project_offers,
    rows,
    schedule_text,
    sessions_by_date,
    time_text,
)
from api.web.pages.reporting import chosen_project
from api.web.staff_names import names_of
from application import policy
from domain.offer_values import OfferType
from domain.offers import Offer
from domain.rules import today_in_programme

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Saved = Annotated[str | None, Query(max_length=20)]
SAVED = ("angebot", "aenderung", "ende", "termin", "absage")


@router.get("/angebote", response_class=HTMLResponse)
def offer_list(request: Request, person: PersonDep,
               projekt: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    svc = services(request)
    chosen = chosen_project(svc, person, policy.Page.OFFERS, projekt)
    listed = rows(project_offers(svc, chosen.code), today_in_programme())
    return render(request, person, "offers.html", chosen=chosen, rows=listed,
                  may_record=policy.may(chosen.role, policy.Action.SOCIAL_SPACE),
                  schedule=lambda o: schedule_text(o, person.texts, _day(person, o)),
                  place=lambda o: place_text(o, svc))


@router.get("/angebote/{offer_id}", response_class=HTMLResponse)
def offer_page(request: Request, person: PersonDep, offer_id: UUID,
               gespeichert: Saved = None) -> Response:
    svc = services(request)
    offer = load_offer(svc, person, offer_id)
    role = person.actor.role_in(offer.project)
    sessions = sessions_by_date(offer)
    staff = names_of(svc.directory, {s for x in sessions for s in x.staff_present},
                     person.texts)
    return render(request, person, "offer.html", offer=offer, sessions=sessions,
                  staff=staff, saved=gespeichert if gespeichert in SAVED else None,
                  may_record=policy.may(role, policy.Action.SOCIAL_SPACE) and
                  offer.ended_on is None,
                  schedule=schedule_text(offer, person.texts, _day(person, offer)),
                  place=lambda record=None: place_text(offer, svc, record),
                  hours=time_text, project=svc.directory.project(offer.project).name,
                  partners=partner_names(offer, svc),
                  present=lambda record: partner_names(offer, svc, record),
                  named=named_attendees(svc, person, sessions, "GET /angebote/{offer_id}"),
                  network=offer.offer_type is OfferType.NETWORK_MEETING)


def _day(person: Person, offer: Offer) -> str:
    return formats.day(offer.starts_on, person.texts.language)
