"""Fuzzing the HTTP API from its own OpenAPI schema (schemathesis), in-process via ASGI.

Every operation of ``/openapi.json`` gets a bounded number of generated requests,
derandomized (the same requests on every run; no example database, nothing replayed
from an earlier run) on a fresh store of the test:

- valid requests (positive mode), sent as a case manager and as a coordinator of
  project KR; path parameters and ids, dates and names in the bodies mostly name real
  things (the project, families with members, an ESF+ participant, goals, referrals,
  staff and tokens) so that the command handlers and the domain rules really run;
- invalid requests (negative mode), sent as a case manager (and, to add staff, as an
  admin).

Every response must not be a server error and must conform to the schema: a documented
status code, the documented content type and headers, a body matching its schema.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from domain.directory import Role
from domain.rules import today_in_programme
from tests.support.world import World, intake_body

POSITIVE_EXAMPLES = 14
NEGATIVE_EXAMPLES = 7
ADD_STAFF = "POST /projects/{project}/staff"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
FAMILIES = 3


@dataclass
class Family:
    family_id: str
    member_ids: list[str]
    goal_ids: list[str] = field(default_factory=list)
    referral_ids: list[str] = field(default_factory=list)


@dataclass
class Real:
    """Real things of the world to aim generated requests at."""

    families: list[Family]
    case_managers: list[str]
    staff: dict[str, list[str]]  # staff id -> token ids
    districts: Callable[[], tuple[str, ...]]  # KR's, as they are now


def populate(world: World) -> Real:
    """Families of the KR case manager, each with an ESF+ participant, a goal and a
    referral; the project's staff and their tokens."""
    cm = world.client(Role.CASE_MANAGER)
    today = today_in_programme().isoformat()
    families = []
    for _ in range(FAMILIES):
        opened = world.intake(occurred_on=today, consent_given_on=today)
        family = Family(opened["family_id"], opened["member_ids"])
        base = f"/families/{family.family_id}"
        parent = family.member_ids[0]
        for path, body in (
                ("participants", {"member_id": parent, "labour_market_status": "unemployed",
                                  "unemployed_months": 7}),
                ("goals", {"member_ids": [parent], "life_area": "work",
                           "description": "Find a job"}),
                ("referrals", {"member_id": parent, "institution_type": "jobcenter",
                               "institution_name": "Jobcenter Krefeld",
                               "consent_confirmed": True})):
            response = cm.post(f"{base}/{path}", json=body)
            assert response.status_code == 200, response.text
            answer = response.json()
            if "goal_id" in answer:
                family.goal_ids.append(answer["goal_id"])
            if "referral_id" in answer:
                family.referral_ids.append(answer["referral_id"])
        families.append(family)
    other = world.add_staff(Role.CASE_MANAGER, "KR", name="Second Case Manager")
    staff = {v.staff_id: list(v.active_tokens) for v in world.services.directory.staff("KR")}
    return Real(families, [world.case_manager_id("KR"), other.staff_id], staff,
                lambda: world.services.directory.project("KR").districts)


def aim(case: schemathesis.Case, data: st.DataObject, real: Real) -> None:
    """Point the generated request at real things, most of the time."""
    today = today_in_programme().isoformat()

    # Hypothesis starts from the simplest draws (0, False): those aim at real things.
    def often() -> bool:
        return data.draw(st.integers(0, 3), label="aim") < 3

    def sometimes() -> bool:
        return not data.draw(st.booleans(), label="aim")

    family = data.draw(st.sampled_from(real.families), label="family")
    path = case.path_parameters if case.path_parameters is not None else {}
    if "family_id" in path and often():
        path["family_id"] = family.family_id
    for name, pool in (("member_id", family.member_ids), ("goal_id", family.goal_ids),
                       ("referral_id", family.referral_ids)):
        if name in path and often():
            path[name] = data.draw(st.sampled_from(pool), label=name)
    if "project" in path and often():
        path["project"] = "KR"
    if "staff_id" in path and often():
        staff_id = data.draw(st.sampled_from(sorted(real.staff)), label="staff_id")
        path["staff_id"] = staff_id
        if "token_id" in path and real.staff[staff_id] and sometimes():
            path["token_id"] = data.draw(st.sampled_from(real.staff[staff_id]),
                                         label="token_id")
    if case.query:
        if "project" in case.query and sometimes():
            case.query["project"] = "KR"
        if "family_id" in case.query and sometimes():
            case.query["family_id"] = family.family_id
    headers = case.headers if case.headers is not None else {}
    if "If-Match" in headers and sometimes():
        del headers["If-Match"]
    if "Idempotency-Key" in headers and sometimes():
        headers["Idempotency-Key"] = str(data.draw(st.uuids(), label="key"))
    body = case.body
    if isinstance(body, dict) and "members" in body and often():
        # An intake: a valid household half the time (random ones break domain rules).
        if sometimes():
            body.clear()
            body.update(intake_body("KR", occurred_on=today, consent_given_on=today))
        body["case_manager"] = real.case_managers[0]
        if real.districts():  # (a fuzzed POST /projects/KR/districts may have set them)
            body["district"] = real.districts()[0]
    if isinstance(body, dict):
        if "occurred_on" in body and sometimes():
            del body["occurred_on"]
        if "member_id" in body and often():
            body["member_id"] = data.draw(st.sampled_from(family.member_ids), label="member")
        for name in ("member_ids", "members_present"):
            if name in body and often():
                body[name] = family.member_ids[:1]
        if "project" in body and often():
            body["project"] = "KR"
        if "case_manager" in body and often():
            body["case_manager"] = data.draw(st.sampled_from(real.case_managers),
                                             label="case_manager")
        for name in ("consent_given_on", "target_date", "next_follow_up_on"):
            if name in body and sometimes():
                body[name] = today


