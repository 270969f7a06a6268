"""The family summary view: one family at a glance, without personal data.

Per family: project, case number, status, case manager, intake and closure dates, the
family's version; its members (role, gender, whether still in the household, their ESF+
participations with entry, exit and exit status); its goals (life area, set on, target
date, status, closed on, revisions); its referrals (institution type, referred on, the
latest outcome and its date, or pending); and its consultations counted and summed:
count, minutes and hours, by topic and by contact mode, first and last contact. Names,
birth dates, notes, descriptions and the special-category ESF+ items are personal data:
the view never sees them (events reach it with personal data left sealed) and
``GET /families/{id}`` stays the one place that shows them.

The document keeps each entity with the version of the event that recorded it, so that
a later correction (``EntryCorrected``) finds its target exactly as ``CaseState`` does
and the summary shows the corrected value: a consultation's date, duration and mode, a
goal's life area and target date, a referral's institution type, a participation's
entry and exit dates and exit status. Corrected values are parsed with the domain's own
parsers (``domain.corrections.CORRECTABLE``), so a value written in another form (an ISO
date without dashes, ``"090"`` minutes) reads as the case reads it.

The view follows every event of a family, so its ``version`` is the family's version.
A consultation with several topics counts in full under each of them: the figures by
topic may add up to more than the total, those by mode add up to it. Pending means no
outcome recorded yet (as in the caseload). The consultation figures are summed when the
summary is read (one family at a time); the table holds the document only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import orjson

from application.sql import Cursor, Tables
from domain import events as ev
from domain.corrections import CORRECTABLE
from domain.family_case import FamilyCase
from domain.records import FieldChange
from projections.engine.documents import Doc, FamilyDocView, dumps, upsert

ROWS = "lotse_view_family_summary"
COLUMNS = ("family_id", "project", "case_manager", "status", "version", "doc")

# Positions in the document's lists (kept as lists: cheaper to fold and to store).
# member: [role, gender, left_household_on]
# participation: [entered_on, left_on, exit_status, entry_version, exit_version]
# goal: [life_area, set_on, target_date, status, closed_on, revisions, version]
# referral: [institution_type, referred_on, outcome, outcome_on, version]
# consultation (keyed by version): [held_on, minutes, mode, topics]


def _corrected(event: str, change: FieldChange) -> Any:
    """A corrected value as the case reads it: parsed, then in the document's form."""
    value = CORRECTABLE[event][change.field](change.value) if change.value is not None else None
    return value.isoformat() if isinstance(value, date) else value


def _opened(e: Any) -> Doc:
    return {"project": e.project, "case_number": e.case_number, "status": "open",
            "case_manager": None, "opened_on": e.occurred_on.isoformat(), "closed_on": None,
            "version": e.originator_version,
            "members": {str(m.member_id): [m.role, m.gender, None] for m in e.members},
            "esf": {}, "goals": {}, "referrals": {}, "consultations": {}}


def _member_added(d: Doc, e: Any) -> None:
    d["members"][str(e.member.member_id)] = [e.member.role, e.member.gender, None]


def _details_changed(d: Doc, e: Any) -> None:
    if e.gender is not None:
        d["members"][str(e.member_id)][1] = e.gender


def _left_household(d: Doc, e: Any) -> None:
    d["members"][str(e.member_id)][2] = e.occurred_on.isoformat()


def _entered(d: Doc, e: Any) -> None:
    d["esf"].setdefault(str(e.member_id), []).append(
        [e.occurred_on.isoformat(), None, None, e.originator_version, None])


def _left(d: Doc, e: Any) -> None:
    p = d["esf"][str(e.member_id)][-1]
    p[1], p[2], p[4] = e.occurred_on.isoformat(), e.status, e.originator_version


def _consultation(d: Doc, e: Any) -> None:
    d["consultations"][str(e.originator_version)] = [
        e.occurred_on.isoformat(), e.duration_minutes, e.mode, e.topics]


def _goal_set(d: Doc, e: Any) -> None:
    d["goals"][str(e.goal_id)] = [e.life_area, e.occurred_on.isoformat(),
                                  e.target_date.isoformat() if e.target_date else None,
                                  "open", None, 0, e.originator_version]


def _goal_revised(d: Doc, e: Any) -> None:
    g = d["goals"][str(e.goal_id)]
    if e.target_date is not None:
        g[2] = e.target_date.isoformat()
    g[5] += 1


