"""Snapshots (sealed, used when loading, equal to a full replay) and the upcasting of
stored events written by an earlier version of an event class."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import reduce
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from application.cases import CaseNotFound, FamilyCases
from application.commands import CorrectEntry, RecordConsultation
from application.mapper import _sealed
from application.repository import snapshot_due
from application.settings import Settings
from domain.case_numbers import CaseNumberSequence
from domain.events import ConsultationRecorded
from domain.family_case import FamilyCase
from domain.records import FieldChange
from domain.values import ContactMode, Topic
from tests.conftest import SettingsFactory
from tests.integration.test_store_roundtrip import FAMILY_NAME, assert_same, build_full_case
from tests.support.builders import INTAKE, first_parent_id, open_case, parent

DAY = timedelta(days=1)


@contextmanager
def running(settings: Settings) -> Iterator[FamilyCases]:
    app = FamilyCases(settings)
    try:
        yield app
    finally:
        app.close()


def replayed(app: FamilyCases, family_id: UUID, version: int | None = None) -> FamilyCase:
    """The case rebuilt from its stored events alone, never from a snapshot."""
    case = reduce(lambda agg, event: event.mutate(agg),
                  app.events.get(family_id, lte=version), None)
    assert isinstance(case, FamilyCase)
    return case


def consult(app: FamilyCases, family_id: UUID, i: int, member_id: UUID) -> None:
    app.handle(RecordConsultation(family_id=family_id, duration_minutes=30 + i % 90,
        mode=list(ContactMode)[i % len(ContactMode)], topics=[list(Topic)[i % len(Topic)]],
        members_present=[member_id], location="Beratungsstelle Süd",
        notes=f"Gespräch {i} mit Familie {FAMILY_NAME}", next_follow_up_on=INTAKE + (i + 7) * DAY,
        occurred_on=INTAKE + i * DAY),
        recorded_by="cm-anna")


class EventReads:
    """Records which stored events the application asks for (to see snapshots used)."""

    def __init__(self, app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        original = app.events.get

        def get(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(kwargs)
            return original(*args, **kwargs)

        monkeypatch.setattr(app.events, "get", get)


@pytest.fixture
def snapshotted(make_settings: SettingsFactory) -> Iterator[tuple[FamilyCases, UUID]]:
    """A family with 35 events in a store that snapshots every 10 events (no aggregate
    cache, so every load goes to the store as in a freshly started process)."""
    with running(make_settings(snapshot_interval=10, aggregate_cache_size=0)) as app:
        opened, members = open_case(app, [parent(family=FAMILY_NAME)])
        pid = first_parent_id(members)
        for i in range(33):
            consult(app, opened.family_id, i, pid)
        assert app.get_case(opened.family_id).version == 35
        yield app, opened.family_id


def test_snapshots_are_taken_at_every_interval(
        snapshotted: tuple[FamilyCases, UUID]) -> None:
    app, family_id = snapshotted
    assert app.snapshots is not None

    latest = list(app.snapshots.get(family_id, desc=True, limit=1))

    assert len(latest) == 1
    assert latest[0].originator_version == 30
    assert [s.originator_version for s in app.snapshots.get(family_id)] == [10, 20, 30]


def test_loading_starts_from_the_latest_snapshot(
        snapshotted: tuple[FamilyCases, UUID], monkeypatch: pytest.MonkeyPatch) -> None:
    app, family_id = snapshotted
    reads = EventReads(app, monkeypatch)

    view = app.get_case(family_id)

    assert view.version == 35
    assert reads.calls == [{"originator_id": family_id, "gt": 30, "lte": None}]


def test_the_snapshot_state_equals_a_full_replay(snapshotted: tuple[FamilyCases, UUID]) -> None:
    app, family_id = snapshotted
    assert app.snapshots is not None
    snapshot = next(iter(app.snapshots.get(family_id, desc=True, limit=1)))
    from_snapshot = snapshot.mutate(None)

    from_events = replayed(app, family_id, version=30)

    assert from_snapshot.version == from_events.version == 30
    assert_same(from_events.state, from_snapshot.state, "state")
    assert from_snapshot.created_on == from_events.created_on
    assert from_snapshot.modified_on == from_events.modified_on


@pytest.mark.parametrize("version", [1, 2, 5, 9, 10, 11, 25, 30, 31, 34, 35, None])
def test_get_case_at_any_version_equals_a_replay(
        snapshotted: tuple[FamilyCases, UUID], version: int | None) -> None:
    app, family_id = snapshotted

    view = app.get_case(family_id, version=version)

    expected = replayed(app, family_id, version)
    assert view.version == expected.version == (version or 35)
    assert_same(expected.state, view.state, "state")
    assert view.opened_at == expected.created_on
    assert view.modified_at == expected.modified_on
    assert len(view.state.consultations) == max(0, (version or 35) - 2)


def test_a_case_loads_from_its_snapshot_in_a_new_application_instance(
        make_settings: SettingsFactory, snapshotted: tuple[FamilyCases, UUID]) -> None:
    app, family_id = snapshotted
    with running(make_settings(snapshot_interval=10)) as again:
        assert_same(app.get_case(family_id).state, again.get_case(family_id).state, "state")


def test_the_stored_snapshot_is_sealed(snapshotted: tuple[FamilyCases, UUID]) -> None:
    app, family_id = snapshotted
    assert app.snapshots is not None
    stored = app.snapshots.recorder.select_events(family_id, desc=True, limit=1)[0]

    state = bytes(stored.state)

    assert stored.originator_version == 30
    assert FAMILY_NAME.encode() not in state
    assert b"Beratungsstelle" not in state
    assert "Gespräch".encode() not in state
    assert b'"$sealed"' in state


def test_a_snapshot_of_every_kind_of_state_round_trips(make_settings: SettingsFactory) -> None:
    """Snapshot at every second event of a case with members, participations, goals,
    referrals and corrections: each loads to exactly the replayed state."""
    with running(make_settings(snapshot_interval=2)) as app:
        case = build_full_case(app)
        latest = app.get_case(case.family_id).version
        assert app.snapshots is not None
        versions = [s.originator_version for s in app.snapshots.get(case.family_id)]
        assert versions == list(range(2, latest + 1, 2))
        for version in range(1, latest + 1):
            view = app.get_case(case.family_id, version=version)
            assert_same(replayed(app, case.family_id, version).state, view.state,
                        f"v{version}.state")


def test_the_case_number_sequence_resumes_from_its_snapshot(
        make_settings: SettingsFactory) -> None:
    with running(make_settings(snapshot_interval=10)) as app:
        numbers = [open_case(app)[0].case_number for _ in range(12)]
        sequence_id = CaseNumberSequence.id_for("KR", INTAKE.year)
        assert app.snapshots is not None
        assert [s.originator_version for s in app.snapshots.get(sequence_id)] == [10]
        assert b"KR" in bytes(app.snapshots.recorder.select_events(sequence_id)[0].state)
    with running(make_settings(snapshot_interval=10)) as again:
        numbers.append(open_case(again)[0].case_number)
    assert numbers == [f"KR-2026-{n:04d}" for n in range(1, 14)]


@pytest.mark.slow
def test_a_family_with_two_thousand_consultations_loads_and_replays_alike(
        make_settings: SettingsFactory) -> None:
    with running(make_settings()) as app:  # the default interval: every 50 events
        opened, members = open_case(app, [parent(family=FAMILY_NAME)])
        pid = first_parent_id(members)
        for batch in range(4):
            case = app.repository.get(opened.family_id)
            for i in range(500):
                n = batch * 500 + i
                case.record_consultation(
                    consultation_id=uuid4(), duration_minutes=1 + n % 1440,
                    mode=list(ContactMode)[n % len(ContactMode)],
                    topics=[list(Topic)[n % len(Topic)], Topic.OTHER],
                    members_present=[pid], location=f"Raum {n}",
                    notes=f"Notiz {n}: {FAMILY_NAME}",
                    next_follow_up_on=None, occurred_on=INTAKE + (n % 250) * DAY,
                    recorded_by=f"cm-{n % 7}")
            app.save(case)
        expected = case
        # the last consultations follow the command path
        for n in range(2000, 2005):
            consult(app, opened.family_id, n % 250, pid)

        view = app.get_case(opened.family_id)
        assert view.version == 2 + 2005
        assert len(view.state.consultations) == 2005
        assert_same(replayed(app, opened.family_id).state, view.state, "state")
        at_2000 = app.get_case(opened.family_id, version=2002)
        assert_same(expected.state, at_2000.state, "state")
        assert app.snapshots is not None
        latest = next(iter(app.snapshots.get(opened.family_id, desc=True, limit=1)))
        assert latest.originator_version == 2000
        assert len(app.history(opened.family_id)) == 2007
        notes = [c.notes for c in view.state.consultations.values()][:2000]
        assert notes == [f"Notiz {n}: {FAMILY_NAME}" for n in range(2000)]


# ----- upcasting -------------------------------------------------------------------------


def v1_consultation(family_id: UUID, version: int, *, topic: str | None, notes: Any,
                    location: Any = None, consultation_id: UUID | None = None) -> StoredEvent:
    """A ConsultationRecorded as version 1 of the class stored it: one ``topic``, no
    ``topics`` and no ``class_version``."""
    state = {
        "timestamp": "2026-03-20T09:15:00.123456Z",
        "occurred_on": "2026-03-19",
        "recorded_by": "cm-alt",
        "consultation_id": str(consultation_id or uuid4()),
        "duration_minutes": 50,
        "mode": "office",
        "topic": topic,
        "members_present": [],
        "location": location,
        "notes": notes,
        "next_follow_up_on": "2026-04-02",
    }
    return StoredEvent(originator_id=family_id, originator_version=version,
                       topic=get_topic(ConsultationRecorded), state=orjson.dumps(state))


@pytest.fixture
def with_v1_event(app: FamilyCases) -> tuple[FamilyCases, UUID, UUID, int]:
    opened, _ = open_case(app)
    consultation_id = uuid4()
    version = opened.version + 1
    app.recorder.insert_events([v1_consultation(
        opened.family_id, version, topic="job_search", notes="alte Notiz",
        consultation_id=consultation_id)])
    return app, opened.family_id, consultation_id, version


def test_a_version_1_consultation_is_upcast_when_read(
        with_v1_event: tuple[FamilyCases, UUID, UUID, int]) -> None:
    app, family_id, consultation_id, version = with_v1_event
    assert ConsultationRecorded.class_version == 2

    event = list(app.events.get(family_id))[-1]

    assert type(event) is ConsultationRecorded
    assert event.originator_version == version
    assert event.consultation_id == consultation_id
    assert event.topics == (Topic.JOB_SEARCH,)
    assert type(event.topics) is tuple
    assert not hasattr(event, "topic")
    assert event.occurred_on == date(2026, 3, 19)
    assert event.mode is ContactMode.OFFICE
    assert event.notes == "alte Notiz"


def test_a_case_with_a_version_1_consultation_loads(
        with_v1_event: tuple[FamilyCases, UUID, UUID, int]) -> None:
    app, family_id, consultation_id, version = with_v1_event

    state = app.get_case(family_id).state

    consultation = state.consultations[consultation_id]
    assert consultation.topics == (Topic.JOB_SEARCH,)
    assert consultation.version == version
    assert state.last_contact_on == date(2026, 3, 19)
    assert state.next_follow_up_on == date(2026, 4, 2)
    entry_ = app.history(family_id)[-1]
    assert entry_.event == "ConsultationRecorded"
    assert entry_.facts["topics"] == ["job_search"]
    assert "topic" not in entry_.facts


def test_a_version_1_consultation_can_be_corrected_and_snapshotted(
        make_settings: SettingsFactory) -> None:
    with running(make_settings(snapshot_interval=4)) as app:
        opened, _ = open_case(app)
        consultation_id = uuid4()
        app.recorder.insert_events([v1_consultation(
            opened.family_id, 3, topic="job_search", notes="alte Notiz",
            consultation_id=consultation_id)])
        result = app.handle(CorrectEntry(family_id=opened.family_id, corrected_version=3,
            changes=[FieldChange("duration_minutes", "55")], reason="nachgetragen",
            occurred_on=INTAKE + 20 * DAY),
            recorded_by="cm-anna")
        assert result.version == 4
        assert app.snapshots is not None
        assert [s.originator_version for s in app.snapshots.get(opened.family_id)] == [4]
    with running(make_settings(snapshot_interval=4)) as again:
        consultation = again.get_case(opened.family_id).state.consultations[consultation_id]
        assert consultation.topics == (Topic.JOB_SEARCH,)
        assert consultation.duration_minutes == 55


def test_new_consultations_are_stored_as_version_2(app: FamilyCases) -> None:
    opened, members = open_case(app)
    consult(app, opened.family_id, 1, first_parent_id(members))

    stored = app.recorder.select_events(opened.family_id)[-1]

    data = orjson.loads(stored.state)
    assert data["class_version"] == 2
    assert data["topics"] == [list(Topic)[1].value]
    assert "topic" not in data


def test_a_sealed_version_1_consultation_is_unsealed_then_upcast(app: FamilyCases) -> None:
    """A v1 record as the mapper wrote it: personal fields sealed with the family key."""
    opened, _ = open_case(app)
    family_id = opened.family_id
    key = app.keys.key_for_writing(family_id)
    app.recorder.insert_events([v1_consultation(
        family_id, 3, topic="money_and_debts",
        notes=_sealed(key, "versiegelte alte Notiz", family_id.bytes),
        location=_sealed(key, "Hausbesuch", family_id.bytes))])

    event = list(app.events.get(family_id))[-1]

    assert event.topics == (Topic.MONEY_AND_DEBTS,)
    assert (event.notes, event.location) == ("versiegelte alte Notiz", "Hausbesuch")
    assert getattr(event, "erased_fields", ()) == ()


def test_a_version_1_consultation_without_topic_upcasts_to_no_topics(
        app: FamilyCases) -> None:
    opened, _ = open_case(app)
    app.recorder.insert_events([v1_consultation(opened.family_id, 3, topic=None,
                                                notes=None)])

    event = list(app.events.get(opened.family_id))[-1]

    assert event.topics == ()


def test_upcasting_needs_the_family_to_exist(app: FamilyCases) -> None:
    """A stray v1 event without an intake is not a family case."""
    stray = uuid4()
    app.recorder.insert_events([v1_consultation(stray, 1, topic="job_search", notes=None)])
    with pytest.raises(CaseNotFound):
        app.history(stray)


def test_snapshots_grow_rarer_as_the_history_grows_but_replay_stays_short() -> None:
    due = [v for v in range(1, 5001) if snapshot_due(v, 50)]
    assert due[:16] == list(range(50, 801, 50))  # every 50 events at first
    assert 850 not in due
    assert 900 in due
    for before, after in itertools.pairwise(due):
        assert after - before <= max(50, after // 8)  # replay: at most ~1/16 of history
    assert len(due) < 5000 // 50 // 2  # far fewer than a fixed interval would take
