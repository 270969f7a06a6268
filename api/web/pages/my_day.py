"""Mein Tag: the case manager's start page. Whom must I contact today?

Their open families with names and case numbers, last contact and next follow-up;
overdue follow-ups first, then families not seen for ``QUIET_DAYS`` days, then by the
next follow-up. A search by name or case number over their families. Other roles land
on their own start page (``policy.START_PAGES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.read_your_writes import catch_up
from api.web.pages.base import PATHS, PageRoute, PersonDep, redirect, render, services
from application import policy
from domain.rules import today_in_programme
from projections.views.caseload import read_caseload
from projections.views.family_index import FamilyMatch

router = APIRouter(route_class=PageRoute, include_in_schema=False)
QUIET_DAYS = 21
MOST = 500  # (a case manager carries a few dozen families)


@dataclass(frozen=True)
class DayRow:
    case_number: str
    names: list[str] | None
    last_contact_on: date | None
    next_follow_up_on: date | None
    overdue: bool
    quiet_days: int | None
    """Days without contact, when ``QUIET_DAYS`` or more (None: seen recently)."""
    open_goals: int
    pending_referrals: int


def household(match: FamilyMatch | None) -> list[str] | None:
    return None if match is None else match.names


@router.get("/", response_class=HTMLResponse)
def my_day(request: Request, person: PersonDep,
           suche: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    if not person.may_see(policy.Page.MY_DAY):
        start = policy.start_page(person.actor)
        if start is None:
            return render(request, person, "problem.html", status=403,
                          title=person.texts("error.forbidden.title"),
                          message=person.texts("error.forbidden.text"))
        return redirect(PATHS[start])
    svc = services(request)
    projects = policy.check_page(person.actor, policy.Page.MY_DAY)
    today = today_in_programme()
    query = (suche or "").strip()
    if query:
        found = svc.index.search(projects=set(projects), case_manager=person.actor.staff_id,
                                 query=query, status="open", limit=50, hide_restricted=True)
        return render(request, person, "my_day.html", rows=[], query=query,
                      matches=found.items, total=found.total, today=today)
    catch_up(svc, None)
    total, loaded = read_caseload(svc.cases.tables, svc.views.caseload, projects=set(projects),
                                  case_manager=person.actor.staff_id, status="open",
                                  limit=MOST, hide_restricted=True)
    names = {m.family_id: m for m in svc.index.found(family_ids=[r.family_id for r in loaded])}
    rows = []
    for r in loaded:
        seen = r.last_contact_on or r.opened_on
        quiet = (today - seen).days
        rows.append(DayRow(r.case_number, household(names.get(r.family_id)),
                           r.last_contact_on, r.next_follow_up_on,
                           bool(r.next_follow_up_on and r.next_follow_up_on < today),
                           quiet if quiet >= QUIET_DAYS else None, r.open_goals,
                           r.pending_referrals))
    rows.sort(key=lambda r: (not r.overdue, r.quiet_days is None,
                             r.next_follow_up_on or date.max, r.case_number))
    return render(request, person, "my_day.html", rows=rows, query="", matches=None,
                  total=total, today=today, overdue=sum(r.overdue for r in rows),
                  quiet=sum(r.quiet_days is not None for r in rows))


def family_path(case_number: str) -> str:
    return f"/familien/{case_number}"

