"""The message catalogue: every text a page shows, German first, English second.

Texts live in TOML files under ``api/web/messages/<language>/`` (one file per screen or
topic; their tables merge into one set of dotted keys, e.g. ``my_day.title``), never in
templates. A key missing in English falls back to German; a key missing in German is a
defect (``MissingText``; a test renders every page and walks every template for keys).
Codes of the API are labelled through ``code.<kind>.<code>`` (``code.contact_mode.
home_visit`` → "Hausbesuch"): a code never appears on a screen.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

DASH = "\u2013"  # (an en dash: no value)
MESSAGES = Path(__file__).parent / "messages"
LANGUAGES = ("de", "en")
DEFAULT = "de"


class MissingText(KeyError):
    """A text the German catalogue does not have."""


def _flatten(prefix: str, table: Mapping[str, Any], into: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(f"{name}.", value, into)
        else:
            into[name] = str(value)


@cache
def catalogue(language: str) -> dict[str, str]:
    """Every text of ``language`` by its dotted key."""
    texts: dict[str, str] = {}
    for path in sorted((MESSAGES / language).glob("*.toml")):
        with path.open("rb") as f:
            _flatten("", tomllib.load(f), texts)
    return texts


class Texts:
    """The texts of one language, as templates and pages use them."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._own = catalogue(self.language)
        self._german = catalogue(DEFAULT)

    def __call__(self, key: str, **values: Any) -> str:
        text = self._own.get(key)
        if text is None:
            text = self._german.get(key)
            if text is None:
                raise MissingText(key)
        return text.format(**values) if values else text

    def code(self, kind: str, value: object) -> str:
        """The label of an API code (``kind``: e.g. ``contact_mode``); an empty value
        shows as a dash."""
        if value is None or value == "":
            return DASH
        code = getattr(value, "value", value)
        return self(f"code.{kind}.{code}")

    def has(self, key: str) -> bool:
        return key in self._german
