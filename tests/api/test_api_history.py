"""GET /families/{id}/summary and GET /projects/{p}/caseload-history through the API:
what they show right after a write, corrections, transfers, closure and reopening, the
read log, filters and pages, and every refusal as problem details."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.api.test_api_reads import reads_logged
from tests.support.api import CONSULTATION, ENTRY, GOAL, REFERRAL, Family, fill, problem
from tests.support.world import World

# ----- GET /families/{id}/summary -------------------------------------------------------


def test_the_summary_shows_the_case_at_a_glance_without_personal_data(world: World) -> None:
    family = Family(world, world.intake())
    ids = {"parent": family.parent}
    family.ok("/participants", {"member_id": family.parent, **ENTRY, "occurred_on": "2026-03-09"})
    family.ok("/consultations", fill(CONSULTATION, ids))  # 45 min, home visit, money
    family.ok("/consultations", fill({**CONSULTATION, "duration_minutes": 30, "mode": "phone",
                                      "topics": ["money_and_debts", "benefits"],
                                      "occurred_on": "2026-03-20"}, ids))
    goal = family.ok("/goals", fill(GOAL, ids))["goal_id"]
    referral = family.ok("/referrals", fill(REFERRAL, ids))["referral_id"]
    family.ok(f"/referrals/{referral}/outcomes", {"outcome": "accepted",
                                                  "occurred_on": "2026-04-03"})
    wrote = family.ok(f"/members/{family.child}/departure", {"reason": "zum Vater",
                                                             "occurred_on": "2026-04-05"})

    response = world.client("case_manager").get(f"/families/{family.id}/summary")

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["position"] >= wrote["position"]
    assert summary["version"] == family.version() == wrote["version"]
    assert (summary["case_number"], summary["status"], summary["opened_on"]) == (
        "KR-2026-0001", "open", "2026-03-02")
    assert summary["case_manager"] == world.case_manager_id()
    parent, child = summary["members"]
    assert (parent["role"], parent["gender"], parent["in_household"]) == (
        "parent", "female", True)
    assert parent["participations"] == [{"entered_on": "2026-03-09", "left_on": None,
                                         "exit_status": None}]
    assert (child["in_household"], child["left_household_on"]) == (False, "2026-04-05")
    assert summary["goals"] == [{
        "goal_id": goal, "life_area": "family_life", "set_on": "2026-03-10",
        "target_date": "2026-12-31", "status": "open", "closed_on": None, "revisions": 0}]
    assert summary["referrals"] == [{
        "referral_id": referral, "institution_type": "debt_counselling",
        "referred_on": "2026-04-01", "outcome": "accepted", "outcome_on": "2026-04-03",
        "pending": False}]
    assert summary["consultations"] == {
        "count": 2, "minutes": 75, "hours": 1.25, "first_contact_on": "2026-03-10",
        "last_contact_on": "2026-03-20",
        "by_topic": [
            {"topic": "benefits", "consultations": 1, "minutes": 30, "hours": 0.5},
            {"topic": "money_and_debts", "consultations": 2, "minutes": 75, "hours": 1.25}],
        "by_mode": [
            {"mode": "home_visit", "consultations": 1, "minutes": 45, "hours": 0.75},
            {"mode": "phone", "consultations": 1, "minutes": 30, "hours": 0.5}]}
    for personal in ("Amira", "Okonkwo", "1991-05-17", "Westwall", "Jobcenter letter",
                     "Kita place", "Schuldnerberatung", "zum Vater"):
        assert personal not in response.text, personal


def test_a_correction_recorded_later_shows_at_once(world: World) -> None:
    family = Family(world, world.intake())
    held = family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))
    goal = family.ok("/goals", fill(GOAL, {"parent": family.parent}))
    cm = world.client("case_manager")
    assert cm.get(f"/families/{family.id}/summary").json()["consultations"]["hours"] == 0.75

    family.ok("/corrections", {"corrected_version": held["version"], "changes": [
        {"field": "duration_minutes", "value": "90"}, {"field": "mode", "value": "video"},
        {"field": "occurred_on", "value": "2026-03-04"}],
        "reason": "falsch eingetragen", "occurred_on": "2026-04-01"})
    family.ok("/corrections", {"corrected_version": goal["version"], "changes": [
        {"field": "life_area", "value": "housing"}], "reason": "verwechselt",
        "occurred_on": "2026-04-01"})
    summary = cm.get(f"/families/{family.id}/summary").json()

    assert summary["consultations"]["by_mode"] == [
        {"mode": "video", "consultations": 1, "minutes": 90, "hours": 1.5}]
    assert summary["consultations"]["first_contact_on"] == "2026-03-04"
    assert summary["goals"][0]["life_area"] == "housing"
    case = cm.get(f"/families/{family.id}").json()
    assert summary["consultations"]["last_contact_on"] == case["last_contact_on"]


def test_reads_by_others_than_the_case_manager_are_logged_before_the_answer(
        world: World) -> None:
    family = Family(world, world.intake())
    assert world.client("case_manager").get(f"/families/{family.id}/summary").status_code == 200
    assert reads_logged(world, family.id) == []

    for role in ("coordinator", "auditor"):
        assert world.client(role).get(f"/families/{family.id}/summary").status_code == 200

    assert reads_logged(world, family.id) == [
        (world.token("coordinator").staff_id, "coordinator", "GET /families/{id}/summary"),
        (world.token("auditor").staff_id, "auditor", "GET /families/{id}/summary")]


def test_the_summary_follows_a_transfer_closure_and_reopening(world: World) -> None:
    family = Family(world, world.intake())
    colleague = world.add_staff("case_manager", "KR", "Ben Kaya")
    family.ok("/assignment", {"case_manager": colleague.staff_id, "occurred_on": "2026-04-01"},
              role="coordinator")
    assert world.client("case_manager").get(
        f"/families/{family.id}/summary").status_code == 404  # no longer theirs
    family.post("/closure", {"reason": "goals_achieved", "occurred_on": "2026-05-01"},
                client=_client(world, colleague.token))
    coordinator = world.client("coordinator")
    closed = coordinator.get(f"/families/{family.id}/summary").json()
    assert (closed["status"], closed["closed_on"], closed["case_manager"]) == (
        "closed", "2026-05-01", colleague.staff_id)

    family.post("/reopening", {"reason": "neue Krise", "occurred_on": "2026-06-01"},
                client=_client(world, colleague.token))
    reopened = coordinator.get(f"/families/{family.id}/summary").json()
    assert (reopened["status"], reopened["closed_on"]) == ("open", None)


def _client(world: World, token: str) -> Any:
    from tests.api.test_api_reads import client_for

    return client_for(world, token)


@pytest.mark.parametrize(("params", "rule", "field"), [
    ({"after": -1}, "greater_than_equal", "query.after"),
    ({"after": "soon"}, "int_parsing", "query.after"),
    ({"after": 10**9}, "position_not_recorded", "after"),
])
def test_a_summary_with_bad_parameters_is_refused_with_422(
        world: World, params: dict[str, Any], rule: str, field: str) -> None:
    family = Family(world, world.intake())

    problem(world.client("coordinator").get(f"/families/{family.id}/summary", params=params),
            422, rule, field)
    assert reads_logged(world) == []


def test_a_summary_after_a_position_waits_for_it(world: World) -> None:
    family = Family(world, world.intake())
    wrote = family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))

    answer = world.client("auditor").get(f"/families/{family.id}/summary",
                                         params={"after": wrote["position"]})

    assert answer.status_code == 200
    assert answer.json()["consultations"]["count"] == 1


def test_a_summary_outside_the_callers_cases_answers_like_a_missing_family(
        world: World) -> None:
    mine = Family(world, world.intake())
    colleague = world.add_staff("case_manager", "KR", "Ben Kaya")
    theirs = Family(world, world.intake(case_manager=colleague.staff_id))
    gl = Family(world, world.intake("GL"))
    missing = str(uuid4())
    for client, family_id in ((world.client("case_manager"), theirs.id),
                              (world.client("case_manager"), missing),
                              (world.client("coordinator"), gl.id),
                              (world.client("auditor", "GL"), mine.id),
                              (world.client("coordinator"), missing)):
        body = problem(client.get(f"/families/{family_id}/summary"), 404, "family_not_found")
        assert body["detail"] == problem(client.get(f"/families/{missing}/summary"),
                                         404)["detail"]
    for role in ("reporting", "admin"):
        problem(world.client(role).get(f"/families/{mine.id}/summary"), 403, "forbidden")
    problem(world.client("coordinator").get("/families/KR-2026-0001/summary"), 422,
            "uuid_parsing", "path.family_id")
    problem(world.client(None).get(f"/families/{mine.id}/summary"), 401, "unauthenticated")
    assert reads_logged(world) == []


# ----- GET /projects/{p}/caseload-history -----------------------------------------------


def history(world: World, role: str = "coordinator", project: str = "KR",
            **params: Any) -> dict[str, Any]:
    response = world.client(role, project).get(f"/projects/{project}/caseload-history",
                                               params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def brief(page: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(i["case_number"][-4:], i["case_manager"], i["from_on"], i["until_on"],
             i["started_by"], i["ended_by"]) for i in page["items"]]


def test_the_caseload_history_lists_who_carried_which_case_when(world: World) -> None:
    anna = world.case_manager_id()
    ben = world.add_staff("case_manager", "KR", "Ben Kaya")
    first = Family(world, world.intake())
    second = Family(world, world.intake(case_manager=ben.staff_id, occurred_on="2026-03-05",
                                        consent_given_on="2026-03-05"))
    world.intake("GL")  # another project's family is not listed
    first.ok("/assignment", {"case_manager": ben.staff_id, "reason": "Elternzeit",
                             "occurred_on": "2026-04-01"}, role="coordinator")
    ben_client = _client(world, ben.token)
    assert first.post("/closure", {"reason": "goals_achieved", "occurred_on": "2026-05-04"},
                      client=ben_client).status_code == 200
    first.ok("/assignment", {"case_manager": anna, "occurred_on": "2026-05-10"},
             role="coordinator")  # while closed: carried by nobody until reopened
    reopened = first.ok("/reopening", {"reason": "neue Krise", "occurred_on": "2026-06-01"})

    page = history(world)

    assert page["position"] >= reopened["position"]
    assert (page["project"], page["total"], page["limit"], page["offset"]) == ("KR", 4, 100, 0)
    assert brief(page) == [
        ("0001", anna, "2026-03-02", "2026-04-01", "intake", "transfer"),
        ("0002", ben.staff_id, "2026-03-05", None, "intake", None),
        ("0001", ben.staff_id, "2026-04-01", "2026-05-04", "transfer", "closure"),
        ("0001", anna, "2026-06-01", None, "reopening", None)]
    item = page["items"][2]
    assert item["family_id"] == first.id
    assert item["assigned_by"] == world.token("coordinator").staff_id
    assert item["version"] < item["ended_version"]
    assert page["items"][3]["assigned_by"] == anna  # who reopened it
    assert "reason" not in item
    assert "Elternzeit" not in str(page)
    assert history(world, role="auditor") == page
    assert brief(history(world, family_id=second.id)) == [brief(page)[1]]
    assert brief(history(world, case_manager=ben.staff_id)) == brief(page)[1:3]
    assert brief(history(world, on="2026-04-01")) == brief(page)[:3]  # the handover day
    assert brief(history(world, on="2026-05-20")) == [brief(page)[1]]
    assert history(world, on="2026-03-01")["total"] == 0
    assert brief(history(world, sort="-from")) == brief(page)[::-1]
    assert brief(history(world, sort="until")) == [brief(page)[i] for i in (0, 2, 3, 1)]
    assert brief(history(world, sort="case_number")) == [brief(page)[i] for i in (0, 2, 3, 1)]
    paged = history(world, limit=2, offset=1)
    assert (paged["total"], paged["limit"], paged["offset"]) == (4, 2, 1)
    assert brief(paged) == brief(page)[1:3]
    gl = history(world, project="GL")  # GL's coordinator: GL's one family only
    assert [(i["project"], i["case_number"]) for i in gl["items"]] == [("GL", "GL-2026-0001")]


@pytest.mark.parametrize(("params", "rule", "field"), [
    ({"on": "2026-13-01"}, "date_from_datetime_parsing", "query.on"),
    ({"on": "soon"}, "date_from_datetime_parsing", "query.on"),
    ({"family_id": "KR-2026-0001"}, "uuid_parsing", "query.family_id"),
    ({"sort": "name"}, "string_pattern_mismatch", "query.sort"),
    ({"case_manager": "x" * 101}, "string_too_long", "query.case_manager"),
    ({"case_manager": "a\nb"}, "string_pattern_mismatch", "query.case_manager"),
    ({"limit": 0}, "greater_than_equal", "query.limit"),
    ({"limit": 501}, "less_than_equal", "query.limit"),
    ({"offset": -1}, "greater_than_equal", "query.offset"),
    ({"after": 10**9}, "position_not_recorded", "after"),
])
def test_a_caseload_history_with_bad_parameters_is_refused_with_422(
        world: World, params: dict[str, Any], rule: str, field: str) -> None:
    world.intake()

    problem(world.client("coordinator").get("/projects/KR/caseload-history", params=params),
            422, rule, field)


@pytest.mark.parametrize(("role", "project", "status", "rule"), [
    ("case_manager", "KR", 403, "forbidden"),
    ("reporting", "KR", 403, "forbidden"),
    ("admin", "KR", 403, "forbidden"),
    ("coordinator", "GL", 404, "project_not_found"),
    ("auditor", "XX", 404, "project_not_found"),
])
def test_the_caseload_history_is_for_coordinators_and_auditors_of_the_project(
        world: World, role: str, project: str, status: int, rule: str) -> None:
    world.intake()
    world.intake("GL")

    problem(world.client(role).get(f"/projects/{project}/caseload-history"), status, rule)
