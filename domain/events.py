"""The event catalogue of a family case (see DESIGN.md).

Every event records ``occurred_on`` (the business date, may lie in the past) and
``recorded_by`` (staff id); the library adds ``timestamp``, when it was recorded.
``apply`` only assigns state: it runs again on every replay, so it must not decide
anything. ``personal`` names the paths (``*`` for every item of a sequence) that hold
personal data; the store encrypts them with the family's own key.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.corrections import apply_correction
from domain.records import (
    CaseState,
    Consultation,
    EntryData,
    EventRef,
    FieldChange,
    Goal,
    Member,
    MemberData,
    Participation,
    Referral,
)
from domain.values import (
    AccessRoute,
    BenefitSituation,
    CaseStatus,
    ClosureReason,
    ContactMode,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    LifeArea,
    ReferralOutcome,
    Topic,
)

if TYPE_CHECKING:
    from domain.family_case import FamilyCase

MEMBER_PERSONAL = ("given_name", "family_name", "birth_date")


class CaseEvent(Aggregate.Event):
    occurred_on: date
    recorded_by: str

    personal: ClassVar[tuple[str, ...]] = ()

    def apply(self, aggregate: Any) -> None:
        case: FamilyCase = aggregate
        case.state.refs[self.originator_version] = EventRef(type(self).__name__, self.ref_key())
        self.apply_to(case.state)

    def apply_to(self, state: CaseState) -> None:
        """Assign this event's facts to the case state."""

    def ref_key(self) -> str | None:
        """The entity a later correction of this event would change."""
        return None


class CaseOpened(CaseEvent, Aggregate.Created):
    """Intake: the family's case is opened in a project with its household."""

    project: str
    case_number: str
    members: tuple[MemberData, ...]
    district: str
    postal_code: str
    street_address: str | None
    access_route: AccessRoute
    benefit_situation: BenefitSituation
    consent_purposes: tuple[str, ...]
    consent_given_on: date

    personal = (*(f"members.*.{f}" for f in MEMBER_PERSONAL), "street_address")

    def apply(self, aggregate: Any) -> None:
        aggregate.state = CaseState(
            project=self.project,
            case_number=self.case_number,
            opened_on=self.occurred_on,
            district=self.district,
            postal_code=self.postal_code,
            street_address=self.street_address,
            access_route=self.access_route,
            benefit_situation=self.benefit_situation,
            consent_purposes=tuple(self.consent_purposes),
            consent_given_on=self.consent_given_on,
            members={m.member_id: _member(m) for m in self.members},
        )
        super().apply(aggregate)

    def ref_key(self) -> str | None:
        return "case"


def _member(m: MemberData) -> Member:
    return Member(m.member_id, m.role, m.given_name, m.family_name, m.birth_date, m.gender)


class MemberAdded(CaseEvent):
    member: MemberData

    personal = tuple(f"member.{f}" for f in MEMBER_PERSONAL)

    def apply_to(self, state: CaseState) -> None:
        state.members[self.member.member_id] = _member(self.member)


class MemberDetailsChanged(CaseEvent):
    """Changed details of a member; ``None`` leaves a detail as it was."""

    member_id: UUID
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    gender: Gender | None

    personal = MEMBER_PERSONAL

    def apply_to(self, state: CaseState) -> None:
        m = state.members[self.member_id]
        changes = {k: getattr(self, k) for k in (*MEMBER_PERSONAL, "gender")}
        for key, value in changes.items():
            if value is not None:
                setattr(m, key, value)


class MemberLeftHousehold(CaseEvent):
    member_id: UUID
    reason: str | None

    personal = ("reason",)

    def apply_to(self, state: CaseState) -> None:
        m = state.members[self.member_id]
        m.in_household = False
        m.left_household_on = self.occurred_on


