"""The caseload history: who was responsible for which family from when to when.

One row per interval of responsibility: family, project, case number, case manager,
``from_on`` and ``until_on`` (business dates, ``occurred_on`` of the events that began
and ended it; ``until_on`` None while it lasts), who began it (``assigned_by``, the
``recorded_by`` of that event), the family's version at that event (``version``) and at
the one that ended it (``ended_version``), and what began and ended it. No personal
data: staff ids and dates only (the reason given for a transfer is personal data and is
not kept).

How intervals begin and end (in the order the events were recorded):

- **Intake** (the ``CaseManagerAssigned`` of the intake) begins the first interval,
  ``started_by = "intake"``.
- **Transfer** (a later ``CaseManagerAssigned``) of an open case ends the running
  interval on the transfer's date (``ended_by = "transfer"``) and begins the new case
  manager's on the same date (``started_by = "transfer"``).
- **Closure** ends the running interval on the closure date (``ended_by = "closure"``):
  nobody carries a closed case (the leaving statuses, follow-ups and referral outcomes
  that may still be recorded on it are no casework).
- **A transfer while the case is closed** begins no interval: it names who will carry
  the case when it is reopened.
- **Reopening** begins a new interval on the reopening date for the case manager the
  case is assigned to at that moment (``started_by = "reopening"``; ``assigned_by`` is
  who reopened it).
- **Erasure** of an open case ends its running interval on the erasure date
  (``ended_by = "erasure"``); the case takes no entries afterwards. The rows of an
  erased family stay: they hold no personal data, and who carried a case stays part of
  the programme's record.

An interval covers every day from ``from_on`` to ``until_on``, both included (``?on=``):
on the day of a transfer both the old and the new case manager are listed, the
handover day belongs to both. Dates are as recorded; an entry recorded later for an
earlier day (a backdated transfer) is taken as recorded, in the order of recording.
None of these events can be corrected (``domain/corrections.py``), so rows never change
after their interval has ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from application.sql import Cursor, Tables
from domain import events as ev
from domain.family_case import FamilyCase
from projections.engine.documents import FamilyDocView, dumps

ROWS = "lotse_view_caseload_history"
DOCS = "lotse_view_caseload_history_docs"
COLUMNS = ("family_id", "seq", "project", "case_number", "case_manager", "from_on", "until_on",
           "assigned_by", "started_by", "version", "ended_by", "ended_version")
OPEN_END = "9999-12-31"  # sorts an interval that lasts after every ended one

SORTS = {
    "from": "from_on, case_number, seq",
    "-from": "from_on DESC, case_number DESC, seq DESC",
    "until": f"COALESCE(until_on, '{OPEN_END}'), case_number, seq",
    "-until": f"COALESCE(until_on, '{OPEN_END}') DESC, case_number DESC, seq DESC",
    "case_number": "case_number, seq",
    "-case_number": "case_number DESC, seq DESC",
    "case_manager": "case_manager, from_on, case_number, seq",
    "-case_manager": "case_manager DESC, from_on DESC, case_number DESC, seq DESC",
}


@dataclass(slots=True)
class Span:
    """An interval of responsibility in the document (stored as a list of its fields, in
    the order of the row's columns after the case number)."""

    case_manager: str
    from_on: str
    until_on: str | None
    assigned_by: str
    started_by: str
    version: int
    ended_by: str | None
    ended_version: int | None

    def stored(self) -> list[Any]:
        return [self.case_manager, self.from_on, self.until_on, self.assigned_by,
                self.started_by, self.version, self.ended_by, self.ended_version]


@dataclass(slots=True)
class HistoryDoc:
    project: str
    case_number: str
    status: str
    case_manager: str | None
    intervals: list[Span]

    def running(self) -> bool:
        """Whether the last interval still lasts."""
        return (bool(self.intervals) and self.intervals[-1].ended_by is None
                and self.status == "open")

    def stored(self) -> dict[str, Any]:
        return {"project": self.project, "case_number": self.case_number,
                "status": self.status, "case_manager": self.case_manager,
                "intervals": [span.stored() for span in self.intervals]}


def _begin(d: HistoryDoc, e: Any, started_by: str) -> None:
    if d.case_manager is not None:
        d.intervals.append(Span(d.case_manager, e.occurred_on.isoformat(), None,
                                e.recorded_by, started_by, e.originator_version, None, None))


def _end(d: HistoryDoc, e: Any, ended_by: str) -> None:
    if d.running():
        last = d.intervals[-1]
        last.until_on, last.ended_by = e.occurred_on.isoformat(), ended_by
        last.ended_version = e.originator_version


class CaseloadHistory(FamilyDocView[HistoryDoc]):
    name = "caseload_history"
    table_names = (ROWS, DOCS)
    docs_table = DOCS
    events = (FamilyCase.CaseOpened, ev.CaseManagerAssigned, ev.CaseClosed, ev.CaseReopened,
              ev.PersonalDataErased)

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {d} (family_id TEXT PRIMARY KEY, "
                             "doc TEXT NOT NULL)", d=self.t(DOCS)))
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {r} (family_id TEXT NOT NULL, seq INTEGER NOT NULL, "
            "project TEXT NOT NULL, case_number TEXT NOT NULL, case_manager TEXT NOT NULL, "
            "from_on TEXT NOT NULL, until_on TEXT, assigned_by TEXT NOT NULL, "
            "started_by TEXT NOT NULL, version INTEGER NOT NULL, ended_by TEXT, "
            "ended_version INTEGER, PRIMARY KEY (family_id, seq))", r=self.t(ROWS)))

    def create_indexes(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql(
            f"CREATE INDEX IF NOT EXISTS {self.t('lotse_view_caseload_history_from')} "
            "ON {r} (project, from_on)", r=self.t(ROWS)))
        c.execute(tables.sql(
            f"CREATE INDEX IF NOT EXISTS {self.t('lotse_view_caseload_history_cm')} "
            "ON {r} (project, case_manager, from_on)", r=self.t(ROWS)))

    def from_stored(self, stored: Any) -> HistoryDoc:
        return HistoryDoc(stored["project"], stored["case_number"], stored["status"],
                          stored["case_manager"], [Span(*i) for i in stored["intervals"]])

    def before(self, doc: HistoryDoc | None) -> int:
        """The first interval this page may change: the running one, or the next."""
        if doc is None:
            return 0
        return len(doc.intervals) - 1 if doc.running() else len(doc.intervals)

    def fold(self, doc: HistoryDoc | None, e: Any) -> HistoryDoc | None:
        if isinstance(e, ev.CaseOpened):
            return HistoryDoc(e.project, e.case_number, "open", None, [])
        if doc is None:
            return None  # (an event before the intake cannot exist)
        if isinstance(e, ev.CaseManagerAssigned):
            first = not doc.intervals
            _end(doc, e, "transfer")
            doc.case_manager = e.case_manager
            if doc.status == "open":
                _begin(doc, e, "intake" if first else "transfer")
        elif isinstance(e, ev.CaseClosed):
            _end(doc, e, "closure")
            doc.status = "closed"
        elif isinstance(e, ev.CaseReopened):
            doc.status = "open"
            _begin(doc, e, "reopening")
        elif isinstance(e, ev.PersonalDataErased):
            _end(doc, e, "erasure")
            doc.status = "erased"
        return doc

    def write(self, c: Cursor, tables: Tables,
              changed: dict[str, tuple[Any, HistoryDoc]]) -> None:
        rows: list[tuple[Any, ...]] = []
        for family_id, (first, d) in changed.items():
            rows.extend((family_id, seq, d.project, d.case_number, *span.stored())
                        for seq, span in enumerate(d.intervals[first:], first))
        tables.upsert(c, self.t(DOCS), ("family_id", "doc"), ("family_id",),
                      [(family_id, dumps(d.stored())) for family_id, (_, d) in changed.items()])
        tables.upsert(c, self.t(ROWS), COLUMNS, ("family_id", "seq"), rows)


