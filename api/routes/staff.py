"""Projects and staff accounts as the caller may see them; admins manage staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from api import policy
from api.commands import Context
from api.deps import COMMAND_HEADERS, ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES, ApiProblem
from api.responses import FiguresOut, IssuedTokenOut, MeOut, ProjectOut, StaffOut
from api.schemas import Body, Name
from application.directory import IssuedToken, StaffView
from application.idempotency import Receipt
from domain.directory import Role
from domain.rules import today_in_programme
from projections.views.figures import project_figures

router = APIRouter(tags=["staff"], responses=ERROR_RESPONSES)
A = policy.Action
KEYED = {"parameters": [h for h in COMMAND_HEADERS if h["name"] == "Idempotency-Key"]}
ProjectCode = Annotated[str, Path(max_length=10, examples=["KR"])]
StaffPath = Annotated[str, Path(max_length=100, examples=["st-3f9a2c1b"])]


class StaffIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Anna Schmidt", "role": "case_manager"}]})

    name: Name = Field(examples=["Anna Schmidt"])
    role: Role


def _staff_out(view: StaffView, project: str) -> StaffOut:
    """A staff member as seen from ``project``: their roles elsewhere are not shown."""
    return StaffOut(staff_id=view.staff_id, name=view.name,
                    roles={p: str(r) for p, r in view.roles.items() if p == project},
                    active_tokens=list(view.active_tokens))


@router.get("/me", summary="Who you are and your roles", response_model=MeOut)
def me(actor: ActorDep) -> MeOut:
    return MeOut(staff_id=actor.staff_id, name=actor.name,
                 roles={p: str(r) for p, r in actor.roles.items()})


@router.get("/projects", summary="Your projects", response_model=list[ProjectOut])
def projects(svc: ServicesDep, actor: ActorDep) -> list[ProjectOut]:
    return [ProjectOut(code=p.code, name=p.name, yearly_target=p.yearly_target,
                       your_role=str(actor.roles[p.code]))
            for p in svc.directory.projects() if p.code in actor.roles]


@router.get("/projects/{project}/figures", response_model=FiguresOut,
            summary="A project's families by status and year, without personal data")
def figures(svc: ServicesDep, actor: ActorDep, project: ProjectCode) -> FiguresOut:
    """For coordinators, auditors and reporting: counts only, never a family's record."""
    policy.check_project(actor, A.READ_FIGURES, project)
    found = project_figures(svc.index, project)
    year = today_in_programme().year
    return FiguresOut(project=found.project, families=found.families,
                      by_status=found.by_status, opened_by_year=found.opened_by_year,
                      yearly_target=svc.directory.project(project).yearly_target,
                      opened_this_year=found.opened_by_year.get(year, 0),
                      case_managers=found.case_managers)


@router.get("/projects/{project}/staff", summary="Staff of a project (coordinators, admins)",
            response_model=list[StaffOut])
def project_staff(svc: ServicesDep, actor: ActorDep, project: ProjectCode) -> list[StaffOut]:
    policy.check_project(actor, A.READ_STAFF, project)
    return [_staff_out(v, project) for v in svc.directory.staff(project)]


@router.post("/projects/{project}/staff", status_code=201, response_model=IssuedTokenOut,
             summary="Add a staff member with a role (admins); returns the token once",
             openapi_extra=KEYED)
def add_staff(project: ProjectCode, body: StaffIn, ctx: Context) -> Response:
    policy.check_project(ctx.actor, A.MANAGE_STAFF, project)
    issued, repeat = ctx.run_change(lambda: ctx.services.directory.add_staff(
        name=body.name, project=project, role=body.role, recorded_by=ctx.actor.staff_id))
    return _issued(issued, repeat)


def _issued(issued: IssuedToken | None, repeat: Receipt | None) -> Response:
    """The new token; a repeat of the request answers without it (shown once)."""
    if issued is not None:
        out = IssuedTokenOut(staff_id=issued.staff_id, token_id=issued.token_id,
                             token=issued.token)
        return JSONResponse(out.model_dump(), status_code=201)
    assert repeat is not None
    out = IssuedTokenOut(staff_id=repeat.facts["staff_id"], token_id=repeat.facts["token_id"],
                         token=None)
    return JSONResponse(out.model_dump(), status_code=201,
                        headers={"Idempotent-Replayed": "true"})


def _managed(svc: ServicesDep, actor: ActorDep, project: str, staff_id: str, *,
             issuing: bool) -> StaffView:
    """A staff member with a role in ``project`` whose tokens the caller, an admin of
    ``project``, may manage. A token opens every project its owner works in, so issuing
    one needs an admin of all of them; revoking (a lost laptop) any of them."""
    policy.check_project(actor, A.MANAGE_STAFF, project)
    found = [v for v in svc.directory.staff(project) if v.staff_id == staff_id]
    if not found:
        raise ApiProblem(404, "staff_not_found", "Not found",
                         f"{staff_id} has no role in project {project}")
    administered = policy.projects_for(actor, A.MANAGE_STAFF)
    if issuing and not set(found[0].roles) <= set(administered):
        raise ApiProblem(403, "forbidden", "Forbidden",
                         f"{staff_id} also works in projects you do not administer; their "
                         "tokens are managed with `lotse staff` by the operator")
    return found[0]


@router.post("/projects/{project}/staff/{staff_id}/tokens", status_code=201,
             response_model=IssuedTokenOut,
             summary="Issue another token for a staff member (admins); shown once",
             openapi_extra=KEYED)
def issue_token(project: ProjectCode, staff_id: StaffPath, ctx: Context) -> Response:
    _managed(ctx.services, ctx.actor, project, staff_id, issuing=True)
    issued, repeat = ctx.run_change(lambda: ctx.services.directory.issue_token(
        staff_id=staff_id, recorded_by=ctx.actor.staff_id))
    return _issued(issued, repeat)


@router.post("/projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation",
             response_model=StaffOut, summary="Revoke a token (admins)", openapi_extra=KEYED)
def revoke_token(project: ProjectCode, staff_id: StaffPath,
                 token_id: Annotated[str, Path(max_length=40)], ctx: Context) -> StaffOut:
    _managed(ctx.services, ctx.actor, project, staff_id, issuing=False)
    ctx.run_change(lambda: ctx.services.directory.revoke_token(
        staff_id=staff_id, token_id=token_id, recorded_by=ctx.actor.staff_id))
    return _staff_out(ctx.services.directory.member(staff_id), project)
