"""A running API on the test's store, with two projects and one account per role in each.

``world.client(role, project)`` gives a TestClient authenticated as that staff member;
``world.intake(...)`` opens a case through the API and returns its family id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import build_services, create_app
from api.deps import Services
from application.directory import IssuedToken
from domain.directory import Role

PROJECTS = ("KR", "GL")


def intake_body(project: str = "KR", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project": project,
        "members": [
            {"role": "parent", "given_name": "Amira", "family_name": "Okonkwo-Brandt",
             "birth_date": "1991-05-17", "gender": "female"},
            {"role": "child", "given_name": "Noah", "family_name": "Okonkwo-Brandt",
             "birth_date": "2019-09-03", "gender": "male"}],
        "district": "Krefeld-Mitte", "postal_code": "47798", "street_address": "Westwall 12",
        "access_route": "kita", "benefit_situation": "sgb_ii",
        "consent_purposes": ["ESF+ reporting"], "consent_given_on": "2026-03-02",
        "occurred_on": "2026-03-02"}
    body.update(overrides)
    return body


@dataclass
class World:
    services: Services
    app: Any
    staff: dict[tuple[Role, str], IssuedToken] = field(default_factory=dict)
    _clients: dict[str, TestClient] = field(default_factory=dict)

    def token(self, role: Role | str, project: str = "KR") -> IssuedToken:
        return self.staff[(Role(role), project)]

    def client(self, role: Role | str | None, project: str = "KR") -> TestClient:
        """A client authenticated as the ``role`` of ``project`` (None: no token)."""
        key = f"{role}:{project}"
        if key not in self._clients:
            client = TestClient(self.app, raise_server_exceptions=False)
            if role is not None:
                client.headers["Authorization"] = f"Bearer {self.token(role, project).token}"
            self._clients[key] = client
        return self._clients[key]

    def add_staff(self, role: Role | str, project: str = "KR", name: str = "Extra") -> IssuedToken:
        return self.services.directory.add_staff(name=name, project=project, role=Role(role),
                                                 recorded_by="test")

    def intake(self, project: str = "KR", case_manager: str | None = None,
               **overrides: Any) -> dict[str, Any]:
        """Open a case as the project's case manager (or assigned to ``case_manager`` by
        its coordinator); returns the response body."""
        if case_manager is None:
            client = self.client(Role.CASE_MANAGER, project)
            response = client.post("/families", json=intake_body(project, **overrides))
        else:
            client = self.client(Role.COORDINATOR, project)
            response = client.post("/families", json=intake_body(
                project, case_manager=case_manager, **overrides))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def case_manager_id(self, project: str = "KR") -> str:
        return self.token(Role.CASE_MANAGER, project).staff_id


@pytest.fixture
def world(make_settings: Any) -> Iterator[World]:
    services = build_services(make_settings())
    for code, name in (("KR", "WiQ Plus Krefeld"), ("GL", "Familiencoaching Gladbeck")):
        services.directory.add_project(code=code, name=name, yearly_target=48,
                                       recorded_by="test")
    w = World(services, create_app(services=services))
    for project in PROJECTS:
        for role in Role:
            w.staff[(role, project)] = services.directory.add_staff(
                name=f"{role} {project}", project=project, role=role, recorded_by="test")
    yield w
    for client in w._clients.values():
        client.close()
    services.cases.close()
