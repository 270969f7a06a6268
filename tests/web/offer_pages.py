"""Helpers of the social-space screens' tests: one world per store and test module (the
screens' tests share it and each makes the offers it reads), a project's places and
partners, and an offer made through the Angebote form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import build_services, create_app
from application.settings import Settings, new_key_text
from tests.conftest import IN_CI, POSTGRES_URL, postgres_unavailable
from tests.support.world import Templates, World
from tests.web.pages import csrf_of


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           world_templates: Templates) -> Iterator[World]:
    """The API world of ``tests/support/world.py``, built once for the module's tests."""
    store = request.param
    if store == "postgres":
        error = postgres_unavailable()
        if error:
            if IN_CI:
                pytest.fail(f"{error} (CI=true: PostgreSQL tests must run)")
            pytest.skip(f"{error}; PostgreSQL variant skipped")
    folder = tmp_path_factory.mktemp("offers")
    master, signing = new_key_text(), new_key_text()

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": Path(folder) / "data", "master_key": master,
                                  "signing_key": signing, "mode": "production",
                                  "password_hashing": "light"}
        if store == "postgres":
            values.update(database_url=POSTGRES_URL,
                          postgres_schema=f"t_{uuid.uuid4().hex[:16]}")
        values.update(overrides)
        return Settings(**values)

    settings, staff = world_templates.settings(store, make)
    services = build_services(settings)
    world = World(services, create_app(services=services), dict(staff))
    yield world
    for client in world._clients.values():
        client.close()
    services.cases.close()
    world_templates.release(settings)


def add_place(world: World, name: str, project: str = "KR", kind: str = "family_centre"
              ) -> str:
    answer = world.client("coordinator", project).post(
        f"/projects/{project}/places", json={"name": name, "kind": kind,
                                              "district": "Krefeld-Mitte"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["place_id"])


def add_partner(world: World, name: str, project: str = "KR") -> str:
    answer = world.client("coordinator", project).post(
        f"/projects/{project}/partners", json={"name": name, "institution_type": "jobcenter",
                                                "contact_role": "Teamleitung"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["partner_id"])


def form_fields(page: httpx.Response, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``."""
    start = page.text.index(f'action="{action}"')
    form = page.text[start:page.text.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))


def post(client: TestClient, page_path: str, action: str, fields: dict[str, Any]
         ) -> httpx.Response:
    """Open ``page_path`` and send its form posting to ``action`` with ``fields``."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    hidden = form_fields(page, action)
    assert hidden["csrf"] == csrf_of(page)
    return client.post(action, data={**hidden, **fields})


def new_offer(client: TestClient, place_id: str, title: str, **overrides: Any) -> str:
    """An offer made through the form (weekly on Mondays and Wednesdays from 2 November
    2026); its id."""
    fields = {"offer_type": "cafe", "title": title, "place_id": place_id,
              "recurrence": "weekly", "weekdays": ["monday", "wednesday"],
              "start_time": "10:00", "duration_minutes": "120",
              "starts_on": "2026-11-02", **overrides}
    answer = post(client, "/angebote/neu", "/angebote/neu", fields)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/angebote/([0-9a-f-]{36})\?gespeichert=angebot",
                         answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)