def _goal_achieved(d: Doc, e: Any) -> None:
    g = d["goals"][str(e.goal_id)]
    g[3], g[4] = "achieved", e.occurred_on.isoformat()


def _goal_dropped(d: Doc, e: Any) -> None:
    g = d["goals"][str(e.goal_id)]
    g[3], g[4] = "dropped", e.occurred_on.isoformat()


def _referral(d: Doc, e: Any) -> None:
    d["referrals"][str(e.referral_id)] = [e.institution_type, e.occurred_on.isoformat(),
                                          None, None, e.originator_version]


def _outcome(d: Doc, e: Any) -> None:
    r = d["referrals"][str(e.referral_id)]
    r[2], r[3] = e.outcome, e.occurred_on.isoformat()


def _assigned(d: Doc, e: Any) -> None:
    d["case_manager"] = e.case_manager


def _closed(d: Doc, e: Any) -> None:
    d["status"], d["closed_on"] = "closed", e.occurred_on.isoformat()


def _reopened(d: Doc, e: Any) -> None:
    d["status"], d["closed_on"] = "open", None


def _erased(d: Doc, e: Any) -> None:
    d["status"] = "erased"


def _nothing(d: Doc, e: Any) -> None:
    """Leaving statuses and follow-ups: only the family's version moves."""


def _correction(d: Doc, e: Any) -> None:
    """The target of a correction, found by version as ``CaseState.refs`` finds it.
    Only the shown facts matter; sensitive changes never concern them."""
    version = e.corrected_version
    consultation = d["consultations"].get(str(version))
    if consultation is not None:
        for change in e.changes:
            slot = _CONSULTATION_FIELDS.get(change.field)
            if slot is not None:
                consultation[slot] = _corrected("ConsultationRecorded", change)
        return
    for g in d["goals"].values():
        if g[6] == version:
            for change in e.changes:
                if change.field in _GOAL_FIELDS:
                    g[_GOAL_FIELDS[change.field]] = _corrected("GoalSet", change)
            return
    for r in d["referrals"].values():
        if r[4] == version:
            for change in e.changes:
                if change.field == "institution_type":
                    r[0] = _corrected("ReferralMade", change)
            return
    for participations in d["esf"].values():
        for p in participations:
            if p[3] == version:
                for change in e.changes:
                    if change.field == "occurred_on":
                        p[0] = _corrected("ParticipantEntered", change)
                return
            if p[4] == version:
                for change in e.changes:
                    if change.field in ("occurred_on", "status"):
                        p[1 if change.field == "occurred_on" else 2] = _corrected(
                            "ParticipantLeft", change)
                return


_CONSULTATION_FIELDS = {"occurred_on": 0, "duration_minutes": 1, "mode": 2}
_GOAL_FIELDS = {"life_area": 0, "target_date": 2}

_FOLD: dict[type, Callable[[Doc, Any], None]] = {
    ev.MemberAdded: _member_added, ev.MemberDetailsChanged: _details_changed,
    ev.MemberLeftHousehold: _left_household, ev.ParticipantEntered: _entered,
    ev.ParticipantLeft: _left, ev.ConsultationRecorded: _consultation,
    ev.GoalSet: _goal_set, ev.GoalRevised: _goal_revised, ev.GoalAchieved: _goal_achieved,
    ev.GoalDropped: _goal_dropped, ev.ReferralMade: _referral,
    ev.ReferralOutcomeRecorded: _outcome, ev.CaseManagerAssigned: _assigned,
    ev.CaseClosed: _closed, ev.CaseReopened: _reopened, ev.PersonalDataErased: _erased,
    ev.EntryCorrected: _correction, ev.LeavingStatusRecorded: _nothing,
    ev.FollowUpRecorded: _nothing,
}


