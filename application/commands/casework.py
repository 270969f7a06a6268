"""Casework: consultations, goals and referrals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from pydantic import Field, PrivateAttr, StrictBool, StrictInt

from application import policy
from application.commands.base import Example, FamilyCommand, Route
from application.commands.fields import IsoDate, Name, NewId, Text
from domain.errors import InvalidInput
from domain.places import PartnerRecord, active_partner
from domain.values import ContactMode, InstitutionType, LifeArea, ReferralOutcome, Topic

if TYPE_CHECKING:
    from application.directory import Directory
    from domain.records import CaseState

A = policy.Action


class RecordConsultation(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/consultations", "Record a consultation",
                            "ConsultationIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_consultation"
    example: ClassVar = Example({
        "duration_minutes": 45, "mode": "home_visit", "topics": ["money_and_debts"],
        "members_present": ["{parent}"], "location": "at home",
        "notes": "Went through the Jobcenter letter.\nNext: the bank account.",
        "next_follow_up_on": "2026-12-01", "occurred_on": "2026-03-10"},
        records=("ConsultationRecorded",))

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
    example: ClassVar = Example({
        "member_ids": ["{parent}"], "life_area": "family_life",
        "description": "Find a Kita place for Noah", "target_date": "2026-12-31",
        "occurred_on": "2026-03-10"}, records=("GoalSet",))

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
    example: ClassVar = Example({
        "goal_id": "{goal_id}", "target_date": "2027-03-31", "reason": "the Kita opens later",
        "occurred_on": "2026-05-01"}, records=("GoalRevised",), after=(SetGoal,))

    goal_id: UUID
    description: Text | None = None
    target_date: IsoDate | None = None
    reason: Text = Field(min_length=1)


class AchieveGoal(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/goals/{goal_id}/achievement",
                            "A goal was achieved", "DatedIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "achieve_goal"
    example: ClassVar = Example({"goal_id": "{goal_id}", "occurred_on": "2026-08-01"},
                                records=("GoalAchieved",), after=(SetGoal,))

    goal_id: UUID


class DropGoal(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/goals/{goal_id}/drop",
                            "Drop a goal, with the reason", "GoalDropIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "drop_goal"
    example: ClassVar = Example({"goal_id": "{goal_id}",
                                 "reason": "the family chose another way",
                                 "occurred_on": "2026-08-01"},
                                records=("GoalDropped",), after=(SetGoal,))

    goal_id: UUID
    reason: Text = Field(min_length=1)


class MakeReferral(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/referrals",
                            "Refer a member to an institution", "ReferralIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "make_referral"
    example: ClassVar = Example({
        "member_id": "{parent}", "institution_type": "debt_counselling",
        "institution_name": "Schuldnerberatung Diakonie Krefeld", "purpose": "rent arrears",
        "consent_confirmed": True, "occurred_on": "2026-04-01"}, records=("ReferralMade",))

    referral_id: NewId
    member_id: UUID
    institution_type: InstitutionType | None = None
    institution_name: Name | None = Field(default=None,
                                          examples=["Schuldnerberatung Diakonie Krefeld"])
    purpose: Text | None = None
    consent_confirmed: StrictBool
    partner_id: UUID | None = Field(default=None, description=(
        "A partner of the project's directory (active); its type and name are used "
        "unless given. Without it, type and name are required."))

    _partner: PartnerRecord | None = PrivateAttr(default=None)

    def check(self, state: CaseState, directory: Directory) -> None:
        """A named partner is an active partner of the family's project."""
        if self.partner_id is not None:
            self._partner = active_partner(directory.project(state.project).partners,
                                           self.partner_id, state.project)

    def arguments(self) -> dict[str, Any]:
        found = self._partner
        kind = self.institution_type or (found.institution_type if found else None)
        name = self.institution_name or (found.name if found else None)
        if kind is None or name is None:
            field = "institution_type" if kind is None else "institution_name"
            raise InvalidInput("institution_required", "name the institution's type and "
                               "name, or a partner of the project", field=field)
        return {**super().arguments(), "institution_type": kind, "institution_name": name}

    def facts(self) -> dict[str, object]:
        return {"referral_id": str(self.referral_id)}


class RecordReferralOutcome(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/referrals/{referral_id}/outcomes",
                            "Record what came of a referral", "ReferralOutcomeIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_referral_outcome"
    example: ClassVar = Example({"referral_id": "{referral_id}", "outcome": "accepted",
                                 "occurred_on": "2026-04-15"},
                                records=("ReferralOutcomeRecorded",), after=(MakeReferral,))

    referral_id: UUID
    outcome: ReferralOutcome