@dataclass(frozen=True)
class Interval:
    family_id: UUID
    project: str
    case_number: str
    case_manager: str
    from_on: date
    until_on: date | None
    assigned_by: str
    started_by: str
    version: int
    ended_by: str | None
    ended_version: int | None


def read_history(tables: Tables, view: CaseloadHistory, *, project: str,
                 family_id: UUID | None = None, case_manager: str | None = None,
                 on: date | None = None, sort: str = "from", limit: int = 100,
                 offset: int = 0) -> tuple[int, list[Interval]]:
    """The intervals of ``project`` (of one family, of one case manager, covering the
    day ``on``), ordered by ``sort`` (a key of ``SORTS``)."""
    where, params = tables.where([project], family_id=family_id.hex if family_id else None,
                                 case_manager=case_manager)
    if on is not None:
        where.append(f"from_on <= {tables.p} AND (until_on IS NULL OR until_on >= {tables.p})")
        params += [on.isoformat(), on.isoformat()]
    condition = " AND ".join(where)
    columns = ", ".join(c for c in COLUMNS if c != "seq")
    with tables.transaction(commit=False) as c:
        total = c.execute(tables.sql(f"SELECT COUNT(*) FROM {{r}} WHERE {condition}",
                                     r=view.t(ROWS)), params).fetchone()
        rows = c.execute(tables.sql(
            f"SELECT {columns} FROM {{r}} WHERE {condition} ORDER BY {SORTS[sort]} "
            f"LIMIT {int(limit)} OFFSET {int(offset)}", r=view.t(ROWS)), params).fetchall()
    return (int(total[0]) if total else 0), [interval(r) for r in rows]


def interval(r: Sequence[Any]) -> Interval:
    return Interval(UUID(r[0]), r[1], r[2], r[3], date.fromisoformat(r[4]),
                    date.fromisoformat(r[5]) if r[5] else None, r[6], r[7], int(r[8]), r[9],
                    None if r[10] is None else int(r[10]))
