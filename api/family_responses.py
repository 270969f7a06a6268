"""Response bodies of ``/families``: a family's case as it stands or stood (``CaseOut``),
its event history on both timelines, and a page of the families a search found.
Plain public shapes, never aggregates or stored events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from application.views import CaseView, HistoryEntry
from domain import consent
from domain.records import EntryData


class MemberOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"member_id": "11111111-2222-4333-8444-555555555555", "role": "parent",
         "given_name": "Amira",
         "family_name": "Okonkwo-Brandt", "birth_date": "1991-05-17", "gender": "female",
         "in_household": True, "left_household_on": None}]})

    member_id: UUID
    role: str
    given_name: str | None
    family_name: str | None
    birth_date: date | None
    gender: str | None
    in_household: bool
    left_household_on: date | None


class ParticipationOut(BaseModel):
    member_id: UUID
    entered_on: date
    entry: dict[str, Any]
    entry_version: int
    reentry: bool
    left_on: date | None
    exit_status: str | None
    statuses: list[dict[str, Any]]
    follow_up_on: date | None
    follow_up_status: str | None
    follow_up_better: bool | None


class ConsultationOut(BaseModel):
    consultation_id: UUID
    held_on: date
    duration_minutes: int
    mode: str
    topics: list[str]
    members_present: list[UUID]
    location: str | None
    notes: str | None
    next_follow_up_on: date | None
    version: int


class GoalOut(BaseModel):
    goal_id: UUID
    member_ids: list[UUID]
    life_area: str
    description: str | None
    target_date: date | None
    set_on: date
    status: str
    closed_on: date | None
    revisions: int


class ReferralOut(BaseModel):
    referral_id: UUID
    member_id: UUID
    institution_type: str
    institution_name: str | None = Field(description="null after erasure (sealed)")
    purpose: str | None
    referred_on: date
    outcome: str | None
    outcomes: list[dict[str, Any]]
    partner_id: UUID | None = Field(default=None, description=(
        "the partner of the project's directory referred to, if one was named"))


class ConsentOut(BaseModel):
    """A consent in force: its purpose (a code of the catalogue), since when, and the
    version of the event that gave it."""

    purpose: str = Field(examples=["referral_to_partners"])
    given_on: date
    version: int


class ErasureRequestOut(BaseModel):
    """A request for erasure recorded during retention."""

    requested_on: date
    legal_basis: str = Field(examples=["art17_request"])
    version: int


class ConsentChangeOut(BaseModel):
    """A consent given or withdrawn, on a day, by the event at ``version``."""

    purpose: str = Field(examples=["photo_and_media"])
    change: str = Field(description="`given` or `withdrawn`", examples=["withdrawn"])
    on: date
    version: int


class CaseOut(BaseModel):
    """A family's case as it stands (or stood, with ``as_of``/``version``)."""

    family_id: UUID
    version: int
    project: str
    case_number: str
    status: str
    case_manager: str | None
    opened_on: date
    opened_at: datetime
    modified_at: datetime
    closed_on: date | None
    closure_reason: str | None
    district: str
    postal_code: str
    street_address: str | None
    access_route: str
    benefit_situation: str
    consents: list[ConsentOut] = Field(description="The consents in force (after every "
                                       "change recorded), in the catalogue's order.")
    consent_history: list[ConsentChangeOut] = Field(
        description="Every consent given and withdrawn, by date (the intake's first).")
    consent_texts: list[str] | None = Field(
        description="Purposes an intake recorded as free text before the catalogue that "
        "match none of its codes: never a consent in force; null after erasure.")
    last_contact_on: date | None
    next_follow_up_on: date | None
    corrections: int
    erasure_request: ErasureRequestOut | None = Field(None, description=(
        "The family's request for erasure during the programme's retention: while it "
        "stands the case is read-only (processing restricted, GDPR Art. 18) until the "
        "family is erased when retention ends."))
    members: list[MemberOut]
    participations: list[ParticipationOut]
    consultations: list[ConsultationOut]
    goals: list[GoalOut]
    referrals: list[ReferralOut]


def _entry(e: EntryData) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in vars(e).items()}


