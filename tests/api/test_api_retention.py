"""Retention through the API (issue 13 item 6): a project's last payment, an erasure
request during retention that restricts the family (read-only, out of the case
manager's lists, still seen by coordinators and auditors, still counted), erasures
that retention does or does not allow."""

from __future__ import annotations

from datetime import date
from typing import Any

from application.commands import ErasePersonalData, RequestErasure
from tests.support.api import CONSULTATION, ROUTES, Family, fill, prepared, problem
from tests.support.world import World

REQUEST = {"legal_basis": "art17_request", "note": "letter of 2026-11-18",
           "occurred_on": "2026-11-20"}
ERASE_ON_REQUEST = {"legal_basis": "art17_request", "occurred_on": "2026-11-20"}


def recorded(world: World) -> int:
    return world.services.cases.recorder.max_notification_id() or 0


def restricted(world: World) -> Family:
    family = Family(world, world.intake())
    family.ok("/erasure-request", REQUEST, "coordinator")
    return family


def test_a_coordinator_records_the_last_payment_and_every_project_list_shows_retention(
        world: World) -> None:
    coordinator = world.client("coordinator")

    answer = coordinator.post("/projects/KR/last-payment", json={"paid_on": "2026-03-16"})
    future, last = (coordinator.post("/projects/KR/last-payment", json={"paid_on": day})
                    for day in ("2099-01-01", "9999-12-31"))  # (its retention: no date)
    same = coordinator.post("/projects/KR/last-payment", json={"paid_on": "2026-03-16"})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"project": "KR", "last_payment_on": "2026-03-16",
                             "retention_ends_on": "2031-12-31",
                             "erasure_due_from": "2032-01-01"}
    for refused in (future, last):
        problem(refused, 422, "date_in_future", "paid_on")
    problem(same, 422, "nothing_changed", "paid_on")
    [kr] = world.client("auditor").get("/projects").json()
    assert (kr["last_payment_on"], kr["retention_ends_on"]) == ("2026-03-16", "2031-12-31")
    assert world.services.directory.project("KR").last_payment_on.isoformat() == "2026-03-16"


def test_a_last_payment_before_the_projects_casework_is_refused_naming_its_latest_date(
        world: World) -> None:
    """Families opened in 2025 and consulted in 2026: a last payment typed as 2020-06-30
    would end retention in 2025 and have every family erased. Only the project's own
    casework counts, and not a request for erasure, which may come later."""
    opened = {"occurred_on": "2025-09-01", "consent_given_on": "2025-09-01"}
    consulted = Family(world, world.intake(**opened))
    Family(world, world.intake(**opened))
    consulted.ok("/consultations", fill(CONSULTATION, {"parent": consulted.parent}))
    elsewhere = Family(world, world.intake("GL"))
    later = elsewhere.post("/consultations", {**fill(CONSULTATION, {"parent": elsewhere.parent}),
                                              "occurred_on": "2026-11-02"}, project="GL")
    assert later.status_code == 200, later.text
    restricted(world)  # KR: asked for erasure on 2026-11-20
    head = recorded(world)
    coordinator = world.client("coordinator")

    for typo in ("2020-06-30", "2026-03-09"):
        body = problem(coordinator.post("/projects/KR/last-payment", json={"paid_on": typo}),
                       422, "payment_before_casework", "paid_on")
        assert f"the last payment on {typo} lies before the casework of KR" in body["detail"]
        assert (f"family {consulted.opened['case_number']} has an entry dated 2026-03-10"
                in body["detail"])

    assert recorded(world) == head
    assert world.services.directory.project("KR").last_payment_on is None
    assert coordinator.post("/projects/KR/last-payment",
                            json={"paid_on": "2026-03-10"}).status_code == 200


def test_during_retention_an_erasure_on_request_is_refused_naming_retention_and_the_way(
        world: World) -> None:
    world.services.directory.record_last_payment(project="KR", paid_on=date(2026, 3, 16),
                                                 recorded_by="test")
    family, unpaid = Family(world, world.intake()), Family(world, world.intake("GL"))
    head = recorded(world)

    for basis in ("art17_request", "retention_ended", "retention_ended_after_request"):
        body = problem(family.post("/erasure", {**ERASE_ON_REQUEST, "legal_basis": basis},
                                   "coordinator"), 422, "retention_running", "legal_basis")
        assert "2031-12-31" in body["detail"]
        assert "erasure-request" in body["detail"]
    no_payment = problem(unpaid.post("/erasure", ERASE_ON_REQUEST, "coordinator", "GL"),
                         422, "retention_running")

    assert "no last payment is recorded" in no_payment["detail"]
    assert recorded(world) == head
    assert [f.version() for f in (family, unpaid)] == [2, 2]


