"""``lotse demo-data``: the demo's families in bulk, for benchmarks (10^5 to 10^6 events).

The same stories as ``lotse demo`` (the planning in ``demo/loading.py``: same
distributions, same rules, same seed, same histories), recorded another way: each
family's commands run on an in-memory ``FamilyCase`` (whose command methods check every
rule before an event exists), and a chunk of a few hundred families is saved in one
transaction through the application, so its mapper seals the personal data with each
family's key (the chunk's keys are made beforehand in one go, as ``key_for_writing``
makes one). Case numbers come from the projects' ``CaseNumberSequence`` aggregates, held
in memory and saved in the same transaction as the chunk's cases: gap-free, in order of
intake per project and year. Only the chunk being written is held in memory.

A store written meanwhile by someone else in the demo projects makes the load fail (the
sequences collide); chunks saved before a failure stay.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.cases import ConcurrencyConflict, FamilyCases
from application.commands import ErasePersonalData, FamilyCommand, OpenCase
from application.directory import Directory
from demo import population as fam
from demo.loading import (
    HISTORY_DAYS,
    DemoAlreadyLoaded,
    DemoStaff,
    DemoSummary,
    add_site,
    check_today,
    record_families,
)
from demo.story import FamilyStory, Site
from domain.case_numbers import CaseNumberSequence
from domain.directory import Role
from domain.family_case import FamilyCase

CHUNK = 250  # families saved per transaction
POSTGRES_MAX_EVENTS = 2_000
"""Events per transaction on PostgreSQL at most (about 2 MB): the library saves through a
psycopg pipeline, and psycopg's pipeline can stop sending a statement of many megabytes
half-way and then wait for its answer forever (seen from about 5,000 events with the
pure-Python implementation; with the compiled one too, at 19,500 events)."""

Progress = Callable[[int, int], None]
"""Called after each chunk with the families and events stored so far."""


def load_bulk_demo(cases: FamilyCases, directory: Directory, *, today: date, families: int,
                   seed: int = 7, chunk: int = CHUNK, max_events: int | None = None,
                   progress: Progress | None = None) -> DemoSummary:
    """Record ``families`` demo families, ``chunk`` families per transaction (fewer
    when they reach ``max_events`` events; by default ``POSTGRES_MAX_EVENTS`` on
    PostgreSQL, unlimited on SQLite).

    Demo projects that are missing are added with their staff (their tokens are in the
    summary); existing ones are used with the staff they have. A store with families in
    a demo project (in the 18 months the stories span) is refused with
    ``DemoAlreadyLoaded``: new intakes among them would break the order of case numbers.
    On an empty store the same seed gives the same histories as ``load_demo``."""
    check_today(today)
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    refuse_loaded(cases, today)
    rng = random.Random(seed)  # noqa: S311 (fictional data, not secrets)
    staff, sites = _sites(directory)
    if max_events is None and cases.settings.uses_postgres:
        max_events = POSTGRES_MAX_EVENTS
    recorder = BulkRecorder(cases, today, chunk=chunk, max_events=max_events,
                            progress=progress)
    recorded = record_families(cases, recorder, sites, rng, today=today, families=families)
    if cases.settings.uses_postgres:  # (PostgreSQL plans reads of the log by its statistics)
        cases.recorder.analyze()  # type: ignore[attr-defined]
    return DemoSummary([s.code for s in fam.SITES], staff, recorded.families, recorded.events)


def refuse_loaded(cases: FamilyCases, today: date) -> None:
    """Raise ``DemoAlreadyLoaded`` when a demo project holds families of the years the
    stories span (intakes from 18 months before ``today``)."""
    for spec in fam.SITES:
        for year in range((today - timedelta(days=HISTORY_DAYS)).year, today.year + 1):
            try:
                cases.repository.get(CaseNumberSequence.id_for(spec.code, year))
            except AggregateNotFoundError:
                continue
            raise DemoAlreadyLoaded(
                f"project {spec.code} holds families of {year} already; the bulk load needs "
                "demo projects without families (case numbers follow intake dates)")


def _sites(directory: Directory) -> tuple[list[DemoStaff], list[Site]]:
    """The demo sites: missing projects added with their staff, existing ones with the
    staff they have (case managers in the order of the demo's staff list)."""
    existing = {p.code for p in directory.projects()}
    staff: list[DemoStaff] = []
    sites: list[Site] = []
    for spec in fam.SITES:
        if spec.code not in existing:
            team, site = add_site(directory, spec)
            staff.extend(team)
            sites.append(site)
            continue
        order = {name: i for i, (name, _) in enumerate(spec.staff)}
        members = sorted(directory.staff(spec.code), key=lambda m: (
            order.get(m.name or "", len(order)), m.name or "", m.staff_id))
        by_role = {role: [m.staff_id for m in members if m.roles[spec.code] is role]
                   for role in Role}
        managers = by_role[Role.CASE_MANAGER]
        if len(managers) < 2 or not by_role[Role.COORDINATOR] or not by_role[Role.ADMIN]:
            raise ValueError(f"project {spec.code} exists without the staff the demo needs "
                             "(two case managers, a coordinator and an admin)")
        sites.append(Site(spec, tuple(managers), by_role[Role.COORDINATOR][0],
                          by_role[Role.ADMIN][0]))
    return staff, sites


@dataclass
class BulkRecorder:
    """Runs a story's commands on its in-memory ``FamilyCase`` and saves the finished
    families ``chunk`` at a time, with the case number sequences, in one transaction
    (fewer families when they reach ``max_events`` events)."""

    cases: FamilyCases
    today: date
    chunk: int = CHUNK
    max_events: int | None = None
    progress: Progress | None = None
    families: int = 0  # stored so far
    events: int = 0
    _sequences: dict[tuple[str, int], CaseNumberSequence] = field(default_factory=dict)
    _case: FamilyCase | None = None  # the family being recorded
    _pending: list[FamilyCase] = field(default_factory=list)  # finished, not yet stored
    _pending_events: int = 0

    def open_case(self, *, family_id: UUID, today: date, **intake: Any) -> tuple[str, int]:
        if self._case is not None:
            raise RuntimeError("the bulk recorder records one new family at a time")
        occurred_on: date = intake["occurred_on"]
        sequence = self._sequence(intake["project"], occurred_on.year)
        number = sequence.issue(family_id)
        recorded_by = intake.pop("recorded_by")
        self._case = OpenCase(family_id=family_id, **intake).open(number, recorded_by)
        return number, self._case.version

    def command(self, family_id: UUID, command: type[FamilyCommand], *, occurred_on: date,
                recorded_by: str, **args: Any) -> int:
        case = self._case
        if case is None or case.id != family_id:
            raise RuntimeError(f"family {family_id} is not the one being recorded")
        if command is ErasePersonalData:  # also destroys the key: FamilyCases does that
            raise ValueError("an erasure is recorded through FamilyCases, not in bulk")
        command(family_id=family_id, occurred_on=occurred_on, **args).decide(case, recorded_by)
        return case.version

    def finish(self, story: FamilyStory) -> None:
        case, self._case = self._case, None
        if case is None or case.id != story.family_id:
            raise RuntimeError(f"family {story.family_id} is not the one being recorded")
        self._pending.append(case)
        self._pending_events += case.version
        saved = self._pending_events + len(self._pending)  # and a case number each
        if len(self._pending) >= self.chunk or (
                self.max_events is not None and saved >= self.max_events):
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        sequences = [s for s in self._sequences.values() if s.pending_events]
        self.cases.keys.prepare([c.id for c in pending])
        try:
            self.cases.save(*sequences, *pending)
        except IntegrityError:
            raise ConcurrencyConflict(
                "someone else recorded in the demo projects during the bulk load; the "
                f"{self.families} families stored before stay") from None
        cache = self.cases.repository.cache
        if cache is not None:  # the application caches what it saved: forget the chunk
            for aggregate in (*sequences, *pending):
                with contextlib.suppress(KeyError):
                    cache.get(aggregate.id, evict=True)
        self.families += len(pending)
        self.events += self._pending_events
        self._pending_events = 0
        if self.progress is not None:
            self.progress(self.families, self.events)

    def _sequence(self, project: str, year: int) -> CaseNumberSequence:
        sequence = self._sequences.get((project, year))
        if sequence is None:
            try:
                sequence = self.cases.repository.get(CaseNumberSequence.id_for(project, year))
            except AggregateNotFoundError:
                sequence = CaseNumberSequence.start(project, year)
            self._sequences[(project, year)] = sequence
        return sequence
