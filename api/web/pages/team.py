"""Team: the coordinator's view of a project's case managers, by name.

Per case manager the open cases, follow-ups past due and families not seen for 21 days
(the caseload view's ``read_team``, as ``GET /projects/{p}/team``); the open cases no
current case manager carries; one case manager's families on request. Coordinators
transfer a family (or assign an unassigned one) to a colleague chosen by name, through
``AssignCaseManager`` and the pipeline; auditors see the same page without forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.read_your_writes import catch_up
from api.web.pages.base import PageRoute, Person, PersonDep, form_of, redirect, render, services
from api.web.pages.field_errors import field_errors
from api.web.pages.project_choice import Chosen, choose, new_key
from api.web.staff_names import colleagues, name_of
from application import policy
from application.commands.case import AssignCaseManager
from application.refusals import Refusal
from domain.directory import Role
from domain.errors import DomainError
from domain.rules import today_in_programme
from projections.views.caseload import (
    CaseloadRow,
    TeamRow,
    read_caseload,
    read_team,
    read_unassigned,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
QUIET_DAYS = 21
MOST = 500
FIELDS = {"case_manager": "an", "reason": "grund", "family_id": "fallnummer"}
Short = Annotated[str | None, Query(max_length=100)]


@dataclass(frozen=True)
class MemberRow:
    staff_id: str
    name: str
    active: int
    overdue: int
    quiet: int


@dataclass(frozen=True)
class FamilyRow:
    case_number: str
    names: list[str] | None
    former: str | None
    """For an unassigned case: the name of the case manager who carried it last."""
    last_contact_on: date | None
    next_follow_up_on: date | None
    overdue: bool


@router.get("/team", response_class=HTMLResponse)
def team(request: Request, person: PersonDep, projekt: Short = None, fm: Short = None,
         uebertragen: Short = None, an: Short = None) -> Response:
    return team_page(request, person, projekt, fm, notice=(uebertragen, an))


def team_page(request: Request, person: Person, wanted: str | None, shown: str | None, *,
              notice: tuple[str | None, str | None] = (None, None), status: int = 200,
              form: dict[str, str] | None = None,
              errors: dict[str, str] | None = None) -> Response:
    svc = services(request)
    chosen = choose(person, policy.Page.TEAM, wanted, svc.directory)
    catch_up(svc, None)
    today = today_in_programme()
    texts = person.texts
    managers = colleagues(svc.directory, chosen.code, texts, Role.CASE_MANAGER)
    counts = {r.case_manager: r for r in read_team(
        svc.cases.tables, svc.views.caseload, project=chosen.code, today=today)}
    members = [MemberRow(c.staff_id, c.name, *_counts(counts.get(c.staff_id)))
               for c in managers]
    unassigned = _families(request, person, read_unassigned(
        svc.cases.tables, svc.views.caseload, project=chosen.code,
        case_managers=[c.staff_id for c in managers], limit=MOST), today, former=True)
    of = next((m for m in members if m.staff_id == shown), None)
    families = None
    if of is not None:
        _, rows = read_caseload(svc.cases.tables, svc.views.caseload, projects={chosen.code},
                                case_manager=of.staff_id, status="open", limit=MOST)
        families = _families(request, person, rows, today, former=False)
    return render(
        request, person, "team.html", status=status, chosen=chosen,
        may_assign=policy.may(chosen.role, policy.Action.ASSIGN), members=members,
        managers=managers, unassigned=unassigned, of=of, families=families, today=today,
        success=_success(request, person, chosen, notice), key=new_key(),
        form=form or {}, errors=errors or {})


def _counts(row: TeamRow | None) -> tuple[int, int, int]:
    if row is None:
        return 0, 0, 0
    return row.active_cases, row.overdue_follow_ups, row.without_contact_21_days


def _families(request: Request, person: Person, rows: list[CaseloadRow], today: date, *,
              former: bool) -> list[FamilyRow]:
    svc = services(request)
    names = {m.family_id: m.names for m in svc.index.found(family_ids=[r.family_id
                                                                       for r in rows])}
    return [FamilyRow(r.case_number, names.get(r.family_id),
                      name_of(svc.directory, r.case_manager, person.texts) if former else None,
                      r.last_contact_on, r.next_follow_up_on,
                      bool(r.next_follow_up_on and r.next_follow_up_on < today))
            for r in rows]


def _success(request: Request, person: Person, chosen: Chosen,
             notice: tuple[str | None, str | None]) -> str | None:
    """The notice after a transfer, if the case is indeed with that colleague now."""
    number, to = notice
    if not number or not to:
        return None
    svc = services(request)
    found = [m for m in svc.index.found(case_number=number) if m.project == chosen.code]
    if not found or found[0].case_manager != to:
        return None
    return person.texts("team.transferred", case_number=number,
                        name=name_of(svc.directory, to, person.texts))


@router.post("/team/uebertragen", response_class=HTMLResponse)
async def transfer(request: Request, person: PersonDep) -> Response:
    form = await form_of(request, person)
    svc = services(request)
    project, shown = form.get("projekt", ""), form.get("fm") or None
    chosen = choose(person, policy.Page.TEAM, project, svc.directory)
    policy.check_project(person.actor, policy.Action.ASSIGN, chosen.code)
    number = form.get("fallnummer", "").strip().upper()
    to = form.get("an", "")
    texts = person.texts

    def again(errors: dict[str, str]) -> Response:
        return team_page(request, person, chosen.code, shown, status=422,
                         form=form, errors=errors)

    found = [m for m in svc.index.found(case_number=number) if m.project == chosen.code]
    if not number or not found:
        return again({"fallnummer": texts("team.no_such_case")})
    if not to:
        return again({"an": texts("team.choose_colleague")})
    try:
        command = AssignCaseManager(family_id=found[0].family_id, case_manager=to,
                                    occurred_on=None,
                                    reason=form.get("grund", "").strip() or None)
        svc.pipeline.execute(command, person.actor, None, form.get("schluessel") or None)
    except (Refusal, DomainError, ValidationError) as e:
        if isinstance(e, Refusal) and e.status in (403, 404):
            raise
        return again(field_errors(e, FIELDS, texts, "fallnummer"))
    query = {"projekt": chosen.code, "uebertragen": number, "an": to}
    if shown:
        query["fm"] = shown
    return redirect("/team?" + urlencode(query))
