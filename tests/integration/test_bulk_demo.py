"""``lotse demo-data``: the demo's families recorded in bulk, on both stores.

Every family loads and its history is valid (a plain replay of its events gives the
state the application serves, with as many consultations, goals, referrals, members and
entries as there are events for them), case numbers are gap-free per project and year in
order of intake, every event is in the log, personal data is sealed at rest, and the
same seed gives the same histories as another bulk load and as ``load_demo``.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.directory import Directory
from application.keys import KeyDestroyedError
from application.settings import Settings
from cli.main import app as cli
from demo import population as fam
from demo.bulk import load_bulk_demo
from demo.loading import DemoAlreadyLoaded, DemoSummary, load_demo
from domain.case_numbers import CaseNumberSequence
from domain.directory import DIRECTORY_ID
from domain.family_case import FamilyCase
from domain.rules import today_in_programme
from domain.values import CaseStatus
from tests.conftest import SettingsFactory, drop_schema
from tests.integration.test_store_encryption import raw_store_bytes
from tests.support.processes import configure_lotse

FAMILIES = 40
TODAY = today_in_programme()


def bulk(app: FamilyCases, *, seed: int, families: int = FAMILIES, chunk: int = 7,
         progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    return load_bulk_demo(app, Directory(app), today=TODAY, families=families, seed=seed,
                          chunk=chunk, progress=progress)


def family_ids(app: FamilyCases) -> list[UUID]:
    """Every family in the store, in order of the intakes in the log."""
    return [UUID(str(n.originator_id)) for n in app.recorder.select_notifications(0, 10**6)
            if n.topic.endswith("CaseOpened")]


def histories(app: FamilyCases) -> list[Any]:
    """Each family's case number and history, staff ids replaced by staff names (ids and
    tokens are new on every run)."""
    names = {s.staff_id: s.name for s in Directory(app).staff()}
    result = []
    for fid in family_ids(app):
        history = []
        for e in app.history(fid):
            facts = json.dumps(e.facts, sort_keys=True, ensure_ascii=False)
            for staff_id, name in names.items():
                facts = facts.replace(staff_id, name or "")
            history.append((str(fid), e.event, e.occurred_on, names[e.recorded_by], facts))
        result.append((app.get_case(fid).state.case_number, history))
    return result


@pytest.fixture
def new_store(store: str, make_settings: SettingsFactory, tmp_path: Path
              ) -> Iterator[Callable[[], FamilyCases]]:
    """Makes further empty stores of the current kind (a schema each on PostgreSQL)."""
    made: list[tuple[FamilyCases, str]] = []

    def make(**overrides: Any) -> FamilyCases:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        app = FamilyCases(make_settings(data_dir=tmp_path / schema, postgres_schema=schema,
                                        **overrides))
        made.append((app, schema))
        return app

    yield make
    for app, schema in made:
        app.close()
        if store == "postgres":
            drop_schema(schema)


def check_family(app: FamilyCases, family_id: UUID) -> tuple[str, date, str]:
    """The family loads, its history is valid; its project, intake date and number."""
    view = app.get_case(family_id)
    state = view.state
    events = list(app.events.get(family_id))
    kinds = Counter(type(e).__name__ for e in events)
    assert [e.originator_version for e in events] == list(range(1, view.version + 1))
    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)  # type: ignore[attr-defined]
    assert isinstance(replayed, FamilyCase)
    assert replayed.version == view.version
    assert replayed.state == state  # equal to what the application serves (snapshots)
    days = [e.occurred_on for e in events]  # type: ignore[attr-defined]
    assert max(days) <= TODAY
    assert days[2:] == sorted(days[2:])  # recorded in date order after the intake
    assert [type(e).__name__ for e in events[:2]] == ["CaseOpened", "CaseManagerAssigned"]
    assert state.opened_on == days[0]
    assert len(state.consultations) == kinds["ConsultationRecorded"]
    assert len(state.goals) == kinds["GoalSet"]
    assert Counter(g.status for g in state.goals.values()) == Counter(
        {"achieved": kinds["GoalAchieved"], "dropped": kinds["GoalDropped"],
         "open": kinds["GoalSet"] - kinds["GoalAchieved"] - kinds["GoalDropped"]}) - Counter()
    assert len(state.referrals) == kinds["ReferralMade"]
    assert sum(len(r.outcomes) for r in state.referrals.values()) == kinds[
        "ReferralOutcomeRecorded"]
    opened: Any = events[0]
    assert len(state.members) == len(opened.members) + kinds["MemberAdded"]
    assert sum(len(ps) for ps in state.participations.values()) == kinds[
        "ParticipantEntered"]
    assert sum(1 for ps in state.participations.values() for p in ps if not p.active) == (
        kinds["ParticipantLeft"])
    assigned = [e for e in events if type(e).__name__ == "CaseManagerAssigned"]
    assert state.case_manager == assigned[-1].case_manager  # type: ignore[attr-defined]
    ends = [type(e).__name__ for e in events
            if type(e).__name__ in ("CaseClosed", "CaseReopened", "PersonalDataErased")]
    expected = {"CaseClosed": CaseStatus.CLOSED, "PersonalDataErased": CaseStatus.ERASED}
    assert state.status is (expected.get(ends[-1], CaseStatus.OPEN) if ends
                            else CaseStatus.OPEN)
    if state.status is not CaseStatus.ERASED:
        assert all(m.given_name for m in state.members.values())  # readable personal data
    return state.project, state.opened_on, state.case_number


@pytest.mark.parametrize("seed", [3, 11])
def test_every_family_is_valid_numbered_gap_free_and_in_the_log(
        make_settings: SettingsFactory, seed: int) -> None:
    """Loaded with small chunks and frequent snapshots, read by a new application."""
    settings = make_settings(snapshot_interval=4)
    calls: list[tuple[int, int]] = []
    with FamilyCases(settings) as app:
        summary = bulk(app, seed=seed, progress=lambda f, e: calls.append((f, e)))
        cache = app.repository.cache
        assert cache is not None
        cached = 0
        for fid in family_ids(app):  # the families saved in bulk are not kept in memory
            try:
                cache.get(fid)
                cached += 1
            except KeyError:
                pass
        assert cached <= 2  # only the one reopened and the one erased through FamilyCases
    assert (summary.families, summary.projects) == (FAMILIES, ["KR", "GL", "AF"])
    assert len(summary.staff) == sum(len(s.staff) for s in fam.SITES)
    assert [f for f, _ in calls] == [*range(7, FAMILIES, 7), FAMILIES]  # a chunk at a time
    assert all(a[1] < b[1] for a, b in itertools.pairwise(calls))

    with FamilyCases(settings) as app:
        ids = family_ids(app)
        assert len(ids) == len(set(ids)) == FAMILIES
        numbers: dict[tuple[str, int], list[tuple[int, date]]] = defaultdict(list)
        statuses: Counter[CaseStatus] = Counter()
        for fid in ids:
            project, opened_on, case_number = check_family(app, fid)
            match = re.fullmatch(rf"{project}-{opened_on.year}-(\d{{4}})", case_number)
            assert match, case_number
            numbers[project, opened_on.year].append((int(match[1]), opened_on))
            statuses[app.get_case(fid).state.status] += 1
        assert statuses[CaseStatus.CLOSED] >= 1
        assert statuses[CaseStatus.OPEN] >= 1
        assert statuses[CaseStatus.ERASED] == 1
        for (project, year), issued in numbers.items():
            issued.sort()
            assert [n for n, _ in issued] == list(range(1, len(issued) + 1)), (project, year)
            dates = [d for _, d in issued]
            assert dates == sorted(dates), (project, year)  # in order of intake
            sequence: CaseNumberSequence = app.repository.get(
                CaseNumberSequence.id_for(project, year))
            assert sequence.last_number == len(issued)

        per_originator = Counter(UUID(str(n.originator_id))
                                 for n in app.recorder.select_notifications(0, 10**6))
        assert sum(per_originator[fid] for fid in ids) == summary.events
        assert all(per_originator[fid] == app.get_case(fid).version for fid in ids)
        sequences = {CaseNumberSequence.id_for(p, y): len(v) + 1  # Started + one per number
                     for (p, y), v in numbers.items()}
        assert {s: per_originator[s] for s in sequences} == sequences
        assert set(per_originator) == {*ids, *sequences, DIRECTORY_ID}


def test_a_transaction_ends_early_when_its_families_reach_max_events(
        app: FamilyCases) -> None:
    calls: list[tuple[int, int]] = [(0, 0)]
    summary = load_bulk_demo(app, Directory(app), today=TODAY, families=30, seed=6,
                             chunk=1000, max_events=100,
                             progress=lambda f, e: calls.append((f, e)))
    saved = [(e1 - e0) + (f1 - f0) for (f0, e0), (f1, e1) in itertools.pairwise(calls)]
    assert len(saved) >= 4
    assert all(100 <= n < 200 for n in saved[:-1]), saved  # cut at the family reaching it
    assert calls[-1] == (30, summary.events - 4)  # less the reopening (3) and erasure (1)
    assert len(family_ids(app)) == 30


def test_personal_data_is_sealed_at_rest(make_settings: SettingsFactory) -> None:
    settings = make_settings()
    with FamilyCases(settings) as app:
        bulk(app, seed=5)
        states = [s for s in (app.get_case(fid).state for fid in family_ids(app))
                  if s.status is not CaseStatus.ERASED]
    raw = raw_store_bytes(settings)
    assert b"$sealed" in raw
    # control: non-personal facts are stored readable, as "key":"value"
    assert f'"district":"{states[0].district}"'.encode() in raw
    assert states[0].case_number.encode() in raw
    streets = [s.street_address for s in states if s.street_address]
    assert len(streets) > FAMILIES // 2
    for street in streets:
        assert street.encode() not in raw, street
    members = [m for s in states for m in s.members.values()]
    assert len(members) > FAMILIES
    for m in members:
        for name, value in (("given_name", m.given_name), ("family_name", m.family_name)):
            assert value is not None
            assert f'"{name}":"{value}"'.encode() not in raw, value
    for note in (*fam.NOTES, fam.INTAKE_NOTE):
        assert note.encode() not in raw, note


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "families"), [(3, FAMILIES), (11, 20)])
def test_the_same_seed_gives_the_same_histories_as_another_bulk_load_and_as_load_demo(
        app: FamilyCases, new_store: Callable[[], FamilyCases], seed: int,
        families: int) -> None:
    first = bulk(app, seed=seed, families=families)
    again = new_store()
    second = bulk(again, seed=seed, families=families, chunk=1000)  # one transaction
    one_by_one = new_store()
    demo = load_demo(one_by_one, Directory(one_by_one), today=TODAY, families=families,
                     seed=seed)
    other = new_store()
    bulk(other, seed=seed + 1, families=families)

    expected = histories(app)
    assert len(expected) == families
    assert first.events == second.events == demo.events
    assert histories(again) == expected
    assert histories(one_by_one) == expected
    assert histories(other) != expected


def test_a_store_with_demo_families_is_refused_and_left_as_it_is(app: FamilyCases) -> None:
    bulk(app, seed=1, families=5)
    before = len(app.recorder.select_notifications(0, 10**6))
    with pytest.raises(DemoAlreadyLoaded, match="holds families"):
        bulk(app, seed=2, families=5)
    with pytest.raises(ValueError, match="lies in the future"):
        # (tomorrow as of now: a run may cross midnight after TODAY was taken)
        load_bulk_demo(app, Directory(app), today=today_in_programme() + timedelta(days=1),
                       families=5)
    assert len(app.recorder.select_notifications(0, 10**6)) == before


def test_demo_projects_without_families_are_used_with_their_staff(
        app: FamilyCases, new_store: Callable[[], FamilyCases]) -> None:
    staffed = load_demo(app, Directory(app), today=TODAY, families=0)  # projects and staff
    summary = bulk(app, seed=4, families=12)
    assert summary.staff == []  # nobody new, no tokens to show
    assert {e[3] for _, h in histories(app) for e in h} <= {s.name for s in staffed.staff}
    fresh = new_store()
    bulk(fresh, seed=4, families=12)
    assert histories(app) == histories(fresh)


def test_lotse_demo_data_prints_the_rate_and_refuses_a_second_load(
        make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    settings: Settings = make_settings()
    configure_lotse(monkeypatch, settings)
    runner = CliRunner()
    result = runner.invoke(cli, ["demo-data", "--families", "30", "--seed", "2"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    closing = re.search(r"30 families, ([\d,]+) events in [\d.]+ s \(([\d,]+) events/s\)",
                        result.output)
    assert closing, result.output
    assert "API tokens (shown only now" in result.output
    with FamilyCases(settings) as app:
        assert len(family_ids(app)) == 30
        assert sum(app.get_case(f).version for f in family_ids(app)) == int(
            closing[1].replace(",", ""))

    again = runner.invoke(cli, ["demo-data", "--families", "30"], env={"COLUMNS": "200"})
    assert again.exit_code == 1
    assert "holds families" in again.output


def test_prepared_keys_are_the_stored_ones_and_a_destroyed_key_stays_destroyed(
        make_settings: SettingsFactory) -> None:
    settings = make_settings()
    with FamilyCases(settings) as app:
        had_key, destroyed, fresh = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        old = app.keys.key_for_writing(had_key)
        app.keys.key_for_writing(destroyed)
        app.keys.destroy(destroyed, app._snapshot_table())
        app.keys.prepare([had_key, destroyed, fresh])
        assert app.keys.key_for_writing(had_key) == old
        with pytest.raises(KeyDestroyedError):
            app.keys.key_for_writing(destroyed)
        made = app.keys.key_for_writing(fresh)
    with FamilyCases(settings) as other:  # read from the store, not a cache
        assert other.keys.key_for_reading(fresh) == made
        assert other.keys.key_for_reading(had_key) == old
        assert other.keys.key_for_reading(destroyed) is None


def test_events_reach_postgresql_byte_for_byte_through_the_array_text(
        app: FamilyCases, store: str) -> None:
    """The PostgreSQL recorder writes events as the text of the array the library casts
    them to; anything unusual goes the library's way. Either way every byte arrives, and
    a version taken already is refused."""
    from eventsourcing.persistence import IntegrityError, StoredEvent

    from application.postgres_recorder import events_array_literal

    plain = [StoredEvent(uuid.uuid4(), 1, "tests.bulk:Plain_event", bytes(range(256))),
             StoredEvent(uuid.uuid4(), 1, "tests.bulk:Plain_event", b""),
             StoredEvent(uuid.uuid4(), 7, "tests.bulk:Plain_event", b'{"a":"\\"(,)\\\\"}')]
    odd = [StoredEvent(uuid.uuid4(), 1, 'tests.bulk:Odd "topic", (with) \\', b"\x00\\x")]
    assert events_array_literal(plain) is not None
    assert events_array_literal(odd) is None
    if store != "postgres":
        pytest.skip("the array text is PostgreSQL's")
    for batch in (plain, odd):
        positions = app.recorder.insert_events(batch)
        assert positions is not None
        assert len(positions) == len(batch)
        for event in batch:
            (stored,) = app.recorder.select_events(event.originator_id)
            assert (stored.originator_version, stored.topic, bytes(stored.state)) == (
                event.originator_version, event.topic, event.state)
    with pytest.raises(IntegrityError):
        app.recorder.insert_events(plain[:1])
