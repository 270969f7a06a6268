"""Programme figures (Akti(F) Plus style) of a project, as known now or at a cut-off,
read from the rows of ``ProgrammeFacts`` (``projections.reporting.programme``).

``programme_figures`` reads the rows with a handful of GROUP BY queries, for
the period [start, cutoff] and cumulatively since the project's start (up to the
cut-off), from the rows known now (``known_by`` None) or at the end of ``known_by``:

- *families reached*: in the period, the cases opened on or before the cut-off that were
  not closed throughout the period (no closure dated before the start that was not
  reopened by the cut-off); since the start, every case opened on or before the cut-off.
  The period's target is the yearly target times the calendar months the period spans
  over twelve, rounded up (half of it, rounded up, for a half-year); the share is the
  families reached in the period against it, in percent.
- *children* and *persons supported* (every household member, children included) in
  those families: the members who joined on or before the cut-off and (in the period)
  had not left the household before its start.
- *consultations* held in the window: count and hours (minutes / 60, one decimal,
  rounded half up), by contact mode (adding up to the total) and by topic (a
  consultation with several topics counts in full under each).
- *referrals* made in the window, by institution type and by outcome: the latest outcome
  dated on or before the cut-off, else ``pending``.
- *goals* by life area: set (set on in the window), achieved and dropped (closed on in
  the window).
- *exits*: the case closures dated in the window and still standing at the cut-off (a
  case closed and reopened by the cut-off has not left), by reason; the average case
  duration is the mean of their days from intake to closure (one decimal; None without
  exits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from application.sql import Tables
from domain.values import (
    ClosureReason,
    ContactMode,
    InstitutionType,
    LifeArea,
    ReferralOutcome,
    Topic,
)
from projections.reporting.bitemporal import known_clause
from projections.reporting.programme import FACTS, PENDING, ProgrammeFacts

# ----- the figures ----------------------------------------------------------------------


def _one_decimal(numerator: int, denominator: int) -> float:
    """numerator / denominator to one decimal, rounded half up."""
    return float((Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Tally:
    """Consultations: how many and how long."""

    count: int
    minutes: int

    @property
    def hours(self) -> float:
        return _one_decimal(self.minutes, 60)


@dataclass(frozen=True)
class GoalTally:
    set: int
    achieved: int
    dropped: int


@dataclass(frozen=True)
class Window:
    """The figures of one time window: the period, or everything since the start."""

    families: int
    children: int
    persons: int
    consultations: Tally
    consultations_by_topic: dict[str, Tally]
    consultations_by_mode: dict[str, Tally]
    referrals: int
    referrals_by_institution_type: dict[str, int]
    referrals_by_outcome: dict[str, int]
    goals: GoalTally
    goals_by_life_area: dict[str, GoalTally]
    exits: int
    average_case_days: float | None
    exits_by_reason: dict[str, int]


@dataclass(frozen=True)
class Target:
    yearly: int | None
    period: int | None
    """The period's share of the yearly target, rounded up (None without a target)."""
    share_percent: float | None
    """Families reached in the period against the period's target (one decimal)."""


@dataclass(frozen=True)
class ProgrammeFigures:
    project: str
    start: date
    cutoff: date
    known_by: date | None
    """None: as known now; a date: as it could be known at the end of that day."""
    project_start: date | None
    """The project's first intake on or before the cut-off (None: no family yet)."""
    target: Target
    period: Window
    since_start: Window


def _ordered(values: Mapping[str, Any], order: Sequence[str], zero: Any) -> dict[str, Any]:
    """Every known key in its enum order (zero where nothing was counted), then any other
    key found, sorted."""
    result = {key: values.get(key, zero) for key in order}
    result.update({key: values[key] for key in sorted(values) if key not in result})
    return result


TOPICS = tuple(t.value for t in Topic)
MODES = tuple(m.value for m in ContactMode)
INSTITUTION_TYPES = tuple(i.value for i in InstitutionType)
OUTCOMES = (*(o.value for o in ReferralOutcome), PENDING)
LIFE_AREAS = tuple(a.value for a in LifeArea)
CLOSURE_REASONS = tuple(r.value for r in ClosureReason)

_COVERED = ("NOT EXISTS (SELECT 1 FROM {t} x WHERE x.family_id = f.family_id AND "
            "x.entity = f.entity AND x.known_from = f.known_from AND x.kind = 'closure' AND "
            "x.on_day < {p} AND (x.end_day IS NULL OR x.end_day > {p}))")
"""The case (row ``f``) was not closed throughout the period (parameters: start, cutoff)."""


