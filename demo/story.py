"""One fictional family's story: planned step by step from a seeded ``random.Random``,
then recorded in date order through a ``StoryRecorder`` (``demo/loading.py`` records
each command through ``FamilyCases``, ``demo/bulk.py`` on in-memory aggregates).

Every step falls on a business date: intake <= ESF+ entry <= consultations, goals,
referrals <= exit <= closure <= leaving status and follow-up, nothing after ``today``.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.cases import FamilyCases
from application.commands import (
    AchieveGoal,
    AddMember,
    AssignCaseManager,
    CloseCase,
    CorrectEntry,
    DropGoal,
    EnterParticipant,
    ErasePersonalData,
    FamilyCommand,
    GiveConsent,
    MakeReferral,
    RecordConsultation,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
    RecordReferralOutcome,
    ReopenCase,
    ReviseGoal,
    SetGoal,
)
from demo import population as fam
from domain import events as ev
from domain.records import EntryData, FieldChange, MemberData
from domain.rules import earliest_follow_up
from domain.values import ConsentPurpose, ErasureBasis, ExitStatus, MemberRole, Topic


@dataclass(frozen=True)
class Site:
    """A demo project and the staff ids its families' stories need."""

    spec: fam.SiteSpec
    case_managers: tuple[str, ...]  # staff ids
    coordinator: str
    admin: str


class StoryRecorder(Protocol):
    """Where the stories' intakes and steps are recorded."""

    def open_case(self, *, family_id: UUID, today: date, **intake: Any) -> tuple[str, int]:
        """Record an intake (``FamilyCases.open_case``); the case number and version."""
        ...

    def command(self, family_id: UUID, command: type[FamilyCommand], *, occurred_on: date,
                recorded_by: str, **args: Any) -> int:
        """Run the command; the family's new version."""
        ...

    def finish(self, story: FamilyStory) -> None:
        """The story's planned steps are all recorded (a recorder may store them later)."""
        ...

    def flush(self) -> None:
        """Every finished story is in the store."""
        ...


@dataclass
class Step:
    day: date
    command: type[FamilyCommand]
    args: dict[str, Any]
    by: str | None = None  # None: the family's case manager at that moment
    remember: Hashable | None = None  # keep the version of the event this step records
    corrects: Hashable | None = None  # the remembered version this step corrects


