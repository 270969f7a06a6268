"""Lesezugriffe: the read log for auditors (``application/read_log.py``), with names.

Who read which family, when and through what: readers by name and role, families by
case number and household names linking to their Verlauf, never a staff id or family
id. Filters: one family's case number, one reader, since a day; newest first, paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web.pages.base import PageRoute, PersonDep, render, services
from api.web.pages.history_events import typed_day
from application import policy
from application.read_log import ReadEntry
from domain.rules import PROGRAMME_TZ

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
Text = Annotated[str | None, Query(max_length=100)]
ENDPOINTS = {  # the read log's endpoint → key of its label
    "GET /families": "api_search", "GET /families/{id}": "api_case",
    "GET /families/{id}/history": "api_history", "GET /families/{id}/summary": "api_summary",
    "GET /families/{id}/members/{member_id}/subject-access": "subject_access",
    "GET /verlauf": "web_search", "GET /verlauf/{case_number}": "web_history",
    "GET /offers/{id}": "api_offer", "GET /angebote/{offer_id}": "web_offer",
    "GET /angebote/{offer_id}/termin": "web_session",
}
PAGE_PREFIXES = (("GET /familien", "web_family"), ("GET /akte", "web_print"))


@dataclass(frozen=True)
class ReadRow:
    read_at: datetime
    reader: str
    role: str
    case_number: str | None
    names: list[str] | None
    what: str
    through_token: bool


def endpoint_key(endpoint: str) -> str:
    if endpoint in ENDPOINTS:
        return ENDPOINTS[endpoint]
    for prefix, key in PAGE_PREFIXES:
        if endpoint.startswith(prefix):
            return key
    return "web_other" if not endpoint.startswith("GET /families") else "api_other"


@router.get("/lesezugriffe", response_class=HTMLResponse)
def read_log(request: Request, person: PersonDep, familie: Text = None, person_: Annotated[
        str | None, Query(alias="person", max_length=100)] = None, seit: Text = None,
        seite: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    projects = policy.check_page(person.actor, policy.Page.READ_LOG)
    svc = services(request)
    t = person.texts
    errors: dict[str, str] = {}
    number = (familie or "").strip().upper()
    family_id: UUID | None = None
    if number:
        match = next((m for m in svc.index.found(case_number=number[:40])
                      if m.project in projects), None)
        if match is None:
            errors["familie"] = t("read_log.error.family", case_number=number)
        else:
            family_id = match.family_id
    staff = {s.staff_id: s for p in projects for s in svc.directory.staff(p)}
    reader = (person_ or "").strip() or None
    if reader is not None and reader not in staff:
        errors["person"] = t("read_log.error.person")
    since = None
    try:
        since = _since((seit or "").strip())
    except ValueError:
        errors["seit"] = t("read_log.error.date")
    total, entries = 0, list[ReadEntry]()
    if not errors:
        total, entries = svc.read_log.entries(
            projects=set(projects), family_id=family_id, staff_id=reader,
            since=since, limit=PAGE_SIZE, offset=(seite - 1) * PAGE_SIZE)
    families = {m.family_id: m for m in svc.index.found(family_ids={e.family_id for e in entries})}
    rows = []
    for e in entries:
        found = families.get(e.family_id)
        member = staff.get(e.staff_id)
        rows.append(ReadRow(
            e.read_at, (member.name if member else None) or t("read_log.unknown_reader"),
            t.code("role", e.role), found.case_number if found else None,
            found.names if found else None, t(f"read_log.endpoint.{endpoint_key(e.endpoint)}"),
            e.token_id is not None))
    query = {k: v for k, v in (("familie", number), ("person", reader or ""),
                               ("seit", (seit or "").strip())) if v}
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, person, "read_log.html", status=422 if errors else 200, rows=rows,
                  total=total, errors=errors, familie=number, reader=reader or "",
                  seit=(seit or "").strip(), seite=seite, pages=pages,
                  people=sorted((s.name or t("read_log.unknown_reader"), s.staff_id)
                                for s in staff.values()),
                  link=lambda page: "/lesezugriffe?" + urlencode({**query, "seite": page}))


def _since(text: str) -> datetime | None:
    """The start of that day in programme time (None: no filter; ValueError: no day)."""
    if not text:
        return None
    day = typed_day(text)
    if day < date(1900, 1, 1):
        raise ValueError(text)
    return datetime.combine(day, time.min, tzinfo=PROGRAMME_TZ)
