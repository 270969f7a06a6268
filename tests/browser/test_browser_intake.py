"""Aufnahme in a real browser, by keyboard alone: Tab, Space, Enter and typing.

Set ``LOTSE_SHOTS`` to a folder to keep screenshots of the form (empty, with errors).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, Site

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("LOTSE_SHOTS")
MOST_TABS = 120


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"intake-{name}.png"), full_page=True)


def serious_violations(page: Any) -> list[str]:
    """axe-core's serious or critical findings on the page."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x)" for v in found
            if v.get("impact") in ("serious", "critical")]


def tab_to(page: Any, element_id: str) -> None:
    """Press Tab until the element has the focus (as a person would)."""
    for _ in range(MOST_TABS):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def type_into(page: Any, element_id: str, text: str) -> None:
    tab_to(page, element_id)
    page.keyboard.type(text)


def sign_in_by_keyboard(page: Any, site: Site, who: str) -> None:
    page.goto("/aufnahme")
    assert "/anmelden" in page.url
    type_into(page, "user_name", site.people[who].user_name)
    type_into(page, "password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/aufnahme")


def test_a_case_manager_opens_a_family_by_keyboard_alone_and_records_its_first_contact(
        page: Any, site: Site) -> None:
    with site.api("sabine") as admin:
        answer = admin.post("/projects/KR/districts",
                            json={"districts": ["Krefeld-Mitte", "Krefeld-Süd"]})
        assert answer.status_code in (200, 422), answer.text  # (set once per site)
    sign_in_by_keyboard(page, site, "anna")
    shot(page, "empty")
    assert serious_violations(page) == []
    type_into(page, "m0_given_name", "Ayşe")
    type_into(page, "m0_family_name", "Yılmaz")
    type_into(page, "m0_birth_date", "12.04.1988")
    tab_to(page, "m0_esf")
    page.keyboard.press("Space")
    type_into(page, "m0_labour_market_status", "arbeitslos")
    type_into(page, "m0_unemployed_months", "14")
    tab_to(page, "weitere-person")
    page.keyboard.press("Space")
    page.wait_for_selector("#m1_given_name")
    assert page.evaluate("document.activeElement.id") == "m1_given_name"
    assert page.input_value("#m0_given_name") == "Ayşe"
    page.keyboard.type("Emir")
    type_into(page, "m1_family_name", "Yılmaz")
    type_into(page, "m1_role", "Kind")
    tab_to(page, "purpose-esf_reporting")
    page.keyboard.press("Space")
    type_into(page, "district", "Krefeld-S")
    type_into(page, "postal_code", "47805")
    type_into(page, "access_route", "Familienz")
    type_into(page, "benefit_situation", "Bürgergeld")
    assert page.input_value("#district") == "Krefeld-Süd"
    assert page.input_value("#m1_role") == "child"
    tab_to(page, "aufnehmen")
    page.keyboard.press("Enter")
    page.wait_for_url("**/familien/KR-*")

    number = page.url.rsplit("/", 1)[1]
    with site.api("anna") as api:
        found = api.get("/families", params={"q": "Yılmaz"}).json()["items"]
        assert [f["case_number"] for f in found] == [number]
        opened = api.get(f"/families/{found[0]['family_id']}").json()
    assert [m["given_name"] for m in opened["members"]] == ["Ayşe", "Emir"]
    assert len(opened["participations"]) == 1
    assert opened["district"] == "Krefeld-Süd"

    # The first contact, at once, on the family's page; then the family is on Mein Tag.
    page.get_by_label("Dauer in Minuten").fill("45")
    page.get_by_label("Art des Kontakts").select_option(label="Hausbesuch")
    page.get_by_label("Sozialleistungen").check()
    page.get_by_label("Notizen").fill("Erstgespräch nach der Aufnahme.")
    page.get_by_role("button", name="Kontakt speichern").click()
    assert page.get_by_role("status").inner_text() == "✓ Der Kontakt wurde gespeichert."
    page.get_by_role("link", name="Mein Tag", exact=True).click()
    row = page.get_by_role("row").filter(has_text=number)
    assert "Ayşe Yılmaz, Emir Yılmaz" in row.inner_text()
    assert "noch keiner" not in row.inner_text()  # (the contact of today is its last)


def test_an_intake_sent_empty_shows_each_error_next_to_its_field(
        page: Any, site: Site) -> None:
    sign_in_by_keyboard(page, site, "anna")
    tab_to(page, "aufnehmen")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    shot(page, "errors")
    assert page.get_attribute("#m0_given_name", "aria-invalid") == "true"
    assert page.inner_text("#m0_given_name-fehler") == "⚠ Bitte ausfüllen."
    assert page.locator("[aria-invalid=true]").count() >= 5
    assert serious_violations(page) == []
