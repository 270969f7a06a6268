"""Reading families: search, the case now or at a point in time, the full history.

Reads by anyone other than the family's own case manager are written to the read log
before the answer leaves (``application/policy.py`` decides who is logged).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.deps import ActorDep, ServicesDep
from api.family_responses import (
    CaseOut,
    FamilyPage,
    FamilySummaryOut,
    HistoryOut,
    case_out,
    history_out,
)
from api.problems import ERROR_RESPONSES, ApiProblem
from application import policy
from application.directory import Actor
from application.read_log import ReadEntry, now
from domain.records import CaseState

router = APIRouter(prefix="/families", tags=["families"], responses=ERROR_RESPONSES)
A = policy.Action


def _log_read(svc: ServicesDep, actor: Actor, access: policy.FamilyAccess, project: str,
              family_id: UUID, endpoint: str) -> None:
    if access.read_logged:
        svc.read_log.record([ReadEntry(now(), actor.staff_id, access.role, project,
                                       family_id, endpoint, actor.token_id)])


def _access(svc: ServicesDep, actor: Actor, family_id: UUID,
            action: policy.Action) -> tuple[CaseState, policy.FamilyAccess]:
    """Access is decided on the case as it is now (who is responsible today, whether
    its processing is restricted)."""
    state = svc.cases.get_case(family_id).state
    return state, policy.check_family(actor, action, state.project, state.case_manager,
                                      restricted=state.erasure_request is not None)


@router.get("", summary="Search families by case number or name", response_model=FamilyPage)
def search_families(
        svc: ServicesDep, actor: ActorDep,
        q: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description=(
            "A case number or its beginning (`KR-2026-00`), or name parts of at least "
            "three letters (`hoff ami`)."))] = None,
        project: Annotated[str | None, Query(max_length=10)] = None,
        status: Annotated[str | None, Query(pattern="^(open|closed|restricted|erased)$",
                                            description=(
            "`restricted`: families that asked for erasure during retention (coordinators "
            "and auditors; a case manager's search leaves them out)."))] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> FamilyPage:
    """Families within your scope: your own cases as a case manager, the whole project
    otherwise. Ordered by case number."""
    scope = policy.scope_for(actor, A.SEARCH, project)
    allowed = scope.projects
    page = svc.index.search(projects=set(allowed), query=q, status=status, limit=limit,
                            offset=offset,
                            case_manager=actor.staff_id if scope.own_cases_only else None,
                            hide_restricted=scope.own_cases_only)
    entries = [ReadEntry(now(), actor.staff_id, allowed[f.project], f.project, f.family_id,
                         "GET /families", actor.token_id)
               for f in page.items if f.case_manager != actor.staff_id]
    svc.read_log.record(entries)
    return FamilyPage(total=page.total, limit=limit, offset=offset,
                      items=[FamilySummaryOut(**vars(f)) for f in page.items])


@router.get("/{family_id}", summary="A family's case, now or at a point in time",
            response_model=CaseOut)
def get_family(svc: ServicesDep, actor: ActorDep, family_id: UUID, response: Response,
               as_of: Annotated[date | None, Query(description=(
                   "The case as it was known by the end of this day: the recorded "
                   "timeline, so entries recorded later for earlier dates are not in it."
                   ))] = None,
               version: Annotated[int | None, Query(ge=1, le=10_000_000, description=(
                   "The case after this many events."))] = None) -> CaseOut:
    if as_of is not None and version is not None:
        raise ApiProblem(422, "as_of_and_version", "Invalid input",
                         "ask for a date (as_of) or a version, not both", field="version")
    state, access = _access(svc, actor, family_id, A.READ_CASE)
    if as_of is not None:
        view = svc.cases.get_case_as_of(family_id, as_of)
    else:
        view = svc.cases.get_case(family_id, version=version)
    _log_read(svc, actor, access, state.project, family_id, "GET /families/{id}")
    response.headers["ETag"] = f'"{view.version}"'
    return case_out(view)


@router.get("/{family_id}/history", summary="Every event of a family, on both timelines",
            response_model=HistoryOut)
def get_history(svc: ServicesDep, actor: ActorDep, family_id: UUID) -> HistoryOut:
    """When each thing happened (`occurred_on`) and when and by whom it was recorded."""
    state, access = _access(svc, actor, family_id, A.READ_HISTORY)
    entries = svc.cases.history(family_id)
    _log_read(svc, actor, access, state.project, family_id, "GET /families/{id}/history")
    return HistoryOut(family_id=family_id, case_number=state.case_number,
                      version=entries[-1].version if entries else 0,
                      events=[history_out(e) for e in entries])
