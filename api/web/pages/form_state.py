"""What the social-space forms (Angebote, Termin erfassen, Orte & Partner) share: a
refusal of the pipeline shown at the form field it names, and reading whole numbers.

The pipeline names fields by the command's dotted path (``schedule.weekdays``,
``attendance.counts.women.27_54``; pydantic's ``loc`` likewise); a form names its own
fields. The longest known prefix of the path finds the form field, the rule's text comes
from the catalogue (``rule.<rule>``, ``rule.pydantic_<type>``, else ``rule.other``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import ValidationError

from api.web.i18n import Texts
from api.web.pages.field_errors import Refused

WHOLE = re.compile(r"-?\d{1,6}")
GENERAL = "_"
"""The key of a message about the whole form (no field of it named)."""


def refused_at(error: Refused, fields: Mapping[str, str], texts: Texts) -> dict[str, str]:
    """Each broken rule's German text at the form field its path names (``fields``:
    command path → form field; an unknown path goes to ``GENERAL``)."""
    found: dict[str, str] = {}
    if isinstance(error, ValidationError):
        for item in error.errors():
            path = ".".join(str(p) for p in item["loc"])
            found.setdefault(_field(path, fields), _text(texts, f"pydantic_{item['type']}"))
        return found
    return {_field(error.field or "", fields): _text(texts, error.rule)}


def _field(path: str, fields: Mapping[str, str]) -> str:
    parts = path.split(".") if path else []
    while parts:
        found = fields.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return GENERAL


def _text(texts: Texts, rule: str) -> str:
    key = f"rule.{rule}"
    return texts(key) if texts.has(key) else texts("rule.other")


def whole_number(text: str | None) -> int | str | None:
    """A typed whole number (``None``: left empty; the text itself: not a number, for
    the form to refuse)."""
    value = (text or "").strip()
    if not value:
        return None
    return int(value) if WHOLE.fullmatch(value) else value
