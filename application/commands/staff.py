"""Staff accounts of a project (admins): add a member, issue and revoke tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import ConfigDict, Field

from application import policy
from application.commands.base import Command, ProjectCommand, Route
from application.commands.fields import Name
from application.refusals import Refusal
from domain.directory import Role

if TYPE_CHECKING:
    from application.directory import Actor, Directory, StaffView
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action
StaffPathId = Annotated[str, Field(max_length=40)]


def staff_answer(view: StaffView, project: str) -> dict[str, Any]:
    """A staff member as seen from ``project``: their roles elsewhere are not shown."""
    return {"staff_id": view.staff_id, "name": view.name,
            "roles": {p: str(r) for p, r in view.roles.items() if p == project},
            "active_tokens": list(view.active_tokens)}


class AddStaff(ProjectCommand):
    """A new staff account with one role and a first token (shown once)."""

    route: ClassVar = Route("/projects/{project}/staff",
                            "Add a staff member with a role (admins); returns the token once",
                            "StaffIn", 201, tag="staff")
    action: ClassVar = A.MANAGE_STAFF
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Anna Schmidt", "role": "case_manager"}]})

    name: Name = Field(examples=["Anna Schmidt"])
    role: Role

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        issued = pipeline.directory.add_staff(name=self.name, project=self.project,
                                              role=self.role, recorded_by=actor.staff_id)
        return {"staff_id": issued.staff_id, "token_id": issued.token_id,
                "token": issued.token}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return {"staff_id": receipt.facts["staff_id"], "token_id": receipt.facts["token_id"],
                "token": None}


class _ManagedStaff(ProjectCommand):
    """A command on a staff member with a role in ``project`` whose tokens the caller,
    an admin of ``project``, may manage."""

    staff_id: StaffPathId
    issuing: ClassVar[bool] = False

    def authorize(self, actor: Actor, directory: Directory) -> Command:
        """A token opens every project its owner works in, so issuing one needs an
        admin of all of them; revoking (a lost laptop) any of them."""
        policy.check_project(actor, A.MANAGE_STAFF, self.project)
        found = [v for v in directory.staff(self.project) if v.staff_id == self.staff_id]
        if not found:
            raise Refusal(404, "staff_not_found", "Not found",
                          f"{self.staff_id} has no role in project {self.project}")
        administered = policy.projects_for(actor, A.MANAGE_STAFF)
        if self.issuing and not set(found[0].roles) <= set(administered):
            raise Refusal(403, "forbidden", "Forbidden",
                          f"{self.staff_id} also works in projects you do not administer; "
                          "their tokens are managed with `lotse staff` by the operator")
        return self


class IssueToken(_ManagedStaff):
    route: ClassVar = Route("/projects/{project}/staff/{staff_id}/tokens",
                            "Issue another token for a staff member (admins); shown once",
                            "TokenIn", 201, tag="staff")
    action: ClassVar = A.MANAGE_STAFF
    issuing: ClassVar[bool] = True

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        issued = pipeline.directory.issue_token(staff_id=self.staff_id,
                                                recorded_by=actor.staff_id)
        return {"staff_id": issued.staff_id, "token_id": issued.token_id,
                "token": issued.token}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return {"staff_id": receipt.facts["staff_id"], "token_id": receipt.facts["token_id"],
                "token": None}


class RevokeToken(_ManagedStaff):
    route: ClassVar = Route("/projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation",
                            "Revoke a token (admins)", "RevocationIn", tag="staff")
    action: ClassVar = A.MANAGE_STAFF

    token_id: StaffPathId

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        pipeline.directory.revoke_token(staff_id=self.staff_id, token_id=self.token_id,
                                        recorded_by=actor.staff_id)
        return staff_answer(pipeline.directory.member(self.staff_id), self.project)

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return staff_answer(pipeline.directory.member(self.staff_id), self.project)
