"""``lotse``: the command line."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from application.cases import FamilyCases
from application.settings import ConfigurationError, Settings, new_key_text
from domain.rules import PROGRAMME_TZ, today_in_programme

app = typer.Typer(help="Lotse: case tracking for ESF+ family coaching programmes.",
                  no_args_is_help=True)
console = Console()


def _application() -> FamilyCases:
    try:
        return FamilyCases(Settings())
    except ConfigurationError as e:
        console.print(f"[red]Configuration error:[/red] {e}")
        raise typer.Exit(2) from None


@app.command()
def demo() -> None:
    """Record a fictional family's story in the store and print its history."""
    from api.demo import record_demo_family

    settings = Settings()
    with _application() as cases:
        fid = record_demo_family(cases, today_in_programme())
        view = cases.get_case(fid)
        table = Table(title=f"History of case {view.state.case_number} ({fid})")
        for column in ("v", "event", "occurred", "recorded", "by", "facts"):
            table.add_column(column, overflow="fold")
        for e in cases.history(fid):
            table.add_row(str(e.version), e.event, e.occurred_on.isoformat(),
                          e.recorded_at.astimezone(PROGRAMME_TZ).strftime("%Y-%m-%d %H:%M"),
                          e.recorded_by, _summary(e.facts))
        console.print(table)
        store = (settings.database_url and "PostgreSQL") or str(settings.sqlite_path)
        console.print(f"Case {view.state.case_number}: {view.state.status.value}, version "
                      f"{view.version}, stored in {store}")


def _summary(facts: dict[str, Any]) -> str:
    """The facts an auditor scans for: ids left out, members by name."""
    parts = []
    for key, value in facts.items():
        if key.endswith(("_id", "_ids")) or key == "members_present" or value in (None, []):
            continue
        if key in ("members", "member"):
            people = value if isinstance(value, list) else [value]
            value = ", ".join(f"{m['given_name']} ({m['role']})" for m in people)
        elif isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={value}")
    return "; ".join(parts)


@app.command()
def keygen() -> None:
    """Print a new master key for LOTSE_MASTER_KEY."""
    console.print(new_key_text())


def main() -> None:
    app()
