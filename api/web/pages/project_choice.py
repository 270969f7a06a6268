"""Which project a project screen (Team, Verwaltung) shows, for a person with several.

The screen shows one project at a time, chosen with ``?projekt=<code>`` among those in
which the person may see it (links by the project's name); without a choice, the first.
A code outside the person's projects answers 404, like a project that does not exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from api.web.pages.base import PageProblem, Person
from application import policy
from application.directory import Directory
from domain.directory import Role


@dataclass(frozen=True)
class ProjectLink:
    code: str
    name: str
    current: bool


@dataclass(frozen=True)
class Chosen:
    code: str
    role: Role
    links: list[ProjectLink]
    """Every project the person may see the screen in (shown when more than one)."""


def choose(person: Person, page: policy.Page, wanted: str | None,
           directory: Directory) -> Chosen:
    allowed = policy.check_page(person.actor, page)
    codes = sorted(allowed)
    code = wanted if wanted else codes[0]
    if code not in allowed:
        raise PageProblem(404, "error.not_found")
    known = {p.code: p.name for p in directory.projects()}
    return Chosen(code, allowed[code],
                  [ProjectLink(c, known.get(c, c), c == code) for c in codes])


def new_key() -> str:
    """A form's idempotency key, made when the form is rendered: a double click or a
    repeated submission of the same form records once."""
    return secrets.token_urlsafe(18)
