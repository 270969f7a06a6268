"""Offers in the family-case store: create, change (load, check, one call, save), read.

An offer is an aggregate of its own in the same event store as the families, so its
events join the same hash chain and notification log, and a keyed command's receipt is
stored in the same transaction as its events. A command naming the version it expects
fails with ``StaleVersion`` (HTTP 412) when the offer moved on; without one, a
collision with another writer is retried on the fresh offer.

Listing reads the offers' creation events by topic; a view of its own is later work
(the statistics of issue 15, item 5).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from application.cases import (
    MAX_ATTEMPTS,
    ConcurrencyConflict,
    FamilyCases,
    StaleVersion,
)
from application.refusals import Refusal
from application.repository import backoff
from domain.offers import Offer, OfferCreated

OfferGuard = Callable[[Offer], None]
_LOCK = threading.Lock()
PAGE = 500


class StaleOffer(StaleVersion):
    """The command expected another version of the offer (HTTP 412)."""

    what = "offer"


class OfferNotFound(Refusal):
    def __init__(self) -> None:
        super().__init__(404, "offer_not_found", "Not found",
                         "there is no such offer among your projects' offers")


@dataclass(frozen=True)
class Saved:
    offer_id: UUID
    version: int
    position: int | None


def load(cases: FamilyCases, offer_id: UUID) -> Offer:
    try:
        offer: object = cases.repository.get(offer_id)
    except AggregateNotFoundError:
        raise OfferNotFound from None
    if not isinstance(offer, Offer):
        raise OfferNotFound
    return offer


def create(cases: FamilyCases, offer: Offer) -> Saved:
    """Save a new offer (an existing id: a twin request of the same key answers)."""
    try:
        recordings = cases.save(offer)
    except IntegrityError:
        cases._replay_if_keyed()
        raise ConcurrencyConflict(f"offer {offer.id} exists already") from None
    return Saved(offer.id, offer.version, _position(recordings))


def update(cases: FamilyCases, offer_id: UUID, expected_version: int | None,
           guard: OfferGuard, decide: Callable[[Offer], Any]) -> Saved:
    """Load, check access, If-Match, one domain call, save; collisions are retried."""
    with _LOCK:
        cases._replay_if_keyed()
        for attempt in range(MAX_ATTEMPTS):
            offer = load(cases, offer_id)
            guard(offer)
            if expected_version is not None and offer.version != expected_version:
                raise StaleOffer(offer_id, expected_version, offer.version)
            decide(offer)
            try:
                recordings = cases.save(offer)
            except IntegrityError:
                # Another process's writer got there first: decide again on the fresh
                # offer, after a growing random pause so that the losers spread out.
                cases._replay_if_keyed()
                backoff(attempt)
                continue
            return Saved(offer_id, offer.version, _position(recordings))
    raise ConcurrencyConflict(f"offer {offer_id} kept changing; try again")


def _position(recordings: list[Any]) -> int | None:
    return recordings[-1].notification.id if recordings else None


def offer_ids(cases: FamilyCases, projects: set[str]) -> Iterator[UUID]:
    """The ids of every offer of ``projects``, oldest first."""
    topic = get_topic(OfferCreated)
    start: int | None = None
    while True:
        page = cases.recorder.select_notifications(start, PAGE, topics=[topic])
        for notification in page:
            created = cast(OfferCreated, cases.mapper.to_domain_event(notification))
            if created.project in projects:
                yield created.originator_id
        if len(page) < PAGE:
            return
        start = page[-1].id + 1


def recorded_at(cases: FamilyCases, offer_id: UUID) -> dict[int, datetime]:
    """When each version of the offer was recorded (the second timeline)."""
    return {e.originator_version: e.timestamp  # type: ignore[attr-defined]
            for e in cases.events.get(offer_id)}
