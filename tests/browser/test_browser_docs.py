"""``/docs`` and ``/redoc`` work in a browser without internet, under the CSP."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Site

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline(page: Any, site: Site) -> tuple[Any, list[str], list[str]]:
    """The page with every request to another host aborted; (page, those requests, the
    console's CSP complaints)."""
    elsewhere: list[str] = []
    refused: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(site.url) or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    return page, elsewhere, refused


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_swagger_ui_shows_the_operations_offline_under_the_csp(
        offline: tuple[Any, list[str], list[str]]) -> None:
    page, elsewhere, refused = offline
    page.goto("/docs")
    operation = page.locator('.opblock-post [data-path="/families"]')
    operation.wait_for()
    assert operation.inner_text() == "/families"
    method = page.locator('.opblock:has([data-path="/families"]) .opblock-summary-method')
    assert "POST" in method.all_inner_texts()
    assert elsewhere == []
    assert refused == []
    shoot(page, "docs")


@pytest.mark.parametrize("site", ["sqlite"], indirect=True)
def test_redoc_shows_the_operations_offline(
        offline: tuple[Any, list[str], list[str]]) -> None:
    page, elsewhere, refused = offline
    page.goto("/redoc")
    page.get_by_text("/families").first.wait_for()
    assert elsewhere == []
    # (refused and harmless: a few style attributes in ReDoc's markup, its search worker
    # from a blob: URL (it searches in the page instead) and Redocly's logo from its CDN)
    harmless = ("inline style", "Creating a worker from 'blob:", "cdn.redoc.ly/redoc/logo")
    assert [m for m in refused if not any(h in m for h in harmless)] == []
    shoot(page, "redoc")


def shoot(page: Any, name: str) -> None:
    """A screenshot in ``LOTSE_SHOTS`` when set (to look at the page)."""
    folder = os.environ.get("LOTSE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", timeout=60_000)
