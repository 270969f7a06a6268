"""A case manager records this morning's session of the women's café in a real browser:
from Diese Woche to Termin erfassen, the headcounts typed into the grid from the
keyboard, a mother of one of her families found by name as a named attendee, saved
once, seen in the week and on the offer's page.

With ``LOTSE_SHOTS`` set to a folder, every social-space screen is kept there as
screenshots at 1280 px and at 640 px (1280 px at 200 % zoom).
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.rules import today_in_programme
from tests.browser.conftest import Site, sign_in
from tests.browser.social_space import prepare
from tests.browser.test_browser_family import shot
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e


def both_widths(page: Any, name: str) -> None:
    shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 640, "height": 800})
    shot(page, f"{name}-640")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_a_case_manager_records_a_session_with_counts_and_a_named_attendee(
        page: Any, site: Site) -> None:
    ids = prepare(site)
    with site.api("anna") as api:
        opened = api.post("/families", json=intake_body())
        assert opened.status_code == 201, opened.text
    today = today_in_programme()
    sign_in(page, site, "anna")
    page.get_by_role("link", name="Diese Woche").click()
    both_widths(page, "diese-woche")
    page.locator(f'a[href="/angebote/{ids["offer"]}/termin?datum={today.isoformat()}'
                 '&von=woche"]').click()
    assert page.get_by_label("Datum").first.input_value() == today.isoformat()
    assert page.get_by_label("Beginn").input_value() == "10:00"
    assert page.get_by_label("Anna Schmidt").is_checked()
    page.locator("#session-n_women_0_5").focus()
    for typed in ("2", "Tab", "1", "Tab", "Tab", "9", "Tab", "3"):  # (along the row)
        page.keyboard.press(typed)
    page.locator("#session-n_not_stated_0_5").fill("4")
    page.get_by_label("Davon zum ersten Mal da").fill("2")
    page.get_by_label("Name oder Fallnummer").fill("Okonkwo")
    page.get_by_role("button", name="Suchen").click()
    assert page.locator("#session-n_women_27_54").input_value() == "9"  # (kept)
    page.get_by_label("Amira Okonkwo-Brandt").check()
    both_widths(page, "termin-erfassen")
    page.get_by_role("button", name="Termin speichern").click()
    assert page.get_by_role("status").inner_text() == "✓ Termin gespeichert."
    assert "erfasst: 19 Personen" in page.locator("main").inner_text()
    page.get_by_role("link", name="Frauencafé Westwall").first.click()
    row = page.locator("table.list tbody tr").first.inner_text()
    assert "19" in row, row
    assert "stattgefunden" in row, row
    assert "Amira Okonkwo-Brandt" in row, row
    both_widths(page, "angebot")
    page.goto("/angebote")
    both_widths(page, "angebote")
    page.goto(f"/angebote/{ids['offer']}/aendern")
    both_widths(page, "angebot-aendern")
    page.goto("/orte")
    both_widths(page, "orte-partner-lesen")
    page.context.clear_cookies()
    sign_in(page, site, "petra")
    page.goto("/orte")
    page.locator("table.list details summary").first.click()
    both_widths(page, "orte-partner")
    page.goto("/angebote/neu")
    both_widths(page, "angebot-neu")
