"""The Familie screen's ESF+ forms (entry, exit, a later status on leaving, the six-month
follow-up) and the case's closure and reopening, as a browser sends them: saved through
the pipeline once, a broken rule shown next to its field with nothing stored, the results
of an exit still taken once the case is closed (both stores)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from domain.directory import Role
from domain.rules import earliest_follow_up, today_in_programme
from tests.support.world import World
from tests.web.family_forms import case_json, hidden, post_form, version
from tests.web.pages import signed_in

ENTRY = {"occurred_on": "2026-03-05", "labour_market_status": "unemployed",
         "unemployed_months": "14", "isced": "isced_3_4", "citizenship": "third_country",
         "disability": "no", "foreign_background": "yes", "minority": "declined",
         "homeless": "no", "rural": "nein"}


def participation(world: World, family_id: str) -> dict[str, Any]:
    found: dict[str, Any] = case_json(world, family_id)["participations"][-1]
    return found


def ago(days: int) -> str:
    return (today_in_programme() - timedelta(days=days)).isoformat()


def shown(day: str) -> str:
    return date.fromisoformat(day).strftime("%d.%m.%Y")


def post_via(client: TestClient, number: str, path: str, fields: dict[str, Any],
             shown_form: str) -> httpx.Response:
    """Post to ``path`` with the hidden fields of the form at ``shown_form`` (a form the
    page no longer offers, sent from a page rendered earlier)."""
    page = client.get(f"/familien/{number}")
    return client.post(f"/familien/{number}/{path}",
                       data={**hidden(page, f"/familien/{number}/{shown_form}"), **fields})


def test_a_parent_enters_leaves_and_gets_a_later_status_after_the_case_is_closed(
        world: World) -> None:
    case = world.intake(occurred_on=ago(60), consent_given_on=ago(60))
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get(f"/familien/{number}").text
    assert "ESF+ für Amira Okonkwo-Brandt erfassen" in page
    assert f"/familien/{number}/esf/2/eintritt" not in page  # (Noah is a child)
    for path, fields, saved in (
            ("esf/1/eintritt", {**ENTRY, "occurred_on": ago(50)}, "esf_entry"),
            ("esf/1/austritt", {"status": "job_searching", "occurred_on": ago(10)},
             "esf_exit"),
            ("abschluss", {"reason": "goals_achieved", "note": "beide Ziele erreicht",
                           "occurred_on": ago(8)}, "case_closed"),
            # the case is closed: the results of the exit are still taken
            ("esf/1/status", {"status": "employed", "occurred_on": ago(5)}, "esf_status")):
        answer = post_form(client, number, path, fields)
        assert answer.status_code == 303, (path, answer.text)
        assert f"gespeichert={saved}" in answer.headers["location"]
    p = participation(world, family_id)
    assert (p["entered_on"], p["left_on"], p["exit_status"]) == (
        ago(50), ago(10), "job_searching")
    assert [(s["on"], s["status"]) for s in p["statuses"]][-1] == (ago(5), "employed")
    assert p["entry"]["unemployed_months"] == 14
    assert p["entry"]["rural"] is False
    page = client.get(f"/familien/{number}?gespeichert=case_closed").text
    assert "Der Fall wurde abgeschlossen." in page
    assert f"Abgeschlossen am {shown(ago(8))}: Ziele erreicht." in page
    assert f"/familien/{number}/kontakt" not in page  # (contacts only after reopening)
    assert f"/familien/{number}/esf/1/eintritt" not in page
    answer = post_form(client, number, "wiederaufnahme", {
        "reason": "neue Mietschulden", "occurred_on": ago(1)})
    assert answer.status_code == 303, answer.text
    page = client.get(f"/familien/{number}").text
    assert f"/familien/{number}/kontakt" in page
    assert "Erneuter ESF+-Eintritt" in page  # (a re-entry after the exit)


def test_the_six_month_follow_up_is_offered_once_the_status_window_has_passed(
        world: World) -> None:
    case = world.intake(occurred_on=ago(300), consent_given_on=ago(300))
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    for path, fields in (("esf/1/eintritt", {**ENTRY, "occurred_on": ago(290)}),
                         ("esf/1/austritt", {"status": "job_searching",
                                             "occurred_on": ago(250)}),
                         ("abschluss", {"reason": "goals_achieved", "occurred_on": ago(249)})):
        assert post_form(client, number, path, fields).status_code == 303, path
    page = client.get(f"/familien/{number}").text
    assert f"/familien/{number}/esf/1/status" not in page  # (28 days have passed)
    assert post_form(client, number, "esf/1/nachbefragung", {
        "status": "employed", "better_situation": "ja",
        "occurred_on": ago(10)}).status_code == 303
    p = participation(world, family_id)
    assert (p["follow_up_on"], p["follow_up_status"], p["follow_up_better"]) == (
        ago(10), "employed", True)
    page = client.get(f"/familien/{number}?gespeichert=esf_follow_up").text
    assert "Die Nachbefragung wurde gespeichert." in page
    assert f"/familien/{number}/esf/1/nachbefragung" not in page  # (recorded)


def test_broken_rules_are_shown_at_their_fields_and_nothing_is_stored(world: World) -> None:
    case = world.intake(occurred_on=ago(60), consent_given_on=ago(60))
    number, family_id = case["case_number"], case["family_id"]
    client = signed_in(world, Role.CASE_MANAGER)
    entry = {**ENTRY, "occurred_on": ago(50)}
    answer = post_form(client, number, "esf/1/eintritt", {**entry, "unemployed_months": ""})
    assert answer.status_code == 422
    assert 'id="esf-1-entry-unemployed_months-fehler"' in answer.text
    assert "seit wie vielen Monaten" in answer.text
    assert "<details open>" in answer.text
    assert 'value="third_country" selected' in answer.text
    answer = post_form(client, number, "esf/1/eintritt", {**entry, "unemployed_months": "viele"})
    assert "Monate als ganze Zahl" in answer.text
    assert version(world, family_id) == case["version"]
    assert post_form(client, number, "esf/1/eintritt", entry).status_code == 303
    entered = version(world, family_id)
    answer = post_form(client, number, "abschluss", {"reason": "goals_achieved",
                                                     "occurred_on": ago(1)})
    assert answer.status_code == 422
    assert "vor dem Abschluss den ESF+-Austritt aller Teilnehmenden" in answer.text
    answer = post_form(client, number, "esf/1/austritt", {"status": "employed",
                                                          "occurred_on": ago(55)})
    assert answer.status_code == 422
    assert 'id="esf-1-exit-occurred_on-fehler"' in answer.text
    assert "nicht vor dem Eintritt" in answer.text
    assert post_form(client, number, "esf/1/austritt", {
        "status": "employed", "occurred_on": ago(40)}).status_code == 303
    left = version(world, family_id)
    page = client.get(f"/familien/{number}").text
    assert f"/familien/{number}/esf/1/nachbefragung" not in page  # (not due yet)
    earliest = shown(earliest_follow_up(date.fromisoformat(ago(40))).isoformat())
    answer = post_via(client, number, "esf/1/nachbefragung", {
        "status": "employed", "occurred_on": ago(1)}, "esf/1/eintritt")
    assert answer.status_code == 422
    assert 'id="esf-1-follow_up-occurred_on-fehler"' in answer.text
    assert "frühestens sechs Monate nach dem Austritt" in answer.text
    assert f"frühestens am {earliest}" in answer.text
    answer = post_via(client, number, "esf/1/status", {
        "status": "employed", "occurred_on": ago(1)},
        "esf/1/eintritt")  # (39 days after the exit)
    assert answer.status_code == 422
    assert 'id="esf-1-status-occurred_on-fehler"' in answer.text
    assert "mehr als 28 Tage nach dem Austritt" in answer.text
    assert version(world, family_id) == left > entered


def test_the_same_entry_sent_twice_records_one(world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    action = f"/familien/{number}/esf/1/eintritt"
    fields = {**hidden(client.get(f"/familien/{number}"), action), **ENTRY}
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data=fields).status_code == 303
    assert version(world, case["family_id"]) == case["version"] + 1


def test_people_who_may_not_record_casework_get_no_forms_and_are_refused(
        world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    auditor = signed_in(world, Role.AUDITOR)
    page = auditor.get(f"/familien/{number}")
    assert page.status_code == 200
    assert "/esf/1/eintritt" not in page.text
    assert "/abschluss" not in page.text
    answer = auditor.post(f"/familien/{number}/esf/1/eintritt",
                          data={**hidden(signed_in(world, Role.CASE_MANAGER).get(
                              f"/familien/{number}"), f"/familien/{number}/esf/1/eintritt"),
                              **ENTRY})
    assert answer.status_code in (403, 404)
    assert version(world, case["family_id"]) == case["version"]
