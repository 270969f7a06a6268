"""How commands travel: malformed, deeply nested and oversized bodies, If-Match (412 on
a stale version, 400 when malformed) and Idempotency-Key (a repeat replays the first
answer, a reused key for another request is refused, keys are per staff member); each
refusal is a problem and stores nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.support.api import (
    CONSULTATION,
    ROUTES,
    Family,
    accepted,
    fill,
    prepared,
    problem,
)
from tests.support.world import World, intake_body

# ----- malformed, nested and oversized bodies ------------------------------------------

@pytest.mark.store_independent
@pytest.mark.parametrize("raw", [
    b"{bad json", b'{"duration_minutes": 30,', b"\xff\xfe", b"", b"null", b"[]", b"42",
    b'"text"',
], ids=["broken", "truncated", "not utf-8", "empty", "null", "list", "number", "string"])
def test_a_malformed_body_is_refused_with_400_or_422(world: World, raw: bytes) -> None:
    family = Family(world, world.intake())

    response = family.world.client("case_manager").post(
        f"/families/{family.id}/consultations", content=raw,
        headers={"Content-Type": "application/json"})

    assert problem(response, response.status_code)["status"] in (400, 422)
    assert family.version() == 2


@pytest.mark.store_independent
@pytest.mark.parametrize("template", [
    "{nested}", '{{"duration_minutes": 30, "mode": "office", "topics": {nested}}}',
    '{{"duration_minutes": 30, "mode": "office", "topics": ["health"], "x": {nested}}}',
], ids=["whole body", "in a field", "in an unknown field"])
@pytest.mark.parametrize("depth", [900, 20_000])
def test_a_deeply_nested_body_is_a_client_error_not_a_crash(
        world: World, template: str, depth: int) -> None:
    family = Family(world, world.intake())
    raw = template.format(nested="[" * depth + "]" * depth).encode()

    response = family.world.client("case_manager").post(
        f"/families/{family.id}/consultations", content=raw,
        headers={"Content-Type": "application/json", "Idempotency-Key": "deep"})

    assert 400 <= problem(response, response.status_code)["status"] < 500
    assert family.version() == 2


def test_a_body_nested_deeper_than_any_command_is_refused_before_parsing(
        world: World) -> None:
    family = Family(world, world.intake())
    raw = ('{"duration_minutes": 30, "mode": "office", "topics": ' + "[" * 40 + "]" * 40
           + "}").encode()

    response = family.world.client("case_manager").post(
        f"/families/{family.id}/consultations", content=raw,
        headers={"Content-Type": "application/json"})

    problem(response, 400, "body_nested_too_deeply", "body")
    assert family.version() == 2


def test_a_body_over_64_kib_is_refused_with_413(world: World) -> None:
    family = Family(world, world.intake())
    body = {**fill(CONSULTATION, {"parent": family.parent}), "notes": "x" * 70_000}

    response = family.post("/consultations", body)

    problem(response, 413, "payload_too_large")
    assert family.version() == 2


def test_a_streamed_body_over_64_kib_is_refused_with_413(world: World) -> None:
    family = Family(world, world.intake())

    def chunks() -> Any:
        for _ in range(20):
            yield b" " * 4096

    response = world.client("case_manager").post(
        f"/families/{family.id}/consultations", content=chunks(),
        headers={"Content-Type": "application/json"})

    problem(response, 413, "payload_too_large")
    assert family.version() == 2


# ----- If-Match --------------------------------------------------------------------------

@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
@pytest.mark.parametrize("name", ROUTES)
def test_a_stale_if_match_is_refused_with_412_and_nothing_is_recorded(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    response = family.post(path, body, route.role, headers={"If-Match": f'"{before - 1}"'})

    found = problem(response, 412, "stale_version")
    assert found["current_version"] == before
    assert response.headers["ETag"] == f'"{before}"'
    assert family.version() == before


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
@pytest.mark.parametrize("name", list(ROUTES))
def test_a_matching_if_match_is_recorded(world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()

    response = family.post(path, body, route.role, headers={"If-Match": f'"{before}"'})

    accepted(response, family.id, before + 1, route.facts)


@pytest.mark.parametrize("if_match", ["2", "W/\"2\"", "*"])
def test_if_match_takes_a_bare_or_weak_version_or_a_star(world: World, if_match: str) -> None:
    family = Family(world, world.intake())

    response = family.post("/consultations", fill(CONSULTATION, {"parent": family.parent}),
                           headers={"If-Match": if_match})

    accepted(response, family.id, 3, ("consultation_id",))


@pytest.mark.store_independent
@pytest.mark.parametrize("if_match", ["abc", '"2", "3"', '"-1"', "", " ", '"1234567890123"'])
def test_a_malformed_if_match_is_refused_with_400(world: World, if_match: str) -> None:
    family = Family(world, world.intake())

    response = family.post("/consultations", fill(CONSULTATION, {"parent": family.parent}),
                           headers={"If-Match": if_match})

    problem(response, 400, "invalid_if_match", "If-Match")
    assert family.version() == 2


# ----- Idempotency-Key ----------------------------------------------------------------------

@pytest.mark.store_independent
@pytest.mark.parametrize("key", ["", "has space", "tab\tkey", "x" * 201])
def test_a_malformed_idempotency_key_is_refused_with_400(world: World, key: str) -> None:
    family = Family(world, world.intake())

    response = family.post("/consultations", fill(CONSULTATION, {"parent": family.parent}),
                           headers={"Idempotency-Key": key})

    problem(response, 400, "invalid_idempotency_key", "Idempotency-Key")
    assert family.version() == 2


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
@pytest.mark.parametrize("name", list(ROUTES))
def test_a_repeated_idempotency_key_replays_the_first_answer_and_records_once(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    before = family.version()
    key = {"Idempotency-Key": f"retry-{uuid4()}"}

    first = family.post(path, body, route.role, headers=key)
    repeat = family.post(path, dict(reversed(body.items())), route.role, headers=key)

    accepted(first, family.id, before + 1, route.facts)
    assert "Idempotent-Replayed" not in first.headers
    assert repeat.status_code == 200
    assert repeat.json() == first.json()
    assert repeat.headers["ETag"] == first.headers["ETag"]
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert family.version() == before + 1


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
@pytest.mark.parametrize("name", list(ROUTES))
def test_an_idempotency_key_reused_for_another_body_is_refused(
        world: World, name: str) -> None:
    family, route, path, body = prepared(world, name)
    key = {"Idempotency-Key": "one-key"}
    family.post(path, body, route.role, headers=key)
    after = family.version()

    response = family.post(path, {**body, "occurred_on": "2026-10-20"}, route.role,
                           headers=key)

    problem(response, 422, "idempotency_key_reused", "Idempotency-Key")
    assert family.version() == after


def test_an_idempotency_key_reused_on_another_endpoint_is_refused(world: World) -> None:
    family = Family(world, world.intake())
    key = {"Idempotency-Key": "k-1"}
    family.post("/closure", {"reason": "no_contact"}, headers=key)

    response = family.post("/reopening", {"reason": "no_contact"}, headers=key)

    problem(response, 422, "idempotency_key_reused")
    assert family.events()[-1] == "CaseClosed"


def test_an_intake_repeated_with_its_key_opens_one_case_with_the_first_answer(
        world: World) -> None:
    client = world.client("case_manager")
    first = client.post("/families", json=intake_body(), headers={"Idempotency-Key": "i-1"})
    repeat = client.post("/families", json=intake_body(), headers={"Idempotency-Key": "i-1"})

    assert first.status_code == repeat.status_code == 201
    assert repeat.json() == first.json()
    assert repeat.headers["Location"] == first.headers["Location"]
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert world.services.index.search(projects={"KR"}).total == 1


def test_idempotency_keys_are_per_staff_member(world: World) -> None:
    coordinator = world.client("coordinator")
    body = intake_body(case_manager=world.case_manager_id())
    mine = world.client("case_manager").post("/families", json=body,
                                             headers={"Idempotency-Key": "same"})

    theirs = coordinator.post("/families", json=body, headers={"Idempotency-Key": "same"})

    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["family_id"] != mine.json()["family_id"]
    assert theirs.json()["case_number"] == "KR-2026-0002"


def test_a_refused_keyed_command_keeps_its_key_free(world: World) -> None:
    family = Family(world, world.intake())
    body = fill(CONSULTATION, {"parent": family.parent})
    key = {"Idempotency-Key": "k-2"}
    problem(family.post("/consultations", body, headers={**key, "If-Match": '"1"'}), 412)

    response = family.post("/consultations", body, headers={**key, "If-Match": '"2"'})

    accepted(response, family.id, 3, ("consultation_id",))
    assert "Idempotent-Replayed" not in response.headers
