"""Diese Woche and Termin erfassen: the week's due sessions of each offer by its
schedule, recorded through the form with the headcount grid (the JSON API's
``RecordSession``) or cancelled with a reason; bad counts and dates are shown at their
fields with everything typed kept and nothing stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.support.world import World
from tests.web.offer_pages import add_partner, add_place, new_offer, post, shared
from tests.web.pages import signed_in

__all__ = ["shared"]
WEEK = "/diese-woche?woche=2026-11-04"  # (2 to 8 November 2026: Monday 2, Wednesday 4)


def head(world: World) -> int:
    return world.services.cases.recorder.max_notification_id() or 0


def counts(**cells: str) -> dict[str, Any]:
    return {"n_women_27_54": "9", "n_women_18_26": "3", "n_not_stated_0_5": "4",
            "first_time": "2", **cells}


def test_the_week_lists_due_sessions_and_a_recorded_one_with_its_headcount(
        shared: World) -> None:
    place = add_place(shared, "Stadtteilbüro Westwall", kind="quarter_office")
    client = signed_in(shared, "case_manager")
    offer_id = new_offer(client, place, "Frauencafé der Woche")
    once = new_offer(client, place, "Infoabend Kita", offer_type="information_event",
                     recurrence="one_off", weekdays=[], starts_on="2026-11-05")
    week = client.get(WEEK).text
    assert week.count(f"/angebote/{offer_id}/termin?datum=2026-11-0") == 4  # (2 days, 2 links)
    assert week.count(f"/angebote/{once}/termin?datum=2026-11-05") == 2
    assert f"/angebote/{once}/termin" not in client.get("/diese-woche?woche=2026-11-12").text
    form = f"/angebote/{offer_id}/termin?datum=2026-11-02&von=woche"
    page = client.get(form).text
    assert 'value="2026-11-02"' in page
    assert 'value="10:00"' in page
    assert 'value="120"' in page
    answer = post(client, form, f"/angebote/{offer_id}/termin",
                  {**counts(), "occurred_on": "2026-11-02", "start_time": "10:00",
                   "duration_minutes": "120", "topics": ["childcare"],
                   "staff_present": [shared.case_manager_id()]})
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/diese-woche?woche=2026-11-02&gespeichert=termin"
    week = client.get(answer.headers["location"]).text
    assert "✓ Termin gespeichert." in week
    assert "erfasst: 16 Personen" in week
    assert f"/angebote/{offer_id}/termin?datum=2026-11-02" not in week
    offer = signed_in(shared, "reporting").get(f"/angebote/{offer_id}").text
    assert "02.11.2026" in offer
    assert "Kinderbetreuung" in offer
    assert '<td data-label="Personen" class="number">16</td>' in offer
    assert '<td data-label="Zum ersten Mal" class="number">2</td>' in offer


def test_bad_counts_and_dates_are_shown_at_their_fields_and_nothing_is_stored(
        shared: World) -> None:
    place = add_place(shared, "Familienzentrum Nord")
    client = signed_in(shared, "coordinator")
    offer_id = new_offer(client, place, "Offene Sprechstunde Nord",
                         offer_type="open_office_hours")
    form, action = f"/angebote/{offer_id}/termin", f"/angebote/{offer_id}/termin"
    staff = {"staff_present": [shared.token("coordinator").staff_id]}
    before = head(shared)
    answer = post(client, form, action, {**counts(n_men_55_plus="-2"), **staff,
                                         "occurred_on": "2026-11-04"})
    assert answer.status_code == 422
    assert 'id="session-n_men_55_plus-fehler"' in answer.text
    assert "Eine Anzahl kann nicht negativ sein." in answer.text
    assert 'value="-2"' in answer.text
    assert 'value="9"' in answer.text
    answer = post(client, form, action, {**counts(first_time="40"), **staff,
                                         "occurred_on": "2026-11-04"})
    assert 'id="session-first_time-fehler"' in answer.text
    answer = post(client, form, action, {**counts(), **staff, "occurred_on": "2026-10-28"})
    assert "Der Termin liegt vor dem Beginn des Angebots." in answer.text
    answer = post(client, form, action, {**counts(), **staff, "occurred_on": "2099-01-05"})
    assert 'id="session-occurred_on-fehler"' in answer.text
    assert "Dieses Datum liegt in der Zukunft." in answer.text
    answer = post(client, form, action, {**counts(), "occurred_on": "2026-11-04"})
    assert 'id="session-staff_present-fehler"' in answer.text
    assert head(shared) == before


def test_a_cancelled_session_shows_in_the_week_with_its_reason(shared: World) -> None:
    place = add_place(shared, "Kita Regenbogen", kind="kita")
    client = signed_in(shared, "case_manager")
    offer_id = new_offer(client, place, "Elterncafé Regenbogen")
    form = f"/angebote/{offer_id}/termin?datum=2026-11-04&von=woche"
    refused = post(client, form, f"/angebote/{offer_id}/absage", {"occurred_on": "2026-11-04"})
    assert refused.status_code == 422
    assert 'id="cancel-reason-fehler"' in refused.text
    answer = post(client, form, f"/angebote/{offer_id}/absage",
                  {"occurred_on": "2026-11-04", "reason": "holiday"})
    assert answer.status_code == 303, answer.text
    week = client.get(answer.headers["location"]).text
    assert "✓ Absage gespeichert." in week
    assert "Ferien / Feiertag" in week
    assert f"/angebote/{offer_id}/termin?datum=2026-11-04" not in week


def test_named_attendees_are_found_by_name_among_the_families_the_person_may_see(
        shared: World) -> None:
    place = add_place(shared, "Familienzentrum Süd")
    own = shared.intake(members=[{"role": "parent", "given_name": "Leyla",
                                  "family_name": "Kaya", "birth_date": "1990-02-03",
                                  "gender": "female"}])
    colleague = shared.add_staff("case_manager", name="Dariusz Nowicki").staff_id
    shared.intake(case_manager=colleague, members=[{
        "role": "parent", "given_name": "Selin", "family_name": "Kaya",
        "birth_date": "1985-07-01", "gender": "female"}])
    client = signed_in(shared, "case_manager")
    offer_id = new_offer(client, place, "Elterncafé Süd")
    form, action = f"/angebote/{offer_id}/termin", f"/angebote/{offer_id}/termin"
    found = post(client, form, action, {**counts(), "aktion": "suchen", "suche": "Kaya"})
    assert found.status_code == 200
    assert f"Leyla Kaya <span class=\"muted\">({own['case_number']})</span>" in found.text
    assert "Selin" not in found.text  # (a colleague's family)
    assert 'value="9"' in found.text  # (the counts typed are kept)
    coordinator = signed_in(shared, "coordinator")
    both = post(coordinator, form, action, {"aktion": "suchen", "suche": "Kaya"}).text
    assert "Leyla Kaya" in both
    assert "Selin Kaya" in both
    reads = shared.services.read_log.entries(projects=["KR"], family_id=UUID(
        own["family_id"]))[1]
    assert [r.endpoint for r in reads] == ["GET /angebote/{offer_id}/termin"]
    log = signed_in(shared, "auditor").get(f"/lesezugriffe?familie={own['case_number']}")
    assert "Termin erfassen: namentlich Teilnehmende" in log.text


def test_a_named_attendee_is_saved_and_shown_only_to_whom_may_see_the_family(
        shared: World) -> None:
    place = add_place(shared, "Familienzentrum Ost")
    family = shared.intake(members=[{"role": "parent", "given_name": "Marta",
                                     "family_name": "Nowak", "birth_date": "1992-09-09",
                                     "gender": "female"}])
    elsewhere = shared.intake(project="GL")
    client = signed_in(shared, "case_manager")
    offer_id = new_offer(client, place, "Elternfrühstück Ost")
    form, action = f"/angebote/{offer_id}/termin", f"/angebote/{offer_id}/termin"
    staff = {"staff_present": [shared.case_manager_id()], "occurred_on": "2026-11-04"}
    marta = f"{family['family_id']}:{family['member_ids'][0]}"
    before = head(shared)
    foreign = post(client, form, action, {**counts(), **staff, "attendees": [
        f"{elsewhere['family_id']}:{elsewhere['member_ids'][0]}"]})
    assert foreign.status_code == 422
    assert "Diese Person hat keinen Fall in diesem Projekt." in foreign.text
    too_many = post(client, form, action, {"n_women_27_54": "0", **staff,
                                           "attendees": [marta]})
    assert 'id="session-attendees-fehler"' in too_many.text
    assert "Marta Nowak" in too_many.text  # (the ticked attendee stays ticked)
    assert head(shared) == before
    saved = post(client, form, action, {**counts(), **staff, "attendees": [marta]})
    assert saved.status_code == 303, saved.text
    page = client.get(f"/angebote/{offer_id}").text
    assert f"Marta Nowak <a href=\"/familien/{family['case_number']}\">" in page
    reporting = signed_in(shared, "reporting").get(f"/angebote/{offer_id}").text
    assert "Marta" not in reporting
    assert "1 weitere (nicht in Ihren Fällen)" in reporting


def test_a_network_meeting_records_the_partners_present_and_its_outcomes(
        shared: World) -> None:
    place = add_place(shared, "Rathaus Uerdingen", kind="other")
    partner = add_partner(shared, "Migrationsberatung Caritas")
    client = signed_in(shared, "coordinator")
    offer_id = new_offer(client, place, "Netzwerk Uerdingen", offer_type="network_meeting",
                         partner_ids=[partner])
    form, action = f"/angebote/{offer_id}/termin", f"/angebote/{offer_id}/termin"
    page = client.get(form).text
    assert f'value="{partner}" id="session-partner-1" checked' in page
    staff = {"staff_present": [shared.token("coordinator").staff_id],
             "occurred_on": "2026-11-02"}
    refused = post(client, form, action, {"n_not_stated_27_54": "6", **staff})
    assert "Bitte wählen Sie die Partner" in refused.text
    saved = post(client, form, action, {"n_not_stated_27_54": "6", **staff,
                                        "partner_ids": [partner],
                                        "outcomes": ["referral_path_agreed"]})
    assert saved.status_code == 303, saved.text
    shown = client.get(f"/angebote/{offer_id}").text
    assert "Anwesende Partner:</span> Migrationsberatung Caritas" in shown
    assert "Vermittlungsweg vereinbart" in shown
