"""The Team page: case managers by name, transfers by name, read-only for auditors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api import web
from api.web.i18n import catalogue
from domain.directory import Role
from tests.support.world import World
from tests.web.pages import csrf_of, signed_in

SCRIPT = "<script>alert(1)</script>"


def visible(html: str) -> str:
    """The page's text without its tags (ids in form values are not shown)."""
    return re.sub(r"<[^>]+>", " ", html)


def case_manager_of(world: World, family_id: str) -> str | None:
    answer = world.client(Role.COORDINATOR).get("/caseload", params={"project": "KR"})
    assert answer.status_code == 200, answer.text
    return next(i["case_manager"] for i in answer.json()["items"] if i["family_id"] == family_id)


def transfer_form(page_html: str) -> dict[str, str]:
    key = re.search(r'name="schluessel" value="([^"]+)"', page_html)
    assert key is not None
    return {"projekt": "KR", "schluessel": key.group(1)}


def test_a_coordinator_sees_each_case_manager_by_name_with_counts_and_no_staff_ids(
        world: World) -> None:
    world.intake()
    dariusz = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = visible(page.text)
    assert "Dariusz Nowicki" in text
    assert "case_manager KR" in text
    assert "Offene Fälle" in text
    assert "Ohne Fallverantwortung (0)" in text
    for staff_id in (dariusz.staff_id, world.case_manager_id()):
        assert staff_id not in text
    assert re.search(r"case_manager KR</th>\s*<td class=\"number\">1</td>", page.text)


def test_a_coordinator_transfers_a_family_to_a_colleague_chosen_by_name(
        world: World) -> None:
    family = world.intake()
    dariusz = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team", params={"fm": world.case_manager_id()})
    assert family["case_number"] in page.text
    assert "Amira Okonkwo-Brandt" in page.text
    answer = client.post("/team/uebertragen", data={
        **transfer_form(page.text), "csrf": csrf_of(page), "fallnummer": family["case_number"],
        "an": dariusz.staff_id, "grund": "Elternzeit"})
    assert answer.status_code == 303, answer.text
    assert case_manager_of(world, family["family_id"]) == dariusz.staff_id
    after = client.get(answer.headers["location"])
    assert (f"Die Familie {family['case_number']} ist jetzt bei Dariusz Nowicki."
            in after.text)
    again = client.post("/team/uebertragen", data={  # a double click records once
        **transfer_form(page.text), "csrf": csrf_of(page), "fallnummer": family["case_number"],
        "an": dariusz.staff_id, "grund": "Elternzeit"})
    assert again.status_code == 303
    history = world.client(Role.COORDINATOR).get(f"/families/{family['family_id']}")
    assert history.headers["etag"] == '"3"'  # (intake: 2 events, one transfer)


def test_an_unknown_case_number_is_shown_next_to_the_field_and_nothing_changes(
        world: World) -> None:
    family = world.intake()
    dariusz = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team")
    answer = client.post("/team/uebertragen", data={
        **transfer_form(page.text), "csrf": csrf_of(page), "fallnummer": "KR-1999-0001",
        "an": dariusz.staff_id, "grund": "Urlaub"})
    assert answer.status_code == 422
    assert 'aria-invalid="true" aria-describedby="fehler-fallnummer"' in answer.text
    assert "keinen Fall" in answer.text
    assert 'value="Urlaub"' in answer.text
    assert case_manager_of(world, family["family_id"]) == world.case_manager_id()
    same = client.post("/team/uebertragen", data={
        **transfer_form(page.text), "csrf": csrf_of(page), "fallnummer": family["case_number"],
        "an": world.case_manager_id()})
    assert same.status_code == 422
    assert "bereits bei dieser Person" in same.text


def test_without_the_csrf_token_a_transfer_is_refused_and_nothing_changes(
        world: World) -> None:
    family = world.intake()
    dariusz = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team")
    answer = client.post("/team/uebertragen", data={
        **transfer_form(page.text), "fallnummer": family["case_number"],
        "an": dariusz.staff_id})
    assert answer.status_code == 403
    assert "Formular abgelaufen" in answer.text
    assert case_manager_of(world, family["family_id"]) == world.case_manager_id()


def test_case_managers_and_reporting_users_may_not_open_team_or_verwaltung(
        world: World) -> None:
    for role in (Role.CASE_MANAGER, Role.REPORTING):
        client = signed_in(world, role)
        for path in ("/team", "/verwaltung"):
            answer = client.get(path)
            assert answer.status_code == 403, (role, path)
            assert "Kein Zugriff" in answer.text
        assert 'href="/team"' not in client.get("/").text


