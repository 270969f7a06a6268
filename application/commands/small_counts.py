"""The "< 5" rule of a project's social-space statistics (coordinators, admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict, Field, StrictBool

from application import policy
from application.commands.base import ProjectCommand, Route

if TYPE_CHECKING:
    from application.directory import Actor
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action


class SetSmallCounts(ProjectCommand):
    """Turns the "< 5" rule on (`hidden: true`, the default of every project) or off:
    while it is on, reporting users see every count of one to four people in the
    social-space statistics (attendance, first-time visitors, named participants, cases
    opened, referrals per partner) as "< 5"; coordinators and auditors always see exact
    figures. Counts of sessions and hours are not about people and stay exact."""

    route: ClassVar = Route("/projects/{project}/small-counts",
                            "Turn the \"< 5\" rule of the statistics on or off "
                            "(coordinators, admins)", "SmallCountsIn", tag="staff")
    action: ClassVar = A.SET_SMALL_COUNTS
    model_config = ConfigDict(json_schema_extra={"examples": [{"hidden": False}]})

    project: str = Field(max_length=10, examples=["KR"])
    hidden: StrictBool = Field(description="true: reporting users see counts of 1 to 4 "
                               "people as \"< 5\"")

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        found = pipeline.directory.set_small_counts(project=self.project, hidden=self.hidden,
                                                    recorded_by=actor.staff_id)
        return {"project": self.project, "hidden": found.small_counts_hidden}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return {"project": self.project, "hidden": self.hidden}
