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

The document (``SummaryDoc``) keeps each entity with the version of the event that
recorded it; a later correction (``EntryCorrected``) reaches it with its target resolved
once for every view (``projections.engine.corrections``), and the summary shows the
corrected value: a consultation's date, duration and mode, a
goal's life area and target date, a referral's institution type, a participation's
entry and exit dates and exit status. Corrected values are parsed with the domain's own
parsers (``domain.corrections.CORRECTABLE``), so a value written in another form (an ISO
date without dashes, ``"090"`` minutes) reads as the case reads it. Reading the summary:
``projections.views.family_summary_read``.

The view follows every event of a family, so its ``version`` is the family's version.
A consultation with several topics counts in full under each of them: the figures by
topic may add up to more than the total, those by mode add up to it. Pending means no
outcome recorded yet (as in the caseload). The consultation figures are summed when the
summary is read (one family at a time); the table holds the document only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from projections.engine.corrections import Refs, Target, corrected_value
from projections.engine.documents import FamilyDocView, dumps

ROWS = "lotse_view_family_summary"
COLUMNS = ("family_id", "project", "case_manager", "status", "version", "doc")


# ----- the document (entities stored as lists, in the order of their fields) -----------


@dataclass(slots=True)
class MemberFacts:
    role: str
    gender: str | None
    left_household_on: str | None


@dataclass(slots=True)
class Participation:
    entered_on: str
    left_on: str | None
    exit_status: str | None
    entry_version: int
    exit_version: int | None


@dataclass(slots=True)
class GoalFacts:
    life_area: str
    set_on: str
    target_date: str | None
    status: str
    closed_on: str | None
    revisions: int
    version: int


@dataclass(slots=True)
class ReferralFacts:
    institution_type: str
    referred_on: str
    outcome: str | None
    outcome_on: str | None
    version: int


@dataclass(slots=True)
class ConsultationFacts:
    held_on: str
    minutes: int
    mode: str
    topics: list[str]


@dataclass(slots=True)
class SummaryDoc:
    project: str
    case_number: str
    status: str
    case_manager: str | None
    opened_on: str
    closed_on: str | None
    version: int
    """The family's version (the view follows every event of a family)."""
    members: dict[str, MemberFacts]
    esf: dict[str, list[Participation]]
    """Per member, their ESF+ participations in order."""
    goals: dict[str, GoalFacts]
    referrals: dict[str, ReferralFacts]
    consultations: dict[int, ConsultationFacts]
    """By the version that recorded them."""
    refs: Refs

    def stored(self) -> dict[str, Any]:
        return {
            "project": self.project, "case_number": self.case_number, "status": self.status,
            "case_manager": self.case_manager, "opened_on": self.opened_on,
            "closed_on": self.closed_on, "version": self.version,
            "members": {k: [m.role, m.gender, m.left_household_on]
                        for k, m in self.members.items()},
            "esf": {k: [[p.entered_on, p.left_on, p.exit_status, p.entry_version,
                         p.exit_version] for p in ps] for k, ps in self.esf.items()},
            "goals": {k: [g.life_area, g.set_on, g.target_date, g.status, g.closed_on,
                          g.revisions, g.version] for k, g in self.goals.items()},
            "referrals": {k: [r.institution_type, r.referred_on, r.outcome, r.outcome_on,
                              r.version] for k, r in self.referrals.items()},
            "consultations": {str(v): [c.held_on, c.minutes, c.mode, c.topics]
                              for v, c in self.consultations.items()},
            "refs": self.refs.stored()}


def summary_doc(stored: dict[str, Any], refs: Refs) -> SummaryDoc:
    """The document a stored form stands for (``refs``: its ``Refs``, read back)."""
    return SummaryDoc(
        project=stored["project"], case_number=stored["case_number"],
        status=stored["status"], case_manager=stored["case_manager"],
        opened_on=stored["opened_on"], closed_on=stored["closed_on"],
        version=stored["version"],
        members={k: MemberFacts(*m) for k, m in stored["members"].items()},
        esf={k: [Participation(*p) for p in ps] for k, ps in stored["esf"].items()},
        goals={k: GoalFacts(*g) for k, g in stored["goals"].items()},
        referrals={k: ReferralFacts(*r) for k, r in stored["referrals"].items()},
        consultations={int(v): ConsultationFacts(*c)
                       for v, c in stored["consultations"].items()},
        refs=refs)


