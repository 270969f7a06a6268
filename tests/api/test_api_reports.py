"""GET /reports/esf through the API: figures for every reading role, the people and
events behind them only for auditors and coordinators, CSV, and the error paths."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from tests.support.api import problem
from tests.support.world import World


def enter(world: World, family: dict[str, Any], member: str, **entry: Any) -> None:
    response = world.client("case_manager").post(
        f"/families/{family['family_id']}/participants",
        json={"member_id": member, "occurred_on": "2026-03-02", **entry})
    assert response.status_code == 200, response.text


@pytest.fixture
def entries(world: World) -> dict[str, Any]:
    """KR: two counted participants and an incomplete one; GL: one participant."""
    a = world.intake("KR", occurred_on="2026-03-02", consent_given_on="2026-03-02")
    b = world.intake("KR", occurred_on="2026-03-02", consent_given_on="2026-03-02")
    g = world.intake("GL", occurred_on="2026-03-02", consent_given_on="2026-03-02")
    complete = {"labour_market_status": "unemployed", "unemployed_months": 14,
                "isced": "isced_3_4", "disability": "declined", "citizenship": "eu",
                "foreign_background": "no", "minority": "no", "homeless": "no",
                "rural": False}
    enter(world, a, a["member_ids"][0], **complete)
    enter(world, b, b["member_ids"][0], **{**complete, "labour_market_status": "inactive",
                                           "unemployed_months": None})
    enter(world, b, b["member_ids"][1], labour_market_status="inactive")  # no ISCED
    response = world.client("case_manager", "GL").post(
        f"/families/{g['family_id']}/participants",
        json={"member_id": g["member_ids"][0], "occurred_on": "2026-03-02", **complete})
    assert response.status_code == 200, response.text
    return {"a": a, "b": b}


def figures(body: dict[str, Any]) -> dict[str, int]:
    return {row["code"]: row["total"] for row in body["indicators"]}


def test_reporting_users_get_figures_only(world: World, entries: dict[str, Any]) -> None:
    response = world.client("reporting").get("/reports/esf?project=KR&period=2026-H1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["project"], body["period"], body["cutoff"], body["as"]) == (
        "KR", "2026-H1", "2026-06-30", "now")
    found = figures(body)
    assert (found["EECO01"], found["EECO02"], found["EECO03"], found["EECO04"]) == (2, 1, 1, 1)
    eeco12 = next(r for r in body["indicators"] if r["code"] == "EECO12")
    assert (eeco12["total"], eeco12["unknown"]) == (0, 2)  # declined counts as unknown
    assert body["incomplete_records"] == 1
    assert "incomplete" not in body
    # The programme figures: KR's two families (GL's one is not theirs), against 48 a year.
    assert body["programme"]["period"]["families"] == 2
    assert body["programme"]["since_start"]["families"] == 2
    assert body["programme"]["target"] == {"yearly": 48, "period": 24,
                                           "share_percent": 8.3}
    assert all("participants" not in row for row in body["indicators"])


@pytest.mark.parametrize("role", ["auditor", "coordinator"])
def test_auditors_and_coordinators_see_who_is_behind_each_figure(
        world: World, entries: dict[str, Any], role: str) -> None:
    body = world.client(role).get("/reports/esf?project=KR&period=2026-H1").json()
    eeco01 = next(r for r in body["indicators"] if r["code"] == "EECO01")
    families = {entries["a"]["family_id"], entries["b"]["family_id"]}
    assert {p["family_id"] for p in eeco01["participants"]} == families
    assert [i["missing"] for i in body["incomplete"]] == [["isced"]]
    assert body["incomplete"][0]["family_id"] == entries["b"]["family_id"]
    # Everything was recorded after 30 June 2026: at the cut-off nobody could be known,
    # and the difference names the entries recorded since.
    then = world.client(role).get("/reports/esf?project=KR&period=2026-H1&as=cutoff").json()
    assert figures(then)["EECO01"] == 0
    assert then["recorded_by"].startswith("2026-06-30T23:59:59")
    change = next(c for c in then["differences"] if c["code"] == "EECO01")
    assert (change["at_cutoff"], change["now"]) == (0, 2)
    entered = {e["family_id"] for e in change["events"] if e["event"] == "ParticipantEntered"}
    assert entered == families


def test_the_indicator_table_as_csv_with_both_labels(world: World,
                                                     entries: dict[str, Any]) -> None:
    response = world.client("reporting").get(
        "/reports/esf?project=KR&period=2026-H1&format=csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "esf-KR-2026-H1-now.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 23
    first = rows[0]
    assert (first["code"], first["total"], first["label_de"], first["label_en"]) == (
        "EECO01", "2", "Teilnehmende insgesamt", "All participants")

    response = world.client("reporting").get(
        "/reports/esf?project=KR&period=2026-H1&format=csv&table=programme")
    assert response.status_code == 200, response.text
    assert "programme-KR-2026-H1-now.csv" in response.headers["content-disposition"]
    programme = {(r["section"], r["key"]): r
                 for r in csv.DictReader(io.StringIO(response.text))}
    reached = programme[("families", "reached")]
    assert (reached["period"], reached["since_start"], reached["label_en"]) == (
        "2", "2", "Families reached")
    assert programme[("target", "yearly")]["period"] == "48"
    problem(world.client("reporting").get(
        "/reports/esf?project=KR&period=2026-H1&format=csv&table=people"), 422)


def test_other_projects_and_bad_periods_are_refused(world: World,
                                                    entries: dict[str, Any]) -> None:
    problem(world.client("reporting").get("/reports/esf?project=GL&period=2026-H1"), 404,
            "project_not_found")
    problem(world.client("reporting").get("/reports/esf?project=KR&period=2026-Q1"), 422,
            "invalid_period", "period")
    problem(world.client("reporting").get("/reports/esf?project=KR&period=2026-H1&as=then"),
            422)
    problem(world.client("case_manager").get("/reports/esf?project=KR&period=2026-H1"), 403)


def test_the_workbook_download_has_the_json_figures(world: World,
                                                    entries: dict[str, Any]) -> None:
    response = world.client("reporting").get(
        "/reports/esf?project=KR&period=2026-H1&format=xlsx")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Nachweise" not in book.sheetnames  # reporting users: figures only
    rows = list(book["Indikatoren"].iter_rows(min_row=3, values_only=True))
    body = world.client("reporting").get("/reports/esf?project=KR&period=2026-H1").json()
    assert {r[0]: r[3] for r in rows} == figures(body)
    checks = list(book["Plausibilität"].iter_rows(min_row=2, values_only=True))
    # (the entries of 2 March were recorded only now: late, each of them)
    assert sorted((c[0], c[2], c[5]) for c in checks) == [
        ("incomplete_core_data", None, 1), ("late_entry", None, 3)]


def test_a_submitted_report_keeps_its_figures_and_shows_what_changed_since(
        world: World, entries: dict[str, Any]) -> None:
    coordinator = world.client("coordinator")
    sent = coordinator.post("/reports/esf/submissions",
                            json={"project": "KR", "period": "2026-H1"})
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["project"], body["period"], body["as"]) == ("KR", "2026-H1", "now")
    assert body["figures"]["EECO01"] == [2, 2, 0, 0, None]  # (the two mothers)
    read = world.client("auditor").get("/reports/esf?project=KR&period=2026-H1").json()
    assert read["submitted"]["version"] == body["version"]
    assert read["submitted"]["changed_since"] == []

    late = world.intake("KR", occurred_on="2026-03-02", consent_given_on="2026-03-02")
    enter(world, late, late["member_ids"][0], labour_market_status="employed",
          isced="isced_5_8")
    read = world.client("reporting").get("/reports/esf?project=KR&period=2026-H1").json()
    changed = {c["code"]: (c["submitted"], c["now"]) for c in read["submitted"]["changed_since"]}
    assert changed["EECO01"] == (2, 3)
    assert changed["EECO05"] == (0, 1)
    history = world.services.cases.report_submissions("KR")
    assert [(s.period, s.figures["EECO01"][0]) for s in history] == [("2026-H1", 2)]
    assert world.client("reporting").get(
        "/reports/esf?project=KR&period=2026-H2").json()["submitted"] is None


def test_only_coordinators_submit_and_only_valid_periods(world: World,
                                                         entries: dict[str, Any]) -> None:
    for role in ("auditor", "reporting", "case_manager"):
        problem(world.client(role).post("/reports/esf/submissions",
                                        json={"project": "KR", "period": "2026-H1"}), 403)
    problem(world.client("coordinator").post("/reports/esf/submissions",
                                             json={"project": "KR", "period": "2026"}),
            422, "invalid_period", "period")
    problem(world.client("coordinator").post("/reports/esf/submissions",
                                             json={"project": "GL", "period": "2026-H1"}),
            404, "project_not_found")
    assert world.services.cases.report_submissions("KR") == []


def test_an_erasure_through_the_api_leaves_a_submitted_report_without_differences(
        world: World, entries: dict[str, Any]) -> None:
    """Issue 13, item 1: erasing both KR families (one with a participant whose ISCED is
    missing) changes no figure, neither as known now nor at the cut-off; the submitted
    report shows no change since, and nobody becomes incomplete for a lost birth date."""
    coordinator = world.client("coordinator")
    sent = coordinator.post("/reports/esf/submissions",
                            json={"project": "KR", "period": "2026-H1"})
    assert sent.status_code == 201, sent.text
    paths = [f"/reports/esf?project=KR&period={p}&as={a}"
             for p in ("2026-H1", "2026-H2") for a in ("now", "cutoff")]
    before = [coordinator.get(path).json() for path in paths]
    for family in (entries["a"], entries["b"]):
        erased = coordinator.post(f"/families/{family['family_id']}/erasure",
                                  json={"legal_basis": "unlawfully_recorded"})
        assert erased.status_code == 200, erased.text
    after = [coordinator.get(path).json() for path in paths]
    assert after == before
    assert after[0]["submitted"]["changed_since"] == []
    assert [i["missing"] for i in after[0]["incomplete"]] == [["isced"]]
    assert figures(after[0])["EECO01"] == 2
