"""Views whose rows remember since when they were known: both views of the truth in SQL.

A report "as it could be known at the cut-off" counts what the events recorded by the end
of the cut-off day showed; "as known now" counts what every event shows. Replaying each
family's events up to the cut-off answers the first, but costs a replay of the whole
project per report. A bitemporal view answers both with one query: each row carries the
programme day its content became known (``known_from``) and the day a later event
replaced it (``known_to``, NULL while it is current). The rows known at the end of day K
are those with ``known_from <= K`` and ``known_to`` NULL or after K; the current rows are
those with ``known_to IS NULL``.

The view folds a family's events into its document (as every ``FamilyDocView``), groups
what it shows into *entities* (a participant, a consultation, the case), and after the
last event of each recording day compares each entity's rows with what it wrote before
(a digest kept in the document): an entity that changed gets a new version, its previous
version is closed on that day. Two changes on one day make one version, as the end of
that day saw it. Events of a family are recorded in version order, so the version a day
ends with is the fold of exactly the events recorded by then: the same as a replay.

Reports read at the end of reporting periods (half-years), so a view may also keep
counters by period (``counters``, ``cells``): each version adds its cells while it is
known, as deltas (+n in the period it becomes known, -n in the period it is replaced),
so that a figure as known at the end of period h is a sum over ``known_period <= h``
(and the current figure a sum over all): a few hundred cells, not a row per person. The
cells of each entity's current version stay in the document, to be taken back when it
changes.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

import orjson

from application.sql import Cursor, Tables
from domain.rules import PROGRAMME_TZ
from projections.engine.documents import Doc, FamilyDocView, dumps

KEYS = ("family_id", "entity", "known_from")
"""The first columns of every table of a bitemporal view (then ``known_to``)."""
WRITTEN = "_w"
"""The document's key for {entity: [known_from, digest, *cells]} of the versions written
(read by unpacking: the day it became known, a digest of its rows, its counter cells)."""

Bundle = dict[str, list[tuple[Any, ...]]]
"""An entity's rows per table (base name), without the bitemporal columns (a key that is
not a table's carries what ``cells`` needs and is not stored)."""


def recorded_day(event: Any) -> str:
    """The programme day an event was recorded on."""
    stamp = event.timestamp
    return str(stamp.astimezone(PROGRAMME_TZ).date().isoformat())


def period_index(day: str) -> int:
    """The reporting period (half-year) a day falls in, as a number that orders them:
    a day is on or before the cut-off of period h exactly when its index is <= h."""
    return int(day[:4]) * 2 + (day[5:7] > "06")


def add_cells(deltas: dict[tuple[Any, ...], int], cells: Sequence[Sequence[Any]],
              period: int, sign: int) -> None:
    for *key, n in cells:
        k = (*key, period)
        deltas[k] = deltas.get(k, 0) + sign * int(n)


def known_clause(alias: str, known_by: date | None) -> tuple[str, tuple[str, ...]]:
    """The SQL condition (with ``{p}`` placeholders) and its parameters for the rows
    known at the end of ``known_by``, or the current rows (``known_by`` None)."""
    if known_by is None:
        return f"{alias}known_to IS NULL", ()
    day = known_by.isoformat()
    return (f"{alias}known_from <= {{p}} AND ({alias}known_to IS NULL OR "
            f"{alias}known_to > {{p}})", (day, day))


