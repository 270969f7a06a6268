"""Plain records carried by events and held in a family case's state.

Fields that hold personal data (names, birth dates, addresses, free text, and the
special-category ESF+ items) are ``Optional``: once a family's key is destroyed they
read back as ``None`` and the event lists them as erased.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    CaseStatus,
    Citizenship,
    ClosureReason,
    ConsentPurpose,
    ContactMode,
    ErasureBasis,
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


@dataclass(frozen=True)
class MemberData:
    """A household member as recorded at intake or when added."""

    member_id: UUID
    role: MemberRole
    given_name: str | None
    family_name: str | None
    birth_date: date | None = None
    gender: Gender | None = None


@dataclass(frozen=True)
class EntryData:
    """The ESF+ entry record of a participant. Core data (Art. 17(5)): labour-market
    status, age (birth date), education and gender; a record without them is kept
    but listed as incomplete, not counted."""

    labour_market_status: LabourMarketStatus | None
    unemployed_months: int | None
    isced: IscedBand | None
    disability: Answer | None
    citizenship: Citizenship | None
    foreign_background: Answer | None
    minority: Answer | None
    homeless: Answer | None
    rural: bool | None


@dataclass(frozen=True)
class FieldChange:
    """One corrected field of an earlier event; ``value`` in its stored text form."""

    field: str
    value: str | None


@dataclass
class Member:
    member_id: UUID
    role: MemberRole
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    gender: Gender | None
    in_household: bool = True
    left_household_on: date | None = None


@dataclass
class Participation:
    """One ESF+ participation of a member: entry, exit, statuses, follow-up."""

    member_id: UUID
    entered_on: date
    entry: EntryData
    entry_version: int
    reentry: bool = False
    left_on: date | None = None
    exit_version: int | None = None
    exit_status: ExitStatus | None = None
    statuses: list[tuple[date, ExitStatus]] = field(default_factory=list)
    follow_up_on: date | None = None
    follow_up_status: FollowUpStatus | None = None
    follow_up_better: bool | None = None

    @property
    def active(self) -> bool:
        return self.left_on is None


@dataclass
class Consultation:
    consultation_id: UUID
    held_on: date
    duration_minutes: int
    mode: ContactMode
    topics: tuple[Topic, ...]
    members_present: tuple[UUID, ...]
    location: str | None
    notes: str | None
    next_follow_up_on: date | None
    version: int


@dataclass
class Goal:
    goal_id: UUID
    member_ids: tuple[UUID, ...]
    life_area: LifeArea
    description: str | None
    target_date: date | None
    set_on: date
    status: str = "open"  # open | achieved | dropped
    closed_on: date | None = None
    revisions: int = 0


@dataclass
class Referral:
    referral_id: UUID
    member_id: UUID
    institution_type: InstitutionType
    institution_name: str | None
    purpose: str | None
    referred_on: date
    outcomes: list[tuple[date, ReferralOutcome]] = field(default_factory=list)
    partner_id: UUID | None = None
    """The partner of the project's directory referred to (``None``: free text only)."""

    @property
    def outcome(self) -> ReferralOutcome | None:
        return self.outcomes[-1][1] if self.outcomes else None


@dataclass(frozen=True)
class ErasureRequest:
    """The family asked for erasure on ``requested_on`` (recorded at ``version``) while
    the programme's retention ran: its processing is restricted until it is erased."""

    requested_on: date
    legal_basis: ErasureBasis
    version: int


@dataclass(frozen=True)
class ConsentChange:
    """A consent given or withdrawn for one purpose, on a day, by the event at
    ``version`` (an intake's consents: version 1)."""

    purpose: ConsentPurpose
    given: bool
    on: date
    version: int


@dataclass
class EventRef:
    """What an event at some version was about, so a correction can find its target."""

    event: str
    key: str | None = None


@dataclass
class CaseState:
    """Everything a family case knows; snapshots store exactly this."""

    project: str
    case_number: str
    opened_on: date
    district: str
    postal_code: str
    street_address: str | None
    access_route: AccessRoute
    benefit_situation: BenefitSituation
    status: CaseStatus = CaseStatus.OPEN
    case_manager: str | None = None
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    last_contact_on: date | None = None
    last_contact_version: int = 0
    next_follow_up_on: date | None = None
    members: dict[UUID, Member] = field(default_factory=dict)
    participations: dict[UUID, list[Participation]] = field(default_factory=dict)
    consultations: dict[UUID, Consultation] = field(default_factory=dict)
    goals: dict[UUID, Goal] = field(default_factory=dict)
    referrals: dict[UUID, Referral] = field(default_factory=dict)
    refs: dict[int, EventRef] = field(default_factory=dict)
    corrections: int = 0
    consents: list[ConsentChange] = field(default_factory=list)
    """Every consent given and withdrawn, in the order recorded (see ``domain.consent``)."""
    via_offer_id: UUID | None = None
    """The social-space offer through which the family came (access route
    ``social_space_offer``), and the session if it was named."""
    via_session_id: UUID | None = None
    consent_texts: tuple[str, ...] = ()
    """Purposes an intake recorded as free text before the catalogue that match none
    of its codes: shown, never a consent in force (personal data: gone on erasure)."""
    erasure_request: ErasureRequest | None = None
    """A request for erasure during retention: the case is read-only (GDPR Art. 18)."""

    def note_contact(self, c: Consultation) -> None:
        """Keep the last contact and the follow-up agreed at the latest consultation."""
        latest = self.last_contact_on, self.last_contact_version
        if self.last_contact_on is None or (c.held_on, c.version) >= latest:
            self.last_contact_on = c.held_on
            self.last_contact_version = c.version
            self.next_follow_up_on = c.next_follow_up_on

    def recompute_contacts(self) -> None:
        self.last_contact_on = self.next_follow_up_on = None
        self.last_contact_version = 0
        for c in self.consultations.values():
            self.note_contact(c)
