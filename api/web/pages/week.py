"""Diese Woche: the week's sessions of every offer in the person's projects, to record
them (case managers, coordinators).

A weekly offer is due on its weekdays between its start and its end, a one-off offer on
its date (``domain/offer_schedule.py``). Each due session shows whether it was recorded
(held, with its headcount, or cancelled) or still needs recording: "Termin erfassen"
for a day that has come, "abgesagt" for one to come as well. Sessions recorded on a day
the schedule does not name are listed too. ``?woche=`` (any day of it) shows another
week, for recording late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web.pages.base import PageRoute, PersonDep, render, services
from api.web.pages.offer_views import place_text, project_offers, time_text
from application import policy
from domain.offer_schedule import WEEKDAYS, due_days, last_day, week_of
from domain.offer_values import SessionRecord
from domain.offers import Offer
from domain.rules import today_in_programme

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class Due:
    """A session of the week: due by the schedule, recorded, or both."""

    on: date
    offer: Offer
    place: str
    session: SessionRecord | None

    @property
    def start(self) -> time:
        if self.session is not None and self.session.start_time is not None:
            return self.session.start_time
        return self.offer.schedule.start_time

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.on.weekday()].value

    @property
    def hours(self) -> str:
        s = self.session
        if s is not None and s.held:
            return time_text(s.start_time, s.duration_minutes)
        return time_text(self.offer.schedule.start_time, self.offer.schedule.duration_minutes)


def week_sessions(offers: list[Offer], monday: date, sunday: date,
                  where: Callable[[Offer, SessionRecord | None], str]) -> list[Due]:
    """The week's sessions: each recorded one, and each due day without a record."""
    found: list[Due] = []
    for offer in offers:
        recorded = [s for s in offer.sessions.values() if monday <= s.on <= sunday]
        days = {s.on for s in recorded}
        for s in recorded:
            found.append(Due(s.on, offer, where(offer, s), s))
        last = last_day(offer.ends_on, offer.ended_on)
        for on in due_days(offer.schedule, offer.starts_on, last, monday, sunday):
            if on not in days:
                found.append(Due(on, offer, where(offer, None), None))
    return sorted(found, key=lambda d: (d.on, d.start, d.offer.title.casefold()))


@router.get("/diese-woche", response_class=HTMLResponse)
def this_week(request: Request, person: PersonDep,
              woche: Annotated[date | None, Query()] = None,
              gespeichert: Annotated[str | None, Query(max_length=20)] = None) -> Response:
    svc = services(request)
    projects = policy.check_page(person.actor, policy.Page.WEEK)
    today = today_in_programme()
    monday, sunday = week_of(woche or today)
    offers = [o for code in sorted(projects) for o in project_offers(svc, code)]
    sessions = week_sessions(offers, monday, sunday,
                             lambda offer, record: place_text(offer, svc, record))
    names = {code: svc.directory.project(code).name for code in projects}
    return render(request, person, "week.html", sessions=sessions, monday=monday,
                  sunday=sunday, today=today, names=names, several=len(projects) > 1,
                  earlier=(monday - timedelta(days=7)).isoformat(),
                  later=(monday + timedelta(days=7)).isoformat(),
                  current=monday <= today <= sunday,
                  saved=gespeichert if gespeichert in ("termin", "absage") else None)
