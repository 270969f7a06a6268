"""``lotse staff`` changes go through the same command pipeline as the API, as the
operator (an admin of every project): the same rules, the same refusals, recorded by
``cli:<user>``."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.directory import Directory
from cli.main import app as cli
from domain.directory import Role
from tests.support.processes import environment_for


@pytest.fixture
def operator_env(make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings = make_settings()
    for name, value in environment_for(settings).items():
        if name.startswith("LOTSE_"):
            monkeypatch.setenv(name, value)
    with FamilyCases(settings) as app:
        Directory(app).add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=48,
                                   recorded_by="test")
    return settings


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def test_staff_added_on_the_command_line_get_a_working_token_and_a_second_one(
        operator_env: Any) -> None:
    added = run("staff", "add", "--project", "KR", "--role", "case_manager", "--name", "Ana")
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    staff_id = added.output.split()[1]

    second = run("staff", "token", staff_id)
    assert second.exit_code == 0, second.output
    with FamilyCases(operator_env) as app:
        directory = Directory(app)
        actor = directory.authenticate(token)
        assert actor is not None
        assert actor.roles == {"KR": Role.CASE_MANAGER}
        assert directory.authenticate(second.output.strip().splitlines()[-1]) is not None
        assert len(directory.member(staff_id).active_tokens) == 2


def test_a_revoked_token_stops_working_and_an_unknown_one_is_refused(operator_env: Any) -> None:
    added = run("staff", "add", "--project", "KR", "--role", "admin", "--name", "Bea")
    token, staff_id = added.output.strip().splitlines()[-1], added.output.split()[1]
    token_id = token.split("_")[1]

    assert run("staff", "revoke", staff_id, token_id).exit_code == 0
    unknown = run("staff", "revoke", staff_id, "000000000000")

    assert unknown.exit_code == 1
    assert "unknown_token" in unknown.output
    with FamilyCases(operator_env) as app:
        assert Directory(app).authenticate(token) is None


def test_staff_for_a_project_that_does_not_exist_are_refused_and_nothing_is_stored(
        operator_env: Any) -> None:
    result = run("staff", "add", "--project", "XX", "--role", "admin", "--name", "Cem")
    assert result.exit_code == 1
    assert "there is no project XX" in result.output
    with FamilyCases(operator_env) as app:
        assert Directory(app).staff() == []
