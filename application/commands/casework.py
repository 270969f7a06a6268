"""Casework: consultations, goals and referrals."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field, StrictBool, StrictInt

from application import policy
from application.commands.base import FamilyCommand, Route
from application.commands.fields import IsoDate, Name, NewId, Text
from domain.values import ContactMode, InstitutionType, LifeArea, ReferralOutcome, Topic

if TYPE_CHECKING:
    pass

A = policy.Action


class RecordConsultation(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/consultations", "Record a consultation",
                            "ConsultationIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_consultation"
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "duration_minutes": 45, "mode": "home_visit", "topics": ["money_and_debts"],
        "members_present": [], "notes": "Went through the Jobcenter letter together.",
        "next_follow_up_on": "2026-12-01", "occurred_on": "2026-11-20"}]})

    consultation_id: NewId
    duration_minutes: StrictInt = Field(ge=1, le=1440)
    mode: ContactMode
    topics: list[Topic] = Field(min_length=1, max_length=14)
    members_present: list[UUID] = Field(default_factory=list, max_length=20)
    location: Name | None = None
    notes: Text | None = None
    next_follow_up_on: IsoDate | None = None

    def facts(self) -> dict[str, object]:
        return {"consultation_id": str(self.consultation_id)}


class SetGoal(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/goals", "Set a goal", "GoalIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "set_goal"
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_ids": ["11111111-2222-4333-8444-555555555555"], "life_area": "work",
        "description": "Apply for the part-time job at the Kita kitchen",
        "target_date": "2027-02-01", "occurred_on": "2026-11-20"}]})

    goal_id: NewId
    member_ids: list[UUID] = Field(min_length=1, max_length=20)
    life_area: LifeArea
    description: Text = Field(min_length=1, examples=["Find a Kita place for Noah"])
    target_date: IsoDate | None = None

    def facts(self) -> dict[str, object]:
        return {"goal_id": str(self.goal_id)}


class ReviseGoal(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/goals/{goal_id}/revisions",
                            "Revise a goal", "GoalRevisionIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "revise_goal"
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "target_date": "2027-04-01", "reason": "the course starts later",
        "occurred_on": "2026-11-20"}]})

    goal_id: UUID
    description: Text | None = None
    target_date: IsoDate | None = None
    reason: Text = Field(min_length=1)


class AchieveGoal(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/goals/{goal_id}/achievement",
                            "A goal was achieved", "DatedIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "achieve_goal"
    model_config = ConfigDict(json_schema_extra={"examples": [{"occurred_on": "2026-11-20"}]})

    goal_id: UUID


REASON_EXAMPLE = ConfigDict(json_schema_extra={"examples": [{
    "reason": "family asked to continue", "occurred_on": "2026-11-20"}]})


class DropGoal(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/goals/{goal_id}/drop",
                            "Drop a goal, with the reason", "GoalDropIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "drop_goal"
    model_config = REASON_EXAMPLE

    goal_id: UUID
    reason: Text = Field(min_length=1)


class MakeReferral(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/referrals",
                            "Refer a member to an institution", "ReferralIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "make_referral"
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "member_id": "11111111-2222-4333-8444-555555555555",
        "institution_type": "debt_counselling",
        "institution_name": "Schuldnerberatung Diakonie Krefeld", "purpose": "rent arrears",
        "consent_confirmed": True, "occurred_on": "2026-11-20"}]})

    referral_id: NewId
    member_id: UUID
    institution_type: InstitutionType
    institution_name: Name = Field(examples=["Schuldnerberatung Diakonie Krefeld"])
    purpose: Text | None = None
    consent_confirmed: StrictBool

    def facts(self) -> dict[str, object]:
        return {"referral_id": str(self.referral_id)}


class RecordReferralOutcome(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/referrals/{referral_id}/outcomes",
                            "Record what came of a referral", "ReferralOutcomeIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_referral_outcome"
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "outcome": "first_appointment_kept", "occurred_on": "2026-11-20"}]})

    referral_id: UUID
    outcome: ReferralOutcome

