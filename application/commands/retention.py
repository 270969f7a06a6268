"""The programme's last payment to a project (coordinators, admins): the day from which
its retention runs (CPR Art. 82, ``domain/retention.py``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import ConfigDict, Field

from application import policy
from application.commands.base import ProjectCommand, Route
from application.idempotency import note_for_repeats
from domain.retention import erasure_due_from, retention_ends_on

if TYPE_CHECKING:
    from application.directory import Actor
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action


def retention_answer(code: str, paid: date | None) -> dict[str, Any]:
    """A project's retention dates (all null while no last payment is recorded)."""
    return {"project": code,
            "last_payment_on": None if paid is None else paid.isoformat(),
            "retention_ends_on": None if paid is None else retention_ends_on(paid).isoformat(),
            "erasure_due_from": None if paid is None else erasure_due_from(paid).isoformat()}


class RecordLastPayment(ProjectCommand):
    """Records the day of the programme's last payment to the project. Its documents are
    kept until 31 December five years after that year (2027-03-15: until 2032-12-31);
    from the next day its families' personal data are due for erasure (`lotse retention
    run`). A later record replaces the earlier one (a further payment, a mistake). A day
    before the latest date of the project's casework is refused
    (`payment_before_casework`, naming that date and a family that has it): the
    programme pays last after its casework, and an earlier day would end retention
    early and have the retention run erase the families."""

    route: ClassVar = Route("/projects/{project}/last-payment",
                            "Record the programme's last payment to the project, from which "
                            "its retention runs (coordinators, admins)", "LastPaymentIn",
                            tag="staff")
    action: ClassVar = A.RECORD_LAST_PAYMENT
    model_config = ConfigDict(json_schema_extra={"examples": [{"paid_on": "2026-03-16"}]})

    project: str = Field(max_length=10, examples=["KR"])
    paid_on: date = Field(description="The day of the last payment (not after today, not "
                                      "before the latest date of the project's casework).")

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        note_for_repeats(paid_on=self.paid_on.isoformat())
        pipeline.directory.record_last_payment(project=self.project, paid_on=self.paid_on,
                                               recorded_by=actor.staff_id)
        return retention_answer(self.project, self.paid_on)  # (a day the domain took)

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return retention_answer(self.project, date.fromisoformat(receipt.facts["paid_on"]))
