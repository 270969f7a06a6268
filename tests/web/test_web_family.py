"""The Familie screen and the printed Akte: who sees which family, what it shows, the
read log; a contact recorded through the form, refused without CSRF, kept on a conflict
(both stores). The other forms: ``test_web_family_forms.py``."""

from __future__ import annotations

import re
from uuid import UUID

from domain.directory import Role
from tests.support.world import World
from tests.web.family_forms import (
    NOTES,
    contact,
    hidden,
    post_form,
    reads,
    sign_in_as,
    version,
)
from tests.web.pages import csrf_of, signed_in


def test_the_case_manager_sees_household_consents_and_dates_of_her_family(
        world: World) -> None:
    case = world.intake()
    page = signed_in(world, Role.CASE_MANAGER).get(f"/familien/{case['case_number']}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    for shown in ("Amira Okonkwo-Brandt", "Noah Okonkwo-Brandt", "17.05.1991", "03.09.2019",
                  "Elternteil", "Kind", "Vermittlung an Partnereinrichtungen",
                  "seit 02.03.2026", "Kontakt erfassen", case["case_number"]):
        assert shown in text, shown
    assert case["family_id"] not in text
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", text)  # no id on screen
    assert reads(world, case["family_id"]) == []  # her own family: not logged

def test_another_case_manager_gets_not_found_and_the_coordinator_reads_it_logged(
        world: World) -> None:
    other = world.add_staff(Role.CASE_MANAGER, "KR", name="Dariusz Nowicki")
    case = world.intake(case_manager=other.staff_id)
    path = f"/familien/{case['case_number']}"
    assert signed_in(world, Role.CASE_MANAGER).get(path).status_code == 404
    assert signed_in(world, Role.CASE_MANAGER, "GL").get(path).status_code == 404
    before = version(world, case["family_id"])
    coordinator = signed_in(world, Role.COORDINATOR)
    page = coordinator.get(path)
    assert page.status_code == 200
    assert "Dariusz Nowicki" in page.text
    assert "Kontakt erfassen" not in page.text
    assert "Lesezugriffs-Protokoll" in page.text
    assert coordinator.get(path + "/akte").status_code == 200
    assert reads(world, case["family_id"]) == ["GET /familien/{case_number}/akte",
                                               "GET /familien/{case_number}"]
    answer = coordinator.post(path + "/kontakt", data={
        **hidden(sign_in_as(world, other.staff_id, "dariusz").get(path), path + "/kontakt"),
        "csrf": csrf_of(page), **contact()})
    assert answer.status_code == 403
    assert version(world, case["family_id"]) == before

def test_reporting_and_admin_may_not_open_a_family_and_an_unknown_number_is_not_found(
        world: World) -> None:
    case = world.intake()
    path = f"/familien/{case['case_number']}"
    assert signed_in(world, Role.REPORTING).get(path).status_code == 403
    assert signed_in(world, Role.ADMIN).get(path + "/akte").status_code == 403
    assert signed_in(world, Role.CASE_MANAGER).get("/familien/KR-2026-9999").status_code == 404
    assert reads(world, case["family_id"]) == []

