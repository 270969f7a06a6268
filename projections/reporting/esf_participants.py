"""ESF+ participants folded from a family's events: the document and the records.

A participant is a member with an ESF+ entry (``ParticipantEntered``). The record keeps
what the common indicators need (``../shared/ESF.md``): gender, the characteristics of
the **first** entry (a re-entry keeps them; only exits and results move on), the age on
the first entry date, and each stint (entry, exit, the status on leaving and the later
statuses, the six-month follow-up), each fact with the version of the event that
recorded it, so that every figure can be traced to its events. Corrections
(``EntryCorrected``) reach the entry or exit they correct as in every view (the view's
``fold_and_follow``, ``projections.engine.documents``) and ``Folder.correct`` changes
it, parsed with the domain's own parsers, exactly as ``CaseState`` does. Birth dates are
sealed with the family's key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from application.keys import FamilyKeys, seal_deterministic, unseal
from domain import events as ev
from domain.corrections import CORRECTABLE, SENSITIVE
from domain.family_case import FamilyCase
from domain.rules import PROGRAMME_TZ
from projections.engine.corrections import Target, corrected_value
from projections.engine.documents import Doc

ENTRY_FIELDS = ("labour_market_status", "unemployed_months", "isced", "disability",
                "citizenship", "foreign_background", "minority", "homeless", "rural")
CORE = ("labour_market_status", "birth_date", "isced", "gender")
"""Core entry data (Art. 17(5)): a participant without all of them is listed, not counted."""


# ----- the fold ------------------------------------------------------------------------
# doc: {"p": project, "m": {member: [gender, sealed birth date]},
#       "x": {member: [stint, ...]}, "r": what each entry's and exit's version refers to
#       (the stored form of ``Refs``, projections.engine.corrections)}
# member: MemberFacts (stored as a list), stint (a dict with short keys):
# stint: {"d": entered on, "v": entry version, "t": recorded on (programme time),
#         "e": {entry fields}, "l": left on,
#         "lv": exit version, "s": exit status, "ls": [LeavingStatus, ...],
#         "f": FollowUp | None}  (the named tuples kept as lists: as JSON stores them)


class MemberFacts(NamedTuple):
    gender: str | None
    birth: str | None
    """Sealed with the family's key (``Folder``)."""


class LeavingStatus(NamedTuple):
    """A status after leaving, recorded later (``LeavingStatusRecorded``)."""

    on: str
    status: str
    version: int


class FollowUp(NamedTuple):
    """The situation six months after leaving (``FollowUpRecorded``)."""

    on: str
    status: str
    better: bool | None
    version: int

def _text(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return None if value is None else (value if isinstance(value, bool | int) else str(value))


def _stint_left(doc: Doc, member_id: UUID, exit_version: int | None) -> dict[str, Any] | None:
    """The stint whose exit was recorded at ``exit_version``: the one a result belongs to,
    so that results of an earlier stay recorded after a re-entry stay with it (``None``:
    a result stored before results named their exit, which was the latest stint's)."""
    stints = doc["x"].get(str(member_id))
    if not stints:
        return None
    if exit_version is None:
        last: dict[str, Any] = stints[-1]
        return last
    return next((s for s in stints if s["lv"] == exit_version), None)


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
            doc["m"][str(e.member.member_id)] = [*MemberFacts(
                _text(e.member.gender),
                self._seal_birth(family_id, e.member.member_id, e.member.birth_date))]
        elif isinstance(e, ev.MemberDetailsChanged):
            member = MemberFacts(*doc["m"].get(str(e.member_id), (None, None)))
            if e.gender is not None:
                member = member._replace(gender=_text(e.gender))
            if e.birth_date is not None:
                member = member._replace(
                    birth=self._seal_birth(family_id, e.member_id, e.birth_date))
            doc["m"][str(e.member_id)] = [*member]
        elif isinstance(e, ev.ParticipantEntered):
            stints = doc["x"].setdefault(str(e.member_id), [])
            stints.append({"d": e.occurred_on.isoformat(), "v": e.originator_version,
                           "t": e.timestamp.astimezone(PROGRAMME_TZ).date().isoformat(),
                           "e": {f: _text(getattr(e.entry, f)) for f in ENTRY_FIELDS},
                           "l": None, "lv": None, "s": None, "ls": [], "f": None})
        elif isinstance(e, ev.ParticipantLeft):
            stints = doc["x"].get(str(e.member_id))
            if stints:
                stints[-1].update(l=e.occurred_on.isoformat(), lv=e.originator_version,
                                  s=str(e.status))
        elif isinstance(e, ev.LeavingStatusRecorded):
            stint = _stint_left(doc, e.member_id, e.exit_version)
            if stint is not None:
                stint["ls"].append([*LeavingStatus(e.occurred_on.isoformat(), str(e.status),
                                                   e.originator_version)])
        elif isinstance(e, ev.FollowUpRecorded):
            stint = _stint_left(doc, e.member_id, e.exit_version)
            if stint is not None:
                stint["f"] = [*FollowUp(e.occurred_on.isoformat(), str(e.status),
                                        e.better_situation, e.originator_version)]
        elif isinstance(e, ev.PersonalDataErased):
            doc["m"] = {k: [*MemberFacts(*m)._replace(birth=None)] for k, m in doc["m"].items()}
            for stints in doc["x"].values():
                for stint in stints:
                    for item in SENSITIVE:
                        stint["e"][item] = None
        return doc

    def correct(self, doc: Doc, e: Any, target: Target) -> None:
        """Apply the correction ``e`` of ``target`` (an entry or an exit)."""
        entry = target.event == "ParticipantEntered"
        stint = next((s for s in doc["x"].get(target.key or "", ())
                      if (s["v"] if entry else s["lv"]) == target.version), None)
        if stint is None:
            return
        fields = CORRECTABLE[target.event]
        for change in (*e.changes, *e.sensitive_changes):
            if change.field not in fields:
                continue
            value = _text(corrected_value(target, change))
            if change.field == "occurred_on":
                stint["d" if entry else "l"] = value
            elif entry:
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
        gender, sealed_birth = MemberFacts(*doc["m"].get(member_id, (None, None)))
        first = stints[0]
        birth = folder.birth_date(family, sealed_birth)
        age = age_on(birth, date.fromisoformat(first["d"])) if birth else None
        result.append(Participant(member_id, str(family), doc["p"], gender, age, first["d"],
                                  first["v"], first["e"], tuple(stints)))
    return result
