"""The Familie screen's data: one family found by its case number, its access checked
and its read logged exactly as ``GET /families/{id}`` does, shown from the same read
model (``api.family_responses.case_out``).

Forms name members, goals and referrals by their position in the case (1, 2, …): the
case only ever appends them, so a position names the same one in every version, and no
id appears in a page.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from api.deps import Services
from api.family_responses import CaseOut, MemberOut, ParticipationOut, case_out
from api.web.pages.base import Person
from application import policy
from application.read_log import ReadEntry, now
from domain import rules
from domain.errors import NotFound
from domain.rules import today_in_programme
from domain.values import MemberRole

A = policy.Action
T = TypeVar("T")


@dataclass(frozen=True)
class Family:
    """A family as a page shows it, and what the person may do on it."""

    case: CaseOut
    access: policy.FamilyAccess
    case_manager_name: str | None
    may_record: bool
    """Casework forms are shown: the person may record casework and the case takes it."""
    may_follow_up: bool = False
    """The forms a closed case takes too are shown (an ESF+ result after the exit, the
    six-month follow-up, reopening): the person may record casework and the family's
    processing is not restricted."""

    @property
    def family_id(self) -> UUID:
        return self.case.family_id

    @property
    def names(self) -> dict[UUID, str | None]:
        return {m.member_id: member_name(m) for m in self.case.members}

    @property
    def household(self) -> list[str]:
        return [n for m in self.case.members if m.in_household and (n := member_name(m))]

    def member_at(self, position: str) -> UUID | None:
        member = at(self.case.members, position)
        return None if member is None else member.member_id

    def goal_at(self, position: str) -> UUID | None:
        goal = at(self.case.goals, position)
        return None if goal is None else goal.goal_id

    def referral_at(self, position: str) -> UUID | None:
        referral = at(self.case.referrals, position)
        return None if referral is None else referral.referral_id

    def stays(self) -> list[Stay]:
        """Per member in the household, or with an ESF+ stay: the latest stay (None: none
        yet), and what the Familie page offers to record for them."""
        latest: dict[UUID, ParticipationOut] = {}
        for stay in self.case.participations:
            latest[stay.member_id] = stay
        found = []
        for n, m in enumerate(self.case.members, start=1):
            last = latest.get(m.member_id)
            if last is None and not m.in_household:
                continue
            found.append(Stay(n, m, last))
        return found

    def present(self) -> list[MemberOut]:
        """Members who can take part in a contact, a goal or a referral."""
        return [m for m in self.case.members if m.in_household]


@dataclass(frozen=True)
class Stay:
    """A member's latest ESF+ stay (``latest`` None: none yet), by the member's position."""

    n: int
    member: MemberOut
    latest: ParticipationOut | None

    @property
    def active(self) -> bool:
        return self.latest is not None and self.latest.left_on is None

    @property
    def may_enter(self) -> bool:
        """An adult in the household without an open stay (children take part through
        their parents: the intake refuses them too)."""
        return (self.member.in_household and self.member.role != MemberRole.CHILD.value
                and not self.active)

    @property
    def last_leaving_status(self) -> date | None:
        """The last day a status on leaving of the latest exit can describe."""
        left = self.latest.left_on if self.latest is not None else None
        return None if left is None else rules.last_leaving_status(left)

    @property
    def earliest_follow_up(self) -> date | None:
        """The first day the six-month follow-up of the latest exit can be dated."""
        left = self.latest.left_on if self.latest is not None else None
        return None if left is None else rules.earliest_follow_up(left)


def member_name(m: MemberOut) -> str | None:
    parts = [p for p in (m.given_name, m.family_name) if p]
    return " ".join(parts) or None


def at(items: Sequence[T], position: str) -> T | None:
    """The item at a page's position (1, 2, …), None for any other text."""
    if not position.isdecimal() or not 1 <= int(position) <= len(items):
        return None
    return items[int(position) - 1]


def load(svc: Services, person: Person, case_number: str, *, log_as: str | None) -> Family:
    """The family with ``case_number`` if ``person`` may read it (else the policy's 404 or
    403); a read by anyone but its case manager is logged as ``log_as`` first."""
    found = svc.index.found(case_number=case_number.strip().upper())
    if not found:
        raise policy.hidden()
    view = svc.cases.get_case(found[0].family_id)
    s = view.state
    actor = person.actor
    access = policy.check_family(actor, A.READ_CASE, s.project, s.case_manager,
                                 restricted=s.erasure_request is not None)
    if log_as is not None and access.read_logged:
        svc.read_log.record([ReadEntry(now(), actor.staff_id, access.role, s.project,
                                       view.family_id, log_as, actor.token_id)])
    case = case_out(view)
    casework = policy.may(access.role, A.CASEWORK) and case.erasure_request is None
    return Family(case, access, staff_name(svc, s.case_manager),
                  casework and case.status == "open",
                  casework and case.status in ("open", "closed"))


def staff_name(svc: Services, staff_id: str | None) -> str | None:
    if staff_id is None:
        return None
    try:
        return svc.directory.member(staff_id).name
    except NotFound:
        return None


def new_key() -> str:
    """An idempotency key for one rendering of a form."""
    return secrets.token_urlsafe(18)


@dataclass
class Form:
    """One form's state: what was typed (kept on an error), the messages per field, and
    the idempotency key of this rendering."""

    id: str
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    key: str = field(default_factory=new_key)
    message: str | None = None
    conflict: bool = False
    posted: bool = False
    version: int | None = None
    """The version the form was made for, kept when it comes back with an error (None:
    the case's version now), so a change by someone else is still noticed."""

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default) if self.posted else default

    def checked(self, name: str, value: str, default: bool = False) -> bool:
        return value in self.lists.get(name, []) if self.posted else default

    def error(self, name: str) -> str | None:
        return self.errors.get(name)


@dataclass
class Forms:
    """The forms of a family page: blank ones, and the one posted if it is re-shown."""

    posted: Form | None = None
    today: date = field(default_factory=today_in_programme)
    _blank: dict[str, Form] = field(default_factory=dict)

    def __call__(self, form_id: str) -> Form:
        if self.posted is not None and self.posted.id == form_id:
            return self.posted
        return self._blank.setdefault(form_id, Form(form_id))
