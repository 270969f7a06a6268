"""The reporting screens in a real browser: a reporting user sees the Programm page with
its chart and cannot open a family; a coordinator downloads the ESF+ report."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.browser.conftest import Site, sign_in
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e


def serious_violations(page: Any) -> list[str]:
    """What axe-core finds serious or critical on the page (WCAG 2.1 AA)."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['nodes'][0]['target']}" for v in found
            if v["impact"] in ("serious", "critical")]


def test_a_reporting_user_sees_the_programme_with_its_chart_and_no_family(
        page: Any, site: Site) -> None:
    with site.api("anna") as api:
        answer = api.post("/families", json=intake_body())
        assert answer.status_code == 201, answer.text
        number = answer.json()["case_number"]
    sign_in(page, site, "mehmet")
    assert page.title().startswith("Programm")
    chart = page.get_by_role("img", name="Erreichte Familien")
    assert chart.is_visible()
    assert page.locator("svg.chart").count() >= 2
    assert page.get_by_role("table", name="Erreichte Familien").is_visible()
    assert page.get_by_role("heading", name="Sozialraumarbeit").is_visible()
    assert page.locator("a[href^='/familien/']").count() == 0
    assert "Amira" not in page.content()
    assert serious_violations(page) == []
    refused = page.goto(f"/familien/{number}")
    assert refused is not None
    assert refused.status in (403, 404)
    assert "Amira" not in page.content()
    page.goto("/esf-bericht")
    assert page.locator("a[href^='/familien/']").count() == 0
    assert page.get_by_role("button", name="einreichen").count() == 0


def test_a_coordinator_downloads_the_report(page: Any, site: Site, tmp_path: Path) -> None:
    sign_in(page, site, "petra")
    page.goto("/esf-bericht")
    assert page.title().startswith("ESF+-Bericht")
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Bericht als Excel-Datei (XLSX)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("esf-KR-")
    assert saved.suffix == ".xlsx"
    book = openpyxl.load_workbook(io.BytesIO(saved.read_bytes()))
    assert "Indikatoren" in book.sheetnames
    with page.expect_download() as csv_file:
        page.get_by_role("link", name="Indikatoren als CSV").click()
    assert csv_file.value.suggested_filename.endswith(".csv")
