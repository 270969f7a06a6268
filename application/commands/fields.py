"""The types of command fields and their rules, shared by every command.

Numbers and booleans are strict (``"30"`` is not 30), dates are ISO ``YYYY-MM-DD``
strings, enumerations take their documented values. The domain checks everything else
(dates not in the future, no control characters, date order) and names the rule that
was broken.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BeforeValidator, Field


def _iso_date_text(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("a date is written as text YYYY-MM-DD")
    return value


class GeneratedId:
    """Marks a field the pipeline fills with a new id: never part of a request body."""


GENERATED = GeneratedId()

IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]
Project = Annotated[str, Field(max_length=10, examples=["KR"])]
StaffId = Annotated[str, Field(min_length=1, max_length=100, examples=["st-3f9a2c1b"])]
Occurred = Annotated[IsoDate | None, Field(
    default=None, description="When it happened (default: today, Europe/Berlin).",
    examples=["2026-11-20"])]
NewId = Annotated[UUID, Field(default_factory=uuid4), GENERATED]
