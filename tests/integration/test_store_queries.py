"""Queries against the store: a case at a version, as recorded by a date, its history on
both timelines, and the errors for unknown cases and stale versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import eventsourcing.domain
import pytest

from application.cases import CaseNotFound, FamilyCases, StaleVersion
from application.commands import (
    AddMember,
    AssignCaseManager,
    CloseCase,
    CorrectEntry,
    RecordConsultation,
)
from application.settings import Settings
from domain.case_numbers import CaseNumberSequence
from domain.records import FieldChange, MemberData
from domain.rules import PROGRAMME_TZ, today_in_programme
from domain.values import CaseStatus, ClosureReason, ContactMode, Gender, MemberRole, Topic
from tests.conftest import SettingsFactory
from tests.support.builders import INTAKE, first_parent_id, open_case

DAY = timedelta(days=1)


@contextmanager
def running(settings: Settings) -> Iterator[FamilyCases]:
    app = FamilyCases(settings)
    try:
        yield app
    finally:
        app.close()


def consult(app: FamilyCases, family_id: UUID, *, occurred_on: date = INTAKE + DAY,
            recorded_by: str = "cm-anna", expected_version: int | None = None) -> Any:
    return app.handle(RecordConsultation(
        family_id=family_id, duration_minutes=45, mode=ContactMode.OFFICE,
        topics=[Topic.BENEFITS], members_present=[], location=None, notes="Antrag besprochen",
        next_follow_up_on=None, occurred_on=occurred_on), recorded_by=recorded_by,
        expected_version=expected_version)


def newcomer() -> MemberData:
    return MemberData(uuid4(), MemberRole.OTHER_ADULT, "Oma", "Okonkwo-Brandt",
                      date(1950, 1, 1), Gender.FEMALE)


class Clock:
    """The recording clock of the event library, set by the test (UTC)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
        monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", self.read)

    def read(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now

    def set(self, *args: int) -> None:
        self.now = datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# ----- a case at a version -----------------------------------------------------------------


def test_get_case_at_every_version_gives_the_case_as_it_was_then(app: FamilyCases) -> None:
    opened, members = open_case(app)
    fid = opened.family_id
    added = app.handle(AddMember(family_id=fid, member=newcomer(), occurred_on=INTAKE + DAY),
        recorded_by="cm-anna")
    consulted = consult(app, fid, occurred_on=INTAKE + 2 * DAY)
    transferred = app.handle(AssignCaseManager(family_id=fid, case_manager="cm-bernd", reason=None,
        occurred_on=INTAKE + 3 * DAY),
        recorded_by="lead")
    closed = app.handle(CloseCase(family_id=fid, reason=ClosureReason.NO_CONTACT, note=None,
        occurred_on=INTAKE + 4 * DAY),
        recorded_by="cm-bernd")
    assert [added.version, consulted.version, transferred.version, closed.version] == [
        3, 4, 5, 6]

    views = {v: app.get_case(fid, version=v) for v in range(1, 7)}

    assert {v: view.version for v, view in views.items()} == {v: v for v in range(1, 7)}
    assert views[1].state.case_manager is None
    assert views[2].state.case_manager == "cm-anna"
    assert [len(views[v].state.members) for v in range(1, 7)] == [2, 2, 3, 3, 3, 3]
    assert [len(views[v].state.consultations) for v in range(1, 7)] == [0, 0, 0, 1, 1, 1]
    assert views[4].state.last_contact_on == INTAKE + 2 * DAY
    assert views[5].state.case_manager == "cm-bernd"
    assert views[5].state.status is CaseStatus.OPEN
    assert views[6].state.status is CaseStatus.CLOSED
    assert {view.opened_at for view in views.values()} == {views[1].opened_at}
    modified = [views[v].modified_at for v in range(1, 7)]
    assert modified == sorted(modified)
    assert views[1].modified_at == views[1].opened_at
    latest = app.get_case(fid)
    assert latest.version == 6
    assert latest.state == views[6].state
    assert latest.state.case_number == opened.case_number
    assert first_parent_id(members) in views[1].state.members


@pytest.mark.parametrize("version", [0, -1, 3, 100])
def test_get_case_at_a_version_the_case_does_not_have(app: FamilyCases, version: int) -> None:
    opened, _ = open_case(app)
    assert opened.version == 2
    with pytest.raises(CaseNotFound) as info:
        app.get_case(opened.family_id, version=version)
    assert info.value.family_id == opened.family_id


# ----- unknown cases ---------------------------------------------------------------------


QUERIES = {
    "get_case": lambda app, fid: app.get_case(fid),
    "get_case_version": lambda app, fid: app.get_case(fid, version=1),
    "get_case_as_of": lambda app, fid: app.get_case_as_of(fid, today_in_programme()),
    "history": lambda app, fid: app.history(fid),
    "record_consultation": lambda app, fid: consult(app, fid),
    "add_member": lambda app, fid: app.handle(AddMember(family_id=fid, member=newcomer(),
        occurred_on=INTAKE),
        recorded_by="x"),
}

def assert_case_not_found(app: FamilyCases, fid: UUID,
                          query: Callable[[FamilyCases, UUID], Any]) -> None:
    position = app.recorder.max_notification_id()
    with pytest.raises(CaseNotFound) as info:
        query(app, fid)
    assert info.value.family_id == fid
    assert str(fid) in str(info.value)
    assert app.recorder.max_notification_id() == position


@pytest.mark.parametrize("name", list(QUERIES))
@pytest.mark.parametrize("fid", [uuid4(), UUID(int=0)], ids=["random", "zero"])
def test_unknown_ids_are_case_not_found(app: FamilyCases, fid: UUID, name: str) -> None:
    open_case(app)
    assert_case_not_found(app, fid, QUERIES[name])


@pytest.mark.parametrize("name", [
    pytest.param(name)
    for name in QUERIES])
def test_a_case_number_sequence_is_no_case(app: FamilyCases, name: str) -> None:
    """The sequence is an aggregate in the same store, but not a family case."""
    open_case(app)
    assert_case_not_found(app, CaseNumberSequence.id_for("KR", INTAKE.year), QUERIES[name])


# ----- as recorded by a date -----------------------------------------------------------------


def test_get_case_as_of_uses_the_recording_date_not_the_business_date(
        app: FamilyCases) -> None:
    """Events about 2 March are recorded today: as of 2 March nothing was recorded."""
    opened, _ = open_case(app)
    consult(app, opened.family_id)
    today = today_in_programme()

    with pytest.raises(CaseNotFound):
        app.get_case_as_of(opened.family_id, today - DAY)
    with pytest.raises(CaseNotFound):
        app.get_case_as_of(opened.family_id, INTAKE)
    assert app.get_case_as_of(opened.family_id, today).version == 3
    assert app.get_case_as_of(opened.family_id, today + DAY).version == 3
    assert app.get_case_as_of(opened.family_id, today).state == app.get_case(
        opened.family_id).state


def test_get_case_as_of_each_recording_day_in_programme_time(
        app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    clock.set(2026, 3, 10, 8, 0)  # 09:00 in Berlin (CET)
    opened, _ = open_case(app)  # versions 1, 2
    fid = opened.family_id
    clock.set(2026, 3, 12, 22, 59)  # 23:59 on 12 March in Berlin
    consult(app, fid)  # 3
    clock.set(2026, 3, 12, 23, 1)  # 00:01 on 13 March in Berlin, still the 12th in UTC
    consult(app, fid)  # 4
    clock.set(2026, 7, 1, 21, 30)  # 23:30 on 1 July in Berlin (CEST)
    app.handle(AssignCaseManager(family_id=fid, case_manager="cm-bernd", reason=None,
        occurred_on=INTAKE + DAY),
        recorded_by="lead")  # 5
    clock.set(2026, 7, 1, 22, 30)  # 00:30 on 2 July in Berlin
    consult(app, fid)  # 6

    def as_of(day: date) -> int:
        return app.get_case_as_of(fid, day).version

    with pytest.raises(CaseNotFound):
        app.get_case_as_of(fid, date(2026, 3, 9))
    assert as_of(date(2026, 3, 10)) == 2
    assert as_of(date(2026, 3, 11)) == 2
    assert as_of(date(2026, 3, 12)) == 3
    assert as_of(date(2026, 3, 13)) == 4
    assert as_of(date(2026, 6, 30)) == 4
    assert as_of(date(2026, 7, 1)) == 5
    assert as_of(date(2026, 7, 2)) == 6
    assert app.get_case_as_of(fid, date(2026, 7, 1)).state.case_manager == "cm-bernd"
    assert len(app.get_case_as_of(fid, date(2026, 3, 12)).state.consultations) == 1


# ----- history ---------------------------------------------------------------------------------


def test_history_has_both_timelines(app: FamilyCases) -> None:
    before = datetime.now(UTC)
    opened, _ = open_case(app, occurred_on=INTAKE, recorded_by="intake-desk")
    fid = opened.family_id
    first = consult(app, fid, occurred_on=INTAKE + 5 * DAY, recorded_by="cm-anna")
    consult(app, fid, occurred_on=INTAKE + 2 * DAY, recorded_by="cm-carla")  # backdated
    app.handle(CorrectEntry(family_id=fid, corrected_version=first.version,
        changes=[FieldChange("occurred_on", (INTAKE + 4 * DAY).isoformat())],
        reason="Datum vertippt", occurred_on=INTAKE + 6 * DAY),
        recorded_by="team-lead")
    after = datetime.now(UTC)

    history = app.history(fid)

    assert [e.version for e in history] == [1, 2, 3, 4, 5]
    assert [e.event for e in history] == ["CaseOpened", "CaseManagerAssigned",
                                          "ConsultationRecorded", "ConsultationRecorded",
                                          "EntryCorrected"]
    assert [e.occurred_on for e in history] == [INTAKE, INTAKE, INTAKE + 5 * DAY,
                                                INTAKE + 2 * DAY, INTAKE + 6 * DAY]
    assert all(type(e.occurred_on) is date for e in history)
    assert [e.recorded_by for e in history] == ["intake-desk", "intake-desk", "cm-anna",
                                                "cm-carla", "team-lead"]
    recorded = [e.recorded_at for e in history]
    assert all(r.tzinfo is not None and r.utcoffset() == timedelta(0) for r in recorded)
    assert all(before <= r <= after for r in recorded)
    assert recorded == sorted(recorded)
    assert history[-1].facts == {"corrected_version": 3, "reason": "Datum vertippt",
                                 "changes": [{"field": "occurred_on",
                                              "value": (INTAKE + 4 * DAY).isoformat()}],
                                 "sensitive_changes": []}
    assert history[2].facts["topics"] == ["benefits"]
    assert "occurred_on" not in history[2].facts
    assert "recorded_by" not in history[2].facts
    assert all(e.erased_fields == () for e in history)
    # the earlier event is never rewritten; the state reads the corrected date
    assert app.get_case(fid).state.last_contact_on == INTAKE + 4 * DAY


def test_history_recorded_at_is_the_stored_recording_time(
        app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    clock.set(2026, 3, 10, 8, 0)
    opened, _ = open_case(app)
    clock.set(2026, 7, 1, 22, 30)
    consult(app, opened.family_id)

    history = app.history(opened.family_id)

    assert [e.recorded_at.replace(microsecond=0) for e in history] == [
        datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 22, 30, tzinfo=UTC)]
    assert history[0].recorded_at < history[1].recorded_at
    assert history[-1].recorded_at.astimezone(PROGRAMME_TZ).date() == date(2026, 7, 2)
    assert history[-1].occurred_on == INTAKE + DAY


# ----- stale versions --------------------------------------------------------------------------


def stored(app: FamilyCases, fid: UUID) -> list[tuple[int, str, bytes]]:
    return [(s.originator_version, s.topic, bytes(s.state))
            for s in app.recorder.select_events(fid)]


@pytest.mark.parametrize("expected", [1, 2, 4, 99])
def test_a_stale_expected_version_is_refused_and_stores_nothing(app: FamilyCases,
                                                                expected: int) -> None:
    opened, _ = open_case(app)
    fid = opened.family_id
    consult(app, fid)  # version 3
    before, position = stored(app, fid), app.recorder.max_notification_id()

    with pytest.raises(StaleVersion) as info:
        consult(app, fid, expected_version=expected)

    assert (info.value.family_id, info.value.expected, info.value.actual) == (fid, expected, 3)
    assert f"version 3, not {expected}" in str(info.value)
    assert stored(app, fid) == before
    assert app.recorder.max_notification_id() == position
    assert app.get_case(fid).version == 3


@pytest.mark.parametrize("command", [
    pytest.param(lambda app, fid, v: app.handle(AddMember(family_id=fid, member=newcomer(),
        occurred_on=INTAKE),
        recorded_by="x", expected_version=v),
        id="add_member"),
    pytest.param(lambda app, fid, v: app.handle(AssignCaseManager(family_id=fid,
        case_manager="cm-zoe", reason=None, occurred_on=INTAKE),
        recorded_by="x", expected_version=v), id="assign_case_manager"),
    pytest.param(lambda app, fid, v: app.handle(CloseCase(family_id=fid,
        reason=ClosureReason.OTHER, note="n", occurred_on=INTAKE),
        recorded_by="x", expected_version=v), id="close_case"),
    pytest.param(lambda app, fid, v: app.handle(CorrectEntry(family_id=fid, corrected_version=1,
        changes=[FieldChange("district", "Uerdingen")], reason="r", occurred_on=INTAKE),
        recorded_by="x", expected_version=v),
        id="correct_entry"),
])
def test_every_command_checks_the_expected_version(
        app: FamilyCases, command: Callable[[FamilyCases, UUID, int], Any]) -> None:
    opened, _ = open_case(app)
    fid = opened.family_id
    before = stored(app, fid)

    with pytest.raises(StaleVersion):
        command(app, fid, 1)
    assert stored(app, fid) == before

    result = command(app, fid, 2)
    assert result.version == 3
    assert result.position == app.recorder.max_notification_id()
    assert app.get_case(fid).version == 3


def test_a_case_that_moves_on_before_the_save_is_a_stale_version(
        make_settings: SettingsFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another instance appends between this command's load and its save: the save
    conflicts, the command fails with StaleVersion and only the other event is stored."""
    with running(make_settings()) as app, running(make_settings()) as other:
        opened, _ = open_case(app)
        fid = opened.family_id
        original_save = app.save
        interfered: list[int] = []

        def save(*objs: Any, **kwargs: Any) -> Any:
            if not interfered:
                interfered.append(consult(other, fid, recorded_by="cm-other").version)
            return original_save(*objs, **kwargs)

        monkeypatch.setattr(app, "save", save)

        with pytest.raises(StaleVersion) as info:
            consult(app, fid, recorded_by="cm-late", expected_version=2)

        assert interfered == [3]
        assert (info.value.expected, info.value.actual) == (2, 3)
        history = app.history(fid)
        assert [e.recorded_by for e in history[2:]] == ["cm-other"]
        assert app.get_case(fid).version == 3
