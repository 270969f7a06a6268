"""Named input rules shared by the commands of a family case."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

PROGRAMME_TZ = ZoneInfo("Europe/Berlin")
PROJECT_CODE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
POSTAL_CODE = re.compile(r"[0-9]{5}")
NAME_MAX = 200
# Unicode's control characters (category Cc, a set the standard never changes): all of
# them, or all but the line breaks and tabs of multi-line text
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
TEXT_MAX = 10_000


def today_in_programme() -> date:
    """The business date where the programmes run (Germany)."""
    return datetime.now(PROGRAMME_TZ).date()


def not_in_future(value: date, today: date, field: str) -> date:
    if value > today:
        raise InvalidInput("date_in_future", f"{field} {value} lies after today ({today})",
                           field=field)
    return value


def text(value: str, field: str, *, max_len: int = NAME_MAX, multiline: bool = False) -> str:
    """A non-blank text without control characters (line breaks only where allowed)."""
    if (CONTROL_IN_LINES if multiline else CONTROL).search(value):
        raise InvalidInput("control_characters", f"{field} contains control characters",
                           field=field)
    value = value.strip()
    if not value:
        raise InvalidInput("blank_text", f"{field} must not be blank", field=field)
    if len(value) > max_len:
        raise InvalidInput("text_too_long", f"{field} is longer than {max_len} characters",
                           field=field)
    return value


def optional_text(value: str | None, field: str, *, max_len: int = TEXT_MAX) -> str | None:
    if value is None or not value.strip():
        return None
    return text(value, field, max_len=max_len, multiline=True)


def staff_id(value: str) -> str:
    return text(value, "recorded_by", max_len=100)


def project_code(value: str) -> str:
    if not PROJECT_CODE.fullmatch(value):
        raise InvalidInput("invalid_project_code",
                           f"project code {value!r} must be 2-10 capital letters or digits, "
                           "starting with a letter", field="project")
    return value


def postal_code(value: str) -> str:
    if not POSTAL_CODE.fullmatch(value):
        raise InvalidInput("invalid_postal_code", "a German postal code has five digits",
                           field="postal_code")
    return value
