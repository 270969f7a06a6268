"""The command endpoints through HTTP: each one records its event and answers the new
version (also as ``ETag``); without a valid token, for a role that may not, or for a
family outside the caller's cases it is refused and nothing is stored.

Input errors, domain rules, If-Match and Idempotency-Key: ``test_api_commands_errors.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi.testclient import TestClient

from application.commands import AssignCaseManager, ErasePersonalData, FamilyCommand
from tests.support.examples import (
    ON_A_FAMILY,
    Runner,
    example_of,
    path_and_body,
    prepare,
    role_for,
)
from tests.support.world import World, intake_body

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


# ----- intake ---------------------------------------------------------------------------

def test_an_intake_opens_a_case_with_201_location_etag_and_case_number(world: World) -> None:
    response = world.client("case_manager").post("/families", json=intake_body())

    body = accepted(response, response.json()["family_id"], 2,
                    ("case_number", "member_ids"), status=201)
    assert response.headers["Location"] == f"/families/{body['family_id']}"
    assert body["case_number"] == "KR-2026-0001"
    assert len(body["member_ids"]) == 2
    family = Family(world, body)
    assert family.events() == ["CaseOpened", "CaseManagerAssigned"]
    case = world.client("case_manager").get(f"/families/{family.id}").json()
    assert case["case_manager"] == world.case_manager_id()
    assert [m["member_id"] for m in case["members"]] == body["member_ids"]


def test_case_numbers_count_per_project(world: World) -> None:
    numbers = [world.intake(project)["case_number"] for project in ("KR", "KR", "GL")]

    assert numbers == ["KR-2026-0001", "KR-2026-0002", "GL-2026-0001"]


def test_a_coordinator_opens_a_case_for_a_case_manager_of_the_project(world: World) -> None:
    opened = world.intake(case_manager=world.case_manager_id())

    case = world.client("case_manager").get(f"/families/{opened['family_id']}")
    assert case.status_code == 200
    assert case.json()["case_manager"] == world.case_manager_id()


def test_a_case_manager_may_name_themselves_as_case_manager(world: World) -> None:
    response = world.client("case_manager").post("/families", json=intake_body(
        case_manager=world.case_manager_id()))

    assert response.status_code == 201, response.text


def no_case_stored(world: World) -> None:
    assert world.services.index.search(projects={"KR", "GL"}).total == 0


@pytest.mark.parametrize(("role", "overrides", "status", "rule"), [
    ("case_manager", {"case_manager": "st-someone"}, 403, "forbidden"),
    ("case_manager", {"project": "GL"}, 404, "project_not_found"),
    ("case_manager", {"project": "XX"}, 404, "project_not_found"),
    ("auditor", {}, 403, "forbidden"),
    ("reporting", {}, 403, "forbidden"),
    ("admin", {}, 403, "forbidden"),
    ("coordinator", {}, 422, "case_manager_missing"),
    ("coordinator", {"case_manager": "st-nobody"}, 422, "not_a_case_manager"),
])
def test_an_intake_the_caller_may_not_make_is_refused(
        world: World, role: str, overrides: dict[str, Any], status: int, rule: str) -> None:
    response = world.client(role).post("/families", json=intake_body(**overrides))

    problem(response, status, rule)
    no_case_stored(world)


@pytest.mark.parametrize("target", ["coordinator", "other project's case manager"])
def test_a_coordinator_cannot_open_a_case_for_someone_who_is_no_case_manager_here(
        world: World, target: str) -> None:
    staff_id = (world.token("coordinator").staff_id if target == "coordinator"
                else world.case_manager_id("GL"))
    response = world.client("coordinator").post("/families", json=intake_body(
        case_manager=staff_id))

    problem(response, 422, "not_a_case_manager", "case_manager")
    no_case_stored(world)


def test_an_intake_without_a_token_is_refused_with_401(world: World) -> None:
    problem(world.client(None).post("/families", json=intake_body()), 401, "unauthenticated")
    no_case_stored(world)


# ----- every command: success -----------------------------------------------------------

@pytest.mark.parametrize("name", list(ROUTES))
def test_every_command_is_recorded_and_answers_the_new_version_as_etag(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    response = family.post(path, body, route.role)

    accepted(response, family.id, before + len(route.events), route.facts)
    assert family.events()[before:] == route.events
    if route.command is not ErasePersonalData:
        reader = "case_manager" if route.command is not AssignCaseManager else "coordinator"
        case = world.client(reader).get(f"/families/{family.id}")
        assert case.headers["ETag"] == f'"{before + len(route.events)}"'


def test_recorded_facts_read_back_through_the_api(world: World) -> None:
    family, _, path, body = prepared(world, "RecordConsultation")
    consultation_id = family.ok(path, body)["consultation_id"]

    case = world.client("case_manager").get(f"/families/{family.id}").json()

    [consultation] = case["consultations"]
    assert consultation["consultation_id"] == consultation_id
    assert consultation["notes"] == CONSULTATION["notes"]
    assert consultation["members_present"] == [family.parent]
    assert case["last_contact_on"] == "2026-03-10"
    assert case["next_follow_up_on"] == "2026-12-01"


def test_occurred_on_defaults_to_today(world: World) -> None:
    from domain.rules import today_in_programme

    family = Family(world, world.intake())
    family.ok("/consultations", {"duration_minutes": 20, "mode": "phone",
                                 "topics": ["benefits"]})

    history = world.services.cases.history(UUID(family.id))
    assert history[-1].occurred_on == today_in_programme()


# ----- every command: who may not ------------------------------------------------------

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


@pytest.mark.store_independent
@pytest.mark.parametrize("name", list(ROUTES))
def test_every_command_without_a_valid_token_is_refused_with_401(
        world: World, name: str) -> None:
    family, _, path, body = prepared(world, name)
    before = family.version()

    for label, client in bad_clients(world).items():
        response = family.post(path, body, client=client)
        problem(response, 401, "unauthenticated" if label in ("no token", "basic scheme")
                else "invalid_token")
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), label
    assert family.version() == before


def test_a_token_revoked_by_an_admin_stops_working_at_once(world: World) -> None:
    family, _, path, body = prepared(world, "RecordConsultation")
    token = world.token("case_manager")
    assert world.client("case_manager").get("/me").status_code == 200

    revoked = world.client("admin").post(
        f"/projects/KR/staff/{token.staff_id}/tokens/{token.token_id}/revocation")

    assert revoked.status_code == 200, revoked.text
    problem(family.post(path, body), 401, "invalid_token")
    problem(world.client("case_manager").get("/me"), 401, "invalid_token")
    assert family.version() == 2


@pytest.mark.parametrize("name", list(ROUTES))
def test_every_command_is_refused_with_403_for_each_role_that_may_not(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    for role in ALL_ROLES:
        if role == route.role:
            continue
        response = family.post(path, body, role)
        assert "may not" in problem(response, 403, "forbidden")["detail"], role
    assert family.version() == before


@pytest.mark.parametrize("name", list(ROUTES))
def test_every_command_on_a_family_outside_the_callers_cases_answers_404(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()
    other_case_manager = TestClient(world.app, raise_server_exceptions=False)
    other_case_manager.headers["Authorization"] = (
        f"Bearer {world.add_staff('case_manager', 'KR', 'Other').token}")

    unknown = world.client(route.role).post(f"/families/{uuid4()}{path}", json=body)
    other_project = family.post(path, body, route.role, project="GL")

    problem(unknown, 404, "family_not_found")
    problem(other_project, 404, "family_not_found")
    if route.role == "case_manager":
        problem(family.post(path, body, client=other_case_manager), 404, "family_not_found")
    assert family.version() == before


# ----- assignment and erasure -------------------------------------------------------------

def test_after_a_transfer_the_old_case_manager_gets_404_and_the_new_one_200(
        world: World) -> None:
    family, _, path, body = prepared(world, "AssignCaseManager")
    new = TestClient(world.app, raise_server_exceptions=False)
    new.headers["Authorization"] = "Bearer " + world.services.directory.issue_token(
        staff_id=family.ids["colleague"], recorded_by="test").token
    old = world.client("case_manager")
    problem(new.get(f"/families/{family.id}"), 404, "family_not_found")

    family.ok(path, body, "coordinator")

    problem(old.get(f"/families/{family.id}"), 404, "family_not_found")
    problem(family.post("/consultations", fill(CONSULTATION, family.ids)), 404)
    assert new.get(f"/families/{family.id}").json()["case_manager"] == (
        family.ids["colleague"])
    assert family.post("/consultations", fill(CONSULTATION, family.ids),
                       client=new).status_code == 200


@pytest.mark.parametrize("target", ["coordinator", "auditor", "GL case manager", "unknown"])
def test_a_case_is_assigned_only_to_a_case_manager_of_its_project(
        world: World, target: str) -> None:
    family = Family(world, world.intake())
    staff_id = {"coordinator": world.token("coordinator").staff_id,
                "auditor": world.token("auditor").staff_id,
                "GL case manager": world.case_manager_id("GL"),
                "unknown": "st-00000000"}[target]

    response = family.post("/assignment", {"case_manager": staff_id}, "coordinator")

    problem(response, 422, "not_a_case_manager", "case_manager")
    assert family.version() == 2


def test_after_erasure_names_are_null_and_the_history_lists_erased_fields(
        world: World) -> None:
    family, _, path, body = prepared(world, "RecordConsultation")
    family.ok(path, body)

    family.ok("/erasure", {"reason": "Art. 17 request"}, "coordinator")

    case = world.client("coordinator").get(f"/families/{family.id}").json()
    assert case["status"] == "erased"
    assert all(m["given_name"] is None and m["family_name"] is None
               and m["birth_date"] is None for m in case["members"])
    assert case["street_address"] is None
    assert case["consultations"][0]["notes"] is None
    history = world.client("coordinator").get(f"/families/{family.id}/history").json()
    erased = {e["event"]: e["erased_fields"] for e in history["events"]}
    assert "members.0.given_name" in erased["CaseOpened"]
    assert "street_address" in erased["CaseOpened"]
    assert "notes" in erased["ConsultationRecorded"]
    assert history["events"][0]["facts"]["members"][0]["given_name"] is None
    assert history["events"][-1]["event"] == "PersonalDataErased"
    found = world.client("coordinator").get("/families", params={"q": "KR-2026-0001"}).json()
    assert found["items"][0]["names"] is None


def test_an_erased_case_takes_no_more_entries_and_a_repeated_erasure_is_harmless(
        world: World) -> None:
    family = Family(world, world.intake())
    family.ok("/erasure", {"reason": "Art. 17 request"}, "coordinator")

    again = family.post("/erasure", {"reason": "Art. 17 request"}, "coordinator")
    refused = family.post("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    assert again.status_code == 200, again.text
    assert again.headers["ETag"] == '"3"'
    assert again.json() == {"family_id": family.id, "version": 3}
    problem(refused, 422, "case_erased")
    assert family.version() == 3
