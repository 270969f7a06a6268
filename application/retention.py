"""The retention run: which families' personal data are due for erasure, and erasing them.

Due on a day (``domain/retention.py``) is every family not yet erased of a project whose
retention has ended by then: erased on the basis ``retention_ended_after_request`` when
it asked for erasure during retention (its processing was restricted meanwhile), else
``retention_ended`` (ESF.md: after retention personal data must be erased, request or
not). The families of a project are read from its case-number sequences, which list
every intake in the transaction that stored it, so no family is missed however the
views stand; requests still waiting are found by their events.

A family whose case is still open (not closed, no request) is never erased by the run:
retention can only have ended while it is still being worked with through a wrong last
payment or a case left open by mistake, and which of the two it is a person decides. The
plan lists such families apart (``still_open``), and the run passes them over.

The latest date of a project's casework, which its last payment may not lie before
(``domain/retention.py``), is read from the log the same way: every family of the
project from its case-number sequences, and each family's events. No view keeps an
event date per family, and one that did could lag behind the log, so a family's last
consultation or exit might not be in it yet; recording a last payment happens once or
twice in a project's life, so reading its events then costs little.

Each erasure runs the erasure command on the family as a trusted caller (the path
``POST /families/{id}/erasure`` takes after its access check): the key is destroyed, the
snapshots and the family's idempotency receipts go, and afterwards the search index
forgets the names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.utils import get_topic

from application.cases import CaseNotFound, StaleVersion
from application.commands.case import ErasePersonalData
from domain import events as ev
from domain.case_numbers import CaseNumberSequence
from domain.retention import (
    Casework,
    erasure_due_from,
    latest_casework,
    retention_ended,
    retention_ends_on,
)
from domain.values import CaseStatus, ErasureBasis

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from application.directory import Directory
    from domain.directory import ProjectRecord

PAGE = 1000
STILL_OPEN = "still open - close the case or check the programme's last payment"
ATTEMPTS = 3
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectRetention:
    """A project's retention as it stands on the day of the run."""

    code: str
    name: str
    last_payment_on: date | None
    ends_on: date | None
    due_from: date | None
    ended: bool

    @classmethod
    def of(cls, project: ProjectRecord, today: date) -> ProjectRetention:
        paid = project.last_payment_on
        return cls(project.code, project.name, paid,
                   None if paid is None else retention_ends_on(paid),
                   None if paid is None else erasure_due_from(paid),
                   retention_ended(paid, today))


@dataclass(frozen=True)
class Listed:
    """A family the run names: due for erasure, or waiting with its request."""

    family_id: UUID
    case_number: str
    project: str
    version: int
    requested_on: date | None
    still_open: bool = False
    """Open, without a request: the run does not erase it (see the module's docstring)."""

    @property
    def basis(self) -> ErasureBasis:
        return (ErasureBasis.RETENTION_ENDED if self.requested_on is None
                else ErasureBasis.RETENTION_ENDED_AFTER_REQUEST)


@dataclass
class Plan:
    """What is due on ``today``, and what waits."""

    today: date
    projects: list[ProjectRetention]
    due: list[Listed] = field(default_factory=list)
    waiting: list[Listed] = field(default_factory=list)
    """Families that asked for erasure while their project's retention still runs."""
    still_open: list[Listed] = field(default_factory=list)
    """Families of a project whose retention ended whose case is still open (no request):
    not erased until the case is closed or the last payment is checked."""
    already_erased: dict[str, int] = field(default_factory=dict)
    """Per project whose retention ended: families erased before."""


@dataclass(frozen=True)
class Outcome:
    listed: Listed
    erased_version: int | None  # None: not erased (see ``problem``)
    basis: ErasureBasis | None = None
    problem: str | None = None


def plan(cases: FamilyCases, directory: Directory, today: date) -> Plan:
    """Every family due for erasure on ``today`` and every request still waiting, each
    read from the store as it is now, by project and case number."""
    projects = [ProjectRetention.of(p, today) for p in directory.projects()]
    result = Plan(today, projects)
    ended = {p.code for p in projects if p.ended}
    sequences, requested = _scan(cases)
    for code in sorted(ended):
        for family_id in _families(cases, sequences.get(code, [])):
            listed = _listed(cases, family_id)
            if listed is None:
                result.already_erased[code] = result.already_erased.get(code, 0) + 1
            elif listed.still_open:
                result.still_open.append(listed)
            else:
                result.due.append(listed)
    for family_id in requested:
        listed = _listed(cases, family_id)
        if listed is not None and listed.project not in ended:
            result.waiting.append(listed)
    result.due.sort(key=lambda f: (f.project, f.case_number))
    result.waiting.sort(key=lambda f: (f.project, f.case_number))
    result.still_open.sort(key=lambda f: (f.project, f.case_number))
    return result


