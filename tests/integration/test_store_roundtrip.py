"""Every event type survives the store: mapped to JSON, personal data sealed with the
family's key, written to SQLite or PostgreSQL, read back, unsealed and typed again.

The domain events are captured on their way into the store (a spy on the mapper), so the
events read back are compared with exactly what was emitted: equal values *and* equal
types (dates stay dates, enums stay enums, tuples stay tuples), recursively.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import resolve_topic

from application.cases import FamilyCases
from application.commands import (
    AchieveGoal,
    AddMember,
    AssignCaseManager,
    ChangeMemberDetails,
    CloseCase,
    CorrectEntry,
    DropGoal,
    EnterParticipant,
    MakeReferral,
    RecordConsultation,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
    RecordMemberLeft,
    RecordReferralOutcome,
    ReopenCase,
    RequestErasure,
    ReviseGoal,
    SetGoal,
)
from application.mapper import field_adapters
from application.views import BASE_FIELDS
from domain.case_numbers import CaseNumberSequence
from domain.events import ALL_EVENTS
from domain.records import FieldChange, MemberData
from domain.values import (
    ClosureReason,
    ConsentPurpose,
    ContactMode,
    ErasureBasis,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    LabourMarketStatus,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)
from tests.support.builders import INTAKE, child, entry, open_case, parent
from tests.support.examples import ON_A_FAMILY, example_of, run_every_example, through

FAMILY_NAME = "Zwiebelmeier-Quast"
NOTE = "Mutter berichtet von Mietschulden bei der Wohnungsbaugenossenschaft Rheinblick"
DAY = timedelta(days=1)


# ----- capturing what goes into the store -------------------------------------------


class EventSpy:
    """Wraps the application's mapper and keeps every domain event it writes."""

    def __init__(self, app: FamilyCases) -> None:
        self.written: list[Any] = []
        original = app.mapper.to_stored_event

        def to_stored_event(domain_event: Any) -> Any:
            self.written.append(domain_event)
            return original(domain_event)

        app.mapper.to_stored_event = to_stored_event  # type: ignore[method-assign]

    def events_of(self, originator_id: UUID) -> list[Any]:
        """The aggregate events (not snapshots) written for one aggregate, by version."""
        events = [e for e in self.written
                  if e.originator_id == originator_id and not hasattr(e, "state")]
        return sorted(events, key=lambda e: e.originator_version)


# ----- typed, recursive comparison -----------------------------------------------------


def assert_same(expected: Any, actual: Any, path: str = "") -> None:
    """Equal values and identical types, all the way down."""
    assert type(actual) is type(expected), (
        f"{path or 'value'}: read back {type(actual).__name__} {actual!r}, "
        f"emitted {type(expected).__name__} {expected!r}")
    if dataclasses.is_dataclass(expected) and not isinstance(expected, type):
        for f in dataclasses.fields(expected):
            assert_same(getattr(expected, f.name), getattr(actual, f.name),
                        f"{path}.{f.name}" if path else f.name)
    elif isinstance(expected, tuple | list):
        assert len(actual) == len(expected), f"{path}: length {len(actual)} != {len(expected)}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_same(e, a, f"{path}[{i}]")
    elif isinstance(expected, dict):
        assert list(actual) == list(expected), f"{path}: keys differ"
        for k in expected:
            assert_same(expected[k], actual[k], f"{path}[{k!r}]")
    elif isinstance(expected, datetime):
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
        assert actual.utcoffset() == expected.utcoffset(), f"{path}: time zone differs"
    elif isinstance(expected, Enum):
        assert actual is expected, f"{path}: {actual!r} is not {expected!r}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def assert_same_event(expected: Any, actual: Any) -> None:
    where = f"{type(expected).__name__} v{expected.originator_version}"
    assert type(actual) is type(expected), where
    for f in dataclasses.fields(expected):
        assert_same(getattr(expected, f.name), getattr(actual, f.name), f"{where}.{f.name}")
    assert getattr(actual, "erased_fields", ()) == (), where


# ----- a case that emits every event type ------------------------------------------------


@dataclass
class FullCase:
    family_id: UUID
    project: str
    case_number: str
    members: list[MemberData]
    parent_id: UUID
    child_id: UUID
    adult_id: UUID
    consultation_id: UUID
    consultation_version: int
    goal_ids: list[UUID] = field(default_factory=list)
    referral_id: UUID | None = None


