"""Staff members by name, as screens show them: a staff id never appears on a page.

Names come from the staff directory (``application/directory.py``), which every process
keeps in memory; these lookups cost no query. A member without a recorded name shows as
the catalogue's ``staff.unnamed``.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.web.i18n import Texts
from application.directory import Directory
from domain.directory import Role


@dataclass(frozen=True)
class Colleague:
    """A staff member of a project as a form offers them: the id stays in the form's
    value, the name is what people read."""

    staff_id: str
    name: str
    role: Role | None


def name_of(directory: Directory, staff_id: str | None, texts: Texts) -> str:
    """The name of ``staff_id`` (``staff.unnamed`` for an unknown id or one without a
    name; ``staff.nobody`` for no id)."""
    if staff_id is None:
        return texts("staff.nobody")
    member = directory.current().staff.get(staff_id)
    if member is None or not member.name:
        return texts("staff.unnamed")
    return str(member.name)


def names_of(directory: Directory, staff_ids: set[str], texts: Texts) -> dict[str, str]:
    """Each of ``staff_ids`` with its name."""
    return {s: name_of(directory, s, texts) for s in staff_ids}


def colleagues(directory: Directory, project: str, texts: Texts,
               role: Role | None = None) -> list[Colleague]:
    """The staff of ``project`` (with ``role`` there, if given), by name."""
    found = [Colleague(v.staff_id, v.name or texts("staff.unnamed"), v.roles.get(project))
             for v in directory.staff(project)
             if role is None or v.roles.get(project) is role]
    return sorted(found, key=lambda c: (c.name.casefold(), c.staff_id))
