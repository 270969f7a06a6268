"""GET /caseload through the API: a case manager's own families, read-your-writes,
days since contact and overdue follow-ups, a coordinator's view of the team."""

from __future__ import annotations

from datetime import date

from domain.rules import today_in_programme
from tests.support.world import World


def test_a_case_managers_caseload_shows_their_own_write_at_once(world: World) -> None:
    mine = world.intake()
    colleague = world.add_staff("case_manager", name="Bernd Kaya")
    world.intake(case_manager=colleague.staff_id)
    cm = world.client("case_manager")
    wrote = cm.post(f"/families/{mine['family_id']}/consultations", json={
        "duration_minutes": 30, "mode": "phone", "topics": ["benefits"],
        "next_follow_up_on": "2026-04-01", "occurred_on": "2026-03-20"})
    assert wrote.status_code == 200

    page = cm.get("/caseload").json()  # right after the command: no waiting needed

    assert page["total"] == 1
    item = page["items"][0]
    today = today_in_programme()
    assert item["family_id"] == mine["family_id"]
    assert item["last_contact_on"] == "2026-03-20"
    assert item["days_since_contact"] == (today - date(2026, 3, 20)).days
    assert item["follow_up_overdue"] is (date(2026, 4, 1) < today)
    assert item["case_age_days"] == (today - date(2026, 3, 2)).days
    assert page["position"] >= wrote.json()["position"]


def test_a_coordinator_sees_the_team_and_filters_by_case_manager(world: World) -> None:
    world.intake()
    colleague = world.add_staff("case_manager", name="Bernd Kaya")
    theirs = world.intake(case_manager=colleague.staff_id)
    coordinator = world.client("coordinator")

    everyone = coordinator.get("/caseload").json()
    one = coordinator.get("/caseload", params={"case_manager": colleague.staff_id}).json()

    assert everyone["total"] == 2
    assert [i["family_id"] for i in one["items"]] == [theirs["family_id"]]


def test_goals_and_referrals_are_counted_until_closed_or_answered(world: World) -> None:
    family = world.intake()
    cm = world.client("case_manager")
    member = family["member_ids"][0]
    goal = cm.post(f"/families/{family['family_id']}/goals", json={
        "member_ids": [member], "life_area": "work", "description": "Bewerbung",
        "occurred_on": "2026-03-05"}).json()
    cm.post(f"/families/{family['family_id']}/referrals", json={
        "member_id": member, "institution_type": "debt_counselling",
        "institution_name": "Schuldnerberatung", "consent_confirmed": True,
        "occurred_on": "2026-03-05"})
    assert cm.get("/caseload").json()["items"][0]["open_goals"] == 1

    done = cm.post(f"/families/{family['family_id']}/goals/{goal['goal_id']}/achievement",
                   json={"occurred_on": "2026-03-09"})
    after = cm.get("/caseload", params={"after": done.json()["position"]}).json()

    assert after["items"][0]["open_goals"] == 0
    assert after["items"][0]["pending_referrals"] == 1


def test_admins_and_prometheus_see_where_the_views_stand(world: World) -> None:
    family = world.intake()
    world.client("case_manager").post(f"/families/{family['family_id']}/consultations", json={
        "duration_minutes": 30, "mode": "phone", "topics": ["benefits"],
        "occurred_on": "2026-03-20"})

    before = world.client("admin").get("/admin/views").json()
    world.client("case_manager").get("/caseload")  # a read catches the view up
    after = world.client("admin").get("/admin/views").json()
    metrics = world.client(None).get("/metrics")

    assert before[0]["name"] == "caseload"
    assert before[0]["behind"] > 0
    assert before[0]["oldest_unprocessed_seconds"] is not None
    assert after[0]["behind"] == 0
    assert after[0]["events_per_second"] > 0
    assert metrics.status_code == 200
    assert 'lotse_view_behind_events{view="caseload"} 0.0' in metrics.text
    assert world.client("coordinator").get("/admin/views").status_code == 403


def test_the_team_overview_counts_per_case_manager_and_unassigned(world: World) -> None:
    cm = world.client("case_manager")
    quiet = world.intake(occurred_on="2026-01-05", consent_given_on="2026-01-05")
    seen = world.intake()
    colleague = world.add_staff("case_manager", name="Bernd Kaya")
    world.intake(case_manager=colleague.staff_id)
    today = today_in_programme()
    seen_on = date.fromordinal(today.toordinal() - 3)
    wrote = cm.post(f"/families/{seen['family_id']}/consultations", json={
        "duration_minutes": 30, "mode": "phone", "topics": ["benefits"],
        "next_follow_up_on": date.fromordinal(today.toordinal() - 1).isoformat(),
        "occurred_on": seen_on.isoformat()})
    assert wrote.status_code == 200, wrote.text
    assert quiet["family_id"]

    answer = world.client("coordinator").get("/projects/KR/team")
    assert answer.status_code == 200, answer.text
    team = answer.json()

    by_id = {m["case_manager"]: m for m in team["case_managers"]}
    mine = by_id[world.case_manager_id()]
    assert (mine["active_cases"], mine["overdue_follow_ups"]) == (2, 1)
    assert mine["without_contact_21_days"] == 1  # the January intake, never seen since
    assert by_id[colleague.staff_id]["active_cases"] == 1
    assert team["unassigned_cases"] == 0
    assert world.client("case_manager").get("/projects/KR/team").status_code == 403
