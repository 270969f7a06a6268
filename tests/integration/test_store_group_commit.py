"""Group commit on the embedded store: commands saved at the same moment share one
transaction, each in its own savepoint, and a collision refuses only its own command.
(PostgreSQL commits each command on its own; the same tests run there as a control.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from application.cases import FamilyCases
from application.idempotency import KeyReplayed, PendingKey, keyed
from application.recorders import LotseSQLiteRecorder, _Job
from application.settings import Settings, new_key_text
from domain.values import ContactMode, Topic
from tests.integration.test_store_concurrency import consultation, run_together
from tests.support.builders import first_parent_id, open_case


def _history_ids(app: FamilyCases, family_id: UUID) -> list[str]:
    return [h.facts["consultation_id"] for h in app.history(family_id)
            if h.event == "ConsultationRecorded"]


def test_commands_saved_at_once_are_all_recorded_once_with_distinct_positions(
        app: FamilyCases, store: str, monkeypatch: pytest.MonkeyPatch) -> None:
    families = [open_case(app) for _ in range(12)]
    batches: list[int] = []
    if store == "sqlite":
        recorder = app.recorder
        assert isinstance(recorder, LotseSQLiteRecorder)
        original = recorder._write

        def counting(batch: list[_Job]) -> None:
            batches.append(len(batch))
            original(batch)

        monkeypatch.setattr(recorder, "_write", counting)
    planned = {opened.family_id: [uuid4() for _ in range(15)] for opened, _ in families}
    members = {opened.family_id: first_parent_id(m) for opened, m in families}

    def writer(family_id: UUID) -> list[int | None]:
        return [consultation(app, family_id, [members[family_id]], consultation_id=c).position
                for c in planned[family_id]]

    outcomes = run_together(*(lambda f=f: writer(f) for f in planned))

    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    positions = [p for o in outcomes for p in o.value]
    assert None not in positions
    assert len(set(positions)) == len(positions) == 12 * 15
    for family_id, ids in planned.items():
        assert _history_ids(app, family_id) == [str(c) for c in ids]
    if store == "sqlite":
        assert sum(batches) == 12 * 15
        assert max(batches) > 1, "no two saves ever shared a commit"


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[FamilyCases]:
    """Group commit is how the embedded store saves (PostgreSQL commits each command
    on its own), so this one runs on SQLite only."""
    with FamilyCases(Settings(data_dir=tmp_path, master_key=new_key_text(),
                              mode="production")) as application:
        yield application


def test_a_collision_in_a_shared_commit_refuses_only_its_own_command(
        embedded: FamilyCases) -> None:
    app = embedded
    recorder = app.recorder
    assert isinstance(recorder, LotseSQLiteRecorder)
    (first, m1), (second, m2) = open_case(app), open_case(app)
    # events of two real commands, taken without saving them
    one = app.repository.get(first.family_id)
    two = app.repository.get(second.family_id)
    for case, members in ((one, m1), (two, m2)):
        case.record_consultation(
            consultation_id=uuid4(), duration_minutes=30, mode=ContactMode.OFFICE,
            topics=[Topic.BENEFITS],
            members_present=[first_parent_id(members)], location=None, notes="x",
            next_follow_up_on=None, occurred_on=one.state.opened_on, recorded_by="cm-anna")
    stored_one = [app.mapper.to_stored_event(e) for e in one.collect_events()]
    stored_two = [app.mapper.to_stored_event(e) for e in two.collect_events()]
    stale = [app.mapper.to_stored_event(e) for e in app.events.get(second.family_id)][:1]
    key = PendingKey("st-1", "k-1", "fingerprint", first.family_id)
    twin = PendingKey("st-1", "k-1", "fingerprint", second.family_id)
    jobs = [_Job(stored_one, {}, key), _Job(stale, {}, None), _Job(stored_two, {}, twin)]

    recorder._write(jobs)

    assert jobs[0].error is None
    assert jobs[0].positions
    assert isinstance(jobs[1].error, IntegrityError)  # version 1 exists: refused alone
    assert isinstance(jobs[2].error, IntegrityError)  # the key is taken: refused alone
    assert len(_history_ids(app, first.family_id)) == 1
    assert _history_ids(app, second.family_id) == []
    receipt = app.find_receipt("st-1", "k-1")
    assert receipt is not None
    assert receipt.family_id == first.family_id


def test_twin_commands_with_one_key_record_once_and_both_get_the_first_answer(
        make_settings: Any) -> None:
    """Two application instances (two server processes) receive the same keyed command
    at the same moment."""
    apps = [FamilyCases(make_settings()) for _ in range(2)]
    try:
        opened, members = open_case(apps[0])
        member = first_parent_id(members)
        barrier = threading.Barrier(2)

        def send(app: FamilyCases) -> tuple[int, UUID | None]:
            pending = PendingKey("st-1", "same-key", "fp", opened.family_id)
            barrier.wait(timeout=30)
            try:
                with keyed(pending):
                    return consultation(app, opened.family_id, [member]).version, None
            except KeyReplayed as e:
                return e.receipt.version, e.receipt.family_id

        outcomes = run_together(*(lambda a=a: send(a) for a in apps))
        assert all(o.ok for o in outcomes), [o.error for o in outcomes]
        assert {o.value[0] for o in outcomes} == {3}
        assert len(_history_ids(apps[0], opened.family_id)) == 1
    finally:
        for app in apps:
            app.close()