# ----- the fold -------------------------------------------------------------------------


def _member_added(d: SummaryDoc, e: Any) -> None:
    d.members[str(e.member.member_id)] = MemberFacts(e.member.role, e.member.gender, None)


def _details_changed(d: SummaryDoc, e: Any) -> None:
    if e.gender is not None:
        d.members[str(e.member_id)].gender = e.gender


def _left_household(d: SummaryDoc, e: Any) -> None:
    d.members[str(e.member_id)].left_household_on = e.occurred_on.isoformat()


def _entered(d: SummaryDoc, e: Any) -> None:
    d.esf.setdefault(str(e.member_id), []).append(
        Participation(e.occurred_on.isoformat(), None, None, e.originator_version, None))


def _left(d: SummaryDoc, e: Any) -> None:
    p = d.esf[str(e.member_id)][-1]
    p.left_on, p.exit_status, p.exit_version = (e.occurred_on.isoformat(), e.status,
                                                e.originator_version)


def _consultation(d: SummaryDoc, e: Any) -> None:
    d.consultations[e.originator_version] = ConsultationFacts(
        e.occurred_on.isoformat(), e.duration_minutes, e.mode, e.topics)


def _goal_set(d: SummaryDoc, e: Any) -> None:
    d.goals[str(e.goal_id)] = GoalFacts(
        e.life_area, e.occurred_on.isoformat(),
        e.target_date.isoformat() if e.target_date else None, "open", None, 0,
        e.originator_version)


def _goal_revised(d: SummaryDoc, e: Any) -> None:
    g = d.goals[str(e.goal_id)]
    if e.target_date is not None:
        g.target_date = e.target_date.isoformat()
    g.revisions += 1


def _goal_achieved(d: SummaryDoc, e: Any) -> None:
    g = d.goals[str(e.goal_id)]
    g.status, g.closed_on = "achieved", e.occurred_on.isoformat()


def _goal_dropped(d: SummaryDoc, e: Any) -> None:
    g = d.goals[str(e.goal_id)]
    g.status, g.closed_on = "dropped", e.occurred_on.isoformat()


def _referral(d: SummaryDoc, e: Any) -> None:
    d.referrals[str(e.referral_id)] = ReferralFacts(
        e.institution_type, e.occurred_on.isoformat(), None, None, e.originator_version)


def _outcome(d: SummaryDoc, e: Any) -> None:
    r = d.referrals[str(e.referral_id)]
    r.outcome, r.outcome_on = e.outcome, e.occurred_on.isoformat()


def _assigned(d: SummaryDoc, e: Any) -> None:
    d.case_manager = e.case_manager


def _closed(d: SummaryDoc, e: Any) -> None:
    d.status, d.closed_on = "closed", e.occurred_on.isoformat()


def _reopened(d: SummaryDoc, e: Any) -> None:
    d.status, d.closed_on = "open", None


def _erased(d: SummaryDoc, e: Any) -> None:
    d.status = "erased"


_FOLD: dict[type, Callable[[SummaryDoc, Any], None]] = {
    ev.MemberAdded: _member_added, ev.MemberDetailsChanged: _details_changed,
    ev.MemberLeftHousehold: _left_household, ev.ParticipantEntered: _entered,
    ev.ParticipantLeft: _left, ev.ConsultationRecorded: _consultation,
    ev.GoalSet: _goal_set, ev.GoalRevised: _goal_revised, ev.GoalAchieved: _goal_achieved,
    ev.GoalDropped: _goal_dropped, ev.ReferralMade: _referral,
    ev.ReferralOutcomeRecorded: _outcome, ev.CaseManagerAssigned: _assigned,
    ev.CaseClosed: _closed, ev.CaseReopened: _reopened, ev.PersonalDataErased: _erased,
}
"""What the summary shows of each event (the family's version moves with every event)."""

