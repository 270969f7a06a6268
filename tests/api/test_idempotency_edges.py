"""Idempotency at its edges: twins queued behind each other, an erasure that failed
half-way, and what is kept of keyed requests once a family is erased."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError

from application.cases import FamilyCases
from application.idempotency import KeyReplayed, PendingKey, keyed
from tests.integration.test_store_concurrency import consultation, run_together
from tests.support.builders import first_parent_id, open_case
from tests.support.world import World


def test_a_keyed_twin_that_queued_behind_the_first_gets_its_answer_not_a_refusal(
        app: FamilyCases) -> None:
    """Both copies name the version they saw (If-Match); the second, queued behind the
    first in this process, must not be told "stale version, nothing recorded"."""
    opened, members = open_case(app)
    member = first_parent_id(members)

    def send() -> int:
        try:
            with keyed(PendingKey("st-1", "twin", "fp", opened.family_id)):
                return consultation(app, opened.family_id, [member],
                                    expected_version=2).version
        except KeyReplayed as e:
            return e.receipt.version

    outcomes = run_together(send, send, send)

    assert [o.error for o in outcomes] == [None, None, None]
    assert {o.value for o in outcomes} == {3}
    assert app.get_case(opened.family_id).version == 3


def _erase(world: World, family_id: str, key: str) -> Any:
    return world.client("coordinator").post(
        f"/families/{family_id}/erasure", headers={"Idempotency-Key": key},
        json={"legal_basis": "authority_order", "note": "order of the supervisory authority",
              "occurred_on": "2026-04-01"})


def test_an_erasure_repeated_after_its_key_destruction_failed_destroys_the_key(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    family = world.intake()
    family_id = UUID(family["family_id"])
    keys = world.services.cases.keys
    original = keys.destroy
    calls = {"n": 0}

    def failing_once(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("the store is busy")
        original(*args)

    monkeypatch.setattr(keys, "destroy", failing_once)

    first = _erase(world, family["family_id"], "erase-1")
    assert first.status_code == 503  # recorded, but the key is still there
    assert keys.table.select(family_id) != (None,)

    again = _erase(world, family["family_id"], "erase-1")

    assert again.status_code == 200
    assert keys.table.select(family_id) == (None,)
    history = world.client("coordinator").get(f"/families/{family_id}/history").json()
    assert [e["event"] for e in history["events"]].count("PersonalDataErased") == 1
    assert history["events"][0]["facts"]["members"][0]["given_name"] is None


def test_an_erasure_forgets_the_familys_earlier_keyed_requests_but_not_its_own(
        world: World) -> None:
    family = world.intake()
    cm = world.client("case_manager")
    added = cm.post(f"/families/{family['family_id']}/members",
                    headers={"Idempotency-Key": "add-mila"},
                    json={"role": "child", "given_name": "Mila", "family_name": "Brandt",
                          "birth_date": "2024-02-01", "occurred_on": "2026-03-05"})
    assert added.status_code == 200
    cases = world.services.cases
    scope = world.token("case_manager").staff_id
    assert cases.find_receipt(scope, "add-mila") is not None

    erased = _erase(world, family["family_id"], "erase-2")
    repeat = _erase(world, family["family_id"], "erase-2")

    assert erased.status_code == 200
    assert cases.find_receipt(scope, "add-mila") is None  # its fingerprint covered Mila
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert repeat.json() == erased.json()
