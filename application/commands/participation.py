"""ESF+ participation: entry, exit, a later status on leaving, the six-month follow-up."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from uuid import UUID

from pydantic import Field, StrictBool, StrictInt, model_validator

from application import policy
from application.commands.base import Example, FamilyCommand, Route
from application.commands.fields import IsoDate
from domain.records import EntryData
from domain.values import (
    Answer,
    Citizenship,
    ExitStatus,
    FollowUpStatus,
    IscedBand,
    LabourMarketStatus,
)

if TYPE_CHECKING:
    pass

A = policy.Action


class EnterParticipant(FamilyCommand):
    """ESF+ entry of a member supported directly (core data may be left out: the
    participant is then listed as incomplete, not counted)."""

    route: ClassVar = Route("/families/{family_id}/participants",
                            "ESF+ entry of a participant", "ParticipantIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "enter_participant"
    example: ClassVar = Example({
        "member_id": "{parent}", "labour_market_status": "unemployed",
        "unemployed_months": 14, "isced": "isced_3_4", "disability": "no",
        "citizenship": "third_country", "foreign_background": "yes", "minority": "declined",
        "homeless": "no", "rural": False, "occurred_on": "2026-03-09"},
        records=("ParticipantEntered",))

    member_id: UUID
    labour_market_status: LabourMarketStatus | None = None
    unemployed_months: StrictInt | None = Field(default=None, ge=0, le=600)
    isced: IscedBand | None = None
    disability: Answer | None = None
    citizenship: Citizenship | None = None
    foreign_background: Answer | None = None
    minority: Answer | None = None
    homeless: Answer | None = None
    rural: StrictBool | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_entry_record(cls, data: Any) -> Any:
        """In-process callers may pass the entry as an ``EntryData`` record."""
        if isinstance(data, dict) and isinstance(data.get("entry"), EntryData):
            rest = {k: v for k, v in data.items() if k != "entry"}
            return {**rest, **dataclasses.asdict(data["entry"])}
        return data

    def arguments(self) -> dict[str, Any]:
        entry = EntryData(self.labour_market_status, self.unemployed_months, self.isced,
                          self.disability, self.citizenship, self.foreign_background,
                          self.minority, self.homeless, self.rural)
        return {"member_id": self.member_id, "entry": entry}


class RecordExit(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/participants/{member_id}/exit",
                            "ESF+ exit of a participant, with the status on leaving",
                            "StatusIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_exit"
    example: ClassVar = Example({"member_id": "{parent}", "status": "job_searching",
                                 "occurred_on": "2026-05-04"},
                                records=("ParticipantLeft",), after=(EnterParticipant,))

    member_id: UUID
    status: ExitStatus


ExitOn = Annotated[IsoDate | None, Field(
    default=None, description="The exit the result belongs to, by its date (default: the "
    "participant's latest exit; name it for an earlier stay after a re-entry).",
    examples=["2026-05-04"])]


class RecordLeavingStatus(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/participants/{member_id}/leaving-status",
                            "A later status on leaving, within 28 days of the exit",
                            "LeavingStatusIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_leaving_status"
    example: ClassVar = Example({"member_id": "{parent}", "status": "employed",
                                 "exit_on": "2026-05-04", "occurred_on": "2026-05-20"},
                                records=("LeavingStatusRecorded",), after=(RecordExit,))

    member_id: UUID
    status: ExitStatus
    exit_on: ExitOn


class RecordFollowUp(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/follow-ups",
                            "Six-month follow-up of a participant who left (dated six "
                            "months or more after the exit)", "FollowUpIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_follow_up"
    example: ClassVar = Example({"member_id": "{parent}", "status": "employed",
                                 "better_situation": True, "exit_on": "2026-05-04",
                                 "occurred_on": "2026-11-04"},
                                records=("FollowUpRecorded",), after=(RecordExit,))

    member_id: UUID
    status: FollowUpStatus
    better_situation: StrictBool | None = None
    exit_on: ExitOn
