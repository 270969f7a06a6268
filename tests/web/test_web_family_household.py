"""The Familie screen's household and consent forms as a browser sends them: a person
added, a member's details changed, a move-out recorded, a consent given later (a
referral then takes it) and withdrawn; a broken rule shown and nothing stored (both
stores)."""

from __future__ import annotations

from domain.directory import Role
from tests.support.world import World
from tests.web.family_forms import case_json, hidden, post_form, version
from tests.web.pages import signed_in


def test_a_person_joins_a_name_is_corrected_and_a_member_moves_out(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    for path, fields, saved in (
            ("personen", {"role": "child", "given_name": "Mila",
                          "family_name": "Okonkwo-Brandt", "birth_date": "2026-04-01",
                          "gender": "female", "occurred_on": "2026-04-02"}, "member_added"),
            ("personen/1/angaben", {"given_name": "Amira", "family_name": "Okonkwo",
                                    "birth_date": "1991-05-17", "gender": "female",
                                    "occurred_on": "2026-04-03"}, "member_changed"),
            ("personen/2/ausgezogen", {"reason": "zum Vater nach Duisburg",
                                       "occurred_on": "2026-04-04"}, "member_left")):
        answer = post_form(client, number, path, fields)
        assert answer.status_code == 303, (path, answer.text)
        assert f"gespeichert={saved}#haushalt" in answer.headers["location"]
    members = case_json(world, family_id)["members"]
    assert [(m["given_name"], m["family_name"], m["in_household"]) for m in members] == [
        ("Amira", "Okonkwo", True), ("Noah", "Okonkwo-Brandt", False),
        ("Mila", "Okonkwo-Brandt", True)]
    page = client.get(f"/familien/{number}").text
    assert "ausgezogen am 04.04.2026" in page
    assert f"/familien/{number}/personen/2/ausgezogen" not in page  # (left already)
    history = world.client(Role.CASE_MANAGER).get(f"/families/{family_id}/history").json()
    changed = [e for e in history["events"] if e["event"] == "MemberDetailsChanged"]
    assert len(changed) == 1  # (only the family name was sent as a change)


def test_a_consent_given_later_lets_a_referral_through_and_can_be_withdrawn(
        world: World) -> None:
    case = world.intake(consent_purposes=["esf_reporting"])
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    referral = {"member_id": "1", "institution_type": "debt_counselling",
                "institution_name": "Schuldnerberatung", "consent_confirmed": "ja",
                "occurred_on": "2026-04-10"}
    refused = post_form(client, number, "vermittlungen", referral)
    assert refused.status_code == 422
    assert post_form(client, number, "einwilligungen", {
        "purpose": "referral_to_partners", "occurred_on": "2026-04-01"}).status_code == 303
    assert post_form(client, number, "vermittlungen", referral).status_code == 303
    answer = post_form(client, number, "einwilligungen/referral_to_partners/widerruf",
                       {"occurred_on": "2026-05-01"})
    assert answer.status_code == 303, answer.text
    assert "gespeichert=consent_withdrawn#einwilligungen" in answer.headers["location"]
    consents = [c["purpose"] for c in case_json(world, family_id)["consents"]]
    assert consents == ["esf_reporting"]


def test_broken_rules_are_shown_at_their_fields_and_nothing_is_stored(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    answer = post_form(client, number, "personen", {
        "role": "child", "given_name": "", "family_name": "Okonkwo-Brandt",
        "occurred_on": "2026-04-02"})
    assert answer.status_code == 422
    assert 'id="member-given_name-fehler"' in answer.text
    answer = post_form(client, number, "einwilligungen", {
        "purpose": "esf_reporting", "occurred_on": "2026-04-01"})
    assert answer.status_code == 422  # (in force since the intake: not offered, refused)
    assert "Diese Einwilligung ist bereits in Kraft." in answer.text
    answer = post_form(client, number, "personen/1/angaben", {
        "given_name": "Amira", "family_name": "Okonkwo-Brandt", "birth_date": "1991-05-17",
        "gender": "female", "occurred_on": "2026-04-03"})
    assert answer.status_code == 422
    assert "Sie haben keine Angabe geändert." in answer.text
    answer = post_form(client, number, "personen/1/ausgezogen", {"occurred_on": "2026-01-01"})
    assert answer.status_code == 422
    assert 'id="member-1-left-occurred_on-fehler"' in answer.text
    assert version(world, family_id) == case["version"]


def test_the_same_person_sent_twice_is_added_once(world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    action = f"/familien/{number}/personen"
    fields = {**hidden(client.get(f"/familien/{number}"), action), "role": "child",
              "given_name": "Mila", "family_name": "Okonkwo-Brandt",
              "occurred_on": "2026-04-02"}
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data=fields).status_code == 303
    assert version(world, case["family_id"]) == case["version"] + 1
