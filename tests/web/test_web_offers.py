"""Angebote: the offers of a project listed with type, place, schedule, next session and
sessions held; an offer made, changed and ended through its forms (the JSON API's
commands), a broken rule shown at its field with nothing stored; another project's offer
answers 404 and only those who record social-space work see the forms."""

from __future__ import annotations

from uuid import uuid4

from tests.support.world import World
from tests.web.offer_pages import add_place, form_fields, new_offer, post, shared
from tests.web.pages import signed_in

__all__ = ["shared"]


def head(world: World) -> int:
    return world.services.cases.recorder.max_notification_id() or 0


def test_an_offer_made_through_the_form_is_listed_with_its_schedule_and_place(
        shared: World) -> None:
    place = add_place(shared, "Familienzentrum Westwall")
    client = signed_in(shared, "coordinator")
    offer_id = new_offer(client, place, "Frauencafé am Westwall")
    page = client.get(f"/angebote/{offer_id}?gespeichert=angebot").text
    assert "✓ Angebot gespeichert." in page
    listed = signed_in(shared, "reporting").get("/angebote").text
    for shown in ("Frauencafé am Westwall", "Café / offener Treff",
                  "Familienzentrum Westwall (Krefeld-Mitte)", "Mo, Mi · 10:00–12:00 Uhr"):
        assert shown in listed, shown
    assert "Neues Angebot" not in listed  # (reporting users read, they record nothing)


def test_a_broken_rule_is_shown_at_its_field_and_nothing_is_stored(shared: World) -> None:
    place = add_place(shared, "Quartiersbüro Süd")
    client = signed_in(shared, "case_manager")
    before = head(shared)
    answer = post(client, "/angebote/neu", "/angebote/neu", {
        "offer_type": "cafe", "title": "Elterncafé <b>Süd</b>", "place_id": place,
        "recurrence": "weekly", "start_time": "09:30", "duration_minutes": "90",
        "starts_on": "2026-11-02"})
    assert answer.status_code == 422
    assert 'id="offer-weekdays-fehler"' in answer.text
    assert "Ein wöchentliches Angebot braucht mindestens einen Wochentag." in answer.text
    assert 'value="Elterncafé &lt;b&gt;Süd&lt;/b&gt;"' in answer.text  # (kept, escaped)
    answer = post(client, "/angebote/neu", "/angebote/neu", {
        "offer_type": "cafe", "title": "Elterncafé", "place_id": place,
        "recurrence": "weekly", "weekdays": ["friday"], "start_time": "09:30",
        "duration_minutes": "neunzig", "starts_on": "2026-11-02", "ends_on": "2026-10-01"})
    assert answer.status_code == 422
    assert 'id="offer-duration_minutes-fehler"' in answer.text
    assert "Bitte geben Sie eine ganze Zahl ein." in answer.text
    answer = post(client, "/angebote/neu", "/angebote/neu", {
        "offer_type": "cafe", "title": "Elterncafé", "place_id": str(uuid4()),
        "recurrence": "one_off", "start_time": "09:30", "duration_minutes": "90",
        "starts_on": "2026-11-02"})
    assert 'id="offer-place_id-fehler"' in answer.text
    assert "Diesen Ort gibt es im Projekt nicht." in answer.text
    assert head(shared) == before


def test_an_offer_is_changed_and_ended_through_its_forms(shared: World) -> None:
    place = add_place(shared, "Grundschule Oppum", kind="school")
    client = signed_in(shared, "case_manager")
    offer_id = new_offer(client, place, "Elternfrühstück Oppum", offer_type="parent_breakfast")
    path = f"/angebote/{offer_id}/aendern"
    assert f'<option value="{place}" selected>' in client.get(path).text
    answer = post(client, path, path, {
        "title": "Elternfrühstück in Oppum", "place_id": place, "recurrence": "weekly",
        "weekdays": ["friday"], "start_time": "08:30", "duration_minutes": "90",
        "planned_sessions": "30"})
    assert answer.status_code == 303, answer.text
    page = client.get(f"/angebote/{offer_id}?gespeichert=aenderung").text
    assert "✓ Änderungen gespeichert." in page
    assert "Elternfrühstück in Oppum" in page
    assert "Fr · 08:30–10:00 Uhr" in page
    end = f"/angebote/{offer_id}/beenden"
    refused = post(client, path, end, {"occurred_on": "2026-10-01"})
    assert refused.status_code == 422
    assert "Das Ende kann nicht vor dem Beginn liegen." in refused.text
    assert post(client, path, end, {"occurred_on": "2026-11-20"}).status_code == 303
    page = client.get(f"/angebote/{offer_id}").text
    assert "beendet am 20.11.2026" in page
    assert "/termin" not in page


def test_another_projects_offer_is_not_found_and_reading_roles_record_nothing(
        shared: World) -> None:
    place = add_place(shared, "Kita Sonnenschein", kind="kita")
    offer_id = new_offer(signed_in(shared, "case_manager"), place, "Sprechstunde Kita")
    other = signed_in(shared, "case_manager", "GL")
    for path in (f"/angebote/{offer_id}", f"/angebote/{offer_id}/termin",
                 f"/angebote/{offer_id}/aendern"):
        answer = other.get(path)
        assert answer.status_code == 404, path
        assert "Sprechstunde Kita" not in answer.text
    auditor = signed_in(shared, "auditor")
    page = auditor.get(f"/angebote/{offer_id}")
    assert page.status_code == 200
    assert "Termin erfassen" not in page.text
    assert auditor.get(f"/angebote/{offer_id}/termin").status_code == 403
    assert signed_in(shared, "admin").get("/angebote").status_code == 403


def test_an_intake_names_the_offer_through_which_the_family_came(shared: World) -> None:
    place = add_place(shared, "Quartiersbüro Mitte", kind="quarter_office")
    client = signed_in(shared, "case_manager")
    offer_id = new_offer(client, place, "Offener Treff Mitte")
    fields = {"project": "KR", "m0_role": "parent", "m0_given_name": "Rana",
              "m0_family_name": "Haddad", "consent_purposes": ["esf_reporting"],
              "consent_given_on": "02.11.2026", "occurred_on": "02.11.2026",
              "district": "Krefeld-Mitte", "postal_code": "47798",
              "benefit_situation": "sgb_ii", "via_offer_id": offer_id}
    page = client.get("/aufnahme")
    assert f'<option value="{offer_id}">Offener Treff Mitte</option>' in page.text
    refused = client.post("/aufnahme", data={**form_fields(page, "/aufnahme"), **fields,
                                             "access_route": "kita"})
    assert refused.status_code == 422
    assert "Ein Angebot nur beim Zugangsweg „Sozialraumangebot“ angeben." in refused.text
    opened = client.post("/aufnahme", data={**form_fields(page, "/aufnahme"), **fields,
                                            "access_route": "social_space_offer"})
    assert opened.status_code == 303, opened.text
    family = shared.services.index.found(case_number=opened.headers["location"].rsplit(
        "/", 1)[1])[0]
    assert str(shared.services.cases.get_case(family.family_id).state.via_offer_id) == offer_id
