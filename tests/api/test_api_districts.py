"""A project's districts: set as a directory event (API, command line), shown with the
project, and the list an intake must choose from once it exists."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from application.directory import Directory
from cli.main import app as cli
from domain.directory import StaffDirectory
from domain.errors import InvalidInput, RuleViolation
from tests.support.processes import configure_lotse
from tests.support.world import World, intake_body

KR = ["Krefeld-Mitte", "Krefeld-Süd", "Uerdingen"]


def test_a_coordinator_sets_the_districts_and_every_project_list_shows_them(
        world: World) -> None:
    answer = world.client("coordinator").post("/projects/KR/districts", json={"districts": KR})

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"project": "KR", "districts": KR}
    shown = world.client("case_manager").get("/projects").json()
    assert shown[0]["districts"] == KR
    assert world.services.directory.project("KR").districts == tuple(KR)
    assert world.services.directory.project("GL").districts == ()


def test_an_intake_outside_the_projects_districts_is_refused_naming_the_rule_and_field(
        world: World) -> None:
    world.services.directory.set_districts(project="KR", districts=KR, recorded_by="test")
    client = world.client("case_manager")

    refused = client.post("/families", json=intake_body(district="Atlantis"))

    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["rule"] == "unknown_district"
    assert "district" in str(body)
    assert client.get("/families").json()["total"] == 0
    assert client.post("/families", json=intake_body(district="Uerdingen")).status_code == 201


def test_a_project_without_districts_takes_any_district_as_before(world: World) -> None:
    assert world.intake(district="Irgendwo")["case_number"].startswith("KR-")


def test_the_list_is_refused_empty_repeated_or_unchanged() -> None:
    directory = StaffDirectory.start()
    directory.add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=None,
                          recorded_by="test")
    for bad in ([], ["Mitte", " "], ["Mitte", "Mitte "]):
        with pytest.raises(InvalidInput):
            directory.set_districts(project="KR", districts=bad, recorded_by="test")
    directory.set_districts(project="KR", districts=[" Mitte", "Süd"], recorded_by="test")
    assert directory.projects["KR"].districts == ("Mitte", "Süd")
    with pytest.raises(RuleViolation, match="already"):
        directory.set_districts(project="KR", districts=["Mitte", "Süd"], recorded_by="test")


def test_the_command_line_sets_the_districts_and_lists_them(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = world.services.cases.settings
    world.services.cases.close()
    configure_lotse(monkeypatch, settings)

    done: Any = CliRunner().invoke(cli, ["projects", "districts", "KR", *KR],
                                   env={"COLUMNS": "200"})
    listed: Any = CliRunner().invoke(cli, ["projects", "list"], env={"COLUMNS": "200"})
    narrow: Any = CliRunner().invoke(cli, ["projects", "list"], env={"COLUMNS": "40"})
    unknown: Any = CliRunner().invoke(cli, ["projects", "districts", "XX", "Mitte"])

    assert done.exit_code == 0, done.output
    assert "Districts of KR: Krefeld-Mitte, Krefeld-Süd, Uerdingen." in done.output
    assert "Krefeld-Süd" in listed.output
    assert "…" not in narrow.output  # (a block per project: nothing cut off at 40 columns)
    assert max(len(line) for line in narrow.output.splitlines()) <= 40
    assert "districts: Krefeld-Mitte, Krefeld-Süd, Uerdingen" in " ".join(narrow.output.split())
    assert unknown.exit_code == 1
    from application.cases import FamilyCases

    with FamilyCases(settings) as cases:
        assert Directory(cases).project("KR").districts == tuple(KR)
