"""Helpers for page tests: a person signed in through the sign-in form, and reading a
page's form and CSRF token."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from domain.directory import Role
from tests.support.world import World

PASSWORD = "richtig-geheim-42"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page has no CSRF token"
    return found.group(1)


def user_name(role: Role | str, project: str = "KR") -> str:
    return f"{Role(role).value.replace('_', '-')}-{project.lower()}"


def give_password(world: World, role: Role | str, project: str = "KR") -> str:
    staff_id = world.token(role, project).staff_id
    name = user_name(role, project)
    world.services.sign_ins.set_password(staff_id, name, PASSWORD, set_by="test")
    return name


def sign_in_client(world: World) -> TestClient:
    """A browser-like client (cookies over HTTPS: they are Secure outside development)."""
    return TestClient(world.app, base_url="https://testserver", raise_server_exceptions=False,
                      follow_redirects=False)


def signed_in(world: World, role: Role | str, project: str = "KR") -> TestClient:
    """A client signed in through the form as the ``role`` of ``project``."""
    name = give_password(world, role, project)
    client = sign_in_client(world)
    form = client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": name, "password": PASSWORD,
                                            "csrf": csrf_of(form), "weiter": "/"})
    assert answer.status_code == 303, answer.text
    return client
