"""The access matrix, extended to pages: every screen opens for the roles whose action
it needs (``policy.PAGES``) and refuses the others with a page saying so."""

from __future__ import annotations

from uuid import uuid4

import pytest

from api.web.pages.base import NAV, PageRoute
from application import policy
from domain.directory import Role
from tests.support.world import World
from tests.web.pages import signed_in

PUBLIC = {"/anmelden"}
"""Pages for people not signed in."""


def page_routes(world: World) -> set[str]:
    return {route.path for route in world.app.routes
            if isinstance(route, PageRoute) and "GET" in route.methods}


@pytest.mark.store_independent
def test_every_screen_without_parameters_is_in_the_navigation_or_public(world: World) -> None:
    listed = {path for _, path, _ in NAV} | PUBLIC
    parts = tuple(f"{path}/" for path in listed if path != "/")  # (a screen's downloads)
    unlisted = sorted(p for p in page_routes(world) - listed
                      if "{" not in p and not p.startswith(parts))
    assert not unlisted, f"screens outside the access matrix (add them to NAV): {unlisted}"


@pytest.mark.store_independent
@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_the_screens_its_actions_allow(world: World,
                                                              role: Role) -> None:
    client = signed_in(world, role)
    served = page_routes(world)
    for page, path, _ in NAV:
        if path not in served:
            continue
        answer = client.get(path)
        allowed = policy.may_see(world.services.directory.actor_for(
            world.token(role).staff_id) or pytest.fail("no actor"), page)
        if allowed:
            assert answer.status_code == 200, (role, path, answer.status_code)
            assert "Kein Zugriff" not in answer.text
        elif page is policy.Page.MY_DAY:  # (the start page sends others to theirs)
            assert answer.status_code == 303, (role, path)
        else:
            assert answer.status_code == 403, (role, path, answer.status_code)
            assert "Kein Zugriff" in answer.text


@pytest.mark.store_independent
def test_no_form_is_taken_without_its_csrf_token(world: World) -> None:
    """Every POST of every screen, for each role, without the session's CSRF token: 403,
    and nothing recorded (the log's head does not move)."""
    opened = world.intake()
    head = world.services.cases.recorder.max_notification_id()
    posts = sorted(route.path for route in world.app.routes
                   if isinstance(route, PageRoute) and "POST" in route.methods
                   and route.path not in PUBLIC)
    assert len(posts) >= 15
    for role in Role:
        client = signed_in(world, role)
        for path in posts:
            url = path.format(case_number=opened["case_number"], n=1, what="kontakt",
                              purpose="photo_and_media", offer_id=uuid4(),
                              place_id=uuid4(), partner_id=uuid4())
            answer = client.post(url, data={"csrf": "forged", "notizen": "x", "sprache": "en"})
            assert answer.status_code == 403, (role, url, answer.status_code)
    assert world.services.cases.recorder.max_notification_id() == head
