"""What an offer links to (issue 15, items 1, 3 and 4): places and partners of the
project's directory, named attendees of the project's families, network meetings with
their partners and outcomes, and intakes through an offer. Every refusal is a 422 naming
field and rule, with nothing stored; a named family is shown only to whom may see it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.api.test_api_offers import cafe, create, recorded, session
from tests.support.api import problem
from tests.support.world import World, intake_body


@pytest.fixture
def family(world: World) -> dict[str, Any]:
    """A family of KR's case manager, with its members' ids."""
    opened = world.intake()
    read = world.client("case_manager").get(f"/families/{opened['family_id']}").json()
    return {"family_id": opened["family_id"], "case_number": opened["case_number"],
            "members": [m["member_id"] for m in read["members"]]}


def test_an_offer_names_only_active_places_and_partners_of_its_own_project(
        world: World) -> None:
    client = world.client("coordinator")
    retired = world.place(name="Altes Büro")
    world.services.directory.change(lambda d: d.retire_place(
        project="KR", place_id=UUID(retired), recorded_by="test"))
    offer = create(world)
    path = f"/offers/{offer['offer_id']}"
    refused = [(cafe(world, place_id=world.place("GL")), "unknown_place", "place_id"),
               (cafe(world, place_id=retired), "place_retired", "place_id"),
               (cafe(world, partner_ids=[world.partner("GL")]), "unknown_partner",
                "partner_id")]
    gl_place, gl_partner = world.place("GL"), world.partner("GL")
    head = recorded(world)
    for body, rule, field in refused:
        problem(client.post("/offers", json=body), 422, rule, field)
    problem(client.post(f"{path}/changes", json={"place_id": gl_place}), 422,
            "unknown_place", "place_id")
    problem(client.post(f"{path}/sessions", json=session(partner_ids=[gl_partner])),
            422, "unknown_partner", "partner_id")
    assert recorded(world) == head


def test_a_named_attendee_is_counted_and_shown_only_to_whom_may_see_the_family(
        world: World, family: dict[str, Any]) -> None:
    offer = create(world)
    client = world.client("case_manager")
    mother = {"family_id": family["family_id"], "member_id": family["members"][0]}
    held = client.post(f"/offers/{offer['offer_id']}/sessions",
                       json=session(attendees=[mother, mother]))
    assert held.status_code == 200, held.text
    path = f"/offers/{offer['offer_id']}"
    mine = client.get(path).json()["sessions"][0]
    assert mine["attendees"] == [{**mother, "case_number": family["case_number"]}]
    assert mine["attendees_named"] == 1
    reads = world.services.read_log
    assert reads.entries(projects=["KR"], family_id=UUID(family["family_id"]))[1] == []
    auditor = world.client("auditor").get(path).json()["sessions"][0]
    assert [a["case_number"] for a in auditor["attendees"]] == [family["case_number"]]
    _, logged = reads.entries(projects=["KR"], family_id=UUID(family["family_id"]))
    assert [(e.staff_id, e.endpoint) for e in logged] == [  # the auditor's read is logged
        (world.token("auditor").staff_id, "GET /offers/{id}")]
    colleague = world.add_staff("case_manager", name="Kollegin")
    other = world.client(None)
    other.headers["Authorization"] = f"Bearer {colleague.token}"
    for who in (world.client("reporting"), other):
        shown = who.get(path).json()["sessions"][0]
        assert (shown["attendees"], shown["attendees_named"]) == ([], 1)
        assert family["family_id"] not in str(shown)
    export = world.client("coordinator").get(
        f"/families/{family['family_id']}/members/{mother['member_id']}/subject-access")
    assert export.json()["sessions_attended"] == [{
        "on": "2026-09-09", "offer": "Frauencafé", "offer_type": "cafe",
        "offer_id": offer["offer_id"]}]
    page = world.client("coordinator").get(
        f"/families/{family['family_id']}/members/{mother['member_id']}/subject-access"
        "?format=html").text
    assert "09.09.2026</td><td>Frauencafé</td><td>Café, offener Treff" in page


def test_a_named_attendee_must_be_a_member_of_a_family_of_the_project(
        world: World, family: dict[str, Any]) -> None:
    offer = create(world)
    client = world.client("case_manager")
    path = f"/offers/{offer['offer_id']}/sessions"
    elsewhere = world.intake("GL")
    gl_member = world.client("case_manager", "GL").get(
        f"/families/{elsewhere['family_id']}").json()["members"][0]["member_id"]
    head = recorded(world)
    problem(client.post(path, json=session(attendees=[
        {"family_id": elsewhere["family_id"], "member_id": gl_member}])), 422,
        "attendee_not_in_project", "attendees.0.family_id")
    problem(client.post(path, json=session(attendees=[
        {"family_id": family["family_id"], "member_id": gl_member}])), 422,
        "unknown_member", "attendees.0.member_id")
    problem(client.post(path, json=session(
        attendance={"counts": {"women": {"27_54": 1}}, "first_time": 0},
        attendees=[{"family_id": family["family_id"], "member_id": m}
                   for m in family["members"]])), 422, "attendees_above_total", "attendees")
    held = client.post(path, json=session()).json()
    fix = f"/offers/{offer['offer_id']}/sessions/{held['session_id']}/corrections"
    head = recorded(world)
    problem(client.post(fix, json={"field": "attendees", "reason": "added_later", "value": [
        {"family_id": elsewhere["family_id"], "member_id": gl_member}]}), 422,
        "attendee_not_in_project")
    assert recorded(world) == head
    ok = client.post(fix, json={"field": "attendees", "reason": "added_later", "value": [
        {"family_id": family["family_id"], "member_id": family["members"][1]}]})
    assert ok.status_code == 200, ok.text
    read = client.get(f"/offers/{offer['offer_id']}").json()["sessions"][0]
    assert [a["member_id"] for a in read["attendees"]] == [family["members"][1]]


def test_a_network_meeting_records_its_partners_and_outcomes(world: World) -> None:
    jobcenter, debts = world.partner(), world.partner(name="Schuldnerberatung Diakonie",
                                                      institution_type="debt_counselling")
    meeting = create(world, "coordinator", offer_type="network_meeting", partner_ids=[],
                     title="Netzwerktreffen Westwall")
    client = world.client("coordinator")
    path = f"/offers/{meeting['offer_id']}/sessions"
    problem(client.post(path, json=session()), 422, "partners_missing", "partner_ids")
    cafe_offer = create(world)
    problem(client.post(f"/offers/{cafe_offer['offer_id']}/sessions",
                        json=session(outcomes=["cooperation_agreed"])), 422,
            "outcomes_only_for_network_meetings", "outcomes")
    held = client.post(path, json=session(partner_ids=[jobcenter, debts],
                                          topics=["money_and_debts"],
                                          outcomes=["referral_path_agreed"]))
    assert held.status_code == 200, held.text
    read = client.get(f"/offers/{meeting['offer_id']}").json()["sessions"][0]
    assert [p["name"] for p in read["partners"]] == ["Jobcenter Krefeld",
                                                     "Schuldnerberatung Diakonie"]
    assert read["outcomes"] == ["referral_path_agreed"]


def test_an_intake_can_name_the_offer_and_session_through_which_the_family_came(
        world: World) -> None:
    offer = create(world)
    client = world.client("case_manager")
    held = client.post(f"/offers/{offer['offer_id']}/sessions", json=session()).json()
    via = {"access_route": "social_space_offer", "via_offer_id": offer["offer_id"],
           "via_session_id": held["session_id"], "occurred_on": "2026-09-10",
           "consent_given_on": "2026-09-10"}
    opened = world.intake(**via)
    read = client.get(f"/families/{opened['family_id']}").json()
    assert read["access_route"] == "social_space_offer"
    case = world.services.cases.get_case(UUID(opened["family_id"]))
    assert (str(case.state.via_offer_id), str(case.state.via_session_id)) == (
        offer["offer_id"], held["session_id"])
    gl_offer = world.client("coordinator", "GL").post("/offers", json=cafe(
        world, "GL")).json()
    head = recorded(world)
    for overrides, rule, field in (
            ({**via, "via_offer_id": gl_offer["offer_id"], "via_session_id": None},
             "unknown_offer", "via_offer_id"),
            ({**via, "occurred_on": "2026-09-08", "consent_given_on": "2026-09-08"},
             "session_after_intake", "via_session_id"),
            ({**via, "access_route": "kita"}, "offer_without_route", "via_offer_id"),
            ({**via, "via_session_id": offer["offer_id"]}, "unknown_session",
             "via_session_id")):
        body = {**intake_body("KR"), **overrides}
        problem(client.post("/families", json=body), 422, rule, field)
    assert recorded(world) == head
