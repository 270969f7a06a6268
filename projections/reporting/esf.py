"""ESF+ participants: one record per participant, folded from a family's events.

A participant is a member with an ESF+ entry (``ParticipantEntered``). The record keeps
what the common indicators need (``../shared/ESF.md``): gender, the characteristics of
the **first** entry (a re-entry keeps them; only exits and results move on), the age on
the first entry date, and each stint (entry, exit, the status on leaving and the later
statuses, the six-month follow-up), each fact with the version of the event that
recorded it, so that every figure can be traced to its events. Corrections
(``EntryCorrected``) change what they correct, parsed with the domain's own parsers,
exactly as ``CaseState`` does.

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
they read as unknown once that key is destroyed. Everything else of the view is sealed at
rest with a key of the view's own (derived from the master key): the documents and the
rows' records (the entry with its special-category answers, EECO12-EECO16). What stays
readable is what the queries select on: project, dates, gender, completeness, result
codes, and the counters, which hold sums by project, gender and period. An erasure
removes age and special-category answers from every version of the family's rows
(``scrubbed``) and takes them back out of the counters.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, ClassVar
from uuid import UUID

import orjson

from application.cases import FamilyCases
from application.keys import FamilyKeys, seal_deterministic, unseal
from application.sql import Cursor, Tables
from domain import events as ev
from domain.corrections import CORRECTABLE, SENSITIVE
from domain.family_case import FamilyCase
from domain.rules import PROGRAMME_TZ
from projections.engine.documents import Doc, dumps
from projections.reporting.bitemporal import (
    BitemporalView,
    Bundle,
    add_cells,
    known_clause,
    period_index,
)

DOCS = "lotse_esf_docs"
ROWS = "lotse_esf_participants"

ENTRY_FIELDS = ("labour_market_status", "unemployed_months", "isced", "disability",
                "citizenship", "foreign_background", "minority", "homeless", "rural")
CORE = ("labour_market_status", "birth_date", "isced", "gender")
"""Core entry data (Art. 17(5)): a participant without all of them is listed, not counted."""


# ----- the fold ------------------------------------------------------------------------
# doc: {"p": project, "m": {member: [gender, sealed birth date]},
#       "x": {member: [stint, ...]}, "r": {version: [member, stint index, "entry"|"exit"]}}
# stint: {"d": entered on, "v": entry version, "t": recorded on (programme time),
#         "e": {entry fields}, "l": left on,
#         "lv": exit version, "s": exit status, "ls": [[on, status, version], ...],
#         "f": [on, status, better, version] | None}

def _text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else (value if isinstance(value, bool | int) else str(value))


class Folder:
    """Folds a family's ESF+ events into its document; seals birth dates with the
    family's key (``keys``), or keeps them in memory only (``keys`` None: a fold for a
    report at a cut-off, never stored)."""

    def __init__(self, keys: FamilyKeys | None) -> None:
        self.keys = keys
        self.known: dict[str, date] = {}
        """Birth dates sealed or opened lately (cleared by the view at each page)."""

    def _seal_birth(self, family_id: UUID, member_id: UUID, birth: date | None) -> str | None:
        if birth is None:
            return None
        if self.keys is None:
            return birth.isoformat()
        key = self.keys.key_for_writing(family_id)
        sealed = base64.b64encode(seal_deterministic(
            key, birth.isoformat().encode(), family_id.bytes, member_id.bytes)).decode()
        self.known[sealed] = birth
        return sealed

    def birth_date(self, family_id: UUID, stored: str | None) -> date | None:
        if stored is None:
            return None
        if self.keys is None:
            return date.fromisoformat(stored)
        known = self.known.get(stored)
        if known is not None:
            return known
        key = self.keys.key_for_reading(family_id)
        if key is None:  # the family's personal data was erased
            return None
        return date.fromisoformat(unseal(key, base64.b64decode(stored), family_id.bytes).decode())

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        family_id: UUID = e.originator_id
        if isinstance(e, FamilyCase.CaseOpened):
            return {"p": e.project, "x": {}, "r": {},
                    "m": {str(m.member_id): [_text(m.gender),
                                             self._seal_birth(family_id, m.member_id,
                                                              m.birth_date)]
                          for m in e.members}}
        if doc is None:
            return None
        if isinstance(e, ev.MemberAdded):
            doc["m"][str(e.member.member_id)] = [
                _text(e.member.gender),
                self._seal_birth(family_id, e.member.member_id, e.member.birth_date)]
        elif isinstance(e, ev.MemberDetailsChanged):
            member = doc["m"].setdefault(str(e.member_id), [None, None])
            if e.gender is not None:
                member[0] = _text(e.gender)
            if e.birth_date is not None:
                member[1] = self._seal_birth(family_id, e.member_id, e.birth_date)
        elif isinstance(e, ev.ParticipantEntered):
            stints = doc["x"].setdefault(str(e.member_id), [])
            stints.append({"d": e.occurred_on.isoformat(), "v": e.originator_version,
                           "t": e.timestamp.astimezone(PROGRAMME_TZ).date().isoformat(),
                           "e": {f: _text(getattr(e.entry, f)) for f in ENTRY_FIELDS},
                           "l": None, "lv": None, "s": None, "ls": [], "f": None})
            doc["r"][str(e.originator_version)] = [str(e.member_id), len(stints) - 1, "entry"]
        elif isinstance(e, ev.ParticipantLeft):
            stints = doc["x"].get(str(e.member_id))
            if stints:
                stints[-1].update(l=e.occurred_on.isoformat(), lv=e.originator_version,
                                  s=str(e.status))
                doc["r"][str(e.originator_version)] = [str(e.member_id), len(stints) - 1,
                                                       "exit"]
        elif isinstance(e, ev.LeavingStatusRecorded):
            stints = doc["x"].get(str(e.member_id))
            if stints:
                stints[-1]["ls"].append([e.occurred_on.isoformat(), str(e.status),
                                         e.originator_version])
        elif isinstance(e, ev.FollowUpRecorded):
            stints = doc["x"].get(str(e.member_id))
            if stints:
                stints[-1]["f"] = [e.occurred_on.isoformat(), str(e.status),
                                   e.better_situation, e.originator_version]
        elif isinstance(e, ev.EntryCorrected):
            self._correct(doc, e)
        elif isinstance(e, ev.PersonalDataErased):
            for member in doc["m"].values():
                member[1] = None
            for stints in doc["x"].values():
                for stint in stints:
                    for item in SENSITIVE:
                        stint["e"][item] = None
        return doc

    def _correct(self, doc: Doc, e: Any) -> None:
        target = doc["r"].get(str(e.corrected_version))
        if target is None:
            return
        member, index, kind = target
        stint = doc["x"][member][index]
        event = "ParticipantEntered" if kind == "entry" else "ParticipantLeft"
        for change in (*e.changes, *e.sensitive_changes):
            parser = CORRECTABLE[event].get(change.field)
            if parser is None:
                continue
            value = _text(parser(change.value) if change.value is not None else None)
            if change.field == "occurred_on":
                stint["d" if kind == "entry" else "l"] = value
            elif kind == "entry":
                stint["e"][change.field] = value
            else:
                stint["s"] = value


# ----- participant records -------------------------------------------------------------

@dataclass(slots=True)
class Participant:
    """What the report counts of one participant (pseudonymous)."""

    participant_id: str
    family_id: str
    project: str
    gender: str | None
    age: int | None
    entered_on: str
    entry_version: int
    entry: dict[str, Any]
    stints: tuple[dict[str, Any], ...]

    @property
    def missing(self) -> list[str]:
        """Core data not recorded (the participant is listed, not counted)."""
        entry, missing = self.entry, []  # (in the order of CORE)
        if entry.get("labour_market_status") is None:
            missing.append("labour_market_status")
        if self.age is None:
            missing.append("birth_date")
        if entry.get("isced") is None:
            missing.append("isced")
        if self.gender is None:
            missing.append("gender")
        return missing

    def record(self) -> dict[str, Any]:
        return {"g": self.gender, "a": self.age, "d": self.entered_on,
                "v": self.entry_version, "e": self.entry, "s": list(self.stints)}

    @classmethod
    def from_record(cls, family_id: str, participant_id: str, project: str,
                    record: dict[str, Any]) -> Participant:
        return cls(participant_id, family_id, project, record["g"], record["a"], record["d"],
                   record["v"], record["e"], tuple(record["s"]))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def participants_of(folder: Folder, family_id: str, doc: Doc) -> list[Participant]:
    family = UUID(family_id)
    result = []
    for member_id, stints in doc["x"].items():
        if not stints:
            continue
        gender, sealed_birth = doc["m"].get(member_id, [None, None])
        first = stints[0]
        birth = folder.birth_date(family, sealed_birth)
        age = age_on(birth, date.fromisoformat(first["d"])) if birth else None
        result.append(Participant(member_id, str(family), doc["p"], gender, age, first["d"],
                                  first["v"], first["e"], tuple(stints)))
    return result


# ----- the counting rules (ESF.md) -----------------------------------------------------

GENDERS = ("female", "male", "non_binary")
OUTPUTS = tuple(f"EECO{n:02d}" for n in range(1, 18))
RESULTS = tuple(f"EECR{n:02d}" for n in range(1, 7))
UNKNOWN_ITEMS = {"EECO12": "disability", "EECO14": "foreign_background",
                 "EECO15": "minority", "EECO16": "homeless"}
"""Special-category items: "declined" or not recorded is reported as unknown."""
WINDOW = timedelta(days=28)
"""The status on leaving is the latest recorded within this after the exit date."""
LATE = timedelta(days=28)
"""An entry recorded later than this after its date is a finding (and makes "as known
at the cut-off" differ from "now" for whoever reported in between)."""
RESULT_OF_STATUS = {"job_searching": "EECR01", "in_education_or_training": "EECR02",
                    "gained_qualification": "EECR03", "employed": "EECR04",
                    "self_employed": "EECR04"}


def outputs(p: Participant) -> list[str]:
    """The output indicators a counted participant (all core data) counts in."""
    e = p.entry
    codes = ["EECO01"]
    status = e["labour_market_status"]
    if status == "unemployed":
        codes.append("EECO02")
        if e.get("unemployed_months") is not None and int(e["unemployed_months"]) >= 12:
            codes.append("EECO03")
    elif status == "inactive":
        codes.append("EECO04")
    else:  # employed, self_employed
        codes.append("EECO05")
    age = p.age if p.age is not None else -1
    if age < 18:
        codes.append("EECO06")
    elif age <= 29:
        codes.append("EECO07")
    elif age >= 55:
        codes.append("EECO08")
    codes.append({"isced_0_2": "EECO09", "isced_3_4": "EECO10",
                  "isced_5_8": "EECO11"}[e["isced"]])
    if e.get("disability") == "yes":
        codes.append("EECO12")
    if e.get("citizenship") in ("third_country", "stateless"):
        codes.append("EECO13")
    if e.get("foreign_background") == "yes":
        codes.append("EECO14")
    if e.get("minority") == "yes":
        codes.append("EECO15")
    if e.get("homeless") == "yes":
        codes.append("EECO16")
    if e.get("rural") is True:
        codes.append("EECO17")
    return codes


def unknowns(p: Participant) -> list[str]:
    """The special-category indicators whose answer is unknown (declined, not recorded)."""
    return [code for code, item in UNKNOWN_ITEMS.items()
            if p.entry.get(item) in (None, "declined")]


def results(p: Participant, cutoff: date) -> list[tuple[str, tuple[int, ...]]]:
    """Result codes at ``cutoff`` with the versions behind each: the status on leaving
    of the last stint begun by the cut-off (the latest recorded within 28 days after the
    exit and by the cut-off) and its six-month follow-up."""
    day = cutoff.isoformat()
    begun = [s for s in p.stints if s["d"] <= day]
    if not begun:
        return []
    stint = begun[-1]
    found: list[tuple[str, tuple[int, ...]]] = []
    if stint["l"] is not None and stint["l"] <= day:
        left = date.fromisoformat(stint["l"])
        until = min(left + WINDOW, cutoff).isoformat()
        statuses = [(stint["l"], stint["lv"], stint["s"])]
        statuses += [(on, version, status) for on, status, version in stint["ls"]
                     if stint["l"] <= on <= until]
        _, version, status = max(statuses, key=lambda s: (s[0], s[1]))
        code = RESULT_OF_STATUS.get(status)
        if code is not None:
            found.append((code, (stint["v"], stint["lv"], version)))
    follow_up = stint["f"]
    if follow_up is not None and follow_up[0] <= day:
        _, status, better, version = follow_up
        if status in ("employed", "self_employed"):
            found.append(("EECR05", (stint["v"], version)))
        if better and p.entry["labour_market_status"] in ("employed", "self_employed"):
            found.append(("EECR06", (stint["v"], version)))
    return found


def result_spans(p: Participant) -> list[tuple[str, str, str | None]]:
    """(code, first cut-off day it counts on, first day it no longer counts or None):
    ``results`` as a function of the cut-off day. Every comparison in it is "a date of
    the record <= the cut-off", so it can only change on such a date: evaluated there,
    it is known for every cut-off."""
    days: set[str] = set()
    for stint in p.stints:
        days.update(d for d in (stint["d"], stint["l"]) if d is not None)
        days.update(on for on, _, _ in stint["ls"])
        if stint["f"] is not None:
            days.add(stint["f"][0])
    spans: list[tuple[str, str, str | None]] = []
    open_since: dict[str, str] = {}
    for day in sorted(days):
        counted = {code for code, _ in results(p, date.fromisoformat(day))}
        for code in [c for c in open_since if c not in counted]:
            spans.append((code, open_since.pop(code), day))
        for code in counted:
            open_since.setdefault(code, day)
    spans.extend((code, since, None) for code, since in open_since.items())
    return sorted(spans)


def _bits(codes: Iterable[str], order: Sequence[str]) -> int:
    return sum(1 << order.index(code) for code in codes)


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
                    COUNTED: [(_bits(outputs(p), OUTPUTS) if complete else 0,
                               _bits(unknowns(p), tuple(UNKNOWN_ITEMS)) if complete else 0)]}
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
    """A participant record after the family's personal data was erased: no age (the
    birth date is unknown), no special-category answers."""
    record = {**record, "a": None, "e": {**record["e"], **dict.fromkeys(SENSITIVE)}}
    record["s"] = [{**s, "e": {**s["e"], **dict.fromkeys(SENSITIVE)}} for s in record["s"]]
    return record


