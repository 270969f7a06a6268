"""Consent and erasure through the API (issue 13, items 4 and 7): consents given and
withdrawn with their dates, shown in the family's record; every rule a 422 naming it,
nothing recorded; a referral needs the consent for referrals on its date; an erasure
names its legal basis and its note is unreadable afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import REFERRAL, Family, fill, problem
from tests.support.world import World


def family(world: World, *purposes: str) -> Family:
    opened = world.intake(consent_purposes=list(purposes or ("esf_reporting",)),
                          consent_given_on="2026-02-27")
    return Family(world, opened)


def record(f: Family, role: str = "case_manager") -> dict[str, Any]:
    response = f.world.client(role).get(f"/families/{f.id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_consents_given_and_withdrawn_show_in_force_and_as_history(world: World) -> None:
    f = family(world, "esf_reporting", "referral_to_partners")
    given = f.ok("/consents", {"purpose": "photo_and_media", "occurred_on": "2026-03-10"})
    withdrawn = f.ok("/consents/referral_to_partners/withdrawal",
                     {"occurred_on": "2026-04-01"})

    body = record(f)

    assert body["consents"] == [
        {"purpose": "esf_reporting", "given_on": "2026-02-27", "version": 1},
        {"purpose": "photo_and_media", "given_on": "2026-03-10",
         "version": given["version"]}]
    assert body["consent_history"] == [
        {"purpose": "esf_reporting", "change": "given", "on": "2026-02-27", "version": 1},
        {"purpose": "referral_to_partners", "change": "given", "on": "2026-02-27",
         "version": 1},
        {"purpose": "photo_and_media", "change": "given", "on": "2026-03-10",
         "version": given["version"]},
        {"purpose": "referral_to_partners", "change": "withdrawn", "on": "2026-04-01",
         "version": withdrawn["version"]}]
    assert body["consent_texts"] == []
    as_of = world.client("case_manager").get(f"/families/{f.id}?version={given['version']}")
    assert [c["purpose"] for c in as_of.json()["consents"]] == [
        "esf_reporting", "referral_to_partners", "photo_and_media"]


@pytest.mark.parametrize(("path", "body", "rule", "field"), [
    ("/consents", {"purpose": "esf_reporting"}, "consent_already_given", "purpose"),
    ("/consents/photo_and_media/withdrawal", {}, "consent_not_in_force", "purpose"),
    ("/consents/esf_reporting/withdrawal", {"occurred_on": "2026-02-26"}, "before_intake",
     "occurred_on"),
])
def test_a_consent_rule_broken_is_a_422_naming_it_and_nothing_is_recorded(
        world: World, path: str, body: dict[str, Any], rule: str, field: str) -> None:
    f = family(world)
    before = f.version()

    found = problem(f.post(path, body), 422, rule, field)

    assert f.version() == before
    assert found["detail"]


def test_a_change_dated_before_the_last_change_of_its_purpose_is_refused(
        world: World) -> None:
    f = family(world)
    f.ok("/consents", {"purpose": "photo_and_media", "occurred_on": "2026-05-01"})
    before = f.version()

    found = problem(f.post("/consents/photo_and_media/withdrawal",
                           {"occurred_on": "2026-04-30"}), 422,
                    "consent_change_before_last", "occurred_on")

    assert "2026-05-01" in found["detail"]
    assert f.version() == before


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/consents", {"purpose": "Fotos"}, "body.purpose"),
    ("/consents", {"purpose": "photo_and_media", "note": "Frau M."}, "body.note"),
    ("/consents/Fotos/withdrawal", {}, "path.purpose"),
])
def test_a_purpose_outside_the_catalogue_is_refused(
        world: World, path: str, body: dict[str, Any], field: str) -> None:
    f = family(world)
    before = f.version()

    found = problem(f.post(path, body), 422)

    assert found["errors"][0]["field"] == field
    assert f.version() == before


def test_a_referral_without_the_consent_for_referrals_on_its_date_is_refused(
        world: World) -> None:
    f = family(world, "esf_reporting", "jobcenter_exchange")
    referral = fill(REFERRAL, {"parent": f.parent})
    before = f.version()

    found = problem(f.post("/referrals", referral), 422, "consent_missing", "occurred_on")

    assert "referral_to_partners" in found["detail"]
    assert referral["occurred_on"] in found["detail"]
    assert f.version() == before
    f.ok("/consents", {"purpose": "referral_to_partners", "occurred_on": "2026-04-01"})
    f.ok("/referrals", referral)
    f.ok("/consents/referral_to_partners/withdrawal", {"occurred_on": "2026-05-01"})
    problem(f.post("/referrals", {**referral, "occurred_on": "2026-05-02"}), 422,
            "consent_missing", "occurred_on")
    assert f.events()[-1] == "ConsentWithdrawn"


def test_an_erasure_names_its_legal_basis_and_its_note_is_unreadable_afterwards(
        world: World) -> None:
    f = family(world, "esf_reporting", "referral_to_partners")
    f.ok("/referrals", fill(REFERRAL, {"parent": f.parent}))
    f.ok("/erasure", {"legal_basis": "unlawfully_recorded",
                      "note": "Aufnahme irrtümlich: Frau Okonkwo-Brandt wohnt in Duisburg",
                      "occurred_on": "2026-05-01"}, "coordinator")

    history = world.client("auditor").get(f"/families/{f.id}/history").json()["events"]
    erased = history[-1]
    body = record(f, "coordinator")

    assert erased["event"] == "PersonalDataErased"
    assert erased["facts"] == {"legal_basis": "unlawfully_recorded", "note": None}
    assert erased["erased_fields"] == ["note"]
    assert "Okonkwo" not in str(history)
    assert "Schuldnerberatung" not in str(history)  # the institution's name is sealed
    assert body["status"] == "erased"
    assert body["consent_texts"] is None
    assert [c["purpose"] for c in body["consents"]] == ["esf_reporting",
                                                         "referral_to_partners"]
    assert body["referrals"][0]["institution_name"] is None
    assert body["referrals"][0]["institution_type"] == "debt_counselling"


def test_an_erasure_without_a_legal_basis_from_the_catalogue_is_refused(
        world: World) -> None:
    f = family(world)
    before = f.version()

    found = problem(f.post("/erasure", {"legal_basis": "Löschantrag von Frau M."},
                           "coordinator"), 422)

    assert found["errors"][0]["field"] == "body.legal_basis"
    assert f.version() == before
    assert record(f, "coordinator")["status"] == "open"
