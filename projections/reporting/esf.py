"""The ESF+ participants view: one record per participant and version.

Participants are folded from a family's events by ``esf_participants`` (what a record
keeps) and counted by the rules of ``esf_rules``; a replay of the events recorded by a
day, which the tests compare the view with, is in ``esf_replay``.

The view is bitemporal (``projections.reporting.bitemporal``): each participant row is a version,
known from the day its events were recorded until a later event changed it. A report "as
known now" reads the current versions, one "as it could be known at the cut-off" the
versions known at the end of the cut-off day: what a replay of the events recorded by
then shows (``participants_as_recorded_by``, which the tests compare it with). Beside the
rows, counters by reporting period (``lotse_esf_counts``) hold what every version counts
in, so that a report's figures are sums of a few hundred cells however many participants
there are; the result spans (``lotse_esf_results``) and stints (``lotse_esf_stints``)
carry what the results and the plausibility checks need per cut-off.

Personal data: birth dates are sealed with the family's key in the family's document, so
they read as unknown once that key is destroyed; the records keep the age on entry, which
an erasure keeps too (``domain.kept_facts``). Everything else of the view is sealed at
rest with a key of the view's own (derived from the master key): the documents and the
rows' records (the entry with its special-category answers, EECO12-EECO16). What stays
readable is what the queries select on: project, dates, gender, completeness, result
codes, and the counters, which hold sums by project, gender and period. An erasure
changes no figure of any period: every version keeps the age on entry and the answers of
the first entry, which the indicators count; it removes from every version of the
family's rows the special-category answers of re-entries (``scrubbed``), which count
nowhere and which the erasure did not keep.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

import orjson

from application.cases import FamilyCases
from application.keys import seal_deterministic, unseal
from application.sql import Cursor, Tables
from domain import events as ev
from domain.corrections import SENSITIVE
from domain.family_case import FamilyCase
from projections.engine.corrections import Refs, Target
from projections.engine.documents import Doc, dumps
from projections.reporting.bitemporal import (
    BitemporalView,
    Bundle,
    add_cells,
    known_clause,
    period_index,
)
from projections.reporting.esf_participants import Folder, Participant, participants_of
from projections.reporting.esf_rules import (
    LATE,
    OUTPUTS,
    UNKNOWN_ITEMS,
    WINDOW,
    bit_mask,
    outputs,
    result_spans,
    unknowns,
)

DOCS = "lotse_esf_docs"
ROWS = "lotse_esf_participants"

# ----- the view ------------------------------------------------------------------------

RESULT_ROWS = "lotse_esf_results"
STINT_ROWS = "lotse_esf_stints"
COUNTS = "lotse_esf_counts"
COUNTED = "counted"
"""The bundle's (outputs, unknowns) bit masks: what ``cells`` counts, never stored."""
INCOMPLETE = "incomplete"
"""The counter of participants without all core data (gender '')."""


def unknown_code(code: str) -> str:
    """The counter of the participants whose answer to ``code``'s item is unknown."""
    return f"{code}?"


def bundle_of(p: Participant) -> Bundle:
    """The rows of one participant (one version): the participant (its record sealed
    when stored), what it counts in as bit masks (``COUNTED``, not stored: bit i for
    OUTPUTS[i], none when incomplete; bit i for the i-th UNKNOWN_ITEMS), the spans of
    its results, its stints with what the plausibility checks need."""
    missing = p.missing
    complete = not missing
    rows: Bundle = {ROWS: [(p.project, p.entered_on, p.gender, int(complete),
                            " ".join(missing), dumps(p.record()))],
                    COUNTED: [(bit_mask(outputs(p), OUTPUTS) if complete else 0,
                               bit_mask(unknowns(p), tuple(UNKNOWN_ITEMS)) if complete else 0)]}
    rows[RESULT_ROWS] = [(p.project, code, p.gender, since, until)
                         for code, since, until in result_spans(p)] if complete else []
    stints = []
    for i, stint in enumerate(p.stints):
        entered, left, recorded = stint["d"], stint["l"], stint.get("t")
        late = recorded is not None and (date.fromisoformat(recorded)
                                         - date.fromisoformat(entered)) > LATE
        window_end = (date.fromisoformat(left) + WINDOW).isoformat() if left else None
        no_status = (left is not None and stint["s"] == "none_of_these"
                     and not any(on <= str(window_end) for on, _, _ in stint["ls"]))
        stints.append((p.project, i, entered, recorded if late else None, left, window_end,
                       int(no_status)))
    rows[STINT_ROWS] = stints
    return rows


