"""Real concurrency against the real stores (SQLite file and PostgreSQL).

Several application instances share one store, as several API workers would; threads
start together behind a barrier. Where a test needs both writers to have loaded the same
version before either saves (so the store itself must detect the conflict), a load gate
holds every writer after its first load until all of them have loaded.

a) two writers on one version: one wins, the other is refused, nothing is overwritten;
b) independent appends without an expected version all succeed, each recorded once;
c) concurrent intakes get distinct, gap-free case numbers per project and year;
d) dependent commands racing each other: one is recorded, the other gets the domain error;
e) commands racing the erasure of the family's personal data.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, RecordConflictError

from application.cases import ConcurrencyConflict, FamilyCases, StaleVersion
from application.commands import (
    AchieveGoal,
    CloseCase,
    EnterParticipant,
    RecordConsultation,
    RecordExit,
    SetGoal,
)
from application.views import CommandResult, OpenedCase
from domain.case_numbers import CaseNumberSequence
from domain.errors import DomainError, RuleViolation
from domain.family_case import FamilyCase
from domain.offer_values import AgeBand, HeadcountGender
from domain.values import ClosureReason, ContactMode, ErasureBasis, ExitStatus, LifeArea, Topic
from tests.support.builders import (
    entry,
    first_parent_id,
    intake_kwargs,
    open_case,
    parent,
    run_intake,
)

T = TypeVar("T")
DAY = date(2026, 4, 14)  # a business date after the builders' intake, not in the future
JOIN_TIMEOUT = 120


# ----- helpers -----------------------------------------------------------------------


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_together(*calls: Callable[[], Any]) -> list[Outcome]:
    """Run each call in its own thread, all released at once by a barrier."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def work(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[i].value = call()
        except BaseException as e:
            outcomes[i].error = e

    threads = [threading.Thread(target=work, args=(i, c), daemon=True)
               for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return outcomes


def unexpected(outcomes: list[Outcome]) -> list[str]:
    return [f"{type(o.error).__name__}: {o.error}" for o in outcomes if not o.ok]


CLIENT_RETRIES = 20


def as_client(call: Callable[[], T], conflicts: list[str]) -> T:
    """Like an API client: a ``ConcurrencyConflict`` (409, "nothing was stored, try
    again") is sent again, so the run completes and its invariants can be checked; every
    one is noted (see ``assert_no_conflicts``)."""
    for attempt in range(CLIENT_RETRIES):
        try:
            return call()
        except ConcurrencyConflict as e:
            conflicts.append(str(e))
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError(f"still conflicting after {CLIENT_RETRIES} client retries")


def assert_no_conflicts(conflicts: list[str]) -> None:
    """Independent commands all succeed: the application's own retries must absorb the
    collisions, so no client ever sees a 409."""
    assert not conflicts, (f"{len(conflicts)} independent command(s) were turned away "
                           f"with ConcurrencyConflict, e.g. {conflicts[0]!r}")


class LoadGate:
    """Holds each worker thread's first load (of the current case) in a gated
    application until ``parties`` threads have loaded, so every writer works on the same
    version and the store has to reject all but one save. Later loads of a thread (the
    retry) pass freely, and so does the main thread (set-up and checks)."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties)
        self.local = threading.local()

    def install(self, app: FamilyCases) -> None:
        original = app._load

        def gated_load(family_id: UUID, version: int | None = None,
                       **options: Any) -> FamilyCase:
            case = original(family_id, version, **options)
            waits = (version is None and not getattr(self.local, "passed", False)
                     and threading.current_thread() is not threading.main_thread())
            if waits:
                self.local.passed = True
                self.barrier.wait(timeout=30)
            return case

        app._load = gated_load  # type: ignore[method-assign]


@pytest.fixture
def make_app(make_settings: Any) -> Iterator[Callable[..., FamilyCases]]:
    """Another application instance on the test's store (as another worker process
    would have); all are closed at the end."""
    apps: list[FamilyCases] = []

    def make(**overrides: Any) -> FamilyCases:
        application = FamilyCases(make_settings(**overrides))
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.close()


def versions(app: FamilyCases, aggregate_id: UUID) -> list[int]:
    return [s.originator_version for s in app.recorder.select_events(aggregate_id)]


def assert_contiguous(app: FamilyCases, aggregate_id: UUID, last: int) -> None:
    assert versions(app, aggregate_id) == list(range(1, last + 1))


def consultation(app: FamilyCases, family_id: UUID, members: list[UUID], *,
                 consultation_id: UUID | None = None,
                 expected_version: int | None = None) -> CommandResult:
    return app.handle(RecordConsultation(family_id=family_id, duration_minutes=45,
        mode=ContactMode.OFFICE, topics=[Topic.JOB_SEARCH], members_present=members,
        location="Beratungsbüro", notes="Bewerbungsunterlagen", next_follow_up_on=None,
        occurred_on=DAY, consultation_id=consultation_id or uuid4()),
        recorded_by="cm-anna", expected_version=expected_version)


def goal(app: FamilyCases, family_id: UUID, member_id: UUID, *, goal_id: UUID,
         expected_version: int | None = None) -> CommandResult:
    return app.handle(SetGoal(family_id=family_id, member_ids=[member_id], life_area=LifeArea.WORK,
        description="Teilzeitstelle finden", target_date=None, occurred_on=DAY, goal_id=goal_id),
        recorded_by="cm-anna", expected_version=expected_version)


# ----- a) two writers on the same version ---------------------------------------------


def test_two_writers_saving_the_same_version_exactly_one_wins(
        make_app: Callable[..., FamilyCases]) -> None:
    first, second, reader = make_app(), make_app(), make_app()
    opened, members = open_case(first)
    family_id, member_id = opened.family_id, first_parent_id(members)

    for round_ in range(6):
        before = first.recorder.select_events(family_id)
        mine: FamilyCase = first.repository.get(family_id)
        theirs: FamilyCase = second.repository.get(family_id)
        assert mine.version == theirs.version == len(before)
        consultation_id, goal_id = uuid4(), uuid4()
        mine.record_consultation(
            consultation_id=consultation_id, duration_minutes=30, mode=ContactMode.PHONE,
            topics=[Topic.BENEFITS], members_present=[member_id], location=None,
            notes=f"round {round_}", next_follow_up_on=None, occurred_on=DAY,
            recorded_by="cm-anna")
        theirs.set_goal(goal_id=goal_id, member_ids=[member_id], life_area=LifeArea.MONEY,
                        description=f"round {round_}", target_date=None, occurred_on=DAY,
                        recorded_by="cm-ben")

        outcomes = run_together(lambda mine=mine: first.save(mine),
                                lambda theirs=theirs: second.save(theirs))

        winners = [i for i, o in enumerate(outcomes) if o.ok]
        assert len(winners) == 1, unexpected(outcomes)
        loser = outcomes[1 - winners[0]].error
        assert isinstance(loser, IntegrityError)
        assert isinstance(loser, RecordConflictError)

        stored = first.recorder.select_events(family_id)
        assert stored[:len(before)] == before, "an earlier event was overwritten"
        assert_contiguous(first, family_id, len(before) + 1)
        new = stored[-1]
        won_event = ("ConsultationRecorded", "GoalSet")[winners[0]]
        assert new.topic.endswith(won_event)

        state = reader.get_case(family_id).state
        history = reader.history(family_id)
        if winners[0] == 0:
            assert consultation_id in state.consultations
            assert goal_id not in state.goals
            assert [h.facts.get("consultation_id") for h in history].count(
                str(consultation_id)) == 1
        else:
            assert goal_id in state.goals
            assert consultation_id not in state.consultations
            assert [h.facts.get("goal_id") for h in history].count(str(goal_id)) == 1
        assert str(consultation_id if winners[0] else goal_id) not in str(
            [h.facts for h in history])


def test_a_stale_writer_is_rejected_even_when_saving_later(
        make_app: Callable[..., FamilyCases]) -> None:
    first, second = make_app(), make_app()
    opened, members = open_case(first)
    family_id = opened.family_id
    mine: FamilyCase = first.repository.get(family_id)
    theirs: FamilyCase = second.repository.get(family_id)
    goal_id = uuid4()
    mine.assign_case_manager(case_manager="cm-ben", reason="Urlaub", occurred_on=DAY,
                             recorded_by="cm-anna")
    theirs.set_goal(goal_id=goal_id, member_ids=[first_parent_id(members)],
                    life_area=LifeArea.HOUSING, description="Wohnung", target_date=None,
                    occurred_on=DAY, recorded_by="cm-anna")

    first.save(mine)
    with pytest.raises(RecordConflictError):
        second.save(theirs)

    assert_contiguous(first, family_id, 3)
    state = second.get_case(family_id).state
    assert state.case_manager == "cm-ben"
    assert goal_id not in state.goals


def test_expected_version_lets_exactly_one_of_two_racing_commands_through(
        make_app: Callable[..., FamilyCases]) -> None:
    first, second = make_app(), make_app()
    opened, members = open_case(first)
    family_id, member_id = opened.family_id, first_parent_id(members)
    gate = LoadGate(2)
    gate.install(first)
    gate.install(second)
    consultation_id, goal_id = uuid4(), uuid4()

    outcomes = run_together(
        lambda: consultation(first, family_id, [member_id], consultation_id=consultation_id,
                             expected_version=2),
        lambda: goal(second, family_id, member_id, goal_id=goal_id, expected_version=2))

    winners = [i for i, o in enumerate(outcomes) if o.ok]
    assert len(winners) == 1, unexpected(outcomes)
    assert outcomes[winners[0]].value.version == 3
    stale = outcomes[1 - winners[0]].error
    assert isinstance(stale, StaleVersion), repr(stale)
    assert (stale.family_id, stale.expected, stale.actual) == (family_id, 2, 3)

    assert_contiguous(first, family_id, 3)
    state = make_app().get_case(family_id).state
    assert (consultation_id in state.consultations) == (winners[0] == 0)
    assert (goal_id in state.goals) == (winners[0] == 1)


@pytest.mark.parametrize("writers", [2, 6])
def test_expected_version_without_gate_many_writers_one_wins(
        make_app: Callable[..., FamilyCases], writers: int) -> None:
    apps = [make_app() for _ in range(2)]
    opened, members = open_case(apps[0])
    family_id, member_id = opened.family_id, first_parent_id(members)
    ids = [uuid4() for _ in range(writers)]

    for round_ in range(3):
        expected = 2 + round_
        outcomes = run_together(*(
            (lambda i=i, first_round=round_ == 0, expected=expected: consultation(
                apps[i % 2], family_id, [member_id],
                consultation_id=ids[i] if first_round else None,
                expected_version=expected))
            for i in range(writers)))
        ok = [o for o in outcomes if o.ok]
        assert len(ok) == 1, unexpected(outcomes)
        assert ok[0].value.version == expected + 1
        for o in outcomes:
            if not o.ok:
                assert isinstance(o.error, StaleVersion), repr(o.error)
                assert o.error.expected == expected
                assert o.error.actual == expected + 1
        assert_contiguous(apps[0], family_id, expected + 1)

    state = apps[1].get_case(family_id).state
    assert len(state.consultations) == 3
    assert sum(i in state.consultations for i in ids) == 1


def test_a_stale_command_stores_nothing(make_app: Callable[..., FamilyCases]) -> None:
    first, second = make_app(), make_app()
    opened, members = open_case(first)
    family_id, member_id = opened.family_id, first_parent_id(members)
    consultation(first, family_id, [member_id], expected_version=2)
    goal_id = uuid4()

    with pytest.raises(StaleVersion) as raised:
        goal(second, family_id, member_id, goal_id=goal_id, expected_version=2)

    assert (raised.value.expected, raised.value.actual) == (2, 3)
    assert_contiguous(first, family_id, 3)
    assert goal_id not in second.get_case(family_id).state.goals


# ----- b) independent appends without expected version ---------------------------------


def _append_consultations(apps: list[FamilyCases], family_id: UUID, member_id: UUID,
                          ids: list[list[UUID]], conflicts: list[str]) -> list[Outcome]:
    """One thread per row of ``ids``, each recording its consultations one by one (a
    ConcurrencyConflict is sent again and noted in ``conflicts``)."""
    def writer(t: int) -> list[CommandResult]:
        application = apps[t % len(apps)]
        results = []
        for c in ids[t]:
            def command(c: UUID = c) -> CommandResult:
                return consultation(application, family_id, [member_id], consultation_id=c)
            results.append(as_client(command, conflicts))
        return results

    return run_together(*(lambda t=t: writer(t) for t in range(len(ids))))


def _check_appended(reader: FamilyCases, family_id: UUID, ids: list[list[UUID]],
                    outcomes: list[Outcome]) -> None:
    """Every consultation exactly once, each in its own version, versions 1..n."""
    total = sum(len(row) for row in ids)
    results = [r for o in outcomes for r in o.value]
    assert sorted(r.version for r in results) == list(range(3, 3 + total))
    assert_contiguous(reader, family_id, 2 + total)
    state = reader.get_case(family_id).state
    expected_ids = {c for row in ids for c in row}
    assert set(state.consultations) == expected_ids
    history = reader.history(family_id)
    recorded = [h.facts["consultation_id"] for h in history
                if h.event == "ConsultationRecorded"]
    assert Counter(recorded) == Counter(str(c) for c in expected_ids)  # once each
    by_version = {h.version: h.facts.get("consultation_id") for h in history}
    for c in state.consultations.values():
        assert by_version[c.version] == str(c.consultation_id)
    # the recording times follow the versions (``get_case_as_of`` relies on it)
    recorded_at = [h.recorded_at for h in history]
    assert recorded_at == sorted(recorded_at)
    # read-your-writes positions: one per command, in the order of the family's versions
    positions = [r.position for r in sorted(results, key=lambda r: r.version)]
    assert None not in positions
    assert positions == sorted(set(positions))


@pytest.mark.parametrize("forced", [False, True], ids=["free", "gated"])
def test_independent_appends_without_expected_version_are_all_recorded_once(
        make_app: Callable[..., FamilyCases], forced: bool) -> None:
    """8 threads x 10 consultations on one family through two application instances:
    all succeed, each recorded exactly once."""
    apps = [make_app(snapshot_interval=7) for _ in range(2)]
    opened, members = open_case(apps[0])
    family_id, member_id = opened.family_id, first_parent_id(members)
    ids = [[uuid4() for _ in range(10)] for _ in range(8)]
    if forced:  # threads of one application queue for the family (a lock per family in
        # each process); the gate makes each one's first command collide with a thread of
        # the other application, both having decided on the same version
        gate = LoadGate(len(apps))
        for application in apps:
            gate.install(application)
    conflicts: list[str] = []

    outcomes = _append_consultations(apps, family_id, member_id, ids, conflicts)

    assert not unexpected(outcomes)
    reader = make_app(snapshot_interval=7)
    _check_appended(reader, family_id, ids, outcomes)
    # point-in-time reads across the snapshots agree with the history
    by_version = {h.version: h.facts.get("consultation_id")
                  for h in reader.history(family_id)}
    for version in (7, 8, 42, 82):
        seen = reader.get_case(family_id, version=version).state.consultations
        assert {str(c) for c in seen} == {
            v for k, v in by_version.items() if k <= version and v is not None}
    assert_no_conflicts(conflicts)


# ----- c) case numbers under concurrent intakes -----------------------------------------


def _intakes(apps: list[FamilyCases], plan: list[list[tuple[str, date]]],
             conflicts: list[str]) -> list[Outcome]:
    """One thread per row of ``plan``, each opening its cases one by one (a
    ConcurrencyConflict is sent again, for the same family, and noted in ``conflicts``)."""
    def worker(t: int) -> list[tuple[str, UUID]]:
        application = apps[t % len(apps)]
        opened = []
        for project, day in plan[t]:
            kwargs = intake_kwargs([parent()], project=project, occurred_on=day,
                                   consent_given_on=day, family_id=uuid4())
            def command(kwargs: dict[str, Any] = kwargs) -> OpenedCase:
                return run_intake(application, **kwargs)
            result = as_client(command, conflicts)
            assert result.family_id == kwargs["family_id"]
            opened.append((result.case_number, result.family_id))
        return opened

    return run_together(*(lambda t=t: worker(t) for t in range(len(plan))))


def _check_sequence(app: FamilyCases, project: str, year: int,
                    issued: list[tuple[str, UUID]]) -> None:
    count = len(issued)
    numbers = sorted(n for n, _ in issued)
    assert numbers == [f"{project}-{year}-{i:04d}" for i in range(1, count + 1)]
    assert len({f for _, f in issued}) == count
    sequence_id = CaseNumberSequence.id_for(project, year)
    sequence: CaseNumberSequence = app.repository.get(sequence_id)
    assert sequence.last_number == count
    assert_contiguous(app, sequence_id, count + 1)
    issued_to = {e.number: e.family_id for e in app.events.get(sequence_id)
                 if isinstance(e, CaseNumberSequence.NumberIssued)}
    for number, family_id in issued:
        assert issued_to[int(number[-4:])] == family_id
        assert app.get_case(family_id).state.case_number == number
        assert_contiguous(app, family_id, 2)


def test_concurrent_intakes_get_distinct_gap_free_case_numbers(
        make_app: Callable[..., FamilyCases]) -> None:
    """16 threads x 5 intakes through four application instances: all succeed. (Were
    one turned away, it is sent again for the same family, so the run still shows
    whether it stored nothing and used up no number.)"""
    apps = [make_app() for _ in range(4)]
    threads, per_thread = 16, 5
    plan = [[("KR", date(2026, 3, 2))] * per_thread for _ in range(threads)]
    conflicts: list[str] = []

    outcomes = _intakes(apps, plan, conflicts)

    assert not unexpected(outcomes)
    issued = [x for o in outcomes for x in o.value]
    assert len(issued) == threads * per_thread
    _check_sequence(make_app(), "KR", 2026, issued)
    assert_no_conflicts(conflicts)


def test_projects_and_years_number_their_cases_independently(
        make_app: Callable[..., FamilyCases]) -> None:
    apps = [make_app(snapshot_interval=4) for _ in range(3)]
    keys = [("KR", date(2026, 3, 2)), ("DU", date(2026, 5, 11)), ("KR", date(2025, 12, 30))]
    plan = [[keys[(t + i) % len(keys)] for i in range(6)] for t in range(8)]
    conflicts: list[str] = []

    outcomes = _intakes(apps, plan, conflicts)

    assert not unexpected(outcomes)
    issued = [x for o in outcomes for x in o.value]
    reader = make_app(snapshot_interval=4)
    for project, day in keys:
        prefix = f"{project}-{day.year}-"
        mine = [x for x in issued if x[0].startswith(prefix)]
        assert len(mine) == 16
        _check_sequence(reader, project, day.year, mine)
    assert_no_conflicts(conflicts)


@pytest.mark.parametrize("same_app", [False, True], ids=["two_apps", "one_app"])
def test_a_double_submitted_intake_opens_one_case_and_uses_one_number(
        make_app: Callable[..., FamilyCases], same_app: bool) -> None:
    """The same intake (same family id) sent twice at once: one case, one number; the
    other submission is refused and uses up no number."""
    first = make_app()
    second = first if same_app else make_app()
    families = [uuid4() for _ in range(4)]

    for round_, family_id in enumerate(families, start=1):
        kwargs = intake_kwargs([parent()], family_id=family_id)
        outcomes = run_together(lambda kwargs=kwargs: run_intake(first, **kwargs),
                                lambda kwargs=kwargs: run_intake(second, **dict(kwargs)))

        assert sum(o.ok for o in outcomes) == 1, unexpected(outcomes)
        opened = next(o.value for o in outcomes if o.ok)
        assert opened.case_number == f"KR-2026-{round_:04d}"
        error = next(o.error for o in outcomes if not o.ok)
        assert isinstance(error, ConcurrencyConflict), repr(error)
        assert_contiguous(first, family_id, 2)

    reader = make_app()
    _check_sequence(reader, "KR", 2026, [
        (reader.get_case(f).state.case_number, f) for f in families])


# ----- d) dependent conflicts ------------------------------------------------------------


@pytest.mark.parametrize("forced", [True, False], ids=["gated", "free"])
def test_two_exits_of_the_same_participant_record_exactly_one(
        make_app: Callable[..., FamilyCases], forced: bool) -> None:
    first, second = make_app(), make_app()
    rounds = 4
    members = [parent(given=f"Person{i}") for i in range(rounds)]
    opened, _ = open_case(first, members=members)
    family_id = opened.family_id
    for m in members:
        first.handle(EnterParticipant(family_id=family_id, member_id=m.member_id, entry=entry(),
            occurred_on=date(2026, 3, 9)),
            recorded_by="cm-anna")

    if forced:  # a fresh pair of threads per round, so the gate holds each round
        gate = LoadGate(2)
        gate.install(first)
        gate.install(second)
    for m in members:
        outcomes = run_together(
            lambda m=m: first.handle(RecordExit(family_id=family_id, member_id=m.member_id,
                status=ExitStatus.EMPLOYED, occurred_on=DAY),
                recorded_by="cm-anna"),
            lambda m=m: second.handle(RecordExit(family_id=family_id, member_id=m.member_id,
                status=ExitStatus.JOB_SEARCHING, occurred_on=DAY),
                recorded_by="cm-ben"))

        winners = [i for i, o in enumerate(outcomes) if o.ok]
        assert len(winners) == 1, unexpected(outcomes)
        error = outcomes[1 - winners[0]].error
        assert isinstance(error, RuleViolation), repr(error)
        assert error.rule == "not_participating"

        history = make_app().history(family_id)
        exits = [h for h in history if h.event == "ParticipantLeft"
                 and h.facts["member_id"] == str(m.member_id)]
        assert len(exits) == 1
        assert exits[0].facts["status"] == ("employed", "job_searching")[winners[0]]
        assert [h.version for h in history] == list(range(1, len(history) + 1))

    state = second.get_case(family_id).state
    assert all(len(ps) == 1 and not ps[0].active for ps in state.participations.values())
    assert len(state.participations) == rounds


def _close(app: FamilyCases, family_id: UUID) -> CommandResult:
    return app.handle(CloseCase(family_id=family_id, reason=ClosureReason.GOALS_ACHIEVED,
        note=None, occurred_on=DAY),
        recorded_by="cm-anna")


@pytest.mark.parametrize("conflict", ["close", "achieve_goal", "same_consultation"])
def test_other_dependent_conflicts_record_once_and_name_the_rule(
        make_app: Callable[..., FamilyCases], conflict: str) -> None:
    first, second = make_app(), make_app()
    opened, members = open_case(first)
    family_id, member_id = opened.family_id, first_parent_id(members)
    goal_id, consultation_id = uuid4(), uuid4()
    goal(first, family_id, member_id, goal_id=goal_id)
    commands: dict[str, tuple[Callable[[FamilyCases], Any], str, str]] = {
        "close": (lambda a: _close(a, family_id), "case_closed", "CaseClosed"),
        "achieve_goal": (lambda a: a.handle(AchieveGoal(family_id=family_id, goal_id=goal_id,
            occurred_on=DAY),
            recorded_by="cm-anna"),
                         "goal_not_open", "GoalAchieved"),
        "same_consultation": (lambda a: consultation(a, family_id, [member_id],
                                                     consultation_id=consultation_id),
                              "duplicate_consultation", "ConsultationRecorded"),
    }
    command, rule, event = commands[conflict]
    gate = LoadGate(2)
    gate.install(first)
    gate.install(second)

    outcomes = run_together(lambda: command(first), lambda: command(second))

    assert sum(o.ok for o in outcomes) == 1, unexpected(outcomes)
    error = next(o.error for o in outcomes if not o.ok)
    assert isinstance(error, DomainError), repr(error)
    assert error.rule == rule
    history = make_app().history(family_id)
    assert [h.event for h in history].count(event) == 1
    assert [h.version for h in history] == [1, 2, 3, 4]


# ----- e) races with the erasure of personal data ------------------------------------


ERASE = {"legal_basis": ErasureBasis.ART17_REQUEST,
         "note": "Art. 17 GDPR request", "occurred_on": DAY, "recorded_by": "cm-anna"}


def test_two_erasures_at_once_both_succeed_and_record_one_erasure(
        make_app: Callable[..., FamilyCases]) -> None:
    """A repeated erasure is harmless ("safe to repeat"), also when it races the first
    one: both calls succeed, one erasure is recorded."""
    first, second = make_app(), make_app()
    opened, _ = open_case(first)
    family_id = opened.family_id
    gate = LoadGate(2)
    gate.install(first)
    gate.install(second)

    outcomes = run_together(lambda: first.erase_personal_data(family_id, **ERASE),
                            lambda: second.erase_personal_data(family_id, **ERASE))

    reader = make_app()
    history = reader.history(family_id)
    assert [h.event for h in history].count("PersonalDataErased") == 1
    assert not unexpected(outcomes)
    assert {o.value.version for o in outcomes} == {3}
    members = reader.get_case(family_id).state.members.values()
    assert all(m.given_name is None and m.birth_date is None for m in members)  # key gone


def _racing_erasure(make_app: Callable[..., FamilyCases],
                    command: Callable[[FamilyCases, UUID, UUID, UUID], Any]) -> Outcome:
    """A command that loaded the case before the erasure and saves after it (key
    destroyed): its outcome."""
    writer, eraser = make_app(), make_app()
    opened, members = open_case(eraser)
    family_id, member_id = opened.family_id, first_parent_id(members)
    goal_id = uuid4()
    goal(eraser, family_id, member_id, goal_id=goal_id)
    loaded, erased = threading.Event(), threading.Event()
    original = writer._load

    def load_then_wait(family_id: UUID, version: int | None = None,
                       **options: Any) -> FamilyCase:
        case = original(family_id, version, **options)
        if not loaded.is_set():
            loaded.set()
            assert erased.wait(30)
        return case

    writer._load = load_then_wait  # type: ignore[method-assign]
    outcome = Outcome()

    def write() -> None:
        try:
            outcome.value = command(writer, family_id, member_id, goal_id)
        except Exception as e:
            outcome.error = e

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    assert loaded.wait(30)
    eraser.erase_personal_data(family_id, **ERASE)
    erased.set()
    thread.join(JOIN_TIMEOUT)
    assert not thread.is_alive()
    history = make_app().history(family_id)
    assert [h.event for h in history][-1] == "PersonalDataErased"  # nothing after it
    return outcome


def test_a_command_without_personal_data_racing_an_erasure_gets_the_domain_error(
        make_app: Callable[..., FamilyCases]) -> None:
    """Decided before the erasure, saved after it: the save conflicts, the retry sees the
    erased case and refuses; nothing is stored."""
    outcome = _racing_erasure(make_app, lambda app, f, _m, g: app.handle(AchieveGoal(family_id=f,
        goal_id=g, occurred_on=DAY),
        recorded_by="cm-anna"))

    assert isinstance(outcome.error, RuleViolation), repr(outcome.error)
    assert outcome.error.rule == "case_erased"


@pytest.mark.parametrize("expected", [False, True], ids=["no_expected_version",
                                                    "expected_version"])
def test_a_command_with_personal_data_racing_an_erasure_is_refused_cleanly(
        make_app: Callable[..., FamilyCases], expected: bool) -> None:
    """Its event cannot even be sealed (the family's key is gone), which must count as a
    lost race like any other: refused with case_erased (or StaleVersion when the command
    named a version), nothing stored."""
    outcome = _racing_erasure(make_app, lambda app, f, m, _g: consultation(
        app, f, [m], expected_version=3 if expected else None))

    if expected:
        assert isinstance(outcome.error, StaleVersion), repr(outcome.error)
        assert (outcome.error.expected, outcome.error.actual) == (3, 4)
    else:
        assert isinstance(outcome.error, RuleViolation), repr(outcome.error)
        assert outcome.error.rule == "case_erased"


# ----- f) sessions of one social-space offer from two application instances ------------


@pytest.mark.parametrize("shared_lock", [True, False], ids=["one process", "processes"])
def test_sessions_recorded_at_once_on_one_offer_are_all_recorded_once(
        make_app: Callable[..., FamilyCases], monkeypatch: pytest.MonkeyPatch,
        shared_lock: bool) -> None:
    """6 threads x 8 sessions on one offer through two application instances: every
    session is recorded exactly once, in a gap-free history. Writers of one process
    queue for the offer store's lock; without it (as in separate processes) they collide
    in the store, which refuses all but one, and the loser retries on the fresh offer."""
    from contextlib import nullcontext
    from datetime import timedelta

    from application import offers
    from tests.support.offer_builders import TODAY, new_offer

    if not shared_lock:
        monkeypatch.setattr(offers, "_LOCK", nullcontext())

    apps = [make_app() for _ in range(2)]
    offer_id = new_offer(apps[0], starts_on=date(2026, 1, 1))
    mondays = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(48)]
    ids = [uuid4() for _ in mondays]
    conflicts: list[str] = []

    def worker(t: int) -> Callable[[], None]:
        def run() -> None:
            app = apps[t % 2]
            for i in range(t, len(ids), 6):
                as_client(lambda i=i: offers.update(  # type: ignore[misc]
                    app, offer_id, None, lambda o: None, lambda o: o.hold_session(
                        session_id=ids[i], start_time=None, duration_minutes=None,
                        staff_present=["cm-anna"], place_id=None, topics=[],
                        counts={HeadcountGender.WOMEN: {AgeBand.AGE_27_54: 3}},
                        first_time=0, occurred_on=mondays[i], recorded_by="cm-anna",
                        today=TODAY)), conflicts)
        return run

    outcomes = run_together(*(worker(t) for t in range(6)))

    assert not unexpected(outcomes)
    reader = make_app()
    offer = offers.load(reader, offer_id)
    assert set(offer.sessions) == set(ids)
    assert offer.version == 1 + len(ids)
    versions = [e.originator_version for e in reader.events.get(offer_id)]
    assert versions == list(range(1, len(ids) + 2))
    assert_no_conflicts(conflicts)


@pytest.mark.store_independent  # (the race is in the process's aggregate cache)
def test_readers_of_an_offer_being_changed_each_get_a_whole_offer(
        make_app: Callable[..., FamilyCases]) -> None:
    """4 threads read an offer while 2 threads of the same process record 100 sessions on
    it: no read fails, and each read is a whole offer (as many sessions as versions after
    the first). The library copies a cached aggregate after catching it up, so without
    the readers taking turns a second reader's catch-up changed it mid-copy."""
    from datetime import timedelta

    from application import offers
    from tests.support.offer_builders import TODAY, new_offer

    app = make_app()
    offer_id = new_offer(app, starts_on=date(2026, 1, 1))
    mondays = [date(2026, 1, 5) + timedelta(days=n) for n in range(100)]
    writing = threading.Event()
    writing.set()
    torn: list[str] = []

    def writer(t: int) -> Callable[[], None]:
        def run() -> None:
            for day in mondays[t::2]:
                offers.update(app, offer_id, None, lambda o: None, lambda o, d=day: (
                    o.hold_session(
                        session_id=uuid4(), start_time=None, duration_minutes=None,
                        staff_present=["cm-anna"], place_id=None, topics=[],
                        counts={HeadcountGender.WOMEN: {AgeBand.AGE_27_54: 3}},
                        first_time=0, occurred_on=d, recorded_by="cm-anna", today=TODAY)))
        return run

    def reader() -> int:
        reads = 0
        while writing.is_set() or reads == 0:
            offer = offers.load(app, offer_id)
            if len(offer.sessions) != offer.version - 1:
                torn.append(f"version {offer.version} with {len(offer.sessions)} sessions")
            reads += 1
            time.sleep(0.001)  # let the writers at the offer too
        return reads

    def writers() -> None:
        try:
            assert not unexpected(run_together(writer(0), writer(1)))
        finally:
            writing.clear()

    outcomes = run_together(writers, reader, reader, reader, reader)

    assert not unexpected(outcomes)
    assert not torn
    assert all(o.value for o in outcomes[1:])
    assert len(offers.load(make_app(), offer_id).sessions) == len(mondays)
