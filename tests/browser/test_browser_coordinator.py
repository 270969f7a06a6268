"""A coordinator's work in a real browser: the team by name, a transfer by name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, sign_in
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e


def test_a_coordinator_transfers_a_family_to_a_colleague_chosen_by_name(
        page: Any, site: Site) -> None:
    with site.api("anna") as api:
        answer = api.post("/families", json=intake_body(members=[
            {"given_name": "Jonas", "family_name": "Becker", "role": "parent"}]))
        assert answer.status_code == 201, answer.text
        number = answer.json()["case_number"]
    sign_in(page, site, "petra")
    assert page.title().startswith("Team")
    team = page.get_by_role("table").first
    anna = team.get_by_role("row").filter(has_text="Anna Schmidt")
    assert "Dariusz Nowicki" in team.inner_text()
    assert site.people["anna"].staff_id not in page.content().replace(
        f'value="{site.people["anna"].staff_id}"', "").replace(
        f'fm={site.people["anna"].staff_id}', "")
    anna.get_by_role("link", name="Familien von Anna Schmidt").click()
    page.get_by_label(f"Neue Fallverantwortung für {number}").select_option(
        label="Dariusz Nowicki")
    page.get_by_role("button", name=f"Übertragen ({number})").click()
    assert page.get_by_role("status").inner_text().endswith(
        f"Die Familie {number} ist jetzt bei Dariusz Nowicki.")
    dariusz = page.get_by_role("table").first.get_by_role("row").filter(
        has_text="Dariusz Nowicki")
    assert dariusz.get_by_role("cell").first.inner_text() == "1"
    with site.api("petra") as api:
        items = api.get("/caseload", params={"project": "KR"}).json()["items"]
    moved = next(i for i in items if i["case_number"] == number)
    assert moved["case_manager"] == site.people["dariusz"].staff_id