def _months(start: date, cutoff: date) -> int:
    return max(1, (cutoff.year - start.year) * 12 + cutoff.month - start.month + 1)


def programme_figures(tables: Tables, view: ProgrammeFacts, project: str, start: date,
                      cutoff: date, known_by: date | None,
                      yearly_target: int | None) -> ProgrammeFigures:
    """The programme figures of ``project`` for the period [start, cutoff] and since the
    project's start, from the view's rows known now (``known_by`` None) or at the end of
    ``known_by``."""
    t = view.t(FACTS)
    s, k = start.isoformat(), cutoff.isoformat()
    known_f, known_params = known_clause("f.", known_by)

    def q(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return c.execute(tables.sql(sql, t=t), params).fetchall()

    where = f"f.project = {{p}} AND {known_f} AND f.on_day <= {{p}}"
    base = (project, *known_params, k)

    with tables.transaction(commit=False) as c:
        families = q(
            f"SELECT COUNT(*), SUM(CASE WHEN {_COVERED} THEN 1 ELSE 0 END), MIN(f.on_day) "
            f"FROM {{t}} f WHERE f.kind = 'case' AND {where}", (s, k, *base))[0]
        members = q(
            f"SELECT m.category, SUM(CASE WHEN (m.end_day IS NULL OR m.end_day >= {{p}}) AND "
            f"{_COVERED} THEN 1 ELSE 0 END), COUNT(*) FROM {{t}} f JOIN {{t}} m ON "
            "m.family_id = f.family_id AND m.entity = f.entity AND m.known_from = f.known_from "
            f"AND m.kind = 'member' AND m.on_day <= {{p}} WHERE f.kind = 'case' AND {where} "
            "GROUP BY m.category", (s, s, k, k, *base))
        consultations = q(
            "SELECT f.kind, f.category, SUM(CASE WHEN f.on_day >= {p} THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN f.on_day >= {p} THEN f.amount ELSE 0 END), COUNT(*), "
            f"SUM(f.amount) FROM {{t}} f WHERE f.kind IN ('consultation', 'topic') AND {where} "
            "GROUP BY f.kind, f.category", (s, s, *base))
        referrals = q(
            "SELECT f.category, SUM(CASE WHEN f.on_day >= {p} THEN 1 ELSE 0 END), COUNT(*) "
            f"FROM {{t}} f WHERE f.kind = 'referral' AND {where} GROUP BY f.category",
            (s, *base))
        outcomes = q(
            "WITH latest AS (SELECT f.family_id, f.entity, f.known_from, f.status, "
            "ROW_NUMBER() OVER (PARTITION BY f.family_id, f.entity, f.known_from "
            "ORDER BY f.on_day DESC, f.part DESC) AS n "
            f"FROM {{t}} f WHERE f.kind = 'outcome' AND {where}) "
            f"SELECT COALESCE(o.status, '{PENDING}'), "
            "SUM(CASE WHEN f.on_day >= {p} THEN 1 ELSE 0 END), "
            "COUNT(*) FROM {t} f LEFT JOIN latest o ON o.family_id = f.family_id AND "
            "o.entity = f.entity AND o.known_from = f.known_from AND o.n = 1 "
            f"WHERE f.kind = 'referral' AND {where} GROUP BY 1", (*base, s, *base))
        goals = q(
            "SELECT f.category, SUM(CASE WHEN f.on_day >= {p} THEN 1 ELSE 0 END), COUNT(*), "
            "SUM(CASE WHEN f.status = 'achieved' AND f.end_day >= {p} AND f.end_day <= {p} "
            "THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN f.status = 'achieved' AND f.end_day <= {p} THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN f.status = 'dropped' AND f.end_day >= {p} AND f.end_day <= {p} "
            "THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN f.status = 'dropped' AND f.end_day <= {p} THEN 1 ELSE 0 END) "
            f"FROM {{t}} f WHERE f.kind = 'goal' AND {where} GROUP BY f.category",
            (s, s, k, k, s, k, k, *base))
        exits = q(
            "SELECT f.category, SUM(CASE WHEN f.on_day >= {p} THEN 1 ELSE 0 END), COUNT(*), "
            "SUM(CASE WHEN f.on_day >= {p} THEN f.amount ELSE 0 END), SUM(f.amount) "
            f"FROM {{t}} f WHERE f.kind = 'closure' AND {where} "
            "AND (f.end_day IS NULL OR f.end_day > {p}) GROUP BY f.category",
            (s, s, *base, k))

    def windows(i: int) -> Window:
        """The window of column pairs' position ``i`` (0: the period, 1: since start)."""
        by_role = {str(r[0]): int(r[1 + i] or 0) for r in members}
        modes = {str(r[1]): Tally(int(r[2 + 2 * i] or 0), int(r[3 + 2 * i] or 0))
                 for r in consultations if r[0] == "consultation"}
        topics = {str(r[1]): Tally(int(r[2 + 2 * i] or 0), int(r[3 + 2 * i] or 0))
                  for r in consultations if r[0] == "topic"}
        institutions = {str(r[0]): int(r[1 + i] or 0) for r in referrals}
        by_outcome = {str(r[0]): int(r[1 + i] or 0) for r in outcomes}
        by_area = {str(r[0]): GoalTally(int(r[1 + i] or 0), int(r[3 + i] or 0),
                                        int(r[5 + i] or 0)) for r in goals}
        reasons = {str(r[0]): int(r[1 + i] or 0) for r in exits}
        exit_days = sum(int(r[3 + i] or 0) for r in exits)
        exit_count = sum(reasons.values())
        zero = Tally(0, 0)
        return Window(
            families=int((families[1] if i == 0 else families[0]) or 0),
            children=by_role.get("child", 0), persons=sum(by_role.values()),
            consultations=Tally(sum(m.count for m in modes.values()),
                                sum(m.minutes for m in modes.values())),
            consultations_by_topic=_ordered(topics, TOPICS, zero),
            consultations_by_mode=_ordered(modes, MODES, zero),
            referrals=sum(institutions.values()),
            referrals_by_institution_type=_ordered(institutions, INSTITUTION_TYPES, 0),
            referrals_by_outcome=_ordered(by_outcome, OUTCOMES, 0),
            goals=GoalTally(sum(g.set for g in by_area.values()),
                            sum(g.achieved for g in by_area.values()),
                            sum(g.dropped for g in by_area.values())),
            goals_by_life_area=_ordered(by_area, LIFE_AREAS, GoalTally(0, 0, 0)),
            exits=exit_count,
            average_case_days=_one_decimal(exit_days, exit_count) if exit_count else None,
            exits_by_reason=_ordered(reasons, CLOSURE_REASONS, 0))

    period, since = windows(0), windows(1)
    period_target = (None if yearly_target is None
                     else -(-yearly_target * _months(start, cutoff) // 12))
    share = (_one_decimal(period.families * 100, period_target)
             if period_target else None)
    return ProgrammeFigures(
        project=project, start=start, cutoff=cutoff, known_by=known_by,
        project_start=date.fromisoformat(families[2]) if families[2] else None,
        target=Target(yearly_target, period_target, share), period=period,
        since_start=since)


# ----- what changed after a cut-off -----------------------------------------------------

KINDS_OF_SECTION = {
    "families": ("case", "member", "closure"), "target": ("case", "member", "closure"),
    "consultations": ("consultation", "topic"), "hours": ("consultation", "topic"),
    "referrals": ("referral", "outcome"),
    "goals": ("goal",), "exits": ("case", "closure")}
"""The rows (``kind``) each section of the figures is counted from (by its prefix)."""
EVENTS_OF_KIND = {
    "case": ("CaseOpened", "CaseClosed", "CaseReopened"),
    "member": ("CaseOpened", "MemberAdded", "MemberLeftHousehold"),
    "closure": ("CaseClosed", "CaseReopened"),
    "consultation": ("ConsultationRecorded", "EntryCorrected"),
    "topic": ("ConsultationRecorded", "EntryCorrected"),
    "referral": ("ReferralMade", "EntryCorrected"),
    "outcome": ("ReferralOutcomeRecorded",),
    "goal": ("GoalSet", "GoalAchieved", "GoalDropped", "EntryCorrected")}
"""The events that write rows of a kind."""


def kinds_of(section: str) -> tuple[str, ...]:
    for prefix, kinds in KINDS_OF_SECTION.items():
        if section.startswith(prefix):
            return kinds
    return ()


def recorded_later(tables: Tables, view: ProgrammeFacts, project: str,
                   cutoff: date) -> dict[str, set[str]]:
    """Per family (hex id), the kinds of its rows about days up to ``cutoff`` that were
    recorded, or replaced, after the end of the cut-off day: where "now" can differ from
    "as known at the cut-off"."""
    day = cutoff.isoformat()
    found: dict[str, set[str]] = {}
    for family_id, kind in tables.fetchall(tables.sql(
            "SELECT DISTINCT family_id, kind FROM {t} WHERE project = {p} AND on_day <= {p} "
            "AND (known_from > {p} OR known_to > {p})", t=view.t(FACTS)),
            (project, day, day, day)):
        found.setdefault(str(family_id), set()).add(str(kind))
    return found
