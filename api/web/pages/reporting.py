"""What the reporting screens (Programm, ESF+-Bericht) share: which project a page
shows, chosen among those in which the person may read figures."""

from __future__ import annotations

from dataclasses import dataclass

from api.deps import Services
from api.web.pages.base import PageProblem, Person
from application import policy
from domain.directory import Role
from domain.errors import DomainError


@dataclass(frozen=True)
class Chosen:
    """The project a reporting page shows, the person's role in it, and the others."""

    code: str
    name: str
    role: Role
    yearly_target: int | None
    options: list[tuple[str, str]]
    """(code, name) of every project the person may choose."""

    @property
    def details(self) -> bool:
        """May the person see who is behind the figures (families, participants)?"""
        return policy.may(self.role, policy.Action.READ_REPORT_DETAILS)


def chosen_project(svc: Services, person: Person, page: policy.Page,
                   requested: str | None) -> Chosen:
    """The project named by ``requested`` (none: the person's first), 403 when the
    person may not see ``page`` at all, 404 for a project that is not theirs."""
    allowed = policy.check_page(person.actor, page)
    code = requested or sorted(allowed)[0]
    if code not in allowed:
        raise PageProblem(404, "error.not_found")
    options = []
    for each in sorted(allowed):
        options.append((each, _record(svc, each)[0]))
    name, target = _record(svc, code)
    return Chosen(code, name, allowed[code], target, options)


def _record(svc: Services, code: str) -> tuple[str, int | None]:
    try:
        record = svc.directory.project(code)
    except DomainError:  # (a project the directory does not know)
        return code, None
    return record.name, record.yearly_target
