"""The command line and its data directory: a mistyped one is named, not taken for a new
empty store; a file in its place is a sentence, not a traceback. On the store then made,
what an operator mistypes is answered with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_mistyped_data_directory_is_named_not_taken_for_a_new_empty_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands that only read or change a store refuse a data directory without one:
    on a new, empty store they would list no projects, verify "nothing altered" and find
    nothing due. The commands that set a store up make it. A file named as the data
    directory is a sentence, not a traceback."""
    from typer.testing import CliRunner

    from application.settings import new_key_text
    from cli.main import app

    monkeypatch.setenv("LOTSE_MODE", "production")
    monkeypatch.setenv("LOTSE_MASTER_KEY", new_key_text())
    monkeypatch.setenv("LOTSE_SIGNING_KEY", new_key_text())
    monkeypatch.setenv("LOTSE_PASSWORD_HASHING", "light")
    monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    missing = tmp_path / "lotse-dta"  # (a typo)
    monkeypatch.setenv("LOTSE_DATA_DIR", str(missing))
    runner = CliRunner()
    for args in (["projects", "list"], ["audit", "verify"], ["retention", "run", "--dry-run"],
                 ["staff", "list"], ["projections", "status"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "There is no Lotse store in" in result.output
        assert "check LOTSE_DATA_DIR" in " ".join(result.output.split())
    assert not missing.exists()

    added = runner.invoke(app, ["projects", "add", "KR", "--name", "WiQ Plus Krefeld"])
    listed = runner.invoke(app, ["projects", "list"])
    assert added.exit_code == 0, added.output
    assert "WiQ Plus Krefeld" in listed.output
    german_date = runner.invoke(app, ["projects", "last-payment", "KR", "15.03.2027"])
    no_such = runner.invoke(app, ["projects", "places", "list", "XX"])
    assert german_date.exit_code == no_such.exit_code == 1
    assert "paid_on: a date reads like 2027-03-15" in " ".join(german_date.output.split())
    assert "there is no project 'XX' (`lotse projects list` shows the codes)" in \
        " ".join(no_such.output.split())
    wrong_day = runner.invoke(app, ["retention", "run", "--dry-run", "--today", "07.12.2026"],
                              env={"COLUMNS": "100"})
    assert wrong_day.exit_code == 2, wrong_day.output
    assert "Invalid value for '--today': '07.12.2026' is not a date like 2033-01-01" in \
        wrong_day.output
    staff = runner.invoke(app, ["staff", "add", "--project", "KR", "--role", "reporting",
                                "--name", "Berichtswesen WiQ Plus Krefeld"])
    assert staff.exit_code == 0, staff.output
    for columns in ("80", "40"):  # (a table, then a block each: no name cut off)
        shown = runner.invoke(app, ["staff", "list"], env={"COLUMNS": columns})
        assert shown.exit_code == 0, shown.output
        assert "…" not in shown.output
        assert "Krefeld" in shown.output
        assert "KR: reporting" in " ".join(shown.output.split())

    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    monkeypatch.setenv("LOTSE_DATA_DIR", str(a_file))
    setting_up = runner.invoke(app, ["projects", "add", "GL", "--name", "Gladbeck"])
    reading = runner.invoke(app, ["projects", "list"])
    assert setting_up.exit_code == reading.exit_code == 2, setting_up.output + reading.output
    assert f"{a_file} is a file, not a folder" in " ".join(setting_up.output.split())
    assert "There is no Lotse store in" in reading.output
    assert a_file.read_text() == "not a folder"
