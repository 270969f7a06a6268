"""``lotse demo``: a realistic fictional data set, so a new user sees a living system.

Three projects with their staff (a bearer token each) and a few hundred families whose
intakes spread over the 18 months before ``today``. Each family's story is planned first,
every step on a business date drawn from ``random.Random(seed)``, then recorded in date
order: intake <= ESF+ entry <= consultations, goals, referrals <= exit <= closure <=
leaving status and follow-up, nothing after ``today``. The same seed gives the same
families, case numbers and histories (staff ids and tokens are new).

Where a story's steps go is the ``StoryRecorder``'s business: ``lotse demo`` records each
command through ``FamilyCases`` in a transaction of its own, at a recording time some days
or weeks after its business date, the whole log in order of time (``demo/timeline.py``),
and adds a sign-in per staff member and a submitted report (``demo/showcase.py``); ``lotse
demo-data`` runs them on in-memory aggregates and saves many families per transaction,
stamped with the time they are saved (``demo/bulk.py``). Both share the planning here
(``record_families``) and the stories of ``demo/story.py``, so the same seed gives the
same histories either way.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from application.cases import FamilyCases
from application.commands import FamilyCommand, OpenCase
from application.directory import Directory
from application.sign_in import SignIns
from application.views import OpenedCase
from demo import population as fam
from demo.social_space import SocialSpacePlan
from demo.story import FamilyStory, Site, StoryRecorder
from demo.timeline import Lags, TimedRecorder, recording_clock
from domain.directory import Role
from domain.rules import PROGRAMME_TZ, today_in_programme

HISTORY_DAYS = 548  # intakes over the last 18 months
RECORDED_BY = "demo"


@dataclass(frozen=True)
class DemoStaff:
    staff_id: str
    name: str
    project: str
    role: str
    token: str
    user_name: str = ""  # and password: for the web interface (``lotse demo`` only)
    password: str = ""


@dataclass(frozen=True)
class DemoSummary:
    projects: list[str]
    staff: list[DemoStaff]
    families: int
    events: int  # events recorded in the families' histories


class DemoAlreadyLoaded(RuntimeError):
    """The store holds a demo project already; loading twice would mix two data sets."""


def load_demo(cases: FamilyCases, directory: Directory, *, today: date, families: int = 300,
              seed: int = 7, showcase: bool = False,
              social_space: bool = False) -> DemoSummary:
    """Record the demo projects, staff and ``families`` families, each entry at a time
    after its business date; return the staff (with their tokens). ``showcase`` (``lotse
    demo``) adds KR's submitted report of the last half-year and gives every staff member
    a user name and password (argon2id: a while each, so tests do without).
    ``social_space`` (``lotse demo``): the projects' offers and sessions too, about 2,000
    events (``demo.social_space``); without it, the casework alone, as the bulk loader
    of ``lotse demo-data`` records it."""
    from demo.showcase import give_sign_ins, submission

    check_today(today)
    taken = sorted({p.code for p in directory.projects()} & {s.code for s in fam.SITES})
    if taken:
        raise DemoAlreadyLoaded(f"the store already has the demo project(s) {', '.join(taken)}")
    rng = random.Random(seed)  # noqa: S311 (fictional data, not secrets)
    now = min(datetime.now(PROGRAMME_TZ), datetime.combine(today, time(18), PROGRAMME_TZ))
    began = datetime.combine(today - timedelta(days=HISTORY_DAYS + 14), time(9),
                             PROGRAMME_TZ)  # the projects and their staff
    with recording_clock(began) as clock:
        staff, sites = _staff(directory)
        lags = Lags(random.Random(seed + 1), now)  # noqa: S311 (not drawn from rng: the
        recorder = TimedRecorder(cases, lags, clock)  # same histories as demo-data)
        if social_space:
            recorder.social = plan = SocialSpacePlan(seed + 2, today, now)
            for site in sites:
                plan.add_project(directory, site.spec.code, site.case_managers,
                                 site.spec.town)
        if showcase:
            recorder.scheduled.append(submission(cases, sites[0], today))
        recorded = record_families(cases, recorder, sites, rng, today=today,
                                   families=families)
    if showcase:
        staff = give_sign_ins(SignIns.for_cases(cases), staff)
    return DemoSummary([s.code for s in fam.SITES], staff, recorded.families, recorded.events)


def check_today(today: date) -> None:
    if today > today_in_programme():
        raise ValueError(f"today {today} lies in the future; commands check dates against "
                         "the real date")


@dataclass(frozen=True)
class Recorded:
    families: int
    events: int  # events in the families' histories


@dataclass
class ServiceRecorder:
    """Each command through ``FamilyCases``, in a transaction of its own."""

    cases: FamilyCases

    def open_case(self, *, family_id: UUID, today: date, **intake: Any) -> tuple[str, int]:
        recorded_by = intake.pop("recorded_by")
        opened = self.cases.handle(OpenCase(family_id=family_id, **intake),
                                   recorded_by=recorded_by)
        assert isinstance(opened, OpenedCase)
        return opened.case_number, opened.version

    def command(self, family_id: UUID, command: type[FamilyCommand], *, occurred_on: date,
                recorded_by: str, **args: Any) -> int:
        declared = command(family_id=family_id, occurred_on=occurred_on, **args)
        return self.cases.handle(declared, recorded_by=recorded_by).version

    def finish(self, story: FamilyStory) -> None:
        pass  # stored already

    def flush(self) -> None:
        pass


def record_families(cases: FamilyCases, recorder: StoryRecorder, sites: Sequence[Site],
                    rng: random.Random, *, today: date, families: int) -> Recorded:
    """Plan and record ``families`` stories, oldest intake first (case numbers follow
    intake dates), then reopen and erase a few (through ``FamilyCases``, after everything
    else). Only what picking those needs is kept per family: a few bytes."""
    offsets = sorted((rng.randint(1, HISTORY_DAYS) for _ in range(families)), reverse=True)
    weights = [s.spec.yearly_target for s in sites]
    if offsets:
        offsets[0] = max(offsets[0], 500)  # an old case that surely closed and followed up
    ids = bytearray()  # every family id, 16 bytes each, in order of intake
    closed = array("q")  # the positions of later families closed before today
    events = 0
    for i, offset in enumerate(offsets):
        site = rng.choices(sites, weights)[0]
        story = FamilyStory.plan(recorder, site, rng, today - timedelta(days=offset), today,
                                 oldest=i == 0)
        story.record()
        recorder.finish(story)
        ids += story.family_id.bytes
        events += story.version
        if i > 0 and story.closed_on is not None and story.last_on < today:
            closed.append(i)
    recorder.flush()
    service = ServiceRecorder(cases)

    def resumed(position: int) -> FamilyStory:
        family_id = UUID(bytes=bytes(ids[16 * position: 16 * position + 16]))
        return FamilyStory.resume(cases, service, sites, rng, today, family_id)

    reopened = rng.sample(list(closed), min(len(closed), 1 if families < 100 else 2))
    for position in reopened:  # after everything recorded so far, follow-ups included
        story = resumed(position)
        before = story.version
        story.reopen(fam.between(rng, story.last_on + timedelta(days=1), today))
        events += story.version - before
    recent = [i for i in range(max(1, families - max(3, families // 10)), families)
              if i not in reopened]
    for position in rng.sample(recent, min(len(recent), 1 if families < 100 else 2)):
        story = resumed(position)  # an intake recorded by mistake
        before = story.version
        story.erase(today)
        events += story.version - before
    return Recorded(families, events)


def _staff(directory: Directory) -> tuple[list[DemoStaff], list[Site]]:
    staff: list[DemoStaff] = []
    sites: list[Site] = []
    for spec in fam.SITES:
        team, site = add_site(directory, spec)
        staff.extend(team)
        sites.append(site)
    return staff, sites


def add_site(directory: Directory, spec: fam.SiteSpec) -> tuple[list[DemoStaff], Site]:
    """Add a demo project and its staff."""
    directory.add_project(code=spec.code, name=spec.name, yearly_target=spec.yearly_target,
                          recorded_by=RECORDED_BY)
    directory.set_districts(project=spec.code, recorded_by=RECORDED_BY,
                            districts=list(dict.fromkeys(d for d, _ in spec.districts)))
    team = []
    for name, role in spec.staff:
        issued = directory.add_staff(name=name, project=spec.code, role=role,
                                     recorded_by=RECORDED_BY)
        team.append(DemoStaff(issued.staff_id, name, spec.code, role.value, issued.token))
    one = {s.role: s.staff_id for s in team}
    return team, Site(spec, tuple(s.staff_id for s in team if s.role == Role.CASE_MANAGER),
                      one[Role.COORDINATOR], one[Role.ADMIN])
