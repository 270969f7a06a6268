"""When ``lotse demo`` records: each entry some time after its business date, as in real
casework, and the whole log in order of those recording times.

The eventsourcing library stamps an event when it is triggered (``create_timestamp``,
"now"). ``recording_clock`` makes that stamp the demo's clock while the demo loads, and
only then: real commands keep the library's clock. The ``TimedRecorder`` runs each story
on an in-memory ``FamilyCase`` first (the rules checked, the versions known), keeps each
command with its recording time, and at ``flush`` records all stories' commands through
``FamilyCases`` in order of recording time (each family's in its planned order), with
the clock set to each one's time: "as known on" a past day finds what was recorded by
then, and a report "as at cut-off" differs from "as known now".
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import CanCreateTimestamp

from application.cases import FamilyCases
from application.commands import (
    EnterParticipant,
    FamilyCommand,
    MakeReferral,
    OpenCase,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
)
from demo.social_space import SocialSpacePlan
from demo.story import FamilyStory
from domain.case_numbers import CaseNumberSequence
from domain.family_case import FamilyCase
from domain.rules import PROGRAMME_TZ
from domain.values import AccessRoute, Gender, MemberRole

TICK = timedelta(microseconds=1)
EARLY = datetime(2000, 1, 1, tzinfo=PROGRAMME_TZ)


@dataclass
class DemoClock:
    """The time events are stamped with: ``at`` (set by the loader), never later than the
    real time and never earlier than the event before (strictly increasing, so the log's
    order is the order of time)."""

    at: datetime
    last: datetime = EARLY

    def timestamp(self) -> datetime:
        self.last = max(self.last + TICK, min(self.at, datetime.now(PROGRAMME_TZ)))
        return self.last


@contextmanager
def recording_clock(at: datetime) -> Iterator[DemoClock]:
    """Events triggered inside are stamped by the returned clock (starting at ``at``)."""
    clock = DemoClock(at)
    original = CanCreateTimestamp.__dict__["create_timestamp"]
    CanCreateTimestamp.create_timestamp = staticmethod(clock.timestamp)  # type: ignore[method-assign]
    try:
        yield clock
    finally:
        CanCreateTimestamp.create_timestamp = original  # type: ignore[method-assign]


PAPERWORK = frozenset({EnterParticipant, RecordExit, RecordLeavingStatus, RecordFollowUp})
"""ESF+ forms: they wait for documents and are typed in late more often."""


@dataclass
class Lags:
    """How long after its business date an entry is recorded: most within 0-3 days, some
    2-6 weeks late (ESF+ forms more often); at office hours, never after ``now``."""

    rng: random.Random
    now: datetime

    def after(self, day: date, *, earliest: datetime, intake: bool = False,
              paperwork: bool = False) -> datetime:
        r = self.rng.random()
        soon, later = (0.55, 0.70) if paperwork else (0.80, 0.93)
        days = (self.rng.randint(0, 2) if intake or r < soon else
                self.rng.randint(4, 13) if r < later else self.rng.randint(14, 42))
        moment = datetime.combine(day + timedelta(days=days), time(8), tzinfo=PROGRAMME_TZ)
        moment += timedelta(minutes=self.rng.randint(0, 9 * 60 + 59))
        return max(earliest + timedelta(seconds=1), min(moment, self.now))


Action = Callable[[], object]


@dataclass
class TimedRecorder:
    """A ``StoryRecorder`` that records every story's commands at ``flush``, in order of
    their recording times (see the module)."""

    cases: FamilyCases
    lags: Lags
    clock: DemoClock
    scheduled: list[tuple[datetime, Action]] = field(default_factory=list)
    """Other things to record at their time (a submitted report)."""
    _case: FamilyCase | None = None
    _family: list[tuple[datetime, Action]] = field(default_factory=list)
    _last_intake: datetime = EARLY
    _sequences: dict[tuple[str, int], CaseNumberSequence] = field(default_factory=dict)
    social: SocialSpacePlan | None = None
    """The projects' social-space work: it may name an offer at an intake, and its
    actions are recorded with the families' at the first ``flush``."""

    def open_case(self, *, family_id: UUID, today: date, **intake: Any) -> tuple[str, int]:
        occurred_on: date = intake["occurred_on"]
        recorded_by = intake.pop("recorded_by")
        command = OpenCase(family_id=family_id, **intake)
        mothers = tuple(i for m, i in zip(command.members, command.member_ids, strict=True)
                        if m.role is not MemberRole.CHILD and m.gender is Gender.FEMALE)
        via = None if self.social is None else self.social.via(
            command.project, family_id, mothers, occurred_on)
        if via is not None:
            command = command.model_copy(update={
                "access_route": AccessRoute.SOCIAL_SPACE_OFFER, "via_offer_id": via[0],
                "via_session_id": via[1]})
        key = (command.project, occurred_on.year)
        sequence = self._sequences.setdefault(key, CaseNumberSequence.start(*key))
        number = sequence.issue(family_id)  # (the number FamilyCases will issue)
        self._case = command.open(number, recorded_by)
        # intakes in order of intake: case numbers follow intake dates
        self._last_intake = self.lags.after(occurred_on, earliest=self._last_intake,
                                            intake=True)
        self._family = [(self._last_intake, self._run(command, recorded_by))]
        return number, self._case.version

    def command(self, family_id: UUID, command: type[FamilyCommand], *, occurred_on: date,
                recorded_by: str, **args: Any) -> int:
        case = self._case
        if case is None or case.id != family_id:
            raise RuntimeError(f"family {family_id} is not the one being recorded")
        if command is MakeReferral and self.social is not None:
            partner = self.social.partner_for(case.state.project, args["institution_type"])
            if partner is not None:
                args = {**args, "partner_id": partner[0], "institution_name": partner[1]}
        declared = command(family_id=family_id, occurred_on=occurred_on, **args)
        declared.decide(case, recorded_by)
        at = self.lags.after(occurred_on, earliest=self._family[-1][0],
                             paperwork=command in PAPERWORK)
        self._family.append((at, self._run(declared, recorded_by)))
        return case.version

    def _run(self, command: FamilyCommand, recorded_by: str) -> Action:
        return lambda: self.cases.handle(command, recorded_by=recorded_by)

    def finish(self, story: FamilyStory) -> None:
        self.scheduled.extend(self._family)  # (each family's times never decrease)
        self._case, self._family = None, []

    def flush(self) -> None:
        """Record everything so far in order of time (a stable sort keeps each family's
        order where two times are equal)."""
        if self.social is not None:
            self.scheduled.extend(self.social.actions(self.cases))
            self.social = None
        for at, action in sorted(self.scheduled, key=lambda s: s[0]):
            self.clock.at = at
            action()
        self.scheduled = []
