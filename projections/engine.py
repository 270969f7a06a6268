"""The catch-up engine: applies the event log to read-model views, exactly once.

A view names the event classes it needs and applies a batch of decoded events with the
cursor of one transaction. The engine reads the notifications after the view's stored
position (filtered by topic in the query), applies one page per transaction and moves
the position *in the same transaction*, with compare-and-set: a crash leaves either the
page and its position or neither, and two engines on one view never apply a page twice
(the slower one rolls back and reads on from the new position). Same code on SQLite
and PostgreSQL. ``wait_for`` gives read-your-writes: a reader names the log position its
write returned and waits, bounded, until the view has reached it.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.sql import Cursor, Tables

POSITIONS = "lotse_projection_positions"
PAGE_SIZE = 500


class View(ABC):
    """A read model: its tables, the events it needs, and how a batch changes it."""

    name: str
    events: tuple[type, ...]
    needs_personal_data: bool = False
    """Views without personal data read events with it left sealed (and cheaper)."""

    @abstractmethod
    def create(self, c: Cursor, tables: Tables) -> None:
        """Create the view's tables if they do not exist."""

    @abstractmethod
    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        """Apply events (in log order) inside the engine's transaction."""

    def topics(self) -> list[str]:
        return sorted({get_topic(cls) for cls in self.events})


@dataclass(frozen=True)
class ViewStatus:
    name: str
    position: int
    head: int
    behind: int
    """Log positions between the view and the log's end (other views' events included)."""
    oldest_unprocessed_seconds: float | None
    events_per_second: float | None
    """Of this process's recent catch-ups; None when it has not applied any."""


class _Moved(Exception):
    """Another engine advanced the position first."""


class CatchUp:
    """Keeps one view up to date with one application's event log."""

    def __init__(self, cases: FamilyCases, view: View, *, page_size: int = PAGE_SIZE) -> None:
        self.cases, self.view, self.page_size = cases, view, page_size
        self.tables = cases.tables
        self._lock = threading.Lock()
        self._moved = threading.Condition()
        self._rate: float | None = None
        t = self.tables
        with t.transaction(commit=True) as c:
            c.execute(t.sql("CREATE TABLE IF NOT EXISTS {q} (name TEXT PRIMARY KEY, "
                            "position BIGINT NOT NULL)", q=POSITIONS))
            c.execute(t.sql("INSERT INTO {q} (name, position) VALUES ({p}, 0) "
                            "ON CONFLICT (name) DO NOTHING", q=POSITIONS), (view.name,))
            view.create(c, t)

    def position(self) -> int:
        row = self.tables.fetchone(self.tables.sql(
            "SELECT position FROM {q} WHERE name = {p}", q=POSITIONS), (self.view.name,))
        return int(row[0]) if row else 0

    def run_once(self, *, max_pages: int | None = None) -> int:
        """Apply what the log holds now, page by page; returns the events applied."""
        applied = 0
        started = time.perf_counter()
        with self._lock:
            stop = self.cases.recorder.max_notification_id() or 0
            pages = 0
            while max_pages is None or pages < max_pages:
                position = self.position()
                if position >= stop:
                    break
                page = self.cases.recorder.select_notifications(
                    position, self.page_size, stop=stop, topics=self.view.topics(),
                    inclusive_of_start=False)
                new = page[-1].id if page else stop
                unseal = self.view.needs_personal_data
                mapper: Any = self.cases.mapper  # the PersonalDataMapper
                events = [mapper.to_domain_event(n, unseal=unseal) for n in page]
                try:
                    with self.tables.transaction(commit=True) as c:
                        moved = c.execute(self.tables.sql(
                            "UPDATE {q} SET position = {p} WHERE name = {p} AND position = {p} "
                            "RETURNING name", q=POSITIONS),
                            (new, self.view.name, position)).fetchone()
                        if moved is None:
                            raise _Moved
                        self.view.apply(c, self.tables, events)
                except _Moved:
                    continue
                applied += len(events)
                pages += 1
        if applied:
            rate = applied / max(time.perf_counter() - started, 1e-6)
            self._rate = rate if self._rate is None else 0.8 * self._rate + 0.2 * rate
        with self._moved:
            self._moved.notify_all()
        return applied

    def status(self) -> ViewStatus:
        """Where the view stands: for `lotse projections status`, the admin endpoint and
        the Prometheus metrics."""
        head = self.cases.recorder.max_notification_id() or 0
        position = self.position()
        oldest = None
        if position < head:
            first = self.cases.recorder.select_notifications(
                position, 1, stop=head, topics=self.view.topics(), inclusive_of_start=False)
            if first:
                mapper: Any = self.cases.mapper
                event = mapper.to_domain_event(first[0], unseal=False)
                oldest = max(0.0, (datetime.now(UTC) - event.timestamp).total_seconds())
        return ViewStatus(self.view.name, position, head, head - position, oldest, self._rate)

    def wait_for(self, position: int, timeout: float = 2.0) -> bool:
        """Read-your-writes: catch up until the view has passed ``position`` (a log
        position a command returned), at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            if time.monotonic() >= deadline:
                return False
            if not self.run_once():
                with self._moved:
                    self._moved.wait(0.01)
        return True
