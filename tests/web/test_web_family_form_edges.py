"""The Familie page's newer forms where people really trip: a form sent again after a
colleague's change sends only the person's own changes, a double click saves once, an
error is shown even where the page would no longer offer its form, digits that are not
ASCII never make a 500, and required dates stay required (both stores)."""

from __future__ import annotations

from typing import Any

from domain.directory import Role
from tests.support.world import World
from tests.web.family_forms import case_json, hidden, post_form, version
from tests.web.pages import signed_in
from tests.web.test_web_family_corrections import contact_form, correction_page, shown_values


def test_a_correction_sent_again_after_a_colleagues_change_keeps_that_change(
        world: World) -> None:
    f = contact_form(world)
    consultation = case_json(world, f.family_id)["consultations"][0]["consultation_id"]
    assert f.api.post(f"/families/{f.family_id}/corrections", json={
        "target": {"kind": "consultation", "id": consultation},
        "changes": [{"field": "mode", "value": "phone"}],
        "reason": "war ein Anruf"}).status_code == 200
    fields = {**shown_values(f.page), "duration_minutes": "60", "reason": "Tippfehler"}
    answer = f.client.post(f.action, data={**hidden(f.page, f.action), **fields})
    assert answer.status_code == 409
    again = f.client.post(f.action, data={**hidden(answer, f.action), **shown_values(answer),
                                          "reason": "Tippfehler"})
    assert again.status_code == 303, again.text
    c = case_json(world, f.family_id)["consultations"][0]
    assert (c["duration_minutes"], c["mode"]) == (60, "phone")


def test_a_correction_clicked_twice_saves_once_and_a_number_written_otherwise_is_no_change(
        world: World) -> None:
    f = contact_form(world)
    client, action, family_id = f.client, f.action, f.family_id
    fields = {**hidden(f.page, action), **shown_values(f.page), "duration_minutes": "60",
              "reason": "Tippfehler"}
    before = version(world, family_id)
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data=fields).status_code == 303
    assert version(world, family_id) == before + 1
    page = correction_page(client, f.number, "kontakt/1")
    answer = client.post(action, data={**hidden(page, action), **shown_values(page),
                                       "duration_minutes": "060", "reason": "x"})
    assert answer.status_code == 422
    assert "Sie haben keine Angabe geändert." in answer.text