class ParticipantEntered(CaseEvent):
    """ESF+ entry of a member who is supported directly; ``occurred_on`` is the entry
    date. Special-category items (disability, minority, background, housing) are
    personal data."""

    member_id: UUID
    entry: EntryData
    reentry: bool

    personal = ("entry.disability", "entry.minority", "entry.foreign_background",
                "entry.homeless")

    def apply_to(self, state: CaseState) -> None:
        state.participations.setdefault(self.member_id, []).append(
            Participation(self.member_id, self.occurred_on, self.entry,
                          self.originator_version, reentry=self.reentry)
        )

    def ref_key(self) -> str | None:
        return str(self.member_id)


class ConsultationRecorded(CaseEvent):
    """A consultation held on ``occurred_on``. Version 2 replaced the single ``topic``
    of version 1 by a tuple of ``topics``."""

    class_version = 2

    consultation_id: UUID
    duration_minutes: int
    mode: ContactMode
    topics: tuple[Topic, ...]
    members_present: tuple[UUID, ...]
    location: str | None
    notes: str | None
    next_follow_up_on: date | None

    personal = ("location", "notes")

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        topic = state.pop("topic", None)
        state["topics"] = [topic] if topic else []

    def apply_to(self, state: CaseState) -> None:
        state.consultations[self.consultation_id] = Consultation(
            self.consultation_id, self.occurred_on, self.duration_minutes, self.mode,
            tuple(self.topics), tuple(self.members_present), self.location, self.notes,
            self.next_follow_up_on, self.originator_version,
        )
        state.note_contact(state.consultations[self.consultation_id])

    def ref_key(self) -> str | None:
        return str(self.consultation_id)


class GoalSet(CaseEvent):
    goal_id: UUID
    member_ids: tuple[UUID, ...]
    life_area: LifeArea
    description: str | None
    target_date: date | None

    personal = ("description",)

    def apply_to(self, state: CaseState) -> None:
        state.goals[self.goal_id] = Goal(self.goal_id, tuple(self.member_ids), self.life_area,
                                         self.description, self.target_date, self.occurred_on)

    def ref_key(self) -> str | None:
        return str(self.goal_id)


class GoalRevised(CaseEvent):
    goal_id: UUID
    description: str | None
    target_date: date | None
    reason: str | None

    personal = ("description", "reason")

    def apply_to(self, state: CaseState) -> None:
        g = state.goals[self.goal_id]
        if self.description is not None:
            g.description = self.description
        if self.target_date is not None:
            g.target_date = self.target_date
        g.revisions += 1


class GoalAchieved(CaseEvent):
    goal_id: UUID

    def apply_to(self, state: CaseState) -> None:
        g = state.goals[self.goal_id]
        g.status, g.closed_on = "achieved", self.occurred_on


class GoalDropped(CaseEvent):
    goal_id: UUID
    reason: str | None

    personal = ("reason",)

    def apply_to(self, state: CaseState) -> None:
        g = state.goals[self.goal_id]
        g.status, g.closed_on = "dropped", self.occurred_on


class ReferralMade(CaseEvent):
    referral_id: UUID
    member_id: UUID
    institution_type: InstitutionType
    institution_name: str
    purpose: str | None
    consent_confirmed: bool

    personal = ("purpose",)

    def apply_to(self, state: CaseState) -> None:
        state.referrals[self.referral_id] = Referral(
            self.referral_id, self.member_id, self.institution_type, self.institution_name,
            self.purpose, self.occurred_on)

    def ref_key(self) -> str | None:
        return str(self.referral_id)


class ReferralOutcomeRecorded(CaseEvent):
    referral_id: UUID
    outcome: ReferralOutcome

    def apply_to(self, state: CaseState) -> None:
        state.referrals[self.referral_id].outcomes.append((self.occurred_on, self.outcome))


class CaseManagerAssigned(CaseEvent):
    """On intake and on every transfer."""

    case_manager: str
    previous_case_manager: str | None
    reason: str | None

    personal = ("reason",)

    def apply_to(self, state: CaseState) -> None:
        state.case_manager = self.case_manager


