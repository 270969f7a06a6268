"""``/docs`` and ``/redoc`` load only what Lotse serves itself, under the CSP of every
answer (no CDN, no inline script)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web import CSP

client = TestClient(create_app())  # (without its lifespan: no store is opened)
REFERENCE = re.compile(r'(?:src|href|data-spec-url|data-openapi-url)="([^"]*)"')


def references(html: str) -> list[str]:
    return REFERENCE.findall(html)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_pages_reference_only_same_origin_assets_that_answer(
        path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"].startswith(CSP)
    found = references(answer.text)
    assert found, answer.text
    for url in found:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-security-policy"] == CSP, url
    assert "cdn" not in answer.text.lower()


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_pages_have_no_inline_script_or_style(path: str) -> None:
    html = client.get(path).text
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    assert " style=" not in html


def test_the_openapi_description_stays_where_the_pages_look_for_it() -> None:
    assert 'data-openapi-url="/openapi.json"' in client.get("/docs").text
    assert client.get("/openapi.json").json()["info"]["title"] == "Lotse"


def test_swagger_ui_keeps_the_csp_of_every_answer() -> None:
    assert client.get("/docs").headers["content-security-policy"] == CSP


def test_redoc_allows_only_the_styles_carrying_the_nonce_of_its_answer() -> None:
    first, second = client.get("/redoc"), client.get("/redoc")
    nonce = re.search(r'data-style-nonce="([^"]+)"', first.text)
    assert nonce is not None
    policy = first.headers["content-security-policy"]
    assert policy == f"{CSP}; style-src 'self' 'nonce-{nonce.group(1)}'"
    assert "unsafe" not in policy
    assert nonce.group(1) not in second.text
