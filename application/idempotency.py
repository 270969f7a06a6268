"""Idempotent commands: a retried request records nothing new and gets the first answer.

A client that did not hear the answer to a command (timeout, dropped connection, crash
of a server process) sends it again with the same ``Idempotency-Key``. The key is
stored *in the same transaction as the command's events* (``application/recorders.py``
inserts it), so either both are stored or neither: no event without its key, no key
without its events. A twin request that arrives at the same moment collides on the
key's primary key, its transaction rolls back, and it answers with what the first one
stored. Keys are scoped per staff member.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

TABLE = "lotse_idempotency"


@dataclass(frozen=True)
class Receipt:
    """What the first execution of a keyed command stored."""

    fingerprint: str
    family_id: UUID | None
    version: int
    position: int | None
    facts: dict[str, Any]


class KeyReplayed(Exception):
    """The key was used before (maybe a moment ago by a twin request)."""

    def __init__(self, receipt: Receipt) -> None:
        super().__init__("idempotency key used before")
        self.receipt = receipt


@dataclass
class PendingKey:
    """A keyed command in progress. ``facts`` are values of the answer that are known
    before saving (generated ids, the case number); the recorder adds version and
    position when it stores the events."""

    scope: str
    key: str
    fingerprint: str
    family_id: UUID | None
    facts: dict[str, Any] = field(default_factory=dict)

    def receipt_for(self, stored_events: Sequence[StoredEvent],
                    positions: Sequence[int] | None) -> Receipt:
        own = [s.originator_version for s in stored_events
               if self.family_id is None or s.originator_id == self.family_id]
        version = max(own) if own else stored_events[-1].originator_version
        position = max(positions) if positions else None
        return Receipt(self.fingerprint, self.family_id, version, position, dict(self.facts))


_pending: ContextVar[PendingKey | None] = ContextVar("lotse_pending_key", default=None)


@contextmanager
def keyed(pending: PendingKey) -> Iterator[PendingKey]:
    """Run a command under an idempotency key (the recorder stores it with the events)."""
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def pending_key() -> PendingKey | None:
    return _pending.get()


def note_for_repeats(**facts: Any) -> None:
    """What a repeat of the running keyed command answers with (values of the answer
    that are not in its events: never a secret such as a new token)."""
    pending = pending_key()
    if pending is not None:
        pending.facts.update(facts)


def row_for(pending: PendingKey, receipt: Receipt) -> tuple[Any, ...]:
    return (pending.scope, pending.key, receipt.fingerprint,
            receipt.family_id.hex if receipt.family_id else None, receipt.version,
            receipt.position, json.dumps(receipt.facts), datetime.now(UTC).isoformat())


def receipt_from(row: Sequence[Any]) -> Receipt:
    fingerprint, family_id, version, position, facts = row
    return Receipt(fingerprint, UUID(family_id) if family_id else None, int(version),
                   int(position) if position is not None else None, json.loads(facts))


COLUMNS = "scope, key, fingerprint, family_id, version, position, facts, created_at"
SELECT = "SELECT fingerprint, family_id, version, position, facts FROM {table} " \
         "WHERE scope = {p} AND key = {p}"
INSERT = "INSERT INTO {table} (" + COLUMNS + ") VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})"
CREATE = ("CREATE TABLE IF NOT EXISTS {table} (scope TEXT NOT NULL, key TEXT NOT NULL, "
          "fingerprint TEXT NOT NULL, family_id TEXT, version INTEGER NOT NULL, "
          "position BIGINT, facts TEXT NOT NULL, created_at TEXT NOT NULL, "
          "PRIMARY KEY (scope, key))")
