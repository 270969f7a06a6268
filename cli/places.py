"""``lotse projects places`` and ``lotse projects partners``: where a project works and
the institutions it works with, listed, added, changed and retired through the pipeline
(``application/commands/places.py``). A partner has a contact role, never a person."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.store import command_group, console, execute, indented, open_cases, refused

places_app = command_group("A project's places (family centre, school, Kita, ...).")
partners_app = command_group("A project's partner institutions.")

Code = Annotated[str, typer.Argument(help="The project, e.g. KR")]
Id = Annotated[str, typer.Argument(help="The id `list` shows")]
Name = Annotated[str, typer.Option(help="e.g. 'Familienzentrum Westwall'")]
NBSP = "\u00a0"
PartnerName = Annotated[str, typer.Option("--name", help="e.g. 'Jobcenter Krefeld'")]
Kind = Annotated[str, typer.Option(help="family_centre, school, kita, quarter_office, "
                                        "jobcenter, online or other")]
Type = Annotated[str, typer.Option("--type", help=(
    "jobcenter, debt_counselling, migration_counselling, childcare, school, "
    "youth_office, health_service, counselling_service, ... or other"))]
Role = Annotated[str | None, typer.Option(help="A function, e.g. 'Teamleitung "
                                               "Eingliederung' (no person's name)")]
District = Annotated[str | None, typer.Option(help="One of the project's districts")]


def _listed(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Each place or partner as a short block (its name, then what it is, then the id
    that change and retire take): readable in a narrow terminal, where a table of six
    columns is not."""
    if not rows:
        console.print("None yet.")
    for row in rows:
        facts = [f"{c.replace('_', NBSP)}:{NBSP}{row[c] or '-'}" for c in columns  # (a
                 if c != "name"]  # name and its value on one line: a lone "-" reads as a bullet)
        facts.append("active" if row["active"] else "retired")
        console.print(f"[bold]{row['name']}[/bold]", highlight=False)
        indented(" · ".join(facts))
        indented(f"id {row.get('place_id') or row['partner_id']}")


def _list(code: str, things: str, columns: tuple[str, ...]) -> None:
    """List a project's places or partners (``things``), retired ones last."""
    from application.commands.places import partner_answer, place_answer
    from application.directory import Directory
    from domain.errors import DomainError

    answer = place_answer if things == "places" else partner_answer
    with open_cases() as cases:
        try:
            found = getattr(Directory(cases).project(code), things).values()
        except DomainError as e:
            raise refused(e) from None
        rows = [answer(code, p) for p in sorted(
            found, key=lambda p: (not p.active, p.name.casefold()))]
    _listed(rows, columns)


@places_app.command("list")
def places_list(code: Code) -> None:
    """List a project's places (retired ones last)."""
    _list(code, "places", ("name", "kind", "district"))


@places_app.command("add")
def places_add(code: Code, name: Name, kind: Kind, district: District = None) -> None:
    """Add a place where the project works."""
    from application.commands.places import AddPlace

    with open_cases() as cases:
        answer = execute(cases, AddPlace, project=code, name=name, kind=kind,
                         district=district)
    console.print(f"Place {answer['name']} added: {answer['place_id']}", highlight=False)


@places_app.command("change")
def places_change(code: Code, place_id: Id, name: Name, kind: Kind,
                  district: District = None) -> None:
    """Change a place's name, kind and district (all as they are now)."""
    from application.commands.places import ChangePlace

    with open_cases() as cases:
        answer = execute(cases, ChangePlace, project=code, place_id=place_id, name=name,
                         kind=kind, district=district)
    console.print(f"Place {answer['name']} changed.", highlight=False)


@places_app.command("retire")
def places_retire(code: Code, place_id: Id) -> None:
    """The project works at the place no more."""
    from application.commands.places import RetirePlace

    with open_cases() as cases:
        answer = execute(cases, RetirePlace, project=code, place_id=place_id)
    console.print(f"Place {answer['name']} retired.", highlight=False)


@partners_app.command("list")
def partners_list(code: Code) -> None:
    """List a project's partner institutions (retired ones last)."""
    _list(code, "partners", ("name", "institution_type", "contact_role", "district"))


@partners_app.command("add")
def partners_add(code: Code, name: PartnerName, institution_type: Type, contact_role: Role = None,
                 district: District = None) -> None:
    """Add a partner institution, with a contact role (a function, not a person)."""
    from application.commands.places import AddPartner

    with open_cases() as cases:
        answer = execute(cases, AddPartner, project=code, name=name,
                         institution_type=institution_type, contact_role=contact_role,
                         district=district)
    console.print(f"Partner {answer['name']} added: {answer['partner_id']}", highlight=False)


@partners_app.command("change")
def partners_change(code: Code, partner_id: Id, name: PartnerName, institution_type: Type,
                    contact_role: Role = None, district: District = None) -> None:
    """Change a partner's name, type, contact role and district (all as they are now)."""
    from application.commands.places import ChangePartner

    with open_cases() as cases:
        answer = execute(cases, ChangePartner, project=code, partner_id=partner_id,
                         name=name, institution_type=institution_type,
                         contact_role=contact_role, district=district)
    console.print(f"Partner {answer['name']} changed.", highlight=False)


@partners_app.command("retire")
def partners_retire(code: Code, partner_id: Id) -> None:
    """The project works with the partner no more: referrals cannot name it."""
    from application.commands.places import RetirePartner

    with open_cases() as cases:
        answer = execute(cases, RetirePartner, project=code, partner_id=partner_id)
    console.print(f"Partner {answer['name']} retired.", highlight=False)
