"""Social-space statistics of a project, counted by month, without personal data.

What a programme reports about the neighbourhoods it works in:

- **families** by district, counted in the month of their intake;
- **consultations** by topic (a consultation with several topics counts under each), by
  contact mode and in total per month (each consultation once), with their minutes,
  counted in the month they were held;
- **referrals** by institution type and latest outcome (``pending`` while none was
  recorded), counted in the month they were made;
- **goals** by life area and where they stand now (open, achieved, dropped), counted in
  the month they were set, and achieved or dropped goals also in the month that happened.

Counters are rows keyed by project, dimension, item, detail and month, holding a count
and minutes; events change them by deltas, summed over a page per key and written with
one statement, so a period is the sum of its months. Each family's document keeps the
facts a later correction may change (its district, a consultation's month, length and
mode, a goal's life area, a referral's institution type) and counts the corrected values
exactly as the family's ``CaseState`` holds them. District and postal code are not
personal data here (README); erased families keep counting with their remaining facts.
The statistics as read: ``projections.views.social_space_read``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from domain.values import ReferralOutcome
from projections.engine.corrections import Refs, Target, corrected_value
from projections.engine.documents import FamilyDocView, dumps

ROWS = "lotse_view_social_space"
DOCS = "lotse_view_social_space_docs"
KEY_COLUMNS = ("project", "dimension", "item", "detail", "month")
COLUMNS = (*KEY_COLUMNS, "n", "minutes")

# Dimensions: item / detail / month of each counter row.
FAMILY = "family"  # district / "" / month of intake
CONSULTATION = "consultation"  # "" / "" / month held (each consultation once)
TOPIC = "topic"  # topic / "" / month held
MODE = "mode"  # contact mode / "" / month held
REFERRAL = "referral"  # institution type / latest outcome or "pending" / month made
GOAL = "goal"  # life area / open, achieved or dropped / month set
GOAL_END = "goal_end"  # life area / achieved or dropped / month it was reached
PENDING = "pending"
OUTCOMES = (PENDING, *(o.value for o in ReferralOutcome))

Key = tuple[str, str, str, str, str]


def month_of(day: Any) -> str:
    """``YYYY-MM`` of a date."""
    return str(day.isoformat()[:7])


@dataclass(slots=True)
class Held:
    """A consultation (stored as ``[month, minutes, mode, topics]``)."""

    month: str
    minutes: int
    mode: str
    topics: list[str]


@dataclass(slots=True)
class GoalState:
    """A goal (stored as ``[life_area, set_in, status, ended_in]``)."""

    life_area: str
    set_in: str
    status: str
    ended_in: str | None


@dataclass(slots=True)
class ReferralState:
    """A referral (stored as ``[institution_type, made_in, outcome]``)."""

    institution_type: str
    made_in: str
    outcome: str


@dataclass(slots=True)
class SocialDoc:
    """What a family counts, and what a correction may move."""

    project: str
    district: str
    month: str
    """Of the intake."""
    consultations: dict[int, Held]
    """By the version that recorded them."""
    goals: dict[str, GoalState]
    referrals: dict[str, ReferralState]
    refs: Refs

    def stored(self) -> dict[str, Any]:
        return {"p": self.project, "d": self.district, "m": self.month,
                "c": {str(v): [h.month, h.minutes, h.mode, h.topics]
                      for v, h in self.consultations.items()},
                "g": {k: [g.life_area, g.set_in, g.status, g.ended_in]
                      for k, g in self.goals.items()},
                "r": {k: [r.institution_type, r.made_in, r.outcome]
                      for k, r in self.referrals.items()},
                "x": self.refs.stored()}


class SocialSpace(FamilyDocView[SocialDoc]):
    name = "social_space"
    table_names = (ROWS, DOCS)
    docs_table = DOCS
    schema_version = 2  # (2: named documents with their corrections' targets)
    events = (FamilyCase.CaseOpened, ev.ConsultationRecorded, ev.GoalSet, ev.GoalAchieved,
              ev.GoalDropped, ev.ReferralMade, ev.ReferralOutcomeRecorded, ev.EntryCorrected)
    corrects = frozenset({"CaseOpened", "ConsultationRecorded", "GoalSet", "ReferralMade"})
    corrects_by_version = frozenset({"ConsultationRecorded"})

    def __init__(self) -> None:
        self._delta: dict[Key, list[int]] = {}
        """The page's changes per counter row: [count, minutes]."""
        self._handlers: dict[type, Callable[[SocialDoc, Any], None]] = {}

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {r} (project TEXT NOT NULL, dimension TEXT NOT NULL, "
            "item TEXT NOT NULL, detail TEXT NOT NULL, month TEXT NOT NULL, "
            "n INTEGER NOT NULL, minutes INTEGER NOT NULL, "
            "PRIMARY KEY (project, dimension, item, detail, month))", r=self.t(ROWS)))
        c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {d} (family_id TEXT PRIMARY KEY, "
                             "doc TEXT NOT NULL)", d=self.t(DOCS)))

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        self._delta = {}  # (nothing of a page rolled back stays)
        super().apply(c, tables, events)

    def from_stored(self, stored: Any) -> SocialDoc:
        return SocialDoc(
            project=stored["p"], district=stored["d"], month=stored["m"],
            consultations={int(v): Held(*h) for v, h in stored["c"].items()},
            goals={k: GoalState(*g) for k, g in stored["g"].items()},
            referrals={k: ReferralState(*r) for k, r in stored["r"].items()},
            refs=self.new_refs(stored["x"]))

    # ----- folding: the document changes, the counters get deltas ----------------------

    def _add(self, key: Key, n: int, minutes: int = 0) -> None:
        found = self._delta.get(key)
        if found is None:
            self._delta[key] = [n, minutes]
        else:
            found[0] += n
            found[1] += minutes

    def fold(self, doc: SocialDoc | None, e: Any) -> SocialDoc | None:
        if doc is None:  # (only an intake comes first)
            return self._opened(e) if isinstance(e, FamilyCase.CaseOpened) else None
        handler = self._handlers.get(type(e))
        if handler is None:
            handler = self._handlers[type(e)] = self._handler(type(e))
        handler(doc, e)
        return doc

    def _handler(self, kind: type) -> Callable[[SocialDoc, Any], None]:
        for base, handler in ((ev.ConsultationRecorded, self._consultation),
                              (ev.GoalSet, self._goal_set), (ev.GoalAchieved, self._goal_end),
                              (ev.GoalDropped, self._goal_end),
                              (ev.ReferralMade, self._referral),
                              (ev.ReferralOutcomeRecorded, self._outcome)):
            if issubclass(kind, base):
                return handler
        return lambda doc, e: None  # (an intake comes first; corrections: ``correct``)

    def _opened(self, e: Any) -> SocialDoc:
        month = month_of(e.occurred_on)
        self._add((e.project, FAMILY, e.district, "", month), 1)
        return SocialDoc(project=e.project, district=e.district, month=month,
                         consultations={}, goals={}, referrals={}, refs=self.new_refs())

    def _consultation(self, doc: SocialDoc, e: Any) -> None:
        held = Held(e.occurred_on.isoformat()[:7], e.duration_minutes, str(e.mode),
                    [str(t) for t in e.topics])
        doc.consultations[e.originator_version] = held
        self._count_consultation(doc.project, held, 1)

    def _count_consultation(self, project: str, held: Held, sign: int) -> None:
        month, minutes = held.month, held.minutes * sign
        delta = self._delta
        keys = [(project, TOPIC, t, "", month) for t in held.topics]
        keys.append((project, CONSULTATION, "", "", month))
        keys.append((project, MODE, held.mode, "", month))
        for key in keys:
            found = delta.get(key)
            if found is None:
                delta[key] = [sign, minutes]
            else:
                found[0] += sign
                found[1] += minutes

    def _goal_set(self, doc: SocialDoc, e: Any) -> None:
        goal = doc.goals[str(e.goal_id)] = GoalState(str(e.life_area), month_of(e.occurred_on),
                                                     "open", None)
        self._count_goal(doc.project, goal, 1)

    def _goal_end(self, doc: SocialDoc, e: Any) -> None:
        goal = doc.goals.get(str(e.goal_id))
        if goal is None:
            return
        self._count_goal(doc.project, goal, -1)
        goal.status = "achieved" if isinstance(e, ev.GoalAchieved) else "dropped"
        goal.ended_in = month_of(e.occurred_on)
        self._count_goal(doc.project, goal, 1)

    def _count_goal(self, project: str, goal: GoalState, sign: int) -> None:
        self._add((project, GOAL, goal.life_area, goal.status, goal.set_in), sign)
        if goal.ended_in is not None:
            self._add((project, GOAL_END, goal.life_area, goal.status, goal.ended_in), sign)

    def _count_referral(self, project: str, referral: ReferralState, sign: int) -> None:
        self._add((project, REFERRAL, referral.institution_type, referral.outcome,
                   referral.made_in), sign)

    def _referral(self, doc: SocialDoc, e: Any) -> None:
        referral = doc.referrals[str(e.referral_id)] = ReferralState(
            str(e.institution_type), month_of(e.occurred_on), PENDING)
        self._count_referral(doc.project, referral, 1)

    def _outcome(self, doc: SocialDoc, e: Any) -> None:
        referral = doc.referrals.get(str(e.referral_id))
        if referral is None:
            return
        self._count_referral(doc.project, referral, -1)
        referral.outcome = str(e.outcome)  # the latest outcome recorded counts
        self._count_referral(doc.project, referral, 1)

    def correct(self, doc: SocialDoc, correction: Any, target: Target) -> None:
        """Move what the corrected event counted, as ``apply_correction`` changes the
        case (values parsed the same way, so they read exactly as in the case)."""
        project, changes = doc.project, correction.changes
        if target.event == "CaseOpened":
            for change in changes:
                if change.field == "district":
                    self._add((project, FAMILY, doc.district, "", doc.month), -1)
                    doc.district = corrected_value(target, change)
                    self._add((project, FAMILY, doc.district, "", doc.month), 1)
        elif target.event == "ConsultationRecorded":
            held = doc.consultations.get(target.version)
            moved = [c for c in changes
                     if c.field in ("occurred_on", "duration_minutes", "mode")]
            if held is None or not moved:
                return
            self._count_consultation(project, held, -1)
            for change in moved:
                value = corrected_value(target, change)
                if change.field == "occurred_on":
                    held.month = value[:7]
                elif change.field == "duration_minutes":
                    held.minutes = value
                else:
                    held.mode = str(value)
            self._count_consultation(project, held, 1)
        elif target.event == "GoalSet":
            goal = doc.goals.get(target.key or "")
            for change in changes if goal is not None else ():
                if change.field == "life_area" and goal is not None:
                    self._count_goal(project, goal, -1)
                    goal.life_area = str(corrected_value(target, change))
                    self._count_goal(project, goal, 1)
        elif target.event == "ReferralMade":
            referral = doc.referrals.get(target.key or "")
            for change in changes if referral is not None else ():
                if change.field == "institution_type" and referral is not None:
                    self._count_referral(project, referral, -1)
                    referral.institution_type = str(corrected_value(target, change))
                    self._count_referral(project, referral, 1)

    # ----- writing: each changed document once, the summed deltas in one statement -----

    def write(self, c: Cursor, tables: Tables,
              changed: dict[str, tuple[Any, SocialDoc]]) -> None:
        tables.upsert(c, self.t(DOCS), ("family_id", "doc"), ("family_id",),
                      [(family_id, dumps(doc.stored())) for family_id, (_, doc) in changed.items()])
        delta, self._delta = self._delta, {}
        # In key order: rebuild processes adding to the same counters at once then lock
        # them in one order (PostgreSQL would otherwise find them deadlocked).
        rows = [(*key, n, minutes) for key, (n, minutes) in sorted(delta.items())
                if n or minutes]
        if not rows:
            return
        tables.upsert(c, self.t(ROWS), COLUMNS, KEY_COLUMNS, rows, add=("n", "minutes"))
        # A counter that fell to nothing goes, so the rows equal a rebuild's exactly.
        emptied = [key for key, (n, minutes) in sorted(delta.items()) if n < 0 or minutes < 0]
        if emptied:
            p = tables.p
            c.executemany(tables.sql(
                "DELETE FROM {r} WHERE "
                + " AND ".join(f"{col} = {p}" for col in KEY_COLUMNS)
                + " AND n = 0 AND minutes = 0", r=self.t(ROWS)), emptied)
