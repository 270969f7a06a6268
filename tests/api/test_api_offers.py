"""Social-space offers through the API (issue 15, items 2 and 3): create, sessions with
headcounts, late recording and corrections, errors as problems with nothing stored,
Idempotency-Key, If-Match and who may see what."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tests.support.api import problem
from tests.support.tamper import RawStore
from tests.support.world import World


def cafe(world: World, project: str = "KR", **overrides: Any) -> dict[str, Any]:
    """The women's café of ``project``, at a new place of its directory with a new
    partner."""
    return {"project": project, "offer_type": "cafe", "title": "Frauencafé",
            "place_id": world.place(project), "partner_ids": [world.partner(project)],
            "target_group": "Frauen im Quartier",
            "schedule": {"recurrence": "weekly", "weekdays": ["wednesday"],
                         "start_time": "10:00", "duration_minutes": 120},
            "starts_on": "2026-09-02", "planned_sessions": 40, "occurred_on": "2026-08-20",
            **overrides}


def session(**overrides: Any) -> dict[str, Any]:
    return {"staff_present": ["st-x"], "topics": ["childcare"],
            "attendance": {"counts": {"women": {"27_54": 9, "18_26": 3},
                                      "not_stated": {"0_5": 4}}, "first_time": 2},
            "occurred_on": "2026-09-09", **overrides}


def recorded(world: World) -> int:
    return world.services.cases.recorder.max_notification_id() or 0


def create(world: World, role: str = "case_manager", **overrides: Any) -> dict[str, Any]:
    response = world.client(role).post("/offers", json=cafe(world, **overrides))
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/offers/{response.json()['offer_id']}"
    body: dict[str, Any] = response.json()
    return body


def test_an_offer_with_a_held_and_a_cancelled_session_reads_back(world: World) -> None:
    offer = create(world)
    client = world.client("case_manager")
    held = client.post(f"/offers/{offer['offer_id']}/sessions", json=session())
    assert held.status_code == 200, held.text
    assert held.headers["ETag"] == '"2"'
    cancelled = client.post(f"/offers/{offer['offer_id']}/cancellations",
                            json={"reason": "holiday", "occurred_on": "2026-09-16"})
    assert cancelled.status_code == 200, cancelled.text

    read = client.get(f"/offers/{offer['offer_id']}")
    assert read.status_code == 200, read.text
    body = read.json()
    assert read.headers["ETag"] == '"3"'
    assert (body["title"], body["sessions_held"], body["sessions_cancelled"]) == (
        "Frauencafé", 1, 1)
    first, second = body["sessions"]
    assert first["occurred_on"] == "2026-09-09"
    assert first["start_time"] == "10:00:00"
    assert first["attendance"]["total"] == 16
    assert first["attendance"]["first_time"] == 2
    assert first["place"]["name"] == "Stadtteilbüro Westwall"
    assert body["partners"][0]["name"] == "Jobcenter Krefeld"
    assert first["recorded_at"] > "2026-09-09"  # recorded later than it took place
    assert second["status"] == "cancelled"
    assert second["reason"] == "holiday"
    listed = client.get("/offers?project=KR").json()["items"]
    assert [o["last_session_on"] for o in listed] == ["2026-09-09"]


def test_bad_headcounts_are_problems_naming_field_and_rule_and_store_nothing(
        world: World) -> None:
    offer = create(world)
    client = world.client("case_manager")
    path = f"/offers/{offer['offer_id']}/sessions"
    head = recorded(world)
    cases = [
        ({"counts": {"women": {"27_54": -1}}, "first_time": 0},
         "count_negative", "attendance.counts.women.27_54"),
        ({"counts": {"men": {"55_plus": 501}}, "first_time": 0},
         "count_too_large", "attendance.counts.men.55_plus"),
        ({"counts": {"women": {"27_54": 2}}, "first_time": 3},
         "first_time_above_total", "attendance.first_time")]
    for attendance, rule, field in cases:
        problem(client.post(path, json=session(attendance=attendance)), 422, rule, field)
    problem(client.post(path, json=session(occurred_on="2026-08-01")), 422,
            "session_before_offer_start", "occurred_on")
    problem(client.post(path, json=session(occurred_on="2099-01-06")), 422,
            "date_in_future", "occurred_on")
    assert client.post(path, json=session(attendance={"counts": {"girls": {"0_5": 1}}})
                       ).status_code == 422
    assert recorded(world) == head


def test_a_repeat_answers_once_and_a_stale_if_match_is_refused(world: World) -> None:
    offer = create(world)
    client = world.client("case_manager")
    path = f"/offers/{offer['offer_id']}/sessions"
    key = {"Idempotency-Key": "cafe-0909"}
    first = client.post(path, json=session(), headers=key)
    head = recorded(world)
    again = client.post(path, json=session(), headers=key)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert recorded(world) == head
    stale = problem(client.post(path, json=session(occurred_on="2026-09-16"),
                                headers={"If-Match": '"1"'}), 412, "stale_version")
    assert stale["detail"].startswith("the offer is at version 2")
    assert recorded(world) == head
    ok = client.post(path, json=session(occurred_on="2026-09-16"), headers={"If-Match": '"2"'})
    assert ok.status_code == 200
    assert ok.json()["version"] == 3


def test_a_correction_names_its_reason_and_leaves_the_session_event(world: World) -> None:
    offer = create(world)
    client = world.client("case_manager")
    held = client.post(f"/offers/{offer['offer_id']}/sessions", json=session()).json()
    path = f"/offers/{offer['offer_id']}/sessions/{held['session_id']}/corrections"
    fixed = {"field": "attendance", "value": {"counts": {"women": {"27_54": 8}},
                                              "first_time": 1},
             "reason": "miscounted", "occurred_on": "2026-09-10"}
    head = recorded(world)
    problem(client.post(path, json={**fixed, "reason": ""}), 422)
    problem(client.post(path, json={**fixed, "field": "title"}), 422, "not_correctable",
            "field")
    problem(client.post(path, json={**fixed, "value": {"counts": {}, "first_time": 2}}), 422,
            "first_time_above_total", "value.first_time")
    assert recorded(world) == head
    assert client.post(path, json=fixed).status_code == 200
    read = client.get(f"/offers/{offer['offer_id']}").json()["sessions"][0]
    assert read["attendance"] == {"counts": {"women": {"27_54": 8}}, "first_time": 1,
                                  "total": 8}
    assert read["corrections"] == 1


def test_each_role_gets_what_its_work_needs(world: World) -> None:
    offer = create(world, "coordinator")
    path = f"/offers/{offer['offer_id']}"
    for role in ("case_manager", "coordinator", "auditor", "reporting"):
        assert world.client(role).get(path).status_code == 200, role
    problem(world.client("admin").get(path), 403, "forbidden")
    for role in ("auditor", "reporting", "admin"):
        problem(world.client(role).post(f"{path}/sessions", json=session()), 403,
                "forbidden")
        problem(world.client(role).post("/offers", json=cafe(world)), 403, "forbidden")
    problem(world.client("coordinator", "GL").get(path), 404, "offer_not_found")
    problem(world.client("case_manager", "GL").post(f"{path}/sessions", json=session()),
            404, "offer_not_found")
    assert world.client("coordinator", "GL").get("/offers").json()["items"] == []


def test_offer_events_join_the_hash_chain_and_a_changed_one_is_found(world: World) -> None:
    offer = create(world)
    world.client("case_manager").post(f"/offers/{offer['offer_id']}/sessions", json=session())
    assert world.client("auditor").get("/audit/integrity").json()["verified"] is True
    cases = world.services.cases
    raw = RawStore(cases.settings, cases.recorder.events_table_name)  # type: ignore[attr-defined]
    oid = UUID(offer["offer_id"])
    _, state = raw.event(oid, 2)
    raw.run(("UPDATE {events} SET state = {p} WHERE originator_id = {p} AND "
             "originator_version = 2", (state.replace(b'"27_54":9', b'"27_54":1'),
                                        raw.oid(oid))))
    body = world.client("auditor").get("/audit/integrity").json()
    assert body["verified"] is False
    assert (body["first"]["kind"], body["first"]["version"]) == ("changed", 2)
    assert body["first"]["aggregate"] == f"offer {oid}"
    other = world.client("auditor", "GL").get("/audit/integrity").json()
    assert other["verified"] is False
    assert other["first"]["aggregate"] is None
    assert str(oid) not in str(other)
    assert oid.hex not in str(other)


def test_offer_events_read_back_from_the_store_as_they_were_emitted(world: World) -> None:
    offer = create(world)
    client = world.client("case_manager")
    held = client.post(f"/offers/{offer['offer_id']}/sessions", json=session()).json()
    client.post(f"/offers/{offer['offer_id']}/sessions/{held['session_id']}/corrections",
                json={"field": "start_time", "value": "10:30", "reason": "wrong_date_or_time"})
    kita = world.partner(name="Kita Regenbogen", institution_type="childcare")
    changed = client.post(f"/offers/{offer['offer_id']}/changes", json={"partner_ids": [kita]})
    assert changed.status_code == 200, changed.text
    client.post(f"/offers/{offer['offer_id']}/end", json={"occurred_on": "2026-09-30"})
    stored = list(world.services.cases.events.get(UUID(offer["offer_id"])))
    offer_read = client.get(f"/offers/{offer['offer_id']}").json()
    assert [type(e).__name__ for e in stored] == [
        "OfferCreated", "SessionHeld", "SessionCorrected", "OfferChanged", "OfferEnded"]
    created, session_held = stored[0], stored[1]
    assert created.schedule.start_time.isoformat() == "10:00:00"  # type: ignore[attr-defined]
    assert str(created.place_id) == offer_read["place"]["place_id"]  # type: ignore[attr-defined]
    assert session_held.attendance.total == 16  # type: ignore[attr-defined]
    assert session_held.place_id == created.place_id  # type: ignore[attr-defined]
    assert stored[3].partner_ids == (UUID(kita),)  # type: ignore[attr-defined]
    assert client.get(f"/offers/{offer['offer_id']}").json()["ended_on"] == "2026-09-30"
