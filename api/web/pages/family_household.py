"""The Familie screen's household and consent forms.

A person joins the household (a baby born, a partner moved in), a member's details are
changed (a name spelled wrongly at the intake, a birth date learnt later) or a member
leaves the household; the family gives its consent for a purpose later than the intake
(referrals to partner institutions, say: a referral needs it) or withdraws one. Each
form builds the JSON API's command and goes through ``family_forms.submit`` like the
other forms (the family's version, the form's idempotency key, errors at their fields).
"""

from __future__ import annotations

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from api.web.pages.base import PageRoute, PersonDep
from api.web.pages.family import CaseNumber
from api.web.pages.family_forms import Position, Reader, submit
from application.commands.base import FamilyCommand
from application.commands.consent import GiveConsent, WithdrawConsent
from application.commands.household import AddMember, ChangeMemberDetails, RecordMemberLeft

router = APIRouter(route_class=PageRoute, include_in_schema=False)
DETAILS = ("given_name", "family_name", "birth_date", "gender")
ConsentPath = Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")]


def _add(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "role": r.text("role"),
              "given_name": r.text("given_name") or "",
              "family_name": r.text("family_name") or "",
              "birth_date": r.date("birth_date"), "gender": r.text("gender"),
              "occurred_on": r.day()}
    r.done()
    return AddMember(member_id=uuid4(), **values)


def _details(r: Reader, n: str) -> FamilyCommand:
    """The details the person changed on the form (against the values it showed, in its
    hidden ``was_`` fields: sent again after someone else's change, the form changes only
    what the person changed); the others stay as they are. A detail cannot be emptied
    (the command changes details, it does not remove them)."""
    member = r.numbered_member(n)
    now = {"given_name": member.given_name, "family_name": member.family_name,
           "birth_date": member.birth_date.isoformat() if member.birth_date else None,
           "gender": member.gender}
    changed: dict[str, str | None] = {}
    for name in DETAILS:
        typed = r.text(name)
        shown = r.form.values.get(f"was_{name}", now[name] or "").strip() or None
        if typed == shown:
            continue
        if typed is None:
            r.errors[name] = "family.household.cannot_clear"
            continue
        changed[name] = typed
    r.done()
    return ChangeMemberDetails(family_id=r.family.family_id, member_id=member.member_id,
                               occurred_on=r.text("occurred_on"),
                               **{name: changed.get(name) for name in DETAILS})


def _left(r: Reader, n: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "member_id": r.numbered_member(n).member_id,
              "reason": r.text("reason"), "occurred_on": r.day()}
    r.done()
    return RecordMemberLeft(**values)


def _give(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "purpose": r.text("purpose"),
              "occurred_on": r.day()}
    r.done()
    return GiveConsent(**values)


def _withdraw(r: Reader, purpose: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "purpose": purpose, "occurred_on": r.day()}
    r.done()
    return WithdrawConsent(**values)


@router.post("/familien/{case_number}/personen")
async def add_member(request: Request, person: PersonDep,
                     case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "member", _add, "", "member_added",
                        "role given_name family_name birth_date gender occurred_on")


@router.post("/familien/{case_number}/personen/{n}/angaben")
async def member_details(request: Request, person: PersonDep, case_number: CaseNumber,
                         n: Position) -> Response:
    return await submit(request, person, case_number, f"member-{n}-details", _details, n,
                        "member_changed", f"{' '.join(DETAILS)} occurred_on")


@router.post("/familien/{case_number}/personen/{n}/ausgezogen")
async def member_left(request: Request, person: PersonDep, case_number: CaseNumber,
                      n: Position) -> Response:
    return await submit(request, person, case_number, f"member-{n}-left", _left, n,
                        "member_left", "reason occurred_on")


@router.post("/familien/{case_number}/einwilligungen")
async def give_consent(request: Request, person: PersonDep,
                       case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "consent", _give, "", "consent_given",
                        "purpose occurred_on")


@router.post("/familien/{case_number}/einwilligungen/{purpose}/widerruf")
async def withdraw_consent(request: Request, person: PersonDep, case_number: CaseNumber,
                           purpose: ConsentPath) -> Response:
    return await submit(request, person, case_number, f"consent-{purpose}-withdrawn",
                        _withdraw, purpose, "consent_withdrawn", "occurred_on")
