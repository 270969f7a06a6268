"""Intake and the household: open a case, add members, change their details, departures."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from application import policy
from application.commands.base import Example, FamilyCommand, Route
from application.commands.fields import GENERATED, IsoDate, Name, NewId, Occurred, StaffId, Text
from application.refusals import invalid
from domain.directory import Role
from domain.records import MemberData
from domain.values import AccessRoute, BenefitSituation, ConsentPurpose, Gender, MemberRole

if TYPE_CHECKING:
    from application.cases import FamilyCases, Guard
    from application.directory import Actor, Directory
    from application.views import CommandResult
    from domain.family_case import FamilyCase

A = policy.Action


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=10_000, from_attributes=True)

    role: MemberRole
    given_name: Name = Field(examples=["Amira"])
    family_name: Name = Field(examples=["Okonkwo-Brandt"])
    birth_date: IsoDate | None = Field(default=None, examples=["1991-05-17"])
    gender: Gender | None = None

    def data(self, member_id: UUID) -> MemberData:
        return MemberData(member_id, self.role, self.given_name, self.family_name,
                          self.birth_date, self.gender)


class OpenCase(FamilyCommand):
    """Intake: the household, where it lives, how it came, consent, and who is in charge.
    The case number comes from the project's sequence (e.g. `KR-2026-0042`)."""

    route: ClassVar = Route("/families", "Intake: open a family's case", "IntakeIn", 201)
    action: ClassVar = A.OPEN_CASE
    example: ClassVar = Example({
        "project": "KR", "members": [
            {"role": "parent", "given_name": "Amira", "family_name": "Okonkwo-Brandt",
             "birth_date": "1991-05-17", "gender": "female"},
            {"role": "child", "given_name": "Noah", "family_name": "Okonkwo-Brandt",
             "birth_date": "2019-09-03", "gender": "male"}],
        "district": "Krefeld-Mitte", "postal_code": "47798",
        "street_address": "Westwall 12", "access_route": "kita",
        "benefit_situation": "sgb_ii",
        "consent_purposes": ["esf_reporting", "referral_to_partners"],
        "consent_given_on": "2026-03-02", "occurred_on": "2026-03-02"},
        records=("CaseOpened", "CaseManagerAssigned"))

    family_id: NewId
    project: str = Field(max_length=10, examples=["KR"])
    members: list[MemberIn] = Field(min_length=1, max_length=20)
    district: Name
    postal_code: str = Field(max_length=5, examples=["47798"])
    street_address: Name | None = None
    access_route: AccessRoute
    benefit_situation: BenefitSituation
    consent_purposes: list[ConsentPurpose] = Field(
        min_length=1, max_length=len(ConsentPurpose), description="The purposes the family "
        "consents to, as codes of the catalogue; each becomes a consent given on "
        "`consent_given_on` (withdrawn or given later through `/consents`).")
    consent_given_on: IsoDate
    case_manager: StaffId | None = Field(
        default=None, description="Coordinators name the case manager; a case manager "
        "opens cases for themselves.")
    via_offer_id: UUID | None = Field(default=None, description=(
        "With the access route `social_space_offer`: the project's offer through which "
        "the family came."))
    via_session_id: UUID | None = Field(default=None, description=(
        "The session of that offer, if known (held on or before the intake)."))
    occurred_on: Occurred
    member_ids: Annotated[list[UUID], GENERATED] = Field(default_factory=list)
    """New ids, one per member (given ones are kept: a repeat of the same intake)."""

    @model_validator(mode="before")
    @classmethod
    def _ids_of_member_records(cls, data: Any) -> Any:
        """In-process callers may pass ``MemberData`` records: their ids are kept."""
        members = data.get("members") if isinstance(data, dict) else None
        if (members and "member_ids" not in data
                and all(isinstance(m, MemberData) for m in members)):
            return {**data, "member_ids": [m.member_id for m in members]}
        return data

    @model_validator(mode="after")
    def _new_member_ids(self) -> OpenCase:
        if len(self.member_ids) != len(self.members):
            self.member_ids = [uuid4() for _ in self.members]
        return self

    def facts(self) -> dict[str, object]:
        return {"member_ids": [str(m) for m in self.member_ids]}

    def authorize(self, actor: Actor, directory: Directory) -> OpenCase:
        """Case managers open cases for themselves; coordinators name a case manager of
        the project. Once the project has a list of districts, the district is one of
        them."""
        manager = policy.check_intake_case_manager(actor, self.project, self.case_manager)
        current = directory.current()
        member = current.staff.get(manager)
        if member is None or member.roles.get(self.project) is not Role.CASE_MANAGER:
            raise invalid("not_a_case_manager",
                          f"{manager} is not a case manager of project {self.project}",
                          "case_manager")
        project = current.projects.get(self.project)
        if project is not None and project.districts and (
                self.district.strip() not in project.districts):
            raise invalid("unknown_district", f"{self.district!r} is not a district of "
                          f"project {self.project}: choose one of its districts", "district")
        return self.model_copy(update={"case_manager": manager})

    def open(self, case_number: str, recorded_by: str) -> FamilyCase:
        from domain.family_case import FamilyCase

        assert self.case_manager is not None
        return FamilyCase.open(
            family_id=self.family_id, project=self.project, case_number=case_number,
            members=[m.data(i) for m, i in zip(self.members, self.member_ids, strict=True)],
            district=self.district, postal_code=self.postal_code,
            street_address=self.street_address, access_route=self.access_route,
            benefit_situation=self.benefit_situation, consent_purposes=self.consent_purposes,
            consent_given_on=self.consent_given_on, case_manager=self.case_manager,
            occurred_on=self.on(), recorded_by=recorded_by, via_offer_id=self.via_offer_id,
            via_session_id=self.via_session_id)

    def check_offer(self, cases: FamilyCases) -> None:
        """A named offer is one of the project's; a named session one held by it on or
        before the intake (another project's offer is refused as unknown)."""
        from application import offers

        if self.via_offer_id is None:
            return
        try:
            offer = offers.load(cases, self.via_offer_id)
        except offers.OfferNotFound:
            offer = None
        if offer is None or offer.project != self.project:
            raise invalid("unknown_offer", f"project {self.project} has no such offer",
                          "via_offer_id")
        if self.via_session_id is None:
            return
        session = offer.sessions.get(self.via_session_id)
        if session is None or not session.held:
            raise invalid("unknown_session", "the offer has no such session held",
                          "via_session_id")
        if session.on > self.on():
            raise invalid("session_after_intake", f"the session was held on {session.on}, "
                          "after the intake", "via_session_id")

    def run(self, cases: FamilyCases, recorded_by: str, expected_version: int | None,
            guard: Guard | None) -> CommandResult:
        self.check_offer(cases)
        return cases.open(self.project, self.on().year, self.family_id,
                          lambda number: self.open(number, recorded_by))


