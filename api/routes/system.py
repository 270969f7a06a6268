"""Health probes and the auditors' read log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.deps import ActorDep, ServicesDep
from api.problems import BASE_RESPONSES, ERROR_RESPONSES, ApiProblem
from api.responses import Health, ReadEntryOut, ReadLogPage
from application import policy

PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
router = APIRouter(tags=["system"], responses=BASE_RESPONSES)
audit = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)


@router.get("/healthz", summary="The process is alive", response_model=Health,
            response_model_exclude_none=True)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", summary="The store answers: ready for traffic", response_model=Health)
def readyz(svc: ServicesDep) -> Health:
    try:
        svc.tables_ping()
    except Exception as e:
        raise ApiProblem(503, "store_unavailable", "Service unavailable",
                         f"the store does not answer: {type(e).__name__}") from None
    return Health(status="ready", store="postgresql" if svc.cases.settings.uses_postgres
                  else "sqlite")


@audit.get("/reads", summary="Who read which family's record (auditors)",
           response_model=ReadLogPage)
def reads(svc: ServicesDep, actor: ActorDep,
          project: Annotated[str | None, Query(max_length=10)] = None,
          family_id: UUID | None = None,
          staff_id: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)] = None,
          since: datetime | None = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 100,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> ReadLogPage:
    """Newest first, within the projects you audit."""
    if project is not None:
        policy.check_project(actor, policy.Action.READ_AUDIT_LOG, project)
        projects = {project}
    else:
        projects = set(policy.projects_for(actor, policy.Action.READ_AUDIT_LOG))
        if not projects:
            role = next(iter(actor.roles.values()))
            raise policy.forbidden(role, policy.Action.READ_AUDIT_LOG)
    total, entries = svc.read_log.entries(projects=projects, family_id=family_id,
                                          staff_id=staff_id, since=since, limit=limit,
                                          offset=offset)
    return ReadLogPage(total=total, limit=limit, offset=offset,
                       items=[ReadEntryOut(**vars(e)) for e in entries])
