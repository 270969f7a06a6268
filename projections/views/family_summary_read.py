"""The family summary as read: one family at a glance (``GET /families/{id}/summary``).

The records below are what a stored ``SummaryDoc`` (``projections.views.family_summary``)
stands for; the consultation figures (count, minutes and hours, by topic and by contact
mode, first and last contact) are summed here, one family at a time.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field, computed_field
from pydantic.dataclasses import dataclass

from application.sql import Tables
from projections.views.family_summary import ROWS, FamilySummary, SummaryDoc

# The records are pydantic dataclasses: ``GET /families/{id}/summary`` answers them as
# they are, so a field added here is in the answer and its OpenAPI description.


@dataclass(frozen=True)
class ParticipationSummary:
    entered_on: date
    left_on: date | None
    exit_status: str | None


@dataclass(frozen=True)
class MemberSummary:
    member_id: UUID
    role: str
    gender: str | None
    in_household: bool
    left_household_on: date | None
    participations: Annotated[tuple[ParticipationSummary, ...], Field(
        description="ESF+ participations, in order: entry, exit and the status on leaving.")]


@dataclass(frozen=True)
class GoalSummary:
    goal_id: UUID
    life_area: str
    set_on: date
    target_date: date | None
    status: Annotated[str, Field(description="open, achieved or dropped")]
    closed_on: date | None
    revisions: int


@dataclass(frozen=True)
class ReferralSummary:
    referral_id: UUID
    institution_type: str
    referred_on: date
    outcome: Annotated[str | None, Field(description="The latest outcome; None while pending.")]
    outcome_on: date | None

    @computed_field(description="No outcome recorded yet.")  # type: ignore[prop-decorator]
    @property
    def pending(self) -> bool:
        return self.outcome is None


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)


@dataclass(frozen=True)
class TopicHours:
    topic: str
    consultations: int
    minutes: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hours(self) -> float:
        return hours(self.minutes)


@dataclass(frozen=True)
class ModeHours:
    mode: str
    consultations: int
    minutes: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hours(self) -> float:
        return hours(self.minutes)


@dataclass(frozen=True)
class ConsultationFigures:
    count: int
    minutes: int
    first_contact_on: date | None
    last_contact_on: date | None
    by_topic: Annotated[tuple[TopicHours, ...], Field(description=(
        "A consultation with several topics counts in full under each of them."))]
    by_mode: tuple[ModeHours, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hours(self) -> float:
        return hours(self.minutes)


@dataclass(frozen=True)
class FamilySummaryRecord:
    family_id: UUID
    project: str
    case_number: str
    status: str
    case_manager: str | None
    opened_on: date
    closed_on: date | None
    version: Annotated[int, Field(description="The family's version the summary shows.")]
    members: tuple[MemberSummary, ...]
    goals: tuple[GoalSummary, ...]
    referrals: tuple[ReferralSummary, ...]
    consultations: ConsultationFigures


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def tally(pairs: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(key, count, minutes) per key, from one (key, minutes) pair per count, keys sorted."""
    counts: dict[str, list[int]] = {}
    for key, minutes in pairs:
        slot = counts.setdefault(key, [0, 0])
        slot[0] += 1
        slot[1] += minutes
    return [(k, counts[k][0], counts[k][1]) for k in sorted(counts)]


def summary_of(family_id: UUID, d: SummaryDoc) -> FamilySummaryRecord:
    """The summary a document stands for."""
    held = list(d.consultations.values())
    by_mode = tally([(c.mode, c.minutes) for c in held])
    by_topic = tally([(topic, c.minutes) for c in held for topic in c.topics])
    days = [c.held_on for c in held]
    return FamilySummaryRecord(
        family_id=family_id, project=d.project, case_number=d.case_number,
        status=d.status, case_manager=d.case_manager,
        opened_on=date.fromisoformat(d.opened_on), closed_on=_day(d.closed_on),
        version=d.version,
        members=tuple(MemberSummary(
            UUID(member_id), m.role, m.gender, m.left_household_on is None,
            _day(m.left_household_on),
            tuple(ParticipationSummary(date.fromisoformat(p.entered_on), _day(p.left_on),
                                       p.exit_status)
                  for p in d.esf.get(member_id, ())))
            for member_id, m in d.members.items()),
        goals=tuple(GoalSummary(UUID(goal_id), g.life_area, date.fromisoformat(g.set_on),
                                _day(g.target_date), g.status, _day(g.closed_on), g.revisions)
                    for goal_id, g in d.goals.items()),
        referrals=tuple(ReferralSummary(UUID(referral_id), r.institution_type,
                                        date.fromisoformat(r.referred_on), r.outcome,
                                        _day(r.outcome_on))
                        for referral_id, r in d.referrals.items()),
        consultations=ConsultationFigures(
            count=len(held), minutes=sum(c.minutes for c in held),
            first_contact_on=_day(min(days, default=None)),
            last_contact_on=_day(max(days, default=None)),
            by_topic=tuple(TopicHours(*t) for t in by_topic),
            by_mode=tuple(ModeHours(*m) for m in by_mode)))


def read_summary(tables: Tables, view: FamilySummary,
                 family_id: UUID) -> FamilySummaryRecord | None:
    """The family's summary, or None when the view does not hold the family (yet)."""
    row = tables.fetchone(tables.sql("SELECT doc FROM {r} WHERE family_id = {p}",
                                     r=view.t(ROWS)), (family_id.hex,))
    return None if row is None else summary_of(family_id, view.decode_doc(family_id.hex,
                                                                          str(row[0])))
