"""The caseload across families (``GET /caseload``) and a project's team overview
(``GET /projects/{p}/team``), from the caseload view. Each read first catches the views
up (``api/read_your_writes.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES
from api.read_your_writes import After, catch_up
from application import policy
from domain.rules import today_in_programme
from projections.views.caseload import read_caseload, read_team

router = APIRouter(tags=["views"], responses=ERROR_RESPONSES)
A = policy.Action

class CaseloadItem(BaseModel):
    family_id: UUID
    project: str
    case_number: str
    case_manager: str | None
    status: str
    opened_on: date
    case_age_days: int
    last_contact_on: date | None
    days_since_contact: int | None
    next_follow_up_on: date | None
    follow_up_overdue: bool
    open_goals: int
    pending_referrals: int


class CaseloadPage(BaseModel):
    total: int
    limit: int
    offset: int
    position: int = Field(description="The event-log position the view had reached.")
    items: list[CaseloadItem]


@router.get("/caseload", response_model=CaseloadPage,
            summary="Families with last contact, follow-ups, open goals and referrals")
def caseload(svc: ServicesDep, actor: ActorDep,
             project: Annotated[str | None, Query(max_length=10)] = None,
             case_manager: Annotated[str | None, Query(max_length=100,
                                                       pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
             status: Annotated[str | None, Query(
                 pattern="^(open|closed|restricted|erased|any)$", description=(
                     "`restricted`: families that asked for erasure during retention "
                     "(never in a case manager's caseload)."))] = "open",
             after: After = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 100,
             offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> CaseloadPage:
    """A case manager's own families (oldest contact first); coordinators and auditors
    see the whole project and may filter by case manager. A family whose processing is
    restricted (it asked for erasure during retention) leaves its case manager's
    caseload; coordinators and auditors find it with `status=restricted` (or `any`)."""
    scope = policy.scope_for(actor, A.READ_CASELOAD, project)
    if scope.own_cases_only:
        case_manager = actor.staff_id
    position = catch_up(svc, after)
    total, rows = read_caseload(svc.cases.tables, svc.views.caseload, projects=set(scope.projects),
                                case_manager=case_manager,
                                status=None if status == "any" else status,
                                limit=limit, offset=offset,
                                hide_restricted=scope.own_cases_only)
    today = today_in_programme()
    return CaseloadPage(total=total, limit=limit, offset=offset,
                        position=position, items=[CaseloadItem(
                            **vars(r),
                            case_age_days=(today - r.opened_on).days,
                            days_since_contact=(today - r.last_contact_on).days
                            if r.last_contact_on else None,
                            follow_up_overdue=bool(r.next_follow_up_on
                                                   and r.next_follow_up_on < today))
                            for r in rows])


class TeamMember(BaseModel):
    case_manager: str | None = Field(description="None: cases nobody is assigned to.")
    active_cases: int
    overdue_follow_ups: int
    without_contact_21_days: int


class TeamOverview(BaseModel):
    project: str
    as_of: date
    position: int
    case_managers: list[TeamMember]
    unassigned_cases: int


@router.get("/projects/{project}/team", response_model=TeamOverview,
            summary="Per case manager: open cases, overdue follow-ups, families not seen "
                    "for 21 days (coordinators, auditors)")
def team(svc: ServicesDep, actor: ActorDep,
         project: Annotated[str, Path(max_length=10, examples=["KR"])]) -> TeamOverview:
    policy.check_project(actor, A.READ_TEAM, project)
    svc.views.engine.run_once()
    today = today_in_programme()
    rows = read_team(svc.cases.tables, svc.views.caseload, project=project, today=today)
    return TeamOverview(
        project=project, as_of=today, position=svc.views.engine.position(),
        case_managers=[TeamMember(**vars(r)) for r in rows if r.case_manager is not None],
        unassigned_cases=sum(r.active_cases for r in rows if r.case_manager is None))