def project_casework(cases: FamilyCases, project: str) -> Casework | None:
    """The latest date of ``project``'s casework with a family that has it (of two on
    one day the lower case number), read from the log; None before its first intake."""
    sequences, _ = _scan(cases)
    latest: Casework | None = None
    for family_id in _families(cases, sequences.get(project, [])):
        events = list(cases.events.get(family_id))
        found = latest_casework(events)
        if found is None:
            continue
        number = getattr(events[0], "case_number", str(family_id))
        candidate = Casework(found[0], number, found[1])
        if latest is None or candidate.on > latest.on or (
                candidate.on == latest.on and number < latest.case_number):
            latest = candidate
    return latest


def run(cases: FamilyCases, due: list[Listed], *, today: date, recorded_by: str,
        after_erasure: Callable[[], object] | None = None) -> Iterator[Outcome]:
    """Erase each family of ``due`` (as planned on ``today``), yielding what was done. A
    family changed since the plan is judged again on its fresh state."""
    erased = False
    for listed in due:
        outcome = _erase(cases, listed, today, recorded_by)
        erased = erased or outcome.erased_version is not None
        yield outcome
    if erased and after_erasure is not None:
        after_erasure()  # the names' search tokens go too


def _erase(cases: FamilyCases, listed: Listed, today: date, recorded_by: str) -> Outcome:
    for _ in range(ATTEMPTS):
        fresh = _listed(cases, listed.family_id)
        if fresh is None:
            return Outcome(listed, None, problem="erased meanwhile")
        if fresh.still_open:
            return Outcome(listed, None, problem=STILL_OPEN)
        command = ErasePersonalData(family_id=fresh.family_id, legal_basis=fresh.basis,
                                    occurred_on=today)
        try:
            result = cases.handle(command, recorded_by=recorded_by,
                                  expected_version=fresh.version)
        except StaleVersion:
            continue  # changed since it was read: read it again
        except Exception as e:  # one family's failure must not stop the others
            logger.exception("could not erase family %s", listed.family_id)
            return Outcome(listed, None, problem=str(e) or type(e).__name__)
        return Outcome(fresh, result.version, fresh.basis)
    return Outcome(listed, None, problem="kept changing; run again")


def _listed(cases: FamilyCases, family_id: UUID) -> Listed | None:
    """The family as the run names it; None once erased (or, which the store's
    transactions rule out, never stored)."""
    try:
        view = cases.get_case(family_id)
    except CaseNotFound:
        logger.error("a case number was issued to family %s, which is not stored", family_id)
        return None
    s = view.state
    if s.status is CaseStatus.ERASED:
        return None
    return Listed(family_id, s.case_number, s.project, view.version,
                  None if s.erasure_request is None else s.erasure_request.requested_on,
                  s.status is CaseStatus.OPEN and s.erasure_request is None)


def _scan(cases: FamilyCases) -> tuple[dict[str, list[UUID]], list[UUID]]:
    """The case-number sequences by project, and the families that asked for erasure,
    from one pass over the log's events of these two kinds."""
    topics = [get_topic(CaseNumberSequence.Started), get_topic(ev.ErasureRequested)]
    sequences: dict[str, list[UUID]] = {}
    requested: dict[UUID, None] = {}
    start: int | None = None
    while True:
        page = cases.recorder.select_notifications(start, PAGE, topics=topics,
                                                   inclusive_of_start=False)
        for n in page:
            event = cases.mapper.to_domain_event(n)
            if isinstance(event, CaseNumberSequence.Started):
                sequences.setdefault(event.project, []).append(event.originator_id)
            else:
                requested[event.originator_id] = None
        if len(page) < PAGE:
            return sequences, list(requested)
        start = page[-1].id


def _families(cases: FamilyCases, sequences: list[UUID]) -> Iterator[UUID]:
    """Every family a project's sequences issued a case number to."""
    for sequence in sequences:
        for event in cases.events.get(sequence):
            if isinstance(event, CaseNumberSequence.NumberIssued):
                yield event.family_id
