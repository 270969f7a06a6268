"""The statistics of a project's social-space offers (issue 15), counts only, as known
now or at the end of a day (``projections.reporting.offer_figures``), with the "< 5"
rule for reporting users (``projections.reporting.offer_render``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import ActorDep, Services, ServicesDep
from api.problems import ERROR_RESPONSES, ApiProblem
from api.read_your_writes import After, catch_up
from application import policy
from domain.directory import Role
from projections.reporting.esf_figures import Period
from projections.reporting.offer_figures import offer_figures
from projections.reporting.offer_render import directory_names, hides_small_counts, offer_json

router = APIRouter(tags=["statistics"], responses=ERROR_RESPONSES)
A = policy.Action
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def months_of(period: str | None, from_month: str | None,
              to_month: str | None) -> tuple[str | None, str | None, date | None]:
    """The months [from, to] asked for and the period's cut-off (None: no period)."""
    if period is not None:
        if from_month is not None or to_month is not None:
            raise ApiProblem(422, "period_and_months", "Invalid input", "name a period or "
                             "months (from, to), not both", field="period")
        try:
            chosen = Period.parse(period)
        except ValueError as e:
            raise ApiProblem(422, "invalid_period", "Invalid input", str(e),
                             field="period") from None
        return chosen.start.isoformat()[:7], chosen.cutoff.isoformat()[:7], chosen.cutoff
    if from_month is not None and to_month is not None and from_month > to_month:
        raise ApiProblem(422, "month_range_reversed", "Invalid input",
                         f"the period ends ({to_month}) before it begins ({from_month})",
                         field="to")
    return from_month, to_month, None


def offer_statistics(svc: Services, project: str, role: Role, *, from_month: str | None,
                     to_month: str | None, known_by: date | None) -> dict[str, Any]:
    record = svc.directory.project(project)
    figures = offer_figures(svc.cases.tables, svc.views.offers, project,
                            from_month=from_month, to_month=to_month, known_by=known_by)
    return offer_json(figures, hidden=hides_small_counts(record, role),
                      names=directory_names(record))


@router.get("/projects/{project}/social-space/offers",
            summary="Social-space offers: sessions, hours, attendance, named participants, "
                    "cases opened through offers, partners (coordinators, auditors, "
                    "reporting)")
def social_space_offers(
        svc: ServicesDep, actor: ActorDep,
        project: Annotated[str, Path(max_length=10, examples=["KR"])],
        from_month: Annotated[str | None, Query(
            alias="from", pattern=MONTH, max_length=7, examples=["2026-07"],
            description="First month, YYYY-MM (included); none: from the start.")] = None,
        to_month: Annotated[str | None, Query(
            alias="to", pattern=MONTH, max_length=7, examples=["2026-12"],
            description="Last month, YYYY-MM (included); none: up to now.")] = None,
        period: Annotated[str | None, Query(max_length=7, examples=["2026-H2"], description=(
            "A half-year instead of from/to: 2026-H1 or 2026-H2."))] = None,
        as_known: Annotated[str, Query(alias="as", pattern="^(now|cutoff)$", description=(
            "now: every event; cutoff: as known at the end of the period's last day (with "
            "period or to)."))] = "now",
        known_on: Annotated[date | None, Query(description=(
            "As known at the end of this day: a session or correction recorded later does "
            "not count (instead of as=cutoff)."))] = None,
        after: After = None,
) -> dict[str, Any]:
    """Counts only, never a family. Sessions held and cancelled, hours, attendance (in
    total, by gender, by age band), first-time visitors, per month, by offer type and by
    place; the share of sessions held (held / (held + cancelled)); per offer the sessions
    held so far against those planned; named participants each counted once in the
    period; cases opened through social-space offers; per partner its sessions and the
    referrals made to it with their latest outcome. Reporting users see counts of one to
    four people as "< 5" while the project's rule is on (`POST
    /projects/{project}/small-counts`)."""
    role = policy.check_project(actor, A.READ_FIGURES, project)
    from_month, to_month, cutoff = months_of(period, from_month, to_month)
    known_by = known_on
    if as_known == "cutoff":
        if known_on is not None:
            raise ApiProblem(422, "cutoff_and_day", "Invalid input", "name as=cutoff or "
                             "known_on, not both", field="known_on")
        if cutoff is None and to_month is None:
            raise ApiProblem(422, "cutoff_without_period", "Invalid input", "as=cutoff "
                             "needs a period or a last month (to)", field="as")
        known_by = cutoff or _month_end(to_month or "")
    position = catch_up(svc, after)
    found = offer_statistics(svc, project, role, from_month=from_month, to_month=to_month,
                             known_by=known_by)
    return {**found, "position": position}


def _month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    following = date(year + number // 12, number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
