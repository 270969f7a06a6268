"""Subject access (GDPR Art. 15, issue 13 item 9) through the API: a coordinator exports
everything held about one member, as JSON and as a printable German document; the export
is logged; other members' data stay out; an erased family's export says what remains.
Who may export is in the access matrix (``test_api_access.py``)."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from tests.support.api import CONSULTATION, ENTRY, GOAL, Family, fill, problem
from tests.support.world import World

ENDPOINT = "GET /families/{id}/members/{member_id}/subject-access"


def export(world: World, family: Family, member: str, **params: str) -> Any:
    return world.client("coordinator").get(
        f"/families/{family.id}/members/{member}/subject-access", params=params)


def casework(family: Family) -> None:
    """The parent enters the ESF+ and has a goal; the child leaves the household; a
    consultation with the child alone."""
    ids = {"parent": family.parent, "child": family.child}
    family.ok("/participants", {"member_id": family.parent, **ENTRY,
                                "occurred_on": "2026-03-09"})
    goal = family.ok("/goals", fill(GOAL, ids))["goal_id"]
    family.ok(f"/goals/{goal}/achievement", {"occurred_on": "2026-05-01"})
    family.ok("/consultations", fill({**CONSULTATION, "members_present": ["{child}"],
                                      "notes": "Nur mit Noah gesprochen"}, ids))
    family.ok(f"/members/{family.child}/departure", {"reason": "zum Vater",
                                                     "occurred_on": "2026-04-05"})


def test_the_export_holds_the_persons_data_and_their_events_and_is_logged(
        world: World) -> None:
    family = Family(world, world.intake())
    casework(family)

    response = export(world, family, family.parent)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"]["given_name"] == "Amira"
    assert body["subject"]["birth_date"] == "1991-05-17"
    assert body["family"]["street_address"] == "Westwall 12"
    assert body["erasure"] is None
    assert [p["entered_on"] for p in body["participations"]] == ["2026-03-09"]
    assert body["participations"][0]["entry"]["disability"] == "no"  # decrypted
    events = [e["event"] for e in body["events"]]
    assert events[:3] == ["CaseOpened", "CaseManagerAssigned", "ParticipantEntered"]
    assert "GoalSet" in events
    assert "GoalAchieved" in events
    # The child's own events and data are the child's: not in the parent's export.
    assert "MemberLeftHousehold" not in events
    assert "ConsultationRecorded" not in events
    intake = body["events"][0]["facts"]
    assert [m["given_name"] for m in intake["members"]] == ["Amira"]
    for childs in ("2019-09-03", "zum Vater", "Nur mit Noah gesprochen"):
        assert childs not in response.text
    assert family.child not in str(body["views"])
    assert set(body["views"]) >= {"caseload", "family_summary"}
    views = body["views"]
    # Every view's data with named fields (not its stored lists by position).
    assert positional_lists(views) == []
    [member] = views["family_summary"]["members"]
    assert member | {"participations": None} == {
        "member_id": family.parent, "role": "parent", "gender": "female",
        "in_household": True, "left_household_on": None, "participations": None}
    assert member["participations"][0]["entered_on"] == "2026-03-09"
    assert views["family_summary"]["goals"][0]["status"] == "achieved"
    assert views["caseload_history"]["intervals"][0]["started_by"] == "intake"
    assert views["caseload"]["contacts"][0]["held_on"] == views["caseload"]["last_contact_on"]
    assert views["social_space"]["goals"][0]["life_area"] == "family_life"
    esf = views["esf_participants"]
    assert esf["members"] == [{"member_id": family.parent, "gender": "female",
                               "birth_date": "1991-05-17"}]  # (opened: sealed at rest)
    [participant] = esf["participants"]
    assert participant["age_at_first_entry"] == 34
    assert participant["stays"][0]["entered_on"] == "2026-03-09"
    assert participant["stays"][0]["entry"]["disability"] == "no"
    assert "refs" not in str(views)
    # The export is in the read log, and in the export itself.
    assert body["read_log"][0]["endpoint"] == ENDPOINT
    assert body["read_log"][0]["role"] == "coordinator"
    reads = world.client("auditor").get("/audit/reads", params={"family_id": family.id}).json()
    assert reads["items"][0]["endpoint"] == ENDPOINT

    child = export(world, family, family.child).json()
    child_events = [e["event"] for e in child["events"]]
    assert "MemberLeftHousehold" in child_events
    assert "ConsultationRecorded" in child_events
    assert "ParticipantEntered" not in child_events
    assert "GoalSet" not in child_events
    assert child["events"][0]["facts"]["members"][0]["given_name"] == "Noah"


def positional_lists(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds a list of values of different kinds (a record stored by
    position, such as ``["parent", "female", null]``)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in positional_lists(v, f"{path}.{k}")]
    if isinstance(value, list):
        kinds = {type(v) for v in value}
        found = [path] if len(kinds) > 1 or kinds & {int, bool, type(None), list} else []
        return found + [p for v in value for p in positional_lists(v, path)]
    return []


def test_the_printable_export_is_german_with_german_dates(world: World) -> None:
    family = Family(world, world.intake())
    casework(family)

    response = export(world, family, family.parent, format="html")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "no-store" in response.headers["cache-control"]
    page = response.text
    assert '<html lang="de">' in page
    assert "@media print" in page
    assert "Auskunft nach Art. 15 DSGVO: Amira Okonkwo-Brandt" in page
    assert "17.05.1991" in page
    assert "1991-05-17" not in page.split("<pre>")[0]
    assert "ESF+-Eintritt" in page
    assert "Ihre Rechte" in page
    views = page.split("<h2>5.")[1].split("<h2>6.")[0]
    for label in ("Fallliste", "Familienübersicht", "Zuständigkeiten", "Sozialraumstatistik",
                  "ESF+-Teilnahmedaten", "Alter beim ersten Eintritt", "Familienleben",
                  "Hausbesuch", "Geld und Schulden", "begonnen durch</th>", "Aufnahme"):
        assert label in views, label
    for stored in ("&quot;", "family_life", "intervals", "esf_participants", "[", "refs"):
        assert stored not in views, stored
    assert re.search(r"Erstellt am \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr", page)


def test_an_erased_familys_export_says_what_was_erased_and_what_remains(
        world: World) -> None:
    family = Family(world, world.intake())
    casework(family)
    family.ok("/erasure", {"legal_basis": "unlawfully_recorded",
                           "note": "ohne Einwilligung erfasst"}, "coordinator")

    body = export(world, family, family.parent).json()
    html = export(world, family, family.parent, format="html").text

    assert body["erasure"]["legal_basis"] == "unlawfully_recorded"
    assert "pseudonymous" in body["erasure"]["remains"]
    assert body["subject"]["given_name"] is None
    assert body["subject"]["birth_date"] is None
    assert body["family"]["street_address"] is None
    assert "Amira" not in str(body)
    assert "Westwall" not in str(body)
    assert body["events"][-1]["event"] == "PersonalDataErased"
    assert "note" in body["events"][-1]["erased_fields"]
    assert body["views"]["esf_participants"]["members"][0]["birth_date"] is None
    assert body["views"]["family_summary"]["status"] == "erased"
    assert [p["entered_on"] for p in body["participations"]] == ["2026-03-09"]
    assert "wurden am" in html
    assert "gelöscht" in html
    assert "pseudonym" in html


def test_an_unknown_member_is_not_found(world: World) -> None:
    family = Family(world, world.intake())
    problem(export(world, family, str(uuid4())), 404, "member_not_found", "member_id")
    problem(export(world, family, family.parent, format="pdf"), 422)
