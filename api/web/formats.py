"""How dates and numbers read on a page: German forms (``05.12.2026``, ``1.234,5``), or
English ones for a person who chose English."""

from __future__ import annotations

from datetime import date, datetime

from domain.rules import PROGRAMME_TZ

DASH = "\u2013"  # (an en dash: no value)


def day(value: date | datetime | str | None, language: str = "de") -> str:
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(PROGRAMME_TZ).date()
    return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()


def moment(value: datetime | str | None, language: str = "de") -> str:
    """A point in time in the programme's time zone, to the minute."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(PROGRAMME_TZ)
    return local.strftime("%d.%m.%Y, %H:%M" if language == "de" else "%Y-%m-%d %H:%M")


def number(value: float | int | None, language: str = "de", places: int = 0) -> str:
    if value is None:
        return DASH
    text = f"{value:,.{places}f}"
    if language != "de":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
