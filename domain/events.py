"""The event catalogue of a family case (see DESIGN.md).

Every event records ``occurred_on`` (the business date, may lie in the past) and
``recorded_by`` (staff id); the library adds ``timestamp``, when it was recorded.
``apply`` only assigns state: it runs again on every replay, so it must not decide
anything. ``personal`` names the paths (``*`` for every item of a sequence) that hold
personal data; the store encrypts them with the family's own key. Every free-text field
is personal; the others are codes (enums), ids, dates and numbers
(``tests/unit/test_event_fields.py`` walks every event class).

Upcasting: ``class_version`` and ``upcast_vN_vN+1`` (a static method changing the stored
data of version N into version N+1's, after the sealed values are opened). A personal
value that version N stored in clear is marked ``clear(value)`` by the upcaster: it is
read like a sealed value (``None``, and listed as erased, once the family's key is
destroyed or when personal data is not asked for), although its bytes stay in the store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import consent
from domain.corrections import OPTIONAL, PERSONAL_CORRECTIONS, apply_correction
from domain.records import (
    CaseState,
    ConsentChange,
    Consultation,
    EntryData,
    ErasureRequest,
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
    ConsentPurpose,
    ContactMode,
    ErasureBasis,
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
CLEAR = "$clear"


def clear(value: Any) -> Any:
    """For upcasters: a personal value an older class version stored in clear (see the
    module's docstring); ``None`` stays ``None``."""
    return None if value is None else {CLEAR: value}


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
    """Intake: the family's case is opened in a project with its household and the
    purposes it consents to (given on ``consent_given_on``). Version 2 replaced the
    free-text purposes of version 1 by codes of the catalogue: a text that names one
    exactly becomes its code, any other stays in ``consent_texts`` (personal, and never
    a consent in force: nobody can tell what it allowed). Version 3 added the
    social-space offer (and session) through which the family came, if it did."""

    class_version = 3

    project: str
    case_number: str
    members: tuple[MemberData, ...]
    district: str
    postal_code: str
    street_address: str | None
    access_route: AccessRoute
    benefit_situation: BenefitSituation
    consent_purposes: tuple[ConsentPurpose, ...]
    consent_given_on: date
    consent_texts: tuple[str | None, ...]  # (None: erased)
    via_offer_id: UUID | None
    via_session_id: UUID | None

    personal = (*(f"members.*.{f}" for f in MEMBER_PERSONAL), "street_address",
                "consent_texts.*")

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        codes, texts = consent.from_legacy(state.get("consent_purposes") or ())
        state["consent_purposes"] = codes
        state["consent_texts"] = [clear(t) for t in texts]

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["via_offer_id"] = state["via_session_id"] = None

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
            members={m.member_id: _member(m) for m in self.members},
            consents=[ConsentChange(p, True, self.consent_given_on, self.originator_version)
                      for p in self.consent_purposes],
            consent_texts=tuple(t for t in self.consent_texts if t is not None),
            via_offer_id=self.via_offer_id, via_session_id=self.via_session_id,
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
    """A member referred to an institution (passing data on: it needs the family's
    consent for referrals in force on ``occurred_on``). Version 2 seals the institution's
    name (free text: "Dr. ..., Psychotherapie" says more than its type); version 1
    stored it in clear. Version 3 names the partner of the project's directory referred
    to, if any (``partner_id``; earlier referrals: ``None``); the name stays sealed
    here even when it is the partner's, as the referral is the family's data."""

    class_version = 3

    referral_id: UUID
    member_id: UUID
    institution_type: InstitutionType
    institution_name: str | None
    purpose: str | None
    consent_confirmed: bool
    partner_id: UUID | None

    personal = ("institution_name", "purpose")

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["institution_name"] = clear(state.get("institution_name"))

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["partner_id"] = None

    def apply_to(self, state: CaseState) -> None:
        state.referrals[self.referral_id] = Referral(
            self.referral_id, self.member_id, self.institution_type, self.institution_name,
            self.purpose, self.occurred_on, partner_id=self.partner_id)

    def ref_key(self) -> str | None:
        return str(self.referral_id)


class ConsentGiven(CaseEvent):
    """The family gave its consent for ``purpose`` on ``occurred_on``."""

    purpose: ConsentPurpose

    def apply_to(self, state: CaseState) -> None:
        state.consents.append(ConsentChange(self.purpose, True, self.occurred_on,
                                            self.originator_version))


class ConsentWithdrawn(CaseEvent):
    """The family withdrew its consent for ``purpose`` on ``occurred_on`` (what was done
    while it was in force stays lawful)."""

    purpose: ConsentPurpose

    def apply_to(self, state: CaseState) -> None:
        state.consents.append(ConsentChange(self.purpose, False, self.occurred_on,
                                            self.originator_version))


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


def _stay(state: CaseState, member_id: UUID, exit_version: int | None) -> Participation:
    """The participation whose exit the event at ``exit_version`` recorded (``None``: a
    result of version 1, which always belonged to the member's latest exit)."""
    ps = state.participations[member_id]
    if exit_version is None:
        return ps[-1]
    return next(p for p in ps if p.exit_version == exit_version)


class LeavingStatusRecorded(CaseEvent):
    """A later-known situation after leaving (a job started two weeks after exit), of the
    exit recorded at ``exit_version``: the ESF+ counts the latest status within 28 days
    of the exit date. Version 1 had no ``exit_version``: its status belonged to the
    member's latest exit when it was recorded (upcast to ``None``, meaning just that)."""

    class_version = 2

    member_id: UUID
    status: ExitStatus
    exit_version: int | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["exit_version"] = None

    def apply_to(self, state: CaseState) -> None:
        _stay(state, self.member_id, self.exit_version).statuses.append(
            (self.occurred_on, self.status))


class FollowUpRecorded(CaseEvent):
    """The situation six months after leaving (EECR05, EECR06) the exit recorded at
    ``exit_version``. Version 1 had no ``exit_version`` (see ``LeavingStatusRecorded``)."""

    class_version = 2

    member_id: UUID
    status: FollowUpStatus
    better_situation: bool | None
    exit_version: int | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["exit_version"] = None

    def apply_to(self, state: CaseState) -> None:
        p = _stay(state, self.member_id, self.exit_version)
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
    of personal facts (the special-category items, free text such as an institution's
    name: ``PERSONAL_CORRECTIONS``) travel in ``sensitive_changes`` and are sealed like
    the facts themselves; after erasure they read as unknown and are passed over.
    Version 1 kept a corrected institution name among the ``changes``, in clear."""

    class_version = 2

    corrected_version: int
    changes: tuple[FieldChange, ...]
    sensitive_changes: tuple[FieldChange, ...]
    reason: str | None

    personal = ("sensitive_changes.*.value", "reason")

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        changes = state.get("changes") or []
        moved = [c for c in changes if c.get("field") in PERSONAL_CORRECTIONS]
        state["changes"] = [c for c in changes if c not in moved]
        state["sensitive_changes"] = [*(state.get("sensitive_changes") or []),
                                      *({**c, "value": clear(c.get("value"))} for c in moved)]

    def apply_to(self, state: CaseState) -> None:
        ref = state.refs[self.corrected_version]
        erased = set(getattr(self, "erased_fields", ()))
        for i, change in enumerate(self.sensitive_changes):
            if f"sensitive_changes.{i}.value" in erased and change.field not in OPTIONAL:
                continue  # an erased text (a name): the erasure blanks the fact anyway
            apply_correction(state, self.corrected_version, ref, change)
        for change in self.changes:
            apply_correction(state, self.corrected_version, ref, change)
        state.corrections += 1


class PersonalDataErased(CaseEvent):
    """The family's key was destroyed: its personal data is unreadable everywhere, in
    every event and snapshot, while the rest of its history stays readable. The legal
    basis is a code; the note is sealed (so unreadable once the key is gone). Version 1
    had a free-text ``reason`` in clear instead: it reads as the note, erased, and its
    legal basis as unknown (``None``)."""

    class_version = 2

    legal_basis: ErasureBasis | None
    note: str | None

    personal = ("note",)

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["note"] = clear(state.pop("reason", None))
        state["legal_basis"] = None

    def apply_to(self, state: CaseState) -> None:
        state.status = CaseStatus.ERASED
        state.street_address = None
        state.consent_texts = ()
        for m in state.members.values():
            m.given_name = m.family_name = None
            m.birth_date = None
        for c in state.consultations.values():
            c.notes = c.location = None
        for g in state.goals.values():
            g.description = None
        for r in state.referrals.values():
            r.purpose = r.institution_name = None
        for ps in state.participations.values():
            for p in ps:
                p.entry = replace(p.entry, disability=None, minority=None,
                                  foreign_background=None, homeless=None)


class ErasureRequested(CaseEvent):
    """The family asked for erasure on ``occurred_on`` while the programme's retention
    runs (CPR Art. 82), which overrides the request (GDPR Art. 17(3)(b)): its processing
    is restricted (Art. 18) - the case takes no more entries and leaves the case
    managers' lists - until it is erased when retention ends (``domain/retention.py``).
    The legal basis is a code; the note is sealed."""

    legal_basis: ErasureBasis
    note: str | None

    personal = ("note",)

    def apply_to(self, state: CaseState) -> None:
        state.erasure_request = ErasureRequest(self.occurred_on, self.legal_basis,
                                               self.originator_version)


ALL_EVENTS: tuple[type[CaseEvent], ...] = (
    CaseOpened, MemberAdded, MemberDetailsChanged, MemberLeftHousehold, ParticipantEntered,
    ConsultationRecorded, GoalSet, GoalRevised, GoalAchieved, GoalDropped, ReferralMade,
    ReferralOutcomeRecorded, CaseManagerAssigned, ParticipantLeft, LeavingStatusRecorded,
    FollowUpRecorded, CaseClosed, CaseReopened, EntryCorrected, PersonalDataErased,
    ConsentGiven, ConsentWithdrawn, ErasureRequested,
)
