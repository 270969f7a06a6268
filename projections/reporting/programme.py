"""Programme figures (Akti(F) Plus style) of a project, as known now or at a cut-off.

**The view.** ``ProgrammeFacts`` folds each family's events into the family summary's
document (``FamilySummary.fold``: the same facts, corrected by ``EntryCorrected`` exactly
as the summary corrects them) plus what the summary does not keep: when a member joined
the household, every closure with its reason and reopening, every referral outcome with
its date. It writes the facts as rows of one bitemporal table (``known_from``,
``known_to``: see ``projections.reporting.bitemporal``), one *entity* per case, consultation,
referral and goal; the rows carry no personal data (no names, notes, descriptions,
institution names). ``kind`` tells the rows apart:

| kind | entity | on_day | end_day | category | status | amount |
|---|---|---|---|---|---|---|
| case | case | opened on | closed on (now) | closure reason (now) | | |
| member | case | joined the household | left it | role | | |
| closure | case | closed on | reopened on | closure reason | | days since intake |
| consultation | c:VERSION | held on | | contact mode | | minutes |
| topic | c:VERSION | held on | | topic | | minutes |
| referral | r:ID | referred on | | institution type | | |
| outcome | r:ID | outcome on | | | outcome | |
| goal | g:ID | set on | closed on | life area | open/achieved/dropped | |

**The figures.** ``programme_figures`` reads them with a handful of GROUP BY queries, for
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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from domain.values import (
    ClosureReason,
    ContactMode,
    InstitutionType,
    LifeArea,
    ReferralOutcome,
    Topic,
)
from projections.engine.documents import Doc
from projections.reporting.bitemporal import BitemporalView, Bundle, known_clause
from projections.views.family_summary import FamilySummary

FACTS = "lotse_programme_facts"
DOCS = "lotse_programme_docs"
PENDING = "pending"

_SUMMARY = FamilySummary()  # (its fold keeps no state of its own)


# ----- the view -----------------------------------------------------------------------


def _version_key(prefix: str, version: int) -> str:
    return f"{prefix}{version:010d}"  # (sorts as the versions do)


def _extra_opened(d: Doc, e: Any) -> None:
    d.pop("case_number", None)  # (not needed here)
    d["joined"], d["closures"], d["outcomes"] = {}, [], {}


def _extra_member_added(d: Doc, e: Any) -> None:
    d["joined"][str(e.member.member_id)] = e.occurred_on.isoformat()


def _extra_closed(d: Doc, e: Any) -> None:
    # [version, closed_on, reason, reopened_on]
    d["closures"].append([e.originator_version, e.occurred_on.isoformat(), str(e.reason), None])


def _extra_reopened(d: Doc, e: Any) -> None:
    if d["closures"]:
        d["closures"][-1][3] = e.occurred_on.isoformat()


def _extra_outcome(d: Doc, e: Any) -> None:
    # [version, outcome_on, outcome]
    d["outcomes"].setdefault(str(e.referral_id), []).append(
        [e.originator_version, e.occurred_on.isoformat(), str(e.outcome)])


_EXTRA: dict[type, Callable[[Doc, Any], None]] = {
    ev.MemberAdded: _extra_member_added, ev.CaseClosed: _extra_closed,
    ev.CaseReopened: _extra_reopened, ev.ReferralOutcomeRecorded: _extra_outcome,
}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class ProgrammeFacts(BitemporalView):
    """The facts behind the programme figures, per family, versioned by recording day."""

    name = "programme_facts"
    table_names = (FACTS, DOCS)
    docs_table = DOCS
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        FACTS: ("part TEXT NOT NULL", "project TEXT NOT NULL", "kind TEXT NOT NULL",
                "on_day TEXT NOT NULL", "end_day TEXT", "category TEXT", "status TEXT",
                "amount INTEGER"),
    }
    extra_keys: ClassVar[dict[str, tuple[str, ...]]] = {FACTS: ("part",)}
    events = (FamilyCase.CaseOpened,  # (the aggregate's own subclass is what is stored)
              ev.MemberAdded, ev.MemberLeftHousehold, ev.ConsultationRecorded, ev.GoalSet,
              ev.GoalAchieved, ev.GoalDropped, ev.ReferralMade, ev.ReferralOutcomeRecorded,
              ev.CaseClosed, ev.CaseReopened, ev.EntryCorrected)

    def create_more(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(f"CREATE INDEX IF NOT EXISTS {self.t('lotse_programme_project')} "
                             "ON {t} (project, kind, on_day)", t=self.t(FACTS)))

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        doc = _SUMMARY.fold(doc, e)
        if doc is None:
            return None
        if isinstance(e, ev.CaseOpened):
            _extra_opened(doc, e)
        else:
            extra = _EXTRA.get(type(e))
            if extra is not None:
                extra(doc, e)
        return doc

    def touches(self, event: Any) -> set[str] | None:
        """A consultation, goal or referral event changes that entity only; the case's
        events the case; a correction (rare) may change any."""
        kind = type(event)
        if kind is ev.ConsultationRecorded:
            return {f"c:{event.originator_version}"}
        if kind in (ev.GoalSet, ev.GoalAchieved, ev.GoalDropped):
            return {f"g:{event.goal_id}"}
        if kind in (ev.ReferralMade, ev.ReferralOutcomeRecorded):
            return {f"r:{event.referral_id}"}
        if kind in (ev.MemberAdded, ev.MemberLeftHousehold, ev.CaseClosed, ev.CaseReopened):
            return {"case"}
        return None

    def entities(self, family_id: str, doc: Doc,
                 only: set[str] | None = None) -> dict[str, Bundle]:
        project: str = doc["project"]
        found: list[tuple[int, str, Bundle]] = []
        if only is None or "case" in only:
            opened_on: str = doc["opened_on"]
            intake = date.fromisoformat(opened_on)
            closures: list[list[Any]] = doc["closures"]
            reason = closures[-1][2] if doc["closed_on"] and closures else None
            case: list[tuple[Any, ...]] = [
                ("", project, "case", opened_on, doc["closed_on"], reason, None, None)]
            case += [(f"m:{member_id}", project, "member",
                      doc["joined"].get(member_id, opened_on), left, _text(role), None, None)
                     for member_id, (role, _gender, left) in doc["members"].items()]
            case += [(_version_key("x:", version), project, "closure", closed_on, reopened_on,
                      closed_reason, None, (date.fromisoformat(closed_on) - intake).days)
                     for version, closed_on, closed_reason, reopened_on in closures]
            found.append((0, "case", {FACTS: case}))
        consultations = doc["consultations"]
        for version in (consultations if only is None
                        else [k[2:] for k in only if k[:2] == "c:" and k[2:] in consultations]):
            held_on, minutes, mode, topics = consultations[version]
            found.append((int(version), f"c:{version}", {FACTS: [
                ("", project, "consultation", held_on, None, _text(mode), None, minutes),
                *((f"t:{topic}", project, "topic", held_on, None, _text(topic), None, minutes)
                  for topic in dict.fromkeys(topics))]}))
        for referral_id, r in doc["referrals"].items():
            if only is not None and f"r:{referral_id}" not in only:
                continue
            found.append((r[4], f"r:{referral_id}", {FACTS: [
                ("", project, "referral", r[1], None, _text(r[0]), None, None),
                *((_version_key("o:", version), project, "outcome", outcome_on, None, None,
                   outcome, None)
                  for version, outcome_on, outcome in doc["outcomes"].get(referral_id, ()))]}))
        for goal_id, g in doc["goals"].items():
            if only is not None and f"g:{goal_id}" not in only:
                continue
            found.append((g[6], f"g:{goal_id}", {FACTS: [
                ("", project, "goal", g[1], g[4], _text(g[0]), g[3], None)]}))
        # In the order the entities came into being: the document then lists them in one
        # order however the engine's pages cut a recording day.
        return {entity: bundle for _, entity, bundle in sorted(found, key=lambda f: f[0])}


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


# ----- labels, JSON and rows -------------------------------------------------------------

Label = tuple[str, str]
"""(German, English)"""

SECTIONS: dict[str, Label] = {
    "families": ("Familien", "Families"),
    "target": ("Zielwert", "Target"),
    "consultations": ("Beratungen", "Consultations"),
    "consultations_by_topic": ("Beratungen nach Thema", "Consultations by topic"),
    "hours_by_topic": ("Beratungsstunden nach Thema", "Consultation hours by topic"),
    "consultations_by_mode": ("Beratungen nach Kontaktform", "Consultations by contact mode"),
    "hours_by_mode": ("Beratungsstunden nach Kontaktform", "Consultation hours by contact mode"),
    "referrals": ("Vermittlungen", "Referrals"),
    "referrals_by_institution_type": ("Vermittlungen nach Art der Einrichtung",
                                      "Referrals by institution type"),
    "referrals_by_outcome": ("Vermittlungen nach Ergebnis", "Referrals by outcome"),
    "goals": ("Ziele", "Goals"),
    "goals_set": ("Vereinbarte Ziele nach Lebensbereich", "Goals set by life area"),
    "goals_achieved": ("Erreichte Ziele nach Lebensbereich", "Goals achieved by life area"),
    "goals_dropped": ("Aufgegebene Ziele nach Lebensbereich", "Goals dropped by life area"),
    "exits": ("Austritte", "Exits"),
    "exits_by_reason": ("Austritte nach Grund", "Exits by reason"),
}

FIGURES: dict[str, Label] = {
    "reached": ("Erreichte Familien", "Families reached"),
    "children": ("Kinder in den erreichten Familien", "Children in the families reached"),
    "persons": ("Unterstützte Personen (alle Haushaltsmitglieder)",
                "Persons supported (all household members)"),
    "yearly": ("Jahresziel (Familien)", "Yearly target (families)"),
    "period": ("Zielwert des Zeitraums (Familien)", "Target of the period (families)"),
    "share_percent": ("Zielerreichung im Zeitraum (%)", "Share of the period's target (%)"),
    "count": ("Anzahl", "Count"),
    "hours": ("Stunden", "Hours"),
    "set": ("Vereinbart", "Set"),
    "achieved": ("Erreicht", "Achieved"),
    "dropped": ("Aufgegeben", "Dropped"),
    "average_case_days": ("Durchschnittliche Falldauer (Tage)", "Average case duration (days)"),
}

TOPIC_LABELS: dict[str, Label] = {
    "job_search": ("Arbeitssuche und Bewerbungen", "Job search and applications"),
    "return_to_work": ("Wiedereinstieg nach der Familienzeit", "Return to work after family time"),
    "letters_and_documents": ("Briefe und Unterlagen", "Letters and documents"),
    "money_and_debts": ("Geld und Schulden", "Money and debts"),
    "housing_and_eviction": ("Wohnen und drohender Wohnungsverlust", "Housing and eviction"),
    "bank_account": ("Bankkonto", "Bank account"),
    "childcare": ("Kinderbetreuung", "Childcare"),
    "school": ("Schule", "School"),
    "parenting": ("Erziehung", "Parenting"),
    "partnership": ("Partnerschaft", "Partnership"),
    "health": ("Gesundheit", "Health"),
    "language_and_integration": ("Sprache und Integrationskurs",
                                 "Language and integration course"),
    "benefits": ("Sozialleistungen", "Benefits"),
    "other": ("Sonstiges", "Other"),
}
MODE_LABELS: dict[str, Label] = {
    "office": ("Beratung im Büro", "Office"),
    "open_office_hours": ("Offene Sprechstunde", "Open office hours"),
    "home_visit": ("Hausbesuch", "Home visit"),
    "phone": ("Telefon", "Phone"),
    "video": ("Video", "Video"),
    "accompanied_appointment": ("Begleitung zu einem Termin", "Accompanied appointment"),
}
INSTITUTION_LABELS: dict[str, Label] = {
    "debt_counselling": ("Schuldnerberatung", "Debt counselling"),
    "jobcenter": ("Jobcenter", "Jobcenter"),
    "integration_course": ("Integrationskurs", "Integration course"),
    "childcare": ("Kindertagesbetreuung", "Childcare"),
    "youth_office": ("Jugendamt", "Youth office"),
    "health_service": ("Gesundheitsdienst", "Health service"),
    "housing_service": ("Wohnungshilfe", "Housing service"),
    "education_provider": ("Bildungsträger", "Education provider"),
    "counselling_service": ("Beratungsstelle", "Counselling service"),
    "other": ("Sonstige Einrichtung", "Other"),
}
OUTCOME_LABELS: dict[str, Label] = {
    "accepted": ("Angenommen", "Accepted"),
    "first_appointment_kept": ("Erster Termin wahrgenommen", "First appointment kept"),
    "completed": ("Abgeschlossen", "Completed"),
    "declined": ("Abgelehnt", "Declined"),
    "no_response": ("Keine Rückmeldung", "No response"),
    PENDING: ("Offen (noch kein Ergebnis)", "Pending (no outcome yet)"),
}
LIFE_AREA_LABELS: dict[str, Label] = {
    "work": ("Arbeit", "Work"),
    "education": ("Bildung", "Education"),
    "money": ("Finanzen", "Money"),
    "housing": ("Wohnen", "Housing"),
    "family_life": ("Familienleben", "Family life"),
    "health": ("Gesundheit", "Health"),
    "language": ("Sprache", "Language"),
    "participation": ("Teilhabe", "Participation"),
}
CLOSURE_LABELS: dict[str, Label] = {
    "goals_achieved": ("Ziele erreicht", "Goals achieved"),
    "family_ended_cooperation": ("Familie hat die Zusammenarbeit beendet",
                                 "Family ended the cooperation"),
    "no_contact": ("Kein Kontakt mehr", "No contact"),
    "moved_away": ("Weggezogen", "Moved away"),
    "handed_over": ("An eine andere Stelle übergeben", "Handed over"),
    "other": ("Sonstiger Grund", "Other"),
}


def label(labels: Mapping[str, Label], key: str) -> Label:
    """A key's labels (the key itself for a value this version does not know)."""
    return labels.get(key, (key, key))


