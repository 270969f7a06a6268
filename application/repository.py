"""How aggregates (cases, offers, the staff directory) are read and stored safely beside
one another: readers of a cached aggregate take turns, unreadable snapshots are passed
over, snapshots come ever more rarely, and writers that collide pause before they try
again."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.persistence import EventStore, MapperDeserialisationError

LOCK_STRIPES = 256
"""Locks per application, each for the ids that fall in its stripe."""
logger = logging.getLogger(__name__)


class ReadableSnapshots(EventStore[UUID]):
    """Snapshots only shortcut loading: one that cannot be read (sealed with a key that
    was destroyed meanwhile) is passed over, and the case is replayed from its events."""

    def get(self, originator_id: UUID, *, gt: int | None = None, lte: int | None = None,
            desc: bool = False, limit: int | None = None) -> Iterator[Any]:
        records = self.recorder.select_events(originator_id=originator_id, gt=gt, lte=lte,
                                              desc=desc, limit=limit)
        for record in records:
            try:
                yield self.mapper.to_domain_event(record)
            except MapperDeserialisationError:
                logger.warning("unreadable snapshot of %s at version %s passed over",
                               originator_id, record.originator_version)


class TakingTurns(Repository[UUID]):
    """The library's repository, where the readers of one cached aggregate take turns.
    It deep-copies a cached aggregate after releasing its catch-up lock, so another
    thread catching the same cached object up could change it mid-copy ("dictionary
    changed size during iteration": a reader's 500). A lock per stripe of ids is taken
    around each read from the cache, and nothing else while it is held."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._turns = [threading.Lock() for _ in range(LOCK_STRIPES)]

    def get(self, aggregate_id: UUID, *, version: int | None = None,
            **kwargs: Any) -> Any:
        if self.cache is None or version is not None:  # (read from the store alone)
            return super().get(aggregate_id, version=version, **kwargs)
        with self._turns[hash(aggregate_id) % LOCK_STRIPES]:
            return super().get(aggregate_id, **kwargs)


def snapshot_due(version: int, interval: int) -> bool:
    """Every ``interval`` events at first, then ever more rarely: a snapshot stores the
    whole state, which grows with the history, so the step doubles whenever the history
    reaches 16 steps. Loading replays at most one step: never more than a 16th of the
    history, and each snapshot's cost spread over its step stays about the same."""
    step = interval
    while version >= step * 16:
        step *= 2
    return version % step == 0


def backoff(attempt: int) -> None:
    """Randomised, growing pause so that colliding writers spread out."""
    time.sleep(random.uniform(0, min(0.1, 0.002 * 2 ** min(attempt, 6))))  # noqa: S311