# The fields a correction changes, per kind of target (the others are not shown).
_CONSULTATION_FIELDS = frozenset({"occurred_on", "duration_minutes", "mode"})
_GOAL_FIELDS = frozenset({"life_area", "target_date"})


def correct(d: SummaryDoc, correction: Any, target: Target) -> None:
    """Show the corrected facts of ``target`` (sensitive changes never concern them)."""
    changes = correction.changes
    if target.event == "ConsultationRecorded":
        consultation = d.consultations.get(target.version)
        for change in changes if consultation is not None else ():
            if change.field in _CONSULTATION_FIELDS and consultation is not None:
                value = corrected_value(target, change)
                if change.field == "occurred_on":
                    consultation.held_on = value
                elif change.field == "duration_minutes":
                    consultation.minutes = value
                else:
                    consultation.mode = value
    elif target.event == "GoalSet":
        goal = d.goals.get(target.key or "")
        for change in changes if goal is not None else ():
            if change.field in _GOAL_FIELDS and goal is not None:
                setattr(goal, change.field, corrected_value(target, change))
    elif target.event == "ReferralMade":
        referral = d.referrals.get(target.key or "")
        for change in changes if referral is not None else ():
            if change.field == "institution_type" and referral is not None:
                referral.institution_type = corrected_value(target, change)
    elif target.event in ("ParticipantEntered", "ParticipantLeft"):
        entry = target.event == "ParticipantEntered"
        for p in d.esf.get(target.key or "", ()):
            if (p.entry_version if entry else p.exit_version) != target.version:
                continue
            for change in changes:
                if change.field == "occurred_on" and entry:
                    p.entered_on = corrected_value(target, change)
                elif change.field == "occurred_on":
                    p.left_on = corrected_value(target, change)
                elif change.field == "status" and not entry:
                    p.exit_status = corrected_value(target, change)
            return


class FamilySummary(FamilyDocView[SummaryDoc]):
    name = "family_summary"
    table_names = (ROWS,)
    docs_table = ROWS
    schema_version = 3  # (2: named documents with their corrections' targets; 3: the
    # family's version after every event, also those the summary does not show)
    events = (FamilyCase.CaseOpened,  # (the aggregate's own subclass is what is stored)
              *(kind for kind in ev.ALL_EVENTS if kind is not ev.CaseOpened))
    corrects = frozenset({"ConsultationRecorded", "GoalSet", "ReferralMade",
                          "ParticipantEntered", "ParticipantLeft"})
    corrects_by_version = frozenset({"ConsultationRecorded"})

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {r} (family_id TEXT PRIMARY KEY, project TEXT NOT NULL, "
            "case_manager TEXT, status TEXT NOT NULL, version INTEGER NOT NULL, "
            "doc TEXT NOT NULL)", r=self.t(ROWS)))

    def from_stored(self, stored: Any) -> SummaryDoc:
        return summary_doc(stored, self.new_refs(stored["refs"]))

    def opened(self, e: Any) -> SummaryDoc:
        return SummaryDoc(
            project=e.project, case_number=e.case_number, status="open", case_manager=None,
            opened_on=e.occurred_on.isoformat(), closed_on=None,
            version=e.originator_version,
            members={str(m.member_id): MemberFacts(m.role, m.gender, None) for m in e.members},
            esf={}, goals={}, referrals={}, consultations={}, refs=self.new_refs())

    def fold(self, doc: SummaryDoc | None, e: Any) -> SummaryDoc | None:
        if doc is None:  # (an event before the intake cannot exist)
            return self.opened(e) if isinstance(e, ev.CaseOpened) else None
        doc.version = e.originator_version  # (every event: the summary's version is the
        fold = _FOLD.get(type(e))  # family's, whether or not the summary shows the event)
        if fold is not None:
            fold(doc, e)
        return doc

    def correct(self, doc: SummaryDoc, correction: Any, target: Target) -> None:
        correct(doc, correction, target)

    def write(self, c: Cursor, tables: Tables,
              changed: dict[str, tuple[Any, SummaryDoc]]) -> None:
        tables.upsert(c, self.t(ROWS), COLUMNS, ("family_id",), [
            (family_id, d.project, d.case_manager, d.status, d.version, dumps(d.stored()))
            for family_id, (_, d) in changed.items()])
