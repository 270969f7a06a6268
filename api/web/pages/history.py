"""Verlauf: the auditor's view of one family's history. What happened when ("am"), when
and by whom it was recorded ("erfasst am"), corrections with their reasons, and the
family as it could be known at the end of a day (``?stand=``) or after a version
(``?version=``), exactly as ``GET /families/{id}?as_of=|version=`` answers.

Every page that shows a family is written to the read log as the JSON API writes it
(``api/routes/families.py``), under the page's own endpoint name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web.pages.base import PageProblem, PageRoute, Person, PersonDep, render, services
from api.web.pages.history_events import EventRow, Words, rows_of, typed_day
from application import policy
from application.cases import CaseNotFound, NotRecordedYet
from application.read_log import ReadEntry, now
from application.views import CaseView
from domain import consent
from domain.errors import DomainError
from domain.records import CaseState

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SEARCH_ENDPOINT = "GET /verlauf"
FAMILY_ENDPOINT = "GET /verlauf/{case_number}"
Text = Annotated[str | None, Query(max_length=100)]


@dataclass(frozen=True)
class Known:
    """What a family's state shows in short, at the point asked for."""

    status: str
    case_manager: str | None
    district: str
    members: list[tuple[str, str, bool]]
    consultations: int
    last_contact_on: date | None
    goals_open: int
    goals: int
    referrals: int
    participants: int
    corrections: int
    consents: list[str]


def log_read(request: Request, person: Person, access: policy.FamilyAccess, project: str,
             family_id: UUID) -> None:
    """As ``api/routes/families._log_read``: reads by anyone but the case manager."""
    if access.read_logged:
        services(request).read_log.record([ReadEntry(
            now(), person.actor.staff_id, access.role, project, family_id, FAMILY_ENDPOINT,
            person.actor.token_id)])


@router.get("/verlauf", response_class=HTMLResponse)
def search(request: Request, person: PersonDep, suche: Text = None) -> Response:
    projects = policy.check_page(person.actor, policy.Page.HISTORY)
    svc = services(request)
    query = (suche or "").strip()
    if not query:
        return render(request, person, "history_search.html", query="", matches=None,
                      total=0, error=None)
    try:
        found = svc.index.search(projects=set(projects), query=query, limit=50)
    except DomainError:
        return render(request, person, "history_search.html", status=422, query=query,
                      matches=None, total=0, error=person.texts("history.search_too_short"))
    svc.read_log.record([ReadEntry(now(), person.actor.staff_id, projects[f.project], f.project,
                                   f.family_id, SEARCH_ENDPOINT, person.actor.token_id)
                         for f in found.items if f.case_manager != person.actor.staff_id])
    return render(request, person, "history_search.html", query=query, matches=found.items,
                  total=found.total, error=None)


@router.get("/verlauf/{case_number}", response_class=HTMLResponse)
def family(request: Request, person: PersonDep, case_number: str, stand: Text = None,
           version: Text = None, ordnung: Text = None) -> Response:
    projects = policy.check_page(person.actor, policy.Page.HISTORY)
    svc = services(request)
    t = person.texts
    match = next((m for m in svc.index.found(case_number=case_number.upper()[:40])
                  if m.project in projects), None)
    if match is None:
        raise PageProblem(404, "error.not_found")
    family_id = match.family_id
    now_view = svc.cases.get_case(family_id)
    state = now_view.state
    access = policy.check_family(person.actor, policy.Action.READ_HISTORY, state.project,
                                 state.case_manager, restricted=state.erasure_request is not None)
    errors: dict[str, str] = {}
    on = _day((stand or "").strip(), errors, person)
    at = _version((version or "").strip(), errors, person)
    if on is not None and at is not None:
        errors["version"] = t("history.error.both")
    view: CaseView | None = now_view
    if not errors and on is not None:
        try:
            view = svc.cases.get_case_as_of(family_id, on)
        except NotRecordedYet:
            view = None
    elif not errors and at is not None:
        try:
            view = svc.cases.get_case(family_id, version=at)
        except CaseNotFound:
            errors["version"] = t("history.error.no_such_version", last=now_view.version)
    entries = svc.cases.history(family_id)
    log_read(request, person, access, state.project, family_id)
    shown = [e for e in entries if view is not None and e.version <= view.version]
    staff = {s.staff_id: s.name for s in svc.directory.staff()}
    members = {str(m.member_id): _name(m.given_name, m.family_name, t("history.erased"))
               for s in (state, view.state if view else state) for m in s.members.values()}
    words = Words(t, staff, members)
    rows = rows_of(shown, words)
    by_day = ordnung == "am"
    if by_day:
        rows.sort(key=lambda r: (r.occurred_on, r.version))
    mode = "now" if errors or (on is None and at is None) else ("date" if on else "version")
    return render(request, person, "history.html", status=422 if errors else 200,
                  match=match, state=state, view=view, rows=rows, mode=mode, on=on,
                  errors=errors, stand=stand or "", version=version or "", by_day=by_day,
                  latest=now_view.version, known=None if view is None else
                  _known(view.state, words), hidden=len(entries) - len(shown),
                  corrections=_corrections(rows))


def _name(given: str | None, family: str | None, erased: str) -> str:
    return " ".join(p for p in (given, family) if p) or erased


def _day(text: str, errors: dict[str, str], person: Person) -> date | None:
    if not text:
        return None
    try:
        return typed_day(text)
    except ValueError:
        errors["stand"] = person.texts("history.error.date")
        return None


def _version(text: str, errors: dict[str, str], person: Person) -> int | None:
    if not text:
        return None
    if not text.isdecimal() or not 1 <= int(text) <= 10_000_000:
        errors["version"] = person.texts("history.error.version")
        return None
    return int(text)


def _known(s: CaseState, words: Words) -> Known:
    t = words.texts
    return Known(
        status=t.code("case_status", s.status),
        case_manager=words.recorder(s.case_manager) if s.case_manager else None,
        district=s.district,
        members=[(_name(m.given_name, m.family_name, t("history.erased")),
                  t.code("member_role", m.role), m.in_household) for m in s.members.values()],
        consultations=len(s.consultations), last_contact_on=s.last_contact_on,
        goals_open=sum(g.status == "open" for g in s.goals.values()), goals=len(s.goals),
        referrals=len(s.referrals),
        participants=sum(1 for ps in s.participations.values() if ps),
        corrections=s.corrections,
        consents=[t.code("consent_purpose", c.purpose) for c in consent.in_force_now(s.consents)])


def _corrections(rows: list[EventRow]) -> list[EventRow]:
    return [r for r in rows if r.corrects is not None]
