"""Named attendees of a session, chosen by name: members of families with a case in the
offer's project that the person may see (a case manager: their own families, a
coordinator: the project's), as ``policy.check_family`` decides for every read.

Termin erfassen searches the family index by name or case number (as Mein Tag does) and
offers the household's members to tick; a ticked member travels as
``<family id>:<member id>`` and is checked again when the form comes back. Names shown
to anyone but the family's case manager are reads of the family: they go to the read
log first, like every other read (``application/read_log.py``). Families the person may
not see are never named, only counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from api.deps import Services
from api.family_reads import visible_families
from api.family_responses import case_out
from api.web.pages.base import Person
from api.web.pages.family_view import member_name
from domain.directory import Role
from domain.retention import RESTRICTED

LIMIT = 10
"""Families a search offers at most (a longer name narrows it)."""


@dataclass(frozen=True)
class Choice:
    """A member as the form offers them."""

    value: str
    family_id: UUID
    member_id: UUID
    name: str
    case_number: str


def parse(value: str) -> tuple[UUID, UUID] | None:
    family, _, member = value.partition(":")
    try:
        return UUID(family), UUID(member)
    except ValueError:
        return None


def _members(svc: Services, person: Person, project: str, family_ids: Iterable[UUID],
             endpoint: str) -> list[Choice]:
    """The household members of those families of ``project`` the person may see (the
    others left out, unnamed; reads logged by ``api.family_reads``)."""
    found: list[Choice] = []
    for family_id, view in visible_families(svc, person.actor, family_ids, endpoint,
                                            project).items():
        if view is None:
            continue
        case = case_out(view)
        found += [Choice(f"{family_id}:{m.member_id}", family_id, m.member_id, name,
                         case.case_number)
                  for m in case.members if (name := member_name(m)) is not None]
    return found


def search(svc: Services, person: Person, project: str, query: str,
           endpoint: str) -> list[Choice]:
    """Members of the families matching ``query`` (name words or a case number)."""
    role = person.actor.role_in(project)
    own = role is Role.CASE_MANAGER
    page = svc.index.search(projects={project}, query=query, limit=LIMIT,
                            case_manager=person.actor.staff_id if own else None,
                            hide_restricted=own)
    ids = [m.family_id for m in page.items if m.status != RESTRICTED or not own]
    return _members(svc, person, project, ids, endpoint)


def chosen(svc: Services, person: Person, project: str, values: Iterable[str],
           endpoint: str) -> list[Choice]:
    """The ticked members the person may see, by their form values."""
    wanted = {p for v in values if (p := parse(v)) is not None}
    members = _members(svc, person, project, [f for f, _ in wanted], endpoint)
    return [c for c in members if (c.family_id, c.member_id) in wanted]
