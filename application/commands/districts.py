"""A project's districts (coordinators, admins): the list an intake chooses from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict, Field

from application import policy
from application.commands.base import ProjectCommand, Route
from application.commands.fields import Name
from domain.directory import MAX_DISTRICTS

if TYPE_CHECKING:
    from application.directory import Actor
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action


class SetDistricts(ProjectCommand):
    """Sets the project's districts (social spaces), in the order intake forms offer
    them; a later list replaces the earlier one. Once a project has a list, an intake
    names one of its districts (`unknown_district`); cases opened before keep theirs."""

    route: ClassVar = Route("/projects/{project}/districts",
                            "Set the project's districts an intake chooses from "
                            "(coordinators, admins)", "DistrictsIn", tag="staff")
    action: ClassVar = A.SET_DISTRICTS
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"districts": ["Krefeld-Mitte", "Krefeld-Süd", "Uerdingen"]}]})

    project: str = Field(max_length=10, examples=["KR"])
    districts: list[Name] = Field(min_length=1, max_length=MAX_DISTRICTS)

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        found = pipeline.directory.set_districts(project=self.project,
                                                 districts=self.districts,
                                                 recorded_by=actor.staff_id)
        return {"project": self.project, "districts": list(found.districts)}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return {"project": self.project, "districts": [d.strip() for d in self.districts]}