class ParticipantLeft(CaseEvent):
    """ESF+ exit; ``occurred_on`` is the exit date, ``status`` the situation on leaving."""

    member_id: UUID
    status: ExitStatus

    def apply_to(self, state: CaseState) -> None:
        p = state.participations[self.member_id][-1]
        p.left_on = self.occurred_on
        p.exit_version = self.originator_version
        p.exit_status = self.status
        p.statuses.append((self.occurred_on, self.status))

    def ref_key(self) -> str | None:
        return str(self.member_id)


class LeavingStatusRecorded(CaseEvent):
    """A later-known situation after leaving (a job started two weeks after exit). The
    ESF+ counts the latest status within 28 days of the exit date."""

    member_id: UUID
    status: ExitStatus

    def apply_to(self, state: CaseState) -> None:
        state.participations[self.member_id][-1].statuses.append((self.occurred_on, self.status))


class FollowUpRecorded(CaseEvent):
    """The situation six months after leaving (EECR05, EECR06)."""

    member_id: UUID
    status: FollowUpStatus
    better_situation: bool | None

    def apply_to(self, state: CaseState) -> None:
        p = state.participations[self.member_id][-1]
        p.follow_up_on = self.occurred_on
        p.follow_up_status = self.status
        p.follow_up_better = self.better_situation


class CaseClosed(CaseEvent):
    reason: ClosureReason
    note: str | None

    personal = ("note",)

    def apply_to(self, state: CaseState) -> None:
        state.status = CaseStatus.CLOSED
        state.closed_on = self.occurred_on
        state.closure_reason = self.reason


class CaseReopened(CaseEvent):
    reason: str | None

    personal = ("reason",)

    def apply_to(self, state: CaseState) -> None:
        state.status = CaseStatus.OPEN
        state.closed_on = None
        state.closure_reason = None


class EntryCorrected(CaseEvent):
    """A correction of an earlier event, by version, with a reason. The earlier event
    stays as it was; the state and every report read the corrected values. Corrections
    of special-category items travel in ``sensitive_changes`` and are sealed like the
    items themselves; after erasure they read as unknown."""

    corrected_version: int
    changes: tuple[FieldChange, ...]
    sensitive_changes: tuple[FieldChange, ...]
    reason: str | None

    personal = ("sensitive_changes.*.value", "reason")

    def apply_to(self, state: CaseState) -> None:
        ref = state.refs[self.corrected_version]
        for change in (*self.changes, *self.sensitive_changes):
            apply_correction(state, self.corrected_version, ref, change)
        state.corrections += 1


class PersonalDataErased(CaseEvent):
    """The family's key was destroyed: its personal data is unreadable everywhere, in
    every event and snapshot, while the rest of its history stays readable."""

    reason: str

    def apply_to(self, state: CaseState) -> None:
        state.status = CaseStatus.ERASED
        state.street_address = None
        for m in state.members.values():
            m.given_name = m.family_name = None
            m.birth_date = None
        for c in state.consultations.values():
            c.notes = c.location = None
        for g in state.goals.values():
            g.description = None
        for r in state.referrals.values():
            r.purpose = None
        for ps in state.participations.values():
            for p in ps:
                p.entry = replace(p.entry, disability=None, minority=None,
                                  foreign_background=None, homeless=None)


ALL_EVENTS: tuple[type[CaseEvent], ...] = (
    CaseOpened, MemberAdded, MemberDetailsChanged, MemberLeftHousehold, ParticipantEntered,
    ConsultationRecorded, GoalSet, GoalRevised, GoalAchieved, GoalDropped, ReferralMade,
    ReferralOutcomeRecorded, CaseManagerAssigned, ParticipantLeft, LeavingStatusRecorded,
    FollowUpRecorded, CaseClosed, CaseReopened, EntryCorrected, PersonalDataErased,
)
