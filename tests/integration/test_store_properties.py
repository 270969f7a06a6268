"""Property: whatever valid commands a case goes through, the store gives back exactly
the case the domain built, now and as it stood after every single event.

Hypothesis generates a sequence of command intents. A driver interprets each intent
against the current in-memory ``FamilyCase`` (picking a valid target, date and values,
skipping intents that do not fit the case as it stands) and runs the domain command.
The case then reaches the store either by saving the in-memory aggregate after every
command, or by sending the same command through the application's API (which loads the
stored case and decides again). The store uses a small snapshot interval, so snapshots
are written and read. A second application instance reads the case back, at every
version, and compares it with a replay of the in-memory events.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    FamilyCommand,
    MakeReferral,
    RecordConsultation,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
    RecordMemberLeft,
    RecordReferralOutcome,
    ReopenCase,
    ReviseGoal,
    SetGoal,
)
from domain import rules
from domain.family_case import FamilyCase
from domain.records import CaseState, EntryData, FieldChange, MemberData
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    CaseStatus,
    Citizenship,
    ClosureReason,
    ContactMode,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    IscedBand,
    LabourMarketStatus,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)
from tests.support.builders import run_intake

T = TypeVar("T")

TODAY = rules.today_in_programme()
CASE_MANAGERS = ("cm-anna", "cm-ben", "cm-cem", "cm-dana")
# command kinds, weighted: everyday casework often, closing the case (after which most
# commands wait for a reopen) rarely
KINDS = (
    *["add_member", "change_member", "member_left", "leaving_status", "follow_up"],
    *["revise_goal", "achieve_goal", "drop_goal", "referral_outcome", "transfer", "close"],
    *["enter", "exit", "consultation", "set_goal", "referral", "reopen", "correct"] * 3,
)

texts = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    min_size=1, max_size=24,
).filter(lambda s: bool(s.strip()))


@dataclass(frozen=True)
class Intent:
    """What to do next; ``pick``/``variant`` select targets and values, ``days`` how long
    after the previous command it happens."""

    kind: str
    pick: int
    variant: int
    days: int
    text: str
    flag: bool


intents = st.builds(Intent, kind=st.sampled_from(KINDS), pick=st.integers(0, 10_000),
                    variant=st.integers(0, 10_000), days=st.integers(0, 9), text=texts,
                    flag=st.booleans())


@dataclass(frozen=True)
class Intake:
    opened_on: date
    project: str
    adults: int
    children: int
    text: str
    variant: int


intakes = st.builds(
    Intake,
    opened_on=st.dates(date(2024, 1, 1), min(date(2026, 6, 30), TODAY)),
    project=st.sampled_from(("KR", "DU", "HH2")), adults=st.integers(1, 2),
    children=st.integers(0, 2), text=texts, variant=st.integers(0, 10_000))


def choose(options: list[T] | tuple[T, ...], n: int) -> T:
    return options[n % len(options)]


def enum_value(cls: Any, n: int) -> Any:
    return choose(list(cls), n)


Command = tuple[str, dict[str, Any]]

# domain command -> application command of the same meaning
APPLICATION_COMMANDS: dict[str, type[FamilyCommand]] = {
    "add_member": AddMember, "change_member_details": ChangeMemberDetails,
    "record_member_left": RecordMemberLeft, "enter_participant": EnterParticipant,
    "record_exit": RecordExit, "record_leaving_status": RecordLeavingStatus,
    "record_follow_up": RecordFollowUp, "record_consultation": RecordConsultation,
    "set_goal": SetGoal, "revise_goal": ReviseGoal, "achieve_goal": AchieveGoal,
    "drop_goal": DropGoal, "make_referral": MakeReferral,
    "record_referral_outcome": RecordReferralOutcome,
    "assign_case_manager": AssignCaseManager, "close": CloseCase, "reopen": ReopenCase,
    "correct": CorrectEntry}


def cmd(name: str, **kwargs: Any) -> Command:
    return name, kwargs


class Driver:
    """Builds a case in memory from intents. ``via="save"`` saves the in-memory case
    through the application after every command; ``via="api"`` sends the same command
    (with the same ids and dates, and the expected version) through the application's
    command API, which loads the stored case (from a snapshot) and decides again."""

    def __init__(self, app: FamilyCases, intake: Intake, via: str) -> None:
        assert via in ("save", "api")
        self.app, self.via = app, via
        self.day = intake.opened_on
        self.events: list[Any] = []
        self.applied: list[str] = ["open"]
        members = [self._member(MemberRole.PARENT, intake.text, intake.variant + i)
                   for i in range(intake.adults)]
        members += [self._member(MemberRole.CHILD, intake.text, intake.variant + 7 * i)
                    for i in range(intake.children)]
        facts: dict[str, Any] = dict(
            project=intake.project, members=members, district=intake.text,
            postal_code=f"{intake.variant:05d}",
            street_address=None if intake.variant % 3 == 0 else intake.text,
            access_route=enum_value(AccessRoute, intake.variant),
            benefit_situation=enum_value(BenefitSituation, intake.variant // 7),
            consent_purposes=["esf_reporting", "referral_to_partners"],
            consent_given_on=intake.opened_on, case_manager="cm-anna",
            occurred_on=intake.opened_on, recorded_by="cm-anna")
        family_id = uuid4()
        if via == "api":
            opened = run_intake(app, family_id=family_id, **facts)
            case_number = opened.case_number
        else:
            case_number = f"{intake.project}-{intake.opened_on.year}-{intake.variant:04d}"
        self.case = FamilyCase.open(family_id=family_id, case_number=case_number, **facts)
        self._record(None)
        if via == "api":
            assert opened.version == self.case.version

    def _record(self, command: Command | None, version_before: int = 0) -> None:
        pending = list(self.case.pending_events)
        assert pending, "a command that applied recorded no event"
        if self.via == "save":
            self.app.save(self.case)
        else:
            self.case.collect_events()
            if command is not None:
                name, kwargs = command
                args = dict(kwargs)
                recorded_by = args.pop("recorded_by")
                result = self.app.handle(
                    APPLICATION_COMMANDS[name](family_id=self.case.id, **args),
                    recorded_by=recorded_by, expected_version=version_before)
                assert result.version == self.case.version
        self.events.extend(pending)

    @property
    def state(self) -> CaseState:
        return self.case.state

    def _member(self, role: MemberRole, text: str, n: int) -> MemberData:
        born = None if n % 5 == 0 else date(1950 + n % 70, 1 + n % 12, 1 + n % 28)
        return MemberData(uuid4(), role, f"{text} {n % 97}", text,
                          min(born, self.day) if born else None,
                          choose([None, *Gender], n))

    def _active(self, member_id: UUID) -> bool:
        ps = self.state.participations.get(member_id)
        return bool(ps) and ps[-1].active

    def _date_between(self, first: date, last: date, n: int) -> date:
        assert first <= last
        return first + timedelta(days=n % ((last - first).days + 1))

    # ----- interpreting one intent -----------------------------------------------------

    def apply(self, intent: Intent) -> bool:
        self.day = min(TODAY, self.day + timedelta(days=intent.days))
        status = self.state.status
        open_only = {"add_member", "change_member", "member_left", "enter", "exit",
                     "consultation", "set_goal", "revise_goal", "achieve_goal", "drop_goal",
                     "referral", "close"}
        if intent.kind in open_only and status is not CaseStatus.OPEN:
            return False
        command = getattr(self, f"_{intent.kind}")(intent)
        if command is None:
            return False
        name, kwargs = command
        version_before = self.case.version
        getattr(self.case, name)(**kwargs)
        self._record(command, version_before)
        self.applied.append(intent.kind)
        return True

    def _common(self) -> dict[str, Any]:
        return {"occurred_on": self.day, "recorded_by": choose(CASE_MANAGERS, self.day.day)}

    def _add_member(self, i: Intent) -> Command:
        member = self._member(enum_value(MemberRole, i.variant), i.text, i.variant)
        return cmd("add_member", member=member, **self._common())

    def _change_member(self, i: Intent) -> Command:
        member_id = choose(list(self.state.members), i.pick)
        changes: dict[str, Any] = {"given_name": i.text} if i.flag else {
            "gender": enum_value(Gender, i.variant)}
        if i.variant % 4 == 0:
            changes["birth_date"] = date(1980 + i.variant % 30, 6, 1)
        return cmd("change_member_details", member_id=member_id, **changes,
                                                       **self._common())

    def _member_left(self, i: Intent) -> Command | None:
        candidates = [m.member_id for m in self.state.members.values()
                      if m.in_household and not self._active(m.member_id)]
        if not candidates:
            return None
        member_id = choose(candidates, i.pick)
        return cmd("record_member_left",
            member_id=member_id, reason=i.text if i.flag else None, **self._common())

    def _enter(self, i: Intent) -> Command | None:
        candidates = [m.member_id for m in self.state.members.values()
                      if m.in_household and not self._active(m.member_id)]
        if not candidates:
            return None
        member_id = choose(candidates, i.pick)
        status = enum_value(LabourMarketStatus, i.variant)
        unemployed = status is LabourMarketStatus.UNEMPLOYED
        entry = EntryData(
            status, i.variant % 601 if unemployed else None,
            choose([None, *IscedBand], i.variant // 3), enum_value(Answer, i.variant // 5),
            enum_value(Citizenship, i.variant // 7), choose([None, *Answer], i.variant // 11),
            enum_value(Answer, i.variant // 13), enum_value(Answer, i.variant // 17), i.flag)
        return cmd("enter_participant", member_id=member_id, entry=entry,
                                                   **self._common())

    def _exit(self, i: Intent) -> Command | None:
        active = [m for m in self.state.participations if self._active(m)]
        if not active:
            return None
        member_id = choose(active, i.pick)
        return cmd("record_exit", member_id=member_id,
                                             status=enum_value(ExitStatus, i.variant),
                                             **self._common())

    def _exits(self, fits: Any) -> list[tuple[UUID, date]]:
        """(member, exit date) of every exit, an earlier stay's too, that ``fits``."""
        return [(m, p.left_on) for m, ps in self.state.participations.items() for p in ps
                if p.left_on is not None and fits(p.left_on)]

    def _leaving_status(self, i: Intent) -> Command | None:
        exits = self._exits(lambda left: left <= self.day <= rules.last_leaving_status(left))
        if not exits:
            return None
        member_id, exit_on = choose(exits, i.pick)
        return cmd("record_leaving_status", member_id=member_id, exit_on=exit_on,
                   status=enum_value(ExitStatus, i.variant), **self._common())

    def _follow_up(self, i: Intent) -> Command | None:
        """Six months after an exit (or later), dated then: the day moves on to it."""
        exits = self._exits(lambda left: rules.earliest_follow_up(left) <= TODAY)
        if not exits:
            return None
        member_id, exit_on = choose(exits, i.pick)
        self.day = max(self.day, rules.earliest_follow_up(exit_on))
        return cmd("record_follow_up", member_id=member_id, exit_on=exit_on,
                   status=enum_value(FollowUpStatus, i.variant),
                   better_situation=choose([None, True, False], i.variant // 7),
                   **self._common())

    def _consultation(self, i: Intent) -> Command:
        members = list(self.state.members)
        present = [m for k, m in enumerate(members) if i.pick >> k & 1]
        topics = [enum_value(Topic, i.variant // d) for d in (1, 5, 25)][:1 + i.pick % 3]
        next_on = None if i.flag else self.day + timedelta(days=i.variant % 60)
        return cmd("record_consultation",
            consultation_id=uuid4(), duration_minutes=1 + i.variant % 1440,
            mode=enum_value(ContactMode, i.pick), topics=topics, members_present=present,
            location=i.text if i.variant % 2 else None, notes=i.text if i.flag else "",
            next_follow_up_on=next_on, **self._common())

    def _set_goal(self, i: Intent) -> Command:
        members = list(self.state.members)
        member_ids = [choose(members, i.pick), choose(members, i.pick // 7)]
        target = None if i.flag else self.day + timedelta(days=i.variant % 200)
        return cmd("set_goal",
            goal_id=uuid4(), member_ids=member_ids, life_area=enum_value(LifeArea, i.variant),
            description=f"{i.text}\n{i.variant}", target_date=target, **self._common())

    def _open_goals(self) -> list[UUID]:
        return [g.goal_id for g in self.state.goals.values() if g.status == "open"]

    def _revise_goal(self, i: Intent) -> Command | None:
        goals = self._open_goals()
        if not goals:
            return None
        goal_id = choose(goals, i.pick)
        description = i.text if i.flag or i.variant % 2 else None
        target = self.day + timedelta(days=i.variant % 90) if not i.flag else None
        return cmd("revise_goal", goal_id=goal_id, description=description,
                                             target_date=target, reason=f"{i.text}!",
                                             **self._common())

    def _achieve_goal(self, i: Intent) -> Command | None:
        goals = self._open_goals()
        if not goals:
            return None
        goal_id = choose(goals, i.pick)
        return cmd("achieve_goal", goal_id=goal_id, **self._common())

    def _drop_goal(self, i: Intent) -> Command | None:
        goals = self._open_goals()
        if not goals:
            return None
        goal_id = choose(goals, i.pick)
        return cmd("drop_goal", goal_id=goal_id, reason=i.text, **self._common())

    def _referral(self, i: Intent) -> Command:
        member_id = choose(list(self.state.members), i.pick)
        return cmd("make_referral",
            referral_id=uuid4(), member_id=member_id,
            institution_type=enum_value(InstitutionType, i.variant), institution_name=i.text,
            purpose=i.text if i.flag else None, consent_confirmed=True, **self._common())

    def _referral_outcome(self, i: Intent) -> Command | None:
        pending = [r.referral_id for r in self.state.referrals.values()
                   if r.outcome is None or not r.outcome.is_final]
        if not pending:
            return None
        referral_id = choose(pending, i.pick)
        return cmd("record_referral_outcome",
            referral_id=referral_id, outcome=enum_value(ReferralOutcome, i.variant),
            **self._common())

    def _transfer(self, i: Intent) -> Command:
        others = [c for c in CASE_MANAGERS if c != self.state.case_manager]
        return cmd("assign_case_manager",
            case_manager=choose(others, i.pick), reason=i.text if i.flag else None,
            **self._common())

    def _close(self, i: Intent) -> Command | None:
        if any(self._active(m) for m in self.state.participations):
            return None
        return cmd("close", reason=enum_value(ClosureReason, i.variant),
                                       note=i.text if i.flag else None, **self._common())

    def _reopen(self, i: Intent) -> Command | None:
        if self.state.status is not CaseStatus.CLOSED:
            return None
        return cmd("reopen", reason=i.text, **self._common())

    def _correct(self, i: Intent) -> Command | None:
        targets = [(v, ref) for v, ref in self.state.refs.items()
                   if ref.event in ("CaseOpened", "ParticipantEntered", "ParticipantLeft",
                                    "ConsultationRecorded", "GoalSet", "ReferralMade")]
        version, ref = choose(targets, i.pick)
        change = self._change_for(version, ref.event, ref.key, i)
        return cmd("correct", corrected_version=version, changes=[change],
                                         reason=i.text, **self._common())

    def _change_for(self, version: int, event: str, key: str | None,
                    i: Intent) -> FieldChange:
        s, n = self.state, i.variant
        if event == "CaseOpened":
            return choose([
                FieldChange("district", i.text.strip()),
                FieldChange("postal_code", f"{n * 37 % 100_000:05d}"),
                FieldChange("access_route", enum_value(AccessRoute, n).value),
                FieldChange("benefit_situation", enum_value(BenefitSituation, n).value),
            ], i.pick // 3)
        if event == "ParticipantEntered":
            assert key is not None
            ps = s.participations[UUID(key)]
            k = next(k for k, p in enumerate(ps) if p.entry_version == version)
            p = ps[k]
            first = max(s.opened_on, ps[k - 1].left_on or s.opened_on) if k else s.opened_on
            last = min(self.day, p.left_on or self.day)
            options = [
                FieldChange("occurred_on", self._date_between(first, last, n).isoformat()),
                FieldChange("isced", enum_value(IscedBand, n).value),
                FieldChange("citizenship", enum_value(Citizenship, n).value),
                FieldChange("rural", "true" if i.flag else "false"),
                FieldChange("disability", None if i.flag else enum_value(Answer, n).value),
                FieldChange("minority", enum_value(Answer, n).value),
            ]
            if p.entry.labour_market_status is LabourMarketStatus.UNEMPLOYED:
                options.append(FieldChange("unemployed_months", str(n % 601)))
            return choose(options, i.pick // 3)
        if event == "ParticipantLeft":
            assert key is not None
            ps = s.participations[UUID(key)]
            k = next(k for k, p in enumerate(ps) if p.exit_version == version)
            last = min(self.day, ps[k + 1].entered_on) if k + 1 < len(ps) else self.day
            first = ps[k].entered_on
            # (an exit date that keeps its results within their dates)
            later = [on for on, _ in ps[k].statuses[1:]]
            if later:
                first = max(first, max(later) - timedelta(days=rules.LEAVING_STATUS_DAYS))
                last = min(last, min(later))
            if ps[k].follow_up_on is not None:
                last = min(last, rules.add_months(ps[k].follow_up_on,
                                                  -rules.FOLLOW_UP_MONTHS))
            status = FieldChange("status", enum_value(ExitStatus, n).value)
            if first > last:
                return status
            return choose([
                FieldChange("occurred_on", self._date_between(first, last, n).isoformat()),
                status,
            ], i.pick // 3)
        if event == "ConsultationRecorded":
            assert key is not None
            c = s.consultations[UUID(key)]
            last = min(self.day, c.next_follow_up_on or self.day)
            return choose([
                FieldChange("occurred_on",
                            self._date_between(s.opened_on, last, n).isoformat()),
                FieldChange("duration_minutes", str(1 + n % 1440)),
                FieldChange("mode", enum_value(ContactMode, n).value),
                FieldChange("next_follow_up_on", None if i.flag else
                            (c.held_on + timedelta(days=n % 90)).isoformat()),
            ], i.pick // 3)
        if event == "GoalSet":
            assert key is not None
            set_on = s.goals[UUID(key)].set_on
            return choose([
                FieldChange("life_area", enum_value(LifeArea, n).value),
                FieldChange("target_date", None if i.flag else
                            (set_on + timedelta(days=n % 400)).isoformat()),
            ], i.pick // 3)
        assert event == "ReferralMade"
        return choose([
            FieldChange("institution_type", enum_value(InstitutionType, n).value),
            FieldChange("institution_name", i.text.strip()),
        ], i.pick // 3)


def states_after_each_event(events: list[Any]) -> list[CaseState]:
    """Replays the collected events into a fresh aggregate, one state per version."""
    aggregate: Any = None
    states = []
    for event in events:
        aggregate = event.mutate(aggregate)
        states.append(copy.deepcopy(aggregate.state))
    return states


@pytest.fixture
def writer_and_reader(make_settings: Any) -> Iterator[tuple[FamilyCases, FamilyCases]]:
    """Two application instances on one fresh store (reused by every example of a test;
    each example works on a family of its own)."""
    writer = FamilyCases(make_settings(snapshot_interval=3))
    reader = FamilyCases(make_settings(snapshot_interval=3))
    yield writer, reader
    writer.close()
    reader.close()


def check_stored_case(reader: FamilyCases, driver: Driver, *, same_events: bool) -> None:
    case, events = driver.case, driver.events
    family_id = case.id
    assert [e.originator_version for e in events] == list(range(1, case.version + 1))
    states = states_after_each_event(events)
    assert states[-1] == case.state  # the replay agrees with the live aggregate

    now = reader.get_case(family_id)
    assert now.version == case.version
    assert now.state == case.state
    if same_events:
        assert now.opened_at == case.created_on
        assert now.modified_at == case.modified_on

    for n in range(1, case.version + 1):
        then = reader.get_case(family_id, version=n)
        assert then.version == n
        assert then.state == states[n - 1], (
            f"state differs at version {n} ({type(events[n - 1]).__name__}); "
            f"commands {driver.applied}")
        if same_events:
            assert then.modified_at == events[n - 1].timestamp

    history = reader.history(family_id)
    assert [h.event for h in history] == [type(e).__name__ for e in events]
    assert [h.occurred_on for h in history] == [e.occurred_on for e in events]
    assert [h.recorded_by for h in history] == [e.recorded_by for e in events]


PROPERTY_SETTINGS = settings(
    max_examples=50, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(intake=intakes, plan=st.lists(intents, min_size=8, max_size=40))
def test_the_store_returns_the_domain_state_at_every_version(
        writer_and_reader: tuple[FamilyCases, FamilyCases], intake: Intake,
        plan: list[Intent]) -> None:
    """In-memory case saved after every command; read back now and at every version."""
    writer, reader = writer_and_reader
    driver = Driver(writer, intake, via="save")
    for intent in plan:
        driver.apply(intent)

    check_stored_case(reader, driver, same_events=True)
    assert writer.get_case(driver.case.id).state == driver.case.state


@pytest.mark.slow
@PROPERTY_SETTINGS
@given(intake=intakes, plan=st.lists(intents, min_size=8, max_size=40))
def test_application_commands_decide_like_the_in_memory_case(
        writer_and_reader: tuple[FamilyCases, FamilyCases], intake: Intake,
        plan: list[Intent]) -> None:
    """The same commands through the application (each loads the stored case, often
    from a snapshot, and decides again) record the same events and state."""
    writer, reader = writer_and_reader
    driver = Driver(writer, intake, via="api")
    for intent in plan:
        driver.apply(intent)

    check_stored_case(reader, driver, same_events=False)
