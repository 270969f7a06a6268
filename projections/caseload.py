"""The caseload view: every family with what a case manager looks at first.

One row per family: case number, who is responsible, status, the last contact and the
follow-up agreed at it, open goals and referrals still waiting for an outcome. Days
since the last contact and whether the follow-up is overdue depend on today and are
computed when read. No personal data is kept here.

Consultations are kept per family (date, agreed follow-up) so that a correction of a
consultation's date or follow-up moves the last contact exactly as the case does.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from projections.engine import View

ROWS, CONTACTS, REFERRALS = "lotse_caseload", "lotse_caseload_contacts", "lotse_caseload_refs"
DDL = (
    "CREATE TABLE IF NOT EXISTS {r} (family_id TEXT PRIMARY KEY, project TEXT NOT NULL, "
    "case_number TEXT NOT NULL, case_manager TEXT, status TEXT NOT NULL, "
    "opened_on TEXT NOT NULL, last_contact_on TEXT, next_follow_up_on TEXT, "
    "open_goals INTEGER NOT NULL DEFAULT 0, pending_referrals INTEGER NOT NULL DEFAULT 0)",
    "CREATE INDEX IF NOT EXISTS lotse_caseload_manager ON {r} (project, case_manager)",
    "CREATE TABLE IF NOT EXISTS {c} (family_id TEXT NOT NULL, version INTEGER NOT NULL, "
    "held_on TEXT NOT NULL, next_follow_up_on TEXT, PRIMARY KEY (family_id, version))",
    "CREATE INDEX IF NOT EXISTS lotse_caseload_latest ON {c} (family_id, held_on, version)",
    "CREATE TABLE IF NOT EXISTS {f} (family_id TEXT NOT NULL, referral_id TEXT NOT NULL, "
    "answered INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (family_id, referral_id))",
)


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


class Caseload(View):
    name = "caseload"
    events = (FamilyCase.CaseOpened, ev.CaseManagerAssigned, ev.ConsultationRecorded,
              ev.GoalSet, ev.GoalAchieved, ev.GoalDropped, ev.ReferralMade,
              ev.ReferralOutcomeRecorded, ev.CaseClosed, ev.CaseReopened, ev.EntryCorrected,
              ev.PersonalDataErased)

    def create(self, c: Cursor, tables: Tables) -> None:
        for statement in DDL:
            c.execute(tables.sql(statement, r=ROWS, c=CONTACTS, f=REFERRALS))

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        for event in events:
            self._apply(c, tables, event, event.originator_id.hex)

    def _apply(self, c: Cursor, t: Tables, e: Any, fid: str) -> None:
        def row(assignments: str, *values: Any) -> None:
            c.execute(t.sql(f"UPDATE {{r}} SET {assignments} WHERE family_id = {{p}}", r=ROWS),
                      (*values, fid))

        if isinstance(e, FamilyCase.CaseOpened):
            c.execute(t.sql("INSERT INTO {r} (family_id, project, case_number, status, "
                            "opened_on) VALUES ({p}, {p}, {p}, 'open', {p}) ON CONFLICT "
                            "(family_id) DO NOTHING", r=ROWS),
                      (fid, e.project, e.case_number, e.occurred_on.isoformat()))
        elif isinstance(e, ev.CaseManagerAssigned):
            row(f"case_manager = {t.p}", e.case_manager)
        elif isinstance(e, ev.ConsultationRecorded):
            held = e.occurred_on.isoformat()
            c.execute(t.sql("INSERT INTO {c} (family_id, version, held_on, next_follow_up_on) "
                            "VALUES ({p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING", c=CONTACTS),
                      (fid, e.originator_version, held, _iso(e.next_follow_up_on)))
            # The newest event: the last contact unless it was held on an earlier day than
            # the last contact so far (ties go to the later entry, as in the case).
            c.execute(t.sql("UPDATE {r} SET last_contact_on = {p}, next_follow_up_on = {p} "
                            "WHERE family_id = {p} AND (last_contact_on IS NULL OR "
                            "last_contact_on <= {p})", r=ROWS),
                      (held, _iso(e.next_follow_up_on), fid, held))
        elif isinstance(e, ev.GoalSet):
            row("open_goals = open_goals + 1")
        elif isinstance(e, ev.GoalAchieved | ev.GoalDropped):
            row("open_goals = open_goals - 1")
        elif isinstance(e, ev.ReferralMade):
            c.execute(t.sql("INSERT INTO {f} (family_id, referral_id) VALUES ({p}, {p}) "
                            "ON CONFLICT DO NOTHING", f=REFERRALS), (fid, str(e.referral_id)))
            row("pending_referrals = pending_referrals + 1")
        elif isinstance(e, ev.ReferralOutcomeRecorded):
            first = c.execute(t.sql("UPDATE {f} SET answered = 1 WHERE family_id = {p} AND "
                                    "referral_id = {p} AND answered = 0 RETURNING referral_id",
                                    f=REFERRALS), (fid, str(e.referral_id))).fetchone()
            if first is not None:
                row("pending_referrals = pending_referrals - 1")
        elif isinstance(e, ev.CaseClosed):
            row("status = 'closed'")
        elif isinstance(e, ev.CaseReopened):
            row("status = 'open'")
        elif isinstance(e, ev.PersonalDataErased):
            row("status = 'erased'")
        elif isinstance(e, ev.EntryCorrected):
            self._corrected(c, t, e, fid)

    def _corrected(self, c: Cursor, t: Tables, e: Any, fid: str) -> None:
        """Only corrections of a consultation's date or follow-up concern this view."""
        columns = {"occurred_on": "held_on", "next_follow_up_on": "next_follow_up_on"}
        changed = False
        for change in e.changes:
            column = columns.get(change.field)
            if column is None:
                continue
            moved = c.execute(t.sql(f"UPDATE {{c}} SET {column} = {{p}} WHERE family_id = {{p}} "
                                    "AND version = {p} RETURNING version", c=CONTACTS),
                              (change.value, fid, e.corrected_version)).fetchone()
            changed = changed or moved is not None
        if changed:
            self._last_contact(c, t, fid)

    def _last_contact(self, c: Cursor, t: Tables, fid: str) -> None:
        """The latest consultation (by date, then by the order recorded) and the follow-up
        agreed at it, as ``CaseState.note_contact`` keeps them."""
        latest = c.execute(t.sql("SELECT held_on, next_follow_up_on FROM {c} WHERE "
                                 "family_id = {p} ORDER BY held_on DESC, version DESC LIMIT 1",
                                 c=CONTACTS), (fid,)).fetchone()
        held, follow_up = latest if latest else (None, None)
        c.execute(t.sql("UPDATE {r} SET last_contact_on = {p}, next_follow_up_on = {p} "
                        "WHERE family_id = {p}", r=ROWS), (held, follow_up, fid))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def read_caseload(tables: Tables, *, projects: Collection[str],
                  case_manager: str | None = None, status: str | None = "open",
                  limit: int = 100, offset: int = 0) -> tuple[int, list[CaseloadRow]]:
    """The families of ``projects`` (and of ``case_manager``), oldest contact first."""
    if not projects:
        return 0, []
    where, params = tables.where(projects, case_manager=case_manager, status=status)
    condition = " AND ".join(where)
    with tables.transaction(commit=False) as c:
        total = c.execute(tables.sql(f"SELECT COUNT(*) FROM {{r}} WHERE {condition}", r=ROWS),
                          params).fetchone()
        rows = c.execute(tables.sql(
            "SELECT family_id, project, case_number, case_manager, status, opened_on, "
            "last_contact_on, next_follow_up_on, open_goals, pending_referrals FROM {r} "
            f"WHERE {condition} ORDER BY COALESCE(last_contact_on, opened_on), case_number "
            f"LIMIT {int(limit)} OFFSET {int(offset)}", r=ROWS), params).fetchall()
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


def read_team(tables: Tables, *, project: str, today: date) -> list[TeamRow]:
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
        "ORDER BY case_manager", r=ROWS), (today.isoformat(), quiet_since, project))
    return [TeamRow(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows]
