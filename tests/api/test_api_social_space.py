"""GET /projects/{project}/social-space through the API: the statistics with a period,
read-your-writes, corrections and erasure, the sort order, and every error path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import problem
from tests.support.world import World


def consult(world: World, family: dict[str, Any], day: str, minutes: int, topics: list[str],
            mode: str = "phone") -> dict[str, Any]:
    response = world.client("case_manager").post(
        f"/families/{family['family_id']}/consultations", json={
            "duration_minutes": minutes, "mode": mode, "topics": topics,
            "location": "Café Westwall", "notes": "Talked about the Okonkwo debts.",
            "occurred_on": day})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def post(world: World, family: dict[str, Any], tail: str, body: dict[str, Any],
         role: str = "case_manager") -> dict[str, Any]:
    response = world.client(role).post(f"/families/{family['family_id']}{tail}", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def intake(world: World, district: str, day: str, project: str = "KR") -> dict[str, Any]:
    return world.intake(project, district=district, occurred_on=day, consent_given_on=day)


@pytest.fixture
def casework(world: World) -> dict[str, Any]:
    """Three KR families over January to March 2026 and one in GL."""
    a = intake(world, "Oppum", "2026-01-12")
    b = intake(world, "Oppum", "2026-02-03")
    c = intake(world, "Dießem", "2026-03-09")
    intake(world, "Gladbeck-Mitte", "2026-02-03", project="GL")
    consult(world, a, "2026-01-12", 60, ["job_search", "childcare"], "home_visit")
    consult(world, a, "2026-02-16", 30, ["job_search"])
    consult(world, b, "2026-02-03", 90, ["money_and_debts", "job_search"], "office")
    consult(world, c, "2026-03-10", 45, ["childcare"], "office")
    goal = post(world, a, "/goals", {"member_ids": [a["member_ids"][0]], "life_area": "work",
                                     "description": "Bewerbung", "occurred_on": "2026-01-20"})
    post(world, a, f"/goals/{goal['goal_id']}/achievement", {"occurred_on": "2026-03-02"})
    post(world, c, "/goals", {"member_ids": [c["member_ids"][0]], "life_area": "housing",
                              "description": "Wohnung", "occurred_on": "2026-03-10"})
    referral = post(world, c, "/referrals", {
        "member_id": c["member_ids"][0], "institution_type": "jobcenter",
        "institution_name": "Jobcenter Krefeld", "consent_confirmed": True,
        "occurred_on": "2026-03-11"})
    post(world, c, f"/referrals/{referral['referral_id']}/outcomes",
         {"outcome": "accepted", "occurred_on": "2026-03-20"})
    post(world, b, "/referrals", {
        "member_id": b["member_ids"][0], "institution_type": "debt_counselling",
        "institution_name": "Schuldnerberatung", "consent_confirmed": True,
        "occurred_on": "2026-02-04"})
    return {"a": a, "b": b, "c": c}


def test_the_whole_history_of_a_project_without_personal_data(
        world: World, casework: dict[str, Any]) -> None:
    response = world.client("reporting").get("/projects/KR/social-space")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["project"] == "KR"
    assert (body["from_month"], body["to_month"]) == (None, None)
    assert body["families"] == {"total": 3, "by_district": [
        {"district": "Oppum", "families": 2}, {"district": "Dießem", "families": 1}]}
    consultations = body["consultations"]
    assert (consultations["total"], consultations["minutes"], consultations["hours"]) == (
        4, 225, 3.75)
    assert consultations["by_month"] == [
        {"month": "2026-01", "consultations": 1, "minutes": 60, "hours": 1.0},
        {"month": "2026-02", "consultations": 2, "minutes": 120, "hours": 2.0},
        {"month": "2026-03", "consultations": 1, "minutes": 45, "hours": 0.75}]
    assert [(t["topic"], t["consultations"], t["minutes"]) for t in consultations["by_topic"]] == [
        ("job_search", 3, 180), ("childcare", 2, 105), ("money_and_debts", 1, 90)]
    job_search = consultations["by_topic"][0]
    assert [(m["month"], m["consultations"]) for m in job_search["by_month"]] == [
        ("2026-01", 1), ("2026-02", 2)]
    assert [(m["mode"], m["consultations"]) for m in consultations["by_mode"]] == [
        ("office", 2), ("home_visit", 1), ("phone", 1)]
    referrals = body["referrals"]
    assert referrals["total"] == 2
    assert [(r["institution_type"], r["referrals"], {o: n for o, n in r["outcomes"].items() if n})
            for r in referrals["by_institution_type"]] == [
        ("debt_counselling", 1, {"pending": 1}), ("jobcenter", 1, {"accepted": 1})]
    assert set(referrals["by_institution_type"][0]["outcomes"]) == {
        "pending", "accepted", "first_appointment_kept", "completed", "declined",
        "no_response"}
    assert body["goals"] == {"total_set": 2, "by_life_area": [
        {"life_area": "housing", "set": 1, "open": 1, "achieved": 0, "dropped": 0,
         "achieved_in_period": 0, "dropped_in_period": 0},
        {"life_area": "work", "set": 1, "open": 0, "achieved": 1, "dropped": 0,
         "achieved_in_period": 1, "dropped_in_period": 0}]}
    for personal in ("Okonkwo", "Amira", "Westwall", "Café", "Bewerbung", "Jobcenter Krefeld",
                     "family_id", casework["a"]["family_id"]):
        assert personal not in response.text
    assert world.client("coordinator").get("/projects/KR/social-space").json() == body
    assert world.client("auditor").get("/projects/KR/social-space").json() == body


def test_a_period_counts_only_its_months(world: World, casework: dict[str, Any]) -> None:
    reporting = world.client("reporting")

    feb_mar = reporting.get("/projects/KR/social-space",
                            params={"from": "2026-02", "to": "2026-03"}).json()
    january = reporting.get("/projects/KR/social-space", params={"to": "2026-01"}).json()
    march_on = reporting.get("/projects/KR/social-space", params={"from": "2026-03"}).json()
    later = reporting.get("/projects/KR/social-space", params={"from": "2026-04"}).json()

    assert (feb_mar["from_month"], feb_mar["to_month"]) == ("2026-02", "2026-03")
    assert feb_mar["families"]["by_district"] == [{"district": "Dießem", "families": 1},
                                                  {"district": "Oppum", "families": 1}]
    assert (feb_mar["consultations"]["total"], feb_mar["consultations"]["minutes"]) == (3, 165)
    assert [(t["topic"], t["consultations"]) for t in feb_mar["consultations"]["by_topic"]] == [
        ("job_search", 2), ("childcare", 1), ("money_and_debts", 1)]
    assert feb_mar["referrals"]["total"] == 2
    work = next(g for g in feb_mar["goals"]["by_life_area"] if g["life_area"] == "work")
    assert (work["set"], work["achieved_in_period"]) == (0, 1)  # set in January
    assert (january["families"]["total"], january["consultations"]["total"]) == (1, 1)
    assert january["consultations"]["by_month"] == [
        {"month": "2026-01", "consultations": 1, "minutes": 60, "hours": 1.0}]
    assert january["goals"]["by_life_area"] == [
        {"life_area": "work", "set": 1, "open": 0, "achieved": 1, "dropped": 0,
         "achieved_in_period": 0, "dropped_in_period": 0}]
    assert (march_on["families"]["total"], march_on["consultations"]["minutes"]) == (1, 45)
    assert march_on["referrals"]["by_institution_type"][0]["institution_type"] == "jobcenter"
    assert later["families"] == {"total": 0, "by_district": []}
    assert later["consultations"]["by_topic"] == []
    one_month = reporting.get("/projects/KR/social-space",
                              params={"from": "2026-02", "to": "2026-02"}).json()
    assert one_month["consultations"]["total"] == 2


def test_each_read_shows_the_writes_before_it_corrections_included(world: World) -> None:
    family = intake(world, "Oppum", "2026-03-02")
    coordinator = world.client("coordinator")
    assert coordinator.get("/projects/KR/social-space").json()["families"]["by_district"] == [
        {"district": "Oppum", "families": 1}]
    held = consult(world, family, "2026-03-20", 60, ["benefits"])
    wrote = post(world, family, "/corrections", {
        "corrected_version": held["version"], "changes": [
            {"field": "occurred_on", "value": "2026-04-01"}],
        "reason": "wrong month", "occurred_on": "2026-04-02"})
    moved = post(world, family, "/corrections", {
        "corrected_version": 1, "changes": [{"field": "district", "value": "Uerdingen"}],
        "reason": "typo at intake", "occurred_on": "2026-04-02"})

    body = coordinator.get("/projects/KR/social-space").json()  # no waiting needed

    assert body["position"] >= moved["position"] > wrote["position"]
    assert body["families"]["by_district"] == [{"district": "Uerdingen", "families": 1}]
    assert [m["month"] for m in body["consultations"]["by_month"]] == ["2026-04"]
    after = coordinator.get("/projects/KR/social-space",
                            params={"after": moved["position"], "to": "2026-03"}).json()
    assert after["consultations"]["total"] == 0
    assert after["families"]["total"] == 1  # the intake stays in March


def test_an_erased_family_keeps_counting(world: World) -> None:
    family = intake(world, "Oppum", "2026-03-02")
    consult(world, family, "2026-03-20", 60, ["benefits"])
    before = world.client("reporting").get("/projects/KR/social-space").json()

    post(world, family, "/erasure", {"legal_basis": "unlawfully_recorded",
                                     "note": "recorded for another programme"}, role="coordinator")
    after = world.client("reporting").get("/projects/KR/social-space").json()

    assert after["position"] > before["position"]
    assert {**after, "position": 0} == {**before, "position": 0}
    assert after["families"]["total"] == 1


@pytest.mark.store_independent
@pytest.mark.parametrize("params", [
    {"from": "2026-13"}, {"from": "2026-1"}, {"to": "26-01"}, {"from": "2026-01-01"},
    {"to": "March"}, {"from": "2026-00"}])
def test_a_malformed_month_is_refused_naming_the_field(
        world: World, params: dict[str, str]) -> None:
    response = world.client("reporting").get("/projects/KR/social-space", params=params)
    name = next(iter(params))
    body = problem(response, 422, field=f"query.{name}")
    assert body["rule"] in ("string_pattern_mismatch", "string_too_long")


def test_a_reversed_period_and_an_unrecorded_position_are_refused(world: World) -> None:
    reporting = world.client("reporting")
    problem(reporting.get("/projects/KR/social-space", params={"from": "2026-05", "to": "2026-04"}),
            422, "month_range_reversed", "to")
    problem(reporting.get("/projects/KR/social-space", params={"after": 10**9}),
            422, "position_not_recorded", "after")
    problem(reporting.get("/projects/KR/social-space", params={"after": -1}), 422,
            field="query.after")


def test_only_coordinators_auditors_and_reporting_of_the_project_read_the_statistics(
        world: World) -> None:
    intake(world, "Oppum", "2026-03-02")
    for role in ("coordinator", "auditor", "reporting"):
        assert world.client(role).get("/projects/KR/social-space").status_code == 200
    for role in ("case_manager", "admin"):
        problem(world.client(role).get("/projects/KR/social-space"), 403, "forbidden")
    problem(world.client("reporting").get("/projects/GL/social-space"), 404, "project_not_found")
    problem(world.client("reporting", "GL").get("/projects/KR/social-space"), 404,
            "project_not_found")
    problem(world.client("reporting").get("/projects/XX/social-space"), 404, "project_not_found")
    problem(world.client(None).get("/projects/KR/social-space"), 401, "unauthenticated")
