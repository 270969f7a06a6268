"""The Verwaltung page: staff by name, roles, passwords and tokens, for admins only."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

from domain.directory import Role
from tests.support.world import World
from tests.web.pages import PASSWORD, csrf_of, give_password, sign_in_client, signed_in
from tests.web.test_web_team import SCRIPT, visible

SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


def posted(client: TestClient, path: str, **fields: str) -> httpx.Response:
    page = client.get("/verwaltung")
    key = re.search(r'name="schluessel" value="([^"]+)"', page.text)
    assert key is not None
    return client.post(path, data={"csrf": csrf_of(page), "projekt": "KR",
                                   "schluessel": key.group(1), **fields})


def signs_in(world: World, user_name: str, password: str) -> bool:
    client = sign_in_client(world)
    form = client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": user_name, "password": password,
                                            "csrf": csrf_of(form), "weiter": "/"})
    return answer.status_code == 303


def test_an_admin_sees_the_staff_by_name_with_roles_and_token_ids_only(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    page = client.get("/verwaltung")
    assert page.status_code == 200, page.text
    text = visible(page.text)
    case_manager = world.token(Role.CASE_MANAGER)
    assert "case_manager KR" in text
    assert "Fallmanagement" in text
    assert "Prüfung" in text
    assert case_manager.token_id in text
    assert case_manager.token not in page.text
    assert case_manager.staff_id not in text
    assert "case_manager GL" not in text  # (another project's staff)


def test_an_admin_adds_a_staff_member_and_sees_the_token_once(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    answer = posted(client, "/verwaltung/mitarbeitende", neu_name="Dariusz Nowicki",
                    neu_rolle="case_manager")
    assert answer.status_code == 200, answer.text
    token = SECRET.findall(answer.text)[-1]
    assert token.startswith("lotse_")
    assert world.client(None).get("/caseload", headers={
        "Authorization": f"Bearer {token}"}).status_code == 200
    member = next(v for v in world.services.directory.staff("KR")
                  if v.name == "Dariusz Nowicki")
    assert member.roles == {"KR": Role.CASE_MANAGER}
    assert "Dariusz Nowicki" in client.get("/verwaltung").text


def test_an_empty_name_is_refused_next_to_the_field_and_nothing_is_stored(
        world: World) -> None:
    before = len(world.services.directory.staff())
    client = signed_in(world, Role.ADMIN)
    answer = posted(client, "/verwaltung/mitarbeitende", neu_name=" ",
                    neu_rolle="case_manager")
    assert answer.status_code == 422
    assert 'aria-invalid="true" aria-describedby="fehler-neu_name"' in answer.text
    assert len(world.services.directory.staff()) == before


def test_an_admin_changes_a_role(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    reporting = world.token(Role.REPORTING).staff_id
    answer = posted(client, "/verwaltung/rolle", rolle_person=reporting,
                    rolle_rolle="auditor")
    assert answer.status_code == 303, answer.text
    assert world.services.directory.member(reporting).roles["KR"] is Role.AUDITOR
    assert "Die Rolle von reporting KR ist geändert." in client.get(
        answer.headers["location"]).text


def test_an_admin_resets_a_password_the_old_one_fails_and_the_new_one_works(
        world: World) -> None:
    user = give_password(world, Role.CASE_MANAGER)
    assert signs_in(world, user, PASSWORD)
    client = signed_in(world, Role.ADMIN)
    staff_id = world.case_manager_id()
    answer = posted(client, "/verwaltung/passwort", pw_person=staff_id, pw_benutzer="")
    assert answer.status_code == 200, answer.text
    shown_user, password = SECRET.findall(answer.text)
    assert shown_user == user
    assert password != PASSWORD
    assert not signs_in(world, user, PASSWORD)
    assert signs_in(world, user, password)
    tables = world.services.sign_ins.tables
    row = tables.fetchone(tables.sql("SELECT set_by FROM {c} WHERE staff_id = {p}",
                                     c="lotse_credentials"), (staff_id,))
    assert row is not None
    assert row[0] == world.token(Role.ADMIN).staff_id


def test_a_first_password_gets_a_user_name_from_the_name(world: World) -> None:
    member = world.add_staff(Role.CASE_MANAGER, name="Sabine Krüger")
    client = signed_in(world, Role.ADMIN)
    answer = posted(client, "/verwaltung/passwort", pw_person=member.staff_id)
    user, password = SECRET.findall(answer.text)
    assert user == "sabine.krueger"
    assert signs_in(world, user, password)
    taken = posted(client, "/verwaltung/passwort", pw_person=world.case_manager_id(),
                   pw_benutzer="sabine.krueger")
    assert taken.status_code == 422
    assert "gehört schon jemand anderem" in taken.text


def test_an_admin_issues_a_token_and_revokes_it(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    staff_id = world.case_manager_id()
    answer = posted(client, "/verwaltung/token", token_person=staff_id)
    assert answer.status_code == 200, answer.text
    token = SECRET.findall(answer.text)[-1]
    token_id = token.split("_")[1]
    api = {"Authorization": f"Bearer {token}"}
    assert world.client(None).get("/caseload", headers=api).status_code == 200
    assert token_id in client.get("/verwaltung").text
    revoked = posted(client, "/verwaltung/token/widerrufen", person=staff_id, token=token_id)
    assert revoked.status_code == 303, revoked.text
    assert world.client(None).get("/caseload", headers=api).status_code == 401
    assert token_id not in world.services.directory.member(staff_id).active_tokens


def test_without_the_csrf_token_nothing_changes(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    reporting = world.token(Role.REPORTING).staff_id
    page = client.get("/verwaltung")
    for path, fields in (("/verwaltung/rolle", {"rolle_person": reporting,
                                                "rolle_rolle": "auditor"}),
                         ("/verwaltung/mitarbeitende", {"neu_name": "X",
                                                        "neu_rolle": "admin"}),
                         ("/verwaltung/passwort", {"pw_person": reporting})):
        answer = client.post(path, data={"projekt": "KR", **fields})
        assert answer.status_code == 403, path
        assert "Formular abgelaufen" in answer.text
    assert world.services.directory.member(reporting).roles["KR"] is Role.REPORTING
    assert world.services.sign_ins.user_name_of(reporting) is None
    assert csrf_of(page)


def test_a_coordinator_may_not_post_to_verwaltung(world: World) -> None:
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team")
    reporting = world.token(Role.REPORTING).staff_id
    answer = client.post("/verwaltung/rolle", data={
        "csrf": csrf_of(page), "projekt": "KR", "rolle_person": reporting,
        "rolle_rolle": "admin"})
    assert answer.status_code == 403
    assert world.services.directory.member(reporting).roles["KR"] is Role.REPORTING


def test_a_staff_name_with_markup_is_shown_as_text(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    answer = posted(client, "/verwaltung/mitarbeitende", neu_name=SCRIPT, neu_rolle="auditor")
    assert answer.status_code == 200
    page = client.get("/verwaltung")
    for html in (answer.text, page.text):
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_admin_cannot_change_their_own_role(world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    admin = world.token(Role.ADMIN).staff_id
    answer = posted(client, "/verwaltung/rolle", rolle_person=admin, rolle_rolle="auditor")
    assert answer.status_code == 422
    assert 'aria-describedby="fehler-rolle_person"' in answer.text
    assert world.services.directory.member(admin).roles["KR"] is Role.ADMIN


def test_a_repeated_form_adds_the_person_once_and_never_shows_the_token_again(
        world: World) -> None:
    client = signed_in(world, Role.ADMIN)
    page = client.get("/verwaltung")
    key = re.search(r'name="schluessel" value="([^"]+-neu)"', page.text)
    assert key is not None
    fields = {"csrf": csrf_of(page), "projekt": "KR", "schluessel": key.group(1),
              "neu_name": "Dariusz Nowicki", "neu_rolle": "case_manager"}
    first = client.post("/verwaltung/mitarbeitende", data=fields)
    second = client.post("/verwaltung/mitarbeitende", data=fields)
    assert SECRET.findall(first.text)
    assert second.status_code == 200
    assert not SECRET.findall(second.text)
    assert "bereits ausgeführt" in second.text
    named = [v for v in world.services.directory.staff("KR") if v.name == "Dariusz Nowicki"]
    assert len(named) == 1


def test_an_unknown_role_is_refused_next_to_the_role_field(world: World) -> None:
    before = len(world.services.directory.staff())
    client = signed_in(world, Role.ADMIN)
    answer = posted(client, "/verwaltung/mitarbeitende", neu_name="Eva", neu_rolle="boss")
    assert answer.status_code == 422
    assert 'aria-describedby="fehler-neu_rolle"' in answer.text
    assert 'value="Eva"' in answer.text
    assert len(world.services.directory.staff()) == before