class FamilySummary(FamilyDocView):
    name = "family_summary"
    table_names = (ROWS,)
    docs_table = ROWS
    events = (FamilyCase.CaseOpened,  # (the aggregate's own subclass is what is stored)
              *(kind for kind in ev.ALL_EVENTS if kind is not ev.CaseOpened))

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {r} (family_id TEXT PRIMARY KEY, project TEXT NOT NULL, "
            "case_manager TEXT, status TEXT NOT NULL, version INTEGER NOT NULL, "
            "doc TEXT NOT NULL)", r=self.t(ROWS)))

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        fold = _FOLD.get(type(e))
        if fold is None:
            return _opened(e) if isinstance(e, ev.CaseOpened) else doc
        if doc is None:
            return None  # (an event before the intake cannot exist)
        doc["version"] = e.originator_version
        fold(doc, e)
        return doc

    def write(self, c: Cursor, tables: Tables, changed: dict[str, tuple[Any, Doc]]) -> None:
        upsert(c, tables, self.t(ROWS), COLUMNS, ("family_id",), [
            (family_id, d["project"], d["case_manager"], d["status"], d["version"], dumps(d))
            for family_id, (_, d) in changed.items()])


# ----- reading ----------------------------------------------------------------------


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
    participations: tuple[ParticipationSummary, ...]


@dataclass(frozen=True)
class GoalSummary:
    goal_id: UUID
    life_area: str
    set_on: date
    target_date: date | None
    status: str
    closed_on: date | None
    revisions: int


@dataclass(frozen=True)
class ReferralSummary:
    referral_id: UUID
    institution_type: str
    referred_on: date
    outcome: str | None
    outcome_on: date | None

    @property
    def pending(self) -> bool:
        return self.outcome is None


@dataclass(frozen=True)
class Tally:
    count: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


@dataclass(frozen=True)
class ConsultationFigures:
    count: int
    minutes: int
    first_contact_on: date | None
    last_contact_on: date | None
    by_topic: dict[str, Tally]
    by_mode: dict[str, Tally]

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)


@dataclass(frozen=True)
class FamilySummaryRecord:
    family_id: UUID
    project: str
    case_number: str
    status: str
    case_manager: str | None
    opened_on: date
    closed_on: date | None
    version: int
    members: tuple[MemberSummary, ...]
    goals: tuple[GoalSummary, ...]
    referrals: tuple[ReferralSummary, ...]
    consultations: ConsultationFigures


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def tally(pairs: list[tuple[str, int]]) -> dict[str, Tally]:
    """Count and minutes per key (from one (key, minutes) pair per count), keys sorted."""
    counts: dict[str, list[int]] = {}
    for key, minutes in pairs:
        slot = counts.setdefault(key, [0, 0])
        slot[0] += 1
        slot[1] += minutes
    return {k: Tally(*counts[k]) for k in sorted(counts)}


def summary_of(family_id: UUID, d: Doc) -> FamilySummaryRecord:
    """The summary a stored document stands for."""
    held = list(d["consultations"].values())
    by_mode = tally([(c[2], c[1]) for c in held])
    by_topic = tally([(topic, c[1]) for c in held for topic in c[3]])
    days = [c[0] for c in held]
    return FamilySummaryRecord(
        family_id=family_id, project=d["project"], case_number=d["case_number"],
        status=d["status"], case_manager=d["case_manager"],
        opened_on=date.fromisoformat(d["opened_on"]), closed_on=_day(d["closed_on"]),
        version=d["version"],
        members=tuple(MemberSummary(
            UUID(member_id), role, gender, left is None, _day(left),
            tuple(ParticipationSummary(date.fromisoformat(p[0]), _day(p[1]), p[2])
                  for p in d["esf"].get(member_id, ())))
            for member_id, (role, gender, left) in d["members"].items()),
        goals=tuple(GoalSummary(UUID(goal_id), g[0], date.fromisoformat(g[1]), _day(g[2]),
                                g[3], _day(g[4]), g[5]) for goal_id, g in d["goals"].items()),
        referrals=tuple(ReferralSummary(UUID(referral_id), r[0], date.fromisoformat(r[1]),
                                        r[2], _day(r[3]))
                        for referral_id, r in d["referrals"].items()),
        consultations=ConsultationFigures(
            count=len(held), minutes=sum(c[1] for c in held),
            first_contact_on=_day(min(days, default=None)),
            last_contact_on=_day(max(days, default=None)),
            by_topic=by_topic, by_mode=by_mode))


def read_summary(tables: Tables, view: FamilySummary,
                 family_id: UUID) -> FamilySummaryRecord | None:
    """The family's summary, or None when the view does not hold the family (yet)."""
    row = tables.fetchone(tables.sql("SELECT doc FROM {r} WHERE family_id = {p}",
                                     r=view.t(ROWS)), (family_id.hex,))
    return None if row is None else summary_of(family_id, orjson.loads(row[0]))