def test_an_auditor_sees_the_team_without_forms_and_may_not_transfer(world: World) -> None:
    family = world.intake()
    dariusz = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    client = signed_in(world, Role.AUDITOR)
    page = client.get("/team", params={"fm": world.case_manager_id()})
    assert page.status_code == 200
    assert "case_manager KR" in page.text
    assert family["case_number"] in page.text
    assert "/team/uebertragen" not in page.text
    assert "<select" not in page.text
    answer = client.post("/team/uebertragen", data={
        "csrf": csrf_of(page), "projekt": "KR", "fallnummer": family["case_number"],
        "an": dariusz.staff_id})
    assert answer.status_code == 403
    assert case_manager_of(world, family["family_id"]) == world.case_manager_id()


def test_a_case_whose_case_manager_left_is_listed_unassigned_and_can_be_assigned(
        world: World) -> None:
    family = world.intake()
    dariusz = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    world.services.directory.grant_role(staff_id=world.case_manager_id(), project="KR",
                                        role=Role.AUDITOR, recorded_by="test")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team")
    assert "Ohne Fallverantwortung (1)" in page.text
    row = re.search(rf"<tr><td>{family['case_number']}</td>.*?</tr>", page.text, re.S)
    assert row is not None
    assert "Amira Okonkwo-Brandt" in row.group(0)
    assert "case_manager KR" in row.group(0)
    assert "Zuweisen" in row.group(0)
    key = re.search(rf'name="schluessel" value="([^"]+-{family["case_number"]})"', page.text)
    assert key is not None
    answer = client.post("/team/uebertragen", data={
        "csrf": csrf_of(page), "projekt": "KR", "schluessel": key.group(1),
        "fallnummer": family["case_number"], "an": dariusz.staff_id})
    assert answer.status_code == 303
    assert "Ohne Fallverantwortung (0)" in client.get(answer.headers["location"]).text
    assert case_manager_of(world, family["family_id"]) == dariusz.staff_id


def test_a_name_with_markup_is_shown_as_text(world: World) -> None:
    world.add_staff(Role.CASE_MANAGER, name=SCRIPT)
    family = world.intake(members=[{"role": "parent", "given_name": SCRIPT,
                                    "family_name": "Test"}])
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team", params={"fm": world.case_manager_id()})
    assert family["case_number"] in page.text
    assert SCRIPT not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_coordinator_of_two_projects_picks_the_project_by_name(world: World) -> None:
    coordinator = world.token(Role.COORDINATOR, "KR").staff_id
    world.services.directory.grant_role(staff_id=coordinator, project="GL",
                                        role=Role.COORDINATOR, recorded_by="test")
    gl = world.intake("GL")
    client = signed_in(world, Role.COORDINATOR)
    page = client.get("/team", params={"projekt": "KR"})
    assert "WiQ Plus Krefeld" in page.text
    assert "Familiencoaching Gladbeck" in page.text
    assert "case_manager KR" in page.text
    assert "case_manager GL" not in page.text
    assert 'href="/team?projekt=GL"' in page.text
    other = client.get("/team", params={"projekt": "GL", "fm": world.case_manager_id("GL")})
    assert "case_manager GL" in other.text
    assert gl["case_number"] in other.text
    assert "case_manager KR" not in other.text
    assert client.get("/team", params={"projekt": "XX"}).status_code == 404


def test_team_and_verwaltung_are_shown_in_english_when_chosen(world: World) -> None:
    world.intake()
    for role, path, heading in ((Role.COORDINATOR, "/team", "Open cases"),
                                (Role.ADMIN, "/verwaltung", "Staff of the project")):
        client = signed_in(world, role)
        client.cookies.set("lotse_lang", "en")
        page = client.get(path)
        assert page.status_code == 200
        assert heading in page.text


@pytest.mark.store_independent
def test_every_text_of_the_team_and_verwaltung_templates_is_in_the_german_catalogue(
        ) -> None:
    templates = Path(web.__file__).parent / "templates"
    german = catalogue("de")
    for name in ("team.html", "admin.html", "admin_shown.html"):
        for key in re.findall(r"""\bt\(["']([\w.]+)["']""", (templates / name).read_text()):
            assert key in german, (name, key)
