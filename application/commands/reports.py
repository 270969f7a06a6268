"""Submitted ESF+ reports (coordinators): a period's figures recorded as an event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import ConfigDict, Field

from application import policy
from application.commands.base import ProjectCommand, Route
from application.idempotency import note_for_repeats
from domain.rules import today_in_programme

if TYPE_CHECKING:
    from application.directory import Actor
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action


class SubmitReport(ProjectCommand):
    """Records the report as it reads now, figure by figure, with who submitted it and
    when. Later reads of the period show every figure that changed since (corrections,
    backdated entries). Refused while a plausibility check finds an error."""

    route: ClassVar = Route("/reports/esf/submissions",
                            "Mark a period's ESF+ report as submitted (coordinators): its "
                            "figures are recorded as an event", "SubmissionIn", 201,
                            tag="reports")
    action: ClassVar = A.SUBMIT_REPORT
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={
        "examples": [{"project": "KR", "period": "2026-H1", "as": "now"}]})

    project: str = Field(max_length=10, examples=["KR"])
    period: str = Field(max_length=7, examples=["2026-H1"])
    as_known: Literal["now", "cutoff"] = Field("now", alias="as", description=(
        "Which view of the truth is sent (usually: now, on the day of submission)."))

    def intent(self) -> dict[str, Any]:
        return {"command": type(self).__name__,
                **self.model_dump(mode="json", by_alias=True)}

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        period, figures = pipeline.report_figures(self.project, self.period, self.as_known)
        submitted_on = today_in_programme()
        answer: dict[str, Any] = {
            "project": self.project, "period": period, "as": self.as_known,
            "submitted_on": submitted_on.isoformat(), "submitted_by": actor.staff_id,
            "figures": {code: list(v) for code, v in figures.items()}}
        note_for_repeats(**answer)
        version = pipeline.cases.submit_report(
            project=self.project, period=period, as_known=self.as_known, figures=figures,
            submitted_by=actor.staff_id, submitted_on=submitted_on)
        return {**answer, "version": version}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return {**receipt.facts, "version": receipt.version}
