"""``GET /families/{id}/members/{member_id}/subject-access``: a person's right of access
(GDPR Art. 15), for coordinators only: everything Lotse holds about one member of a
family, as JSON or as a printable German document (``?format=html``). Every export is
written to the read log before it is answered, whoever asks (``application/subject_access.py``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES, ApiProblem
from api.read_your_writes import catch_up
from api.routes.families import _access
from application import policy
from application.read_log import now
from application.subject_access import MemberNotFound, Requested, collect
from application.subject_access_html import render
from projections.views.subject_documents import documents_of

router = APIRouter(tags=["data protection"], responses=ERROR_RESPONSES)
ENDPOINT = "GET /families/{id}/members/{member_id}/subject-access"


class SubjectAccessOut(BaseModel):
    """Everything held about one person (keys of ``views`` are the views' names)."""

    format: str = Field(description="`lotse-subject-access/1`")
    generated_at: str
    generated_by: str
    subject: dict[str, Any] = Field(description="The person's own data as the case holds it "
                                    "now (null where erased).")
    family: dict[str, Any] = Field(description="The family's case: status, dates, address, "
                                   "consents.")
    erasure: dict[str, Any] | None = Field(description=(
        "Set when the family's personal data were erased: when, on which legal basis, and "
        "what remains (pseudonymous figures)."))
    participations: list[dict[str, Any]]
    events: list[dict[str, Any]] = Field(description=(
        "The events of the family's history that concern the person (those naming other "
        "members only are left out), decrypted."))
    views: dict[str, Any] = Field(description="What each view holds about the family, "
                                  "with named fields (records of other members left out).")
    read_log: list[dict[str, Any]] = Field(description=(
        "Who read the family's record when, newest first (this export included)."))


@router.get("/families/{family_id}/members/{member_id}/subject-access",
            response_model=SubjectAccessOut,
            summary="Everything held about one person, as JSON or a printable German "
                    "document (GDPR Art. 15; coordinators)",
            responses={200: {"content": {"text/html": {}}}})
def subject_access(svc: ServicesDep, actor: ActorDep, family_id: UUID, member_id: UUID,
                   format: Annotated[Literal["json", "html"], Query(description=(
                       "`html`: a German document with a print stylesheet."))] = "json",
                   ) -> Any:
    """The person's data, their ESF+ participations, the events that concern them, the
    views' documents about their family and the read log of the family. The export is
    logged in the read log."""
    state, access = _access(svc, actor, family_id, policy.Action.SUBJECT_ACCESS)
    if member_id not in state.members:
        raise ApiProblem(404, "member_not_found", "Not found",
                         "the family has no member with this id", field="member_id")
    catch_up(svc, None)
    try:
        export = collect(svc.cases, svc.read_log, family_id, member_id,
                         documents_of(svc.cases.tables, svc.views.engine.views, family_id),
                         Requested(actor.staff_id, str(access.role), ENDPOINT,
                                   actor.token_id, now()))
    except MemberNotFound:  # (removed meanwhile: members are never removed, but still)
        raise ApiProblem(404, "member_not_found", "Not found",
                         "the family has no member with this id", field="member_id") from None
    if format == "html":
        return HTMLResponse(render(export))
    return JSONResponse(export)
