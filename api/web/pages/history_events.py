"""A family's events as the Verlauf page shows them: German names, both timelines, the
recorder by name, the facts in words (members by name, codes as labels, no ids), and
each correction tied to the entry it corrects.

The German words are the subject access document's (``application/subject_access_words``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from api.web import formats
from api.web.i18n import Texts
from application.subject_access_html import word
from application.subject_access_words import EVENTS, KEYS
from application.views import HistoryEntry
from domain.rules import PROGRAMME_TZ

EVENT_NAMES = {**EVENTS, "ErasureRequested": "Löschung beantragt (Verarbeitung eingeschränkt)"}
LABELS = {**KEYS, "occurred_on": "Datum", "member": "Mitglied", "exit_version":
          "Austritt erfasst mit Version", "field": "Feld", "value": "neuer Wert",
          "member_id": "Person", "member_ids": "Personen"}
HIDDEN = frozenset({"family_id", "consultation_id", "goal_id", "referral_id", "project",
                    "case_number",
                    "corrected_version", "changes", "sensitive_changes", "reason"})
"""Facts not listed as such: internal references, and what a correction shows apart."""
MEMBER_KEYS = frozenset({"member_id", "member_ids", "members_present"})
STAFF_KEYS = frozenset({"case_manager", "previous_case_manager"})
LATE_DAYS = 7
"""Recorded this many days or more after the day it happened: marked as recorded late."""


@dataclass
class EventRow:
    version: int
    name: str
    occurred_on: date
    recorded_at: datetime
    recorder: str
    details: list[tuple[str, str]]
    late_days: int | None
    corrects: int | None = None
    corrects_name: str | None = None
    changes: list[tuple[str, str]] = field(default_factory=list)
    reason: str | None = None
    corrected_by: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Words:
    """What turns ids into names for one page: staff and the family's members."""

    texts: Texts
    staff: dict[str, str | None]
    members: dict[str, str]

    def recorder(self, recorded_by: str) -> str:
        if recorded_by == "demo":
            return self.texts("history.recorder.demo")
        if recorded_by.startswith("cli:"):
            return self.texts("history.recorder.cli", user=recorded_by[4:])
        if recorded_by in self.staff:
            return self.staff[recorded_by] or self.texts("history.recorder.unnamed")
        return self.texts("history.recorder.unknown")

    def value(self, key: str, value: Any) -> str:
        t = self.texts
        if value is None or value == [] or value == {}:
            return formats.DASH
        if isinstance(value, bool):
            return t("history.yes") if value else t("history.no")
        if isinstance(value, int | float):
            return formats.number(value, t.language)
        if isinstance(value, dict):
            return "; ".join(f"{LABELS.get(k, k)}: {self.value(k, v)}"
                             for k, v in value.items() if k not in HIDDEN | MEMBER_KEYS)
        if isinstance(value, list | tuple):
            return ", ".join(self.value(key, v) for v in value) or formats.DASH
        text = str(value)
        if key in MEMBER_KEYS:
            return self.members.get(text, t("history.member_unknown"))
        if key in STAFF_KEYS:
            return self.recorder(text)
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                return formats.day(date.fromisoformat(text), t.language)
            except ValueError:
                return text
        return word(key, text)

    def member_named(self, member: dict[str, Any]) -> str:
        name = " ".join(p for p in (member.get("given_name"), member.get("family_name")) if p)
        role = member.get("role")
        label = name or self.texts("history.erased")
        return f"{label} ({word('role', role)})" if role else label


def typed_day(text: str) -> date:
    """A day as a date field sends it (2026-06-30) or as typed (30.06.2026); ValueError
    if it is neither."""
    found = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
    if found:
        return date(int(found[3]), int(found[2]), int(found[1]))
    return date.fromisoformat(text)


def rows_of(entries: list[HistoryEntry], words: Words) -> list[EventRow]:
    """Every entry, oldest recorded first; corrections point both ways."""
    rows = [_row(e, words) for e in entries]
    by_version = {r.version: r for r in rows}
    for r in rows:
        if r.corrects is not None and r.corrects in by_version:
            by_version[r.corrects].corrected_by.append(r.version)
            r.corrects_name = by_version[r.corrects].name
    return rows


def _row(e: HistoryEntry, words: Words) -> EventRow:
    erased = set(e.erased_fields)
    details = []
    for key, value in e.facts.items():
        if key in HIDDEN or key not in LABELS:
            continue
        if key in erased:
            text = words.texts("history.erased")
        elif key in ("members", "member"):
            listed = value if isinstance(value, list) else [value]
            text = ", ".join(words.member_named(m) for m in listed if isinstance(m, dict))
        else:
            text = words.value(key, value)
        if text != formats.DASH:
            details.append((LABELS[key], text))
    recorded_day = e.recorded_at.astimezone(PROGRAMME_TZ).date()
    late = (recorded_day - e.occurred_on).days
    row = EventRow(e.version, EVENT_NAMES.get(e.event, e.event), e.occurred_on, e.recorded_at,
                   words.recorder(e.recorded_by), details,
                   late if late >= LATE_DAYS else None)
    if e.event == "EntryCorrected":
        row.corrects = int(e.facts["corrected_version"])
        changed = [*e.facts.get("changes", []), *e.facts.get("sensitive_changes", [])]
        row.changes = [
            (LABELS.get(c["field"]) or words.texts("history.field"),
             words.texts("history.erased") if "sensitive_changes" in erased
             and c in e.facts.get("sensitive_changes", []) else words.value(c["field"], c["value"]))
            for c in changed if isinstance(c, dict)]
        reason = e.facts.get("reason")
        row.reason = words.texts("history.erased") if "reason" in erased else reason
    elif isinstance(e.facts.get("reason"), str):
        details.append((LABELS["reason"], words.value("reason", e.facts["reason"])))
    return row
