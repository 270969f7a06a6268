"""Reading families through HTTP: search, the case now or at a version or date, the
history; who may read what (401, 403, 404) and the read log of reads by anyone other
than the family's own case manager.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from domain.directory import Role
from domain.rules import PROGRAMME_TZ, today_in_programme
from tests.support.api import CONSULTATION, Family, bad_clients, fill, problem
from tests.support.world import World

CASE_KEYS = {
    "family_id", "version", "project", "case_number", "status", "case_manager", "opened_on",
    "opened_at", "modified_at", "closed_on", "closure_reason", "district", "postal_code",
    "street_address", "access_route", "benefit_situation", "consents", "consent_history",
    "consent_texts", "last_contact_on", "next_follow_up_on", "corrections", "erasure_request",
    "members", "participations", "consultations", "goals", "referrals"}
SUMMARY_KEYS = {"family_id", "project", "case_number", "case_manager", "status",
                "opened_on", "version", "names"}
EVENT_KEYS = {"version", "event", "occurred_on", "recorded_at", "recorded_by", "facts",
              "erased_fields"}


def client_for(world: World, token: str) -> TestClient:
    client = TestClient(world.app, raise_server_exceptions=False)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def reads_logged(world: World, family_id: str | None = None) -> list[tuple[str, str, str]]:
    """(staff id, role, endpoint) of the read log entries, oldest first."""
    _, entries = world.services.read_log.entries(
        projects={"KR", "GL"}, family_id=UUID(family_id) if family_id else None)
    return [(e.staff_id, str(e.role), e.endpoint) for e in reversed(entries)]


def families(world: World) -> tuple[Family, Family]:
    """One family of the KR case manager, one of another KR case manager."""
    own = Family(world, world.intake())
    other = world.add_staff("case_manager", "KR", "Ben Kaya")
    theirs = Family(world, world.intake(case_manager=other.staff_id, members=[
        {"role": "parent", "given_name": "Jana", "family_name": "Müller"}]))
    theirs.ids["token"] = other.token
    return own, theirs


# ----- GET /families ----------------------------------------------------------------------

def test_a_case_manager_finds_only_their_own_families(world: World) -> None:
    own, _ = families(world)

    page = world.client("case_manager").get("/families").json()

    assert page["total"] == 1
    assert page["limit"] == 50
    assert page["offset"] == 0
    [item] = page["items"]
    assert set(item) == SUMMARY_KEYS
    assert item["family_id"] == own.id
    assert item["case_number"] == "KR-2026-0001"
    assert item["status"] == "open"
    assert item["version"] == 2
    assert sorted(item["names"]) == ["Amira Okonkwo-Brandt", "Noah Okonkwo-Brandt"]


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_coordinators_and_auditors_find_every_family_of_their_project(
        world: World, role: str) -> None:
    own, theirs = families(world)
    world.intake("GL")

    page = world.client(role).get("/families").json()

    assert [i["family_id"] for i in page["items"]] == [own.id, theirs.id]


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "KR-2026-0002"}, [1]), ({"q": "KR-2026-000"}, [0, 1]), ({"q": "kr-2026"}, [0, 1]),
    ({"q": "okonkwo"}, [0]), ({"q": "amira okon"}, [0]), ({"q": "mueller"}, [1]),
    ({"q": "müll"}, [1]), ({"q": "nobody"}, []), ({"status": "closed"}, [1]),
    ({"status": "open"}, [0]), ({"limit": 1}, [0]), ({"limit": 1, "offset": 1}, [1]),
    ({"project": "KR"}, [0, 1]),
])
def test_search_filters_by_case_number_name_status_and_pages(
        world: World, params: dict[str, Any], expected: list[int]) -> None:
    found = families(world)
    assert found[1].post("/closure", {"reason": "moved_away"},
                         client=client_for(world, found[1].ids["token"])).status_code == 200

    page = world.client("coordinator").get("/families", params=params)

    assert page.status_code == 200, page.text
    assert [i["family_id"] for i in page.json()["items"]] == [found[i].id for i in expected]
    if "limit" not in params:
        assert page.json()["total"] == len(expected)


@pytest.mark.store_independent
@pytest.mark.parametrize(("params", "rule", "field"), [
    ({"limit": 0}, "greater_than_equal", "query.limit"),
    ({"limit": 201}, "less_than_equal", "query.limit"),
    ({"limit": "ten"}, "int_parsing", "query.limit"),
    ({"offset": -1}, "greater_than_equal", "query.offset"),
    ({"status": "lost"}, "string_pattern_mismatch", "query.status"),
    ({"q": "x" * 101}, "string_too_long", "query.q"),
    ({"q": "ab"}, "query_too_short", "q"),
])
def test_a_search_with_bad_parameters_is_refused_with_422(
        world: World, params: dict[str, Any], rule: str, field: str) -> None:
    problem(world.client("coordinator").get("/families", params=params), 422, rule, field)


@pytest.mark.parametrize(("role", "project", "status", "rule"), [
    ("coordinator", "GL", 404, "project_not_found"),
    ("case_manager", "XX", 404, "project_not_found"),
    ("admin", "KR", 403, "forbidden"),
    ("reporting", "KR", 403, "forbidden"),
])
def test_a_search_in_a_project_the_caller_may_not_search_is_refused(
        world: World, role: str, project: str, status: int, rule: str) -> None:
    world.intake()

    problem(world.client(role).get("/families", params={"project": project}), status, rule)


@pytest.mark.parametrize("role", ["admin", "reporting"])
def test_roles_without_search_rights_are_refused_with_403(world: World, role: str) -> None:
    world.intake()

    problem(world.client(role).get("/families"), 403, "forbidden")
    assert reads_logged(world) == []


def test_someone_with_different_roles_in_two_projects_must_name_the_project(
        world: World) -> None:
    own = Family(world, world.intake())
    world.services.directory.grant_role(staff_id=world.case_manager_id(), project="GL",
                                        role=Role.COORDINATOR, recorded_by="test")
    world.intake("GL")

    mixed = world.client("case_manager").get("/families")
    named = world.client("case_manager").get("/families", params={"project": "KR"})

    problem(mixed, 422, "project_required", "project")
    assert [i["family_id"] for i in named.json()["items"]] == [own.id]
    assert world.client("case_manager").get("/families", params={"project": "GL"}).json()[
        "total"] == 1


def test_search_follows_a_transfer(world: World) -> None:
    own, _ = families(world)
    new = world.add_staff("case_manager", "KR", "Carla Neu")
    own.ok("/assignment", {"case_manager": new.staff_id}, "coordinator")

    old_page = world.client("case_manager").get("/families").json()
    new_page = client_for(world, new.token).get("/families").json()

    assert old_page["total"] == 0
    assert [i["family_id"] for i in new_page["items"]] == [own.id]


# ----- GET /families/{id} ---------------------------------------------------------------

def test_a_case_reads_back_with_its_version_as_etag(world: World) -> None:
    family = Family(world, world.intake())
    family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    response = world.client("case_manager").get(f"/families/{family.id}")

    assert response.status_code == 200
    case = response.json()
    assert set(case) == CASE_KEYS
    assert response.headers["ETag"] == '"3"'
    assert case["version"] == 3
    assert case["case_number"] == "KR-2026-0001"
    assert case["project"] == "KR"
    assert case["status"] == "open"
    assert case["opened_on"] == "2026-03-02"
    assert case["district"] == "Krefeld-Mitte"
    assert case["postal_code"] == "47798"
    assert {m["given_name"] for m in case["members"]} == {"Amira", "Noah"}
    assert len(case["consultations"]) == 1


def test_a_case_reads_as_it_stood_at_a_version(world: World) -> None:
    family = Family(world, world.intake())
    family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    response = world.client("case_manager").get(f"/families/{family.id}",
                                                params={"version": 1})

    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.json()["version"] == 1
    assert response.json()["case_manager"] is None
    assert response.json()["consultations"] == []


def test_a_case_reads_as_it_was_recorded_by_the_end_of_a_day(world: World) -> None:
    family = Family(world, world.intake())
    today = today_in_programme()
    client = world.client("case_manager")

    now = client.get(f"/families/{family.id}", params={"as_of": today.isoformat()})
    before = client.get(f"/families/{family.id}",
                        params={"as_of": (today - timedelta(days=1)).isoformat()})

    assert now.status_code == 200
    assert now.json()["version"] == 2
    assert now.headers["ETag"] == '"2"'
    problem(before, 404, "not_recorded_yet")


@pytest.mark.parametrize(("params", "status", "rule"), [
    ({"version": 99}, 404, "family_not_found"),
    ({"version": 0}, 422, "greater_than_equal"),
    ({"version": "two"}, 422, "int_parsing"),
    ({"as_of": "2026-13-01"}, 422, "date_from_datetime_parsing"),
    ({"as_of": "2026-11-01", "version": 1}, 422, "as_of_and_version"),
])
def test_a_case_at_a_version_or_date_it_never_had_is_refused(
        world: World, params: dict[str, Any], status: int, rule: str) -> None:
    family = Family(world, world.intake())

    problem(world.client("case_manager").get(f"/families/{family.id}", params=params),
            status, rule)


@pytest.mark.parametrize("suffix", ["", "/history"])
def test_reading_a_family_outside_the_callers_cases_answers_404(
        world: World, suffix: str) -> None:
    own, theirs = families(world)

    for client, family_id in (
            (world.client("case_manager"), str(uuid4())),
            (world.client("coordinator"), str(uuid4())),
            (world.client("case_manager"), theirs.id),
            (world.client("case_manager", "GL"), own.id),
            (world.client("coordinator", "GL"), own.id),
            (world.client("auditor", "GL"), own.id)):
        problem(client.get(f"/families/{family_id}{suffix}"), 404, "family_not_found")
    assert reads_logged(world) == []


@pytest.mark.parametrize("suffix", ["", "/history"])
@pytest.mark.parametrize("role", ["admin", "reporting"])
def test_roles_that_never_read_a_family_record_get_403(
        world: World, suffix: str, role: str) -> None:
    family = Family(world, world.intake())

    problem(world.client(role).get(f"/families/{family.id}{suffix}"), 403, "forbidden")


@pytest.mark.parametrize("path", ["/families", "/families/{id}", "/families/{id}/history"])
def test_reads_without_a_valid_token_are_refused_with_401(world: World, path: str) -> None:
    family = Family(world, world.intake())

    for label, client in bad_clients(world).items():
        response = client.get(path.format(id=family.id))
        problem(response, 401, "unauthenticated" if label in ("no token", "basic scheme")
                else "invalid_token")
    assert reads_logged(world) == []


def test_a_malformed_family_id_is_refused_with_422(world: World) -> None:
    problem(world.client("coordinator").get("/families/KR-2026-0001"), 422, "uuid_parsing",
            "path.family_id")


# ----- GET /families/{id}/history --------------------------------------------------------

def test_the_history_lists_every_event_on_both_timelines(world: World) -> None:
    family = Family(world, world.intake())
    family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    response = world.client("auditor").get(f"/families/{family.id}/history")

    assert response.status_code == 200
    history = response.json()
    assert history["family_id"] == family.id
    assert history["case_number"] == "KR-2026-0001"
    assert history["version"] == 3
    assert [e["event"] for e in history["events"]] == [
        "CaseOpened", "CaseManagerAssigned", "ConsultationRecorded"]
    assert all(set(e) == EVENT_KEYS for e in history["events"])
    assert [e["version"] for e in history["events"]] == [1, 2, 3]
    consultation = history["events"][2]
    assert consultation["occurred_on"] == "2026-03-10"
    recorded_at = datetime.fromisoformat(consultation["recorded_at"].replace("Z", "+00:00"))
    assert recorded_at.astimezone(PROGRAMME_TZ).date() == today_in_programme()
    assert consultation["recorded_by"] == world.case_manager_id()
    assert consultation["facts"]["duration_minutes"] == 45
    assert consultation["facts"]["notes"] == CONSULTATION["notes"]
    assert consultation["erased_fields"] == []


def test_the_familys_own_case_manager_reads_its_history(world: World) -> None:
    family = Family(world, world.intake())

    response = world.client("case_manager").get(f"/families/{family.id}/history")

    assert response.status_code == 200
    assert response.json()["version"] == 2


# ----- the read log -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "auditor"])
@pytest.mark.parametrize(("suffix", "endpoint"), [
    ("", "GET /families/{id}"), ("/history", "GET /families/{id}/history")])
def test_a_read_by_a_coordinator_or_auditor_is_logged(
        world: World, role: str, suffix: str, endpoint: str) -> None:
    family = Family(world, world.intake())

    response = world.client(role).get(f"/families/{family.id}{suffix}")

    assert response.status_code == 200
    assert reads_logged(world, family.id) == [(world.token(role).staff_id, role, endpoint)]


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_every_family_in_search_results_is_logged_for_a_coordinator_or_auditor(
        world: World, role: str) -> None:
    own, theirs = families(world)

    assert world.client(role).get("/families").json()["total"] == 2

    staff_id = world.token(role).staff_id
    for family in (own, theirs):
        assert reads_logged(world, family.id) == [(staff_id, role, "GET /families")]


def test_reads_by_the_familys_own_case_manager_are_not_logged(world: World) -> None:
    family = Family(world, world.intake())
    client = world.client("case_manager")

    for path in (f"/families/{family.id}", f"/families/{family.id}/history", "/families"):
        assert client.get(path).status_code == 200
    assert client.get(f"/families/{family.id}", params={"version": 1}).status_code == 200

    assert reads_logged(world) == []


def test_a_search_without_results_logs_nothing(world: World) -> None:
    world.intake()

    assert world.client("coordinator").get("/families", params={"q": "nobody"}).json()[
        "total"] == 0

    assert reads_logged(world) == []
