"""Personal data is encrypted at rest, per family, and crypto-shredding erases it.

The raw store is read without the application: the SQLite file (and its write-ahead
log) byte by byte, or every row of every table in the test's PostgreSQL schema.
"""

from __future__ import annotations

import base64
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent

from application.cases import CaseNotFound, FamilyCases
from application.commands import CorrectEntry, RecordConsultation
from application.keys import KeyDestroyedError, MasterKeyMismatch
from application.settings import MASTER_KEY_FILE, ConfigurationError, Settings, new_key_text
from application.views import HistoryEntry
from domain.errors import RuleViolation
from domain.events import ALL_EVENTS
from domain.records import FieldChange
from domain.values import CaseStatus, ContactMode, ErasureBasis, Topic
from tests.conftest import POSTGRES_URL, SettingsFactory
from tests.integration.test_store_roundtrip import FAMILY_NAME, NOTE, FullCase, build_full_case
from tests.support.builders import INTAKE

OTHER_NAME = "Quappenberg-Lindwurm"
OTHER_NOTE = "Vater sucht Ausbildungsplatz als Mechatroniker in Uerdingen"
ERASED_ON = date(2026, 6, 1)
# long enough (or not base64) that they cannot turn up by chance in ciphertext
PERSONAL_TEXTS = (FAMILY_NAME, NOTE, "Am Krähenhorst 7a", "Küche der Familie",
                  "Schuldnerberatung aufsuchen", "Jonte-Malik", "zieht zu ihrer Schwester")


@contextmanager
def running(settings: Settings) -> Iterator[FamilyCases]:
    app = FamilyCases(settings)
    try:
        yield app
    finally:
        app.close()


def raw_store_bytes(settings: Settings) -> bytes:
    """Everything the store holds, as bytes, read around the application."""
    if not settings.uses_postgres:
        chunks = [settings.sqlite_path.read_bytes()]
        wal = settings.sqlite_path.with_name(settings.sqlite_path.name + "-wal")
        if wal.exists():
            chunks.append(wal.read_bytes())
        return b"".join(chunks)
    import psycopg
    from psycopg import sql

    chunks = []
    with psycopg.connect(POSTGRES_URL) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (settings.postgres_schema,))]
        assert tables
        for table in tables:
            query = sql.SQL("SELECT * FROM {}.{}").format(
                sql.Identifier(settings.postgres_schema or "public"), sql.Identifier(table))
            for row in conn.execute(query):
                for value in row:
                    chunks.append(_as_bytes(value))
    return b"\n".join(chunks)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def table_states(settings: Settings, table: str) -> list[bytes]:
    """The ``state`` column of one of the store's tables, read with plain SQL."""
    if not settings.uses_postgres:
        with closing(sqlite3.connect(settings.sqlite_path)) as conn:
            rows = conn.execute(f'SELECT state FROM "{table}"').fetchall()
        return [bytes(r[0]) for r in rows]
    import psycopg
    from psycopg import sql

    with psycopg.connect(POSTGRES_URL) as conn:
        query = sql.SQL("SELECT state FROM {}.{}").format(
            sql.Identifier(settings.postgres_schema or "public"), sql.Identifier(table))
        return [bytes(r[0]) for r in conn.execute(query)]


def fact_at(facts: Any, path: str) -> Any:
    node = facts
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def entries(history: list[HistoryEntry], event: str) -> list[HistoryEntry]:
    return [e for e in history if e.event == event]


# ----- at rest ---------------------------------------------------------------------------


