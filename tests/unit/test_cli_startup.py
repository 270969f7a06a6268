"""The ``lotse`` command line starts fast: reading its commands and options (``lotse
--help``, a mistyped option) loads neither the store, the application, the server nor
the report writers; each command imports those when it runs. Checked by which modules a
fresh interpreter has loaded, not by timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.directory import RoleName
from cli.main import app as cli
from domain.directory import Role

HEAVY = ("fastapi", "starlette", "uvicorn", "eventsourcing", "psycopg", "openpyxl",
         "cryptography", "application", "domain", "projections", "api", "demo")


def loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    """The heavy top-level packages a fresh interpreter has loaded after ``code``."""
    probe = (f"{code}\nimport sys\nprint('loaded:', "
             f"*sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, check=True, env=env)
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


def test_a_command_on_the_embedded_store_loads_neither_psycopg_nor_the_server(
        tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env.update(LOTSE_MODE="development", LOTSE_DATA_DIR=str(tmp_path / "data"))
    (tmp_path / "data").mkdir(mode=0o700)
    (tmp_path / "data" / "lotse.sqlite").touch(mode=0o600)  # (a store, still empty)
    code = ("from cli.main import app\ntry:\n    app(['projections', 'status'])\n"
            "except SystemExit as e:\n    assert not e.code, e.code")
    loaded = loaded_after(code, env)
    assert "projections" in loaded  # it ran
    assert not {"psycopg", "fastapi", "starlette", "uvicorn", "openpyxl"} & set(loaded)


def test_the_roles_the_command_line_offers_are_the_domains_roles() -> None:
    assert [r.value for r in RoleName] == [r.value for r in Role]


def test_a_role_the_domain_does_not_know_is_refused_before_anything_is_opened() -> None:
    result = CliRunner().invoke(cli, ["staff", "add", "--project", "KR", "--role", "boss",
                                      "--name", "X"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "case_manager" in result.output
