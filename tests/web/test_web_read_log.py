"""The Lesezugriffe page (/lesezugriffe): the read log for auditors with readers' names,
roles in German and families by case number linking to their Verlauf; filters by
family, reader and day; paging."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

from application.read_log import ReadEntry
from domain.directory import Role
from tests.support.api import Family
from tests.support.world import World
from tests.web.pages import signed_in
from tests.web.test_web_history import text_of


def rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_auditors_own_view_appears_with_his_name_role_and_the_familys_case_number(
        world: World) -> None:
    Family(world, world.intake())
    auditor = signed_in(world, "auditor")
    assert auditor.get("/verlauf/KR-2026-0001").status_code == 200
    assert world.client("coordinator").get(
        f"/families/{world.services.index.found(case_number='KR-2026-0001')[0].family_id}"
    ).status_code == 200

    page = auditor.get("/lesezugriffe")

    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    newest, older = rows(page.text)
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d coordinator KR Koordination "
                        r"KR-2026-0001 Amira Okonkwo-Brandt, Noah Okonkwo-Brandt "
                        r"Fallakte \(Schnittstelle\) mit einem Zugangsschlüssel", newest), newest
    assert older.endswith("auditor KR Prüfung KR-2026-0001 Amira Okonkwo-Brandt, "
                          "Noah Okonkwo-Brandt Verlauf"), older
    assert '<a href="/verlauf/KR-2026-0001">KR-2026-0001</a>' in page.text
    assert "2 Lesezugriffe" in text_of(page.text)
    for raw in ("st-", "GET /", "auditor<", "family_id"):
        assert raw not in page.text.split("<main", 1)[1].replace('value="st-', ""), raw


def test_filters_by_family_reader_and_day(world: World) -> None:
    first, second = Family(world, world.intake()), Family(world, world.intake())
    auditor = signed_in(world, "auditor")
    for family in (first, second):
        world.client("coordinator").get(f"/families/{family.id}")
    world.client("auditor").get(f"/families/{first.id}/history")
    coordinator = world.token("coordinator").staff_id
    old = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    world.services.read_log.record([ReadEntry(old, coordinator, Role.COORDINATOR, "KR",
                                              UUID(second.id), "GET /families/{id}")])

    def listed(**params: str) -> list[str]:
        page = auditor.get("/lesezugriffe", params=params)
        assert page.status_code == 200, page.text
        return rows(page.text)

    assert len(listed()) == 4
    assert all("KR-2026-0001" in r for r in listed(familie="kr-2026-0001"))
    assert len(listed(familie="KR-2026-0001")) == 2
    assert [r.split(" ")[2] for r in listed(person=coordinator)] == ["coordinator"] * 3
    since = (datetime.now(UTC) - timedelta(days=1)).date()
    assert len(listed(seit=since.isoformat())) == 3
    assert len(listed(seit=since.strftime("%d.%m.%Y"))) == 3
    assert [r[:17] for r in listed(familie="KR-2026-0002", seit="2026-01-01")] == [
        "05.01.2026, 10:00", listed(familie="KR-2026-0002")[1][:17]]
    picked = auditor.get("/lesezugriffe", params={"person": coordinator}).text
    assert f'<option value="{coordinator}" selected>coordinator KR</option>' in picked


def test_bad_filters_are_explained_next_to_their_fields(world: World) -> None:
    Family(world, world.intake("GL"))
    auditor = signed_in(world, "auditor")

    for params, field, words in (
            ({"familie": "GL-2026-0001"}, "familie", "Keine Familie Ihrer Projekte"),
            ({"person": "st-nobody"}, "person", "gibt es in Ihren Projekten nicht"),
            ({"seit": "gestern"}, "seit", "Datum als TT.MM.JJJJ")):
        page = auditor.get("/lesezugriffe", params=params)
        assert page.status_code == 422
        assert f'aria-invalid="true" aria-describedby="{field}-fehler"' in page.text
        assert words in page.text
        assert rows(page.text) == []


def test_the_log_is_paged_newest_first(world: World) -> None:
    family = Family(world, world.intake())
    auditor = signed_in(world, "auditor")
    staff = world.token("coordinator").staff_id
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    world.services.read_log.record([
        ReadEntry(start + timedelta(minutes=i), staff, Role.COORDINATOR, "KR",
                  UUID(family.id), "GET /families/{id}") for i in range(60)])

    first = auditor.get("/lesezugriffe")
    second = auditor.get("/lesezugriffe", params={"seite": "2"})

    assert len(rows(first.text)) == 50
    assert len(rows(second.text)) == 10
    assert rows(first.text)[0].startswith("01.11.2026, 09:59")
    assert rows(second.text)[-1].startswith("01.11.2026, 09:00")
    assert "Seite 1 von 2" in first.text
    assert 'href="/lesezugriffe?seite=2" rel="next"' in first.text
    assert 'href="/lesezugriffe?seite=1" rel="prev"' in second.text
    filtered = auditor.get("/lesezugriffe", params={"familie": "KR-2026-0001"}).text
    assert 'href="/lesezugriffe?familie=KR-2026-0001&amp;seite=2"' in filtered


def test_only_auditors_see_the_read_log(world: World) -> None:
    for role in ("case_manager", "coordinator", "reporting", "admin"):
        page = signed_in(world, role).get("/lesezugriffe")
        assert page.status_code == 403, role
        assert "Kein Zugriff" in page.text
    auditor = signed_in(world, "auditor")
    assert 'href="/lesezugriffe"' in auditor.get("/verlauf").text


def test_a_script_in_a_name_is_shown_as_text(world: World) -> None:
    family = Family(world, world.intake(members=[
        {"role": "parent", "given_name": "<script>alert(1)</script>", "family_name": "Test",
         "birth_date": "1990-01-01", "gender": "female"}]))
    world.services.directory.add_staff(name="<script>alert(2)</script>", project="KR",
                                       role=Role.COORDINATOR, recorded_by="test")
    world.client("coordinator").get(f"/families/{family.id}")
    auditor = signed_in(world, "auditor")

    page = auditor.get("/lesezugriffe")

    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Test" in page.text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page.text
