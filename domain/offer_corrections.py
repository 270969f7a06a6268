"""Which facts of a recorded session can be corrected, and how.

A correction names one field and its new value; the value travels as canonical JSON
text (what ``SessionCorrected`` stores) and is parsed here, so a bad value is refused
before anything is stored. A held session's date, time, duration, staff, place, topics
and attendance can be corrected; a cancelled one's date and reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date, time
from typing import Any

from pydantic import TypeAdapter, ValidationError

from domain import rules
from domain.errors import InvalidInput
from domain.offer_values import (
    AgeBand,
    CancelReason,
    HeadcountGender,
    Place,
    SessionRecord,
    attendance,
)
from domain.values import Topic

HELD_FIELDS = ("occurred_on", "start_time", "duration_minutes", "staff_present", "place",
               "topics", "attendance")
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
    "place": lambda v: Place(rules.text(v["name"], "value.name"),
                             rules.text(v["district"], "value.district")),
    "topics": lambda v: tuple(Topic(t) for t in _strs(v)),
    "attendance": _attendance,
    "reason": lambda v: CancelReason(v),
}
_ATTRIBUTE = {"occurred_on": "on"}


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1440:
        raise ValueError("a duration is 1 to 1440 minutes")
    return value


def _strs(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v
                                                           for v in value):
        raise ValueError("a non-empty list of texts")
    return value


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
    elif field == "place":
        value = {"name": parsed.name, "district": parsed.district}
    elif isinstance(parsed, tuple):
        value = list(dict.fromkeys(str(v) for v in parsed))
    elif isinstance(parsed, date | time):
        value = parsed.isoformat()
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def corrected(record: SessionRecord, field: str, text: str) -> SessionRecord:
    """``record`` with the correction applied (only assigns: runs on every replay)."""
    parsed = _parse(field, json.loads(text))
    return replace(record, **{_ATTRIBUTE.get(field, field): parsed})
