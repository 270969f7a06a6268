"""The ``lotse`` command line starts fast: reading its commands and options (``lotse
--help``, a mistyped option) loads neither the store, the application, the server nor
the report writers; each command imports those when it runs. Checked by which modules a
fresh interpreter has loaded, not by timing."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli.directory import RoleName
from cli.main import app as cli
from domain.directory import Role

HEAVY = ("fastapi", "starlette", "uvicorn", "eventsourcing", "psycopg", "openpyxl",
         "cryptography", "application", "domain", "projections", "api", "demo")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter has loaded after ``code``."""
    probe = (f"{code}\nimport sys\nprint('loaded:', "
             f"*sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True)
    last = done.stdout.splitlines()[-1].split()
    assert last[0] == "loaded:", done.stdout
    return last[1:]


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    assert loaded_after("import cli.main") == []


@pytest.mark.parametrize("args", [
    ["--help"], ["staff", "add", "--help"], ["projections", "--help"],
    ["report", "esf", "--help"], ["demo-data", "--help"], ["staff", "add", "--role", "boss"],
])
def test_reading_the_commands_and_their_options_loads_nothing_heavy(args: list[str]) -> None:
    code = ("from cli.main import app\n"
            f"try:\n    app({args!r})\nexcept SystemExit:\n    pass")
    assert loaded_after(code) == []


def test_keygen_loads_neither_the_store_nor_the_server() -> None:
    code = "from cli.main import app\ntry:\n    app(['keygen'])\nexcept SystemExit:\n    pass"
    assert not {"fastapi", "uvicorn", "eventsourcing", "psycopg"} & set(loaded_after(code))


def test_the_roles_the_command_line_offers_are_the_domains_roles() -> None:
    assert [r.value for r in RoleName] == [r.value for r in Role]


def test_a_role_the_domain_does_not_know_is_refused_before_anything_is_opened() -> None:
    result = CliRunner().invoke(cli, ["staff", "add", "--project", "KR", "--role", "boss",
                                      "--name", "X"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "case_manager" in result.output
