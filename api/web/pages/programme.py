"""Programm: the families a project reached in a year against its yearly target, and its
social-space statistics, as figures and charts (coordinators, auditors, reporting).

"Families reached" is the report's definition (``programme_figures``): the families
reached from 1 January to the end of each month, read as the report reads them; the
month's increase is the month's column (January's includes the families carried over
from the year before). The social-space statistics are those of
``GET /projects/{p}/social-space`` for the year's months; the social-space offers'
figures (section "Sozialraumarbeit") those of ``GET /projects/{p}/social-space/offers``
(``programme_offers``). Counts only: no family, no name, no link to a family.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.read_your_writes import catch_up
from api.routes.statistics import hours
from api.web import charts, formats
from api.web.pages.base import PageProblem, PageRoute, PersonDep, render, services
from api.web.pages.programme_offers import count, offer_section
from api.web.pages.reporting import chosen_project
from application import policy
from domain.rules import today_in_programme
from domain.values import ReferralOutcome
from projections.reporting.programme import PENDING
from projections.reporting.programme_figures import ProgrammeFigures, programme_figures
from projections.views.social_space_read import MonthCount, read_social_space

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class MonthRow:
    month: int
    reached: int | None
    """Families reached from 1 January to the month's end (None: a month to come)."""
    new: int | None
    target: int | None
    """The yearly target's share up to the month's end, rounded up."""


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def share_of_target(yearly: int | None, months: int) -> int | None:
    """The yearly target's share of ``months`` months, rounded up (the report's rule)."""
    return None if yearly is None else -(-yearly * months // 12)


def percent(part: int, whole: int | None) -> float | None:
    """``part`` of ``whole`` in percent, one decimal rounded half up (as the report)."""
    if not whole:
        return None
    return float((Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1"),
                                                                 rounding=ROUND_HALF_UP))


@router.get("/programm", response_class=HTMLResponse)
def programme(request: Request, person: PersonDep,
              projekt: Annotated[str | None, Query(max_length=10)] = None,
              jahr: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Response:
    svc = services(request)
    chosen = chosen_project(svc, person, policy.Page.PROGRAMME, projekt)
    today = today_in_programme()
    year = jahr or today.year
    if year > today.year:
        raise PageProblem(404, "error.not_found")
    catch_up(svc, None)
    tables, view = svc.cases.tables, svc.views.programme
    last = 12 if year < today.year else today.month
    known: list[ProgrammeFigures] = [
        programme_figures(tables, view, chosen.code, date(year, 1, 1), month_end(year, m),
                          None, chosen.yearly_target) for m in range(1, last + 1)]
    rows, before = [], 0
    for m in range(1, 13):
        reached = known[m - 1].period.families if m <= last else None
        rows.append(MonthRow(m, reached, None if reached is None else reached - before,
                             share_of_target(chosen.yearly_target, m)))
        if reached is not None:
            before = reached
    whole = known[-1]
    first = whole.project_start.year if whole.project_start else year
    years = list(range(min(first, year), today.year + 1))
    texts = person.texts
    short = [texts(f"programme.month_short.{m}") for m in range(1, 13)]
    reached_chart = charts.columns(
        short, [r.new for r in rows], line=[r.reached for r in rows],
        target=[r.target for r in rows if r.target is not None], right=84)
    space = read_social_space(tables, svc.views.social_space, project=chosen.code,
                              from_month=f"{year}-01", to_month=f"{year}-12")
    by_month = {m.month: m for m in space.consultations_by_month}
    months = [by_month.get(f"{year}-{m:02d}", MonthCount(f"{year}-{m:02d}", 0, 0))
              for m in range(1, 13)]

    def number(value: float) -> str:
        return formats.number(value, texts.language)

    return render(
        request, person, "programme.html", chosen=chosen, year=year, years=years,
        rows=rows, whole=whole, reached=whole.period.families,
        yearly_share=percent(whole.period.families, chosen.yearly_target),
        reached_chart=reached_chart, last_month=last, space=space, months=months,
        hours=hours,
        month_chart=charts.columns(short, [m.consultations for m in months]),
        district_chart=charts.bars([(d.district, d.families, number(d.families))
                                    for d in space.by_district]),
        topic_chart=charts.bars([(texts.code("topic", t.topic), t.consultations,
                                  number(t.consultations)) for t in space.by_topic]),
        mode_chart=charts.bars([(texts.code("contact_mode", m.mode), m.consultations,
                                 number(m.consultations)) for m in space.by_mode]),
        referral_chart=charts.bars([(texts.code("institution_type", r.institution_type),
                                     r.referrals, number(r.referrals))
                                    for r in space.by_institution_type]),
        goal_chart=charts.bars([(texts.code("life_area", g.life_area), g.set, number(g.set))
                                for g in space.by_life_area]),
        outcomes=(*(o.value for o in ReferralOutcome), PENDING),
        offers=offer_section(svc, chosen, year, short, texts.language, number),
        count=lambda v: count(v, number))
