"""A project's places and partner institutions (issue 15, item 1): directory events
managed by coordinators and admins, listed for every role of the project, and partners
a referral can name."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from cli.main import app as cli
from domain.directory import StaffDirectory
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.values import InstitutionType, PlaceKind
from tests.support.processes import configure_lotse
from tests.support.world import World

KR = ["Krefeld-Mitte", "Krefeld-Süd"]
JOBCENTER = {"name": "Jobcenter Krefeld", "institution_type": "jobcenter",
             "contact_role": "Teamleitung Eingliederung", "district": "Krefeld-Mitte"}


def _referral(world: World, **fields: Any) -> Any:
    family = world.intake()
    body = {"member_id": family["member_ids"][0], "consent_confirmed": True,
            "occurred_on": "2026-03-05", **fields}
    answer = world.client("case_manager").post(
        f"/families/{family['family_id']}/referrals", json=body)
    return family, answer


def test_a_coordinator_adds_changes_and_retires_a_place_and_every_role_lists_it(
        world: World) -> None:
    world.services.directory.set_districts(project="KR", districts=KR, recorded_by="test")
    coordinator = world.client("coordinator")

    added = coordinator.post("/projects/KR/places", json={
        "name": "Familienzentrum Westwall", "kind": "family_centre",
        "district": "Krefeld-Mitte"})
    assert added.status_code == 201, added.text
    place = added.json()["place_id"]
    changed = coordinator.post(f"/projects/KR/places/{place}", json={
        "name": "Familienzentrum am Westwall", "kind": "family_centre",
        "district": "Krefeld-Süd"})
    assert changed.status_code == 200, changed.text
    online = coordinator.post("/projects/KR/places", json={"name": "Online-Elterncafé",
                                                           "kind": "online"}).json()
    retired = coordinator.post(f"/projects/KR/places/{online['place_id']}/retirement")

    assert retired.status_code == 200, retired.text
    assert retired.json()["active"] is False
    for role in ("case_manager", "coordinator", "auditor", "reporting", "admin"):
        listed = world.client(role).get("/projects/KR/places")
        assert listed.status_code == 200, (role, listed.text)
        assert [(p["name"], p["district"], p["active"]) for p in listed.json()] == [
            ("Familienzentrum am Westwall", "Krefeld-Süd", True),
            ("Online-Elterncafé", None, False)]
    assert world.client("coordinator", "GL").get("/projects/KR/places").status_code == 404
    assert world.client("coordinator", "GL").get("/projects/GL/places").json() == []


@pytest.mark.store_independent  # what is checked does not depend on the store
def test_a_place_outside_the_projects_districts_is_refused_and_nothing_is_stored(
        world: World) -> None:
    world.services.directory.set_districts(project="KR", districts=KR, recorded_by="test")
    coordinator = world.client("coordinator")

    refused = coordinator.post("/projects/KR/places", json={
        "name": "Schule am Park", "kind": "school", "district": "Atlantis"})

    assert refused.status_code == 422, refused.text
    assert (refused.json()["rule"], refused.json()["field"]) == ("unknown_district", "district")
    assert coordinator.get("/projects/KR/places").json() == []


@pytest.mark.store_independent  # what is checked does not depend on the store
def test_a_partner_is_added_with_a_contact_role_and_no_person_s_data(world: World) -> None:
    coordinator = world.client("coordinator")

    added = coordinator.post("/projects/KR/partners", json=JOBCENTER)
    with_name = coordinator.post("/projects/KR/partners", json={
        **JOBCENTER, "contact_name": "Frau Beispiel"})
    with_mail = coordinator.post("/projects/KR/partners", json={
        **JOBCENTER, "contact_role": "m.beispiel@jobcenter.example"})
    too_long = coordinator.post("/projects/KR/partners", json={
        **JOBCENTER, "contact_role": "x" * 101})

    assert added.status_code == 201, added.text
    assert {k: added.json()[k] for k in JOBCENTER} == JOBCENTER
    assert with_name.status_code == 422
    assert "contact_name" in with_name.text
    assert with_mail.status_code == 422
    assert with_mail.json()["rule"] == "contact_details_in_role"
    assert too_long.status_code == 422
    assert len(coordinator.get("/projects/KR/partners").json()) == 1


def test_a_partner_is_changed_and_retired_and_a_repeat_records_nothing_new(
        world: World) -> None:
    coordinator = world.client("coordinator")
    partner = coordinator.post("/projects/KR/partners", json=JOBCENTER).json()["partner_id"]
    version = world.services.directory.current().version
    key = {"Idempotency-Key": str(uuid4())}

    changed = coordinator.post(f"/projects/KR/partners/{partner}", headers=key, json={
        **JOBCENTER, "contact_role": "Beauftragte für Chancengleichheit"})
    again = coordinator.post(f"/projects/KR/partners/{partner}", headers=key, json={
        **JOBCENTER, "contact_role": "Beauftragte für Chancengleichheit"})
    unchanged = coordinator.post(f"/projects/KR/partners/{partner}", json={
        **JOBCENTER, "contact_role": "Beauftragte für Chancengleichheit"})
    retired = coordinator.post(f"/projects/KR/partners/{partner}/retirement")
    twice = coordinator.post(f"/projects/KR/partners/{partner}/retirement")

    assert changed.status_code == 200, changed.text
    assert again.json() == changed.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert unchanged.status_code == 422
    assert unchanged.json()["rule"] == "nothing_changed"
    assert retired.json()["active"] is False
    assert twice.json()["rule"] == "partner_retired"
    assert world.services.directory.current().version == version + 2


@pytest.mark.store_independent  # what is checked does not depend on the store
def test_only_coordinators_and_admins_manage_places_and_partners(world: World) -> None:
    for role, status in (("case_manager", 403), ("auditor", 403), ("reporting", 403),
                         ("admin", 201)):
        answer = world.client(role).post("/projects/KR/partners", json=JOBCENTER)
        assert answer.status_code == status, (role, answer.text)
    assert world.client("admin", "GL").post("/projects/KR/places", json={
        "name": "Kita Sonnenschein", "kind": "kita"}).status_code == 404


def test_a_referral_names_a_partner_and_takes_its_type_and_name(world: World) -> None:
    coordinator = world.client("coordinator")
    partner = coordinator.post("/projects/KR/partners", json=JOBCENTER).json()["partner_id"]

    family, answer = _referral(world, partner_id=partner, purpose="Rückkehr in den Beruf")

    assert answer.status_code == 200, answer.text
    shown = world.client("case_manager").get(f"/families/{family['family_id']}").json()
    referral = shown["referrals"][0]
    assert (referral["partner_id"], referral["institution_type"],
            referral["institution_name"]) == (partner, "jobcenter", "Jobcenter Krefeld")


def test_a_referral_to_a_retired_or_unknown_partner_is_refused_naming_the_rule(
        world: World) -> None:
    coordinator = world.client("coordinator")
    partner = coordinator.post("/projects/KR/partners", json=JOBCENTER).json()["partner_id"]
    coordinator.post(f"/projects/KR/partners/{partner}/retirement")
    other = world.client("coordinator", "GL").post("/projects/GL/partners", json={
        **JOBCENTER, "district": None}).json()["partner_id"]

    family, retired = _referral(world, partner_id=partner)
    _, elsewhere = _referral(world, partner_id=other)
    _, nothing = _referral(world)
    _, free_text = _referral(world, institution_type="other", institution_name="Tafel")

    assert (retired.status_code, retired.json()["rule"]) == (422, "partner_retired")
    assert (elsewhere.status_code, elsewhere.json()["rule"]) == (422, "unknown_partner")
    assert (nothing.status_code, nothing.json()["rule"]) == (422, "institution_required")
    assert free_text.status_code == 200, free_text.text
    shown = world.client("case_manager").get(f"/families/{family['family_id']}").json()
    assert shown["referrals"] == []


@pytest.mark.store_independent
def test_the_directory_keeps_places_and_partners_per_project() -> None:
    directory = StaffDirectory.start()
    directory.add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=None,
                          recorded_by="test")
    place, partner = uuid4(), uuid4()
    directory.place(project="KR", place_id=place, name=" Quartiersbüro ",
                    kind=PlaceKind.QUARTER_OFFICE, district=None, recorded_by="t", new=True)
    with pytest.raises(InvalidInput, match="phone"):
        directory.partner(project="KR", partner_id=partner, name="AWO",
                          institution_type=InstitutionType.MIGRATION_COUNSELLING,
                          contact_role="Tel. 02151 123456", district=None,
                          recorded_by="t", new=True)
    with pytest.raises(NotFound):
        directory.retire_place(project="KR", place_id=uuid4(), recorded_by="t")
    with pytest.raises(RuleViolation):
        directory.place(project="KR", place_id=place, name="Quartiersbüro",
                        kind=PlaceKind.QUARTER_OFFICE, district=None, recorded_by="t",
                        new=True)
    assert directory.projects["KR"].places[place].name == "Quartiersbüro"
    assert directory.projects["KR"].partners == {}


@pytest.mark.store_independent  # what is checked does not depend on the store
def test_the_command_line_adds_lists_and_retires_places_and_partners(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = world.services.cases.settings
    world.services.cases.close()
    configure_lotse(monkeypatch, settings)
    env = {"COLUMNS": "250"}

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["projects", *args], env=env)

    place = run("places", "add", "KR", "--name", "Quartiersbüro Süd", "--kind",
                "quarter_office")
    partner = run("partners", "add", "KR", "--name", "Jobcenter Krefeld", "--type",
                  "jobcenter", "--contact-role", "Teamleitung Eingliederung")
    partner_id = partner.output.strip().rsplit(" ", 1)[-1]
    retired = run("partners", "retire", "KR", partner_id)
    bad_kind = run("places", "add", "KR", "--name", "Irgendwo", "--kind", "castle")
    places, partners = run("places", "list", "KR"), run("partners", "list", "KR")
    unknown = run("places", "list", "XX")

    assert place.exit_code == 0, place.output
    assert partner.exit_code == 0, partner.output
    assert "Partner Jobcenter Krefeld retired." in retired.output
    assert bad_kind.exit_code == 1
    assert "Quartiersbüro Süd" in places.output
    assert "quarter_office" in places.output
    assert "Teamleitung Eingliederung" in partners.output
    assert partners.output.count(" · retired") == 1
    assert partner_id in partners.output
    assert unknown.exit_code == 1