def scrubbed(record: dict[str, Any]) -> dict[str, Any]:
    """A participant record after the family's personal data was erased: the age on entry
    and the first entry's answers stay (what the indicators count, and what the erasure
    kept: ``domain.kept_facts``), the special-category answers of re-entries go."""
    return {**record, "s": [*record["s"][:1], *({**s, "e": {**s["e"], **dict.fromkeys(
        SENSITIVE)}} for s in record["s"][1:])]}


class EsfParticipants(BitemporalView):
    """One row per participant and version (``BitemporalView``), with the spans of its
    results and its stints: every indicator of a report is a SQL aggregate over them,
    as known now or as it could be known at the cut-off."""

    name = "esf_participants"
    schema_version = 5  # (5: the version of a birth date in the document, ages kept on
    #                        erasure; 4: corrections' targets kept as every view keeps them)
    table_names = (ROWS, RESULT_ROWS, STINT_ROWS, COUNTS, DOCS)
    docs_table = DOCS
    counters = (COUNTS, ("project TEXT NOT NULL", "code TEXT NOT NULL",
                         "gender TEXT NOT NULL", "valid_period INTEGER NOT NULL"))
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        ROWS: ("project TEXT NOT NULL", "entered_on TEXT NOT NULL", "gender TEXT",
               "complete INTEGER NOT NULL", "missing TEXT NOT NULL", "record TEXT NOT NULL"),
        RESULT_ROWS: ("project TEXT NOT NULL", "code TEXT NOT NULL", "gender TEXT NOT NULL",
                      "valid_from TEXT NOT NULL", "valid_to TEXT"),
        STINT_ROWS: ("project TEXT NOT NULL", "stint INTEGER NOT NULL",
                     "entered_on TEXT NOT NULL", "late_recorded_on TEXT", "left_on TEXT",
                     "window_end TEXT", "no_status INTEGER NOT NULL"),
    }
    extra_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        RESULT_ROWS: ("code", "valid_from"), STINT_ROWS: ("stint",)}
    events = (FamilyCase.CaseOpened, ev.MemberAdded, ev.MemberDetailsChanged,
              ev.ParticipantEntered, ev.ParticipantLeft, ev.LeavingStatusRecorded,
              ev.FollowUpRecorded, ev.EntryCorrected, ev.PersonalDataErased)
    personal_events = (FamilyCase.CaseOpened, ev.MemberAdded, ev.MemberDetailsChanged,
                       ev.ParticipantEntered, ev.EntryCorrected)
    personal_items = frozenset({"birth_date", *SENSITIVE, "value"})  # (value: a correction's)
    corrects = frozenset({"ParticipantEntered", "ParticipantLeft"})

    def __init__(self) -> None:
        self.folder = Folder(None)
        self.key: bytes | None = None
        """The key the rows' records and the documents are sealed with at rest."""

    def attach(self, cases: FamilyCases) -> None:
        self.folder = Folder(cases.keys, cases.kept_facts.get)
        self.key = cases.keys.derived_key(f"view:{self.name}")

    def _sealing_key(self) -> bytes:
        if self.key is None:
            raise RuntimeError("the ESF+ view is used before it is attached to the cases")
        return self.key

    def _seal(self, text: str, aad: bytes) -> str:
        key = self._sealing_key()
        return base64.b64encode(seal_deterministic(key, text.encode(), aad, b"")).decode()

    def _unseal(self, text: str, aad: bytes) -> str:
        return unseal(self._sealing_key(), base64.b64decode(text), aad).decode()

    def encode_doc(self, family_id: str, doc: Doc) -> str:
        return self._seal(dumps(doc), b"esf-doc|" + family_id.encode())

    def decode_doc(self, family_id: str, text: str) -> Doc:
        loaded: Doc = orjson.loads(self._unseal(text, b"esf-doc|" + family_id.encode()))
        return loaded

    def seal_row(self, base: str, family_id: str, entity: str, known_from: str,
                 row: tuple[Any, ...]) -> tuple[Any, ...]:
        if base != ROWS:
            return row
        return (*row[:-1], self._seal(row[-1], _row_aad(family_id, entity, known_from)))

    def open_record(self, family_id: str, entity: str, known_from: str,
                    sealed: str) -> dict[str, Any]:
        """A stored participant record, unsealed."""
        record: dict[str, Any] = orjson.loads(
            self._unseal(sealed, _row_aad(family_id, entity, known_from)))
        return record

    def create_indexes(self, c: Cursor, tables: Tables) -> None:
        for base, index, columns in (
                (ROWS, "lotse_esf_project", "project, complete, entered_on"),
                # (the counts of a rule's findings read these indexes only)
                (STINT_ROWS, "lotse_esf_late",
                 "project, late_recorded_on, entered_on, known_from, known_to"),
                (STINT_ROWS, "lotse_esf_window",
                 "project, window_end, left_on, entered_on, known_from, known_to"),
                (STINT_ROWS, "lotse_esf_no_status",
                 "project, no_status, window_end, entered_on, known_from, known_to")):
            c.execute(tables.sql(f"CREATE INDEX IF NOT EXISTS {self.t(index)} "
                                 f"ON {{r}} ({columns})", r=self.t(base)))

    def cells(self, bundle: Bundle) -> list[list[Any]]:
        """What a participant version counts in, by reporting period: each output (or
        unknown answer) from the period of the entry; each result from the period its
        span begins in (+1) to the period it ends in (-1); incomplete records apart."""
        cells: dict[tuple[str, str, str, int], int] = {}

        def add(project: str, code: str, gender: str, day: str, n: int) -> None:
            key = (project, code, gender, period_index(day))
            cells[key] = cells.get(key, 0) + n

        project, entered, gender, complete = bundle[ROWS][0][:4]
        outs, unks = bundle[COUNTED][0]
        if not complete:
            add(project, INCOMPLETE, "", entered, 1)
        else:
            for i, code in enumerate(OUTPUTS):
                if outs >> i & 1:
                    add(project, code, gender, entered, 1)
            for i, code in enumerate(UNKNOWN_ITEMS):
                if unks >> i & 1:
                    add(project, unknown_code(code), gender, entered, 1)
        for project, code, gender, since, until in bundle[RESULT_ROWS]:
            add(project, code, gender, since, 1)
            if until is not None:
                add(project, code, gender, until, -1)
        return [[*key, n] for key, n in sorted(cells.items()) if n]

    def entities(self, family_id: str, doc: Doc,
                 only: set[str] | None = None) -> dict[str, Bundle]:
        return {p.participant_id: bundle_of(p)
                for p in participants_of(self.folder, family_id, doc)}

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        self.folder.forget()
        super().apply(c, tables, events)
        erased = sorted({e.originator_id.hex for e in events
                         if isinstance(e, ev.PersonalDataErased)})
        if erased:
            self._scrub_earlier_versions(c, tables, erased)

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        return self.folder.fold(doc, e)

    def refs_of(self, doc: Doc) -> Refs:
        return self.new_refs(doc["r"])  # (kept in place in its stored form)

    def correct(self, doc: Doc, correction: Any, target: Target) -> None:
        self.folder.correct(doc, correction, target)

    def _scrub_earlier_versions(self, c: Cursor, tables: Tables, families: list[str]) -> None:
        """Erasure reaches the versions known before it too (``scrubbed``): what a report
        at an earlier cut-off reads of the family is then what a rebuild reads of its
        events and of what the erasure kept."""
        table = self.t(ROWS)
        for family_id in families:
            rows = c.execute(tables.sql(
                "SELECT entity, known_from, known_to, project, record FROM {r} WHERE "
                "family_id = {p} AND known_to IS NOT NULL", r=table), (family_id,)).fetchall()
            deltas: dict[tuple[Any, ...], int] = {}
            versions: list[tuple[str, str, str, Bundle]] = []
            closed: list[tuple[str, str, str, str]] = []
            for entity, known_from, known_to, project, record in rows:
                old = self.open_record(family_id, str(entity), str(known_from), str(record))
                was, now = (bundle_of(Participant.from_record(_dashed(family_id), str(entity),
                                                              str(project), r))
                            for r in (old, scrubbed(old)))
                for bundle, sign in ((was, -1), (now, 1)):
                    add_cells(deltas, self.cells(bundle), period_index(known_from), sign)
                    add_cells(deltas, self.cells(bundle), period_index(known_to), -sign)
                versions.append((family_id, str(entity), str(known_from), now))
                closed.append((str(known_to), family_id, str(entity), str(known_from)))
            self.store(c, tables, versions, closed, [v[:3] for v in versions])
            self.count(c, tables, deltas)