@dataclass
class Run:
    calls: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: dict[tuple[str, str, int], str] = field(default_factory=dict)

    def summary(self) -> str:
        answered = Counter(status for _, status in self.statuses.elements())
        reached = {label for (label, status) in self.statuses if status < 300}
        operations = {label for label, _ in self.statuses}
        return (f"{self.calls} calls to {len(operations)} operations; statuses "
                f"{dict(sorted(answered.items()))}; {len(reached)} operations answered 2xx")

    def report(self) -> str:
        return "\n\n".join(f"### {label} -> {status}\n{text}"
                           for (label, _, status), text in self.failures.items())


def fuzz_operation(operation: Any, mode: GenerationMode, examples: int, auth: dict[str, str],
                   real: Real | None, run: Run) -> None:
    label = operation.label

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def probe(case: schemathesis.Case, data: st.DataObject) -> None:
        if real is not None:
            aim(case, data, real)
        response = case.call(headers=auth)
        run.calls += 1
        run.statuses[(label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Failure, FailureGroup) as e:
            # Collected, not raised: the store changes with every call, so Hypothesis
            # could not replay a failing example anyway; and every distinct one is kept.
            run.failures.setdefault((label, type(e).__name__, response.status_code), str(e))

    try:
        probe()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to make invalid (no parameters)


def fuzz(world: World, role: Role, *, mode: GenerationMode, examples: int,
         real: Real | None, only: Collection[str] = (), skip: Collection[str] = ()) -> Run:
    """``examples`` generated requests for every operation of the schema (or ``only``
    those, or all but ``skip``), sent as ``role`` of project KR."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    auth = {"Authorization": f"Bearer {world.token(role).token}"}
    run = Run()
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        if (only and operation.label not in only) or operation.label in skip:
            continue
        fuzz_operation(operation, mode, examples, auth, real, run)
    assert set(only) | set(skip) <= set(labels), "an operation named here left the schema"
    return run


@pytest.mark.slow
def test_valid_requests_get_documented_answers_and_never_a_server_error(
        world: World, store: str) -> None:
    """Schema-valid requests (positive mode), aimed at real things, as a case manager:
    no server error, every response as documented."""
    valid_requests_as(world, store, Role.CASE_MANAGER)


@pytest.mark.slow
@pytest.mark.store_independent  # (the same handlers as the case manager's, on both stores
# above; what differs is what the access rules let through, decided before any write)
def test_valid_requests_of_a_coordinator_get_documented_answers_and_never_a_server_error(
        world: World, store: str) -> None:
    """The same, as a coordinator (transfers, reports, the team's families)."""
    valid_requests_as(world, store, Role.COORDINATOR)


def valid_requests_as(world: World, store: str, role: Role) -> None:
    real = populate(world)
    run = fuzz(world, role, mode=GenerationMode.POSITIVE, examples=POSITIVE_EXAMPLES,
               real=real)
    print(f"[{store}, {role}, valid requests] {run.summary()}")
    assert not run.failures, f"{len(run.failures)} distinct failures:\n{run.report()}"
    answered = {label for (label, status) in run.statuses if 200 <= status < 300}
    assert {"POST /families", "GET /families/{family_id}/history"} <= answered
    if role is Role.CASE_MANAGER:  # casework really ran, not only the validation
        assert {"POST /families/{family_id}/consultations",
                "POST /families/{family_id}/goals"} <= answered, answered


@pytest.mark.slow
def test_invalid_requests_are_refused_as_documented_never_with_a_server_error(
        world: World, store: str) -> None:
    """Schema-violating requests (negative mode): refused as documented, never a
    server error."""
    run = fuzz(world, Role.CASE_MANAGER, mode=GenerationMode.NEGATIVE,
               examples=NEGATIVE_EXAMPLES, real=None, skip={ADD_STAFF})
    print(f"[{store}, case_manager, invalid requests] {run.summary()}")
    assert not run.failures, f"{len(run.failures)} distinct failures:\n{run.report()}"


@pytest.mark.slow
def test_invalid_requests_to_add_staff_are_refused_as_documented(world: World, store: str) -> None:
    """What the negative fuzzing found, reproduced exactly (an admin adds staff with a
    body that is not JSON, and with one over 64 KiB), then fuzzed like the others."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operation = schema["/projects/{project}/staff"]["POST"]
    admin = world.client(Role.ADMIN)
    problems = []
    for body in (b"\xff{", json.dumps({"name": "x" * 70_000, "role": "auditor"}).encode()):
        response = admin.post("/projects/KR/staff", content=body,
                              headers={"Content-Type": "application/json"})
        case = operation.Case(path_parameters={"project": "KR"},
                              media_type="application/json")
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as e:
            problems.append(f"{len(body)} bytes -> {response.status_code} "
                            f"{response.text}\n{e}")
    run = fuzz(world, Role.ADMIN, mode=GenerationMode.NEGATIVE, examples=NEGATIVE_EXAMPLES,
               real=None, only={ADD_STAFF})
    problems.extend(run.failures.values())
    assert not problems, "\n\n".join(problems)
