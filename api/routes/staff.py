"""Projects and staff accounts as the caller may see them (admins manage staff through
the commands in ``application/commands/staff.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES
from api.responses import FiguresOut, MeOut, PartnerOut, PlaceOut, ProjectOut, StaffOut
from application import policy
from application.commands.places import partner_answer, place_answer
from application.commands.staff import staff_answer
from application.directory import StaffView
from domain.retention import retention_ends_on
from domain.rules import today_in_programme
from projections.views.figures import project_figures

router = APIRouter(tags=["staff"], responses=ERROR_RESPONSES)
A = policy.Action
ProjectCode = Annotated[str, Path(max_length=10, examples=["KR"])]


def _staff_out(view: StaffView, project: str) -> StaffOut:
    """A staff member as seen from ``project``: their roles elsewhere are not shown."""
    return StaffOut(**staff_answer(view, project))


@router.get("/me", summary="Who you are and your roles", response_model=MeOut)
def me(actor: ActorDep) -> MeOut:
    return MeOut(staff_id=actor.staff_id, name=actor.name,
                 roles={p: str(r) for p, r in actor.roles.items()})


@router.get("/projects", summary="Your projects", response_model=list[ProjectOut])
def projects(svc: ServicesDep, actor: ActorDep) -> list[ProjectOut]:
    return [ProjectOut(code=p.code, name=p.name, yearly_target=p.yearly_target,
                       your_role=str(actor.roles[p.code]), districts=list(p.districts),
                       last_payment_on=p.last_payment_on,
                       retention_ends_on=None if p.last_payment_on is None
                       else retention_ends_on(p.last_payment_on))
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


@router.get("/projects/{project}/places", response_model=list[PlaceOut],
            summary="A project's places where the work happens (every role of the project)")
def places(svc: ServicesDep, actor: ActorDep, project: ProjectCode) -> list[PlaceOut]:
    """Active places first, each group by name; retired ones stay listed."""
    policy.check_project(actor, A.READ_PLACES, project)
    found = svc.directory.project(project).places.values()
    return [PlaceOut(**place_answer(project, p))
            for p in sorted(found, key=lambda p: (not p.active, p.name.casefold()))]


@router.get("/projects/{project}/partners", response_model=list[PartnerOut],
            summary="A project's partner institutions (every role of the project)")
def partners(svc: ServicesDep, actor: ActorDep, project: ProjectCode) -> list[PartnerOut]:
    """Active partners first, each group by name; retired ones stay listed."""
    policy.check_project(actor, A.READ_PLACES, project)
    found = svc.directory.project(project).partners.values()
    return [PartnerOut(**partner_answer(project, p))
            for p in sorted(found, key=lambda p: (not p.active, p.name.casefold()))]
