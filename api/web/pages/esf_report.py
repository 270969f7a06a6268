"""ESF+-Bericht: a project's report for a half-year, "wie jetzt bekannt" or "Stand zum
Stichtag", with the figures that differ between the two marked, the plausibility
findings (coordinators and auditors: each with a link to the family to fix; reporting
users: how many), the downloads of ``GET /reports/esf`` and, for coordinators, the
submission through the command pipeline.

The report is the JSON API's (``esf_report``), read with the same rules for each role;
the downloads are its renderers (``esf_render``), served under the page's session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import Services
from api.read_your_writes import catch_up
from api.routes.reports import XLSX
from api.web.pages.base import (
    PageProblem,
    PageRoute,
    Person,
    PersonDep,
    form_of,
    redirect,
    render,
    services,
)
from api.web.pages.esf_texts import (
    FindingRow,
    finding_groups,
    finding_rows,
    indicator_rows,
    programme_rows,
)
from api.web.pages.reporting import Chosen, chosen_project
from application import policy
from application.commands import SubmitReport
from application.refusals import Refusal
from domain.rules import today_in_programme
from projections.reporting.esf_figures import Period
from projections.reporting.esf_render import report_csv, report_xlsx
from projections.reporting.esf_report import EsfReport, esf_report

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STAND = {"jetzt": "now", "stichtag": "cutoff"}
Stand = Literal["jetzt", "stichtag"]
PeriodText = Annotated[str | None, Query(max_length=7)]
ProjectText = Annotated[str | None, Query(max_length=10)]


def last_closed(today: date) -> Period:
    """The latest half-year whose cut-off has passed: the one to report."""
    return Period(today.year - 1, 2) if today.month <= 6 else Period(today.year, 1)


def periods(today: date, chosen: Period) -> list[Period]:
    """The half-years to choose from: the last three years' up to the current one."""
    found = [Period(y, h) for y in range(today.year - 2, today.year + 1) for h in (1, 2)
             if (y, h) <= (today.year, 1 if today.month <= 6 else 2)]
    if chosen not in found:
        found.append(chosen)
    return sorted(found, key=lambda p: (p.year, p.half), reverse=True)


def parse_period(text: str | None) -> Period:
    if not text:
        return last_closed(today_in_programme())
    try:
        return Period.parse(text)
    except ValueError:
        raise PageProblem(422, "esf_report.bad_period") from None


@dataclass(frozen=True)
class Read:
    chosen: Chosen
    period: Period
    stand: Stand
    report: EsfReport


def read(svc: Services, person: Person, projekt: str | None, zeitraum: str | None,
         stand: Stand) -> Read:
    chosen = chosen_project(svc, person, policy.Page.ESF_REPORT, projekt)
    period = parse_period(zeitraum)
    catch_up(svc, None)
    report = esf_report(svc.cases, svc.views.esf, chosen.code, period, STAND[stand],
                        details=chosen.details, programme=svc.views.programme,
                        yearly_target=chosen.yearly_target)
    return Read(chosen, period, stand, report)


def page_query(r: Read) -> str:
    return urlencode({"projekt": r.chosen.code, "zeitraum": str(r.period), "stand": r.stand})


@router.get("/esf-bericht", response_class=HTMLResponse)
def esf_page(request: Request, person: PersonDep, projekt: ProjectText = None,
             zeitraum: PeriodText = None, stand: Stand = "jetzt",
             eingereicht: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    svc = services(request)
    return show(request, person, svc, read(svc, person, projekt, zeitraum, stand),
                submitted=eingereicht is not None)


def show(request: Request, person: Person, svc: Services, r: Read, *, submitted: bool = False,
         error: str | None = None, status: int = 200) -> Response:
    texts, report = person.texts, r.report
    indicators, programme = indicator_rows(texts, report), programme_rows(texts, report)
    findings: list[FindingRow] = finding_rows(texts, report, svc.index, r.chosen.details)
    names = {v.staff_id: v.name for v in svc.directory.staff(r.chosen.code)}
    sent = sorted(svc.cases.report_submissions(r.chosen.code),
                  key=lambda s: s.originator_version, reverse=True)
    may_submit = policy.may(r.chosen.role, policy.Action.SUBMIT_REPORT)
    return render(
        request, person, "esf_report.html", status=status, chosen=r.chosen, period=r.period,
        stand=r.stand, periods=periods(today_in_programme(), r.period), report=report,
        indicators=indicators, programme=programme,
        findings=finding_groups(texts, findings),
        errors=sum(f.severity == "error" for f in findings),
        since_submission=report.since_submission(), submissions=sent, names=names,
        show_names=r.chosen.details, may_submit=may_submit, submitted=submitted,
        error=error, key=secrets.token_urlsafe(18), query=page_query(r),
        changed=(sum(row.other is not None for row in indicators),
                 sum(bool(row.changes) for row in programme)))


@router.get("/esf-bericht/download")
def download(request: Request, person: PersonDep, projekt: ProjectText = None,
             zeitraum: PeriodText = None, stand: Stand = "jetzt",
             format: Literal["xlsx", "csv"] = "xlsx",
             tabelle: Literal["indikatoren", "programm"] = "indikatoren") -> Response:
    svc = services(request)
    r = read(svc, person, projekt, zeitraum, stand)
    as_known = STAND[stand]
    name = f"esf-{r.chosen.code}-{r.period}-{as_known}.{format}"
    if format == "csv":
        table = "indicators" if tabelle == "indikatoren" else "programme"
        name = f"{'esf' if table == 'indicators' else 'programme'}-{r.chosen.code}-" \
               f"{r.period}-{as_known}.csv"
        body = report_csv(r.report, table).encode()
        media = "text/csv; charset=utf-8"
    else:
        body, media = report_xlsx(r.report, details=r.chosen.details), XLSX
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/esf-bericht/einreichen", response_class=HTMLResponse)
async def submit(request: Request, person: PersonDep) -> Response:
    form = await form_of(request, person)
    svc = services(request)
    stand: Stand = "stichtag" if form.get("stand") == "stichtag" else "jetzt"
    chosen = chosen_project(svc, person, policy.Page.ESF_REPORT, form.get("projekt") or None)
    if not policy.may(chosen.role, policy.Action.SUBMIT_REPORT):
        raise PageProblem(403, "error.forbidden")
    period = parse_period(form.get("zeitraum"))
    key = (form.get("schluessel") or "")[:100] or None
    command = SubmitReport.model_validate({"project": chosen.code, "period": str(period),
                                           "as": STAND[stand]})
    try:
        svc.pipeline.execute(command, person.actor, None, key)
    except Refusal as e:
        if e.status != 422:
            raise
        r = read(svc, person, chosen.code, str(period), stand)
        return show(request, person, svc, r, status=422, error=person.texts(
            "esf_report.submit.not_plausible" if e.rule == "report_not_plausible"
            else "esf_report.submit.refused"))
    return redirect("/esf-bericht?" + urlencode({
        "projekt": chosen.code, "zeitraum": str(period), "stand": stand, "eingereicht": "1"}))

