"""The Familie screen's ESF+ forms and the case's closure.

Per member: the ESF+ entry (an adult without an open stay; a re-entry after an exit),
the exit with the situation on leaving, a later status on leaving (within 28 days of the
exit) and the six-month follow-up; for the case: closing it (every participant's exit
first: the domain refuses otherwise) and reopening it. The results of an exit and the
reopening are taken on a closed case too (``Family.may_follow_up``). Each form builds the
JSON API's command and goes through ``family_forms.submit`` like the other forms: the
family's version, the form's idempotency key, errors next to their fields.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.web.pages.base import PageRoute, PersonDep
from api.web.pages.family import CaseNumber
from api.web.pages.family_forms import Position, Reader, submit
from application.commands.base import FamilyCommand
from application.commands.case import CloseCase, ReopenCase
from application.commands.participation import (
    EnterParticipant,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ENTRY = ("labour_market_status", "isced", "disability", "citizenship",
         "foreign_background", "minority", "homeless")
"""The entry's items chosen from a list (empty: not known, the entry then incomplete)."""


def _member(r: Reader, position: str) -> UUID:
    return r.numbered_member(position).member_id


def _months(r: Reader) -> int | None:
    value = r.text("unemployed_months")
    if value is None:
        return None
    if not value.isdecimal():
        r.errors["unemployed_months"] = "family.invalid.months"
        return None
    return int(value)


def _entry(r: Reader, n: str) -> FamilyCommand:
    values: dict[str, Any] = {name: r.text(name) for name in ENTRY}
    values.update(family_id=r.family.family_id, member_id=_member(r, n),
                  occurred_on=r.day(), unemployed_months=_months(r),
                  rural=r.yes_no("rural"))
    r.done()
    return EnterParticipant(**values)


def _exit(r: Reader, n: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "member_id": _member(r, n),
              "status": r.text("status"), "occurred_on": r.day()}
    r.done()
    return RecordExit(**values)


def _leaving(r: Reader, n: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "member_id": _member(r, n),
              "status": r.text("status"), "occurred_on": r.day(),
              "exit_on": None}  # (the latest exit)
    r.done()
    return RecordLeavingStatus(**values)


def _follow_up(r: Reader, n: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "member_id": _member(r, n),
              "status": r.text("status"), "occurred_on": r.day(),
              "better_situation": r.yes_no("better_situation"),
              "exit_on": None}  # (the latest exit)
    r.done()
    return RecordFollowUp(**values)


def _close(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "reason": r.text("reason"),
              "note": r.text("note"), "occurred_on": r.day()}
    r.done()
    return CloseCase(**values)


def _reopen(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "reason": r.text("reason") or "",
              "occurred_on": r.day()}
    r.done()
    return ReopenCase(**values)


@router.post("/familien/{case_number}/esf/{n}/eintritt")
async def enter(request: Request, person: PersonDep, case_number: CaseNumber,
                n: Position) -> Response:
    return await submit(request, person, case_number, f"esf-{n}-entry", _entry, n,
                        "esf_entry", f"occurred_on unemployed_months rural {' '.join(ENTRY)}")


@router.post("/familien/{case_number}/esf/{n}/austritt")
async def leave(request: Request, person: PersonDep, case_number: CaseNumber,
                n: Position) -> Response:
    return await submit(request, person, case_number, f"esf-{n}-exit", _exit, n,
                        "esf_exit", "status occurred_on")


@router.post("/familien/{case_number}/esf/{n}/status")
async def leaving_status(request: Request, person: PersonDep, case_number: CaseNumber,
                         n: Position) -> Response:
    return await submit(request, person, case_number, f"esf-{n}-status", _leaving, n,
                        "esf_status", "status occurred_on")


@router.post("/familien/{case_number}/esf/{n}/nachbefragung")
async def follow_up(request: Request, person: PersonDep, case_number: CaseNumber,
                    n: Position) -> Response:
    return await submit(request, person, case_number, f"esf-{n}-follow_up", _follow_up, n,
                        "esf_follow_up", "status better_situation occurred_on")


@router.post("/familien/{case_number}/abschluss")
async def close(request: Request, person: PersonDep, case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "closure", _close, "", "case_closed",
                        "reason note occurred_on")


@router.post("/familien/{case_number}/wiederaufnahme")
async def reopen(request: Request, person: PersonDep, case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "reopening", _reopen, "",
                        "case_reopened", "reason occurred_on")