def build_full_case(app: FamilyCases, *, family_name: str = FAMILY_NAME, note: str = NOTE,
                    project: str = "KR", correct: bool = True,
                    erase: bool = False) -> FullCase:
    """A case that, through the application's commands, emits every event type of
    ``ALL_EVENTS`` (EntryCorrected only with ``correct``; ErasureRequested, then
    PersonalDataErased only with ``erase``)."""
    mom = parent("Ilka", family_name, date(1988, 2, 29))
    kid = child("Jonte", family_name, date(2017, 12, 31))
    opened, members = open_case(app, [mom, kid], project=project,
                                street_address="Am Krähenhorst 7a")
    fid = opened.family_id
    d = INTAKE
    adult = MemberData(uuid4(), MemberRole.OTHER_ADULT, "Gesine", family_name,
                       date(1960, 7, 4), Gender.NON_BINARY)
    app.handle(AddMember(family_id=fid, member=adult, occurred_on=d + DAY), recorded_by="cm-anna")
    app.handle(ChangeMemberDetails(family_id=fid, member_id=kid.member_id,
        given_name="Jonte-Malik", birth_date=date(2018, 1, 1), gender=Gender.NON_BINARY,
        occurred_on=d + DAY),
        recorded_by="cm-anna")
    app.handle(EnterParticipant(family_id=fid, member_id=mom.member_id, entry=entry(),
        occurred_on=d + 2 * DAY),
        recorded_by="cm-anna")
    consultation_id = uuid4()
    consulted = app.handle(RecordConsultation(family_id=fid, consultation_id=consultation_id,
        duration_minutes=90, mode=ContactMode.HOME_VISIT,
        topics=[Topic.MONEY_AND_DEBTS, Topic.HOUSING_AND_EVICTION],
        members_present=[mom.member_id, kid.member_id], location="Küche der Familie", notes=note,
        next_follow_up_on=d + 20 * DAY, occurred_on=d + 3 * DAY),
        recorded_by="cm-anna")
    goal_ids = [uuid4(), uuid4()]
    app.handle(SetGoal(family_id=fid, goal_id=goal_ids[0], member_ids=[mom.member_id],
        life_area=LifeArea.MONEY, description="Schuldnerberatung aufsuchen",
        target_date=d + 60 * DAY, occurred_on=d + 3 * DAY),
        recorded_by="cm-anna")
    app.handle(ReviseGoal(family_id=fid, goal_id=goal_ids[0],
        description="Ratenzahlung vereinbaren", target_date=d + 90 * DAY,
        reason="Termin verschoben", occurred_on=d + 10 * DAY),
        recorded_by="cm-anna")
    app.handle(AchieveGoal(family_id=fid, goal_id=goal_ids[0], occurred_on=d + 30 * DAY),
        recorded_by="cm-anna")
    app.handle(SetGoal(family_id=fid, goal_id=goal_ids[1],
        member_ids=[kid.member_id, mom.member_id], life_area=LifeArea.EDUCATION,
        description="Kita-Platz", target_date=None, occurred_on=d + 4 * DAY),
        recorded_by="cm-anna")
    app.handle(DropGoal(family_id=fid, goal_id=goal_ids[1], reason="Familie zieht um",
        occurred_on=d + 31 * DAY),
        recorded_by="cm-anna")
    referral_id = uuid4()
    app.handle(MakeReferral(family_id=fid, referral_id=referral_id, member_id=mom.member_id,
        institution_type=InstitutionType.DEBT_COUNSELLING,
        institution_name="Schuldnerberatung Krefeld", purpose="Mietschulden klären",
        consent_confirmed=True, occurred_on=d + 5 * DAY),
        recorded_by="cm-anna")
    app.handle(RecordReferralOutcome(family_id=fid, referral_id=referral_id,
        outcome=ReferralOutcome.FIRST_APPOINTMENT_KEPT, occurred_on=d + 12 * DAY),
        recorded_by="cm-anna")
    app.handle(AssignCaseManager(family_id=fid, case_manager="cm-bernd",
        reason="Elternzeit von Anna", occurred_on=d + 14 * DAY),
        recorded_by="team-lead")
    app.handle(RecordExit(family_id=fid, member_id=mom.member_id, status=ExitStatus.JOB_SEARCHING,
        occurred_on=d + 40 * DAY),
        recorded_by="cm-bernd")
    app.handle(RecordLeavingStatus(family_id=fid, member_id=mom.member_id,
        status=ExitStatus.EMPLOYED, occurred_on=d + 50 * DAY),
        recorded_by="cm-bernd")
    app.handle(RecordFollowUp(family_id=fid, member_id=mom.member_id,
        status=FollowUpStatus.EMPLOYED, better_situation=True,
        occurred_on=d + 45 * DAY + 180 * DAY), recorded_by="cm-bernd")
    app.handle(RecordMemberLeft(family_id=fid, member_id=adult.member_id,
        reason="zieht zu ihrer Schwester", occurred_on=d + 41 * DAY),
        recorded_by="cm-bernd")
    if correct:
        app.handle(CorrectEntry(
            family_id=fid, corrected_version=consulted.version,
            changes=[FieldChange("duration_minutes", "75"),
                     FieldChange("mode", ContactMode.OFFICE.value)],
            reason="Tippfehler", occurred_on=d + 42 * DAY), recorded_by="cm-bernd")
    app.handle(CloseCase(family_id=fid, reason=ClosureReason.GOALS_ACHIEVED,
        note="Abschlussgespräch geführt", occurred_on=d + 60 * DAY),
        recorded_by="cm-bernd")
    app.handle(ReopenCase(family_id=fid, reason="Familie meldet sich erneut",
        occurred_on=d + 70 * DAY),
        recorded_by="cm-bernd")
    run_every_example(  # an event type new since these steps: its command's example
        through(app, fid, "cm-bernd"), {"parent": str(mom.member_id),
                                        "child": str(kid.member_id), "colleague": "cm-anna"},
        recorded={e.event for e in app.history(fid)},
        among=[c for c in ON_A_FAMILY if not example_of(c).last
               and (correct or "EntryCorrected" not in example_of(c).records)])
    if erase:
        app.handle(RequestErasure(family_id=fid, note="Brief vom 3. Mai",
                                  occurred_on=d + 75 * DAY), recorded_by="dpo")
        app.erase_personal_data(fid, legal_basis=ErasureBasis.ART17_REQUEST,
                                note="Löschantrag Art. 17 DSGVO",
                                occurred_on=d + 80 * DAY, recorded_by="dpo")
    return FullCase(fid, project, opened.case_number, members, mom.member_id, kid.member_id,
                    adult.member_id, consultation_id, consulted.version, goal_ids, referral_id)


