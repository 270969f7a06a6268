"""Programm: families reached against the yearly target and the social-space statistics,
as the JSON API counts them, charted as SVG; figures only, never a family."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.test_api_social_space import consult, intake, post
from tests.support.world import World
from tests.web.pages import signed_in

NAME = "Okonkwo-Brandt"  # (every intake's family name)


@pytest.fixture
def casework(world: World) -> dict[str, Any]:
    """Three KR families (January to March 2026) with consultations, a goal and a
    referral; one GL family."""
    a = intake(world, "Oppum", "2026-01-12")
    b = intake(world, "Oppum", "2026-02-03")
    c = intake(world, "<script>alert(1)</script>", "2026-03-09")
    intake(world, "Gladbeck-Mitte", "2026-02-03", project="GL")
    consult(world, a, "2026-01-12", 60, ["job_search", "childcare"], "home_visit")
    consult(world, a, "2026-02-16", 30, ["job_search"])
    consult(world, b, "2026-02-03", 90, ["money_and_debts", "job_search"], "office")
    consult(world, c, "2026-03-10", 45, ["childcare"], "office")
    post(world, c, "/goals", {"member_ids": [c["member_ids"][0]], "life_area": "housing",
                              "description": "Wohnung", "occurred_on": "2026-03-10"})
    post(world, c, "/referrals", {
        "member_id": c["member_ids"][0], "institution_type": "jobcenter",
        "institution_name": "Jobcenter Krefeld", "consent_confirmed": True,
        "occurred_on": "2026-03-11"})
    return {"a": a, "b": b, "c": c}


def key_figure(html: str, label: str) -> str:
    found = re.search(rf"<dt>{label}</dt><dd>([^<]+)</dd>", html)
    assert found, f"no key figure {label}"
    return found.group(1)


def row(html: str, label: str) -> list[str]:
    """The numbers of the table row headed ``label`` (the first such row)."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>((?:\s*<td class="number">'
                      r'[^<]*</td>)+)', html)
    assert found, f"no row {label}"
    return re.findall(r'<td class="number">([^<]*)</td>', found.group(1))


@pytest.mark.parametrize("role", ["reporting", "coordinator", "auditor"])
def test_the_programme_shows_the_figures_the_json_api_counts(
        world: World, casework: dict[str, Any], role: str) -> None:
    page = signed_in(world, role).get("/programm?jahr=2026")
    assert page.status_code == 200, page.text
    html = page.text
    report = world.client(role).get("/reports/esf?project=KR&period=2026-H2").json()
    space = world.client(role).get("/projects/KR/social-space?from=2026-01&to=2026-12").json()
    assert key_figure(html, "Erreichte Familien") == str(
        report["programme"]["since_start"]["families"]) == "3"
    assert key_figure(html, "Jahresziel") == "48"
    assert key_figure(html, "Anteil am Jahresziel") == "6,3 %"  # (3 of 48)
    assert row(html, "Januar")[:3] == ["1", "1", "4"]  # (new, cumulative, target share)
    assert row(html, "März")[:3] == ["1", "3", "12"]
    assert row(html, "Dezember")[:3] == ["0", "3", "48"]
    for district in space["families"]["by_district"]:
        label = district["district"].replace("<", "&lt;").replace(">", "&gt;")
        assert row(html, label) == [str(district["families"])]
    for topic, label in (("job_search", "Arbeitssuche und Bewerbungen"),
                         ("childcare", "Kinderbetreuung")):
        found = next(t for t in space["consultations"]["by_topic"] if t["topic"] == topic)
        assert row(html, label)[0] == str(found["consultations"])
    assert "4 Beratungen (3,8 Stunden)" in html  # (225 minutes)
    jobcenter = next(r for r in space["referrals"]["by_institution_type"]
                     if r["institution_type"] == "jobcenter")
    assert row(html, "Jobcenter")[:2] == [str(jobcenter["referrals"]), "0"]


def test_charts_are_server_rendered_svg_with_their_tables(
        world: World, casework: dict[str, Any]) -> None:
    html = signed_in(world, "reporting").get("/programm?jahr=2026").text
    assert html.count('<svg class="chart"') == 7
    assert html.count("<caption>") >= 7
    assert 'role="img"' in html
    assert "<title id=\"reached-title\">" in html
    assert "stroke-dasharray" in html  # (the target line, dashed)
    assert 'fill="url(#reached-hatch)"' in html  # (the monthly columns, hatched)
    assert "Ziel 48" in html
    assert " style=" not in html
    assert "<style" not in html


def test_reporting_users_see_figures_and_never_a_family(
        world: World, casework: dict[str, Any]) -> None:
    html = signed_in(world, "reporting").get("/programm?jahr=2026").text
    assert "/familien/" not in html
    assert NAME not in html
    assert "Amira" not in html
    assert casework["a"]["case_number"] not in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_case_managers_may_not_see_the_programme(world: World) -> None:
    page = signed_in(world, "case_manager").get("/programm")
    assert page.status_code == 403
    assert "Kein Zugriff" in page.text


def test_another_project_and_a_future_year_are_not_found(world: World) -> None:
    client = signed_in(world, "coordinator")
    assert client.get("/programm?projekt=GL").status_code == 404
    assert client.get("/programm?jahr=2100").status_code == 404
    assert client.get("/programm?jahr=zwei").status_code == 422


def test_without_a_session_the_programme_asks_for_a_sign_in(world: World) -> None:
    from tests.web.pages import sign_in_client

    answer = sign_in_client(world).get("/programm")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/anmelden?weiter=%2Fprogramm")


@pytest.mark.parametrize("path", ["/programm", "/esf-bericht"])
def test_a_person_in_two_projects_chooses_the_project_on_both_reporting_screens(
        world: World, path: str) -> None:
    from domain.directory import Role

    client = signed_in(world, Role.COORDINATOR)
    assert 'id="projekt"' not in client.get(path).text  # (one project: no choice)
    world.services.directory.grant_role(staff_id=world.token(Role.COORDINATOR).staff_id,
                                        project="GL", role=Role.COORDINATOR,
                                        recorded_by="test")
    page = client.get(path, params={"projekt": "GL"}).text
    assert '<select id="projekt" name="projekt">' in page
    assert '<option value="GL" selected>Familiencoaching Gladbeck</option>' in page
    assert '<option value="KR">WiQ Plus Krefeld</option>' in page
