"""The social-space statistics as read (``GET /projects/{p}/social-space``): the counter
rows of ``projections.views.social_space`` summed over a period, every list sorted by
its count (most first, ties by name), months in calendar order."""

from __future__ import annotations

from dataclasses import dataclass

from application.sql import Tables
from projections.views.social_space import (
    COLUMNS,
    CONSULTATION,
    FAMILY,
    GOAL,
    GOAL_END,
    MODE,
    OUTCOMES,
    REFERRAL,
    ROWS,
    TOPIC,
    Key,
    SocialSpace,
)


@dataclass(frozen=True)
class DistrictCount:
    district: str
    families: int


@dataclass(frozen=True)
class MonthCount:
    month: str
    consultations: int
    minutes: int


@dataclass(frozen=True)
class TopicCount:
    topic: str
    consultations: int
    minutes: int
    by_month: tuple[MonthCount, ...]


@dataclass(frozen=True)
class ModeCount:
    mode: str
    consultations: int
    minutes: int


@dataclass(frozen=True)
class ReferralCount:
    institution_type: str
    referrals: int
    outcomes: dict[str, int]
    """Every outcome (``pending``: none recorded yet) with its count, zeros included."""


@dataclass(frozen=True)
class GoalCount:
    life_area: str
    set: int
    open: int
    achieved: int
    dropped: int
    achieved_in_period: int
    dropped_in_period: int


@dataclass(frozen=True)
class SocialSpaceStatistics:
    project: str
    from_month: str | None
    to_month: str | None
    families: int
    by_district: tuple[DistrictCount, ...]
    consultations: int
    minutes: int
    consultations_by_month: tuple[MonthCount, ...]
    by_topic: tuple[TopicCount, ...]
    by_mode: tuple[ModeCount, ...]
    referrals: int
    by_institution_type: tuple[ReferralCount, ...]
    goals_set: int
    by_life_area: tuple[GoalCount, ...]


def counters(tables: Tables, view: SocialSpace, *, project: str, from_month: str | None = None,
             to_month: str | None = None) -> dict[Key, tuple[int, int]]:
    """The counter rows of ``project`` with a month in the period (both ends included)."""
    p = tables.p
    where, params = [f"project = {p}"], [project]
    if from_month is not None:
        where.append(f"month >= {p}")
        params.append(from_month)
    if to_month is not None:
        where.append(f"month <= {p}")
        params.append(to_month)
    rows = tables.fetchall(tables.sql(
        f"SELECT {', '.join(COLUMNS)} FROM {{r}} WHERE {' AND '.join(where)}",
        r=view.t(ROWS)), params)
    return {(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])): (int(r[5]), int(r[6]))
            for r in rows if r[5] or r[6]}


def _ranked(totals: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    """Most counted first, ties by name: the order of every list of the statistics."""
    return sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))


def read_social_space(tables: Tables, view: SocialSpace, *, project: str,
                      from_month: str | None = None,
                      to_month: str | None = None) -> SocialSpaceStatistics:
    """The statistics of ``project`` for the months from ``from_month`` to ``to_month``
    (``YYYY-MM``, both included; None: open-ended). Lists are sorted by their count,
    most first, ties by name; months in calendar order."""
    return statistics_of(counters(tables, view, project=project, from_month=from_month,
                                  to_month=to_month), project, from_month, to_month)


def statistics_of(rows: dict[Key, tuple[int, int]], project: str, from_month: str | None,
                  to_month: str | None) -> SocialSpaceStatistics:
    districts: dict[str, list[int]] = {}
    months: dict[str, list[int]] = {}
    topics: dict[str, list[int]] = {}
    topic_months: dict[str, dict[str, list[int]]] = {}
    modes: dict[str, list[int]] = {}
    referrals: dict[str, list[int]] = {}
    outcomes: dict[str, dict[str, int]] = {}
    goals: dict[str, list[int]] = {}
    goal_index = {"open": 1, "achieved": 2, "dropped": 3}
    for (_, dimension, item, detail, month), (n, minutes) in rows.items():
        if dimension == FAMILY:
            districts.setdefault(item, [0])[0] += n
        elif dimension == CONSULTATION:
            _sum(months.setdefault(month, [0, 0]), n, minutes)
        elif dimension == TOPIC:
            _sum(topics.setdefault(item, [0, 0]), n, minutes)
            _sum(topic_months.setdefault(item, {}).setdefault(month, [0, 0]), n, minutes)
        elif dimension == MODE:
            _sum(modes.setdefault(item, [0, 0]), n, minutes)
        elif dimension == REFERRAL:
            referrals.setdefault(item, [0])[0] += n
            by_outcome = outcomes.setdefault(item, dict.fromkeys(OUTCOMES, 0))
            by_outcome[detail] = by_outcome.get(detail, 0) + n
        elif dimension == GOAL:
            counts = goals.setdefault(item, [0] * 6)
            counts[0] += n
            counts[goal_index[detail]] += n
        elif dimension == GOAL_END:
            goals.setdefault(item, [0] * 6)[4 if detail == "achieved" else 5] += n

    def by_month(found: dict[str, list[int]]) -> tuple[MonthCount, ...]:
        return tuple(MonthCount(m, n, minutes) for m, (n, minutes) in sorted(found.items()))

    return SocialSpaceStatistics(
        project=project, from_month=from_month, to_month=to_month,
        families=sum(n for n, in districts.values()),
        by_district=tuple(DistrictCount(d, n) for d, (n,) in _ranked(districts)),
        consultations=sum(n for n, _ in months.values()),
        minutes=sum(minutes for _, minutes in months.values()),
        consultations_by_month=by_month(months),
        by_topic=tuple(TopicCount(t, n, minutes, by_month(topic_months[t]))
                       for t, (n, minutes) in _ranked(topics)),
        by_mode=tuple(ModeCount(m, n, minutes) for m, (n, minutes) in _ranked(modes)),
        referrals=sum(n for n, in referrals.values()),
        by_institution_type=tuple(ReferralCount(i, n, outcomes[i])
                                  for i, (n,) in _ranked(referrals)),
        goals_set=sum(counts[0] for counts in goals.values()),
        by_life_area=tuple(GoalCount(a, *counts) for a, counts in _ranked(goals)))


def _sum(into: list[int], n: int, minutes: int) -> None:
    into[0] += n
    into[1] += minutes