def _tally_json(t: Tally) -> dict[str, Any]:
    return {"count": t.count, "minutes": t.minutes, "hours": t.hours}


def _goals_json(g: GoalTally) -> dict[str, int]:
    return {"set": g.set, "achieved": g.achieved, "dropped": g.dropped}


def _window_json(w: Window) -> dict[str, Any]:
    return {
        "families": w.families, "children": w.children, "persons": w.persons,
        "consultations": {
            **_tally_json(w.consultations),
            "by_topic": {k: _tally_json(v) for k, v in w.consultations_by_topic.items()},
            "by_mode": {k: _tally_json(v) for k, v in w.consultations_by_mode.items()}},
        "referrals": {"count": w.referrals,
                      "by_institution_type": dict(w.referrals_by_institution_type),
                      "by_outcome": dict(w.referrals_by_outcome)},
        "goals": {**_goals_json(w.goals),
                  "by_life_area": {k: _goals_json(v) for k, v in w.goals_by_life_area.items()}},
        "exits": {"count": w.exits, "average_case_days": w.average_case_days,
                  "by_reason": dict(w.exits_by_reason)},
    }


def programme_json(figures: ProgrammeFigures) -> dict[str, Any]:
    """The figures as plain JSON (keys in a stable order)."""
    f = figures
    return {
        "project": f.project, "start": f.start.isoformat(), "cutoff": f.cutoff.isoformat(),
        "known_by": f.known_by.isoformat() if f.known_by else None,
        "as": "now" if f.known_by is None else "known_by",
        "project_start": f.project_start.isoformat() if f.project_start else None,
        "target": {"yearly": f.target.yearly, "period": f.target.period,
                   "share_percent": f.target.share_percent},
        "period": _window_json(f.period),
        "since_start": _window_json(f.since_start),
    }


