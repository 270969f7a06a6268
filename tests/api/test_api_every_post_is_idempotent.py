"""Every POST of the API honours Idempotency-Key, by construction: walks ``/openapi.json``.

Each command is sent twice with the same key: the repeat answers as the first did
(marked ``Idempotent-Replayed``) and records nothing; the same key with another body is
refused and records nothing either. A POST route this test does not know fails it, so
a new command is covered the moment it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from api.app import create_app
from tests.support.api import ROUTES, prepared
from tests.support.world import World, intake_body

POSTS = sorted(path for path, ops in create_app().openapi()["paths"].items() if "post" in ops)
Request = tuple[str, str, Any, Any]  # role, path, body, the body of another command


FAMILY_ROUTES = {r.command.route.path: name for name, r in ROUTES.items()}


def family_command(world: World, template: str) -> Request:
    name = FAMILY_ROUTES[template]
    family, route, path, body = prepared(world, name)
    other = {**body, "occurred_on": "2026-03-05"}
    return route.role, f"/families/{family.id}{path}", body, other


def intake(world: World, template: str) -> Request:
    return ("case_manager", "/families", intake_body(),
            intake_body(district="Krefeld-Süd"))


def staff(world: World, template: str) -> Request:
    return ("admin", "/projects/KR/staff", {"name": "Ben Kaya", "role": "case_manager"},
            {"name": "Ben Kaya", "role": "auditor"})


def _someone(world: World) -> tuple[str, str]:
    issued = world.add_staff("case_manager", "KR", "Lena Wolf")
    return issued.staff_id, issued.token_id


def token(world: World, template: str) -> Request:
    staff_id, _ = _someone(world)
    return ("admin", f"/projects/KR/staff/{staff_id}/tokens", None,
            None)


def revocation(world: World, template: str) -> Request:
    staff_id, token_id = _someone(world)
    return ("admin", f"/projects/KR/staff/{staff_id}/tokens/{token_id}/revocation",
            None, None)


def submission(world: World, template: str) -> Request:
    return ("coordinator", "/reports/esf/submissions",
            {"project": "KR", "period": "2026-H1"}, {"project": "KR", "period": "2026-H2"})


def last_payment(world: World, template: str) -> Request:
    return ("coordinator", "/projects/KR/last-payment", {"paid_on": "2026-03-16"},
            {"paid_on": "2026-03-17"})


def small_counts(world: World, template: str) -> Request:
    return ("coordinator", "/projects/KR/small-counts", {"hidden": False}, {"hidden": True})


def districts(world: World, template: str) -> Request:
    return ("coordinator", "/projects/KR/districts", {"districts": ["Mitte", "Süd"]},
            {"districts": ["Mitte", "Nord"]})


def offer_body(world: World) -> dict[str, Any]:
    return {"project": "KR", "offer_type": "parent_breakfast", "title": "Elternfrühstück",
            "place_id": world.place(name="Kita Sonnenschein", kind="kita"),
            "schedule": {"recurrence": "weekly", "weekdays": ["friday"],
                         "start_time": "09:00", "duration_minutes": 90},
            "starts_on": "2026-03-06"}
HELD = {"staff_present": ["st-x"], "occurred_on": "2026-03-06",
        "attendance": {"counts": {"women": {"27_54": 5}}, "first_time": 1}}


def _offer(world: World) -> str:
    response = world.client("coordinator").post("/offers", json=offer_body(world))
    assert response.status_code == 201, response.text
    return str(response.json()["offer_id"])


def offer(world: World, template: str) -> Request:
    body = offer_body(world)
    return "case_manager", "/offers", body, {**body, "title": "Elterncafé"}


def on_offer(world: World, template: str) -> Request:
    offer_id = _offer(world)
    path = template.replace("{offer_id}", offer_id)
    if template.endswith("/corrections"):
        held = world.client("coordinator").post(f"/offers/{offer_id}/sessions", json=HELD)
        path = path.replace("{session_id}", held.json()["session_id"])
        body = {"field": "duration_minutes", "value": 60, "reason": "wrong_date_or_time"}
        return "case_manager", path, body, {**body, "value": 75}
    body, other = {
        "/offers/{offer_id}/changes": ({"title": "Frühstück"}, {"title": "Brunch"}),
        "/offers/{offer_id}/end": ({"occurred_on": "2026-03-20"},
                                   {"occurred_on": "2026-03-21"}),
        "/offers/{offer_id}/sessions": (HELD, {**HELD, "occurred_on": "2026-03-13"}),
        "/offers/{offer_id}/cancellations": ({"reason": "holiday", "occurred_on": "2026-03-13"},
                                             {"reason": "other", "occurred_on": "2026-03-13"}),
    }[template]
    return "case_manager", path, body, other
def place(world: World, template: str) -> Request:
    return ("coordinator", "/projects/KR/places", {"name": "Kita Regenbogen", "kind": "kita"},
            {"name": "Kita Regenbogen", "kind": "school"})


def partner(world: World, template: str) -> Request:
    return ("admin", "/projects/KR/partners", {"name": "Tafel", "institution_type": "other"},
            {"name": "Tafel Krefeld", "institution_type": "other"})


def _added(world: World, things: str) -> str:
    body = place(world, "")[2] if things == "places" else partner(world, "")[2]
    answer = world.client("coordinator").post(f"/projects/KR/{things}", json=body)
    return f"/projects/KR/{things}/{answer.json()[things[:-1] + '_id']}"


def place_change(world: World, template: str) -> Request:
    return ("coordinator", _added(world, "places"), {"name": "Kita Sonne", "kind": "kita"},
            {"name": "Kita Mond", "kind": "kita"})


def place_retirement(world: World, template: str) -> Request:
    return "coordinator", f"{_added(world, 'places')}/retirement", None, None


def partner_change(world: World, template: str) -> Request:
    return ("coordinator", _added(world, "partners"),
            {"name": "Tafel", "institution_type": "other", "contact_role": "Ausgabe"},
            {"name": "Tafel", "institution_type": "other", "contact_role": "Leitung"})


def partner_retirement(world: World, template: str) -> Request:
    return "coordinator", f"{_added(world, 'partners')}/retirement", None, None


BUILDERS: dict[str, Callable[[World, str], Request]] = {
    "/offers": offer, **dict.fromkeys((
        "/offers/{offer_id}/changes", "/offers/{offer_id}/end", "/offers/{offer_id}/sessions",
        "/offers/{offer_id}/cancellations",
        "/offers/{offer_id}/sessions/{session_id}/corrections"), on_offer),
    "/families": intake, "/projects/{project}/staff": staff,
    "/projects/{project}/staff/{staff_id}/tokens": token,
    "/projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation": revocation,
    "/reports/esf/submissions": submission, "/projects/{project}/last-payment": last_payment,
    "/projects/{project}/districts": districts, "/projects/{project}/small-counts": small_counts,
    "/projects/{project}/places": place, "/projects/{project}/places/{place_id}": place_change,
    "/projects/{project}/places/{place_id}/retirement": place_retirement,
    "/projects/{project}/partners": partner,
    "/projects/{project}/partners/{partner_id}": partner_change,
    "/projects/{project}/partners/{partner_id}/retirement": partner_retirement,
    **dict.fromkeys(FAMILY_ROUTES, family_command)}


def recorded(world: World) -> int:
    return world.services.cases.recorder.max_notification_id() or 0


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
@pytest.mark.parametrize("template", POSTS)
def test_every_post_answers_a_repeated_key_as_the_first_time_and_records_nothing_new(
        world: World, template: str) -> None:
    assert template in BUILDERS, f"POST {template} is not covered by this test: add it"
    role, path, body, other = BUILDERS[template](world, template)
    client = world.client(role)
    key = {"Idempotency-Key": f"repeat-{template}"}
    first = client.post(path, json=body, headers=key)
    assert first.status_code in (200, 201), first.text
    assert "Idempotent-Replayed" not in first.headers
    head = recorded(world)

    again = client.post(path, json=body, headers=key)
    assert again.status_code == first.status_code, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    expected = first.json()
    if "token" in expected:
        expected["token"] = None  # a token is shown once
    assert again.json() == expected
    assert again.headers.get("ETag") == first.headers.get("ETag")
    assert recorded(world) == head, "a repeat recorded events"

    if other is not None:
        reused = client.post(path, json=other, headers=key)
        assert reused.status_code == 422, reused.text
        assert reused.json()["rule"] == "idempotency_key_reused"
        assert recorded(world) == head, "a reused key recorded events"
