"""The ESF+ report of a project for a reporting period (see ``projections/esf_report.py``),
with its plausibility findings, as JSON, CSV or an XLSX workbook.

Coordinators, auditors and reporting users read the figures. Auditors and coordinators
also see what is behind them: the participants (pseudonymous) and the events of each
figure, of each difference between "as known now" and "as it could be known at the
cut-off", and the records not counted for incomplete core data. Reporting users see
figures only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from api import policy
from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES, ApiProblem
from api.routes.views import After, catch_up
from projections.esf_report import Period, esf_report, report_csv, report_json, report_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)
A = policy.Action


@router.get("/reports/esf", summary="ESF+ common indicators of a project for a reporting "
                                    "period, as known now or at the cut-off",
            responses={200: {"content": {"application/json": {}, "text/csv": {},
                                         XLSX: {}}}})
def esf(svc: ServicesDep, actor: ActorDep,
        project: Annotated[str, Query(max_length=10, examples=["KR"])],
        period: Annotated[str, Query(max_length=7, examples=["2026-H1"], description=(
            "Half-year: 2026-H1 (cut-off 30 June) or 2026-H2 (31 December); values are "
            "cumulative from the project's start."))],
        as_known: Annotated[Literal["now", "cutoff"], Query(alias="as", description=(
            "now: everything that happened by the cut-off, corrections and backdated "
            "entries recorded later included; cutoff: only what was recorded by the end "
            "of the cut-off day."))] = "now",
        format: Annotated[Literal["json", "csv", "xlsx"], Query(description=(
            "json; csv: the indicator table with German and English labels; xlsx: a "
            "workbook with the indicator table, the differences and the plausibility "
            "findings (and, for auditors and coordinators, who is behind each figure)."
            ))] = "json",
        after: After = None,
) -> Any:
    """EECO01-EECO17 and EECR01-EECR06, each in total and by gender (women, men,
    non-binary), with unknown counts for the special-category items; the number of
    records not counted for incomplete core data; and every figure that differs between
    "now" and "at the cut-off". Auditors and coordinators also get, per figure, the
    participants and events behind it and the incomplete records to complete."""
    role = policy.check_project(actor, A.READ_FIGURES, project)
    try:
        chosen = Period.parse(period)
    except ValueError as e:
        raise ApiProblem(422, "invalid_period", "Invalid input", str(e),
                         field="period") from None
    catch_up(svc, after)
    report = esf_report(svc.cases, svc.views.esf, project, chosen, as_known)
    details = policy.may(role, A.READ_REPORT_DETAILS)
    name = f"esf-{project}-{chosen}-{as_known}.{format}"
    download = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers=download)
    if format == "xlsx":
        return Response(report_xlsx(report, details=details), media_type=XLSX,
                        headers=download)
    return JSONResponse(report_json(report, details=details))