Row = tuple[str, str, str, str, object, object]
"""(section, key, label_de, label_en, period value, since-start value)"""


def programme_rows(figures: ProgrammeFigures) -> list[Row]:
    """One row per figure, for CSV and XLSX: section, key, German and English labels, the
    period's value and the value since the start (None where it has none)."""
    p, s = figures.period, figures.since_start
    rows: list[Row] = []

    def add(section: str, key: str, labels: Mapping[str, Label], a: object,
            b: object) -> None:
        de, en = label(labels, key)
        rows.append((section, key, de, en, a, b))

    add("families", "reached", FIGURES, p.families, s.families)
    add("families", "children", FIGURES, p.children, s.children)
    add("families", "persons", FIGURES, p.persons, s.persons)
    target = figures.target
    add("target", "yearly", FIGURES, target.yearly, None)
    add("target", "period", FIGURES, target.period, None)
    add("target", "share_percent", FIGURES, target.share_percent, None)
    add("consultations", "count", FIGURES, p.consultations.count, s.consultations.count)
    add("consultations", "hours", FIGURES, p.consultations.hours, s.consultations.hours)
    for kind, labels, pt, st in (
            ("topic", TOPIC_LABELS, p.consultations_by_topic, s.consultations_by_topic),
            ("mode", MODE_LABELS, p.consultations_by_mode, s.consultations_by_mode)):
        for key in pt:
            add(f"consultations_by_{kind}", key, labels, pt[key].count, st[key].count)
        for key in pt:
            add(f"hours_by_{kind}", key, labels, pt[key].hours, st[key].hours)
    add("referrals", "count", FIGURES, p.referrals, s.referrals)
    for key, n in p.referrals_by_institution_type.items():
        add("referrals_by_institution_type", key, INSTITUTION_LABELS, n,
            s.referrals_by_institution_type[key])
    for key, n in p.referrals_by_outcome.items():
        add("referrals_by_outcome", key, OUTCOME_LABELS, n, s.referrals_by_outcome[key])
    for key in ("set", "achieved", "dropped"):
        add("goals", key, FIGURES, getattr(p.goals, key), getattr(s.goals, key))
    for key in ("set", "achieved", "dropped"):
        for area, tally in p.goals_by_life_area.items():
            add(f"goals_{key}", area, LIFE_AREA_LABELS, getattr(tally, key),
                getattr(s.goals_by_life_area[area], key))
    add("exits", "count", FIGURES, p.exits, s.exits)
    add("exits", "average_case_days", FIGURES, p.average_case_days, s.average_case_days)
    for key, n in p.exits_by_reason.items():
        add("exits_by_reason", key, CLOSURE_LABELS, n, s.exits_by_reason[key])
    return rows
