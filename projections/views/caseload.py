"""The caseload view: every family with what a case manager looks at first.

One row per family: case number, who is responsible, status, the last contact and the
follow-up agreed at it, open goals and referrals still waiting for an outcome. Days
since the last contact and whether the follow-up is overdue depend on today and are
computed when read. No personal data is kept here. A family that asked for erasure
during retention is listed as ``restricted`` (not ``open``: it leaves the team overview
and, whatever the filter, its case manager's caseload; ``domain/retention.py``).

The family's document (``CaseloadDoc``) keeps its consultations (date, agreed follow-up)
so that a correction of a consultation's date or follow-up moves the last contact
exactly as the case does (``CaseState.note_contact``: the latest date, ties to the later
entry); the correction's target comes from ``projections.engine.corrections``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from domain.retention import RESTRICTED
from projections.engine.corrections import Refs, Target, corrected_value
from projections.engine.documents import FamilyDocView, dumps, iso

ROWS = "lotse_view_caseload"
COLUMNS = ("family_id", "project", "case_number", "case_manager", "status", "opened_on",
           "last_contact_on", "next_follow_up_on", "open_goals", "pending_referrals", "doc")


@dataclass(slots=True)
class Contact:
    """A consultation as the caseload needs it (stored as ``[held_on, follow_up_on]``)."""

    held_on: str
    follow_up_on: str | None


@dataclass(slots=True)
class CaseloadDoc:
    project: str
    case_number: str
    case_manager: str | None
    status: str
    opened_on: str
    contacts: dict[int, Contact]
    """By the version that recorded the consultation (ties of the last contact go to the
    later one)."""
    open_goals: int
    referrals: dict[str, bool]
    """Referral id -> whether an outcome was recorded."""
    refs: Refs

    def stored(self) -> dict[str, Any]:
        return {"project": self.project, "case_number": self.case_number,
                "case_manager": self.case_manager, "status": self.status,
                "opened_on": self.opened_on,
                "contacts": {str(v): [c.held_on, c.follow_up_on]
                             for v, c in self.contacts.items()},
                "open_goals": self.open_goals, "referrals": self.referrals,
                "refs": self.refs.stored()}

    def last_contact(self) -> Contact | None:
        """The latest consultation, of two on one day the later recorded."""
        if not self.contacts:
            return None
        return max(self.contacts.items(), key=lambda vc: (vc[1].held_on, vc[0]))[1]


class Caseload(FamilyDocView[CaseloadDoc]):
    name = "caseload"
    table_names = (ROWS,)
    docs_table = ROWS
    schema_version = 2  # (2: named documents with their corrections' targets)
    events = (FamilyCase.CaseOpened, ev.CaseManagerAssigned, ev.ConsultationRecorded,
              ev.GoalSet, ev.GoalAchieved, ev.GoalDropped, ev.ReferralMade,
              ev.ReferralOutcomeRecorded, ev.CaseClosed, ev.CaseReopened, ev.EntryCorrected,
              ev.PersonalDataErased, ev.ErasureRequested)
    corrects = corrects_by_version = frozenset({"ConsultationRecorded"})

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {r} (family_id TEXT PRIMARY KEY, project TEXT NOT NULL, "
            "case_number TEXT NOT NULL, case_manager TEXT, status TEXT NOT NULL, "
            "opened_on TEXT NOT NULL, last_contact_on TEXT, next_follow_up_on TEXT, "
            "open_goals INTEGER NOT NULL, pending_referrals INTEGER NOT NULL, "
            "doc TEXT NOT NULL)", r=self.t(ROWS)))

    def create_indexes(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(f"CREATE INDEX IF NOT EXISTS {self.t('lotse_view_caseload_cm')} "
                             "ON {r} (project, case_manager, status)", r=self.t(ROWS)))

    def from_stored(self, stored: Any) -> CaseloadDoc:
        return CaseloadDoc(
            project=stored["project"], case_number=stored["case_number"],
            case_manager=stored["case_manager"], status=stored["status"],
            opened_on=stored["opened_on"],
            contacts={int(v): Contact(*c) for v, c in stored["contacts"].items()},
            open_goals=stored["open_goals"], referrals=stored["referrals"],
            refs=self.new_refs(stored["refs"]))

    def fold(self, doc: CaseloadDoc | None, e: Any) -> CaseloadDoc | None:
        if isinstance(e, FamilyCase.CaseOpened):
            return CaseloadDoc(project=e.project, case_number=e.case_number, case_manager=None,
                               status="open", opened_on=e.occurred_on.isoformat(),
                               contacts={}, open_goals=0, referrals={}, refs=self.new_refs())
        if doc is None:
            return None  # (an event before the intake cannot exist)
        if isinstance(e, ev.CaseManagerAssigned):
            doc.case_manager = e.case_manager
        elif isinstance(e, ev.ConsultationRecorded):
            doc.contacts[e.originator_version] = Contact(e.occurred_on.isoformat(),
                                                         iso(e.next_follow_up_on))
        elif isinstance(e, ev.GoalSet):
            doc.open_goals += 1
        elif isinstance(e, ev.GoalAchieved | ev.GoalDropped):
            doc.open_goals -= 1
        elif isinstance(e, ev.ReferralMade):
            doc.referrals[str(e.referral_id)] = False
        elif isinstance(e, ev.ReferralOutcomeRecorded):
            doc.referrals[str(e.referral_id)] = True
        elif isinstance(e, ev.CaseClosed):
            doc.status = "closed"
        elif isinstance(e, ev.CaseReopened):
            doc.status = "open"
        elif isinstance(e, ev.PersonalDataErased):
            doc.status = "erased"
        elif isinstance(e, ev.ErasureRequested):
            doc.status = RESTRICTED
        return doc

    def correct(self, doc: CaseloadDoc, correction: Any, target: Target) -> None:
        contact = doc.contacts.get(target.version)
        if contact is None:
            return
        for change in correction.changes:
            if change.field == "occurred_on":
                contact.held_on = corrected_value(target, change)
            elif change.field == "next_follow_up_on":
                contact.follow_up_on = corrected_value(target, change)

    def write(self, c: Cursor, tables: Tables,
              changed: dict[str, tuple[Any, CaseloadDoc]]) -> None:
        rows = []
        for family_id, (_, d) in changed.items():
            latest = d.last_contact()
            rows.append((family_id, d.project, d.case_number, d.case_manager, d.status,
                         d.opened_on, latest.held_on if latest else None,
                         latest.follow_up_on if latest else None, d.open_goals,
                         sum(1 for answered in d.referrals.values() if not answered),
                         dumps(d.stored())))
        tables.upsert(c, self.t(ROWS), COLUMNS, ("family_id",), rows)


@dataclass(frozen=True)
class CaseloadRow:
    family_id: UUID
    project: str
    case_number: str
    case_manager: str | None
    status: str
    opened_on: date
    last_contact_on: date | None
    next_follow_up_on: date | None
    open_goals: int
    pending_referrals: int


def read_caseload(tables: Tables, view: Caseload, *, projects: Collection[str],
                  case_manager: str | None = None, status: str | None = "open",
                  limit: int = 100, offset: int = 0,
                  hide_restricted: bool = False) -> tuple[int, list[CaseloadRow]]:
    """The families of ``projects`` (and of ``case_manager``), oldest contact first;
    without restricted ones if ``hide_restricted`` (a case manager's caseload)."""
    if not projects:
        return 0, []
    where, params = tables.where(projects, case_manager=case_manager, status=status)
    if hide_restricted:
        where.append(f"status <> '{RESTRICTED}'")
    condition = " AND ".join(where)
    with tables.transaction(commit=False) as c:
        total = c.execute(tables.sql(f"SELECT COUNT(*) FROM {{r}} WHERE {condition}",
                                     r=view.t(ROWS)),
                          params).fetchone()
        rows = c.execute(tables.sql(
            "SELECT family_id, project, case_number, case_manager, status, opened_on, "
            "last_contact_on, next_follow_up_on, open_goals, pending_referrals FROM {r} "
            f"WHERE {condition} ORDER BY COALESCE(last_contact_on, opened_on), case_number "
            f"LIMIT {int(limit)} OFFSET {int(offset)}", r=view.t(ROWS)), params).fetchall()
    return (int(total[0]) if total else 0), [
        CaseloadRow(UUID(r[0]), r[1], r[2], r[3], r[4], date.fromisoformat(r[5]),
                    date.fromisoformat(r[6]) if r[6] else None,
                    date.fromisoformat(r[7]) if r[7] else None, int(r[8]), int(r[9]))
        for r in rows]


@dataclass(frozen=True)
class TeamRow:
    case_manager: str | None
    active_cases: int
    overdue_follow_ups: int
    without_contact_21_days: int


def read_team(tables: Tables, view: Caseload, *, project: str, today: date) -> list[TeamRow]:
    """Per case manager of ``project`` (None: unassigned), their open cases, follow-ups
    past due and families not seen for three weeks (counted from intake if never)."""
    quiet_since = date.fromordinal(today.toordinal() - 21).isoformat()
    p = tables.p
    rows = tables.fetchall(tables.sql(
        "SELECT case_manager, COUNT(*) AS active, "  # (names: PostgreSQL rows are dicts)
        f"SUM(CASE WHEN next_follow_up_on < {p} THEN 1 ELSE 0 END) AS overdue, "
        f"SUM(CASE WHEN COALESCE(last_contact_on, opened_on) < {p} THEN 1 ELSE 0 END) "
        "AS quiet "
        f"FROM {{r}} WHERE project = {p} AND status = 'open' GROUP BY case_manager "
        "ORDER BY case_manager", r=view.t(ROWS)), (today.isoformat(), quiet_since, project))
    return [TeamRow(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows]


def read_unassigned(tables: Tables, view: Caseload, *, project: str,
                    case_managers: Collection[str], limit: int = 500) -> list[CaseloadRow]:
    """The open cases of ``project`` that no one of ``case_managers`` (its current case
    managers) carries: never assigned, or their case manager left the role."""
    p = tables.p
    params: list[Any] = [project]
    condition = "case_manager IS NULL"
    if case_managers:
        condition += f" OR case_manager NOT IN ({', '.join([p] * len(case_managers))})"
        params += list(case_managers)
    rows = tables.fetchall(tables.sql(
        "SELECT family_id, project, case_number, case_manager, status, opened_on, "
        "last_contact_on, next_follow_up_on, open_goals, pending_referrals FROM {r} "
        f"WHERE project = {p} AND status = 'open' AND ({condition}) "
        f"ORDER BY case_number LIMIT {int(limit)}", r=view.t(ROWS)), params)
    return [CaseloadRow(UUID(r[0]), r[1], r[2], r[3], r[4], date.fromisoformat(r[5]),
                        date.fromisoformat(r[6]) if r[6] else None,
                        date.fromisoformat(r[7]) if r[7] else None, int(r[8]), int(r[9]))
            for r in rows]
