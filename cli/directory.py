"""``lotse projects`` and ``lotse staff``: programme sites, staff accounts, their roles
and tokens. Every change is an event of the directory, recorded with who ran it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from cli.store import (
    command_group,
    console,
    errors,
    execute,
    fits,
    indented,
    open_cases,
    operator,
    refused,
)

if TYPE_CHECKING:
    from application.cases import FamilyCases

projects_app = command_group("Programme sites (projects).")
staff_app = command_group("Staff accounts, roles and tokens.")


class RoleName(StrEnum):
    """The roles of ``domain.directory.Role``, spelled out here so that reading the
    options does not load the domain (a test keeps the two the same)."""

    CASE_MANAGER = "case_manager"
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    REPORTING = "reporting"
    ADMIN = "admin"


@projects_app.command("add")
def projects_add(code: Annotated[str, typer.Argument(help="2-10 capitals/digits, e.g. KR")],
                 name: Annotated[str, typer.Option(help="e.g. 'WiQ Plus Krefeld'")],
                 yearly_target: Annotated[int | None, typer.Option(
                     help="Families to reach per year.")] = None) -> None:
    """Add a project (a programme site)."""
    from application.directory import Directory
    from domain.errors import DomainError

    with open_cases(new_store=True) as cases:
        try:
            project = Directory(cases).add_project(code=code, name=name,
                                                   yearly_target=yearly_target,
                                                   recorded_by=operator())
        except DomainError as e:
            raise refused(e) from None
    console.print(f"Project {project.code} ({project.name}) added.")


@projects_app.command("list")
def projects_list() -> None:
    """List the projects: code and name, yearly target, the programme's last payment and
    how long the project's documents are kept, its districts."""
    from application.directory import Directory
    from domain.retention import retention_ends_on

    with open_cases() as cases:
        projects = Directory(cases).projects()
    if not projects:
        console.print("None yet.")
    for p in projects:  # (a short block each, as places and partners: whole at any width)
        paid = p.last_payment_on
        kept = "-" if paid is None else str(retention_ends_on(paid))
        console.print(f"[bold]{p.code}[/bold]  {p.name}", highlight=False)
        indented(f"yearly target: {p.yearly_target or '-'} · last payment: {paid or '-'} · "
                 f"kept until: {kept}")
        indented(f"districts: {', '.join(p.districts) or '-'}")


@projects_app.command("last-payment")
def projects_last_payment(
        code: Annotated[str, typer.Argument(help="The project, e.g. KR")],
        paid_on: Annotated[str, typer.Argument(help="The day of the programme's last "
                                               "payment to it, e.g. 2027-03-15")]) -> None:
    """Record the programme's last payment to a project: its documents are kept until
    31 December five years after that year, then `lotse retention run` erases them. A
    day before the project's latest casework is refused (exit 1), naming that date."""
    from application.commands.retention import RecordLastPayment

    with open_cases() as cases:
        answer = execute(cases, RecordLastPayment, project=code, paid_on=paid_on)
    console.print(f"Last payment to {code} on {answer['last_payment_on']}: retention "
                  f"ends {answer['retention_ends_on']}, erasure due from "
                  f"{answer['erasure_due_from']}.", highlight=False)


@projects_app.command("districts")
def projects_districts(
        code: Annotated[str, typer.Argument(help="The project, e.g. KR")],
        districts: Annotated[list[str], typer.Argument(help=(
            "Its districts, in the order intake forms offer them, e.g. "
            "'Krefeld-Mitte' 'Krefeld-Süd'"))]) -> None:
    """Set a project's districts: an intake then chooses one of them (a later list
    replaces the earlier one; cases opened before keep their district)."""
    from application.commands.districts import SetDistricts

    with open_cases() as cases:
        answer = execute(cases, SetDistricts, project=code, districts=districts)
    console.print(f"Districts of {code}: {', '.join(answer['districts'])}.", highlight=False)


StaffId = Annotated[str, typer.Argument(help=(
    "The staff member's id, e.g. st-1a2b3c4d (`lotse staff list` shows them)."))]


@staff_app.command("add")
def staff_add(project: Annotated[str, typer.Option(help="Project code.")],
              role: Annotated[RoleName, typer.Option(help="Role in that project.")],
              name: Annotated[str, typer.Option(help="Full name.")]) -> None:
    """Add a staff member; the last line printed is their token, shown only now."""
    from application.commands.staff import AddStaff

    with open_cases() as cases:
        issued = execute(cases, AddStaff, project=project, name=name, role=role.value)
    console.print(f"Staff {issued['staff_id']} is {role} in {project}. Token (shown once):")
    print(issued["token"])


