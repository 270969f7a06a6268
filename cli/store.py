"""What the commands that open the store share: the console they print to, the
settings and the application they open, who ran them, and how a refusal is printed."""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from pathlib import Path

    from rich.table import Table

    from application.cases import FamilyCases
    from application.commands.base import Command
    from application.settings import Settings
    from domain.errors import DomainError

class _Terminal(Console):
    """A console as wide as the terminal (or COLUMNS) is when it prints, not when it was
    made: rich fixes the width it finds in COLUMNS at creation, so output made later
    for a narrower terminal (a resized one; a test invoking a command with COLUMNS=60
    in a process started with 80) was wrapped for the old width."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if "width" not in options:
            self._width = None


def indented(text: str) -> None:
    """A line of a listed item's block, two spaces in; a line too long for the terminal
    wraps to the same indentation (the item's name stands out on its own line)."""
    import textwrap

    console.print(textwrap.fill(text, width=max(20, console.width), initial_indent="  ",
                                subsequent_indent="  ", break_on_hyphens=False),
                  markup=False, highlight=False)


def command_group(help: str) -> typer.Typer:
    """A group of commands (``lotse``, ``lotse staff``, ...) whose help reads as prose
    at any width: in Markdown mode the lines of a docstring join into one paragraph
    (typer's default mode kept every line break of the source in the command lists,
    breaking sentences in the middle of the terminal's line)."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode="markdown")


console = _Terminal()
errors = _Terminal(stderr=True)
"""Refusals and configuration errors: on standard error, so that a script reading a
command's output (a token) never takes an error message for it."""


@contextmanager
def configuration_refused() -> Iterator[None]:
    """A configuration error inside (a setting pydantic refuses included) is printed in
    a sentence and exits 2."""
    from pydantic import ValidationError

    from application.settings import ConfigurationError

    try:
        yield
    except (ConfigurationError, ValidationError) as e:
        errors.print(f"[red]Configuration error:[/red] {e}")
        raise typer.Exit(2) from None


def open_settings() -> Settings:
    """The settings from the environment, with the master key resolved (exit 2 if not)."""
    from application.settings import Settings

    with configuration_refused():
        settings = Settings()
        settings.resolve_master_key()
    return settings


def require_signing_key(settings: Settings) -> None:
    """Processes that sign checkpoints (the server, `lotse projections run`) need the
    signing key outside development mode (exit 2 without it)."""
    with configuration_refused():
        settings.resolve_signing_key()


def require_private_store(settings: Settings) -> None:
    """The embedded store's directory must be the owner's alone outside development
    (exit 2 if others may read it; see ``application/files.py``)."""
    from application.files import secure_data_dir

    if not settings.uses_postgres:
        with configuration_refused():
            secure_data_dir(settings)


def open_cases(*, new_store: bool = False) -> FamilyCases:
    """The application on the configured store (exit 2 if it cannot be opened). Only the
    commands that set a store up (``new_store``) make an embedded one where there is
    none: any other, given a mistyped LOTSE_DATA_DIR, would work on a new, empty store
    and report that all is well (no projects, nothing altered, nothing due)."""
    from application.cases import FamilyCases

    settings = open_settings()
    if not new_store and not settings.uses_postgres and not settings.sqlite_path.exists():
        errors.print(f"[red]There is no Lotse store in {settings.data_dir}[/red] (no "
                     f"{settings.sqlite_path.name}): check LOTSE_DATA_DIR. `lotse projects "
                     "add`, `lotse demo` and `lotse serve` start a new store.",
                     highlight=False)
        raise typer.Exit(2)
    with configuration_refused():
        return FamilyCases(settings)


def operator() -> str:
    """Who ran a command-line change (recorded with its events)."""
    return f"cli:{getpass.getuser()}"


def execute(cases: FamilyCases, command: type[Command], **fields: Any) -> dict[str, Any]:
    """Make ``command`` of ``fields`` and run it through the pipeline every transport
    uses, as the operator: an admin of every project (whoever runs ``lotse`` holds the
    master key anyway). The answer's body; a refusal is printed and exits 1."""
    from pydantic import ValidationError

    from application.directory import Actor, Directory
    from application.pipeline import Pipeline
    from application.refusals import Refusal
    from domain.directory import Role
    from domain.errors import DomainError

    directory = Directory(cases)
    actor = Actor(operator(), None, {p.code: Role.ADMIN for p in directory.projects()})
    try:
        intended = command(**fields)
        return Pipeline.for_cases(cases, directory).execute(intended, actor).body
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        said = ("a date reads like 2027-03-15 (year, month, day)"
                if str(first["type"]).startswith("date_") else first["msg"])
        errors.print(f"[red]{where}: {said}[/red] (rule: {first['type']})", highlight=False)
        raise typer.Exit(1) from None
    except DomainError as e:
        raise refused(e) from None
    except Refusal as e:
        detail, rule = e.detail, e.rule
        if rule == "project_not_found":  # the operator sees every project there is
            detail, rule = (f"there is no project {fields.get('project')!r}{PROJECTS_HINT}",
                            "unknown_project")
        errors.print(f"[red]{detail}[/red] (rule: {rule})")
        raise typer.Exit(1) from None


@contextmanager
def export_file(path: Path | None) -> Iterator[int | None]:
    """A new file for an export (0600, opened for writing: its descriptor; None without
    a path), made before anything is read; one that exists, a folder that does not, or
    one that may not be written to is refused in a sentence (exit 1): exports hold
    personal data and never write over a file. If what runs inside fails (a refusal
    included), the file goes again: no empty export is left behind."""
    if path is None:
        yield None
        return
    from application.files import create_private_file

    try:
        fd = create_private_file(path)
    except FileExistsError:
        problem = "exists already: name a new file"
    except FileNotFoundError:
        problem = f"cannot be made: there is no folder {path.parent}"
    except IsADirectoryError:
        problem = "is a folder: name a new file"
    except PermissionError:
        problem = f"cannot be made: {path.parent} may not be written to"
    else:
        try:
            yield fd
        except BaseException:
            with contextlib.suppress(OSError):  # (closed already if writing failed)
                os.close(fd)
            path.unlink()
            raise
        return
    errors.print(f"[red]{path} {problem}[/red]", highlight=False)
    raise typer.Exit(1)


def fits(*tables: Table) -> bool:
    """Whether the tables fit the terminal with nothing cut off (a column that wraps
    wraps between words): where they do not, a command lists its items as blocks."""
    from rich.measure import Measurement

    wide = console.options.update_width(10_000)  # (measured as if the terminal were wide)
    return all(Measurement.get(console, wide, t).minimum <= console.width for t in tables)


PROJECTS_HINT = " (`lotse projects list` shows the codes)"
"""Said with a refusal that names an unknown project."""


def refused(error: DomainError) -> typer.Exit:
    """Print the rule a command broke; the exit to raise."""
    hint = PROJECTS_HINT if error.rule == "unknown_project" else ""
    errors.print(f"[red]{error.message}[/red]{hint} (rule: {error.rule})", highlight=False)
    return typer.Exit(1)
