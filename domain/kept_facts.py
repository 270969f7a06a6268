"""What an erasure keeps: the facts the figures need, never the personal data behind them.

Destroying a family's key makes its birth dates and special-category answers unreadable,
but the ESF+ indicators of every period were counted with them, and an erasure never
changes a figure of any period (``../shared/ESF.md``: every figure can be derived again).
Before the key goes, the application takes from the family's events exactly what the
indicators count (``kept_for_figures``) and keeps it apart from the events, sealed with a
key of its own (``application.kept_facts``):

- the **age on the first ESF+ entry date** of each participant (EECO06-EECO08, and the
  core data "age" of Art. 17(5)), for each birth date the member had (by the version of
  the event that recorded it) and each date that first entry had (its own and any date a
  correction gave it): what a report as known at any cut-off counted; never a birth date;
- the **special-category answers of each participant's first entry** (EECO12,
  EECO14-EECO16) and of the corrections of them, by version. Later entries count in no
  output indicator: their answers are not kept.

Where a family's events read as erased, the ESF+ view reads these instead
(``projections.reporting.esf_participants``), so a rebuild after the erasure counts what
was counted before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from domain import events as ev
from domain.corrections import CORRECTABLE, SENSITIVE
from domain.family_case import FamilyCase

Kept = dict[str, dict[str, Any]]
"""{"ages": {birth version: {member: {first entry date: age}}},
    "answers": {first entry version: {item: answer}},
    "corrected": {correction version: {index of its sensitive change: value}}}
(versions, indexes and dates as text: the form JSON keeps)."""

SPECIAL = tuple(sorted(SENSITIVE))
"""The special-category items an indicator counts (EECO12, EECO14, EECO15, EECO16)."""


def age_on(birth: date, day: date) -> int:
    """The age in whole years on ``day`` (ESF.md: the age on the entry date)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _answer(value: Any) -> str | None:
    return None if value is None else str(value)


def kept_for_figures(events: Iterable[Any]) -> Kept:
    """What the figures need of a family's events (read with its key, before erasure)."""
    births: dict[int, dict[str, date]] = {}
    first_entry: dict[str, int] = {}
    dates: dict[str, set[str]] = {}
    answers: dict[str, dict[str, str | None]] = {}
    corrections: list[Any] = []
    for e in events:
        version = e.originator_version
        if isinstance(e, FamilyCase.CaseOpened):
            for m in e.members:
                if m.birth_date is not None:
                    births.setdefault(version, {})[str(m.member_id)] = m.birth_date
        elif isinstance(e, ev.MemberAdded):
            if e.member.birth_date is not None:
                births[version] = {str(e.member.member_id): e.member.birth_date}
        elif isinstance(e, ev.MemberDetailsChanged):
            if e.birth_date is not None:
                births[version] = {str(e.member_id): e.birth_date}
        elif isinstance(e, ev.ParticipantEntered):
            member = str(e.member_id)
            if member not in first_entry:
                first_entry[member] = version
                dates[member] = {e.occurred_on.isoformat()}
                answers[str(version)] = {item: _answer(getattr(e.entry, item))
                                         for item in SPECIAL}
        elif isinstance(e, ev.EntryCorrected):
            corrections.append(e)
    of_entry = {version: member for member, version in first_entry.items()}
    parse = CORRECTABLE["ParticipantEntered"]["occurred_on"]
    corrected: dict[str, dict[str, str | None]] = {}
    for e in corrections:
        owner = of_entry.get(e.corrected_version)
        if owner is None:
            continue
        for change in e.changes:
            if change.field == "occurred_on" and change.value is not None:
                dates[owner].add(parse(change.value).isoformat())
        values = {str(i): change.value for i, change in enumerate(e.sensitive_changes)
                  if change.field in SENSITIVE}
        if values:
            corrected[str(e.originator_version)] = values
    ages: dict[str, dict[str, dict[str, int]]] = {}
    for version, members in births.items():
        for member, birth in members.items():
            if member in dates:
                ages.setdefault(str(version), {})[member] = {
                    day: age_on(birth, date.fromisoformat(day)) for day in sorted(dates[member])}
    return {"ages": ages, "answers": answers, "corrected": corrected}
