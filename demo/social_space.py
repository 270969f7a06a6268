"""The demo projects' social-space work (issue 15): places, partners, offers and their
sessions over the demo's months, recorded at their times like the casework.

Each project gets a quarter office, a family centre, a Kita, a school and an online
room; the Jobcenter, debt counselling, migration counselling and the youth office as
partners; and five kinds of offer: the women's café every Wednesday, the Friday office
hours at the family centre with a Jobcenter colleague, the parent breakfast at the Kita
every Tuesday, a parenting course with a term of ten sessions, and a network meeting
with partners each quarter. A few sessions are cancelled (holidays, illness), one
headcount is corrected late, some sessions name families of the project who came, and
some families' intakes name the café or office hours through which they came.

``SocialSpacePlan`` decides everything from its own seeded ``random.Random`` (the
families' stories draw from theirs, unchanged); ``TimedRecorder`` asks it to adjust each
intake (``via``) and, when it records, for the offers' actions with their times.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from application import offers
from application.cases import FamilyCases
from application.directory import Directory
from domain.directory import StaffDirectory
from domain.offer_values import (
    AgeBand,
    Attendee,
    CancelReason,
    CorrectionReason,
    HeadcountGender,
    NetworkOutcome,
    OfferType,
    Recurrence,
    Schedule,
    Weekday,
)
from domain.offers import Offer
from domain.rules import PROGRAMME_TZ
from domain.values import InstitutionType, PlaceKind, Topic

RECORDED_BY = "demo"
W, M, NS = HeadcountGender.WOMEN, HeadcountGender.MEN, HeadcountGender.NOT_STATED
KIDS, TEENS, YOUNG, ADULTS, OLDER = AgeBand
Action = Callable[[], object]
Counts = dict[HeadcountGender, dict[AgeBand, int]]

PLACES = (("Stadtteilbüro", PlaceKind.QUARTER_OFFICE), ("Familienzentrum", PlaceKind.FAMILY_CENTRE),
          ("Kita Regenbogen", PlaceKind.KITA), ("Grundschule am Park", PlaceKind.SCHOOL),
          ("Online-Raum", PlaceKind.ONLINE))
PARTNERS = (("Jobcenter {town}", InstitutionType.JOBCENTER, "Team U25 und Familien"),
            ("Schuldnerberatung der Diakonie {town}", InstitutionType.DEBT_COUNSELLING, None),
            ("Migrationsberatung der Caritas {town}", InstitutionType.MIGRATION_COUNSELLING,
             None),
            ("Jugendamt {town}, Bezirkssozialdienst", InstitutionType.YOUTH_OFFICE,
             "Bezirkssozialarbeit"))


@dataclass(frozen=True)
class OfferSpec:
    kind: OfferType
    title: str
    place: int  # index into PLACES
    partners: tuple[int, ...]  # indexes into PARTNERS
    weekday: Weekday | None  # None: one-off
    start: time
    minutes: int
    began_days_ago: int
    sessions: int | None = None  # a course's term
    topics: tuple[Topic, ...] = ()


OFFERS = (
    OfferSpec(OfferType.CAFE, "Frauencafé", 0, (), Weekday.WEDNESDAY, time(10), 120, 500,
              topics=(Topic.LANGUAGE_AND_INTEGRATION, Topic.PARENTING)),
    OfferSpec(OfferType.OPEN_OFFICE_HOURS, "Offene Sprechstunde mit dem Jobcenter", 1, (0,),
              Weekday.FRIDAY, time(9), 120, 420,
              topics=(Topic.JOB_SEARCH, Topic.BENEFITS, Topic.LETTERS_AND_DOCUMENTS)),
    OfferSpec(OfferType.PARENT_BREAKFAST, "Elternfrühstück", 2, (), Weekday.TUESDAY,
              time(8, 30), 90, 300, topics=(Topic.PARENTING, Topic.CHILDCARE)),
    OfferSpec(OfferType.GROUP_COURSE, "Elternkurs „Starke Eltern – starke Kinder“", 3, (3,),
              Weekday.THURSDAY, time(17), 120, 140, sessions=10, topics=(Topic.PARENTING,)),
)
NETWORK_EVERY = 91  # days: a network meeting each quarter
HOLIDAYS = ((12, 22), (1, 6))  # no sessions between (winter break)


@dataclass
class Held:
    """A session planned to be held (``counts`` known), or cancelled (``reason``)."""

    offer: UUID
    session_id: UUID
    day: date
    counts: Counts
    first_time: int
    reason: CancelReason | None = None
    attendees: list[Attendee] = field(default_factory=list)


@dataclass
class Planned:
    offer_id: UUID
    spec: OfferSpec | None  # None: a network meeting
    starts_on: date
    sessions: list[Held]
    ends_on: date | None = None


@dataclass
class ProjectPlan:
    project: str
    places: list[UUID]
    partners: list[UUID]
    staff: tuple[str, ...]
    town: str
    offers: list[Planned] = field(default_factory=list)
    families: list[tuple[date, UUID, tuple[UUID, ...]]] = field(default_factory=list)


def _weekly(start: date, weekday: Weekday, until: date) -> list[date]:
    first = start + timedelta(days=(list(Weekday).index(weekday) - start.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range((until - first).days // 7 + 1)]


def _in_break(day: date) -> bool:
    (m1, d1), (m2, d2) = HOLIDAYS
    return (day.month, day.day) >= (m1, d1) or (day.month, day.day) <= (m2, d2)


class SocialSpacePlan:
    """What the demo projects' social-space work will record, and when."""

    def __init__(self, seed: int, today: date, now: datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (fictional data)
        self.today, self.now = today, now
        self.projects: dict[str, ProjectPlan] = {}

    def new_id(self) -> UUID:
        """A new id from the plan's seed: the same seed gives the same offers and ids."""
        return UUID(int=self.rng.getrandbits(128), version=4)

    # ----- the directory (recorded at once, when the projects are set up) -------------

    def add_project(self, directory: Directory, project: str, staff: tuple[str, ...],
                    town: str) -> None:
        district = directory.project(project).districts[0]
        places = [self.new_id() for _ in PLACES]
        partners = [self.new_id() for _ in PARTNERS]

        def add(d: StaffDirectory) -> None:
            for place_id, (name, kind) in zip(places, PLACES, strict=True):
                d.place(project=project, place_id=place_id, name=name, kind=kind,
                        district=None if kind is PlaceKind.ONLINE else district,
                        recorded_by=RECORDED_BY, new=True)
            for partner_id, (title, institution, role) in zip(partners, PARTNERS, strict=True):
                d.partner(project=project, partner_id=partner_id, name=title.format(town=town),
                          institution_type=institution, contact_role=role, district=None,
                          recorded_by=RECORDED_BY, new=True)

        directory.change(add)
        plan = self.projects[project] = ProjectPlan(project, places, partners, staff, town)
        for spec in OFFERS:
            plan.offers.append(self._offer(spec))
        first = self.today - timedelta(days=480)
        for n in range((self.today - first).days // NETWORK_EVERY + 1):
            day = first + timedelta(days=n * NETWORK_EVERY)
            offer_id = self.new_id()
            held = Held(offer_id, self.new_id(), day, {NS: {ADULTS: self.rng.randint(5, 9)}}, 0)
            plan.offers.append(Planned(offer_id, None, day, [held]))

    def _offer(self, spec: OfferSpec) -> Planned:
        rng, offer_id = self.rng, self.new_id()
        starts_on = self.today - timedelta(days=spec.began_days_ago)
        assert spec.weekday is not None
        days = _weekly(starts_on, spec.weekday, self.today)
        starts_on, ends_on = days[0], None
        if spec.sessions is not None:
            days = days[:spec.sessions]
            ends_on = days[-1]
        sessions = []
        for i, day in enumerate(days):
            if _in_break(day) or rng.random() < 0.05:
                reason = CancelReason.HOLIDAY if _in_break(day) else rng.choice(
                    (CancelReason.STAFF_UNAVAILABLE, CancelReason.PLACE_UNAVAILABLE))
                sessions.append(Held(offer_id, self.new_id(), day, {}, 0, reason))
                continue
            counts, first_time = self._counts(spec.kind, first=i == 0)
            sessions.append(Held(offer_id, self.new_id(), day, counts, first_time))
        return Planned(offer_id, spec, starts_on, sessions, ends_on)

    def _counts(self, kind: OfferType, *, first: bool) -> tuple[Counts, int]:
        r = self.rng.randint
        if kind is OfferType.CAFE:
            counts = {W: {YOUNG: r(1, 4), ADULTS: r(5, 10), OLDER: r(0, 2)},
                      NS: {KIDS: r(2, 6)}}
        elif kind is OfferType.OPEN_OFFICE_HOURS:
            counts = {W: {ADULTS: r(2, 6), YOUNG: r(0, 2)}, M: {ADULTS: r(1, 3)}}
        elif kind is OfferType.PARENT_BREAKFAST:
            counts = {W: {ADULTS: r(3, 8)}, M: {ADULTS: r(0, 2)}, NS: {KIDS: r(3, 8)}}
        else:
            counts = {W: {ADULTS: r(5, 7)}, M: {ADULTS: r(2, 3)}}
        kept = {g: {b: n for b, n in bands.items() if n} for g, bands in counts.items()}
        total = sum(n for bands in kept.values() for n in bands.values())
        first_time = total if first and kind is OfferType.GROUP_COURSE else r(0, min(2, total))
        return {g: b for g, b in kept.items() if b}, first_time

    # ----- intakes: some families came through the café or the office hours ------------

    def via(self, project: str, family_id: UUID, mothers: tuple[UUID, ...],
            opened_on: date) -> tuple[UUID, UUID] | None:
        """Remember the family and its mothers (one may be named at later sessions); for
        about one in eight, the café or office-hours session through which it came."""
        plan = self.projects.get(project)
        if plan is None:
            return None
        plan.families.append((opened_on, family_id, mothers))
        if self.rng.random() >= 0.125:
            return None
        held = [s for o in plan.offers[:2] for s in o.sessions if s.reason is None
                and opened_on - timedelta(days=42) <= s.day <= opened_on - timedelta(days=7)]
        if not held:
            return None
        session = self.rng.choice(held)
        return session.offer, session.session_id

    def partner_for(self, project: str, institution_type: object) -> tuple[UUID, str] | None:
        """Most referrals to a kind of institution the project has a partner of name
        that partner (the others name an institution as free text)."""
        plan = self.projects.get(project)
        if plan is None:
            return None
        for partner_id, (name, kind, _) in zip(plan.partners, PARTNERS, strict=True):
            if kind == institution_type and self.rng.random() < 0.8:
                return partner_id, name.format(town=plan.town)
        return None

    # ----- the actions, with their recording times ----------------------------------

    def actions(self, cases: FamilyCases) -> list[tuple[datetime, Action]]:
        """Every offer's creation, sessions, corrections and end, each at a time some
        while after its date, in each offer's order."""
        found: list[tuple[datetime, Action]] = []
        for plan in self.projects.values():
            self._name_attendees(plan)
            for offer in plan.offers:
                found.extend(self._offer_actions(cases, plan, offer))
        return found

    def after(self, day: date, earliest: datetime) -> datetime:
        """When a session of ``day`` is recorded: that day or within three days (so an
        intake a week later can name it), never after ``now``, after ``earliest``."""
        moment = datetime.combine(day + timedelta(days=self.rng.randint(0, 3)), time(12),
                                  tzinfo=PROGRAMME_TZ)
        moment += timedelta(minutes=self.rng.randint(0, 6 * 60))
        return max(earliest + timedelta(seconds=1), min(moment, self.now))

    def _name_attendees(self, plan: ProjectPlan) -> None:
        """At a few café and breakfast sessions, a mother of a family whose case was
        opened at least two weeks before is named (counted among the women)."""
        for offer in plan.offers[:3:2]:
            for session in offer.sessions:
                known = [f for f in plan.families
                         if f[2] and f[0] <= session.day - timedelta(days=14)]
                if session.reason is not None or not known or self.rng.random() > 0.3:
                    continue
                for _, family_id, members in self.rng.sample(known, min(2, len(known))):
                    session.attendees.append(Attendee(family_id, members[0]))

    def _offer_actions(self, cases: FamilyCases, plan: ProjectPlan, planned: Planned
                       ) -> list[tuple[datetime, Action]]:
        spec, rng, after = planned.spec, self.rng, self.after
        created_on = planned.starts_on - timedelta(days=14)
        at = datetime.combine(created_on, time(9), tzinfo=PROGRAMME_TZ)
        if spec is None:
            quarter = (planned.starts_on.month - 1) // 3 + 1
            kind, title, place = (OfferType.NETWORK_MEETING, f"Netzwerktreffen Familie im "
                                  f"Quartier, {quarter}. Quartal {planned.starts_on.year}", 1)
            partners: tuple[int, ...] = (0, 1, 2, 3)
            schedule = Schedule(Recurrence.ONE_OFF, time(14), 120)
        else:
            kind, title, place, partners = spec.kind, spec.title, spec.place, spec.partners
            assert spec.weekday is not None
            schedule = Schedule(Recurrence.WEEKLY, spec.start, spec.minutes, (spec.weekday,))
        planned_sessions = len(planned.sessions) if spec is None or spec.sessions else None

        def create() -> object:  # (the offer is made, and stamped, at its recording time)
            return offers.create(cases, Offer.create(
                offer_id=planned.offer_id, project=plan.project, offer_type=kind, title=title,
                place_id=plan.places[place],
                partner_ids=[plan.partners[p] for p in partners],
                target_group="Frauen im Quartier" if kind is OfferType.CAFE else None,
                schedule=schedule, starts_on=planned.starts_on, ends_on=planned.ends_on,
                planned_sessions=planned_sessions, occurred_on=created_on,
                recorded_by=plan.staff[0], today=self.today))

        actions: list[tuple[datetime, Action]] = [(at, create)]
        for session in planned.sessions:
            at = after(session.day, at)
            actions.append((at, self._session(cases, plan, planned, session)))
        if (rng.random() < 0.5 and len(planned.sessions) > 3
                and planned.sessions[-3].reason is None):  # (a held one's headcount)
            actions.append((after(planned.sessions[-3].day, at) + timedelta(days=3),
                            self._correction(cases, plan, planned.sessions[-3])))
        if planned.ends_on is not None:
            ended = planned.ends_on
            actions.append((after(ended, max(a for a, _ in actions)), lambda: offers.update(
                cases, planned.offer_id, None, lambda o: None, lambda o: o.end(
                    occurred_on=ended, recorded_by=plan.staff[0], today=self.today))))
        return actions

    def _session(self, cases: FamilyCases, plan: ProjectPlan, planned: Planned,
                 s: Held) -> Action:
        rng = self.rng
        staff = tuple(rng.sample(plan.staff, min(len(plan.staff), rng.randint(1, 2))))
        spec = planned.spec
        topics = list(spec.topics[:rng.randint(1, len(spec.topics))]) if spec else [
            Topic.OTHER]
        partners = None if spec is not None else rng.sample(plan.partners, rng.randint(2, 4))
        outcomes = [] if spec is not None else rng.sample(list(NetworkOutcome)[:5], 2)

        def decide(offer: Offer) -> None:
            if s.reason is not None:
                offer.cancel_session(session_id=s.session_id, reason=s.reason,
                                     occurred_on=s.day, recorded_by=staff[0], today=self.today)
                return
            counts = {g: dict(b) for g, b in s.counts.items()}
            named = len(s.attendees) - sum(n for b in counts.values() for n in b.values())
            if named > 0:
                counts.setdefault(W, {})[ADULTS] = counts.get(W, {}).get(ADULTS, 0) + named
            offer.hold_session(session_id=s.session_id, start_time=None,
                               duration_minutes=None, staff_present=staff, place_id=None,
                               topics=topics, counts=counts, first_time=s.first_time,
                               occurred_on=s.day, recorded_by=staff[0], partner_ids=partners,
                               outcomes=outcomes, attendees=s.attendees, today=self.today)

        return lambda: offers.update(cases, planned.offer_id, None, lambda o: None, decide)

    def _correction(self, cases: FamilyCases, plan: ProjectPlan, s: Held) -> Action:
        counts = {g.value: {b.value: n for b, n in bands.items()}
                  for g, bands in s.counts.items()}
        women = counts.setdefault(W.value, {})
        women[ADULTS.value] = women.get(ADULTS.value, 0) + 1  # one woman was not counted
        value = {"counts": counts, "first_time": s.first_time}
        day = min(s.day + timedelta(days=3), self.today)
        return lambda: offers.update(cases, s.offer, None, lambda o: None, lambda o: (
            o.correct_session(session_id=s.session_id, field="attendance", value=value,
                              reason=CorrectionReason.MISCOUNTED, occurred_on=day,
                              recorded_by=plan.staff[0], today=self.today)))

