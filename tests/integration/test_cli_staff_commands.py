"""``lotse staff`` changes go through the same command pipeline as the API, as the
operator (an admin of every project): the same rules, the same refusals, recorded by
``cli:<user>``."""

from __future__ import annotations

import getpass
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.directory import Directory
from cli.main import app as cli
from domain.directory import DIRECTORY_ID, Role
from tests.support.processes import configure_lotse


@pytest.fixture
def operator_env(make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        Directory(app).add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=48,
                                   recorded_by="test")
    return settings


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "200"})


def issued(output: str) -> tuple[str, str, str]:
    """The staff id, the token id and the token a command printed."""
    staff = re.search(r"\bst-[0-9a-f]+\b", output)
    token = re.search(r"^lotse_([0-9a-f]+)_\S+$", output, re.MULTILINE)
    assert staff is not None, output
    assert token is not None, output
    return staff.group(0), token.group(1), token.group(0)


def test_staff_added_on_the_command_line_get_a_working_token_and_a_second_one(
        operator_env: Any) -> None:
    added = run("staff", "add", "--project", "KR", "--role", "case_manager", "--name", "Ana")
    assert added.exit_code == 0, added.output
    staff_id, _, token = issued(added.output)

    second = run("staff", "token", staff_id)
    assert second.exit_code == 0, second.output
    with FamilyCases(operator_env) as app:
        directory = Directory(app)
        actor = directory.authenticate(token)
        assert actor is not None
        assert actor.roles == {"KR": Role.CASE_MANAGER}
        assert directory.authenticate(issued(second.output)[2]) is not None
        assert len(directory.member(staff_id).active_tokens) == 2
        recorders = {e.recorded_by for e in app.events.get(DIRECTORY_ID)
                     if getattr(e, "staff_id", None) == staff_id}
        assert recorders == {f"cli:{getpass.getuser()}"}


def test_a_revoked_token_stops_working_and_an_unknown_one_is_refused(operator_env: Any) -> None:
    added = run("staff", "add", "--project", "KR", "--role", "admin", "--name", "Bea")
    staff_id, token_id, token = issued(added.output)

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
    assert ("there is no project 'XX' (`lotse projects list` shows the codes) (rule: "
            "unknown_project)") in " ".join(result.output.split())
    with FamilyCases(operator_env) as app:
        assert Directory(app).staff() == []


@pytest.mark.parametrize(("args", "said"), [
    (("staff", "add", "--project", "KR", "--role", "admin", "--name", ""),
     "name: String should have at least 1 character"),
    (("staff", "token", "st-nobody"), "unknown_staff"),
])
def test_bad_input_is_refused_in_a_sentence_with_nothing_stored(
        operator_env: Any, args: tuple[str, ...], said: str) -> None:
    result = run(*args)
    assert result.exit_code == 1
    assert said in result.output
    assert "Traceback" not in result.output
    with FamilyCases(operator_env) as app:
        assert Directory(app).staff() == []


def test_a_password_set_on_the_command_line_signs_in_and_a_new_one_replaces_it(
        operator_env: Any) -> None:
    from application.sign_in import SignIns

    added = run("staff", "add", "--project", "KR", "--role", "case_manager", "--name", "Ana")
    staff_id, _, _ = issued(added.output)
    generated = run("staff", "password", staff_id, "--user-name", "ana.k")
    assert generated.exit_code == 0, generated.output
    password = generated.output.strip().splitlines()[-1]
    assert len(password) >= 16
    assert "shown once" in generated.output
    chosen = CliRunner().invoke(cli, ["staff", "password", staff_id, "--user-name", "ana.k",
                                      "--password-stdin"], input="lang-und-geheim\n")
    assert chosen.exit_code == 0, chosen.output
    assert "lang-und-geheim" not in chosen.output
    short = CliRunner().invoke(cli, ["staff", "password", staff_id, "--user-name", "ana.k",
                                     "--password-stdin"], input="kurz\n")
    assert short.exit_code == 1
    assert "password_too_short" in short.output
    unknown = run("staff", "password", "st-00000000", "--user-name", "nobody")
    assert unknown.exit_code == 1
    with FamilyCases(operator_env) as app:
        sign_ins = SignIns.for_cases(app)
        assert sign_ins.sign_in("ana.k", password, None) is None
        assert sign_ins.sign_in("ana.k", "lang-und-geheim", None) == staff_id
        assert sign_ins.user_name_of(staff_id) == "ana.k"
