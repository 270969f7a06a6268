"""When an offer's sessions are due: the days its schedule names between its start and
its end (a weekly offer on its weekdays, a one-off offer on its start date).

"Due" is what the schedule promises, not what happened: a due day with no session
recorded is one still to be recorded (held or cancelled). The screens list a week's due
sessions beside the recorded ones from this.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.offer_values import Recurrence, Schedule, Weekday

WEEKDAYS = tuple(Weekday)
"""Monday first, as ``date.weekday()`` counts."""


def last_day(ends_on: date | None, ended_on: date | None) -> date | None:
    """The offer's last possible day: the day it ended, else its planned end."""
    return ended_on if ended_on is not None else ends_on


def due_days(schedule: Schedule, starts_on: date, last: date | None, first: date,
             until: date) -> list[date]:
    """The days from ``first`` to ``until`` (inclusive) on which the schedule has a
    session, within the offer's start and ``last`` day."""
    if schedule.recurrence is Recurrence.ONE_OFF:
        return [starts_on] if first <= starts_on <= until else []
    begin = max(first, starts_on)
    end = until if last is None else min(until, last)
    weekdays = {WEEKDAYS.index(w) for w in schedule.weekdays}
    days = []
    day = begin
    while day <= end:
        if day.weekday() in weekdays:
            days.append(day)
        day += timedelta(days=1)
    return days


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
