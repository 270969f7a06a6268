"""Statistics of a project for its reports, without personal data: the social space.

Like every view read, each request first catches the views up with every command
acknowledged before it; ``?after=<position>`` waits, bounded, for a write made through
another server process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES, ApiProblem
from api.read_your_writes import After, catch_up
from application import policy
from projections.views.social_space_read import MonthCount, read_social_space

router = APIRouter(tags=["statistics"], responses=ERROR_RESPONSES)
A = policy.Action
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def hours(minutes: int) -> float:
    return round(minutes / 60, 2)


class MonthOut(BaseModel):
    month: str = Field(examples=["2026-03"])
    consultations: int
    minutes: int
    hours: float


def _months(found: tuple[MonthCount, ...]) -> list[MonthOut]:
    return [MonthOut(month=m.month, consultations=m.consultations, minutes=m.minutes,
                     hours=hours(m.minutes)) for m in found]


class DistrictOut(BaseModel):
    district: str
    families: int


class FamiliesOut(BaseModel):
    total: int = Field(description="Families whose intake lies in the period.")
    by_district: list[DistrictOut]


class TopicOut(BaseModel):
    topic: str
    consultations: int
    minutes: int
    hours: float
    by_month: list[MonthOut]


class ModeOut(BaseModel):
    mode: str
    consultations: int
    minutes: int
    hours: float


class ConsultationsOut(BaseModel):
    total: int = Field(description="Consultations held in the period, each counted once.")
    minutes: int
    hours: float
    by_month: list[MonthOut] = Field(description="Each consultation once, in calendar order.")
    by_topic: list[TopicOut] = Field(description=(
        "A consultation with several topics counts under each of them."))
    by_mode: list[ModeOut]


class InstitutionTypeOut(BaseModel):
    institution_type: str
    referrals: int
    outcomes: dict[str, int] = Field(description=(
        "The latest outcome of each referral (`pending`: none recorded yet); every outcome "
        "is listed, zeros included."))


class ReferralsOut(BaseModel):
    total: int = Field(description="Referrals made in the period.")
    by_institution_type: list[InstitutionTypeOut]


class LifeAreaOut(BaseModel):
    life_area: str
    set: int = Field(description="Goals set in the period ...")
    open: int = Field(description="... of them still open")
    achieved: int = Field(description="... of them achieved (whenever)")
    dropped: int = Field(description="... of them dropped (whenever)")
    achieved_in_period: int = Field(description="Goals achieved in the period (whenever set).")
    dropped_in_period: int = Field(description="Goals dropped in the period (whenever set).")


class GoalsOut(BaseModel):
    total_set: int
    by_life_area: list[LifeAreaOut]


class SocialSpaceOut(BaseModel):
    project: str
    from_month: str | None = Field(description="First month counted (?from=), if any.")
    to_month: str | None = Field(description="Last month counted (?to=), if any.")
    position: int = Field(description="The event-log position the views had reached.")
    families: FamiliesOut
    consultations: ConsultationsOut
    referrals: ReferralsOut
    goals: GoalsOut


@router.get("/projects/{project}/social-space", response_model=SocialSpaceOut,
            summary="Social-space statistics: families by district, consultations by topic "
                    "and month, referrals by institution and outcome, goals by life area "
                    "(coordinators, auditors, reporting)")
def social_space(
        svc: ServicesDep, actor: ActorDep,
        project: Annotated[str, Path(max_length=10, examples=["KR"])],
        from_month: Annotated[str | None, Query(
            alias="from", pattern=MONTH, max_length=7, examples=["2026-01"],
            description="First month, YYYY-MM (included); none: from the start.")] = None,
        to_month: Annotated[str | None, Query(
            alias="to", pattern=MONTH, max_length=7, examples=["2026-06"],
            description="Last month, YYYY-MM (included); none: up to now.")] = None,
        after: After = None,
) -> SocialSpaceOut:
    """Counts only, never a family: families by the district they live in (counted in the
    month of intake), consultations by topic, by contact mode and per month with their
    hours (counted in the month held), referrals by institution type and latest outcome
    (in the month made), goals by life area (in the month set, with where they stand now,
    and achieved or dropped in the month that happened). Corrected facts count as
    corrected; erased families keep counting with their non-personal facts.

    A period sums its months. Every list is sorted by its count, most first, ties by name
    (goals by the number set); months in calendar order."""
    policy.check_project(actor, A.READ_FIGURES, project)
    if from_month is not None and to_month is not None and from_month > to_month:
        raise ApiProblem(422, "month_range_reversed", "Invalid input",
                         f"the period ends ({to_month}) before it begins ({from_month})",
                         field="to")
    position = catch_up(svc, after)
    s = read_social_space(svc.cases.tables, svc.views.social_space, project=project,
                          from_month=from_month, to_month=to_month)
    return SocialSpaceOut(
        project=project, from_month=from_month, to_month=to_month,
        position=position,
        families=FamiliesOut(total=s.families, by_district=[
            DistrictOut(district=d.district, families=d.families) for d in s.by_district]),
        consultations=ConsultationsOut(
            total=s.consultations, minutes=s.minutes, hours=hours(s.minutes),
            by_month=_months(s.consultations_by_month),
            by_topic=[TopicOut(topic=t.topic, consultations=t.consultations,
                               minutes=t.minutes, hours=hours(t.minutes),
                               by_month=_months(t.by_month)) for t in s.by_topic],
            by_mode=[ModeOut(mode=m.mode, consultations=m.consultations, minutes=m.minutes,
                             hours=hours(m.minutes)) for m in s.by_mode]),
        referrals=ReferralsOut(total=s.referrals, by_institution_type=[
            InstitutionTypeOut(institution_type=r.institution_type, referrals=r.referrals,
                               outcomes=r.outcomes) for r in s.by_institution_type]),
        goals=GoalsOut(total_set=s.goals_set, by_life_area=[
            LifeAreaOut(**vars(g)) for g in s.by_life_area]))
