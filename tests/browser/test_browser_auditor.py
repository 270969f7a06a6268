"""An auditor's work in a real browser: find a family, see it as known on an earlier day,
and find that view of his in the read log."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.rules import today_in_programme
from tests.browser.conftest import Site, sign_in
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e


def shot(page: Any, name: str) -> None:
    """A screenshot for a person to look at, when ``LOTSE_SHOTS`` names a folder."""
    folder = os.environ.get("LOTSE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"auditor-{name}.png"), full_page=True)


def test_an_auditor_views_a_family_as_known_on_an_earlier_day_and_then_his_read(
        page: Any, site: Site) -> None:
    with site.api("anna") as api:
        opened = api.post("/families", json=intake_body(members=[
            {"given_name": "Ayşe", "family_name": "Yılmaz-Winter", "birth_date": "1988-04-12",
             "role": "parent", "gender": "female"}]))
        assert opened.status_code == 201, opened.text
        number, family_id = opened.json()["case_number"], opened.json()["family_id"]
        held = api.post(f"/families/{family_id}/consultations", json={
            "duration_minutes": 45, "mode": "home_visit", "topics": ["money_and_debts"],
            "members_present": [], "occurred_on": "2026-03-10"})
        assert held.status_code == 200, held.text
    sign_in(page, site, "jonas")
    page.goto("/verlauf")  # (his start page is Team, another screen)
    nav = page.get_by_role("link", name="Verlauf", exact=True)
    assert nav.get_attribute("aria-current") == "page"
    page.get_by_label("Familie suchen").fill("Winter")
    page.get_by_role("button", name="Suchen").click()
    page.get_by_role("link", name="Ayşe Yılmaz-Winter").click()
    assert number in page.locator("h1").inner_text()
    assert "Anna Schmidt" in page.get_by_role("row").filter(has_text="Beratung").inner_text()
    shot(page, "verlauf")

    yesterday = today_in_programme() - timedelta(days=1)
    page.get_by_label("Stand am").fill(yesterday.isoformat())
    page.get_by_role("button", name="Anzeigen").first.click()
    assert f"Am {yesterday:%d.%m.%Y} war zu dieser Familie noch nichts erfasst." in (
        page.locator("main").inner_text())
    assert page.get_by_role("row").filter(has_text="Beratung").count() == 0

    page.get_by_role("link", name="Lesezugriffe", exact=True).click()
    newest = page.get_by_role("row").nth(1).inner_text()
    for words in ("Jonas Weber", "Prüfung", number, "Verlauf"):
        assert words in newest, newest
    shot(page, "lesezugriffe")
    page.get_by_role("link", name=number).first.click()
    assert page.url.endswith(f"/verlauf/{number}")
