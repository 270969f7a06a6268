"""Familie: one family's case on one screen, and its printable case file (Akte).

Household, consents, ESF+ entries and exits, goals, referrals and the contacts as a
timeline, newest first; for its case manager the quick "Kontakt erfassen" form on top
the forms of goals and referrals (``family_forms.py``), of the ESF+ participation and the
case's closure (``family_esf.py``), of the household and consents
(``family_household.py``), and the corrections (``family_corrections.py``). Access and the read log
are the JSON API's (``GET /families/{id}``): a family the person may not see answers
404, a role that sees no families 403, and every read by someone other than the
family's case manager is logged before the page leaves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web.formats import DASH
from api.web.pages.base import PageRoute, Person, PersonDep, render, services
from api.web.pages.family_view import Family, Forms, load, staff_name
from application.read_log import now
from application.views import HistoryEntry
from domain.values import (
    Answer,
    Citizenship,
    ClosureReason,
    ConsentPurpose,
    ContactMode,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    IscedBand,
    LabourMarketStatus,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CaseNumber = Annotated[str, Path(max_length=30, pattern=r"^[A-Za-z0-9-]+$")]
SAVED = ("contact", "goal", "goal_revised", "goal_achieved", "goal_dropped", "referral",
         "outcome", "esf_entry", "esf_exit", "esf_status", "esf_follow_up", "case_closed",
         "case_reopened", "correction", "member_added", "member_changed", "member_left",
         "consent_given", "consent_withdrawn")
"""What a form saved, named in the notice after its redirect (``?gespeichert=``)."""
CONTACTS = 40
"""Contacts the page shows, newest first (all of them on request and in the Akte): a
family's page stays light after years of casework."""
CHOICES = {"modes": list(ContactMode), "topics": list(Topic), "life_areas": list(LifeArea),
           "institution_types": list(InstitutionType), "outcomes": list(ReferralOutcome),
           "final_outcomes": [o for o in ReferralOutcome if o.is_final],
           "labour_market_status": list(LabourMarketStatus), "isced_band": list(IscedBand),
           "citizenship": list(Citizenship), "answer": list(Answer),
           "exit_status": list(ExitStatus), "follow_up_status": list(FollowUpStatus),
           "closure_reason": list(ClosureReason), "member_role": list(MemberRole),
           "gender": list(Gender), "consent_purpose": list(ConsentPurpose)}
"""The codes a form offers, in the catalogue's order (shown by their labels)."""


@router.get("/familien/{case_number}", response_class=HTMLResponse)
def family_page(request: Request, person: PersonDep, case_number: CaseNumber,
                gespeichert: Annotated[str | None, Query(max_length=20)] = None,
                kontakte: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    family = load(services(request), person, case_number,
                  log_as="GET /familien/{case_number}")
    return show(request, person, family, Forms(),
                saved=gespeichert if gespeichert in SAVED else None,
                all_contacts=kontakte == "alle")


@router.get("/familien/{case_number}/akte", response_class=HTMLResponse)
def case_file(request: Request, person: PersonDep, case_number: CaseNumber) -> Response:
    family = load(services(request), person, case_number,
                  log_as="GET /familien/{case_number}/akte")
    project = services(request).directory.project(family.case.project)
    return render(request, person, "family_file.html", f=family, case=family.case,
                  names=family.names, printed_at=now(), project_name=project.name)


def show(request: Request, person: Person, family: Family, forms: Forms, *,
         saved: str | None = None, status: int = 200,
         since: list[HistoryEntry] | None = None, all_contacts: bool = False
         ) -> HTMLResponse:
    """The family page; ``forms.posted`` re-shown with what was typed and its errors,
    ``since``: what others recorded since the version the posted form was made for."""
    return render(request, person, "family.html", status=status, f=family,
                  case=family.case, names=family.names, forms=forms, saved=saved,
                  since=since or [], staff_name=lambda s: _staff(request, s),
                  open_form=forms.posted.id if forms.posted is not None else None,
                  choices=CHOICES, contacts_shown=None if all_contacts else CONTACTS,
                  corrections=family.may_follow_up)


def _staff(request: Request, staff_id: str) -> str:
    return staff_name(services(request), staff_id) or DASH
