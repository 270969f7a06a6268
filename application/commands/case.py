"""The case as a whole: assignment, closure, reopening, corrections, erasure and its
request during retention."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from application import policy
from application.commands.base import Example, FamilyCommand, Route
from application.commands.casework import RecordConsultation
from application.commands.fields import StaffId, Text
from application.refusals import invalid
from domain import retention
from domain.corrections import BOOLEANS, NUMBERS, target_version
from domain.directory import Role
from domain.errors import InvalidInput
from domain.records import CaseState, FieldChange
from domain.rules import today_in_programme
from domain.values import CaseStatus, ClosureReason, ErasureBasis

if TYPE_CHECKING:
    from application.cases import FamilyCases, Guard
    from application.directory import Directory
    from application.pipeline import Pipeline
    from application.views import CommandResult
    from domain.family_case import FamilyCase

A = policy.Action


class AssignCaseManager(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/assignment",
                            "Assign or transfer the case to a case manager (coordinators)",
                            "AssignmentIn")
    action: ClassVar = A.ASSIGN
    method: ClassVar = "assign_case_manager"
    example: ClassVar = Example({"case_manager": "{colleague}",
                                 "reason": "parental leave of Ms Yilmaz",
                                 "occurred_on": "2026-05-01"},
                                records=("CaseManagerAssigned",))

    case_manager: StaffId
    reason: Text | None = None

    def check(self, state: CaseState, directory: Directory) -> None:
        """The case goes to a case manager of its project."""
        member = directory.current().staff.get(self.case_manager)
        if member is None or member.roles.get(state.project) is not Role.CASE_MANAGER:
            raise invalid("not_a_case_manager", f"{self.case_manager} is not a case "
                          f"manager of project {state.project}", "case_manager")


class CloseCase(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/closure", "Close the case", "ClosureIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "close"
    example: ClassVar = Example({"reason": "goals_achieved", "note": "both goals reached",
                                 "occurred_on": "2026-10-01"}, records=("CaseClosed",))

    reason: ClosureReason
    note: Text | None = None


class ReopenCase(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/reopening", "Reopen a closed case",
                            "ReopeningIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "reopen"
    example: ClassVar = Example({"reason": "new debts", "occurred_on": "2026-10-15"},
                                records=("CaseReopened",), after=(CloseCase,))

    reason: Text = Field(min_length=1)


class ChangeIn(BaseModel):
    """One corrected field and its new value, of the field's own type: a number, true or
    false, a date as `YYYY-MM-DD`, a code; `null` for "unknown" where that is allowed."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)  # or a FieldChange

    field: str = Field(min_length=1, max_length=100, examples=["duration_minutes"])
    value: StrictBool | StrictInt | Text | None = Field(examples=[60])

    def change(self) -> FieldChange:
        """The change as the event stores it (text). A number or true/false is taken
        only for a field of that type (text stays possible for every field)."""
        value = self.value
        wanted = ("a number" if self.field in NUMBERS else "true or false"
                  if self.field in BOOLEANS else "text")
        if (isinstance(value, bool) and self.field not in BOOLEANS) or (
                isinstance(value, int) and not isinstance(value, bool)
                and self.field not in NUMBERS):
            raise InvalidInput("invalid_correction_value", f"{value!r} is not a valid "
                               f"{self.field}: expected {wanted}", field="changes")
        if isinstance(value, bool):
            return FieldChange(self.field, "true" if value else "false")
        return FieldChange(self.field, None if value is None else str(value))


