"""Which facts of a recorded session can be corrected, and how.

A correction names one field and its new value; the value travels as canonical JSON
text (what ``SessionCorrected`` stores) and is parsed here, so a bad value is refused
before anything is stored. A held session's date, time, duration, staff, place, topics,
attendance, partners, outcomes and named attendees can be corrected; a cancelled one's
date and reason. Whether a place or partner is one of the project's, and a named
attendee a member of one of its families, the command checks (it knows the directory
and the cases); the rules within the session (attendees within the headcount) the offer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter, ValidationError

from domain import rules
from domain.errors import InvalidInput
from domain.offer_values import (
    AgeBand,
    Attendee,
    CancelReason,
    HeadcountGender,
    NetworkOutcome,
    SessionRecord,
    attendance,
)
from domain.values import Topic

HELD_FIELDS = ("occurred_on", "start_time", "duration_minutes", "staff_present", "place_id",
               "topics", "attendance", "partner_ids", "outcomes", "attendees")
CANCELLED_FIELDS = ("occurred_on", "reason")

_COUNTS = TypeAdapter(dict[HeadcountGender, dict[AgeBand, int]])


def _attendance(value: Any) -> Any:
    if not isinstance(value, dict) or set(value) - {"counts", "first_time"}:
        raise ValueError("attendance is {counts, first_time}")
    try:
        counts = _COUNTS.validate_python(value.get("counts", {}), strict=False)
    except ValidationError:
        raise ValueError("counts are gender → age band → number") from None
    return attendance(counts, value.get("first_time", 0), "value")


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "occurred_on": lambda v: date.fromisoformat(v),
    "start_time": lambda v: time.fromisoformat(v),
    "duration_minutes": lambda v: _int(v),
    "staff_present": lambda v: tuple(rules.text(s, "value", max_len=100) for s in _strs(v)),
    "place_id": lambda v: UUID(v),
    "partner_ids": lambda v: tuple(dict.fromkeys(UUID(p) for p in _strs(v, empty=True))),
    "outcomes": lambda v: tuple(dict.fromkeys(NetworkOutcome(o)
                                              for o in _strs(v, empty=True))),
    "attendees": lambda v: _attendees(v),
    "topics": lambda v: tuple(Topic(t) for t in _strs(v)),
    "attendance": _attendance,
    "reason": lambda v: CancelReason(v),
}
_ATTRIBUTE = {"occurred_on": "on"}


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1440:
        raise ValueError("a duration is 1 to 1440 minutes")
    return value


def _strs(value: Any, *, empty: bool = False) -> list[str]:
    if not isinstance(value, list) or not (value or empty) or not all(
            isinstance(v, str) and v for v in value):
        raise ValueError("a list of texts" if empty else "a non-empty list of texts")
    return value


def _attendees(value: Any) -> tuple[Attendee, ...]:
    if not isinstance(value, list) or not all(
            isinstance(v, dict) and set(v) == {"family_id", "member_id"} for v in value):
        raise ValueError("a list of {family_id, member_id}")
    return tuple(sorted({Attendee(UUID(v["family_id"]), UUID(v["member_id"]))
                         for v in value}))


def _parse(field: str, value: Any) -> Any:
    try:
        return _PARSERS[field](value)
    except InvalidInput:
        raise
    except (ValueError, TypeError, KeyError) as e:
        raise InvalidInput("invalid_value", f"not a valid {field}: {e}",
                           field="value") from None


def parse_session_change(record: SessionRecord, field: str, value: Any) -> str:
    """The change as canonical JSON text, or ``InvalidInput``."""
    allowed = HELD_FIELDS if record.held else CANCELLED_FIELDS
    if field not in allowed:
        raise InvalidInput("not_correctable", f"a {'held' if record.held else 'cancelled'} "
                           f"session's correctable fields are {', '.join(allowed)}",
                           field="field")
    parsed = _parse(field, value)
    if field == "attendance":
        value = {"counts": {g.value: {b.value: n for b, n in bands.items()}
                            for g, bands in parsed.counts.items()},
                 "first_time": parsed.first_time}
    elif field == "attendees":
        value = [{"family_id": str(a.family_id), "member_id": str(a.member_id)}
                 for a in parsed]
    elif isinstance(parsed, UUID):
        value = str(parsed)
    elif isinstance(parsed, tuple):
        value = list(dict.fromkeys(str(v) for v in parsed))
    elif isinstance(parsed, date | time):
        value = parsed.isoformat()
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def corrected(record: SessionRecord, field: str, text: str) -> SessionRecord:
    """``record`` with the correction applied (only assigns: runs on every replay)."""
    parsed = _parse(field, json.loads(text))
    return replace(record, **{_ATTRIBUTE.get(field, field): parsed})
