"""The ESF+ report of a project for a reporting period (see ``projections/reporting/``),
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

from api.deps import ActorDep, Services, ServicesDep
from api.problems import ERROR_RESPONSES, ApiProblem
from api.read_your_writes import After, catch_up
from application import policy
from application.directory import Directory
from application.pipeline import ReportFigures
from domain.errors import DomainError
from domain.report_submissions import Figures
from projections.reporting.esf_figures import Period
from projections.reporting.esf_render import report_csv, report_json, report_xlsx
from projections.reporting.esf_report import esf_report, figure_values
from projections.reporting.offer_render import (
    directory_names,
    hides_small_counts,
    offer_section,
)

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
            "json; csv: the indicator table (or, with table=programme, the programme "
            "figures) with German and English labels; xlsx: a workbook with the "
            "indicator table, the differences, the programme figures and the plausibility "
            "findings (and, for auditors and coordinators, who is behind each figure)."
            ))] = "json",
        table: Annotated[Literal["indicators", "programme"], Query(description=(
            "Which table a CSV holds: the ESF+ indicators or the programme figures."))
        ] = "indicators",
        after: After = None,
) -> Any:
    """EECO01-EECO17 and EECR01-EECR06, each in total and by gender (women, men,
    non-binary), with unknown counts for the special-category items; the number of
    records not counted for incomplete core data; and every figure that differs between
    "now" and "at the cut-off"; the programme figures of the period and since the start
    (families reached against the project's yearly target, children, persons,
    consultations and hours by topic and mode, referrals, goals, case duration, exits),
    and those that differ. Auditors and coordinators also get, per figure, the
    participants and events behind it and the incomplete records to complete."""
    role = policy.check_project(actor, A.READ_FIGURES, project)
    try:
        chosen = Period.parse(period)
    except ValueError as e:
        raise ApiProblem(422, "invalid_period", "Invalid input", str(e),
                         field="period") from None
    catch_up(svc, after)
    details = policy.may(role, A.READ_REPORT_DETAILS)
    report = esf_report(svc.cases, svc.views.esf, project, chosen, as_known, details=details,
                        programme=svc.views.programme,
                        yearly_target=yearly_target(svc.directory, project))
    record = svc.directory.project(project)
    report.social_space = offer_section(
        svc.cases.tables, svc.views.offers, project, chosen.start, chosen.cutoff,
        None if as_known == "now" else chosen.cutoff,
        hidden=hides_small_counts(record, role), names=directory_names(record))
    name = f"esf-{project}-{chosen}-{as_known}.{format}"
    if format == "csv":
        name = f"{'esf' if table == 'indicators' else 'programme'}-{project}-{chosen}-" \
               f"{as_known}.csv"
    download = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(report_csv(report, table), media_type="text/csv; charset=utf-8",
                        headers=download)
    if format == "xlsx":
        return Response(report_xlsx(report, details=details), media_type=XLSX,
                        headers=download)
    return JSONResponse(report_json(report, details=details))


def yearly_target(directory: Directory, project: str) -> int | None:
    try:
        return directory.project(project).yearly_target
    except DomainError:  # (a project the directory does not know has no target)
        return None


def submission_figures(services: Services) -> ReportFigures:
    """The figures a submission records: the report of the period as it reads now, once
    the views have caught up; refused while a plausibility check finds an error."""

    def figures(project: str, period: str, as_known: str) -> tuple[str, Figures]:
        try:
            chosen = Period.parse(period)
        except ValueError as e:
            raise ApiProblem(422, "invalid_period", "Invalid input", str(e),
                             field="period") from None
        catch_up(services, None)
        report = esf_report(services.cases, services.views.esf, project, chosen, as_known)
        errors = [f for f in report.findings if f.severity == "error"]
        if errors:
            raise ApiProblem(422, "report_not_plausible", "Report not plausible",
                             "; ".join(f.message for f in errors), field="period")
        return str(chosen), figure_values(report.figures)

    return figures