def personal_roots(event_class: type) -> set[str]:
    return {path.split(".")[0] for path in getattr(event_class, "personal", ())}


# ----- tests -----------------------------------------------------------------------------


@pytest.fixture
def spied_app(app: FamilyCases) -> tuple[FamilyCases, EventSpy]:
    return app, EventSpy(app)


def test_every_event_type_round_trips_through_the_store(
        spied_app: tuple[FamilyCases, EventSpy]) -> None:
    app, spy = spied_app
    case = build_full_case(app)
    emitted = spy.events_of(case.family_id)
    assert emitted, "the spy saw no events"

    read_back = list(app.events.get(case.family_id))

    assert [e.originator_version for e in read_back] == list(range(1, len(emitted) + 1))
    for expected, actual in zip(emitted, read_back, strict=True):
        assert_same_event(expected, actual)
    covered = {type(e).__name__ for e in read_back}
    all_names = {cls.__name__ for cls in ALL_EVENTS}
    assert covered == all_names - {"PersonalDataErased", "ErasureRequested"}


def test_sealed_fields_are_really_sealed_and_opened_again(
        spied_app: tuple[FamilyCases, EventSpy]) -> None:
    """Every event class with personal paths stores them sealed; reading opens them."""
    app, _ = spied_app
    case = build_full_case(app)
    stored = app.recorder.select_events(case.family_id)
    for record in stored:
        event_class = resolve_topic(record.topic)
        assert issubclass(event_class, ALL_EVENTS)
        if event_class.personal:
            assert b'"$sealed"' in bytes(record.state), event_class.__name__
        else:
            assert b'"$sealed"' not in bytes(record.state), event_class.__name__
    assert FAMILY_NAME.encode() not in b"".join(bytes(r.state) for r in stored)
    assert any(m.family_name == FAMILY_NAME
               for m in app.get_case(case.family_id).state.members.values())


def test_erasure_event_round_trips_and_covers_all_event_types(
        spied_app: tuple[FamilyCases, EventSpy]) -> None:
    app, spy = spied_app
    case = build_full_case(app, erase=True)
    emitted = spy.events_of(case.family_id)

    read_back = list(app.events.get(case.family_id))

    assert len(read_back) == len(emitted)
    assert {type(e).__name__ for e in read_back} == {cls.__name__ for cls in ALL_EVENTS}
    assert type(read_back[-1]).__name__ == "PersonalDataErased"
    assert emitted[-1].note == "Löschantrag Art. 17 DSGVO"  # sealed, and the key is gone:
    assert read_back[-1].note is None
    assert read_back[-1].erased_fields == ("note",)
    for f in dataclasses.fields(emitted[-1]):
        if f.name != "note":
            assert_same(getattr(emitted[-1], f.name), getattr(read_back[-1], f.name), f.name)
    for expected, actual in zip(emitted[:-1], read_back[:-1], strict=True):
        roots = personal_roots(type(expected))
        for f in dataclasses.fields(expected):
            if f.name not in roots:
                assert_same(getattr(expected, f.name), getattr(actual, f.name),
                            f"{type(expected).__name__}.{f.name}")
        assert bool(getattr(actual, "erased_fields", ())) == bool(
            [r for r in roots if getattr(expected, r) not in (None, ())])


