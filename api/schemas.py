"""Request bodies of the commands: one model per endpoint, unknown fields refused.

Numbers and booleans are strict (``"30"`` is not 30), dates are ISO ``YYYY-MM-DD``
strings, enumerations take their documented values. The domain checks everything
else (dates not in the future, no control characters, date order) and answers with
the rule that was broken. ``occurred_on`` defaults to today in the programme's time
zone; set it for entries made later (a consultation entered on Monday for Friday).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    ClosureReason,
    ContactMode,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    IscedBand,
    LabourMarketStatus,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)


def _iso_date_text(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("a date is written as text YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]
StaffId = Annotated[str, Field(min_length=1, max_length=100, examples=["st-3f9a2c1b"])]
Occurred = Annotated[IsoDate | None, Field(
    default=None, description="When it happened (default: today, Europe/Berlin).",
    examples=["2026-11-20"])]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000)


class MemberIn(Body):
    role: MemberRole
    given_name: Name = Field(examples=["Amira"])
    family_name: Name = Field(examples=["Okonkwo-Brandt"])
    birth_date: IsoDate | None = Field(default=None, examples=["1991-05-17"])
    gender: Gender | None = None


class IntakeIn(Body):
    """Intake: the household, where it lives, how it came, consent, and who is in charge."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "project": "KR", "members": [
            {"role": "parent", "given_name": "Amira", "family_name": "Okonkwo-Brandt",
             "birth_date": "1991-05-17", "gender": "female"},
            {"role": "child", "given_name": "Noah", "family_name": "Okonkwo-Brandt",
             "birth_date": "2019-09-03", "gender": "male"}],
        "district": "Krefeld-Mitte", "postal_code": "47798",
        "street_address": "Westwall 12", "access_route": "kita",
        "benefit_situation": "sgb_ii", "consent_purposes": ["ESF+ reporting"],
        "consent_given_on": "2026-11-20", "occurred_on": "2026-11-20"}]})

    project: str = Field(max_length=10, examples=["KR"])
    members: list[MemberIn] = Field(min_length=1, max_length=20)
    district: Name
    postal_code: str = Field(max_length=5, examples=["47798"])
    street_address: Name | None = None
    access_route: AccessRoute
    benefit_situation: BenefitSituation
    consent_purposes: list[Name] = Field(min_length=1, max_length=10)
    consent_given_on: IsoDate
    case_manager: StaffId | None = Field(
        default=None, description="Coordinators name the case manager; a case manager "
        "opens cases for themselves.")
    occurred_on: Occurred


class MemberAddIn(MemberIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "role": "child", "given_name": "Mila", "family_name": "Okonkwo-Brandt",
        "birth_date": "2026-10-02", "gender": "female", "occurred_on": "2026-11-20"}]})

    occurred_on: Occurred


class MemberDetailsIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "family_name": "Brandt", "occurred_on": "2026-11-20"}]})

    given_name: Name | None = None
    family_name: Name | None = None
    birth_date: IsoDate | None = None
    gender: Gender | None = None
    occurred_on: Occurred


class MemberLeftIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "moved to his father in Duisburg", "occurred_on": "2026-11-20"}]})

    reason: Text | None = None
    occurred_on: Occurred


class ParticipantIn(Body):
    """ESF+ entry of a member supported directly (core data may be left out: the
    participant is then listed as incomplete, not counted)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_id": "11111111-2222-4333-8444-555555555555", "labour_market_status": "unemployed",
        "unemployed_months": 14, "isced": "isced_3_4", "disability": "no",
        "citizenship": "third_country", "foreign_background": "yes", "minority": "declined",
        "homeless": "no", "rural": False, "occurred_on": "2026-11-20"}]})

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
    occurred_on: Occurred


class StatusIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "job_searching", "occurred_on": "2026-11-20"}]})

    status: ExitStatus
    occurred_on: Occurred


class FollowUpIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_id": "11111111-2222-4333-8444-555555555555", "status": "employed",
        "better_situation": True, "occurred_on": "2026-11-20"}]})

    member_id: UUID
    status: FollowUpStatus
    better_situation: StrictBool | None = None
    occurred_on: Occurred


class ConsultationIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "duration_minutes": 45, "mode": "home_visit", "topics": ["money_and_debts"],
        "members_present": [], "notes": "Went through the Jobcenter letter together.",
        "next_follow_up_on": "2026-12-01", "occurred_on": "2026-11-20"}]})

    duration_minutes: StrictInt = Field(ge=1, le=1440)
    mode: ContactMode
    topics: list[Topic] = Field(min_length=1, max_length=14)
    members_present: list[UUID] = Field(default_factory=list, max_length=20)
    location: Name | None = None
    notes: Text | None = None
    next_follow_up_on: IsoDate | None = None
    occurred_on: Occurred


class GoalIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_ids": ["11111111-2222-4333-8444-555555555555"], "life_area": "work",
        "description": "Apply for the part-time job at the Kita kitchen",
        "target_date": "2027-02-01", "occurred_on": "2026-11-20"}]})

    member_ids: list[UUID] = Field(min_length=1, max_length=20)
    life_area: LifeArea
    description: Text = Field(min_length=1, examples=["Find a Kita place for Noah"])
    target_date: IsoDate | None = None
    occurred_on: Occurred


class GoalRevisionIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "target_date": "2027-04-01", "reason": "the course starts later",
        "occurred_on": "2026-11-20"}]})

    description: Text | None = None
    target_date: IsoDate | None = None
    reason: Text = Field(min_length=1)
    occurred_on: Occurred


class DatedIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"occurred_on": "2026-11-20"}]})

    occurred_on: Occurred


class ReasonIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "family asked to continue", "occurred_on": "2026-11-20"}]})

    reason: Text = Field(min_length=1)
    occurred_on: Occurred


class ReferralIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_id": "11111111-2222-4333-8444-555555555555",
        "institution_type": "debt_counselling",
        "institution_name": "Schuldnerberatung Diakonie Krefeld", "purpose": "rent arrears",
        "consent_confirmed": True, "occurred_on": "2026-11-20"}]})

    member_id: UUID
    institution_type: InstitutionType
    institution_name: Name = Field(examples=["Schuldnerberatung Diakonie Krefeld"])
    purpose: Text | None = None
    consent_confirmed: StrictBool
    occurred_on: Occurred


class ReferralOutcomeIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "outcome": "first_appointment_kept", "occurred_on": "2026-11-20"}]})

    outcome: ReferralOutcome
    occurred_on: Occurred


class AssignmentIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "case_manager": "st-3f9a2c1b", "reason": "parental leave of Ms Yilmaz",
        "occurred_on": "2026-11-20"}]})

    case_manager: StaffId
    reason: Text | None = None
    occurred_on: Occurred


class ClosureIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "goals_achieved", "note": "both goals reached", "occurred_on": "2026-11-20"}]})

    reason: ClosureReason
    note: Text | None = None
    occurred_on: Occurred


class ChangeIn(Body):
    field: str = Field(min_length=1, max_length=100, examples=["duration_minutes"])
    value: Text | None = Field(examples=["60"])


class CorrectionIn(Body):
    """Correct facts of an earlier event (named by its version); the event itself stays
    as it was and the correction is a new event with its reason."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "corrected_version": 5, "changes": [{"field": "duration_minutes", "value": "60"}],
        "reason": "typed 45 instead of 60", "occurred_on": "2026-11-20"}]})

    corrected_version: StrictInt = Field(ge=1, le=10_000_000)
    changes: list[ChangeIn] = Field(min_length=1, max_length=20)
    reason: Text = Field(min_length=1)
    occurred_on: Occurred
