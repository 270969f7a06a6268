"""The command endpoints through HTTP: each one records its event and answers the new
version (also as ``ETag``); without a valid token, for a role that may not, or for a
family outside the caller's cases it is refused and nothing is stored.

Input errors, domain rules, If-Match and Idempotency-Key: ``test_api_commands_errors.py``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from application.commands import AssignCaseManager, ErasePersonalData, RequestErasure
from tests.support.api import (
    ALL_ROLES,
    CONSULTATION,
    ROUTES,
    Family,
    accepted,
    bad_clients,
    fill,
    no_case_stored,
    prepared,
    problem,
)
from tests.support.world import World, intake_body

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
        reader = ("coordinator" if route.command in (AssignCaseManager, RequestErasure)
                  else "case_manager")  # (a restricted family leaves its case manager)
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


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
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


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
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

    family.ok("/erasure", {"legal_basis": "unlawfully_recorded",
                           "note": "recorded for another programme"}, "coordinator")

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
    family.ok("/erasure", {"legal_basis": "unlawfully_recorded",
                           "note": "recorded for another programme"}, "coordinator")

    again = family.post("/erasure", {"legal_basis": "unlawfully_recorded",
                                     "note": "recorded for another programme"}, "coordinator")
    refused = family.post("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    assert again.status_code == 200, again.text
    assert again.headers["ETag"] == '"3"'
    assert again.json() == {"family_id": family.id, "version": 3}
    problem(refused, 422, "case_erased")
    assert family.version() == 3
