"""The message catalogue: every text a template asks for exists, in German and English."""

from __future__ import annotations

import re

import pytest

from api.web.i18n import DEFAULT, MissingText, Texts, catalogue
from api.web.pages.base import TEMPLATES

KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")
"""A text named whole (keys made in the template, ``t("x." ~ code)``, are left out)."""

pytestmark = pytest.mark.store_independent


def test_every_text_a_template_names_is_in_the_german_catalogue() -> None:
    german = catalogue(DEFAULT)
    missing = {(path.name, key) for path in TEMPLATES.glob("*.html")
               for key in KEY.findall(path.read_text()) if key not in german}
    assert not missing


def test_the_english_catalogue_has_every_german_text() -> None:
    assert sorted(set(catalogue(DEFAULT)) - set(catalogue("en"))) == []
    assert sorted(set(catalogue("en")) - set(catalogue(DEFAULT))) == []


def test_codes_are_shown_by_their_labels_and_a_missing_text_is_a_defect() -> None:
    texts = Texts("de")
    assert texts.code("contact_mode", "home_visit") == "Hausbesuch"
    assert texts.code("contact_mode", None) == "\u2013"
    with pytest.raises(MissingText):
        texts("no.such.text")


def test_the_stylesheets_are_well_formed() -> None:
    from api.web import STATIC

    for path in STATIC.glob("*.css"):
        depth = 0
        for number, line in enumerate(path.read_text().splitlines(), 1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{path.name}:{number}: a brace closes nothing"
            assert not (line.startswith("/*") and depth), (
                f"{path.name}:{number}: a section starts inside an open block")
        assert depth == 0, f"{path.name}: {depth} blocks left open"