class Target(BaseModel):
    """What a correction changes, by its id: a consultation, goal or referral, a
    member's ESF+ entry or exit (their latest stay), or the case's intake data."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["case", "esf_entry", "esf_exit", "consultation", "goal", "referral"]
    id: UUID | None = Field(default=None, description="The thing's id (for an ESF+ entry "
                            "or exit: the member's); none for the case.")


class CorrectEntry(FamilyCommand):
    """Correct facts of an earlier entry, named by its id (`target`) or by the version of
    its event (`corrected_version`); the event itself stays as it was and the correction
    is a new event with its reason."""

    route: ClassVar = Route("/families/{family_id}/corrections",
                            "Correct facts of an earlier entry (by id or version), with a "
                            "reason", "CorrectionIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "correct"
    example: ClassVar = Example({
        "target": {"kind": "consultation", "id": "{consultation_id}"},
        "changes": [{"field": "duration_minutes", "value": 60}],
        "reason": "typed 45 instead of 60", "occurred_on": "2026-03-11"},
        records=("EntryCorrected",), after=(RecordConsultation,))

    target: Target | None = None
    corrected_version: StrictInt | None = Field(default=None, ge=1, le=10_000_000)
    changes: list[ChangeIn] = Field(min_length=1, max_length=20)
    reason: Text = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> CorrectEntry:
        if (self.target is None) == (self.corrected_version is None):
            raise ValueError("name what is corrected either by `target` (kind and id) or "
                             "by `corrected_version`, not both")
        return self

    def check(self, state: CaseState, directory: Directory) -> None:
        """A corrected district is one of the project's once it has a list of them, as
        at the intake."""
        project = directory.current().projects.get(state.project)
        if project is None or not project.districts:
            return
        for change in self.changes:
            if change.field == "district" and (
                    str(change.value or "").strip() not in project.districts):
                raise invalid("unknown_district", f"{change.value!r} is not a district of "
                              f"project {state.project}: choose one of its districts",
                              "changes")

    def decide(self, case: FamilyCase, recorded_by: str) -> None:
        version = self.corrected_version
        if self.target is not None:
            version = target_version(case.state, self.target.kind, self.target.id)
        assert version is not None
        case.correct(corrected_version=version, changes=[c.change() for c in self.changes],
                     reason=self.reason, occurred_on=self.on(), recorded_by=recorded_by)


def _last_payment(state: CaseState, directory: Directory) -> date | None:
    project = directory.current().projects.get(state.project)
    return None if project is None else project.last_payment_on


class RequestErasure(FamilyCommand):
    """The family asks for erasure while the programme's retention runs (CPR Art. 82),
    which overrides the request (GDPR Art. 17(3)(b)): the request is recorded and
    restricts processing (Art. 18). The case becomes read-only and leaves its case
    manager's lists; coordinators and auditors still see it, its figures stay counted,
    and `lotse retention run` erases it once retention has ended. Refused once retention
    has ended (erase at once instead)."""

    route: ClassVar = Route("/families/{family_id}/erasure-request",
                            "Record a request for erasure during retention: processing is "
                            "restricted until retention ends (coordinators)",
                            "ErasureRequestIn")
    action: ClassVar = A.ERASE
    method: ClassVar = "request_erasure"
    example: ClassVar = Example({"legal_basis": "art17_request",
                                 "note": "request by letter of 2026-11-18",
                                 "occurred_on": "2026-11-20"},
                                records=("ErasureRequested",), last=True)

    legal_basis: ErasureBasis = Field(ErasureBasis.ART17_REQUEST, description=(
        "The request's legal basis: `art17_request` (the family's request, GDPR Art. 17)."))
    note: Text | None = None

    def check(self, state: CaseState, directory: Directory) -> None:
        retention.check_request(_last_payment(state, directory), today_in_programme())


class ErasePersonalData(FamilyCommand):
    """Destroys the family's key: names, birth dates, notes and the special-category
    ESF+ items become unreadable everywhere; the rest of the history stays. The legal
    basis is a code; the note (no names here: it is sealed, and unreadable once the
    erasure is done) is optional. While the programme's retention runs only the bases no
    retention duty overrides are taken (`unlawfully_recorded`, `authority_order`); a
    family's request waits as an erasure request (`/erasure-request`)."""

    route: ClassVar = Route("/families/{family_id}/erasure",
                            "Erase the family's personal data (coordinators)", "ErasureIn")
    action: ClassVar = A.ERASE
    rerun_on_repeat: ClassVar = True  # a repeat after a failure half-way completes it
    example: ClassVar = Example({"legal_basis": "unlawfully_recorded",
                                 "note": "recorded for a family of another programme",
                                 "occurred_on": "2026-11-20"},
                                records=("PersonalDataErased",), last=True)

    legal_basis: ErasureBasis
    note: Text | None = None

    def check(self, state: CaseState, directory: Directory) -> None:
        """Retention overrides a request (and the end of retention must have come)."""
        if state.status is not CaseStatus.ERASED:  # a repeat only completes the erasure
            retention.check_erasure(self.legal_basis, _last_payment(state, directory),
                                    state.erasure_request, today_in_programme())

    def after(self, pipeline: Pipeline) -> None:
        if pipeline.after_erasure is not None:
            pipeline.after_erasure()  # the names' search tokens go at once, too

    def run(self, cases: FamilyCases, recorded_by: str, expected_version: int | None,
            guard: Guard | None) -> CommandResult:
        return cases.erase_personal_data(
            self.family_id, legal_basis=self.legal_basis, note=self.note,
            occurred_on=self.on(),
            recorded_by=recorded_by, expected_version=expected_version, guard=guard)
