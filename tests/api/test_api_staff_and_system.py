"""Who you are, your projects, staff accounts and tokens (admins), the auditors' read log,
the health probes and the API's own documentation, through HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.directory import Role
from tests.api.test_api_reads import client_for
from tests.support.api import Family, bad_clients, problem
from tests.support.world import World

ROLES = ("case_manager", "coordinator", "auditor", "reporting", "admin")
STAFF_KEYS = {"staff_id", "name", "roles", "active_tokens"}


# ----- /me and /projects -------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_me_names_the_caller_and_their_roles(world: World, role: str) -> None:
    response = world.client(role).get("/me")

    assert response.status_code == 200
    assert response.json() == {"staff_id": world.token(role).staff_id,
                               "name": f"{role} KR", "roles": {"KR": role}}


@pytest.mark.parametrize("path", ["/me", "/projects", "/projects/KR/staff", "/audit/reads"])
def test_staff_endpoints_without_a_valid_token_answer_401(world: World, path: str) -> None:
    for label, client in bad_clients(world).items():
        problem(client.get(path), 401, "unauthenticated" if label in ("no token",
                                                                      "basic scheme")
                else "invalid_token")


def test_projects_lists_only_the_callers_projects_with_their_role(world: World) -> None:
    response = world.client("auditor", "GL").get("/projects")

    assert response.status_code == 200
    assert response.json() == [{"code": "GL", "name": "Familiencoaching Gladbeck",
                                "yearly_target": 48, "your_role": "auditor",
                                "districts": [], "last_payment_on": None,
                                "retention_ends_on": None}]


def test_someone_with_roles_in_two_projects_sees_both(world: World) -> None:
    world.services.directory.grant_role(staff_id=world.case_manager_id(), project="GL",
                                        role=Role.COORDINATOR, recorded_by="test")

    projects = world.client("case_manager").get("/projects").json()
    me = world.client("case_manager").get("/me").json()

    assert [(p["code"], p["your_role"]) for p in projects] == [("GL", "coordinator"),
                                                                ("KR", "case_manager")]
    assert me["roles"] == {"KR": "case_manager", "GL": "coordinator"}


# ----- /projects/{project}/staff ------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_list_the_projects_staff(world: World, role: str) -> None:
    response = world.client(role).get("/projects/KR/staff")

    assert response.status_code == 200
    staff = response.json()
    assert all(set(s) == STAFF_KEYS for s in staff)
    assert {s["staff_id"] for s in staff} == {world.token(r).staff_id for r in ROLES}
    cm = next(s for s in staff if s["staff_id"] == world.case_manager_id())
    assert cm["roles"] == {"KR": "case_manager"}
    assert cm["active_tokens"] == [world.token("case_manager").token_id]


@pytest.mark.parametrize(("role", "project", "status", "rule"), [
    ("case_manager", "KR", 403, "forbidden"), ("auditor", "KR", 403, "forbidden"),
    ("reporting", "KR", 403, "forbidden"), ("coordinator", "GL", 404, "project_not_found"),
    ("admin", "XX", 404, "project_not_found"),
])
def test_listing_staff_is_refused_for_others(world: World, role: str, project: str,
                                             status: int, rule: str) -> None:
    problem(world.client(role).get(f"/projects/{project}/staff"), status, rule)


def test_an_admin_adds_a_staff_member_whose_token_works_at_once(world: World) -> None:
    response = world.client("admin").post("/projects/KR/staff",
                                          json={"name": "Dana Roth", "role": "case_manager"})

    assert response.status_code == 201, response.text
    issued = response.json()
    assert set(issued) == {"staff_id", "token_id", "token"}
    me = client_for(world, issued["token"]).get("/me").json()
    assert me == {"staff_id": issued["staff_id"], "name": "Dana Roth",
                  "roles": {"KR": "case_manager"}}


def test_a_repeated_keyed_staff_request_adds_nobody_and_does_not_show_the_token_again(
        world: World) -> None:
    admin = world.client("admin")
    headers = {"Idempotency-Key": "add-anna-1"}
    body = {"name": "Anna Berger", "role": "case_manager"}
    before = len(world.services.directory.staff("KR"))

    first = admin.post("/projects/KR/staff", json=body, headers=headers)
    again = admin.post("/projects/KR/staff", json=body, headers=headers)
    other = admin.post("/projects/KR/staff", json={**body, "name": "Ben"}, headers=headers)
    issued = admin.post(f"/projects/KR/staff/{first.json()['staff_id']}/tokens",
                        headers={"Idempotency-Key": "token-1"})
    issued_again = admin.post(f"/projects/KR/staff/{first.json()['staff_id']}/tokens",
                              headers={"Idempotency-Key": "token-1"})

    assert first.status_code == again.status_code == 201
    assert first.json()["token"].startswith("lotse_")
    assert again.json() == {**first.json(), "token": None}
    assert again.headers["Idempotent-Replayed"] == "true"
    problem(other, 422, "idempotency_key_reused")
    assert len(world.services.directory.staff("KR")) == before + 1
    assert issued_again.json() == {**issued.json(), "token": None}
    assert len(world.services.directory.member(first.json()["staff_id"]).active_tokens) == 2


@pytest.mark.parametrize(("role", "project", "body", "status", "rule", "field"), [
    ("coordinator", "KR", {"name": "X", "role": "admin"}, 403, "forbidden", None),
    ("case_manager", "KR", {"name": "X", "role": "admin"}, 403, "forbidden", None),
    ("admin", "GL", {"name": "X", "role": "admin"}, 404, "project_not_found", None),
    ("admin", "KR", {"name": "X", "role": "boss"}, 422, "enum", "body.role"),
    ("admin", "KR", {"name": "X"}, 422, "missing", "body.role"),
    ("admin", "KR", {"name": "X", "role": "admin", "email": "x@y"}, 422, "extra_forbidden",
     "body.email"),
    ("admin", "KR", {"name": "", "role": "admin"}, 422, "string_too_short", "body.name"),
    ("admin", "KR", {"name": "x" * 201, "role": "admin"}, 422, "string_too_long",
     "body.name"),
    ("admin", "KR", {"name": "   ", "role": "admin"}, 422, "blank_text", "name"),
    ("admin", "KR", {"name": "Dana\x00", "role": "admin"}, 422, "control_characters",
     "name"),
])
def test_adding_staff_is_refused_for_others_and_for_bad_input(
        world: World, role: str, project: str, body: dict[str, Any], status: int, rule: str,
        field: str | None) -> None:
    before = len(world.services.directory.staff())

    problem(world.client(role).post(f"/projects/{project}/staff", json=body), status, rule,
            field)
    assert len(world.services.directory.staff()) == before


def test_an_admin_issues_another_token_and_both_work(world: World) -> None:
    cm = world.token("case_manager")

    response = world.client("admin").post(f"/projects/KR/staff/{cm.staff_id}/tokens")

    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["staff_id"] == cm.staff_id
    assert issued["token_id"] != cm.token_id
    assert client_for(world, issued["token"]).get("/me").status_code == 200
    assert world.client("case_manager").get("/me").status_code == 200


@pytest.mark.parametrize(("role", "project", "who", "status", "rule"), [
    ("coordinator", "KR", "case_manager", 403, "forbidden"),
    ("auditor", "KR", "case_manager", 403, "forbidden"),
    ("admin", "GL", "case_manager", 404, "project_not_found"),
    ("admin", "KR", "GL case manager", 404, "staff_not_found"),
    ("admin", "KR", "unknown", 404, "staff_not_found"),
])
def test_issuing_a_token_is_refused_for_others_and_unknown_staff(
        world: World, role: str, project: str, who: str, status: int, rule: str) -> None:
    staff_id = {"case_manager": world.case_manager_id(),
                "GL case manager": world.case_manager_id("GL"), "unknown": "st-nobody"}[who]

    problem(world.client(role).post(f"/projects/{project}/staff/{staff_id}/tokens"),
            status, rule)
    if who != "unknown":
        assert len(world.services.directory.member(staff_id).active_tokens) == 1


# ----- token revocation -----------------------------------------------------------------------

def revocation(staff_id: str, token_id: str, project: str = "KR") -> str:
    return f"/projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation"


def test_a_revoked_token_is_refused_at_once_and_other_tokens_keep_working(
        world: World) -> None:
    cm = world.token("case_manager")
    second = world.services.directory.issue_token(staff_id=cm.staff_id, recorded_by="test")
    family = Family(world, world.intake())

    response = world.client("admin").post(revocation(cm.staff_id, cm.token_id))

    assert response.status_code == 200, response.text
    assert response.json() == {"staff_id": cm.staff_id, "name": "case_manager KR",
                               "roles": {"KR": "case_manager"},
                               "active_tokens": [second.token_id]}
    for path in ("/me", "/families", f"/families/{family.id}"):
        problem(world.client("case_manager").get(path), 401, "invalid_token")
    assert client_for(world, second.token).get(f"/families/{family.id}").status_code == 200


def test_an_admin_may_revoke_their_own_token(world: World) -> None:
    admin = world.token("admin")

    assert world.client("admin").post(revocation(admin.staff_id,
                                                 admin.token_id)).status_code == 200

    problem(world.client("admin").get("/me"), 401, "invalid_token")


@pytest.mark.parametrize(("role", "project", "who", "token", "status", "rule"), [
    ("coordinator", "KR", "case_manager", "own", 403, "forbidden"),
    ("case_manager", "KR", "case_manager", "own", 403, "forbidden"),
    ("admin", "GL", "case_manager", "own", 404, "project_not_found"),
    ("admin", "KR", "GL case manager", "own", 404, "staff_not_found"),
    ("admin", "KR", "case_manager", "unknown", 422, "unknown_token"),
    ("admin", "KR", "case_manager", "another's", 422, "unknown_token"),
    ("admin", "KR", "case_manager", "revoked", 422, "token_revoked"),
])
def test_revoking_a_token_is_refused_for_others_and_for_unknown_or_revoked_tokens(
        world: World, role: str, project: str, who: str, token: str, status: int,
        rule: str) -> None:
    owner = world.token("case_manager", "KR" if who == "case_manager" else "GL")
    token_id = {"own": owner.token_id, "unknown": "000000000000",
                "another's": world.token("auditor").token_id, "revoked": owner.token_id}[token]
    if token == "revoked":
        world.services.directory.revoke_token(staff_id=owner.staff_id,
                                              token_id=owner.token_id, recorded_by="test")

    problem(world.client(role).post(revocation(owner.staff_id, token_id, project)),
            status, rule)
    if token != "revoked":
        assert client_for(world, owner.token).get("/me").status_code == 200
    assert world.client("auditor").get("/me").status_code == 200


@pytest.mark.parametrize(("role", "path"), [("auditor", "/projects/KR/staff"),
                                            ("admin", "/audit/reads")])
def test_a_403_detail_names_the_role_with_the_right_article(
        world: World, role: str, path: str) -> None:
    detail = problem(world.client(role).get(path), 403, "forbidden")["detail"]

    assert detail.startswith(f"an {role} may not"), detail


# ----- /audit/reads ------------------------------------------------------------------------------

def logged_reads(world: World) -> tuple[Family, Family]:
    """Two families, each read once by the coordinator."""
    first, second = Family(world, world.intake()), Family(world, world.intake())
    for family in (first, second):
        assert world.client("coordinator").get(f"/families/{family.id}").status_code == 200
    return first, second


def test_an_auditor_lists_the_read_log_newest_first(world: World) -> None:
    first, second = logged_reads(world)

    response = world.client("auditor").get("/audit/reads")

    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 2
    assert page["limit"] == 100
    assert page["offset"] == 0
    assert [i["family_id"] for i in page["items"]] == [second.id, first.id]
    item = page["items"][0]
    assert set(item) == {"read_at", "staff_id", "role", "project", "family_id", "endpoint",
                         "token_id"}
    assert item["staff_id"] == world.token("coordinator").staff_id
    assert item["token_id"] == world.token("coordinator").token_id
    assert (item["role"], item["project"], item["endpoint"]) == (
        "coordinator", "KR", "GET /families/{id}")


def test_the_read_log_filters_by_family_staff_time_project_and_pages(world: World) -> None:
    first, second = logged_reads(world)
    world.client("auditor").get(f"/families/{first.id}")
    auditor = world.client("auditor")
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()

    def ids(**params: Any) -> list[str]:
        response = auditor.get("/audit/reads", params=params)
        assert response.status_code == 200, response.text
        return [i["family_id"] for i in response.json()["items"]]

    assert ids(family_id=first.id) == [first.id, first.id]
    assert ids(staff_id=world.token("auditor").staff_id) == [first.id]
    assert ids(since=later) == []
    assert len(ids(since=earlier)) == 3
    assert ids(project="KR", limit=1, offset=1) == [second.id]


def test_the_read_log_shows_only_the_auditors_projects(world: World) -> None:
    logged_reads(world)

    assert world.client("auditor", "GL").get("/audit/reads").json()["total"] == 0


@pytest.mark.parametrize(("role", "params", "status", "rule"), [
    ("coordinator", {}, 403, "forbidden"), ("case_manager", {}, 403, "forbidden"),
    ("reporting", {}, 403, "forbidden"), ("admin", {}, 403, "forbidden"),
    ("coordinator", {"project": "KR"}, 403, "forbidden"),
    ("auditor", {"project": "GL"}, 404, "project_not_found"),
    ("auditor", {"limit": 0}, 422, "greater_than_equal"),
    ("auditor", {"limit": 501}, 422, "less_than_equal"),
    ("auditor", {"family_id": "KR-2026-0001"}, 422, "uuid_parsing"),
    ("auditor", {"since": "yesterday"}, 422, "datetime_from_date_parsing"),
])
def test_the_read_log_is_refused_for_others_and_for_bad_parameters(
        world: World, role: str, params: dict[str, Any], status: int, rule: str) -> None:
    problem(world.client(role).get("/audit/reads", params=params), status, rule)


def test_a_staff_id_filter_with_a_nul_byte_is_a_client_error_not_a_crash(
        world: World) -> None:
    logged_reads(world)

    response = world.client("auditor").get("/audit/reads", params={"staff_id": "a\x00b"})

    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["total"] == 0


# ----- health probes and documentation -------------------------------------------------------

def test_healthz_answers_without_a_token(world: World) -> None:
    response = world.client(None).get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_store_it_reached(world: World, store: str) -> None:
    response = world.client(None).get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready",
                               "store": "postgresql" if store == "postgres" else "sqlite"}


def test_readyz_answers_503_when_the_store_does_not_answer(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> None:
        raise ConnectionError("no store")

    monkeypatch.setattr(world.services, "tables_ping", down)

    problem(world.client(None).get("/readyz"), 503, "store_unavailable")


COMMAND_PATHS = [
    "/families", "/families/{family_id}/members",
    "/families/{family_id}/members/{member_id}/details",
    "/families/{family_id}/members/{member_id}/departure", "/families/{family_id}/participants",
    "/families/{family_id}/participants/{member_id}/exit",
    "/families/{family_id}/participants/{member_id}/leaving-status",
    "/families/{family_id}/follow-ups", "/families/{family_id}/consultations",
    "/families/{family_id}/goals", "/families/{family_id}/goals/{goal_id}/revisions",
    "/families/{family_id}/goals/{goal_id}/achievement",
    "/families/{family_id}/goals/{goal_id}/drop", "/families/{family_id}/referrals",
    "/families/{family_id}/referrals/{referral_id}/outcomes",
    "/families/{family_id}/assignment", "/families/{family_id}/closure",
    "/families/{family_id}/reopening", "/families/{family_id}/corrections",
    "/families/{family_id}/erasure", "/families/{family_id}/erasure-request"]


def test_the_openapi_document_describes_every_endpoint_and_its_problems(
        world: World) -> None:
    response = world.client(None).get("/openapi.json")

    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Lotse"
    paths = spec["paths"]
    for path in COMMAND_PATHS:
        operation = paths[path]["post"]
        for status in ("400", "401", "403", "404", "409", "412", "413", "422"):
            assert "application/problem+json" in operation["responses"][status]["content"]
    for path in ("/families", "/families/{family_id}", "/families/{family_id}/history",
                 "/me", "/projects", "/projects/{project}/staff", "/audit/reads",
                 "/healthz", "/readyz"):
        assert "get" in paths[path], path
    assert "/projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation" in paths
    assert any(s.get("scheme") == "bearer"
               for s in spec["components"]["securitySchemes"].values())


def test_the_interactive_docs_are_served(world: World) -> None:
    response = world.client(None).get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def test_reporting_sees_a_projects_figures_and_no_personal_data(world: World) -> None:
    first = world.intake()
    world.intake(occurred_on="2025-11-03", consent_given_on="2025-11-03")
    world.intake("GL")
    closed = world.client("case_manager").post(
        f"/families/{first['family_id']}/closure",
        json={"reason": "family_ended_cooperation", "occurred_on": "2026-03-10"})
    assert closed.status_code == 200, closed.text

    figures = world.client("reporting").get("/projects/KR/figures")

    assert figures.status_code == 200
    assert figures.json() == {"project": "KR", "families": 2,
                              "by_status": {"open": 1, "closed": 1},
                              "opened_by_year": {"2025": 1, "2026": 1}, "yearly_target": 48,
                              "opened_this_year": 1, "case_managers": 1}
    assert "Okonkwo" not in figures.text
    problem(world.client("reporting").get("/projects/GL/figures"), 404, "project_not_found")


@pytest.mark.parametrize(("since", "status"), [
    ("0001-01-01T00:00:00+01:00", 422), ("9999-12-31T23:59:59-01:00", 422),
    ("0001-01-01T00:00:00", 200)])  # a time without zone is read as UTC
def test_a_read_log_filter_at_the_ends_of_the_calendar_is_a_client_error(
        world: World, since: str, status: int) -> None:
    response = world.client("auditor").get("/audit/reads", params={"since": since})
    assert response.status_code == status, response.text
    if status == 422:
        problem(response, 422, "invalid_since")
