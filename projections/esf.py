"""ESF+ participants: one record per participant, folded from a family's events.

A participant is a member with an ESF+ entry (``ParticipantEntered``). The record keeps
what the common indicators need (``../shared/ESF.md``): gender, the characteristics of
the **first** entry (a re-entry keeps them; only exits and results move on), the age on
the first entry date, and each stint (entry, exit, the status on leaving and the later
statuses, the six-month follow-up), each fact with the version of the event that
recorded it, so that every figure can be traced to its events. Corrections
(``EntryCorrected``) change what they correct, parsed with the domain's own parsers,
exactly as ``CaseState`` does.

The same fold serves both views of the truth: the view keeps it current from the log
("as known now"), and a report "as it could be known at the cut-off" folds only the
events recorded by then (``participants_as_recorded_by``).

Personal data: the family's document (member birth dates, the special-category entry
items) lives in a table of its own, sealed with the family's key like the events; it
reads as unknown once that key is destroyed. The participant table holds what is
counted, pseudonymously (member and family ids, no names, no birth dates: the age on the
entry date), including the special-category answers the report counts (EECO12-EECO16).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any
from uuid import UUID

import orjson

from application.cases import FamilyCases
from application.keys import FamilyKeys, seal_deterministic, unseal
from application.sql import Cursor, Tables
from domain import events as ev
from domain.corrections import CORRECTABLE, SENSITIVE
from domain.family_case import FamilyCase
from domain.rules import PROGRAMME_TZ
from projections.documents import Doc, FamilyDocView, dumps, upsert

DOCS = "lotse_esf_docs"
ROWS = "lotse_esf_participants"
COLUMNS = ("family_id", "participant_id", "project", "entered_on", "record")

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


class EsfParticipants(FamilyDocView):
    name = "esf_participants"
    table_names = (ROWS, DOCS)
    docs_table = DOCS
    events = (FamilyCase.CaseOpened, ev.MemberAdded, ev.MemberDetailsChanged,
              ev.ParticipantEntered, ev.ParticipantLeft, ev.LeavingStatusRecorded,
              ev.FollowUpRecorded, ev.EntryCorrected, ev.PersonalDataErased)
    personal_events = (FamilyCase.CaseOpened, ev.MemberAdded, ev.MemberDetailsChanged,
                       ev.ParticipantEntered, ev.EntryCorrected)
    personal_items = frozenset({"birth_date", *SENSITIVE, "value"})  # (value: a correction's)

    def __init__(self) -> None:
        self.folder = Folder(None)

    def attach(self, cases: FamilyCases) -> None:
        self.folder = Folder(cases.keys)

    def create(self, c: Cursor, tables: Tables) -> None:
        c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {d} (family_id TEXT PRIMARY KEY, "
                             "doc TEXT NOT NULL)", d=self.t(DOCS)))
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {r} (family_id TEXT NOT NULL, participant_id TEXT "
            "NOT NULL, project TEXT NOT NULL, entered_on TEXT NOT NULL, record TEXT NOT NULL, "
            "PRIMARY KEY (family_id, participant_id))", r=self.t(ROWS)))
        c.execute(tables.sql(f"CREATE INDEX IF NOT EXISTS {self.t('lotse_esf_project')} "
                             "ON {r} (project, entered_on)", r=self.t(ROWS)))

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        self.folder.known.clear()
        super().apply(c, tables, events)

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        return self.folder.fold(doc, e)

    def write(self, c: Cursor, tables: Tables, changed: dict[str, tuple[Any, Doc]]) -> None:
        upsert(c, tables, self.t(DOCS), ("family_id", "doc"), ("family_id",),
               [(family_id, dumps(doc)) for family_id, (_, doc) in changed.items()])
        rows = [(p.family_id, p.participant_id, p.project, p.entered_on, dumps(p.record()))
                for family_id, (_, doc) in changed.items()
                for p in participants_of(self.folder, family_id, doc)]
        upsert(c, tables, self.t(ROWS), COLUMNS, ("family_id", "participant_id"), rows)


def read_participants(tables: Tables, view: EsfParticipants, project: str,
                      entered_until: date) -> list[Participant]:
    """The project's participants who entered by ``entered_until``, as known now."""
    rows = tables.fetchall(tables.sql(
        "SELECT family_id, participant_id, project, record FROM {r} WHERE project = {p} "
        "AND entered_on <= {p}", r=view.t(ROWS)), (project, entered_until.isoformat()))
    return [Participant.from_record(_dashed(str(f)), str(m), str(p), orjson.loads(r))
            for f, m, p, r in rows]


def _dashed(family_id: str) -> str:
    """``str(UUID(family_id))``, without making the UUID (50,000 times per report)."""
    h = family_id
    return h if len(h) == 36 else f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def project_families(tables: Tables, view: EsfParticipants, project: str) -> list[str]:
    rows = tables.fetchall(tables.sql("SELECT DISTINCT family_id FROM {r} WHERE project = {p}",
                                      r=view.t(ROWS)), (project,))
    return sorted(str(r[0]) for r in rows)


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