@staff_app.command("grant")
def staff_grant(staff_id: StaffId, project: Annotated[str, typer.Option(help="Project code.")],
                role: Annotated[RoleName, typer.Option(help="Role in that project.")]) -> None:
    """Give a staff member a role in (another) project."""
    from application.directory import Directory
    from domain.directory import Role
    from domain.errors import DomainError

    with open_cases() as cases:
        try:
            Directory(cases).grant_role(staff_id=staff_id, project=project, role=Role(role),
                                        recorded_by=operator())
        except DomainError as e:
            raise refused(e) from None
    console.print(f"{staff_id} is now {role} in {project}.")


@staff_app.command("token")
def staff_token(staff_id: StaffId) -> None:
    """Issue another token; the last line printed is the token, shown only now."""
    from application.commands.staff import IssueToken

    with open_cases() as cases:
        issued = execute(cases, IssueToken, project=_a_project_of(cases, staff_id),
                         staff_id=staff_id)
    console.print(f"New token {issued['token_id']} for {staff_id} (shown once):")
    print(issued["token"])


@staff_app.command("password")
def staff_password(
        staff_id: StaffId,
        user_name: Annotated[str, typer.Option(help=(
            "The name they sign in with (lower-case letters, digits, '.', '_', '-').")),
        ],
        password_stdin: Annotated[bool, typer.Option(help=(
            "Read the password from standard input instead of generating one."))] = False,
) -> None:
    """Set the user name and password a staff member signs in to the web interface with
    (argon2id; their open sessions end). Without --password-stdin a password is
    generated; the last line printed is the password, shown only now."""
    import secrets
    import sys

    from application.directory import Directory
    from application.sign_in import SignIns
    from domain.errors import DomainError

    generated = not password_stdin
    password = secrets.token_urlsafe(12) if generated else sys.stdin.readline().rstrip("\n")
    with open_cases() as cases:
        try:
            Directory(cases).member(staff_id)
            SignIns.for_cases(cases).set_password(staff_id, user_name, password,
                                               set_by=operator())
        except DomainError as e:
            raise refused(e) from None
    console.print(f"{staff_id} signs in as {user_name}." + (
        " Password (shown once):" if generated else ""))
    if generated:
        print(password)


@staff_app.command("revoke")
def staff_revoke(staff_id: StaffId, token_id: Annotated[str, typer.Argument(
        help="The token id (the part after `lotse_`, before the next `_`).")]) -> None:
    """Revoke a token; running servers refuse it within about a second."""
    from application.commands.staff import RevokeToken

    with open_cases() as cases:
        execute(cases, RevokeToken, project=_a_project_of(cases, staff_id), staff_id=staff_id,
                token_id=token_id)
    console.print(f"Token {token_id} of {staff_id} revoked.")


def _a_project_of(cases: FamilyCases, staff_id: str) -> str:
    """A project the staff member works in (a token opens all of them)."""
    from application.directory import Directory
    from domain.errors import DomainError

    try:
        roles = Directory(cases).member(staff_id).roles
    except DomainError as e:
        raise refused(e) from None
    if not roles:
        errors.print(f"[red]{staff_id} has no role in any project[/red]")
        raise typer.Exit(1)
    return next(iter(roles))


@staff_app.command("list")
def staff_list(project: Annotated[str | None, typer.Option(help=(
        "Only the staff of this project (code, e.g. KR)."))] = None) -> None:
    """List staff with their roles and active token ids."""
    from rich.table import Table

    from application.directory import Directory

    with open_cases() as cases:
        staff = Directory(cases).staff(project)
    rows = [(s.staff_id, s.name or "-", ", ".join(f"{p}: {r}" for p, r in s.roles.items()),
             ", ".join(s.active_tokens) or "-") for s in staff]
    table = Table("staff id", "name", "roles", "active tokens")
    for row in rows:
        table.add_row(*row)
    if fits(table):
        console.print(table)
        return
    for staff_id, name, roles, tokens in rows:  # (too narrow: a block each, nothing cut)
        console.print(f"[bold]{name}[/bold]  {staff_id}", highlight=False)
        indented(f"roles: {roles} · active tokens: {tokens}")
