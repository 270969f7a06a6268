"""A case manager's day in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, sign_in
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e


def test_a_case_manager_signs_in_and_sees_her_families_by_name_on_mein_tag(
        page: Any, site: Site) -> None:
    with site.api("anna") as api:
        answer = api.post("/families", json=intake_body(members=[
            {"given_name": "Ayşe", "family_name": "Yılmaz", "birth_date": "1988-04-12",
             "role": "parent", "gender": "female"}]))
        assert answer.status_code == 201, answer.text
        number = answer.json()["case_number"]
    sign_in(page, site, "anna")
    assert page.title().startswith("Mein Tag")
    row = page.get_by_role("row").filter(has_text=number)
    assert "Ayşe Yılmaz" in row.inner_text()
    assert page.get_by_role("link", name="Abmelden").count() == 0  # (a button, in a form)
    page.get_by_role("button", name="Abmelden").click()
    assert page.url.endswith("/anmelden?abgemeldet=1")
    page.goto("/")
    assert "/anmelden" in page.url