class AddMember(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/members", "Add a household member",
                            "MemberAddIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "add_member"
    example: ClassVar = Example({
        "role": "child", "given_name": "Mila", "family_name": "Okonkwo-Brandt",
        "birth_date": "2026-02-10", "gender": "female", "occurred_on": "2026-04-01"},
        records=("MemberAdded",))

    member_id: NewId
    role: MemberRole
    given_name: Name = Field(examples=["Amira"])
    family_name: Name = Field(examples=["Okonkwo-Brandt"])
    birth_date: IsoDate | None = Field(default=None, examples=["1991-05-17"])
    gender: Gender | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_member_record(cls, data: Any) -> Any:
        """In-process callers may pass the member as a ``MemberData`` record."""
        if isinstance(data, dict) and isinstance(data.get("member"), MemberData):
            rest = {k: v for k, v in data.items() if k != "member"}
            return {**rest, **dataclasses.asdict(data["member"])}
        return data

    def facts(self) -> dict[str, object]:
        return {"member_id": str(self.member_id)}

    def arguments(self) -> dict[str, Any]:
        return {"member": MemberData(self.member_id, self.role, self.given_name,
                                     self.family_name, self.birth_date, self.gender)}


class ChangeMemberDetails(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/members/{member_id}/details",
                            "Change a member's name, birth date or gender", "MemberDetailsIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "change_member_details"
    example: ClassVar = Example({"member_id": "{parent}", "family_name": "Brandt",
                                 "occurred_on": "2026-04-01"},
                                records=("MemberDetailsChanged",))

    member_id: UUID
    given_name: Name | None = None
    family_name: Name | None = None
    birth_date: IsoDate | None = None
    gender: Gender | None = None


class RecordMemberLeft(FamilyCommand):
    route: ClassVar = Route("/families/{family_id}/members/{member_id}/departure",
                            "Record that a member left the household", "MemberLeftIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "record_member_left"
    example: ClassVar = Example({"member_id": "{child}",
                                 "reason": "moved to his father in Duisburg",
                                 "occurred_on": "2026-04-01"},
                                records=("MemberLeftHousehold",))

    member_id: UUID
    reason: Text | None = None

