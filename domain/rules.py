"""Named input rules shared by the commands of a family case."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
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
LEAVING_STATUS_DAYS = 28
"""A status on leaving describes the situation within this many days after the exit
(ESF.md): one dated later never counts."""
FOLLOW_UP_MONTHS = 6
"""The follow-up describes the situation this many calendar months after the exit."""


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


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar ``months``, clamped to the end of a shorter month
    (31 August + 6 months = 28 February, or 29 in a leap year)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_follow_up(left_on: date) -> date:
    """The earliest date of the six-month follow-up of an exit on ``left_on``."""
    return add_months(left_on, FOLLOW_UP_MONTHS)


def last_leaving_status(left_on: date) -> date:
    """The last date a status on leaving of an exit on ``left_on`` may have."""
    return left_on + timedelta(days=LEAVING_STATUS_DAYS)
