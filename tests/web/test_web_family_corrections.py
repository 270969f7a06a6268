"""Eintrag korrigieren: a contact, goal, referral, ESF+ entry or exit, or the intake's data
corrected from the Familie screen, as a browser sends it: the changed facts go into one
correction with its reason, the original entry stays, a value a field cannot take is
shown at that field, a broken rule between facts above the form, and nothing is stored
then; a change by someone else meanwhile is noticed (both stores)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from domain.directory import Role
from tests.support.world import World
from tests.web.family_forms import case_json, hidden, version
from tests.web.pages import signed_in

CONTACT = {"duration_minutes": 45, "mode": "home_visit", "topics": ["benefits"],
           "occurred_on": "2026-03-10"}


def correction_page(client: TestClient, number: str, path: str) -> httpx.Response:
    page = client.get(f"/familien/{number}/korrektur/{path}")
    assert page.status_code == 200, page.text
    return page


def correct(client: TestClient, number: str, path: str, **fields: Any) -> httpx.Response:
    """The correction page's form sent with its values as shown, ``fields`` changed."""
    action = f"/familien/{number}/korrektur/{path}"
    page = correction_page(client, number, path)
    return client.post(action, data={**hidden(page, action), **shown_values(page),
                                     **fields})


def shown_values(page: httpx.Response) -> dict[str, str]:
    """The values the form shows: text and date inputs and the selected options."""
    import re

    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    for name, body in re.findall(r'<select id="[^"]*" name="(\w+)"[^>]*>(.*?)</select>',
                                 page.text, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name in ("csrf", "version", "key"):
        values.pop(name, None)
    return values


@dataclass
class ContactForm:
    """A family with one contact recorded through the API, and its correction page as
    its case manager opened it in the browser."""

    case: dict[str, Any]
    api: TestClient
    client: TestClient
    page: httpx.Response

    @property
    def number(self) -> str:
        return str(self.case["case_number"])

    @property
    def family_id(self) -> str:
        return str(self.case["family_id"])

    @property
    def action(self) -> str:
        return f"/familien/{self.number}/korrektur/kontakt/1"


def contact_form(world: World) -> ContactForm:
    case = world.intake()
    api = world.client(Role.CASE_MANAGER)
    assert api.post(f"/families/{case['family_id']}/consultations",
                    json=CONTACT).status_code == 200
    client = signed_in(world, Role.CASE_MANAGER)
    return ContactForm(case, api, client,
                       correction_page(client, case["case_number"], "kontakt/1"))


def test_a_contacts_duration_is_corrected_with_its_reason_and_the_original_stays(
        world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    api = world.client(Role.CASE_MANAGER)
    assert api.post(f"/families/{family_id}/consultations", json=CONTACT).status_code == 200
    client = signed_in(world, Role.CASE_MANAGER)
    assert f"/familien/{number}/korrektur/kontakt/1" in client.get(f"/familien/{number}").text
    page = correction_page(client, number, "kontakt/1")
    assert "Kontakt vom 10.03.2026 korrigieren" in page.text
    assert "bisher: 45" in page.text
    assert "bisher: Hausbesuch" in page.text
    answer = correct(client, number, "kontakt/1", duration_minutes="60",
                     reason="60 statt 45 Minuten")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/familien/{number}?gespeichert=correction"
    assert case_json(world, family_id)["consultations"][0]["duration_minutes"] == 60
    history = api.get(f"/families/{family_id}/history").json()["events"]
    assert [e["event"] for e in history][-2:] == ["ConsultationRecorded", "EntryCorrected"]
    assert history[-2]["facts"]["duration_minutes"] == 45  # (the entry stays as recorded)
    page = client.get(f"/familien/{number}?gespeichert=correction").text
    assert "Die Korrektur wurde gespeichert." in page
    assert "60 Min." in page


def test_an_esf_entry_and_exit_are_corrected_and_an_item_set_back_to_unknown(
        world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    api = world.client(Role.CASE_MANAGER)
    parent = case_json(world, family_id)["members"][0]["member_id"]
    assert api.post(f"/families/{family_id}/participants", json={
        "member_id": parent, "labour_market_status": "unemployed", "unemployed_months": 14,
        "isced": "isced_3_4", "rural": False, "occurred_on": "2026-03-05"}).status_code == 200
    assert api.post(f"/families/{family_id}/participants/{parent}/exit", json={
        "status": "job_searching", "occurred_on": "2026-05-04"}).status_code == 200
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get(f"/familien/{number}").text
    assert f"/familien/{number}/korrektur/eintritt/1" in page
    assert f"/familien/{number}/korrektur/austritt/1" in page
    assert correct(client, number, "eintritt/1", unemployed_months="20", isced="",
                   rural="ja", reason="Angaben nachgeprüft").status_code == 303
    assert correct(client, number, "austritt/1", status="employed",
                   reason="Arbeitsvertrag lag schon vor").status_code == 303
    p = case_json(world, family_id)["participations"][0]
    assert (p["entry"]["unemployed_months"], p["entry"]["isced"], p["entry"]["rural"]) == (
        20, None, True)
    assert p["exit_status"] == "employed"


def test_broken_rules_are_shown_and_nothing_is_stored(world: World) -> None:
    case = world.intake()
    number, family_id = case["case_number"], case["family_id"]
    api = world.client(Role.CASE_MANAGER)
    parent = case_json(world, family_id)["members"][0]["member_id"]
    assert api.post(f"/families/{family_id}/participants", json={
        "member_id": parent, "occurred_on": "2026-03-05"}).status_code == 200
    assert api.post(f"/families/{family_id}/participants/{parent}/exit", json={
        "status": "job_searching", "occurred_on": "2026-05-04"}).status_code == 200
    before = version(world, family_id)
    client = signed_in(world, Role.CASE_MANAGER)
    answer = correct(client, number, "austritt/1", status="employed")
    assert answer.status_code == 422
    assert 'id="correction-reason-fehler"' in answer.text
    answer = correct(client, number, "austritt/1", reason="nichts")
    assert "Sie haben keine Angabe geändert." in answer.text
    answer = correct(client, number, "austritt/1", occurred_on="2026-03-01", reason="Datum")
    assert answer.status_code == 422
    assert "Der Austritt kann nicht vor dem Eintritt liegen." in answer.text
    assert 'value="2026-03-01"' in answer.text  # (what was typed is kept)
    answer = correct(client, number, "eintritt/1", unemployed_months="zwei", reason="x")
    assert 'id="correction-unemployed_months-fehler"' in answer.text
    answer = correct(client, number, "aufnahme", postal_code="4779", reason="Tippfehler")
    assert 'id="correction-postal_code-fehler"' in answer.text
    assert "Eine Postleitzahl hat fünf Ziffern." in answer.text
    assert version(world, family_id) == before
    answer = correct(client, number, "aufnahme", postal_code="47799", reason="Tippfehler")
    assert answer.status_code == 303
    assert case_json(world, family_id)["postal_code"] == "47799"


def test_a_change_by_someone_else_meanwhile_is_noticed_and_the_form_can_be_sent_again(
        world: World) -> None:
    f = contact_form(world)
    assert f.api.post(f"/families/{f.family_id}/consultations",
                      json=CONTACT).status_code == 200
    fields = {**shown_values(f.page), "duration_minutes": "60", "reason": "Tippfehler"}
    answer = f.client.post(f.action, data={**hidden(f.page, f.action), **fields})
    assert answer.status_code == 409
    assert "Inzwischen hat jemand anderes diese Familie geändert." in answer.text
    again = f.client.post(f.action, data={**hidden(answer, f.action), **fields})
    assert again.status_code == 303, again.text
    assert case_json(world, f.family_id)["consultations"][0]["duration_minutes"] == 60


def test_who_may_not_record_casework_is_refused_and_finds_no_link(world: World) -> None:
    f = contact_form(world)
    auditor = signed_in(world, Role.AUDITOR)
    assert "/korrektur/" not in auditor.get(f"/familien/{f.number}").text
    assert auditor.get(f.action).status_code in (403, 404)
    fields = hidden(f.page, f.action)  # (the case manager's form, sent by the auditor)
    answer = auditor.post(f.action, data={**fields, "duration_minutes": "60", "reason": "x"})
    assert answer.status_code in (403, 404)
    assert f.client.get(f"/familien/{f.number}/korrektur/kontakt/2").status_code == 404
    assert version(world, f.family_id) == f.case["version"] + 1