class BitemporalView(FamilyDocView[Doc]):
    """A family-document view whose entity rows are versioned by recording day."""

    columns: ClassVar[dict[str, tuple[str, ...]]]
    """Per table (base name): its own columns after ``family_id, entity, known_from,
    known_to`` (the declarations, e.g. ``"code TEXT NOT NULL"``)."""
    extra_keys: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Per table: key columns beyond (family_id, entity, known_from), for tables holding
    several rows per entity version."""

    counters: ClassVar[tuple[str, tuple[str, ...]] | None] = None
    """(table, key columns) of counters kept by known period: sums of ``cells`` over the
    versions known at the end of each reporting period (``period_index``), kept as
    deltas (+ when a version becomes known, - when it is replaced), so that a count as
    known at the end of period h is ``SUM(n) ... WHERE known_period <= h``."""

    @abstractmethod
    def entities(self, family_id: str, doc: Doc,
                 only: set[str] | None = None) -> dict[str, Bundle]:
        """What the family's document shows, per entity: its rows per table (``only``:
        at least these entities, the others are unchanged; None: every entity)."""

    def touches(self, event: Any) -> set[str] | None:
        """The entities an event may change (None: any of them; the default)."""
        return None

    def create(self, c: Cursor, tables: Tables) -> None:
        for base, columns in self.columns.items():
            key = ", ".join((*KEYS, *self.extra_keys.get(base, ())))
            c.execute(tables.sql(
                "CREATE TABLE IF NOT EXISTS {t} (family_id TEXT NOT NULL, entity TEXT NOT NULL, "
                "known_from TEXT NOT NULL, known_to TEXT, "
                f"{', '.join(columns)}, PRIMARY KEY ({key}))", t=self.t(base)))
        c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {d} (family_id TEXT PRIMARY KEY, "
                             "doc TEXT NOT NULL)", d=self.t(self.docs_table)))
        if self.counters is not None:
            table, columns = self.counters
            names = ", ".join(column.split()[0] for column in columns)
            c.execute(tables.sql(
                f"CREATE TABLE IF NOT EXISTS {{t}} ({', '.join(columns)}, known_period INTEGER "
                f"NOT NULL, n INTEGER NOT NULL, PRIMARY KEY ({names}, known_period))",
                t=self.t(table)))

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        changed: dict[str, tuple[Any, Doc]] = {}
        versions: list[tuple[str, str, str, Bundle]] = []  # family, entity, day, rows
        closed: list[tuple[str, str, str, str]] = []  # known_to, family, entity, known_from
        replaced: list[tuple[str, str, str]] = []  # family, entity, known_from
        deltas: dict[tuple[Any, ...], int] = {}
        for family_id, doc, family_events in self.families(c, tables, events):
            days = self.known_days(doc, family_events)
            last = len(family_events) - 1
            touched: set[str] | None = set()
            for i, event in enumerate(family_events):
                doc = self.fold_and_follow(doc, event)
                if doc is None:
                    continue
                more = self.touches(event)
                touched = None if more is None or touched is None else touched | more
                day = days[i]
                if i < last and days[i + 1] == day:
                    continue
                written = doc.setdefault(WRITTEN, {})
                now = self.entities(family_id, doc, touched)
                half = period_index(day)
                gone = [e for e in written if e not in now] if touched is None else []
                touched = set()
                for entity in gone:  # (closed)
                    known_from, _, *cells_before = written.pop(entity)
                    add_cells(deltas, cells_before, half, -1)
                    if known_from != day:
                        closed.append((day, family_id, entity, known_from))
                    else:  # (its version of the day, written by this page or one before)
                        versions = [v for v in versions if v[:3] != (family_id, entity, day)]
                        replaced.append((family_id, entity, day))
                for entity, bundle in now.items():
                    digest = hashlib.blake2b(orjson.dumps(bundle), digest_size=12).hexdigest()
                    before = written.get(entity)
                    if before is not None:
                        known_from, digest_before, *cells_before = before
                        if digest_before == digest:
                            continue
                        add_cells(deltas, cells_before, half, -1)
                        if known_from != day:
                            closed.append((day, family_id, entity, known_from))
                        else:  # (the day's version, written by a page before)
                            replaced.append((family_id, entity, day))
                    cells = self.cells(bundle)
                    add_cells(deltas, cells, half, 1)
                    written[entity] = [day, digest, *cells]
                    versions.append((family_id, entity, day, bundle))
            if doc is not None:
                if WRITTEN in doc:  # (in one order however the events were paged)
                    doc[WRITTEN] = dict(sorted(doc[WRITTEN].items()))
                changed[family_id] = (None, doc)
        if changed:
            tables.upsert(c, self.t(self.docs_table), ("family_id", "doc"), ("family_id",),
                          [(family_id, self.encode_doc(family_id, doc))
                           for family_id, (_, doc) in changed.items()])
            self.store(c, tables, versions, closed, replaced)
            self.count(c, tables, deltas)
            self.written(changed)

    @staticmethod
    def known_days(doc: Doc | None, family_events: Sequence[Any]) -> list[str]:
        """The day each event became known: the day it was recorded, but never before a
        day this family's versions are already known from. Events of a family are
        recorded in version order, yet their clocks may disagree (two servers, one a
        little behind, around midnight): a version never starts before the one it
        replaces, and one day's changes stay one version."""
        written = doc.get(WRITTEN, {}) if doc is not None else {}
        latest = max((w[0] for w in written.values()), default="")
        days = []
        for event in family_events:
            latest = max(latest, recorded_day(event))
            days.append(latest)
        return days

    def encode_doc(self, family_id: str, doc: Doc) -> str:
        """The document as stored (a view holding personal data seals it here)."""
        return dumps(doc)

    def seal_row(self, base: str, family_id: str, entity: str, known_from: str,
                 row: tuple[Any, ...]) -> tuple[Any, ...]:
        """A row as stored (a view holding personal data seals its columns here; the
        version's digest is of the plain rows)."""
        return row

    def cells(self, bundle: Bundle) -> list[list[Any]]:
        """The counter cells an entity version adds to (views with ``counters``): each
        [*key columns, n]; the version counts in them while it is known."""
        return []

    def count(self, c: Cursor, tables: Tables, deltas: dict[tuple[Any, ...], int]) -> None:
        """Add ``deltas`` ({(*key, known period): n}) to the counters."""
        rows = [(*key, n) for key, n in sorted(deltas.items(), key=repr) if n]
        if self.counters is None or not rows:
            return
        table, columns = self.counters
        names = [column.split()[0] for column in columns]
        # (a cell back at zero goes: the counters are then the same however the events
        # were paged)
        tables.upsert(c, self.t(table), (*names, "known_period", "n"), (*names, "known_period"),
                      rows, add=("n",), drop_zero=True)

    def write(self, c: Cursor, tables: Tables, changed: dict[str, tuple[Any, Doc]]) -> None:
        raise NotImplementedError  # (apply stores documents and versions itself)

    def store(self, c: Cursor, tables: Tables, versions: list[tuple[str, str, str, Bundle]],
              closed: list[tuple[str, str, str, str]],
              replaced: list[tuple[str, str, str]]) -> None:
        """Delete the ``replaced`` versions (family, entity, known_from), insert the new
        ``versions``, close the ``closed`` ones (known_to, family, entity, known_from)."""
        for base, columns in self.columns.items():
            table = self.t(base)
            if replaced:
                c.executemany(tables.sql(
                    "DELETE FROM {t} WHERE family_id = {p} AND entity = {p} AND "
                    "known_from = {p}", t=table), replaced)
            if type(self).seal_row is BitemporalView.seal_row:  # (nothing sealed)
                rows = [(f, e, d, None, *row)
                        for f, e, d, bundle in versions for row in bundle.get(base, [])]
            else:
                rows = [(f, e, d, None, *self.seal_row(base, f, e, d, row))
                        for f, e, d, bundle in versions for row in bundle.get(base, [])]
            if rows:
                tables.insert_many(c, table, (*KEYS, "known_to",
                                              *(column.split()[0] for column in columns)),
                                   rows)
            if closed:  # (after the inserts: a version may begin and end in one page)
                c.executemany(tables.sql(
                    "UPDATE {t} SET known_to = {p} WHERE family_id = {p} AND entity = {p} "
                    "AND known_from = {p}", t=table), closed)
