"""ESF+-Bericht: the indicators as the JSON API counts them, now and at the cut-off with
the differences marked, findings linking to the family (not for reporting users), the
downloads under the session, and the submission (coordinators only, CSRF, idempotent)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest

from application.refusals import Refusal
from projections.reporting.esf_render import CSV_COLUMNS
from tests.api.test_api_reports import enter
from tests.support.world import World
from tests.web.pages import csrf_of, signed_in

REPORT = "/esf-bericht?zeitraum=2026-H1"
COMPLETE = {"labour_market_status": "unemployed", "unemployed_months": 14,
            "isced": "isced_3_4", "disability": "declined", "citizenship": "eu",
            "foreign_background": "no", "minority": "no", "homeless": "no", "rural": False}


@pytest.fixture
def entries(world: World) -> dict[str, Any]:
    """KR: two counted participants and one without education (ISCED): a finding."""
    a = world.intake("KR", occurred_on="2026-03-02", consent_given_on="2026-03-02")
    b = world.intake("KR", occurred_on="2026-03-02", consent_given_on="2026-03-02")
    enter(world, a, a["member_ids"][0], **COMPLETE)
    enter(world, b, b["member_ids"][0], **{**COMPLETE, "labour_market_status": "inactive",
                                           "unemployed_months": None})
    enter(world, b, b["member_ids"][1], labour_market_status="inactive")
    return {"a": a, "b": b}


def totals(html: str) -> dict[str, int]:
    """Each indicator's total as the page shows it."""
    return {code: int(total) for code, total in re.findall(
        r'<td>(EE\w\w\d\d)</td>\s*<th scope="row">[^<]*</th>\s*<td class="number">(\d+)</td>',
        html)}


@pytest.mark.parametrize("role", ["reporting", "coordinator", "auditor"])
def test_the_indicators_are_the_json_apis_now_and_at_the_cut_off(
        world: World, entries: dict[str, Any], role: str) -> None:
    client = signed_in(world, role)
    for stand, as_known in (("jetzt", "now"), ("stichtag", "cutoff")):
        page = client.get(f"{REPORT}&stand={stand}")
        assert page.status_code == 200, page.text
        body = world.client(role).get(
            f"/reports/esf?project=KR&period=2026-H1&as={as_known}").json()
        assert totals(page.text) == {r["code"]: r["total"] for r in body["indicators"]}
    now = client.get(f"{REPORT}&stand=jetzt").text
    assert totals(now)["EECO01"] == 2
    # Everything was recorded after 30 June: the differences are marked in text and icon.
    assert "△ zum Stichtag: 0" in now
    assert '<tr class="changed">' in now
    then = client.get(f"{REPORT}&stand=stichtag").text
    assert totals(then)["EECO01"] == 0
    assert "△ heute: 2" in then


def test_coordinators_and_auditors_get_each_finding_with_a_link_to_its_family(
        world: World, entries: dict[str, Any]) -> None:
    number = entries["b"]["case_number"]
    for role in ("coordinator", "auditor"):
        html = signed_in(world, role).get(REPORT).text
        assert "Unvollständige Kerndaten (1)" in html
        assert "fehlen Kerndaten (Bildungsabschluss (ISCED))" in html
        assert f'<a href="/familien/{number}">Familie {number} öffnen</a>' in html


def test_reporting_users_see_how_many_findings_and_no_family(
        world: World, entries: dict[str, Any]) -> None:
    html = signed_in(world, "reporting").get(REPORT).text
    assert "1 Teilnehmende mit unvollständigen Kerndaten (nicht gezählt)." in html
    assert "/familien/" not in html
    for personal in ("Okonkwo", "Amira", entries["a"]["case_number"],
                     entries["b"]["case_number"]):
        assert personal not in html
    assert "/esf-bericht/einreichen" not in html


def test_case_managers_may_not_see_the_report(world: World) -> None:
    client = signed_in(world, "case_manager")
    assert client.get(REPORT).status_code == 403
    assert client.get("/esf-bericht/download?zeitraum=2026-H1&format=csv").status_code == 403


def test_a_period_that_is_no_half_year_is_refused_with_a_page(world: World) -> None:
    page = signed_in(world, "reporting").get("/esf-bericht?zeitraum=2026-Q1")
    assert page.status_code == 422
    assert "Unbekannter Berichtszeitraum" in page.text