class EsfParticipants(BitemporalView):
    """One row per participant and version (``BitemporalView``), with the spans of its
    results and its stints: every indicator of a report is a SQL aggregate over them,
    as known now or as it could be known at the cut-off."""

    name = "esf_participants"
    schema_version = 3
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

    def __init__(self) -> None:
        self.folder = Folder(None)
        self.key: bytes | None = None
        """The key the rows' records and the documents are sealed with at rest."""

    def attach(self, cases: FamilyCases) -> None:
        self.folder = Folder(cases.keys)
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

    def create_more(self, c: Cursor, tables: Tables) -> None:
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
        self.folder.known.clear()
        super().apply(c, tables, events)
        erased = sorted({e.originator_id.hex for e in events
                         if isinstance(e, ev.PersonalDataErased)})
        if erased:
            self._scrub_earlier_versions(c, tables, erased)

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        return self.folder.fold(doc, e)

    def _scrub_earlier_versions(self, c: Cursor, tables: Tables, families: list[str]) -> None:
        """Erasure reaches the versions known before it too: what a report at an earlier
        cut-off shows of the family is then what its events show, with the key gone."""
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


def events_recorded_after(cases: FamilyCases, family_ids: Iterable[str],
                          moment: datetime) -> dict[str, list[tuple[int, str]]]:
    """Per family (dashed id), the events recorded after ``moment``: (version, type)."""
    later: dict[str, list[tuple[int, str]]] = {}
    for family_id in family_ids:
        family = UUID(family_id)
        for event in cases.events.get(family):
            if event.timestamp > moment:  # type: ignore[attr-defined]
                later.setdefault(str(family), []).append(
                    (event.originator_version, type(event).__name__))
    return later


