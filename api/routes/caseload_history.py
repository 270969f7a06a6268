"""``GET /projects/{p}/caseload-history``: who carried which family from when to when,
from the caseload history view (coordinators and auditors).

Like every view read, each request first catches the views up with every command
acknowledged before it; ``?after=<position>`` waits, bounded, for a write made through
another server process.
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
from projections.views.caseload_history import SORTS, read_history

router = APIRouter(tags=["views"], responses=ERROR_RESPONSES)
A = policy.Action


class ResponsibilityOut(BaseModel):
    family_id: UUID
    project: str
    case_number: str
    case_manager: str
    from_on: date = Field(description="The first day (the assignment's or reopening's date).")
    until_on: date | None = Field(description=(
        "The last day (the next transfer's, the closure's or the erasure's date); None "
        "while it lasts."))
    assigned_by: str = Field(description="Who recorded the assignment or reopening.")
    started_by: str = Field(description="intake, transfer or reopening")
    version: int = Field(description="The family's version at the event that began it.")
    ended_by: str | None = Field(description="transfer, closure, erasure, or None")
    ended_version: int | None = Field(description="The family's version at the event "
                                                  "that ended it.")


class CaseloadHistoryPage(BaseModel):
    project: str
    total: int
    limit: int
    offset: int
    position: int = Field(description="The event-log position the views had reached.")
    items: list[ResponsibilityOut]


@router.get("/projects/{project}/caseload-history", response_model=CaseloadHistoryPage,
            summary="Who was responsible for which family from when to when "
                    "(coordinators, auditors)")
def caseload_history(
        svc: ServicesDep, actor: ActorDep,
        project: Annotated[str, Path(max_length=10, examples=["KR"])],
        family_id: Annotated[UUID | None, Query(description="One family's intervals.")] = None,
        case_manager: Annotated[str | None, Query(max_length=100,
                                                  pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
        on: Annotated[date | None, Query(description=(
            "Intervals covering this day (first and last day included: on a transfer's "
            "day both case managers are listed)."))] = None,
        sort: Annotated[str, Query(pattern=f"^({'|'.join(SORTS)})$", description=(
            "from (default), until (open intervals last), case_number or case_manager; "
            "a leading - reverses."))] = "from",
        after: After = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> CaseloadHistoryPage:
    """Each interval from an intake or a transfer (or a reopening) to the next transfer,
    the closure or the erasure; a closed case is carried by nobody."""
    policy.check_project(actor, A.READ_CASELOAD_HISTORY, project)
    position = catch_up(svc, after)
    total, rows = read_history(svc.cases.tables, svc.views.caseload_history, project=project,
                               family_id=family_id, case_manager=case_manager, on=on,
                               sort=sort, limit=limit, offset=offset)
    return CaseloadHistoryPage(project=project, total=total, limit=limit, offset=offset,
                               position=position,
                               items=[ResponsibilityOut(**vars(r)) for r in rows])
