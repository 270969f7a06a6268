"""A correction names what it corrects by that thing's id and takes values of the field's
own type; naming it by the version of its event still works."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import CONSULTATION, ENTRY, GOAL, REFERRAL, Family, fill, problem
from tests.support.world import World


def correct(family: Family, target: dict[str, Any], *changes: tuple[str, Any],
            **extra: Any) -> Any:
    return family.post("/corrections", {
        "target": target, "changes": [{"field": f, "value": v} for f, v in changes],
        "reason": "falsch eingetragen", "occurred_on": "2026-04-01", **extra})


def corrected_versions(world: World, family: Family) -> list[int]:
    history = world.client("case_manager").get(f"/families/{family.id}/history").json()
    return [e["facts"]["corrected_version"] for e in history["events"]
            if e["event"] == "EntryCorrected"]


def test_a_consultation_is_corrected_by_its_id_with_a_number(world: World) -> None:
    family = Family(world, world.intake())
    held = family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))
    family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    response = correct(family, {"kind": "consultation", "id": held["consultation_id"]},
                       ("duration_minutes", 90))

    assert response.status_code == 200, response.text
    case = world.client("case_manager").get(f"/families/{family.id}").json()
    minutes = {c["consultation_id"]: c["duration_minutes"] for c in case["consultations"]}
    assert minutes[held["consultation_id"]] == 90
    assert sorted(minutes.values()) == [45, 90]
    assert corrected_versions(world, family) == [held["version"]]


def test_an_esf_entry_is_corrected_by_the_member_with_a_number_and_a_boolean(
        world: World) -> None:
    family = Family(world, world.intake())
    entered = family.ok("/participants", {"member_id": family.parent, **ENTRY,
                                          "occurred_on": "2026-03-09"})

    response = correct(family, {"kind": "esf_entry", "id": family.parent},
                       ("unemployed_months", 20), ("rural", True))

    assert response.status_code == 200, response.text
    case = world.client("case_manager").get(f"/families/{family.id}").json()
    entry = case["participations"][0]["entry"]
    assert (entry["unemployed_months"], entry["rural"]) == (20, True)
    assert corrected_versions(world, family) == [entered["version"]]


@pytest.mark.parametrize(("kind", "made_with", "change"), [
    ("goal", ("/goals", GOAL), ("life_area", "housing")),
    ("referral", ("/referrals", REFERRAL), ("institution_name", "Caritas Krefeld")),
])
def test_goals_and_referrals_are_corrected_by_their_ids(
        world: World, kind: str, made_with: tuple[str, dict[str, Any]],
        change: tuple[str, str]) -> None:
    family = Family(world, world.intake())
    made = family.ok(made_with[0], fill(made_with[1], {"parent": family.parent}))

    response = correct(family, {"kind": kind, "id": made[f"{kind}_id"]}, change)

    assert response.status_code == 200, response.text
    assert corrected_versions(world, family) == [made["version"]]


def test_the_intake_data_are_corrected_as_the_case(world: World) -> None:
    family = Family(world, world.intake())
    response = correct(family, {"kind": "case"}, ("district", "Krefeld-Süd"))
    assert response.status_code == 200, response.text
    assert corrected_versions(world, family) == [1]


@pytest.mark.parametrize(("field", "value"), [
    ("unemployed_months", True), ("unemployed_months", "vierzehn"), ("rural", 1),
    ("rural", "ja"), ("occurred_on", 20260309), ("isced", 3)])
def test_a_value_of_the_wrong_type_is_refused_and_nothing_is_stored(
        world: World, field: str, value: Any) -> None:
    family = Family(world, world.intake())
    family.ok("/participants", {"member_id": family.parent, **ENTRY,
                                "occurred_on": "2026-03-09"})
    before = family.version()

    response = correct(family, {"kind": "esf_entry", "id": family.parent}, (field, value))

    problem(response, 422, "invalid_correction_value")
    assert family.version() == before


def test_a_target_the_case_does_not_have_is_refused(world: World) -> None:
    family = Family(world, world.intake())
    response = correct(family, {"kind": "consultation",
                                "id": "11111111-2222-4333-8444-555555555555"},
                       ("duration_minutes", 60))
    problem(response, 422, "unknown_target")
    assert family.version() == 2


@pytest.mark.parametrize("naming", [
    {"target": {"kind": "case"}, "corrected_version": 1},  # both
    {"target": None},  # neither
])
def test_a_correction_names_its_target_one_way_exactly(
        world: World, naming: dict[str, Any]) -> None:
    family = Family(world, world.intake())
    body = {"changes": [{"field": "district", "value": "Krefeld-Süd"}],
            "reason": "Tippfehler", **naming}
    response = family.post("/corrections", body)
    found = problem(response, 422, "value_error")
    assert "either by `target`" in found["detail"]
    assert family.version() == 2


def test_a_text_value_still_works_for_a_number(world: World) -> None:
    family = Family(world, world.intake())
    held = family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))
    response = family.post("/corrections", {
        "corrected_version": held["version"],
        "changes": [{"field": "duration_minutes", "value": "60"}], "reason": "Tippfehler"})
    assert response.status_code == 200, response.text
    case = world.client("case_manager").get(f"/families/{family.id}").json()
    assert [c["duration_minutes"] for c in case["consultations"]] == [60]


def test_a_target_of_another_family_or_of_another_kind_is_unknown(world: World) -> None:
    family, other = Family(world, world.intake()), Family(world, world.intake())
    theirs = other.ok("/consultations", fill(CONSULTATION, {"parent": other.parent}))
    goal = family.ok("/goals", fill(GOAL, {"parent": family.parent}))

    for target in ({"kind": "consultation", "id": theirs["consultation_id"]},
                   {"kind": "consultation", "id": goal["goal_id"]}):
        response = correct(family, target, ("duration_minutes", 60))
        problem(response, 422, "unknown_target")
    assert family.version() == 3
