"""What the command line prints stays whole in a narrow terminal: tables where they fit,
a line per person or view where they do not (a table squeezed below its width cuts
names and numbers off with "…")."""

from __future__ import annotations

import pytest

from cli.demo import _print_sign_ins
from demo.loading import DemoStaff

STAFF = [DemoStaff("st-1", "Claudia Wiegand", "KR", "case_manager", "t1", "claudia.wiegand",
                   "ze3m-tbad-cx4x"),
         DemoStaff("st-2", "Berichtswesen Familiencoaching", "GL", "reporting", "t2",
                   "berichte.gl", "5h8t-rgt9-zn2y")]


@pytest.mark.parametrize("columns", [80, 60, 40])
def test_demo_sign_ins_print_every_name_and_password_whole(
        columns: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    _print_sign_ins(STAFF)
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    words = printed.replace(",", " ").split()
    assert max(len(line.rstrip()) for line in lines) <= columns
    assert "…" not in printed
    for s in STAFF:
        assert s.user_name in words
        assert s.password in words
        assert all(part in words for part in s.name.split())
    if columns == 80:  # (the table: a row per person, the name wrapped by words at most)
        assert any(line.split()[:2] == ["case_manager", "Claudia"] for line in lines)
    else:
        assert "Claudia Wiegand (case_manager): user name claudia.wiegand password " \
            "ze3m-tbad-cx4x" in " ".join(words)


GROUPS = [[], ["projects"], ["projects", "places"], ["projects", "partners"], ["staff"],
          ["projections"], ["report"], ["audit"], ["backup"], ["access"], ["retention"]]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: " ".join(["lotse", *g]))
def test_each_command_s_help_in_a_list_is_one_paragraph_not_the_docstring_s_lines(
        group: list[str]) -> None:
    """In a terminal wide enough for every command's first paragraph, each command of a
    group takes one line: the docstring's own line breaks ("families with up to 18" /
    "months of casework") are not the terminal's."""
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, [*group, "--help"], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    panel = [line for line in result.output.split("Commands")[1].splitlines()
             if line.startswith("│")]
    names = [line.strip("│ ").split()[0] for line in panel]
    assert len(panel) >= 1
    assert all(name.islower() for name in names), panel  # (no line continues another)

