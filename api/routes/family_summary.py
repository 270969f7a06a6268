"""``GET /families/{id}/summary``: a family at a glance, from the family summary view.

It answers exactly whom ``GET /families/{id}`` answers (the same access check on the case
as it is now) and writes the read to the read log the same way; it holds no personal
data. Like every view read, each request first catches the views up with every command
acknowledged before it; ``?after=<position>`` waits, bounded, for a write made through
another server process.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES
from api.read_your_writes import After, catch_up, views_behind
from api.routes.families import _access, _log_read
from application import policy
from projections.views.family_summary_read import FamilySummaryRecord, Tally, read_summary

router = APIRouter(tags=["views"], responses=ERROR_RESPONSES)
A = policy.Action


class SummaryParticipationOut(BaseModel):
    entered_on: date
    left_on: date | None
    exit_status: str | None


class SummaryMemberOut(BaseModel):
    member_id: UUID
    role: str
    gender: str | None
    in_household: bool
    left_household_on: date | None
    participations: list[SummaryParticipationOut] = Field(
        description="ESF+ participations, in order: entry, exit and the status on leaving.")


class SummaryGoalOut(BaseModel):
    goal_id: UUID
    life_area: str
    set_on: date
    target_date: date | None
    status: str = Field(description="open, achieved or dropped")
    closed_on: date | None
    revisions: int


class SummaryReferralOut(BaseModel):
    referral_id: UUID
    institution_type: str
    referred_on: date
    outcome: str | None = Field(description="The latest outcome; None while pending.")
    outcome_on: date | None
    pending: bool = Field(description="No outcome recorded yet.")


class TopicHoursOut(BaseModel):
    topic: str
    consultations: int
    minutes: int
    hours: float


class ModeHoursOut(BaseModel):
    mode: str
    consultations: int
    minutes: int
    hours: float


class SummaryConsultationsOut(BaseModel):
    count: int
    minutes: int
    hours: float
    first_contact_on: date | None
    last_contact_on: date | None
    by_topic: list[TopicHoursOut] = Field(description=(
        "A consultation with several topics counts in full under each of them."))
    by_mode: list[ModeHoursOut]


class CaseSummaryOut(BaseModel):
    family_id: UUID
    project: str
    case_number: str
    status: str
    case_manager: str | None
    opened_on: date
    closed_on: date | None
    version: int = Field(description="The family's version the summary shows.")
    position: int = Field(description="The event-log position the views had reached.")
    members: list[SummaryMemberOut]
    goals: list[SummaryGoalOut]
    referrals: list[SummaryReferralOut]
    consultations: SummaryConsultationsOut


def _topics(found: dict[str, Tally]) -> list[TopicHoursOut]:
    return [TopicHoursOut(topic=k, consultations=t.count, minutes=t.minutes, hours=t.hours)
            for k, t in found.items()]


def _modes(found: dict[str, Tally]) -> list[ModeHoursOut]:
    return [ModeHoursOut(mode=k, consultations=t.count, minutes=t.minutes, hours=t.hours)
            for k, t in found.items()]


def summary_out(s: FamilySummaryRecord, position: int) -> CaseSummaryOut:
    c = s.consultations
    return CaseSummaryOut(
        family_id=s.family_id, project=s.project, case_number=s.case_number, status=s.status,
        case_manager=s.case_manager, opened_on=s.opened_on, closed_on=s.closed_on,
        version=s.version, position=position,
        members=[SummaryMemberOut(
            member_id=m.member_id, role=m.role, gender=m.gender, in_household=m.in_household,
            left_household_on=m.left_household_on,
            participations=[SummaryParticipationOut(
                entered_on=p.entered_on, left_on=p.left_on, exit_status=p.exit_status)
                for p in m.participations]) for m in s.members],
        goals=[SummaryGoalOut(goal_id=g.goal_id, life_area=g.life_area, set_on=g.set_on,
                              target_date=g.target_date, status=g.status,
                              closed_on=g.closed_on, revisions=g.revisions) for g in s.goals],
        referrals=[SummaryReferralOut(
            referral_id=r.referral_id, institution_type=r.institution_type,
            referred_on=r.referred_on, outcome=r.outcome, outcome_on=r.outcome_on,
            pending=r.pending) for r in s.referrals],
        consultations=SummaryConsultationsOut(
            count=c.count, minutes=c.minutes, hours=c.hours,
            first_contact_on=c.first_contact_on, last_contact_on=c.last_contact_on,
            by_topic=_topics(c.by_topic), by_mode=_modes(c.by_mode)))


@router.get("/families/{family_id}/summary", response_model=CaseSummaryOut,
            summary="A family at a glance: household, ESF+ participation, goals, referrals "
                    "and consultation hours, without personal data")
def family_summary(svc: ServicesDep, actor: ActorDep, family_id: UUID,
                   after: After = None) -> CaseSummaryOut:
    """Whoever may read the family's case may read its summary (and the read is logged
    the same way); names, birth dates and notes stay in `GET /families/{id}`."""
    state, access = _access(svc, actor, family_id, A.READ_CASE)
    position = catch_up(svc, after)
    found = read_summary(svc.cases.tables, svc.views.family_summary, family_id)
    if found is None:  # (the case was read before the catch-up: it is in the log)
        raise views_behind()
    _log_read(svc, actor, access, state.project, family_id, "GET /families/{id}/summary")
    return summary_out(found, position)
