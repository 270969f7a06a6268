"""``GET /projects/{p}/social-space/offers`` and the "< 5" rule through the API.

One café of KR at a place of its directory, run with a partner, with two sessions in
March 2026: 3 women 27-54 (2 first-time) and 6 women 27-54 + 1 man 18-26; a cancelled
third. Attendance 10, women 9, men 1,
first-time 2: the reporting user sees men and first-time visitors as "< 5" while the
rule is on, the coordinator and the auditor see 1 and 2; sessions and hours stay exact.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from openpyxl import load_workbook

from domain.offer_values import AgeBand, Attendee, HeadcountGender
from tests.support.offer_builders import cancel, hold, new_offer
from tests.support.world import World

W, M = HeadcountGender.WOMEN, HeadcountGender.MEN
URL = "/projects/KR/social-space/offers?from=2026-03&to=2026-03"


@pytest.fixture
def cafe(world: World) -> World:
    app = world.services.cases
    offer = new_offer(app, starts_on=date(2026, 3, 1), planned=8,
                      place_uuid=UUID(world.place(name="Familienzentrum Westwall")),
                      partners=[UUID(world.partner(name="Jobcenter Krefeld"))])
    hold(app, offer, date(2026, 3, 2), 90, {W: {AgeBand.AGE_27_54: 3}}, 2)
    family = world.intake()
    named = Attendee(UUID(family["family_id"]), UUID(family["member_ids"][0]))
    hold(app, offer, date(2026, 3, 9), 90, {W: {AgeBand.AGE_27_54: 6},
                                             M: {AgeBand.AGE_18_26: 1}}, attendees=[named])
    cancel(app, offer, date(2026, 3, 16))
    return world


def read(world: World, role: str, url: str = URL) -> dict[str, Any]:
    response = world.client(role).get(url)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_a_reporting_user_sees_counts_of_under_five_people_as_less_than_five(
        cafe: World) -> None:
    s = read(cafe, "reporting")
    assert s["small_counts_hidden"] is True
    assert s["sessions"] == {"held": 2, "cancelled": 1, "share_held_percent": 66.7,
                             "minutes": 180, "hours": 3.0}
    assert s["attendance"]["total"] == 10
    assert s["attendance"]["first_time"] == "< 5"
    assert s["attendance"]["by_gender"] == {"women": 9, "men": "< 5", "non_binary": 0,
                                            "not_stated": 0}
    assert s["attendance"]["by_age_band"]["18_26"] == "< 5"
    assert s["offers"][0]["held_so_far"] == 2
    assert [(p["name"], p["held"]) for p in s["by_place"]] == [("Familienzentrum Westwall", 2)]
    assert [(p["name"], p["sessions"], p["referrals"]) for p in s["partners"]] == [
        ("Jobcenter Krefeld", 2, 0)]
    assert s["offers"][0]["planned_sessions"] == 8


@pytest.mark.parametrize("role", ["reporting", "coordinator", "auditor"])
def test_the_statistics_name_nobody_only_counts(cafe: World, role: str) -> None:
    text = cafe.client(role).get(URL).text
    families = read(cafe, "coordinator", "/families?project=KR")["items"]
    assert families  # (the named attendee's family among them)
    for named in families:
        assert named["family_id"] not in text
        assert named["family_id"].replace("-", "") not in text
    assert "Okonkwo" not in text
    assert read(cafe, "coordinator")["named_participants"]["total"] == 1


@pytest.mark.parametrize("role", ["coordinator", "auditor"])
def test_coordinators_and_auditors_see_every_count_exactly(cafe: World, role: str) -> None:
    s = read(cafe, role)
    assert s["small_counts_hidden"] is False
    assert s["attendance"]["first_time"] == 2
    assert s["attendance"]["by_gender"]["men"] == 1


def test_a_coordinator_turns_the_rule_off_and_reporting_users_see_exact_counts(
        cafe: World) -> None:
    turned = cafe.client("coordinator").post("/projects/KR/small-counts",
                                             json={"hidden": False})
    assert turned.status_code == 200, turned.text
    assert turned.json() == {"project": "KR", "hidden": False}
    assert read(cafe, "reporting")["attendance"]["by_gender"]["men"] == 1
    again = cafe.client("coordinator").post("/projects/KR/small-counts",
                                            json={"hidden": False})
    assert again.status_code == 422
    assert again.json()["rule"] == "nothing_changed"


def test_the_period_is_a_half_year_or_months_never_both(cafe: World) -> None:
    assert read(cafe, "coordinator", "/projects/KR/social-space/offers?period=2026-H1"
                )["sessions"]["held"] == 2
    both = cafe.client("coordinator").get(
        "/projects/KR/social-space/offers?period=2026-H1&from=2026-01")
    assert both.status_code == 422
    assert both.json()["field"] == "period"
    reversed_ = cafe.client("coordinator").get(
        "/projects/KR/social-space/offers?from=2026-04&to=2026-03")
    assert reversed_.status_code == 422
    assert reversed_.json()["field"] == "to"


def test_at_a_cutoff_before_the_sessions_were_recorded_nothing_counts(cafe: World) -> None:
    # (the builders record at the real time: a day before today knows none of them)
    s = read(cafe, "coordinator", URL + "&known_on=2026-03-01")
    assert s["sessions"]["held"] == 0
    assert s["as"] == "known_by"


def test_another_projects_offer_statistics_are_not_found(cafe: World) -> None:
    assert cafe.client("coordinator").get(
        "/projects/GL/social-space/offers").status_code == 404
    assert cafe.client("case_manager").get(
        "/projects/KR/social-space/offers").status_code == 403


def test_the_esf_report_carries_the_social_space_figures_in_json_csv_and_workbook(
        cafe: World) -> None:
    base = "/reports/esf?project=KR&period=2026-H1"
    found = read(cafe, "reporting", base)["social_space"]
    assert found["period"]["sessions"]["held"] == 2
    assert found["period"]["attendance"]["by_gender"]["men"] == "< 5"
    assert found["since_start"]["attendance"]["total"] == 10
    exact = read(cafe, "coordinator", base)["social_space"]["period"]["attendance"]
    assert exact["by_gender"]["men"] == 1
    table = cafe.client("reporting").get(base + "&format=csv&table=programme").text
    assert "social_space_attendance_by_gender,men,Männer,Men,< 5,< 5\r\n" in table
    assert "social_space_sessions,held,Termine durchgeführt,Sessions held,2,2\r\n" in table
    book = load_workbook(io.BytesIO(cafe.client("reporting").get(base + "&format=xlsx").content))
    sheet = book["Sozialraumarbeit"]
    rows = {(r[0], r[1]): r[4:6] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[("social_space_attendance_by_gender", "men")] == ("< 5", "< 5")
    assert rows[("social_space_sessions", "hours")] == (3.0, 3.0)
