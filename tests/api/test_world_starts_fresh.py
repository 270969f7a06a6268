"""The API tests' world is built once per store and copied per test (a PostgreSQL schema
of a finished test is refilled from the template): a test never sees what an earlier
test recorded."""

from __future__ import annotations

import shutil
from typing import Any

from api.app import build_services, create_app
from tests.support.world import Templates, World, intake_body


def test_a_reused_world_holds_the_template_and_nothing_an_earlier_test_recorded(
        store: str, make_settings: Any, world_templates: Templates) -> None:
    settings, staff = world_templates.settings(store, make_settings)
    services = build_services(settings)
    world = World(services, create_app(services=services), dict(staff))
    template_head = services.cases.recorder.max_notification_id() or 0
    staff_before = services.directory.current().staff
    assert world.client("case_manager").post("/families", json=intake_body()).status_code == 201
    assert (services.cases.recorder.max_notification_id() or 0) > template_head
    services.cases.close()
    world_templates.release(settings)
    if store == "sqlite":  # a copy of the template per test, in the test's directory
        shutil.rmtree(settings.data_dir)

    again, _ = world_templates.settings(store, make_settings)
    reused = build_services(again)
    try:
        if store == "postgres":
            assert again.postgres_schema == settings.postgres_schema  # the same schema
        assert (reused.cases.recorder.max_notification_id() or 0) == template_head
        assert reused.index.search(projects={"KR", "GL"}).total == 0
        assert reused.directory.current().staff == staff_before
    finally:
        reused.cases.close()
        world_templates.release(again)
