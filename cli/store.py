"""What the commands that open the store share: the console they print to, the
settings and the application they open, who ran them, and how a refusal is printed."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from application.settings import Settings
    from domain.errors import DomainError

console = Console()


def open_settings() -> Settings:
    """The settings from the environment, with the master key resolved (exit 2 if not)."""
    from application.settings import ConfigurationError, Settings

    try:
        settings = Settings()
        settings.resolve_master_key()
    except (ConfigurationError, ValueError) as e:
        console.print(f"[red]Configuration error:[/red] {e}")
        raise typer.Exit(2) from None
    return settings


def open_cases() -> FamilyCases:
    """The application on the configured store (exit 2 if it cannot be opened)."""
    from application.cases import FamilyCases
    from application.settings import ConfigurationError

    settings = open_settings()
    try:
        return FamilyCases(settings)
    except ConfigurationError as e:
        console.print(f"[red]Configuration error:[/red] {e}")
        raise typer.Exit(2) from None


def operator() -> str:
    """Who ran a command-line change (recorded with its events)."""
    return f"cli:{getpass.getuser()}"


def refused(error: DomainError) -> typer.Exit:
    """Print the rule a command broke; the exit to raise."""
    console.print(f"[red]{error.message}[/red] (rule: {error.rule})")
    return typer.Exit(1)
