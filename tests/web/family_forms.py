"""Helpers of the Familie page tests: a form's hidden fields, posting a form as a browser
does, the case's version and its read log."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import httpx
from fastapi.testclient import TestClient

from tests.support.world import World
from tests.web.pages import PASSWORD, csrf_of, sign_in_client

NOTES = "Jobcenter-Brief besprochen.\nNächster Schritt: Konto."


def hidden(page: httpx.Response, action: str) -> dict[str, str]:
    """The hidden fields (CSRF, version, key) of the form posting to ``action``."""
    found = re.search(f'action="{re.escape(action)}[#"]', page.text)
    assert found, action
    start = found.start()
    form = page.text[start:page.text.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))


def contact(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"occurred_on": "2026-03-10", "duration_minutes": "45",
                              "mode": "home_visit", "topics": ["money_and_debts", "benefits"],
                              "members_present": ["1"], "location": "Westwall 12",
                              "notes": NOTES, "next_follow_up_on": "2026-03-20"}
    fields.update(overrides)
    return fields


def post_form(client: TestClient, number: str, path: str, fields: dict[str, Any],
              **replace: str) -> httpx.Response:
    page = client.get(f"/familien/{number}")
    action = f"/familien/{number}/{path}"
    return client.post(action, data={**hidden(page, action), **fields, **replace})


def case_json(world: World, family_id: str) -> dict[str, Any]:
    """The family's case as the JSON API answers its case manager."""
    from domain.directory import Role

    found: dict[str, Any] = world.client(Role.CASE_MANAGER).get(
        f"/families/{family_id}").json()
    return found


def version(world: World, family_id: str) -> int:
    return world.services.cases.get_case(UUID(family_id)).version


def reads(world: World, family_id: str) -> list[str]:
    _, entries = world.services.read_log.entries(projects=["KR"], family_id=UUID(family_id))
    return [e.endpoint for e in entries]


def sign_in_as(world: World, staff_id: str, name: str) -> TestClient:
    world.services.sign_ins.set_password(staff_id, name, PASSWORD, set_by="test")
    client = sign_in_client(world)
    form = client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": name, "password": PASSWORD,
                                            "csrf": csrf_of(form), "weiter": "/"})
    assert answer.status_code == 303
    return client
