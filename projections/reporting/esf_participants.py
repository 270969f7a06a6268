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

An erasure changes no figure: once the family's key is gone, the age on the first entry
and the special-category answers of the first entry are read from what the erasure kept
(``domain.kept_facts``) wherever the events read as erased, so the records of every
version (as known at any cut-off, or now, kept event by event or rebuilt) stay as they
were; what the erasure kept nothing of (answers of a re-entry, counted nowhere) reads as
unknown.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from application.keys import FamilyKeys, seal_deterministic, unseal
from domain import events as ev
from domain.corrections import CORRECTABLE, SENSITIVE
from domain.family_case import FamilyCase
from domain.kept_facts import Kept, age_on
from domain.rules import PROGRAMME_TZ
from projections.engine.corrections import Target, corrected_value
from projections.engine.documents import Doc

ENTRY_FIELDS = ("labour_market_status", "unemployed_months", "isced", "disability",
                "citizenship", "foreign_background", "minority", "homeless", "rural")
CORE = ("labour_market_status", "birth_date", "isced", "gender")
"""Core entry data (Art. 17(5)): a participant without all of them is listed, not counted."""


# ----- the fold ------------------------------------------------------------------------
# doc: {"p": project, "m": {member: [gender, sealed birth date, its version]},
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
    """Sealed with the family's key (``Folder``); None once it is erased."""
    since: int | None = None
    """The version of the event that recorded the birth date: the age an erasure kept
    is found by it."""


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

    def __init__(self, keys: FamilyKeys | None,
                 kept: Callable[[UUID], Kept | None] | None = None) -> None:
        self.keys = keys
        self.kept = kept
        """What an erasure kept of a family (``application.kept_facts``), if any."""
        self.known: dict[str, date] = {}
        """Birth dates sealed or opened lately (cleared by the view at each page)."""
        self.kept_known: dict[UUID, Kept | None] = {}
        """Kept facts read lately (cleared with ``known``)."""

    def forget(self) -> None:
        self.known.clear()
        self.kept_known.clear()

    def kept_of(self, family_id: UUID) -> Kept:
        if family_id not in self.kept_known:
            self.kept_known[family_id] = self.kept(family_id) if self.kept else None
        return self.kept_known[family_id] or {}

    def kept_age(self, family_id: UUID, since: int, member: str, entered_on: str) -> int | None:
        """The age on ``entered_on`` an erasure kept for the birth date of ``since``."""
        ages = self.kept_of(family_id).get("ages", {}).get(str(since), {}).get(member, {})
        age = ages.get(entered_on)
        return None if age is None else int(age)

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
        erased: tuple[str, ...] = getattr(e, "erased_fields", ())
        version: int = e.originator_version
        if isinstance(e, FamilyCase.CaseOpened):
            return {"p": e.project, "x": {}, "r": {},
                    "m": {str(m.member_id): [*self._member(
                              family_id, m.member_id, _text(m.gender), m.birth_date, version,
                              f"members.{i}.birth_date" in erased)]
                          for i, m in enumerate(e.members)}}
        if doc is None:
            return None
        if isinstance(e, ev.MemberAdded):
            doc["m"][str(e.member.member_id)] = [*self._member(
                family_id, e.member.member_id, _text(e.member.gender), e.member.birth_date,
                version, "member.birth_date" in erased)]
        elif isinstance(e, ev.MemberDetailsChanged):
            member = MemberFacts(*doc["m"].get(str(e.member_id), (None, None)))
            if e.gender is not None:
                member = member._replace(gender=_text(e.gender))
            if e.birth_date is not None or "birth_date" in erased:
                member = self._member(family_id, e.member_id, member.gender, e.birth_date,
                                      version, "birth_date" in erased)
            doc["m"][str(e.member_id)] = [*member]
        elif isinstance(e, ev.ParticipantEntered):
            stints = doc["x"].setdefault(str(e.member_id), [])
            entry = {f: _text(getattr(e.entry, f)) for f in ENTRY_FIELDS}
            if not stints:  # (the first entry: what its indicators count an erasure kept)
                answers = self.kept_of(family_id).get("answers", {}).get(str(version), {}) \
                    if any(f"entry.{item}" in erased for item in SENSITIVE) else {}
                entry.update((item, answers.get(item)) for item in SENSITIVE
                             if f"entry.{item}" in erased)
            stints.append({"d": e.occurred_on.isoformat(), "v": version,
                           "t": e.timestamp.astimezone(PROGRAMME_TZ).date().isoformat(),
                           "e": entry,
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
            # The birth dates go (the age on entry stays: ``kept_age``), and so do the
            # answers of re-entries, which no indicator counts and the erasure did not keep.
            doc["m"] = {k: [*MemberFacts(*m)._replace(birth=None)] for k, m in doc["m"].items()}
            for stints in doc["x"].values():
                for stint in stints[1:]:
                    for item in SENSITIVE:
                        stint["e"][item] = None
        return doc

    def _member(self, family_id: UUID, member_id: UUID, gender: str | None,
                birth: date | None, version: int, birth_erased: bool) -> MemberFacts:
        """A member's facts after an event that recorded its birth date (or none)."""
        since = version if birth is not None or birth_erased else None
        return MemberFacts(gender, self._seal_birth(family_id, member_id, birth), since)

    def correct(self, doc: Doc, e: Any, target: Target) -> None:
        """Apply the correction ``e`` of ``target`` (an entry or an exit)."""
        entry = target.event == "ParticipantEntered"
        stint = next((s for s in doc["x"].get(target.key or "", ())
                      if (s["v"] if entry else s["lv"]) == target.version), None)
        if stint is None:
            return
        fields = CORRECTABLE[target.event]
        erased: tuple[str, ...] = getattr(e, "erased_fields", ())
        sensitive = list(e.sensitive_changes)
        if entry and stint is doc["x"][target.key or ""][0]:  # (answers an erasure kept)
            for i, change in enumerate(sensitive):
                if f"sensitive_changes.{i}.value" in erased and change.field in SENSITIVE:
                    kept = self.kept_of(e.originator_id).get("corrected", {})
                    sensitive[i] = replace(
                        change, value=kept.get(str(e.originator_version), {}).get(str(i)))
        for change in (*e.changes, *sensitive):
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


def participants_of(folder: Folder, family_id: str, doc: Doc) -> list[Participant]:
    family = UUID(family_id)
    result = []
    for member_id, stints in doc["x"].items():
        if not stints:
            continue
        gender, sealed_birth, since = MemberFacts(*doc["m"].get(member_id, (None, None)))
        first = stints[0]
        birth = folder.birth_date(family, sealed_birth)
        age: int | None = None
        if birth is not None:
            age = age_on(birth, date.fromisoformat(first["d"]))
        elif since is not None:  # erased: the age on entry the erasure kept, if any
            age = folder.kept_age(family, since, member_id, first["d"])
        result.append(Participant(member_id, str(family), doc["p"], gender, age, first["d"],
                                  first["v"], first["e"], tuple(stints)))
    return result