def test_a_details_form_sent_again_after_a_colleagues_change_keeps_it(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get(f"/familien/{number}")
    action = f"/familien/{number}/personen/1/angaben"
    shown = hidden(page, action)
    member = case_json(world, family_id)["members"][0]["member_id"]
    assert world.client(Role.CASE_MANAGER).post(
        f"/families/{family_id}/members/{member}/details",
        json={"family_name": "Brandt"}).status_code == 200
    fields = {"given_name": "Amina", "family_name": "Okonkwo-Brandt",
              "birth_date": "1991-05-17", "gender": "female"}
    answer = client.post(action, data={**shown, **fields})
    assert answer.status_code == 409
    assert client.post(action, data={**hidden(answer, action), **fields}).status_code == 303
    m = case_json(world, family_id)["members"][0]
    assert (m["given_name"], m["family_name"]) == ("Amina", "Brandt")
    answer = post_form(client, number, "personen/1/angaben", {
        "given_name": "Amina", "family_name": "Brandt", "birth_date": "",
        "gender": "female"})
    assert answer.status_code == 422
    assert 'id="member-1-details-birth_date-fehler"' in answer.text


def test_an_error_is_shown_where_the_page_no_longer_offers_its_form(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    parent = case_json(world, family_id)["members"][0]["member_id"]
    api = world.client(Role.CASE_MANAGER)
    assert api.post(f"/families/{family_id}/participants", json={
        "member_id": parent, "occurred_on": "2026-03-05"}).status_code == 200
    page = client.get(f"/familien/{number}")  # (an old tab: the exit form offered)
    exit_action = f"/familien/{number}/esf/1/austritt"
    old = hidden(page, exit_action)
    assert api.post(f"/families/{family_id}/participants/{parent}/exit", json={
        "status": "employed", "occurred_on": "2026-05-04"}).status_code == 200
    answer = client.post(exit_action, data={**old, "status": "employed",
                                            "occurred_on": "2026-05-04"})
    assert answer.status_code in (409, 422)
    assert 'id="esf-1-exit-hinweis"' in answer.text  # (its message, with the form)
    close_action = f"/familien/{number}/abschluss"
    old = hidden(page, close_action)
    assert api.post(f"/families/{family_id}/closure", json={
        "reason": "goals_achieved", "occurred_on": "2026-05-10"}).status_code == 200
    answer = client.post(close_action, data={**old, "reason": "goals_achieved",
                                             "note": "Abschlussgespräch geführt",
                                             "occurred_on": "2026-05-10"})
    assert 'id="closure-hinweis"' in answer.text
    assert "Abschlussgespräch geführt" in answer.text  # (what was typed is kept)
    page = client.get(f"/familien/{number}").text  # (closed: a consent is withdrawn still)
    assert f"/familien/{number}/einwilligungen/referral_to_partners/widerruf" in page


def test_required_dates_stay_required_and_odd_digits_never_make_a_500(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    assert post_form(client, number, "esf/1/eintritt", {"occurred_on": "2026-03-05"}
                     ).status_code == 303
    entered = version(world, family_id)
    answer = post_form(client, number, "esf/1/austritt", {"status": "employed",
                                                          "occurred_on": ""})
    assert answer.status_code == 422
    assert 'id="esf-1-exit-occurred_on-fehler"' in answer.text
    for path, fields in (("esf/1/austritt", {"status": "employed", "occurred_on": "2026-05-04"}),
                         ("kontakt", {"duration_minutes": "²", "mode": "phone",
                                      "topics": ["benefits"], "occurred_on": "2026-05-04"})):
        answer = post_form(client, number, path, fields, version="²")
        assert answer.status_code < 500, (path, answer.status_code)
    answer = post_form(client, number, "kontakt", {"duration_minutes": "²", "mode": "phone",
                                                   "topics": ["benefits"],
                                                   "occurred_on": "2026-05-04"})
    assert answer.status_code == 422
    assert version(world, family_id) == entered


def test_a_corrected_district_is_one_of_the_projects_once_it_has_a_list(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    coordinator = world.client(Role.COORDINATOR)
    assert coordinator.post("/projects/KR/districts", json={
        "districts": ["Krefeld-Mitte", "Uerdingen"]}).status_code < 300
    client = signed_in(world, Role.CASE_MANAGER)
    page = correction_page(client, number, "aufnahme")
    assert '<option value="Uerdingen">' in page.text
    action = f"/familien/{number}/korrektur/aufnahme"
    answer = client.post(action, data={**hidden(page, action), **shown_values(page),
                                       "district": "Quatschhausen", "reason": "x"})
    assert answer.status_code == 422
    assert "Bitte wählen Sie einen Stadtteil des Projekts." in answer.text
    page = correction_page(client, number, "aufnahme")
    assert client.post(action, data={**hidden(page, action), **shown_values(page),
                                      "district": "Uerdingen", "reason": "umgezogen"}
                       ).status_code == 303
    assert case_json(world, family_id)["district"] == "Uerdingen"
    answer = world.client(Role.CASE_MANAGER).post(f"/families/{family_id}/corrections", json={
        "target": {"kind": "case"}, "changes": [{"field": "district", "value": "Quatsch"}],
        "reason": "x"})
    assert answer.status_code == 422
    assert answer.json()["rule"] == "unknown_district"


def test_a_defect_behind_a_page_answers_a_german_page_not_json(
        world: World, monkeypatch: Any) -> None:
    case = world.intake()
    client = signed_in(world, Role.CASE_MANAGER)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a defect")

    monkeypatch.setattr("api.web.pages.family.load", broken)
    answer = client.get(f"/familien/{case['case_number']}")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "Ein Fehler ist aufgetreten" in answer.text
