"""What the API tests share: problem checks, the example data, a family opened through
the API with helpers to post to it, and every command on a family as its declared example
sends it (``ROUTES``, ``prepared``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx
from fastapi.testclient import TestClient

from application.commands import FamilyCommand
from tests.support.examples import (
    ON_A_FAMILY,
    Runner,
    example_of,
    path_and_body,
    prepare,
    role_for,
)
from tests.support.world import World

PROBLEM_KEYS = {"type", "title", "status", "detail"}
ENTRY = {"labour_market_status": "unemployed", "unemployed_months": 14, "isced": "isced_3_4",
         "disability": "no", "citizenship": "third_country", "foreign_background": "yes",
         "minority": "declined", "homeless": "no", "rural": False}
CONSULTATION = {"duration_minutes": 45, "mode": "home_visit", "topics": ["money_and_debts"],
                "members_present": ["{parent}"], "location": "at home",
                "notes": "Went through the Jobcenter letter.\nNext: the bank account.",
                "next_follow_up_on": "2026-12-01", "occurred_on": "2026-03-10"}
GOAL = {"member_ids": ["{parent}"], "life_area": "family_life",
        "description": "Find a Kita place for Noah", "target_date": "2026-12-31",
        "occurred_on": "2026-03-10"}
REFERRAL = {"member_id": "{parent}", "institution_type": "debt_counselling",
            "institution_name": "Schuldnerberatung Diakonie Krefeld", "purpose": "debts",
            "consent_confirmed": True, "occurred_on": "2026-04-01"}


def problem(response: httpx.Response, status: int, rule: str | None = None,
            field: str | None = None) -> dict[str, Any]:
    """``response`` is an RFC 9457 problem with ``status`` (and ``rule``, ``field``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if rule is not None:
        assert body["rule"] == rule, body
        assert body["type"] == f"urn:lotse:problem:{rule}"
    if field is not None:
        assert body["field"] == field, body
    return body


def fill(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with ``{parent}``-style placeholders replaced by ``ids``."""
    if isinstance(value, str) and "{" in value:
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


@dataclass
class Family:
    """A case opened through the API, with helpers to post to it and count its events."""

    world: World
    opened: dict[str, Any]
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.opened["family_id"])

    @property
    def parent(self) -> str:
        return str(self.opened["member_ids"][0])

    @property
    def child(self) -> str:
        return str(self.opened["member_ids"][1])

    def post(self, path: str, body: Any = None, role: str = "case_manager",
             project: str = "KR", client: TestClient | None = None,
             **kwargs: Any) -> httpx.Response:
        client = client or self.world.client(role, project)
        response: httpx.Response = client.post(f"/families/{self.id}{path}", json=body,
                                               **kwargs)
        return response

    def ok(self, path: str, body: Any, role: str = "case_manager") -> dict[str, Any]:
        response = self.post(path, body, role)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def events(self) -> list[str]:
        return [e.event for e in self.world.services.cases.history(UUID(self.id))]

    def version(self) -> int:
        return len(self.events())


# ----- preparing a family for a command -------------------------------------------------

def entered(f: Family) -> dict[str, str]:
    f.ok("/participants", {"member_id": f.parent, **ENTRY, "occurred_on": "2026-03-09"})
    return {}


def exited(f: Family) -> dict[str, str]:
    entered(f)
    f.ok(f"/participants/{f.parent}/exit", {"status": "job_searching",
                                             "occurred_on": "2026-06-01"})
    return {}


def with_goal(f: Family) -> dict[str, str]:
    return {"goal": f.ok("/goals", fill(GOAL, {"parent": f.parent}))["goal_id"]}


def with_referral(f: Family) -> dict[str, str]:
    return {"referral": f.ok("/referrals", fill(REFERRAL, {"parent": f.parent}))["referral_id"]}


def closed(f: Family) -> dict[str, str]:
    f.ok("/closure", {"reason": "goals_achieved", "occurred_on": "2026-10-01"})
    return {}


# ----- every command on a family, as its declared example sends it ----------------------


class Ids(dict[str, str]):
    """The ids an example names: the family's members, new ids answered on the way, and
    ``colleague`` (another case manager of the project, added when first named)."""

    def __init__(self, family: Family) -> None:
        super().__init__(parent=family.parent, child=family.child)
        self.world = family.world

    def __missing__(self, name: str) -> str:
        if name != "colleague":
            raise KeyError(name)
        self[name] = self.world.add_staff("case_manager", "KR", "Ben Kaya").staff_id
        return self[name]


def over_http(family: Family) -> Runner:
    """Runs commands on the family through the API, each as a role that may."""
    def run(command: type[FamilyCommand], fields: dict[str, Any]) -> dict[str, Any]:
        path, body = path_and_body(command, family.id, fields)
        response = family.world.client(role_for(command)).post(path, json=body)
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer
    return run


@dataclass(frozen=True)
class Route:
    """A command on a family: who sends it, what it records and answers."""

    command: type[FamilyCommand]

    @property
    def role(self) -> str:
        return role_for(self.command)

    @property
    def events(self) -> list[str]:
        return list(example_of(self.command).records)

    @property
    def facts(self) -> tuple[str, ...]:
        return self.command.generated_fields()


ROUTES: dict[str, Route] = {c.__name__: Route(c) for c in ON_A_FAMILY}
"""Every command on a family, by its name; a new one is covered once declared."""
CASEWORK = [name for name, r in ROUTES.items() if r.role == "case_manager"]
ALL_ROLES = ("case_manager", "coordinator", "auditor", "reporting", "admin")


def prepared(world: World, name: str) -> tuple[Family, Route, str, dict[str, Any]]:
    """A family ready for the command ``name`` (its example's prerequisites ran): the
    path below ``/families/{id}`` and the body of its example."""
    route = ROUTES[name]
    family = Family(world, world.intake())
    family.ids = Ids(family)
    fields = prepare(route.command, over_http(family), family.ids)
    path, body = path_and_body(route.command, family.id, fields)
    return family, route, path.removeprefix(f"/families/{family.id}"), body


def accepted(response: httpx.Response, family_id: str, version: int,
             facts: tuple[str, ...] = (), status: int = 200) -> dict[str, Any]:
    """The command was recorded: ``version`` in the body and as ETag."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["family_id"] == family_id
    assert body["version"] == version
    assert response.headers["ETag"] == f'"{version}"'
    assert isinstance(body["position"], int)
    assert set(body) == {"family_id", "version", "position", *facts}
    for name in facts:
        if name.endswith("_id"):
            UUID(body[name])
    return body


def bad_clients(world: World) -> dict[str, TestClient]:
    """Clients without a valid token: none, garbage, forged, wrong secret, wrong scheme."""
    real = world.token("case_manager").token
    clients = {"no token": world.client(None)}
    for name, header in (("garbage", "Bearer nonsense"),
                         ("forged", "Bearer lotse_0123456789ab_secret"),
                         ("wrong secret", f"Bearer {real[:-4]}AAAA"),
                         ("basic scheme", "Basic dXNlcjpwYXNz")):
        client = TestClient(world.app, raise_server_exceptions=False)
        client.headers["Authorization"] = header
        clients[name] = client
    return clients


def no_case_stored(world: World) -> None:
    assert world.services.index.search(projects={"KR", "GL"}).total == 0