def end_of_day(day: date) -> datetime:
    """The moment a cut-off day ends, in programme time."""
    return datetime.combine(day, dtime.max, tzinfo=PROGRAMME_TZ)


def participants_as_recorded_by(cases: FamilyCases, family_ids: Iterable[str],
                                recorded_by: datetime) -> tuple[list[Participant],
                                                                dict[str, list[tuple[int, str]]]]:
    """The participants of ``family_ids`` as the events recorded by ``recorded_by`` show
    them (the same fold, in memory), and per family the events recorded after it
    (version, event type): what makes "now" differ from "as known at the cut-off"."""
    folder = Folder(None)
    kinds = EsfParticipants.events
    result: list[Participant] = []
    later: dict[str, list[tuple[int, str]]] = {}
    for family_id in family_ids:
        doc: Doc | None = None
        for event in cases.events.get(UUID(family_id)):
            if event.timestamp > recorded_by:  # type: ignore[attr-defined]
                later.setdefault(str(UUID(family_id)), []).append(
                    (event.originator_version, type(event).__name__))
                continue
            if isinstance(event, kinds):
                doc = folder.fold(doc, event)
        if doc is not None:
            result.extend(participants_of(folder, family_id, doc))
    return result, later


def participants_now(cases: FamilyCases, family_ids: Sequence[str]) -> list[Participant]:
    """The participants folded from every event of ``family_ids`` (tests, checks)."""
    return participants_as_recorded_by(cases, family_ids, datetime.max.replace(
        tzinfo=PROGRAMME_TZ))[0]