def test_case_number_sequence_events_read_back_as_they_were_emitted(
        spied_app: tuple[FamilyCases, EventSpy]) -> None:
    app, spy = spied_app
    first = build_full_case(app, family_name="Erstfamilie")
    second = build_full_case(app, family_name="Zweitfamilie")
    sequence_id = CaseNumberSequence.id_for("KR", INTAKE.year)
    emitted = spy.events_of(sequence_id)

    read_back = list(app.events.get(sequence_id))

    assert [type(e).__name__ for e in read_back] == ["Started", "NumberIssued", "NumberIssued"]
    for expected, actual in zip(emitted, read_back, strict=True):
        assert_same_event(expected, actual)
    assert [e.family_id for e in read_back[1:]] == [first.family_id, second.family_id]
    assert (first.case_number, second.case_number) == ("KR-2026-0001", "KR-2026-0002")
    sequence = app.repository.get(sequence_id)
    assert isinstance(sequence, CaseNumberSequence)
    assert (sequence.project, sequence.year, sequence.last_number) == ("KR", 2026, 2)


def test_history_reports_every_event_as_emitted(
        spied_app: tuple[FamilyCases, EventSpy]) -> None:
    app, spy = spied_app
    case = build_full_case(app)
    emitted = spy.events_of(case.family_id)

    history = app.history(case.family_id)

    assert len(history) == len(emitted)
    for expected, entry_ in zip(emitted, history, strict=True):
        cls = type(expected)
        assert entry_.version == expected.originator_version
        assert entry_.event == cls.__name__
        assert_same(expected.occurred_on, entry_.occurred_on, "occurred_on")
        assert_same(expected.timestamp, entry_.recorded_at, "recorded_at")
        assert entry_.recorded_by == expected.recorded_by
        names = {f.name for f in dataclasses.fields(expected)} - set(BASE_FIELDS)
        assert entry_.facts == {n: field_adapters(cls)[n].dump_python(
            getattr(expected, n), mode="json") for n in names}
        assert entry_.erased_fields == ()
    opened = history[0].facts
    assert opened["case_number"] == case.case_number
    assert [m["family_name"] for m in opened["members"]] == [FAMILY_NAME, FAMILY_NAME]


def test_state_read_back_has_the_emitted_types(app: FamilyCases) -> None:
    """The state rebuilt from stored events holds enums, dates and tuples, not text."""
    case = build_full_case(app)
    state = app.get_case(case.family_id).state
    consultation = state.consultations[case.consultation_id]
    assert consultation.topics == (Topic.MONEY_AND_DEBTS, Topic.HOUSING_AND_EVICTION)
    assert all(type(t) is Topic for t in consultation.topics)
    assert type(consultation.members_present) is tuple
    assert type(consultation.held_on) is date
    assert consultation.mode is ContactMode.OFFICE  # corrected
    assert consultation.duration_minutes == 75  # corrected
    participation = state.participations[case.parent_id][-1]
    assert participation.entry == entry()
    assert participation.entry.labour_market_status is LabourMarketStatus.UNEMPLOYED
    assert participation.statuses == [(INTAKE + 40 * DAY, ExitStatus.JOB_SEARCHING),
                                      (INTAKE + 50 * DAY, ExitStatus.EMPLOYED)]
    assert state.members[case.child_id].given_name == "Jonte-Malik"
    assert state.members[case.child_id].gender is Gender.NON_BINARY
    assert state.members[case.adult_id].in_household is False
    assert state.case_manager == "cm-bernd"
    assert [(c.purpose, c.given, c.on, c.version) for c in state.consents] == [
        (ConsentPurpose.ESF_REPORTING, True, INTAKE, 1),
        (ConsentPurpose.REFERRAL_TO_PARTNERS, True, INTAKE, 1),
        (ConsentPurpose.PHOTO_AND_MEDIA, True, date(2026, 3, 10), state.consents[2].version),
        (ConsentPurpose.PHOTO_AND_MEDIA, False, date(2026, 6, 1),
         state.consents[2].version + 1)]  # (the commands' examples)
