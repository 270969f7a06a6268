"""Orte & Partner: every role of the project lists its places and partners, with the
referrals made to each partner and their latest outcomes; coordinators and admins add,
change and retire them through forms (the JSON API's commands), a broken rule is shown
at its field and nothing is stored."""

from __future__ import annotations

from tests.support.world import World
from tests.web.offer_pages import add_partner, post, shared
from tests.web.pages import csrf_of, signed_in

__all__ = ["shared"]


def head(world: World) -> int:
    return world.services.cases.recorder.max_notification_id() or 0


def refer(world: World, partner_id: str, outcome: str | None = None) -> None:
    family = world.intake()
    client = world.client("case_manager")
    made = client.post(f"/families/{family['family_id']}/referrals", json={
        "member_id": family["member_ids"][0], "consent_confirmed": True,
        "partner_id": partner_id, "occurred_on": "2026-03-05"})
    assert made.status_code == 200, made.text
    if outcome is not None:
        referral_id = client.get(f"/families/{family['family_id']}").json()["referrals"][0][
            "referral_id"]
        recorded = client.post(
            f"/families/{family['family_id']}/referrals/{referral_id}/outcomes",
            json={"outcome": outcome, "occurred_on": "2026-03-20"})
        assert recorded.status_code == 200, recorded.text


def test_places_and_partners_are_added_changed_and_retired_through_the_forms(
        shared: World) -> None:
    client = signed_in(shared, "coordinator")
    answer = post(client, "/orte", "/orte/ort", {"name": "Familienzentrum Westwall",
                                                 "kind": "family_centre",
                                                 "district": "Krefeld-Mitte"})
    assert answer.status_code == 303, answer.text
    answer = post(client, "/orte", "/orte/partner", {
        "name": "Schuldnerberatung Diakonie", "institution_type": "debt_counselling",
        "contact_role": "Beratungsstelle"})
    assert answer.status_code == 303, answer.text
    page = client.get(answer.headers["location"])
    assert "✓ Partner gespeichert." in page.text
    place_id = shared.services.directory.project("KR").places
    found = next(p for p in place_id.values() if p.name == "Familienzentrum Westwall")
    action = f"/orte/ort/{found.place_id}"
    answer = post(client, "/orte", action, {"name": "Familienzentrum am Westwall",
                                            "kind": "family_centre", "district": ""})
    assert answer.status_code == 303, answer.text
    assert post(client, "/orte", f"{action}/beenden", {}).status_code == 303
    page = client.get("/orte").text
    assert "Familienzentrum am Westwall <span class=\"badge quiet\">nicht mehr genutzt" in page
    assert "Schuldnerberatung Diakonie" in page
    assert "Schuldnerberatung" in page


def test_a_contact_role_with_an_e_mail_address_is_refused_at_its_field(shared: World) -> None:
    client = signed_in(shared, "admin")
    before = head(shared)
    answer = post(client, "/orte", "/orte/partner", {
        "name": "Migrationsberatung", "institution_type": "migration_counselling",
        "contact_role": "frau.meier@example.org"})
    assert answer.status_code == 422
    assert 'id="partner-new-contact_role-fehler"' in answer.text
    assert "keine E-Mail-Adresse oder Telefonnummer" in answer.text
    assert 'value="Migrationsberatung"' in answer.text
    answer = post(client, "/orte", "/orte/ort", {"name": "", "kind": "online"})
    assert answer.status_code == 422
    assert 'id="place-new-name-fehler"' in answer.text
    assert head(shared) == before


def test_every_role_reads_the_referrals_per_partner_and_only_managers_change(
        shared: World) -> None:
    partner = add_partner(shared, "Jobcenter Krefeld")
    refer(shared, partner, "accepted")
    refer(shared, partner)
    reporting = signed_in(shared, "reporting")
    page = reporting.get("/orte").text
    assert "Jobcenter Krefeld" in page
    assert "<strong>2</strong>" in page
    assert "Angenommen: 1, offen: 1" in page
    assert "/orte/partner" not in page  # (no forms)
    before = head(shared)
    answer = reporting.post("/orte/partner", data={
        "csrf": csrf_of(reporting.get("/orte")), "name": "Jugendamt",
        "institution_type": "youth_office"})
    assert answer.status_code == 403
    assert "Kein Zugriff" in answer.text
    assert head(shared) == before
    other = signed_in(shared, "coordinator", "GL").get("/orte").text
    assert "Jobcenter Krefeld" not in other
    assert signed_in(shared, "coordinator").get("/orte?projekt=GL").status_code == 404
