"""``lotse access export`` (issue 13 item 9): the operator's subject access export, JSON
or the German document, written 0600, and logged in the read log."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.read_log import ReadLog
from cli.main import app as cli
from tests.support.builders import open_case
from tests.support.processes import configure_lotse


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "100"})


@pytest.mark.store_independent
def test_the_operator_exports_a_person_as_json_and_as_a_german_document(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        opened, members = open_case(app)
    family, parent = opened.family_id, members[0].member_id

    printed = run("access", "export", str(family), str(parent))
    assert printed.exit_code == 0, printed.output
    body = json.loads(printed.stdout)
    assert body["subject"]["given_name"] == "Amira"
    assert body["read_log"][0]["endpoint"] == "lotse access export"

    page = tmp_path / "auskunft.html"
    written = run("access", "export", str(family), str(parent), "--format", "html",
                  "--output", str(page))
    assert written.exit_code == 0, written.output
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert "Auskunft nach Art. 15 DSGVO: Amira Okonkwo-Brandt" in page.read_text()
    assert run("access", "export", str(family), str(parent), "--output",
               str(page)).exit_code == 1  # never overwritten

    with FamilyCases(settings) as app:
        total, entries = ReadLog(app.tables).entries(projects={"KR"}, family_id=family)
    assert total == 2
    assert {e.staff_id for e in entries} == {f"cli:{__import__('getpass').getuser()}"}
    unknown = run("access", "export", str(family), str(family))
    assert unknown.exit_code == 1
    assert "member_not_found" in unknown.output


@pytest.mark.store_independent
def test_a_refused_export_leaves_no_file_behind(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The file is made before anything is read (so that a file that exists is refused
    first); whatever refuses the export afterwards takes it away again: an unknown
    member, or no store where LOTSE_DATA_DIR points."""
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        opened, _ = open_case(app)
    family = str(opened.family_id)
    unknown_member = tmp_path / "member.json"
    no_store = tmp_path / "no-store.json"

    refused = run("access", "export", family, family, "--output", str(unknown_member))
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "elsewhere"))
    nowhere = run("access", "export", family, family, "--output", str(no_store))

    assert refused.exit_code == 1, refused.output
    assert "member_not_found" in refused.output
    assert nowhere.exit_code == 2, nowhere.output
    assert "There is no Lotse store in" in nowhere.output
    assert not unknown_member.exists()
    assert not no_store.exists()
