"""The ESF+ figures counted in SQL (counters by reporting period, rows by recording day)
equal the counting rules applied to a replay of the events, for random histories whose
events are recorded on other days than they happened: backdated entries, statuses and
follow-ups, corrections recorded later, re-entries, erasure; kept event by event in pages
of one event, and rebuilt. Every period from 2025-H1 to 2027-H1, as known now and as
known at the cut-off."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.cases import FamilyCases
from application.commands import (
    CorrectEntry,
    EnterParticipant,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
)
from domain.errors import DomainError
from domain.records import EntryData, FieldChange, MemberData
from domain.rules import earliest_follow_up, last_leaving_status
from domain.values import (
    Answer,
    Citizenship,
    ErasureBasis,
    ExitStatus,
    FollowUpStatus,
    Gender,
    IscedBand,
    LabourMarketStatus,
    MemberRole,
)
from projections.engine import CatchUp, rebuild
from projections.reporting.esf import ROWS, EsfParticipants, project_families, read_participants
from projections.reporting.esf_figures import EsfFigures, Period, count, count_stored, differences
from projections.reporting.esf_replay import (
    end_of_day,
    events_recorded_after,
    participants_as_recorded_by,
)
from projections.reporting.esf_report import esf_report
from tests.conftest import fresh_store
from tests.integration.test_store_queries import Clock
from tests.support.builders import intake_kwargs, run_intake

PERIODS = [Period.parse(p) for p in ("2025-H1", "2025-H2", "2026-H1", "2026-H2", "2027-H1")]
START = date(2025, 1, 6)
LAST = date(2026, 11, 30)


def figures_of(f: EsfFigures) -> dict[str, tuple[int, ...]]:
    return {code: (x.total, *x.by_gender.values(), x.unknown or 0)
            for code, x in f.figures.items()} | {"incomplete": (f.incomplete_records,)}


def random_entry(rng: random.Random) -> EntryData:
    return EntryData(
        rng.choice([*LabourMarketStatus, None]), rng.choice([None, 3, 11, 12, 30]),
        rng.choice([*IscedBand, None]),
        rng.choice(list(Answer)), rng.choice(list(Citizenship)), rng.choice(list(Answer)),
        rng.choice(list(Answer)), rng.choice(list(Answer)), rng.random() < 0.3)


class History:
    """Random families in project KR, each event recorded at or after its date."""

    kinds: tuple[str, ...] = ("enter", "enter", "exit", "exit", "status", "follow_up",
                              "correct", "erase")
    """What a step after the first entry may do (each as likely as it is often named)."""

    def __init__(self, app: FamilyCases, clock: Clock, rng: random.Random) -> None:
        self.app, self.clock, self.rng = app, clock, rng
        self.recorded = 0

    def at(self, day: date) -> None:
        self.clock.set(day.year, day.month, day.day, self.rng.randrange(7, 18), 0)

    def family(self) -> None:
        rng = self.rng
        day = START + timedelta(days=rng.randrange(400))
        members = [MemberData(uuid4(), MemberRole.PARENT, "A", "B",
                              rng.choice([date(1970, 7, 1), date(1996, 12, 31),
                                          date(2008, 1, 15), None]),
                              rng.choice(list(Gender)))
                   for _ in range(rng.randrange(1, 3))]
        self.at(day)
        opened = run_intake(self.app, **intake_kwargs(members, occurred_on=day,
                                                    consent_given_on=day))
        family, recorded = opened.family_id, day
        entries: list[int] = []
        for _ in range(rng.randrange(3, 12)):
            # a business date, recorded on that day or (often) weeks later
            day = min(day + timedelta(days=rng.randrange(0, 70)), LAST)
            recorded = max(recorded, min(  # (a family's events are recorded in order)
                day + timedelta(days=rng.choice([0, 0, 0, 3, 40, 90])), LAST))
            member = rng.choice(members).member_id
            self.at(recorded)
            try:
                moved = self.step(family, member, day, entries)
            except DomainError:
                continue
            recorded = max(recorded, moved or recorded)
            self.recorded += 1

    def exit_of(self, family: UUID, member: UUID, fits: Callable[[date], bool]) -> date | None:
        """One of the member's exits that ``fits`` (an earlier stay's too), or None."""
        stays = self.app.get_case(family).state.participations.get(member, [])
        exits = [p.left_on for p in stays if p.left_on is not None and fits(p.left_on)]
        return self.rng.choice(exits) if exits else None

    def step(self, family: UUID, member: UUID, day: date, entries: list[int]) -> date | None:
        """Records one random event on ``day``; returns the day a follow-up moved the
        recording clock to."""
        rng, app = self.rng, self.app
        kind = rng.choice(list(self.kinds) if entries else ["enter"])
        if kind == "enter":
            entries.append(app.handle(EnterParticipant(family_id=family, member_id=member,
                entry=random_entry(rng), occurred_on=day),
                recorded_by="cm-anna").version)
        elif kind == "exit":
            app.handle(RecordExit(family_id=family, member_id=member,
                status=rng.choice(list(ExitStatus)), occurred_on=day),
                recorded_by="cm-anna")
        elif kind == "status":  # of any exit, backdated into its 28 days
            exit_on = self.exit_of(family, member, lambda left: left <= day)
            app.handle(RecordLeavingStatus(family_id=family, member_id=member,
                status=rng.choice(list(ExitStatus)), exit_on=exit_on,
                occurred_on=day if exit_on is None else min(day, last_leaving_status(exit_on))),
                recorded_by="cm-anna")
        elif kind == "follow_up":  # six months or more after an exit (none: refused)
            exit_on = self.exit_of(family, member, lambda left: earliest_follow_up(left) <= LAST)
            on = day if exit_on is None else min(LAST, max(day, earliest_follow_up(exit_on)
                                                         + timedelta(days=rng.randrange(30))))
            if on > self.clock.now.date():  # (recorded on its date, and the family's
                self.at(on)                  # later events after it)
            app.handle(RecordFollowUp(family_id=family, member_id=member,
                status=rng.choice(list(FollowUpStatus)), exit_on=exit_on,
                better_situation=rng.choice([True, False, None]), occurred_on=on),
                recorded_by="cm-anna")
            return on
        elif kind == "correct":
            change = rng.choice([FieldChange("labour_market_status", "employed"),
                                 FieldChange("isced", "isced_5_8"),
                                 FieldChange("unemployed_months", "14"),
                                 FieldChange("minority", "yes")])
            app.handle(CorrectEntry(family_id=family, corrected_version=rng.choice(entries),
                changes=[change], reason="Unterlagen", occurred_on=day),
                recorded_by="cm-anna")
        elif rng.random() < 0.3:
            app.erase_personal_data(family, legal_basis=ErasureBasis.ART17_REQUEST,
                                    note="Widerspruch", occurred_on=day,
                                    recorded_by="lead-kr")
        return None


def check(app: FamilyCases, view: EsfParticipants) -> int:
    """Every period, both views of the truth: SQL == rules on the rows == rules on a
    replay; returns how many participants were counted in the last period now."""
    t = app.tables
    families = project_families(t, view, "KR")
    counted = 0
    for period in PERIODS:
        cutoff = period.cutoff
        replayed, _ = participants_as_recorded_by(app, families, end_of_day(cutoff))
        every = participants_as_recorded_by(app, families, end_of_day(date(2030, 1, 1)))[0]
        for known_by, replay in ((None, every), (cutoff, replayed)):
            stored = figures_of(count_stored(t, view, "KR", cutoff, known_by))
            rows = figures_of(count(read_participants(t, view, "KR", cutoff, known_by),
                                    cutoff))
            assert stored == rows, (period, known_by)
            assert rows == figures_of(count(replay, cutoff)), (period, known_by)
        counted = count_stored(t, view, "KR", cutoff, None).value("EECO01")
        # The auditor's report (evidence, each record read and counted once for both
        # views) has the reporting user's figures, and the differences a plain
        # comparison of all participants finds.
        for as_known in ("now", "cutoff"):
            audited = esf_report(app, view, "KR", period, as_known, today=LAST, details=True)
            plain = esf_report(app, view, "KR", period, as_known, today=LAST)
            assert figures_of(audited.figures) == figures_of(plain.figures)
            assert [(c.code, c.at_cutoff, c.now) for c in audited.changes
                    if c.at_cutoff != c.now] == [(c.code, c.at_cutoff, c.now)
                                                 for c in plain.changes]
            assert all(c.participants for c in audited.changes if c.at_cutoff == c.now)
            now = count(read_participants(t, view, "KR", cutoff), cutoff)
            then = count(read_participants(t, view, "KR", cutoff, cutoff), cutoff)
            assert audited.changes == differences(
                then, now, lambda moved, day=cutoff: events_recorded_after(
                    app, moved, end_of_day(day)))
    return counted


@pytest.mark.slow
@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_sql_figures_equal_the_rules_on_a_replay_at_every_cutoff(
        make_settings: Any, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        seed: int) -> None:
    with fresh_store(make_settings, store, tmp_path) as app, monkeypatch.context() as patch:
        history = History(app, Clock(patch), random.Random(seed))
        for _ in range(10):
            history.family()
        assert history.recorded >= 10
        kept = EsfParticipants()
        CatchUp(app, kept, page_size=1).run_once()  # event by event
        counted = check(app, kept)
        t = app.tables
        closed = t.fetchone(t.sql("SELECT COUNT(*) FROM {r} WHERE known_to IS NOT NULL",
                                  r=kept.t(ROWS)))
        assert closed is not None
        assert closed[0] > 0  # (versions replaced later)
        fresh = EsfParticipants()
        rebuild(app, [fresh])
        assert check(app, fresh) == counted
        for period in PERIODS:
            for known_by in (None, period.cutoff):
                assert figures_of(count_stored(app.tables, kept, "KR", period.cutoff,
                                               known_by)) == figures_of(count_stored(
                    app.tables, fresh, "KR", period.cutoff, known_by))