def case_out(view: CaseView) -> CaseOut:
    s = view.state
    return CaseOut(
        family_id=view.family_id, version=view.version, project=s.project,
        case_number=s.case_number, status=s.status.value, case_manager=s.case_manager,
        opened_on=s.opened_on, opened_at=view.opened_at, modified_at=view.modified_at,
        closed_on=s.closed_on, closure_reason=s.closure_reason, district=s.district,
        postal_code=s.postal_code, street_address=s.street_address,
        access_route=s.access_route, benefit_situation=s.benefit_situation,
        consents=[ConsentOut(purpose=c.purpose, given_on=c.on, version=c.version)
                  for c in consent.in_force_now(s.consents)],
        consent_history=[ConsentChangeOut(purpose=c.purpose, on=c.on, version=c.version,
                                          change="given" if c.given else "withdrawn")
                         for c in sorted(s.consents, key=lambda c: (c.on, c.version))],
        consent_texts=None if s.status.value == "erased" else list(s.consent_texts),
        last_contact_on=s.last_contact_on, next_follow_up_on=s.next_follow_up_on,
        corrections=s.corrections,
        erasure_request=None if s.erasure_request is None else ErasureRequestOut(
            requested_on=s.erasure_request.requested_on,
            legal_basis=s.erasure_request.legal_basis.value,
            version=s.erasure_request.version),
        members=[MemberOut(**vars(m)) for m in s.members.values()],
        participations=[
            ParticipationOut(member_id=p.member_id, entered_on=p.entered_on,
                             entry=_entry(p.entry), entry_version=p.entry_version,
                             reentry=p.reentry, left_on=p.left_on, exit_status=p.exit_status,
                             statuses=[{"on": d, "status": st} for d, st in p.statuses],
                             follow_up_on=p.follow_up_on, follow_up_status=p.follow_up_status,
                             follow_up_better=p.follow_up_better)
            for ps in s.participations.values() for p in ps],
        consultations=[ConsultationOut(**{**vars(c), "topics": list(c.topics),
                                          "members_present": list(c.members_present)})
                       for c in sorted(s.consultations.values(),
                                       key=lambda c: (c.held_on, c.version))],
        goals=[GoalOut(**{**vars(g), "member_ids": list(g.member_ids)})
               for g in s.goals.values()],
        referrals=[ReferralOut(referral_id=r.referral_id, member_id=r.member_id,
                               institution_type=r.institution_type,
                               institution_name=r.institution_name, purpose=r.purpose,
                               referred_on=r.referred_on, outcome=r.outcome,
                               outcomes=[{"on": d, "outcome": o} for d, o in r.outcomes],
                               partner_id=r.partner_id)
                   for r in s.referrals.values()],
    )


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"version": 3, "event": "ConsultationRecorded", "occurred_on": "2026-11-20",
         "recorded_at": "2026-11-21T08:12:03Z", "recorded_by": "st-3f9a2c1b",
         "facts": {"duration_minutes": 45, "mode": "home_visit", "topics": ["benefits"]},
         "erased_fields": []}]})

    version: int
    event: str = Field(examples=["ConsultationRecorded"])
    occurred_on: date = Field(description="When it happened (business date).")
    recorded_at: datetime = Field(description="When it was recorded.")
    recorded_by: str = Field(description="Who recorded it (staff id).")
    facts: dict[str, Any]
    erased_fields: list[str]


class HistoryOut(BaseModel):
    family_id: UUID
    case_number: str
    version: int
    events: list[HistoryEntryOut]


def history_out(entry: HistoryEntry) -> HistoryEntryOut:
    return HistoryEntryOut(version=entry.version, event=entry.event,
                           occurred_on=entry.occurred_on, recorded_at=entry.recorded_at,
                           recorded_by=entry.recorded_by, facts=entry.facts,
                           erased_fields=list(entry.erased_fields))


class FamilySummaryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"family_id": "0b3f7c9e-2f56-4a55-9d0e-6c1d7f5a8e21", "project": "KR",
         "case_number": "KR-2026-0042",
         "case_manager": "st-3f9a2c1b", "status": "open", "opened_on": "2026-03-02",
         "version": 17, "names": ["Amira Okonkwo-Brandt", "Noah Okonkwo-Brandt"]}]})

    family_id: UUID
    project: str
    case_number: str
    case_manager: str | None
    status: str
    opened_on: date
    version: int
    names: list[str] | None = Field(description="Household members' names; null after "
                                    "erasure.")


class FamilyPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[FamilySummaryOut]
