"""Results of an earlier ESF+ stay recorded after a re-entry (issue 13, item 3), and
results stored before they named their exit (version 1 of ``LeavingStatusRecorded`` and
``FollowUpRecorded``): each counts with the stay it belongs to, and the report counts
the results of the latest stay begun by the cut-off, as known now and at the cut-off.

The participant (complete core data) enters on 1 September 2025 and leaves on 28
November 2025 job searching; re-enters on 2 February 2026. Recorded after the re-entry:
the first stay's status, employed on 15 December 2025 (recorded 10 February), and its
follow-up, employed on 28 May 2026 (six months after the exit). The second stay ends on
15 June 2026 in education.

- 2025-H2 (the first stay is the latest begun): EECR04 now, EECR01 as known at the
  cut-off (the status was recorded later); no follow-up by the cut-off.
- 2026-H1 (the second stay is the latest): EECR02 only; the first stay's follow-up
  dated within H1 does not count.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.commands import (
    EnterParticipant,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
)
from domain import events as ev
from domain.values import ExitStatus, FollowUpStatus
from projections.engine import CatchUp
from projections.reporting.esf import EsfParticipants, read_participants
from projections.reporting.esf_figures import EsfFigures, Period, count, count_stored
from tests.integration.test_store_queries import Clock
from tests.support.builders import entry, intake_kwargs, parent, run_intake

H2_2025, H1_2026 = Period.parse("2025-H2"), Period.parse("2026-H1")
RESULTS = ("EECR01", "EECR02", "EECR03", "EECR04", "EECR05", "EECR06")


class Story:
    def __init__(self, app: FamilyCases, clock: Clock) -> None:
        self.app, self.clock = app, clock
        member = parent()
        self.member = member.member_id
        self.on(date(2025, 9, 1))
        self.family = run_intake(app, **intake_kwargs(
            [member], occurred_on=date(2025, 9, 1),
            consent_given_on=date(2025, 9, 1))).family_id

    def on(self, day: date) -> None:
        self.clock.set(day.year, day.month, day.day, 10, 0)

    def run(self, command: type[Any], day: date, recorded: date | None = None,
            **fields: Any) -> int:
        self.on(recorded or day)
        return self.app.handle(command(family_id=self.family, member_id=self.member,
                                       occurred_on=day, **fields),
                               recorded_by="cm-anna").version


def results(app: FamilyCases, view: EsfParticipants, period: Period,
            known_by: date | None = None) -> dict[str, int]:
    """The result figures, counted by the rules on the rows and in SQL (the same)."""
    CatchUp(app, view).run_once()
    figures: EsfFigures = count(read_participants(app.tables, view, "KR", period.cutoff,
                                                  known_by), period.cutoff)
    summed = count_stored(app.tables, view, "KR", period.cutoff, known_by)
    found = {code: figures.value(code) for code in RESULTS if figures.value(code)}
    assert found == {code: summed.value(code) for code in RESULTS if summed.value(code)}
    return found


def test_the_first_stay_s_results_recorded_after_a_re_entry_count_with_that_stay(
        app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Story(app, Clock(monkeypatch))
    entered = s.run(EnterParticipant, date(2025, 9, 1), entry=entry())
    left = s.run(RecordExit, date(2025, 11, 28), status=ExitStatus.JOB_SEARCHING)
    s.run(EnterParticipant, date(2026, 2, 2), entry=entry())
    status = s.run(RecordLeavingStatus, date(2025, 12, 15), recorded=date(2026, 2, 10),
                   status=ExitStatus.EMPLOYED)
    s.run(RecordFollowUp, date(2026, 5, 28), status=FollowUpStatus.EMPLOYED,
          better_situation=True, exit_on=date(2025, 11, 28))
    s.run(RecordExit, date(2026, 6, 15), status=ExitStatus.IN_EDUCATION_OR_TRAINING)
    view = EsfParticipants()

    assert results(app, view, H2_2025) == {"EECR04": 1}
    assert results(app, view, H2_2025, known_by=H2_2025.cutoff) == {"EECR01": 1}
    assert results(app, view, H1_2026) == {"EECR02": 1}
    now = count(read_participants(app.tables, view, "KR", H2_2025.cutoff), H2_2025.cutoff)
    (evidence,) = now.figures["EECR04"].evidence
    assert evidence.versions == (entered, left, status)
    first, second = app.get_case(s.family).state.participations[s.member]
    assert (first.follow_up_on, second.follow_up_on) == (date(2026, 5, 28), None)


def stored(cls: type, family_id: UUID, version: int, state: dict[str, Any]) -> StoredEvent:
    return StoredEvent(originator_id=family_id, originator_version=version,
                       topic=get_topic(cls), state=orjson.dumps(state))


def test_results_stored_by_version_1_belong_to_the_stay_that_was_the_latest(
        app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    s = Story(app, Clock(monkeypatch))
    s.run(EnterParticipant, date(2025, 9, 1), entry=entry())
    left = s.run(RecordExit, date(2025, 11, 28), status=ExitStatus.JOB_SEARCHING)
    member = str(s.member)
    app.recorder.insert_events([  # as version 1 stored them: no exit named
        stored(ev.LeavingStatusRecorded, s.family, left + 1, {
            "timestamp": "2025-12-16T10:00:00+00:00", "occurred_on": "2025-12-15",
            "recorded_by": "cm-anna", "member_id": member, "status": "employed"}),
        stored(ev.FollowUpRecorded, s.family, left + 2, {
            "timestamp": "2026-01-05T10:00:00+00:00", "occurred_on": "2026-01-05",
            "recorded_by": "cm-anna", "member_id": member, "status": "employed",
            "better_situation": None})])
    s.run(EnterParticipant, date(2026, 2, 2), entry=entry())
    s.run(RecordLeavingStatus, date(2025, 12, 20), status=ExitStatus.IN_EDUCATION_OR_TRAINING)

    status, follow_up = list(app.events.get(s.family))[left:left + 2]
    assert (type(status), status.exit_version) == (ev.LeavingStatusRecorded, None)
    assert (type(follow_up), follow_up.exit_version) == (ev.FollowUpRecorded, None)
    first, second = app.get_case(s.family).state.participations[s.member]
    assert first.statuses == [(date(2025, 11, 28), ExitStatus.JOB_SEARCHING),
                              (date(2025, 12, 15), ExitStatus.EMPLOYED),
                              (date(2025, 12, 20), ExitStatus.IN_EDUCATION_OR_TRAINING)]
    assert (first.follow_up_on, second.statuses, second.follow_up_on) == (
        date(2026, 1, 5), [], None)
    assert app.history(s.family)[left].facts["exit_version"] is None
    assert results(app, EsfParticipants(), H2_2025) == {"EECR02": 1}