def test_a_contact_recorded_through_the_form_appears_on_the_family_page(world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    answer = post_form(client, number, "kontakt", contact())
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/familien/{number}?gespeichert=contact"
    page = client.get(answer.headers["location"])
    assert "Der Kontakt wurde gespeichert." in page.text
    for shown in ("10.03.2026 · Hausbesuch · 45 Min.", "Geld und Schulden",
                  "Sozialleistungen", "Westwall 12", "Jobcenter-Brief besprochen.",
                  "20.03.2026"):
        assert shown in page.text, shown
    consultation = world.services.cases.get_case(UUID(case["family_id"])).state.consultations
    (recorded,) = consultation.values()
    assert recorded.notes == NOTES
    assert recorded.duration_minutes == 45

def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(world: World) -> None:
    case = world.intake()
    client = signed_in(world, Role.CASE_MANAGER)
    answer = post_form(client, case["case_number"], "kontakt", contact(), csrf="")
    assert answer.status_code == 403
    assert "Formular abgelaufen" in answer.text
    assert version(world, case["family_id"]) == case["version"]

def test_a_stale_version_explains_the_conflict_keeps_the_notes_and_stores_nothing(
        world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    action = f"/familien/{number}/kontakt"
    fields = hidden(client.get(f"/familien/{number}"), action)
    meanwhile = post_form(client, number, "ziele", {
        "member_ids": ["1"], "life_area": "work", "description": "Arbeit finden",
        "occurred_on": "2026-03-05"})
    assert meanwhile.status_code == 303
    answer = client.post(action, data={**fields, **contact()})
    assert answer.status_code == 409
    assert "Inzwischen hat jemand anderes diese Familie geändert" in answer.text
    assert "Jobcenter-Brief besprochen.\nNächster Schritt: Konto.</textarea>" in answer.text
    assert "Ziel festgelegt" in answer.text  # what the other change was
    assert f'name="version" value="{version(world, case["family_id"])}"' in answer.text
    assert 'name="topics" value="money_and_debts" id="contact-topics-money_and_debts" checked' \
        in answer.text
    assert world.services.cases.get_case(UUID(case["family_id"])).state.consultations == {}

def test_a_script_as_a_name_is_shown_as_text_on_the_page_and_in_the_file(
        world: World) -> None:
    case = world.intake(members=[{"role": "parent", "given_name": "<script>alert(1)</script>",
                                  "family_name": "Test", "birth_date": "1990-01-01",
                                  "gender": "female"}])
    client = signed_in(world, Role.CASE_MANAGER)
    for path in ("", "/akte"):
        page = client.get(f"/familien/{case['case_number']}{path}")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)" not in page.text

def test_the_printed_file_holds_the_case_for_the_case_manager_unlogged(world: World) -> None:
    case = world.intake()
    number = case["case_number"]
    client = signed_in(world, Role.CASE_MANAGER)
    assert post_form(client, number, "kontakt", contact()).status_code == 303
    page = client.get(f"/familien/{number}/akte")
    assert page.status_code == 200
    for shown in (f"Fallakte {number}", "Vertraulich", "Westwall 12, 47798", "Kita",
                  "Bürgergeld (SGB II)", "Jobcenter-Brief besprochen.", "Gedruckt am"):
        assert shown in page.text, shown
    assert "<form method=\"post\" action=\"/familien" not in page.text
    assert reads(world, case["family_id"]) == []

def test_esf_stays_and_a_withdrawn_consent_are_shown_with_labels_and_dates(
        world: World) -> None:
    case = world.intake()
    api = world.client(Role.CASE_MANAGER)
    family = f"/families/{case['family_id']}"
    parent = api.get(family).json()["members"][0]["member_id"]
    for path, body in (
            ("/participants", {"member_id": parent, "labour_market_status": "unemployed",
                               "unemployed_months": 14, "isced": "isced_3_4",
                               "disability": "no", "citizenship": "eu",
                               "foreign_background": "no", "minority": "declined",
                               "homeless": "no", "rural": False, "occurred_on": "2026-03-09"}),
            (f"/participants/{parent}/exit", {"status": "job_searching",
                                              "occurred_on": "2026-05-04"}),
            ("/consents/referral_to_partners/withdrawal", {"occurred_on": "2026-06-01"})):
        answer = api.post(family + path, json=body)
        assert answer.status_code in (200, 201), answer.text
    page = signed_in(world, Role.CASE_MANAGER).get(f"/familien/{case['case_number']}").text
    esf = page[page.index('id="esf"'):page.index('id="ziele"')]
    for shown in ("Amira Okonkwo-Brandt", "09.03.2026", "arbeitslos",
                  "ISCED 3 und 4", "04.05.2026", "arbeitsuchend"):
        assert shown in esf, shown
    consents = page[page.index('id="einwilligungen"'):page.index('id="esf"')]
    assert "widerrufen" in consents
    assert "01.06.2026" in consents
    assert "keine Einwilligung der Familie vor" in page  # (the referral form's hint)

def test_a_closed_family_has_no_forms_and_an_erased_one_shows_no_names(world: World) -> None:
    case = world.intake()
    number, family = case["case_number"], f"/families/{case['family_id']}"
    client = signed_in(world, Role.CASE_MANAGER)
    assert post_form(client, number, "kontakt", contact()).status_code == 303
    answer = world.client(Role.CASE_MANAGER).post(family + "/closure", json={
        "reason": "goals_achieved", "occurred_on": "2026-10-01"})
    assert answer.status_code == 200, answer.text
    page = client.get(f"/familien/{number}").text
    assert "Der Fall ist abgeschlossen." in page
    assert "Kontakt erfassen" not in page
    assert "Jobcenter-Brief besprochen." in page
    answer = world.client(Role.COORDINATOR).post(family + "/erasure", json={
        "legal_basis": "unlawfully_recorded"})
    assert answer.status_code == 200, answer.text
    for path in ("", "/akte"):
        page = signed_in(world, Role.COORDINATOR).get(f"/familien/{number}{path}")
        assert page.status_code == 200
        assert "(Namen gelöscht)" in page.text
        assert "Amira" not in page.text
        assert "Jobcenter-Brief" not in page.text

def test_the_page_shows_the_newest_forty_contacts_and_all_of_them_on_request(
        world: World) -> None:
    from application.commands.casework import RecordConsultation

    case = world.intake()
    actor = world.services.directory.authenticate(world.token(Role.CASE_MANAGER).token)
    assert actor is not None
    for day in range(1, 43):
        world.services.pipeline.execute(RecordConsultation(
            family_id=UUID(case["family_id"]), duration_minutes=day, mode="phone",
            topics=["benefits"], occurred_on=f"2026-04-{day % 30 + 1:02d}"), actor)
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get(f"/familien/{case['case_number']}").text
    assert page.count('<li>\n    <h3>') == 40
    assert "Die neuesten 40 von 42 Kontakten." in page
    every = client.get(f"/familien/{case['case_number']}?kontakte=alle").text
    assert every.count('<li>\n    <h3>') == 42
    assert client.get(f"/familien/{case['case_number']}/akte").text.count(
        '<li>\n    <h3>') == 42
