"""The Familie screen's forms (goals, referrals, a contact sent twice) as a browser sends
them: saved through the pipeline once, a broken rule shown next to its field with
everything typed kept and nothing stored (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.sign_in import SESSIONS
from domain.directory import Role
from tests.support.world import World
from tests.web.family_forms import (
    NOTES,
    contact,
    hidden,
    post_form,
    version,
)
from tests.web.pages import signed_in


def test_the_same_form_sent_twice_records_one_contact(world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    action = f"/familien/{number}/kontakt"
    fields = {**hidden(client.get(f"/familien/{number}"), action), **contact()}
    assert client.post(action, data=fields).status_code == 303
    assert client.post(action, data=fields).status_code == 303
    assert version(world, case["family_id"]) == case["version"] + 1

def test_a_broken_rule_is_shown_next_to_its_field_and_nothing_is_stored(world: World) -> None:
    case = world.intake()
    client = signed_in(world, Role.CASE_MANAGER)
    answer = post_form(client, case["case_number"], "kontakt",
                       contact(topics=[], next_follow_up_on="2026-03-01",
                               duration_minutes="eine Stunde"))
    assert answer.status_code == 422
    assert 'aria-invalid="true" aria-describedby="contact-duration_minutes-fehler"' in answer.text
    assert "Bitte geben Sie die Dauer in ganzen Minuten an" in answer.text
    assert 'value="eine Stunde"' in answer.text
    assert NOTES in answer.text
    answer = post_form(client, case["case_number"], "kontakt", contact(topics=[]))
    assert 'id="contact-topics-fehler"' in answer.text
    answer = post_form(client, case["case_number"], "kontakt",
                       contact(next_follow_up_on="2026-03-01"))
    assert "Die Wiedervorlage kann nicht vor dem Kontakt liegen." in answer.text
    assert 'id="contact-next_follow_up_on-fehler"' in answer.text
    assert version(world, case["family_id"]) == case["version"]

def test_goals_and_referrals_are_set_closed_and_recorded_through_their_forms(
        world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    for path, fields in (
            ("ziele", {"member_ids": ["1", "2"], "life_area": "family_life",
                       "description": "Kita-Platz für Noah", "target_date": "2026-12-31",
                       "occurred_on": "2026-03-05"}),
            ("ziele", {"member_ids": ["1"], "life_area": "work",
                       "description": "Bewerbungen", "occurred_on": "2026-03-05"}),
            ("ziele/1/ueberarbeiten", {"target_date": "2027-03-31", "reason": "Kita später",
                                       "occurred_on": "2026-04-01"}),
            ("ziele/1/erreicht", {"occurred_on": "2026-05-01"}),
            ("ziele/2/aufgegeben", {"reason": "anderer Weg", "occurred_on": "2026-05-02"}),
            ("vermittlungen", {"member_id": "1", "institution_type": "debt_counselling",
                               "institution_name": "Schuldnerberatung Diakonie",
                               "purpose": "Mietschulden", "consent_confirmed": "ja",
                               "occurred_on": "2026-04-01"}),
            ("vermittlungen/1/ergebnis", {"outcome": "accepted",
                                          "occurred_on": "2026-04-15"})):
        answer = post_form(client, number, path, fields)
        assert answer.status_code == 303, (path, answer.text)
    page = client.get(f"/familien/{number}").text
    for shown in ("Ziel 1: Familienleben", "erreicht 01.05.2026", "aufgegeben 02.05.2026",
                  "31.03.2027", "1-mal überarbeitet", "Schuldnerberatung Diakonie",
                  "Angenommen</strong> (15.04.2026)"):
        assert shown in page, shown
    assert "/ziele/1/erreicht" not in page  # a goal that is closed has no forms

def test_a_referral_without_the_confirmation_is_refused_next_to_the_checkbox(
        world: World) -> None:
    case = world.intake()
    client = signed_in(world, Role.CASE_MANAGER)
    answer = post_form(client, case["case_number"], "vermittlungen", {
        "member_id": "1", "institution_type": "jobcenter", "institution_name": "Jobcenter",
        "occurred_on": "2026-04-01"})
    assert answer.status_code == 422
    assert 'id="referral-consent_confirmed-fehler"' in answer.text
    assert "<details class=\"new\" open>" in answer.text
    assert version(world, case["family_id"]) == case["version"]


def test_a_form_back_with_an_error_keeps_the_version_it_was_made_for(world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    answer = post_form(client, number, "kontakt", contact(topics=[]))
    assert answer.status_code == 422
    action = f"/familien/{number}/kontakt"
    assert hidden(answer, action)["version"] == str(case["version"])
    assert post_form(client, number, "ziele", {
        "member_ids": ["1"], "life_area": "work", "description": "Arbeit",
        "occurred_on": "2026-03-05"}).status_code == 303
    again = client.post(action, data={**hidden(answer, action), **contact()})
    assert again.status_code == 409  # the goal set meanwhile is noticed


def test_a_contact_sent_after_the_session_ended_is_kept_through_the_sign_in(
        world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    fields = hidden(client.get(f"/familien/{number}"), f"/familien/{number}/kontakt")
    t = world.services.cases.tables  # (the session timed out: 45 minutes idle)
    t.execute(t.sql("UPDATE {s} SET seen_at = {p}", s=SESSIONS),
              ((datetime.now(UTC) - timedelta(minutes=45)).isoformat(),))
    answer = client.post(f"/familien/{number}/kontakt", data={**fields, **contact()})
    assert "Jobcenter-Brief besprochen." in answer.text
    assert version(world, case["family_id"]) == case["version"]
    again = signed_in(world, Role.CASE_MANAGER)
    answer = again.get(f"/familien/{number}/kontakt")  # (a form's address as a page)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/familien/{number}"
    assert again.get(f"/familien/{number}/akte").status_code == 200
