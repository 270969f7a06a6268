"""Programme figures (Akti(F) Plus style) of a project, as known now or at a cut-off.

**The view.** ``ProgrammeFacts`` folds each family's events into the family summary's
document (``FamilySummary.fold_and_follow``: the same facts, corrected by
``EntryCorrected`` exactly as the summary corrects them) plus what the summary does not
keep: when a member joined the household, every closure with its reason and reopening,
every referral outcome with its date. It writes the facts as rows of one bitemporal
table (``known_from``, ``known_to``: see ``projections.reporting.bitemporal``), one
*entity* per case, consultation, referral and goal; the rows carry no personal data (no
names, notes, descriptions, institution names). ``kind`` tells the rows apart:

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

The figures read from these rows: ``programme_figures``; labelled and rendered:
``programme_render``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from projections.engine.documents import Doc, dumps
from projections.reporting.bitemporal import BitemporalView, Bundle
from projections.views.family_summary import FamilySummary, SummaryDoc

FACTS = "lotse_programme_facts"
DOCS = "lotse_programme_docs"
PENDING = "pending"

_SUMMARY = FamilySummary()  # (its fold keeps no state of its own)


# ----- the view -----------------------------------------------------------------------
# doc: {"s": the family summary's document (SummaryDoc), "joined": {member: joined on},
#       "closures": [Closure, ...], "outcomes": {referral: [Outcome, ...]}, "_w": written}


@dataclass(slots=True)
class Closure:
    """A closure of the case (stored as ``[version, closed_on, reason, reopened_on]``)."""

    version: int
    closed_on: str
    reason: str
    reopened_on: str | None


@dataclass(slots=True)
class Outcome:
    """A referral outcome (stored as ``[version, outcome_on, outcome]``)."""

    version: int
    outcome_on: str
    outcome: str


def _version_key(prefix: str, version: int) -> str:
    return f"{prefix}{version:010d}"  # (sorts as the versions do)


def _extra_member_added(d: Doc, e: Any) -> None:
    d["joined"][str(e.member.member_id)] = e.occurred_on.isoformat()


def _extra_closed(d: Doc, e: Any) -> None:
    d["closures"].append(Closure(e.originator_version, e.occurred_on.isoformat(),
                                 str(e.reason), None))


def _extra_reopened(d: Doc, e: Any) -> None:
    if d["closures"]:
        d["closures"][-1].reopened_on = e.occurred_on.isoformat()


def _extra_outcome(d: Doc, e: Any) -> None:
    d["outcomes"].setdefault(str(e.referral_id), []).append(
        Outcome(e.originator_version, e.occurred_on.isoformat(), str(e.outcome)))


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
    schema_version = 100 * 2 + FamilySummary.schema_version
    """Its own form (2: the summary's named document inside, its corrections' targets)
    and the family summary's, whose document it keeps inside its own: a new form of
    either makes the facts rebuild themselves."""
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

    def create_indexes(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(f"CREATE INDEX IF NOT EXISTS {self.t('lotse_programme_project')} "
                             "ON {t} (project, kind, on_day)", t=self.t(FACTS)))

    def from_stored(self, stored: Any) -> Doc:
        doc: Doc = stored
        doc["s"] = _SUMMARY.from_stored(doc["s"])
        doc["closures"] = [Closure(*c) for c in doc["closures"]]
        doc["outcomes"] = {k: [Outcome(*o) for o in os] for k, os in doc["outcomes"].items()}
        return doc

    def encode_doc(self, family_id: str, doc: Doc) -> str:
        summary: SummaryDoc = doc["s"]
        closures: list[Closure] = doc["closures"]
        outcomes: dict[str, list[Outcome]] = doc["outcomes"]
        return dumps({
            **doc, "s": summary.stored(),
            "closures": [[c.version, c.closed_on, c.reason, c.reopened_on] for c in closures],
            "outcomes": {k: [[o.version, o.outcome_on, o.outcome] for o in os]
                         for k, os in outcomes.items()}})

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        # (the summary's corrections too, as the summary has them)
        summary = _SUMMARY.fold_and_follow(None if doc is None else doc["s"], e)
        if summary is None:
            return None
        if doc is None:  # (the intake)
            return {"s": summary, "joined": {}, "closures": [], "outcomes": {}}
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
        summary: SummaryDoc = doc["s"]
        project = summary.project
        found: list[tuple[int, str, Bundle]] = []
        if only is None or "case" in only:
            opened_on = summary.opened_on
            intake = date.fromisoformat(opened_on)
            closures: list[Closure] = doc["closures"]
            reason = closures[-1].reason if summary.closed_on and closures else None
            case: list[tuple[Any, ...]] = [
                ("", project, "case", opened_on, summary.closed_on, reason, None, None)]
            case += [(f"m:{member_id}", project, "member",
                      doc["joined"].get(member_id, opened_on), m.left_household_on,
                      _text(m.role), None, None)
                     for member_id, m in summary.members.items()]
            case += [(_version_key("x:", c.version), project, "closure", c.closed_on,
                      c.reopened_on, c.reason, None,
                      (date.fromisoformat(c.closed_on) - intake).days)
                     for c in closures]
            found.append((0, "case", {FACTS: case}))
        consultations = summary.consultations
        for version in (consultations if only is None
                        else [int(k[2:]) for k in only
                              if k[:2] == "c:" and int(k[2:]) in consultations]):
            held = consultations[version]
            found.append((version, f"c:{version}", {FACTS: [
                ("", project, "consultation", held.held_on, None, _text(held.mode), None,
                 held.minutes),
                *((f"t:{topic}", project, "topic", held.held_on, None, _text(topic), None,
                   held.minutes)
                  for topic in dict.fromkeys(held.topics))]}))
        for referral_id, r in summary.referrals.items():
            if only is not None and f"r:{referral_id}" not in only:
                continue
            found.append((r.version, f"r:{referral_id}", {FACTS: [
                ("", project, "referral", r.referred_on, None, _text(r.institution_type),
                 None, None),
                *((_version_key("o:", o.version), project, "outcome", o.outcome_on, None, None,
                   o.outcome, None)
                  for o in doc["outcomes"].get(referral_id, ()))]}))
        for goal_id, g in summary.goals.items():
            if only is not None and f"g:{goal_id}" not in only:
                continue
            found.append((g.version, f"g:{goal_id}", {FACTS: [
                ("", project, "goal", g.set_on, g.closed_on, _text(g.life_area), g.status,
                 None)]}))
        # In the order the entities came into being: the document then lists them in one
        # order however the engine's pages cut a recording day.
        return {entity: bundle for _, entity, bundle in sorted(found, key=lambda f: f[0])}