@pytest.mark.parametrize("role", ["reporting", "coordinator"])
def test_the_downloads_are_a_workbook_and_csv_with_the_header(
        world: World, entries: dict[str, Any], role: str) -> None:
    client = signed_in(world, role)
    xlsx = client.get("/esf-bericht/download?zeitraum=2026-H1&stand=jetzt&format=xlsx")
    assert xlsx.status_code == 200, xlsx.text
    assert 'filename="esf-KR-2026-H1-now.xlsx"' in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "Indikatoren" in book.sheetnames
    assert ("Nachweise" in book.sheetnames) is (role == "coordinator")
    data = client.get("/esf-bericht/download?zeitraum=2026-H1&format=csv&tabelle=indikatoren")
    assert data.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1][:4] == ["EECO01", "Teilnehmende insgesamt", "All participants", "2"]
    programme = client.get("/esf-bericht/download?zeitraum=2026-H1&format=csv&tabelle=programm")
    assert programme.text.startswith("section,key,label_de,label_en,period,since_start")


def test_a_coordinator_submits_the_report_once_however_often_she_clicks(
        world: World, entries: dict[str, Any]) -> None:
    client = signed_in(world, "coordinator")
    assert "Noch kein Bericht eingereicht." in client.get(REPORT).text
    form = client.get(REPORT)
    key = re.search(r'name="schluessel" value="([^"]+)"', form.text)
    assert key
    data = {"csrf": csrf_of(form), "schluessel": key.group(1), "projekt": "KR",
            "zeitraum": "2026-H1", "stand": "jetzt"}
    first = client.post("/esf-bericht/einreichen", data=data)
    assert first.status_code == 303, first.text
    assert first.headers["location"].endswith("eingereicht=1")
    again = client.post("/esf-bericht/einreichen", data=data)  # (a double click)
    assert again.status_code == 303
    assert len(world.services.cases.report_submissions("KR")) == 1
    shown = client.get(first.headers["location"]).text
    assert "Der Bericht für das 1. Halbjahr 2026 (Stichtag 30.06.2026) wurde eingereicht." \
        in shown
    assert re.search(r'<th scope="row">1\. Halbjahr 2026</th>\s*<td>\d\d\.\d\d\.\d{4}</td>\s*'
                     r"<td>wie jetzt bekannt</td>\s*<td>coordinator KR</td>", shown)
    api = world.client("coordinator").get("/reports/esf?project=KR&period=2026-H1").json()
    assert api["submitted"]["submitted_by"] == world.token("coordinator").staff_id


def test_an_auditor_has_no_submission_form_and_a_forged_one_is_refused(
        world: World, entries: dict[str, Any]) -> None:
    client = signed_in(world, "auditor")
    page = client.get(REPORT)
    assert "/esf-bericht/einreichen" not in page.text
    forged = client.post("/esf-bericht/einreichen", data={
        "csrf": csrf_of(page), "schluessel": "k1", "projekt": "KR", "zeitraum": "2026-H1"})
    assert forged.status_code == 403
    assert "Kein Zugriff" in forged.text
    assert world.services.cases.report_submissions("KR") == []


def test_a_submission_without_the_csrf_token_is_refused(
        world: World, entries: dict[str, Any]) -> None:
    client = signed_in(world, "coordinator")
    refused = client.post("/esf-bericht/einreichen", data={
        "schluessel": "k2", "projekt": "KR", "zeitraum": "2026-H1", "stand": "jetzt"})
    assert refused.status_code == 403
    assert "Formular abgelaufen" in refused.text
    assert world.services.cases.report_submissions("KR") == []


def test_a_report_the_checks_refuse_is_not_submitted_and_the_page_says_why(
        world: World, entries: dict[str, Any]) -> None:
    def not_plausible(project: str, period: str, as_known: str) -> Any:
        raise Refusal(422, "report_not_plausible", "Report not plausible",
                      "EECR01 (3) exceeds EECO01 (2)", field="period")

    world.services.pipeline.report_figures_source(not_plausible)
    client = signed_in(world, "coordinator")
    form = client.get(REPORT)
    key = re.search(r'name="schluessel" value="([^"]+)"', form.text)
    assert key
    refused = client.post("/esf-bericht/einreichen", data={
        "csrf": csrf_of(form), "schluessel": key.group(1), "projekt": "KR",
        "zeitraum": "2026-H1", "stand": "jetzt"})
    assert refused.status_code == 422
    assert '<p class="error" role="alert" id="submit-error">Nicht eingereicht: Die ' \
           "Plausibilitätsprüfung hat Fehler gefunden." in refused.text
    assert 'aria-describedby="submit-error"' in refused.text
    assert world.services.cases.report_submissions("KR") == []
