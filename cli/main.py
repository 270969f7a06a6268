"""``lotse``: the command line (server, projects and staff, demo data, views, reports,
keys, tamper evidence, retention). Only typer is imported here; each command imports
what it needs when it runs."""

from __future__ import annotations

from cli.access import access_app
from cli.audit import audit_app
from cli.backup import backup_app
from cli.demo import demo, demo_data
from cli.directory import projects_app, staff_app
from cli.places import partners_app, places_app
from cli.report import report_app
from cli.retention import retention_app
from cli.server import keygen, serve
from cli.store import command_group
from cli.views import projections_app

app = command_group("Lotse: case tracking for ESF+ family coaching programmes.")
app.command()(serve)
app.command()(demo)
app.command("demo-data")(demo_data)
app.command()(keygen)
app.add_typer(projects_app, name="projects")
projects_app.add_typer(places_app, name="places")
projects_app.add_typer(partners_app, name="partners")
app.add_typer(staff_app, name="staff")
app.add_typer(projections_app, name="projections")
app.add_typer(report_app, name="report")
app.add_typer(audit_app, name="audit")
app.add_typer(backup_app, name="backup")
app.add_typer(access_app, name="access")
app.add_typer(retention_app, name="retention")


def main() -> None:
    app()
