"""Offers and sessions for tests, recorded through the domain and the application's
offer store (``application/offers.py``) as the API records them. Places are named by
ids made from their names (``place_id``): the domain takes any id (the command checks
the directory), and a test reads them back by name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from application import offers
from application.cases import FamilyCases
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

Counts = dict[HeadcountGender, dict[AgeBand, int]]
TODAY = date(2030, 1, 1)  # (the domain's "no date in the future" is checked against it)


def place_id(name: str) -> UUID:
    """The id a test's place of this name has."""
    return uuid5(NAMESPACE_URL, f"lotse-test:place:{name}")


def new_offer(app: FamilyCases, *, project: str = "KR", offer_type: OfferType = OfferType.CAFE,
              title: str = "Frauencafé", place: str = "Quartiersbüro",
              starts_on: date = date(2026, 1, 1), planned: int | None = None,
              offer_id: UUID | None = None, place_uuid: UUID | None = None,
              partners: Sequence[UUID] = ()) -> UUID:
    offer = Offer.create(
        offer_id=offer_id or uuid4(), project=project, offer_type=offer_type, title=title,
        place_id=place_uuid or place_id(place), partner_ids=partners, target_group=None,
        schedule=Schedule(Recurrence.WEEKLY, time(10), 90, (Weekday.MONDAY,)),
        starts_on=starts_on, ends_on=None, planned_sessions=planned, occurred_on=starts_on,
        recorded_by="cm-anna", today=TODAY)
    return offers.create(app, offer).offer_id


def hold(app: FamilyCases, offer_id: UUID, on: date, minutes: int, counts: Counts,
         first_time: int = 0, *, place: str | None = None,
         session_id: UUID | None = None, partners: Sequence[UUID] | None = None,
         attendees: Sequence[Attendee] = (), outcomes: Sequence[NetworkOutcome] = ()
         ) -> UUID:
    sid = session_id or uuid4()
    offers.update(app, offer_id, None, lambda o: None, lambda o: o.hold_session(
        session_id=sid, start_time=None, duration_minutes=minutes, staff_present=["cm-anna"],
        place_id=None if place is None else place_id(place), topics=[], counts=counts,
        first_time=first_time, occurred_on=on, recorded_by="cm-anna", partner_ids=partners,
        attendees=attendees, outcomes=outcomes, today=TODAY))
    return sid


def cancel(app: FamilyCases, offer_id: UUID, on: date) -> UUID:
    sid = uuid4()
    offers.update(app, offer_id, None, lambda o: None, lambda o: o.cancel_session(
        session_id=sid, reason=CancelReason.HOLIDAY, occurred_on=on, recorded_by="cm-anna",
        today=TODAY))
    return sid


def correct(app: FamilyCases, offer_id: UUID, session_id: UUID, field: str, value: object,
            on: date) -> None:
    offers.update(app, offer_id, None, lambda o: None, lambda o: o.correct_session(
        session_id=session_id, field=field, value=value, reason=CorrectionReason.MISCOUNTED,
        occurred_on=on, recorded_by="cm-anna", today=TODAY))


def attendance(counts: Counts, first_time: int) -> dict[str, object]:
    """A correction's value for the attendance field."""
    return {"counts": {g.value: {b.value: n for b, n in bands.items()}
                       for g, bands in counts.items()}, "first_time": first_time}