def test_personal_data_never_reaches_the_store_in_plain_text(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(snapshot_interval=2)
    with running(settings) as app:
        case = build_full_case(app)
        assert app.snapshots is not None
        assert list(app.snapshots.get(case.family_id)), "expected snapshots to be stored"
        # sanity: the application itself reads the plain values back
        state = app.get_case(case.family_id).state
        assert state.consultations[case.consultation_id].notes == NOTE
        assert {m.family_name for m in state.members.values()} == {FAMILY_NAME}

    raw = raw_store_bytes(settings)

    assert b"Krefeld-Mitte" in raw, "non-personal facts are stored readable (control)"
    assert case.case_number.encode() in raw
    for text in PERSONAL_TEXTS:
        assert text.encode() not in raw, f"{text!r} is stored in plain text"
    assert b"$sealed" in raw


def test_event_and_snapshot_tables_hold_no_personal_data(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(snapshot_interval=2)
    with running(settings) as app:
        case = build_full_case(app)
        assert app.snapshots is not None
        events_table = app.recorder.events_table_name  # type: ignore[attr-defined]
        snapshots_table = app.snapshots.recorder.events_table_name  # type: ignore[attr-defined]

    events = table_states(settings, events_table)
    snapshots = table_states(settings, snapshots_table)

    assert len(events) >= len(ALL_EVENTS)
    assert snapshots
    assert any(case.case_number.encode() in s for s in events)
    for state in events + snapshots:
        for text in PERSONAL_TEXTS:
            assert text.encode() not in state


def test_each_snapshot_of_a_family_is_sealed_as_a_whole(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(snapshot_interval=2)
    with running(settings) as app2:
        case = build_full_case(app2)
        assert app2.snapshots is not None
        stored = app2.snapshots.recorder.select_events(case.family_id)
    assert stored
    for record in stored:
        state = bytes(record.state)
        assert state.count(b'"$sealed"') == 1, "the whole case state is one sealed value"
        assert b"Krefeld-Mitte" not in state


def test_a_sealed_value_cannot_be_opened_in_another_family(app: FamilyCases) -> None:
    """Values are bound to their family: a sealed note copied into another family's
    history does not open with that family's key, and the copy is reported as tampering
    (not passed off as erased data)."""
    one = build_full_case(app, family_name=FAMILY_NAME)
    other = build_full_case(app, family_name=OTHER_NAME, note=OTHER_NOTE)
    copied = app.recorder.select_events(one.family_id, gt=one.consultation_version - 1,
                                        lte=one.consultation_version)[0]
    version = app.get_case(other.family_id).version + 1
    app.recorder.insert_events([StoredEvent(other.family_id, version, copied.topic,
                                            bytes(copied.state))])

    with pytest.raises(MapperDeserialisationError, match="integrity"):
        next(iter(app.events.get(other.family_id, gt=version - 1)))
    original = next(iter(app.events.get(one.family_id, gt=one.consultation_version - 1)))
    assert original.notes is not None


# ----- crypto-shredding ----------------------------------------------------------------


def _erase(app: FamilyCases, case: FullCase) -> None:
    app.erase_personal_data(case.family_id, legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Löschantrag Art. 17 DSGVO",
                            occurred_on=ERASED_ON, recorded_by="dpo")


def assert_erased(app: FamilyCases, case: FullCase) -> None:
    history = app.history(case.family_id)
    assert history[-1].event == "PersonalDataErased"
    assert history[-1].facts == {"legal_basis": "art17_request", "note": None}
    assert history[-1].erased_fields == ("note",)  # sealed, and the key is gone
    classes = {cls.__name__: cls for cls in ALL_EVENTS}
    for entry_ in history:
        roots = {p.split(".")[0] for p in classes[entry_.event].personal}
        for path in entry_.erased_fields:
            assert path.split(".")[0] in roots, f"{entry_.event}: {path} is not personal"
            assert fact_at(entry_.facts, path) is None, f"{entry_.event}: {path} readable"
    opened = entries(history, "CaseOpened")[0]
    assert opened.erased_fields == (
        "members.0.given_name", "members.0.family_name", "members.0.birth_date",
        "members.1.given_name", "members.1.family_name", "members.1.birth_date",
        "street_address")
    assert opened.facts["case_number"] == case.case_number
    assert opened.facts["district"] == "Krefeld-Mitte"
    assert [m["role"] for m in opened.facts["members"]] == ["parent", "child"]
    assert [m["gender"] for m in opened.facts["members"]] == ["female", "male"]
    consultation = entries(history, "ConsultationRecorded")[0]
    assert consultation.erased_fields == ("location", "notes")
    assert consultation.facts["notes"] is None
    assert consultation.facts["location"] is None
    assert consultation.facts["topics"] == ["money_and_debts", "housing_and_eviction"]
    assert consultation.facts["duration_minutes"] == 90
    assert consultation.facts["mode"] == "home_visit"
    assert consultation.occurred_on == INTAKE.replace(day=5)
    for name in ("MemberAdded", "MemberDetailsChanged", "ParticipantEntered", "GoalSet",
                 "GoalRevised", "GoalDropped", "ReferralMade", "CaseClosed", "CaseReopened",
                 "MemberLeftHousehold", "PersonalDataErased"):
        assert all(e.erased_fields for e in entries(history, name)), name
    for name in ("GoalAchieved", "ReferralOutcomeRecorded", "ParticipantLeft",
                 "LeavingStatusRecorded", "FollowUpRecorded", "ConsentGiven",
                 "ConsentWithdrawn"):
        assert all(not e.erased_fields for e in entries(history, name)), name

    view = app.get_case(case.family_id)
    state = view.state
    assert state.status is CaseStatus.ERASED
    assert state.case_number == case.case_number
    assert state.street_address is None
    assert all(m.given_name is m.family_name is m.birth_date is None
               for m in state.members.values())
    c = state.consultations[case.consultation_id]
    assert (c.notes, c.location) == (None, None)
    assert c.topics == (Topic.MONEY_AND_DEBTS, Topic.HOUSING_AND_EVICTION)
    assert c.held_on == INTAKE.replace(day=5)
    assert all(g.description is None for g in state.goals.values())
    assert [g.life_area.value for g in state.goals.values()] == ["money", "education"]
    participation = state.participations[case.parent_id][-1]
    assert participation.entry.disability is None
    assert participation.entry.homeless is None
    assert participation.entry.unemployed_months == 14
    assert participation.follow_up_better is True
    assert state.case_manager == "cm-bernd"


def assert_intact(app: FamilyCases, case: FullCase, family_name: str, note: str) -> None:
    history = app.history(case.family_id)
    assert all(e.erased_fields == () for e in history)
    events = [e.event for e in history]  # (event types newer than build_full_case's own
    assert "CaseReopened" in events  # steps follow the reopening: their examples)
    assert "PersonalDataErased" not in events
    state = app.get_case(case.family_id).state
    assert state.status is CaseStatus.OPEN
    assert {m.family_name for m in state.members.values()} == {family_name}
    assert state.consultations[case.consultation_id].notes == note
    assert state.street_address == "Am Krähenhorst 7a"


@pytest.fixture
def erased(make_settings: SettingsFactory) -> Iterator[tuple[FamilyCases, FullCase, FullCase]]:
    """Two families in one store (snapshots every 10 events); the first one erased."""
    with running(make_settings(snapshot_interval=10)) as app:
        gone = build_full_case(app, family_name=FAMILY_NAME, correct=False)
        kept = build_full_case(app, family_name=OTHER_NAME, note=OTHER_NOTE)
        assert app.snapshots is not None
        assert list(app.snapshots.get(gone.family_id)), "expected a snapshot before erasure"
        _erase(app, gone)
        yield app, gone, kept


def test_erasure_keeps_history_but_not_personal_data(
        erased: tuple[FamilyCases, FullCase, FullCase]) -> None:
    app, gone, _ = erased
    assert_erased(app, gone)


def test_erasure_destroys_the_key_and_the_snapshots(
        erased: tuple[FamilyCases, FullCase, FullCase]) -> None:
    app, gone, kept = erased
    assert app.snapshots is not None
    assert app.keys.table.select(gone.family_id) == (None,)
    assert list(app.snapshots.get(gone.family_id)) == []
    assert list(app.snapshots.get(kept.family_id)), "other families keep their snapshots"
    assert app.keys.table.select(kept.family_id) not in (None, (None,))


def test_erasure_leaves_other_families_untouched(
        erased: tuple[FamilyCases, FullCase, FullCase]) -> None:
    app, _, kept = erased
    assert_intact(app, kept, OTHER_NAME, OTHER_NOTE)


def test_erasure_is_seen_by_a_new_application_instance(
        make_settings: SettingsFactory,
        erased: tuple[FamilyCases, FullCase, FullCase]) -> None:
    _, gone, kept = erased
    with running(make_settings(snapshot_interval=10)) as second:
        assert_erased(second, gone)
        assert_intact(second, kept, OTHER_NAME, OTHER_NOTE)


def test_erasure_is_seen_at_once_by_a_running_instance_without_key_cache(
        make_settings: SettingsFactory) -> None:
    with running(make_settings(snapshot_interval=10)) as writer, \
            running(make_settings(snapshot_interval=10, key_cache_seconds=0)) as reader:
        case = build_full_case(writer, correct=False)
        assert reader.get_case(case.family_id).state.street_address == "Am Krähenhorst 7a"
        _erase(writer, case)
        assert_erased(reader, case)


def test_erased_family_name_and_note_are_gone_from_the_raw_store(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(snapshot_interval=2)
    with running(settings) as app:
        case = build_full_case(app, correct=False)
        _erase(app, case)
    raw = raw_store_bytes(settings)
    assert FAMILY_NAME.encode() not in raw
    assert NOTE.encode() not in raw
    with running(settings) as again:
        assert_erased(again, case)


def test_erasure_is_idempotent_and_closes_the_case_to_new_entries(
        erased: tuple[FamilyCases, FullCase, FullCase]) -> None:
    app, gone, _ = erased
    version = app.get_case(gone.family_id).version

    again = app.erase_personal_data(gone.family_id, legal_basis=ErasureBasis.ART17_REQUEST,
                                    note="nochmal", occurred_on=ERASED_ON,
                                    recorded_by="dpo")

    assert again.version == version
    assert app.get_case(gone.family_id).version == version
    with pytest.raises(RuleViolation) as info:
        app.handle(RecordConsultation(family_id=gone.family_id, duration_minutes=30,
            mode=ContactMode.PHONE, topics=[Topic.OTHER], members_present=[], location=None,
            notes="nach der Löschung", next_follow_up_on=None, occurred_on=ERASED_ON),
            recorded_by="cm-anna")
    assert info.value.rule == "case_erased"
    assert app.get_case(gone.family_id).version == version


def test_erasing_an_unknown_family_is_case_not_found(app: FamilyCases) -> None:
    with pytest.raises(CaseNotFound):
        app.erase_personal_data(UUID(int=7), legal_basis=ErasureBasis.ART17_REQUEST,
                                     note="x", occurred_on=ERASED_ON,
                                recorded_by="dpo")


def test_corrected_non_personal_facts_survive_erasure(app: FamilyCases) -> None:
    case = build_full_case(app)  # corrects the consultation: 75 minutes, office
    before = app.get_case(case.family_id).state.consultations[case.consultation_id]
    assert (before.duration_minutes, before.mode) == (75, ContactMode.OFFICE)

    _erase(app, case)

    after = app.get_case(case.family_id).state.consultations[case.consultation_id]
    assert (after.duration_minutes, after.mode) == (75, ContactMode.OFFICE)


def test_erased_case_with_a_corrected_consultation_date_still_loads(app: FamilyCases) -> None:
    case = build_full_case(app, correct=False)
    later = app.handle(RecordConsultation(family_id=case.family_id, duration_minutes=45,
        mode=ContactMode.PHONE, topics=[Topic.SCHOOL], members_present=[], location=None,
        notes=None, next_follow_up_on=None, occurred_on=INTAKE.replace(day=20)),
        recorded_by="cm-bernd")
    app.handle(CorrectEntry(family_id=case.family_id, corrected_version=later.version,
        changes=[FieldChange("occurred_on", INTAKE.replace(day=19).isoformat())],
        reason="Datum vertauscht", occurred_on=INTAKE.replace(day=21)),
        recorded_by="cm-bernd")
    _erase(app, case)

    state = app.get_case(case.family_id).state
    assert {c.held_on for c in state.consultations.values()} == {
        INTAKE.replace(day=5), INTAKE.replace(day=19)}


def test_no_snapshot_is_sealed_with_a_key_destroyed_meanwhile(
        make_settings: SettingsFactory) -> None:
    """Replay of a race: instance B caches the family key, instance A erases the family,
    then B tries to snapshot it: B asks the key table, finds the key destroyed, and writes
    nothing."""
    with running(make_settings()) as a, running(make_settings()) as b:
        case = build_full_case(a, correct=False)
        b.get_case(case.family_id)  # B caches the family key (key_cache_seconds=30)
        _erase(a, case)
        with pytest.raises(KeyDestroyedError):
            b.take_snapshot(case.family_id, version=10)
        assert b.snapshots is not None
        assert list(b.snapshots.recorder.select_events(case.family_id)) == []
    with running(make_settings()) as fresh:
        assert fresh.get_case(case.family_id).state.status is CaseStatus.ERASED


def test_an_unreadable_snapshot_is_passed_over_and_the_case_replayed(
        make_settings: SettingsFactory) -> None:
    """A snapshot sealed with the family's old key (left behind by a crash between key
    destruction and snapshot removal) must not stop the case from loading."""
    with running(make_settings()) as app:
        case = build_full_case(app, correct=False)
        app.take_snapshot(case.family_id, version=10)
        assert app.snapshots is not None
        old = list(app.snapshots.recorder.select_events(case.family_id))
        assert len(old) == 1
        _erase(app, case)
        app.snapshots.recorder.insert_events(old)
        state = app.get_case(case.family_id).state
        assert state.status is CaseStatus.ERASED
        assert all(m.given_name is None for m in state.members.values())


# ----- the master key ------------------------------------------------------------------


def test_missing_master_key_in_production_stops_start_up(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(master_key=None, mode="production")
    with pytest.raises(ConfigurationError, match="LOTSE_MASTER_KEY is not set") as info:
        FamilyCases(settings)
    assert "the one the store was created with, or for a new store one from `lotse keygen`" \
        in str(info.value)  # (a new key cannot open an existing store)
    assert not (settings.data_dir / MASTER_KEY_FILE).exists()


@pytest.mark.parametrize(("key", "message"), [
    ("not base64 at all!", "not valid base64"),
    (base64.urlsafe_b64encode(b"too short").decode(), "exactly 32 bytes"),
])
def test_malformed_master_key_stops_start_up(make_settings: SettingsFactory, key: str,
                                             message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        FamilyCases(make_settings(master_key=key))


def test_development_mode_generates_and_reuses_a_master_key(
        make_settings: SettingsFactory) -> None:
    settings = make_settings(master_key=None, mode="development")
    with running(settings) as app:
        case = build_full_case(app)
    key_file = settings.data_dir / MASTER_KEY_FILE
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.urlsafe_b64decode(key_file.read_text().strip())) == 32
    text = key_file.read_text()

    with running(make_settings(master_key=None, mode="development")) as again:
        state = again.get_case(case.family_id).state
    assert key_file.read_text() == text
    assert state.consultations[case.consultation_id].notes == NOTE


def test_processes_starting_together_in_development_agree_on_one_master_key(
        tmp_path: Any) -> None:
    import threading

    settings = Settings(data_dir=tmp_path / "fresh", mode="development", master_key=None)
    barrier = threading.Barrier(8)
    keys: list[bytes] = []

    def start() -> None:
        barrier.wait()
        keys.append(settings.resolve_master_key())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8
    assert len(set(keys)) == 1
    assert sorted(p.name for p in settings.data_dir.iterdir()) == [MASTER_KEY_FILE]


# ----- integrity ----------------------------------------------------------------------


def test_a_tampered_sealed_value_is_an_error_not_an_erasure(app: FamilyCases) -> None:
    """With the family's key present, a sealed value that fails its check was altered or
    corrupted; reading it as 'erased' would hide that from an auditor."""
    case = build_full_case(app, correct=False)
    record = next(r for r in app.recorder.select_events(case.family_id)
                  if b'"$sealed"' in r.state)
    text = record.state.decode()
    start = text.index('"$sealed":"') + len('"$sealed":"')
    token = bytearray(base64.b64decode(text[start:text.index('"', start)]))
    token[-1] ^= 0x01
    tampered = (text[:start] + base64.b64encode(bytes(token)).decode()
                + text[text.index('"', start):]).encode()
    altered = StoredEvent(record.originator_id, record.originator_version, record.topic,
                          tampered)
    with pytest.raises(MapperDeserialisationError, match="integrity"):
        app.mapper.to_domain_event(altered)
    assert app.mapper.to_domain_event(record).originator_version == record.originator_version


def test_a_process_with_another_master_key_is_stopped_at_start_up(
        make_settings: SettingsFactory) -> None:
    """Otherwise it would seal new family keys that the other processes cannot open, and
    fail on every family of theirs (seen: a second server started in development mode on
    a shared PostgreSQL store generated a master key of its own)."""
    with running(make_settings()) as first:
        case = build_full_case(first, correct=False)
    with pytest.raises(MasterKeyMismatch, match="not the master key this store"):
        FamilyCases(make_settings(master_key=new_key_text()))
    with running(make_settings()) as again:  # the right key still opens everything
        members = again.get_case(case.family_id).state.members.values()
        assert FAMILY_NAME in {m.family_name for m in members}