@dataclass
class FamilyStory:
    """Plans and records one family's history; afterwards tells what happened."""

    recorder: StoryRecorder
    site: Site
    rng: random.Random
    opened_on: date
    today: date
    family_id: UUID
    case_manager: str  # the family's case manager at the step being recorded
    members: list[MemberData]  # the household at intake
    origin: str = ""  # where the family's names come from (fam.NAMES)
    oldest: bool = False  # surely closed, transferred and corrected
    case_number: str = ""
    version: int = 0
    transferred: bool = False
    closed_on: date | None = None
    last_on: date = date.min  # the latest business date recorded
    entries: dict[UUID, EntryData] = field(default_factory=dict)
    consented: list[ConsentPurpose] = field(default_factory=list)  # at intake, or planned
    steps: list[Step] = field(default_factory=list)
    versions: dict[Hashable, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.adults: list[MemberData] = [m for m in self.members if m.role is not MemberRole.CHILD]

    @classmethod
    def plan(cls, recorder: StoryRecorder, site: Site, rng: random.Random, opened_on: date,
             today: date, *, oldest: bool = False) -> FamilyStory:
        """A new family of ``site`` coming in on ``opened_on``: its id, case manager and
        household drawn from ``rng``."""
        family_id = fam.new_id(rng)
        case_manager = rng.choice(site.case_managers)
        origin, members = fam.household(rng, opened_on)
        return cls(recorder, site, rng, opened_on, today, family_id, case_manager, members,
                   origin, oldest)

    @classmethod
    def resume(cls, cases: FamilyCases, recorder: StoryRecorder, sites: Sequence[Site],
               rng: random.Random, today: date, family_id: UUID) -> FamilyStory:
        """The story of a family recorded earlier, read back from its history as far as
        reopening and erasing need it (nothing is drawn from ``rng``)."""
        history = list(cases.events.get(family_id))
        opened = history[0]
        assert isinstance(opened, ev.CaseOpened)
        entered = {e.member_id: e.entry for e in history
                   if isinstance(e, ev.ParticipantEntered) and not e.reentry}
        managers = [e.case_manager for e in history if isinstance(e, ev.CaseManagerAssigned)]
        story = cls(recorder, next(s for s in sites if s.spec.code == opened.project), rng,
                    opened.occurred_on, today, family_id, managers[-1], list(opened.members),
                    case_number=opened.case_number, version=history[-1].originator_version,
                    transferred=len(managers) > 1,
                    last_on=max(e.occurred_on for e in history if isinstance(e, ev.CaseEvent)))
        # in the order planned: the household's (parents') order
        story.entries = {m.member_id: entered[m.member_id] for m in story.members
                         if m.member_id in entered}
        return story

    def at(self, day: date, command: type[FamilyCommand], **args: Any) -> Step:
        self.steps.append(step := Step(day, command, args))
        return step

    def record(self) -> None:
        """Intake now; plan exit and closure (likelier the older the case), entries,
        consultations, goals, referrals, a birth, a transfer, a correction; record them."""
        rng, today, opened = self.rng, self.today, self.opened_on
        self.intake()
        age = (today - opened).days
        exit_on = None
        if self.oldest or rng.random() < min(0.85, max(0.0, (age - 120) / 300)):
            exit_on = opened + timedelta(days=rng.randint(min(age, 100), min(age, 420)))
        closing = exit_on is not None and (self.oldest or rng.random() < 0.85)
        until = today if rng.random() > 0.15 else max(  # a quiet case: follow-up overdue
            opened, today - timedelta(days=rng.randint(40, 120)))
        last_entry = self.enter(until)
        if exit_on is not None:
            exit_on = max(exit_on, last_entry)
            until = min(today, exit_on + timedelta(days=rng.randint(0, 14))) if closing else (
                max(until, exit_on))
        count = max(2, min(20, 1 + (until - opened).days // rng.randint(14, 35)))
        days = sorted([opened] + [fam.between(rng, opened, until) for _ in range(count - 1)])
        if until == today and not closing:  # an active case was seen in the last weeks
            days[-1] = max(days[-1], today - timedelta(days=rng.randint(0, 14)))
        for i, day in enumerate(days):
            self.at(day, RecordConsultation, **fam.consultation(
                rng, day, self.adults, self.site.spec.town, first=i == 0,
                last=closing and i == count - 1)).remember = ("consultation", i)
        self.goals(days, until)
        for _ in range(rng.choices((0, 1, 2, 3), (30, 40, 22, 8))[0]):
            self.refer(rng.choice(days))
        newborn = opened + timedelta(days=rng.randint(30, 300))
        youngest = max([m.birth_date or date.min for m in self.members[1:]], default=date.min)
        if rng.random() < 0.06 and youngest < newborn - timedelta(days=400) and (
                newborn + timedelta(days=14) <= until):
            self.at(newborn + timedelta(days=14), AddMember, member=fam.baby(
                rng, self.origin, self.adults[0].family_name or "", newborn, self.members))
        if (self.oldest or rng.random() < 0.08) and (until - opened).days >= 2:
            self.transferred = True
            self.at(opened + timedelta(days=rng.randint(1, (until - opened).days - 1)),
                    AssignCaseManager, case_manager=rng.choice(
                        [cm for cm in self.site.case_managers if cm != self.case_manager]),
                    reason=rng.choice(fam.TRANSFERS)).by = self.site.coordinator
        if exit_on is not None:
            self.leave(exit_on, until if closing else None)
        if self.oldest or rng.random() < 0.07:
            self.correct(min(today, until + timedelta(days=rng.randint(0, 10))))
        self.run()

    def run(self) -> None:
        """Record the planned steps in date order (as planned within a day), then forget them."""
        for step in sorted(self.steps, key=lambda s: s.day):  # a stable sort
            args = dict(step.args)
            if step.corrects is not None:
                args["corrected_version"] = self.versions[step.corrects]
            self.version = self.recorder.command(
                self.family_id, step.command, occurred_on=step.day,
                recorded_by=step.by or self.case_manager, **args)
            self.last_on = max(self.last_on, step.day)
            if step.remember is not None:
                self.versions[step.remember] = self.version
            if step.command == AssignCaseManager:
                self.case_manager = args["case_manager"]
        self.steps = []

    def intake(self) -> None:
        rng, site, day = self.rng, self.site.spec, self.opened_on
        district, postal_code = rng.choice(site.districts)
        self.consented = list(fam.CONSENT[: rng.randint(1, len(fam.CONSENT))])
        street = f"{rng.choice(fam.STREETS)} {rng.randint(1, 140)}"
        self.case_number, self.version = self.recorder.open_case(
            project=site.code, members=self.members, district=district,
            postal_code=postal_code, street_address=None if rng.random() < 0.05 else street,
            access_route=fam.pick(rng, fam.ACCESS), benefit_situation=fam.pick(rng, fam.BENEFITS),
            consent_purposes=list(self.consented),
            consent_given_on=day, case_manager=self.case_manager, occurred_on=day,
            recorded_by=self.case_manager, family_id=self.family_id, today=self.today)

    def enter(self, until: date) -> date:
        """ESF+ entry of the first parent and often the second; returns the last entry day."""
        rng, last = self.rng, self.opened_on
        parents = [m for m in self.adults if m.role is MemberRole.PARENT]
        for member in parents[:1] + [m for m in parents[1:] if rng.random() < 0.45]:
            day = fam.between(rng, self.opened_on,
                              min(until, self.opened_on + timedelta(days=14)))
            entry = self.entries[member.member_id] = fam.entry_data(rng, self.origin)
            self.at(day, EnterParticipant, member_id=member.member_id,
                    entry=entry).remember = member.member_id
            last = max(last, day)
        return last

    def goals(self, days: list[date], until: date) -> None:
        """Goals agreed early on: most achieved or dropped later, some revised first."""
        rng = self.rng
        for _ in range(rng.choices((1, 2, 3), (45, 35, 20))[0]):
            set_on, goal_id, area = (rng.choice(days[: max(1, len(days) // 2)]),
                                     fam.new_id(rng), rng.choice(list(fam.GOALS)))
            target = set_on + timedelta(days=rng.randint(60, 240))
            self.at(set_on, SetGoal, goal_id=goal_id, life_area=area,
                    member_ids=[rng.choice(list(self.entries))],
                    description=rng.choice(fam.GOALS[area]), target_date=target)
            ends = set_on + timedelta(days=rng.randint(21, (target - set_on).days + 60))
            ending = fam.pick(rng, {"achieved": 55, "dropped": 20, "open": 25})
            if ends > until:
                ends, ending = until, "open"
            if rng.random() < 0.25 and (ends - set_on).days > 2:
                self.at(fam.between(rng, set_on + timedelta(days=1), ends - timedelta(days=1)),
                        ReviseGoal, goal_id=goal_id, description=None,
                        target_date=target + timedelta(days=rng.randint(30, 120)),
                        reason=rng.choice(fam.REVISIONS))
            if ending == "achieved":
                self.at(ends, AchieveGoal, goal_id=goal_id)
            elif ending == "dropped":
                self.at(ends, DropGoal, goal_id=goal_id, reason=rng.choice(fam.DROPS))

    def refer(self, day: date) -> None:
        """A referral and its outcomes so far (outcomes may follow a closure)."""
        rng = self.rng
        args = fam.referral(rng, rng.choice(self.adults).member_id, self.site.spec.town)
        if ConsentPurpose.REFERRAL_TO_PARTNERS not in self.consented:
            self.consented.append(ConsentPurpose.REFERRAL_TO_PARTNERS)  # asked at intake
            self.at(self.opened_on, GiveConsent, purpose=ConsentPurpose.REFERRAL_TO_PARTNERS)
        self.at(day, MakeReferral, **args)
        for outcome, low, high in fam.pick(rng, fam.OUTCOME_CHAINS):
            day += timedelta(days=rng.randint(low, high))
            if day > self.today:
                break
            self.at(day, RecordReferralOutcome, referral_id=args["referral_id"],
                    outcome=outcome)

    def leave(self, exit_on: date, close_on: date | None) -> None:
        """ESF+ exits, a later leaving status now and then, six-month follow-ups, closure."""
        rng = self.rng
        for member_id, entry in self.entries.items():
            status = fam.pick(rng, fam.EXITS)
            self.at(exit_on, RecordExit, member_id=member_id, status=status)
            later = exit_on + timedelta(days=rng.randint(7, 28))
            if status is ExitStatus.JOB_SEARCHING and rng.random() < 0.35 and later <= self.today:
                self.at(later, RecordLeavingStatus, member_id=member_id,
                        status=ExitStatus.EMPLOYED)
            follow_up_on = earliest_follow_up(exit_on) + timedelta(days=rng.randint(0, 16))
            if follow_up_on <= self.today and rng.random() < 0.75:
                self.at(follow_up_on, RecordFollowUp, member_id=member_id,
                        **fam.follow_up(rng, status, entry))
        if close_on is not None:
            reason = fam.pick(rng, {r: w for r, (_, w) in fam.CLOSURES.items()})
            self.closed_on = close_on
            self.at(close_on, CloseCase, reason=reason, note=fam.CLOSURES[reason][0] or None)

    def correct(self, day: date) -> None:
        """A late correction: the first entry (months, education) or a consultation's length."""
        member_id, entry = next(iter(self.entries.items()))
        if self.rng.random() < 0.4:
            minutes = FieldChange("duration_minutes", str(5 * self.rng.randint(9, 24)))
            self.at(day, CorrectEntry, changes=[minutes], reason="Tippfehler bei der "
                    "Dauer").corrects = ("consultation", 0)
            return
        change, reason = fam.entry_correction(entry)
        self.at(day, CorrectEntry, changes=[change], reason=reason).corrects = member_id

    def reopen(self, on: date) -> None:
        """The family asks for support again after the closure: the first participant
        re-enters the ESF+ (the data of the first entry stay what counts)."""
        self.closed_on = None
        self.at(on, ReopenCase, reason=self.rng.choice(fam.REOPENINGS))
        member_id, entry = next(iter(self.entries.items()))
        self.at(on, EnterParticipant, member_id=member_id, entry=entry)
        self.at(on, RecordConsultation, **{**fam.consultation(
            self.rng, on, self.adults, self.site.spec.town, first=True, last=False),
            "topics": [Topic.HOUSING_AND_EVICTION, Topic.MONEY_AND_DEBTS], "notes": None})
        self.run()

    def erase(self, on: date) -> None:
        self.version = self.recorder.command(
            self.family_id, ErasePersonalData, legal_basis=ErasureBasis.UNLAWFULLY_RECORDED,
            note=self.rng.choice(fam.ERASURES),
            occurred_on=on, recorded_by=self.site.admin)
