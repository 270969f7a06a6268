"""A refused form, in German, next to the field that broke the rule.

The pipeline refuses with the API's rule names and field names (``Refusal``,
``DomainError``, pydantic's ``ValidationError``), in English; a screen names its own form
fields and shows the catalogue's text of the rule (``rule.<rule>``; ``rule.other`` for a
rule without one). Nothing is stored when any of them is raised.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from api.web.i18n import Texts
from application.refusals import Refusal
from domain.errors import DomainError

Refused = Refusal | DomainError | ValidationError


def field_errors(error: Refused, fields: Mapping[str, str], texts: Texts,
                 default: str) -> dict[str, str]:
    """The form field (``fields``: the command's field → the form's; else ``default``)
    and the German message of each broken rule."""
    found: dict[str, str] = {}
    if isinstance(error, ValidationError):
        for item in error.errors():
            where = next((str(p) for p in item["loc"] if str(p) in fields), None)
            found.setdefault(fields.get(where or "", default),
                             _text(texts, f"pydantic_{item['type']}"))
        return found
    field = fields.get(error.field or "", default)
    return {field: _text(texts, error.rule)}


def _text(texts: Texts, rule: str) -> str:
    key = f"rule.{rule}"
    return texts(key) if texts.has(key) else texts("rule.other")
