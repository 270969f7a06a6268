"""Programm, section "Sozialraumarbeit": the social-space offers' figures as the API
counts them, with "< 5" for reporting users and exact counts for coordinators."""

from __future__ import annotations

import re

import pytest

from tests.api.test_api_offer_statistics import cafe  # noqa: F401 (the fixture)
from tests.support.world import World
from tests.web.pages import signed_in
from tests.web.test_web_programme import key_figure, row


def section(world: World, role: str) -> str:
    page = signed_in(world, role).get("/programm?projekt=KR&jahr=2026")
    assert page.status_code == 200, page.text
    found = re.search(r'<section aria-labelledby="offers-heading">.*?</section>', page.text,
                      re.S)
    assert found, "no section Sozialraumarbeit"
    return found.group(0)


def test_a_reporting_user_sees_the_offers_with_small_counts_as_less_than_five(
        cafe: World) -> None:  # noqa: F811
    html = section(cafe, "reporting")
    assert "Sozialraumarbeit 2026" in html
    assert key_figure(html, "Termine durchgeführt") == "2"
    assert key_figure(html, "Anteil durchgeführter Termine") == "66,7 %"
    assert key_figure(html, "Teilnahmen") == "10"
    assert key_figure(html, "Erstbesuche") == "&lt; 5"
    assert row(html, "Männer") == ["0", "0", "&lt; 5", "0", "0", "&lt; 5"]
    assert row(html, "März") == ["2", "1", "3,0", "10", "&lt; 5"]
    assert "werden als „&lt; 5“ gezeigt" in html
    assert "<svg" in html


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_coordinators_and_auditors_see_the_exact_counts(cafe: World,  # noqa: F811
                                                        role: str) -> None:
    html = section(cafe, role)
    assert key_figure(html, "Erstbesuche") == "2"
    assert row(html, "Männer") == ["0", "0", "1", "0", "0", "1"]
    assert "gezeigt" not in html
