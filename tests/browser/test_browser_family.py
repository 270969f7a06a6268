"""A case manager's casework on the Familie screen in a real browser: from Mein Tag to
the family, a contact, a goal and a referral, each seen on the page after saving.

With ``LOTSE_SHOTS`` set to a folder, the family page and its printed file are kept
there as screenshots (to look at the screens).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Site, sign_in
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(both_stores: Site) -> Site:
    """The main flow of Lotse's main user, in a real browser on each store."""
    return both_stores


def shot(page: Any, name: str, **options: Any) -> None:
    folder = os.environ.get("LOTSE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, **options)


def serious_violations(page: Any) -> list[str]:
    """What axe-core finds serious or critical on the page (WCAG 2.1 AA), by rule."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in found
            if v["impact"] in ("serious", "critical")]


def test_a_case_manager_records_a_contact_sets_a_goal_and_refers_from_mein_tag(
        page: Any, site: Site) -> None:
    with site.api("anna") as api:
        answer = api.post("/families", json=intake_body(members=[
            {"given_name": "Ayşe", "family_name": "Yılmaz", "birth_date": "1988-04-12",
             "role": "parent", "gender": "female"},
            {"given_name": "Emir", "family_name": "Yılmaz", "birth_date": "2018-02-01",
             "role": "child", "gender": "male"}]))
        assert answer.status_code == 201, answer.text
        number = answer.json()["case_number"]
    sign_in(page, site, "anna")
    page.get_by_role("link", name="Ayşe Yılmaz, Emir Yılmaz").click()
    assert page.url.endswith(f"/familien/{number}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Ayşe Yılmaz")

    page.get_by_label("Dauer in Minuten").fill("30")
    page.get_by_label("Art des Kontakts").select_option(label="Telefon")
    page.get_by_label("Briefe und Unterlagen").check()
    page.locator("#contact-members_present-1").check()
    page.get_by_label("Notizen").fill("Antrag auf Kinderzuschlag ausgefüllt.")
    page.get_by_role("button", name="Kontakt speichern").click()
    assert page.get_by_role("status").inner_text() == "✓ Der Kontakt wurde gespeichert."
    contact = page.locator("ol.timeline li").first.inner_text()
    assert "Telefon · 30 Min." in contact
    assert "Antrag auf Kinderzuschlag" in contact

    page.get_by_text("Neues Ziel festlegen").click()
    page.locator("#goal-member_ids-1").check()
    page.get_by_label("Lebensbereich").select_option(label="Arbeit")
    page.get_by_label("Beschreibung des Ziels").fill("Eine Teilzeitstelle finden")
    page.get_by_role("button", name="Ziel speichern").click()
    assert "Das Ziel wurde gespeichert." in page.get_by_role("status").inner_text()
    assert "Eine Teilzeitstelle finden" in page.locator("#ziele ~ article").first.inner_text()

    page.get_by_text("Neue Vermittlung").click()
    page.get_by_label("Für wen?").select_option(label="Ayşe Yılmaz")
    page.get_by_label("Art der Einrichtung").select_option(label="Schuldnerberatung")
    page.get_by_label("Name der Einrichtung").fill("Schuldnerberatung Diakonie Krefeld")
    page.get_by_label("Die Person ist mit dieser Vermittlung einverstanden.").check()
    page.get_by_role("button", name="Vermittlung speichern").click()
    assert "Die Vermittlung wurde gespeichert." in page.get_by_role("status").inner_text()
    referral = page.locator("#vermittlungen ~ article").first.inner_text()
    assert "Schuldnerberatung Diakonie Krefeld" in referral
    assert "noch offen" in referral
    shot(page, "family-page")
    page.get_by_text("Ziel 1 bearbeiten").click()
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 800, "height": 1280})  # a 10-inch tablet
    shot(page, "family-tablet")
    page.get_by_role("link", name="Akte drucken").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Fallakte {number}"
    shot(page, "family-file")
    assert serious_violations(page) == []
    page.emulate_media(media="print")
    shot(page, "family-file-print")


def test_a_contact_typed_while_a_colleague_changed_the_family_is_kept_and_saved_after(
        page: Any, site: Site) -> None:
    with site.api("anna") as api:
        answer = api.post("/families", json=intake_body(members=[
            {"given_name": "Lena", "family_name": "Wagner", "birth_date": "1990-06-01",
             "role": "parent", "gender": "female"}]))
        assert answer.status_code == 201, answer.text
        number, family_id = answer.json()["case_number"], answer.json()["family_id"]
    sign_in(page, site, "anna")
    page.goto(f"/familien/{number}")
    page.get_by_label("Dauer in Minuten").fill("20")
    page.get_by_label("Art des Kontakts").select_option(label="Offene Sprechstunde")
    page.get_by_label("Notizen").fill("Mietrückstand besprochen.")
    page.get_by_role("button", name="Kontakt speichern").click()  # no topic chosen
    assert "Bitte wählen Sie mindestens ein Thema." in page.locator(
        "#contact-topics-fehler").inner_text()
    assert page.get_by_label("Notizen").input_value() == "Mietrückstand besprochen."
    shot(page, "family-error")

    with site.api("anna") as api:  # meanwhile, elsewhere
        answer = api.post(f"/families/{family_id}/goals", json={
            "member_ids": [api.get(f"/families/{family_id}").json()["members"][0]["member_id"]],
            "life_area": "housing", "description": "Wohnung sichern"})
        assert answer.status_code == 200, answer.text
    page.get_by_label("Wohnen und drohender Wohnungsverlust").check()
    page.get_by_role("button", name="Kontakt speichern").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Inzwischen hat jemand anderes diese Familie geändert" in alert
    assert "Ziel festgelegt" in alert
    assert page.get_by_label("Notizen").input_value() == "Mietrückstand besprochen."
    assert "Wohnung sichern" in page.locator("#ziele ~ article").first.inner_text()
    shot(page, "family-conflict")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Kontakt speichern").click()
    assert page.get_by_role("status").inner_text() == "✓ Der Kontakt wurde gespeichert."
    assert "Mietrückstand besprochen." in page.locator("ol.timeline li").first.inner_text()
