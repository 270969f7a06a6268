"""The codes and values of social-space offers: types, schedules, headcounts, outcomes.

Attendance is counted, never named: a matrix of gender by age band plus first-time
visitors. Bounds keep a typing slip (1200 instead of 12) from reaching the statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from uuid import UUID

from domain.errors import InvalidInput
from domain.values import Topic

MAX_CELL = 500
"""Most people one cell of a session's headcount may hold."""
MAX_TOTAL = 2000
MAX_PARTNERS = 20
MAX_STAFF = 20
MAX_PLANNED = 1000
MAX_ATTENDEES = 200


class OfferType(StrEnum):
    OPEN_OFFICE_HOURS = "open_office_hours"
    CAFE = "cafe"
    PARENT_BREAKFAST = "parent_breakfast"
    GROUP_COURSE = "group_course"
    INFORMATION_EVENT = "information_event"
    ONLINE_OFFER = "online_offer"
    NETWORK_MEETING = "network_meeting"
    OTHER = "other"


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


class Recurrence(StrEnum):
    WEEKLY = "weekly"
    ONE_OFF = "one_off"


class CancelReason(StrEnum):
    STAFF_UNAVAILABLE = "staff_unavailable"
    PLACE_UNAVAILABLE = "place_unavailable"
    TOO_FEW_REGISTRATIONS = "too_few_registrations"
    HOLIDAY = "holiday"
    PARTNER_CANCELLED = "partner_cancelled"
    OTHER = "other"


class CorrectionReason(StrEnum):
    """Why a session was corrected: a code, not free text (an offer holds no person,
    so there is no key to seal a text with, and a text could name one)."""

    MISCOUNTED = "miscounted"
    TYPING_ERROR = "typing_error"
    WRONG_DATE_OR_TIME = "wrong_date_or_time"
    ADDED_LATER = "added_later"
    OTHER = "other"


class HeadcountGender(StrEnum):
    WOMEN = "women"
    MEN = "men"
    NON_BINARY = "non_binary"
    NOT_STATED = "not_stated"


class AgeBand(StrEnum):
    AGE_0_5 = "0_5"
    AGE_6_17 = "6_17"
    AGE_18_26 = "18_26"
    AGE_27_54 = "27_54"
    AGE_55_PLUS = "55_plus"


class NetworkOutcome(StrEnum):
    """What a network meeting with partners agreed (codes: no minutes, no names)."""

    COOPERATION_AGREED = "cooperation_agreed"
    REFERRAL_PATH_AGREED = "referral_path_agreed"
    JOINT_OFFER_PLANNED = "joint_offer_planned"
    INFORMATION_EXCHANGED = "information_exchanged"
    GAP_IDENTIFIED = "gap_identified"
    OTHER = "other"


@dataclass(frozen=True, order=True)
class Attendee:
    """A named attendee: a member of a family with a case in the offer's project. Ids
    only; whoever may not see the family sees a count, never the link."""

    family_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class Schedule:
    """Weekly on ``weekdays`` or once; each session starts at ``start_time``."""

    recurrence: Recurrence
    start_time: time
    duration_minutes: int
    weekdays: tuple[Weekday, ...] = ()


@dataclass(frozen=True)
class Attendance:
    """Anonymous headcounts: gender → age band → people; cells left out are 0."""

    counts: dict[HeadcountGender, dict[AgeBand, int]] = field(default_factory=dict)
    first_time: int = 0

    @property
    def total(self) -> int:
        return sum(n for bands in self.counts.values() for n in bands.values())


def attendance(counts: Mapping[HeadcountGender, Mapping[AgeBand, int]],
               first_time: int, where: str = "attendance") -> Attendance:
    """Checked headcounts (non-negative, bounded, first-time visitors within the total);
    zero cells are dropped."""
    kept: dict[HeadcountGender, dict[AgeBand, int]] = {}
    for gender, bands in counts.items():
        for band, n in bands.items():
            spot = f"{where}.counts.{gender.value}.{band.value}"
            if isinstance(n, bool) or not isinstance(n, int):
                raise InvalidInput("count_not_a_number", "a headcount is a whole number",
                                   field=spot)
            if n < 0:
                raise InvalidInput("count_negative", "a headcount cannot be negative",
                                   field=spot)
            if n > MAX_CELL:
                raise InvalidInput("count_too_large", f"a headcount cell holds at most "
                                   f"{MAX_CELL} people", field=spot)
            if n:
                kept.setdefault(gender, {})[band] = n
    result = Attendance(kept, first_time)
    if result.total > MAX_TOTAL:
        raise InvalidInput("count_too_large", f"a session counts at most {MAX_TOTAL} people",
                           field=f"{where}.counts")
    if isinstance(first_time, bool) or not isinstance(first_time, int) or first_time < 0:
        raise InvalidInput("count_negative", "first-time visitors cannot be negative",
                           field=f"{where}.first_time")
    if first_time > result.total:
        raise InvalidInput("first_time_above_total", "first-time visitors cannot outnumber "
                           "everyone counted", field=f"{where}.first_time")
    return result


@dataclass
class SessionRecord:
    """A session of an offer as recorded and corrected."""

    session_id: UUID
    held: bool
    on: date
    start_time: time | None = None
    duration_minutes: int | None = None
    staff_present: tuple[str, ...] = ()
    place_id: UUID | None = None
    topics: tuple[Topic, ...] = ()
    attendance: Attendance | None = None
    partner_ids: tuple[UUID, ...] = ()
    outcomes: tuple[NetworkOutcome, ...] = ()
    attendees: tuple[Attendee, ...] = ()
    reason: CancelReason | None = None
    recorded_version: int = 0
    corrections: int = 0