def read_participants(tables: Tables, view: EsfParticipants, project: str,
                      entered_until: date, known_by: date | None = None) -> list[Participant]:
    """The project's participants who entered by ``entered_until``, as known now or, with
    ``known_by``, as known at the end of that day."""
    known, known_params = known_clause("", known_by)
    rows = tables.fetchall(tables.sql(
        "SELECT family_id, entity, known_from, project, record FROM {r} WHERE project = {p} "
        f"AND entered_on <= {{p}} AND {known}", r=view.t(ROWS)),
        (project, entered_until.isoformat(), *known_params))
    return [Participant.from_record(_dashed(str(f)), str(m), str(p),
                                    view.open_record(str(f), str(m), str(k), str(r)))
            for f, m, k, p, r in rows]


def read_both(tables: Tables, view: EsfParticipants, project: str,
              cutoff: date) -> tuple[list[Participant], list[Participant]]:
    """The participants who entered by ``cutoff`` as known now and as known at the end of
    the cut-off day, read once: a version in both is one object in both lists."""
    day = cutoff.isoformat()
    rows = tables.fetchall(tables.sql(
        "SELECT family_id, entity, known_from, known_to, project, record FROM {r} WHERE "
        "project = {p} AND entered_on <= {p} AND (known_to IS NULL OR (known_from <= {p} "
        "AND known_to > {p}))", r=view.t(ROWS)), (project, day, day, day))
    now, then = [], []
    for f, m, k, until, p, r in rows:
        participant = Participant.from_record(_dashed(str(f)), str(m), str(p),
                                              view.open_record(str(f), str(m), str(k), str(r)))
        if until is None:
            now.append(participant)
        if str(k) <= day:
            then.append(participant)
    return now, then


def _row_aad(family_id: str, entity: str, known_from: str) -> bytes:
    return f"esf-row|{family_id}|{entity}|{known_from}".encode()


def _dashed(family_id: str) -> str:
    """``str(UUID(family_id))``, without making the UUID (50,000 times per report)."""
    h = family_id
    return h if len(h) == 36 else f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def project_families(tables: Tables, view: EsfParticipants, project: str) -> list[str]:
    rows = tables.fetchall(tables.sql("SELECT DISTINCT family_id FROM {r} WHERE project = {p}",
                                      r=view.t(ROWS)), (project,))
    return sorted(str(r[0]) for r in rows)
