"""``GET /audit/integrity``: auditors check the whole log; a changed event is named
(family and version) to the auditors of its project, and described without its family
to those of another (who must not learn that it exists)."""

from __future__ import annotations

from uuid import UUID

from tests.support.api import problem
from tests.support.tamper import RawStore
from tests.support.world import World


def test_an_untouched_log_verifies_for_an_auditor(world: World) -> None:
    world.intake("KR")
    body = world.client("auditor", "KR").get("/audit/integrity").json()
    assert body["verified"] is True, body
    assert body["first"] is None
    assert body["findings"] == []
    assert body["events"] == body["tree_size"] > 0
    assert body["signing_key"].startswith("lotse+")


def test_a_changed_event_is_named_to_its_projects_auditor_only(world: World) -> None:
    kr = UUID(world.intake("KR")["family_id"])
    world.intake("GL")
    cases = world.services.cases
    raw = RawStore(cases.settings, cases.recorder.events_table_name)  # type: ignore[attr-defined]
    _, state = raw.event(kr, 2)
    raw.run(("UPDATE {events} SET state = {p} WHERE originator_id = {p} AND "
             "originator_version = 2", (state + b" ", raw.oid(kr))))

    own = world.client("auditor", "KR").get("/audit/integrity")
    assert own.status_code == 200, own.text
    first = own.json()["first"]
    assert own.json()["verified"] is False
    assert (first["kind"], first["family_id"], first["version"]) == ("changed", str(kr), 2)
    assert first["aggregate"] == f"family {kr}"

    other = world.client("auditor", "GL").get("/audit/integrity").json()
    assert other["verified"] is False
    assert other["first"]["family_id"] is None
    assert other["first"]["aggregate"] is None
    assert str(kr) not in str(other)
    assert kr.hex not in str(other)
    assert other["first"]["detail"].startswith("an event of a family outside your projects")


def test_another_projects_integrity_is_not_found_and_a_case_manager_is_refused(
        world: World) -> None:
    problem(world.client("auditor", "KR").get("/audit/integrity?project=GL"), 404,
            "project_not_found")
    problem(world.client("case_manager", "KR").get("/audit/integrity"), 403, "forbidden")