def test_a_restricted_family_refuses_every_command_naming_the_restriction(
        world: World) -> None:
    """Each command's own example, on a family where it would be accepted, once the
    family asked for erasure: 422 naming the restriction, nothing recorded."""
    for name, route in ROUTES.items():
        if route.command in (RequestErasure, ErasePersonalData):
            continue
        family, route, path, body = prepared(world, name)
        family.ok("/erasure-request", REQUEST, "coordinator")
        head = recorded(world)

        found = problem(family.post(path, body, route.role), 422, "processing_restricted")

        assert "GDPR Art. 18" in found["detail"], name
        assert recorded(world) == head, f"{name} recorded something"
    family = restricted(world)
    problem(family.post("/erasure-request", REQUEST, "coordinator"), 422,
            "erasure_already_requested")
    problem(family.post("/erasure", ERASE_ON_REQUEST, "coordinator"), 422,
            "retention_running")


def test_a_restricted_family_leaves_its_case_managers_lists_and_auditors_still_see_it(
        world: World) -> None:
    kept = Family(world, world.intake())
    family = restricted(world)
    cm, coordinator, auditor = (world.client(r) for r in ("case_manager", "coordinator",
                                                          "auditor"))

    def ids(response: Any) -> set[str]:
        assert response.status_code == 200, response.text
        return {item["family_id"] for item in response.json()["items"]}

    for status in ("open", "any", "restricted"):
        assert family.id not in ids(cm.get("/caseload", params={"status": status}))
    assert ids(cm.get("/caseload")) == {kept.id}
    assert ids(cm.get("/families")) == {kept.id}
    assert ids(cm.get("/families", params={"status": "restricted"})) == set()
    assert ids(cm.get("/families", params={"q": "Okonkwo"})) == {kept.id}
    for path in ("", "/history", "/summary"):
        problem(cm.get(f"/families/{family.id}{path}"), 404, "family_not_found")
    team = coordinator.get("/projects/KR/team").json()
    assert [m["active_cases"] for m in team["case_managers"]] == [1]

    for client in (coordinator, auditor):
        assert ids(client.get("/caseload")) == {kept.id}
        listed = client.get("/caseload", params={"status": "restricted"}).json()["items"]
        assert [(i["family_id"], i["status"]) for i in listed] == [(family.id, "restricted")]
        assert ids(client.get("/families", params={"status": "restricted"})) == {family.id}
        case = client.get(f"/families/{family.id}")
        assert case.status_code == 200, case.text
        assert case.json()["status"] == "open"
        assert case.json()["erasure_request"] == {"requested_on": "2026-11-20",
                                                  "legal_basis": "art17_request",
                                                  "version": 3}
        assert client.get(f"/families/{family.id}/history").json()["events"][-1][
            "event"] == "ErasureRequested"


def test_a_restricted_familys_figures_stay_counted(world: World) -> None:
    family = Family(world, world.intake())
    family.ok("/consultations", fill(CONSULTATION, {"parent": family.parent}))
    reporting = world.client("reporting")
    space, figures = (reporting.get(f"/projects/KR/{p}").json()
                      for p in ("social-space", "figures"))

    family.ok("/erasure-request", REQUEST, "coordinator")

    space_after = reporting.get("/projects/KR/social-space").json()
    assert {**space_after, "position": 0} == {**space, "position": 0}
    figures_after = reporting.get("/projects/KR/figures").json()
    assert figures_after["families"] == figures["families"] == 1
    assert figures_after["by_status"] == {"restricted": 1}


def test_immediate_erasure_stays_possible_on_its_legal_basis_also_when_restricted(
        world: World) -> None:
    family = restricted(world)

    family.ok("/erasure", {"legal_basis": "unlawfully_recorded"}, "coordinator")

    assert family.events()[-2:] == ["ErasureRequested", "PersonalDataErased"]


def test_after_retention_the_familys_request_erases_at_once_and_is_no_longer_recorded(
        world: World) -> None:
    world.services.directory.record_last_payment(project="KR", paid_on=date(2019, 6, 30),
                                                 recorded_by="test")  # ended 2024-12-31
    family, other = Family(world, world.intake()), Family(world, world.intake())
    head = recorded(world)

    late = problem(family.post("/erasure-request", REQUEST, "coordinator"), 422,
                   "retention_ended", "legal_basis")
    problem(family.post("/erasure", {"legal_basis": "retention_ended_after_request"},
                        "coordinator"), 422, "no_erasure_request", "legal_basis")
    assert "2024-12-31" in late["detail"]
    assert recorded(world) == head
    family.ok("/erasure", ERASE_ON_REQUEST, "coordinator")
    other.ok("/erasure", {"legal_basis": "retention_ended"}, "coordinator")
    assert [f.events()[-1] for f in (family, other)] == ["PersonalDataErased"] * 2
