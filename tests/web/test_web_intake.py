"""Aufnahme: a new family through the form, on both stores."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from domain.directory import Role
from tests.support.world import World
from tests.web.pages import csrf_of, signed_in

KR = ["Krefeld-Mitte", "Krefeld-Süd", "Uerdingen"]
KEY = re.compile(r'name="schluessel" value="([0-9a-f]{32})"')


@pytest.fixture
def districts(world: World) -> World:
    world.services.directory.set_districts(project="KR", districts=KR, recorded_by="test")
    return world


def form_of(page: httpx.Response, **fields: Any) -> dict[str, Any]:
    """A filled intake: two people, the parent entering the ESF+ programme."""
    found = KEY.search(page.text)
    assert found, "the form has no idempotency key"
    data: dict[str, Any] = {
        "csrf": csrf_of(page), "schluessel": found.group(1), "project": "KR", "anzahl": "2",
        "m0_given_name": "Amira", "m0_family_name": "Okonkwo-Brandt",
        "m0_birth_date": "17.05.1991", "m0_role": "parent", "m0_gender": "female",
        "m0_esf": "ja", "m0_labour_market_status": "unemployed", "m0_unemployed_months": "14",
        "m0_isced": "isced_3_4", "m0_citizenship": "third_country", "m0_disability": "no",
        "m0_foreign_background": "yes", "m0_minority": "declined", "m0_homeless": "no",
        "m0_rural": "nein",
        "m1_given_name": "Noah", "m1_family_name": "Okonkwo-Brandt",
        "m1_birth_date": "03.09.2019", "m1_role": "child", "m1_gender": "male",
        "consent_purposes": ["esf_reporting", "referral_to_partners"],
        "consent_given_on": "02.03.2026", "district": "Krefeld-Süd", "postal_code": "47798",
        "street_address": "Westwall 12", "access_route": "kita",
        "benefit_situation": "sgb_ii", "occurred_on": "02.03.2026", "aktion": "aufnehmen"}
    data.update(fields)
    return data


def families(world: World) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.client("coordinator").get("/families").json()["items"]
    return items


def family(world: World, case_number: str) -> dict[str, Any]:
    found = next(f for f in families(world) if f["case_number"] == case_number)
    body: dict[str, Any] = world.client("coordinator").get(
        f"/families/{found['family_id']}").json()
    return body


def test_a_case_manager_opens_a_family_of_two_with_one_esf_entry(districts: World) -> None:
    world = districts
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get("/aufnahme")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "Familie aufnehmen" in page.text
    assert "weitere Person" in page.text
    assert '<option value="Krefeld-Süd">Krefeld-Süd</option>' in page.text
    assert "Austausch mit dem Jobcenter" in page.text
    assert "esf_reporting</" not in page.text

    answer = client.post("/aufnahme", data=form_of(page))

    assert answer.status_code == 303, answer.text
    number = answer.headers["location"].removeprefix("/familien/")
    assert re.fullmatch(r"KR-2026-\d{4}", number)
    opened = family(world, number)
    assert opened["case_manager"] == world.case_manager_id()
    assert [m["given_name"] for m in opened["members"]] == ["Amira", "Noah"]
    amira = opened["members"][0]["member_id"]
    assert [(p["member_id"], p["entered_on"]) for p in opened["participations"]] == [
        (amira, "2026-03-02")]
    assert opened["district"] == "Krefeld-Süd"


def test_a_coordinator_assigns_the_new_family_to_a_case_manager_by_name(
        districts: World) -> None:
    world = districts
    colleague = world.add_staff(Role.CASE_MANAGER, "KR", "Dariusz Nowicki")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/aufnahme")
    assert f'<option value="{colleague.staff_id}">Dariusz Nowicki</option>' in page.text
    assert "nimmt am ESF+-Programm teil" not in page.text  # (casework: the case manager's)

    answer = client.post("/aufnahme", data=form_of(page, case_manager=colleague.staff_id))

    assert answer.status_code == 303, answer.text
    number = answer.headers["location"].removeprefix("/familien/")
    opened = family(world, number)
    assert (opened["case_manager"], opened["participations"]) == (colleague.staff_id, [])


@pytest.mark.parametrize("role", [Role.REPORTING, Role.AUDITOR])
def test_reporting_and_auditors_may_not_open_the_intake(world: World, role: Role) -> None:
    client = signed_in(world, role)
    assert client.get("/aufnahme").status_code == 403
    assert "Aufnahme" not in client.get("/aufnahme").text.split("<main")[0]


def test_a_missing_field_is_named_next_to_it_and_everything_typed_stays(
        districts: World) -> None:
    world = districts
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get("/aufnahme")

    answer = client.post("/aufnahme", data=form_of(
        page, m0_family_name="", m1_given_name="<script>alert(1)</script>",
        district="Atlantis", occurred_on="31.02.2026"))

    assert answer.status_code == 422
    text = answer.text
    assert 'id="m0_family_name" name="m0_family_name" aria-invalid="true" ' \
           'aria-describedby="m0_family_name-fehler"' in text
    assert 'id="m0_family_name-fehler">⚠ Bitte ausfüllen.</p>' in text
    assert 'id="occurred_on-fehler">⚠ Bitte geben Sie ein Datum an' in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>" not in text
    assert 'value="Westwall 12"' in text
    assert 'value="31.02.2026"' in text
    assert '<option value="unemployed" selected>' in text
    assert 'value="esf_reporting" checked' in text
    assert families(world) == []


def test_a_district_outside_the_projects_list_is_refused_by_the_intake_itself(
        districts: World) -> None:
    client = signed_in(districts, Role.CASE_MANAGER)
    answer = client.post("/aufnahme", data=form_of(client.get("/aufnahme"),
                                                   district="Atlantis"))
    assert answer.status_code == 422
    assert 'id="district-fehler">⚠ Bitte wählen Sie einen Stadtteil des Projekts.' in answer.text
    assert families(districts) == []


def test_weitere_person_shows_one_more_row_and_keeps_what_was_typed(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get("/aufnahme")
    assert 'name="m1_given_name"' not in page.text

    more = client.post("/aufnahme", data=form_of(page, aktion="weitere_person"))

    assert more.status_code == 200
    assert 'name="m2_given_name"' in more.text
    assert 'value="Noah"' in more.text
    assert 'name="anzahl" value="3"' in more.text
    assert families(world) == []


def test_an_esf_entry_for_a_child_is_refused_before_anything_is_stored(
        world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    answer = client.post("/aufnahme", data=form_of(client.get("/aufnahme"), m1_esf="ja",
                                                   m0_unemployed_months=""))
    assert answer.status_code == 422
    assert 'id="m1_esf-fehler">⚠ Nur Erwachsene' in answer.text
    assert 'id="m0_unemployed_months-fehler">⚠ Bitte geben Sie an' in answer.text
    assert families(world) == []


def test_a_form_without_the_csrf_token_is_refused(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    data = form_of(client.get("/aufnahme"))
    del data["csrf"]
    assert client.post("/aufnahme", data=data).status_code == 403
    assert families(world) == []


def test_sending_the_same_form_twice_opens_one_case(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    data = form_of(client.get("/aufnahme"))

    first = client.post("/aufnahme", data=data)
    again = client.post("/aufnahme", data=data)

    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(families(world)) == 1
    number = first.headers["location"].removeprefix("/familien/")
    assert len(family(world, number)["participations"]) == 1


def test_without_a_session_the_intake_sends_to_the_sign_in_page(world: World) -> None:
    client = TestClient(world.app, base_url="https://testserver", follow_redirects=False)
    answer = client.get("/aufnahme")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/anmelden?weiter=%2Faufnahme")


def test_an_esf_entry_refused_after_the_case_opened_is_said_plainly_with_a_link(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from uuid import uuid4

    from api.web.pages import intake

    real = intake.entry_command
    monkeypatch.setattr(intake, "entry_command", lambda values, family_id, member_id, on:
                        real(values, family_id, str(uuid4()), on))  # (no such member)
    client = signed_in(world, Role.CASE_MANAGER)

    answer = client.post("/aufnahme", data=form_of(client.get("/aufnahme")))

    assert answer.status_code == 422
    number = families(world)[0]["case_number"]
    assert f"unter der Fallnummer {number} aufgenommen" in answer.text
    assert "<li>Amira Okonkwo-Brandt</li>" in answer.text
    assert f'href="/familien/{number}"' in answer.text


def test_without_a_list_of_districts_the_district_is_typed_and_a_coordinator_must_choose(
        world: World) -> None:
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/aufnahme")
    assert '<input type="text" id="district" name="district"' in page.text
    assert "noch keine Stadtteile hinterlegt" in page.text

    answer = client.post("/aufnahme", data=form_of(page, district="Irgendwo"))

    assert answer.status_code == 422
    assert 'id="case_manager-fehler">⚠ Bitte wählen Sie die zuständige' in answer.text
    assert 'value="Irgendwo"' in answer.text
    assert families(world) == []
