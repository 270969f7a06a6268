"""The catch-up engine: applies the event log to the views it is given, exactly once.

An engine follows one or more views: it reads the notifications after the lowest of
their stored positions once (filtered by topic in the query), gives each view the events
it has not applied yet, applies one page per transaction and moves each view's position
*in the same transaction*, with compare-and-set: a crash leaves either the page and its
positions or neither, and two engines on one view never apply a page twice (the slower
one rolls back and reads on from the new positions). Same code on SQLite and
PostgreSQL. ``wait_for`` gives read-your-writes: a reader names the log position its
write returned and waits, bounded, until the views have reached it. Engines notice a
rebuild's switch to a new generation on their next catch-up and follow the new tables.

**Shares.** A rebuild may run in several processes, each taking the families whose id
falls in its share (``CatchUp(share=(k, n))``: it decodes and applies only their events,
with positions of their own; see ``projections.engine.rebuild``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.facts import FactDecoder
from application.sql import Cursor
from projections.engine.positions import (
    GENERATIONS,
    POSITIONS,
    ensure_tables,
    serving_generation,
)
from projections.engine.view import View

PAGE_SIZE = 500


@dataclass(frozen=True)
class ViewStatus:
    name: str
    position: int
    head: int
    behind: int
    """Log positions between the view and the log's end (other views' events included)."""
    oldest_unprocessed_seconds: float | None
    events_per_second: float | None
    """Of the last page any engine applied to the view (reading, decoding, applying);
    None before the first."""
    generation: int = 0


def share_of(originator_id: UUID | str, shares: int) -> int:
    """The share (of ``shares``) a family's events fall in: its id's last byte modulo
    ``shares`` (as the stores' ``select_notifications(..., share=)`` compute it in SQL;
    256 values: the shares differ by one value at most)."""
    number = (originator_id if isinstance(originator_id, UUID) else UUID(originator_id)).int
    return (number & 0xFF) % shares


class _Moved(Exception):
    """Another engine advanced a position first."""


class _NeedsLock(Exception):
    """A view read after it wrote: its page is applied under the write lock instead."""


class _Deferred(Cursor):
    """A cursor for applying a page before SQLite's write lock is taken: reads go to a
    read transaction at once, writes are kept in order and run under the lock
    (``replay``). A read after a write (a view reading back what it wrote) raises
    ``_NeedsLock``. Sound because a view's tables change only together with its
    position: when the compare-and-set of the position succeeds under the lock, nothing
    changed what the reads saw. With shares (several rebuild processes, each with a
    position of its own on the same tables) this rests on two rules every view keeps:
    a share reads only the documents of its own families, and rows shared by families
    (counters) are only ever changed by adding to them. A view that read a shared row
    and wrote it back whole would lose updates here; it must not fold before the lock.
    Writes go through ``execute``/``executemany`` only (``self.cursor`` is the read
    transaction's, never committed)."""

    def __init__(self, reader: Cursor) -> None:  # (no super().__init__: no new cursor)
        self.cursor = reader.cursor
        self.reader = reader
        self.writes: list[tuple[str, Any, bool]] = []
        self._read = False

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        if statement.lstrip()[:6].upper() == "SELECT":
            if self.writes:
                raise _NeedsLock
            self.reader.execute(statement, params)
            self._read = True
        else:
            self.writes.append((statement, tuple(params), False))
            self._read = False
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.writes.append((statement, [tuple(r) for r in rows], True))

    def fetchone(self) -> tuple[Any, ...] | None:
        if not self._read:
            raise _NeedsLock  # (a write's RETURNING)
        return self.reader.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        if not self._read:
            raise _NeedsLock
        return self.reader.fetchall()

    def replay(self, c: Cursor) -> None:
        for statement, params, many in self.writes:
            if many:
                c.executemany(statement, params)
            else:
                c.execute(statement, params)


class CatchUp:
    """Keeps one or more views up to date with one application's event log."""

    def __init__(self, cases: FamilyCases, views: View | Sequence[View], *,
                 page_size: int = PAGE_SIZE, follow_serving: bool = True,
                 share: tuple[int, int] | None = None) -> None:
        self.cases, self.page_size = cases, page_size
        self.views: list[View] = [views] if isinstance(views, View) else list(views)
        self.view = self.views[0]
        self.follow_serving = follow_serving
        """Follow a rebuild's switch to new tables (False: the rebuild's own engine)."""
        self.share = share
        """(k, n): apply only the events of families whose id modulo n is k, with
        positions of their own (the share of one process of a rebuild)."""
        self.fold_before_lock = not follow_serving
        """On SQLite, fold each page before taking the store's write lock and write under
        it (``_apply_before_lock``): a rebuild's processes then fold at once."""
        self.wait_for_disk = follow_serving
        """Commit each page only once it is on disk. False: a rebuild's pages, written to
        tables nobody reads before its switch (which waits for the disk, and for every
        page before it with it): they commit without waiting (``synchronous_commit`` off
        on PostgreSQL, ``synchronous = NORMAL`` in SQLite's WAL; a crash may lose the
        last pages whole, never part of one, and the rebuild fails and is run again)."""
        self.with_indexes = follow_serving
        """Create the views' indexes with their tables (False: a rebuild, which creates
        them after filling the tables)."""
        self.keep_documents = follow_serving and share is None
        """Views may keep the documents of a page for the next (``View.begin_page``): an
        engine that follows the serving tables applies short pages of the same families
        (a rebuild's long pages seldom meet a family twice)."""
        self._suffix = "" if share is None else f"/{share[0]}of{share[1]}"
        self.tables = cases.tables
        self._lock = threading.Lock()
        self._moved = threading.Condition()
        # The PersonalDataMapper's events, decoded faster (application/facts.py).
        self._decode: Any = FactDecoder(cases.mapper)  # type: ignore[arg-type]
        self._kinds: dict[str, dict[type, bool]] = {}
        t = self.tables
        with t.transaction(commit=True) as c:
            ensure_tables(t, c)
            for view in self.views:
                if follow_serving:
                    view.generation = serving_generation(t, c, view)
                self._prepare(c, view)
        self._topics = sorted({topic for v in self.views for topic in v.topics()})
        self._unseal_topics = frozenset(get_topic(cls) for v in self.views
                                        for cls in v.personal_events)
        self._unseal_items: frozenset[str] | None = frozenset(
            i for v in self.views for i in v.personal_items)
        if any(v.personal_events and not v.personal_items for v in self.views):
            self._unseal_items = None  # (a view reads all personal data of its events)
        for view in self.views:
            view.attach(cases)

    def _wanted(self, view: View) -> Callable[[type], bool]:
        """Whether the view takes events of a class (``isinstance``, cached per class)."""
        known = self._kinds.setdefault(view.name, {})

        def wanted(kind: type) -> bool:
            found = known.get(kind)
            if found is None:
                found = known[kind] = issubclass(kind, view.events)
            return found
        return wanted

    def key(self, view: View) -> str:
        """Where this engine keeps the view's position."""
        return view.position_key + self._suffix

    def _prepare(self, c: Cursor, view: View) -> None:
        c.execute(self.tables.sql("INSERT INTO {q} (name, position) VALUES ({p}, 0) "
                                  "ON CONFLICT (name) DO NOTHING", q=POSITIONS),
                  (self.key(view),))
        view.create(c, self.tables)
        if self.with_indexes:
            view.create_indexes(c, self.tables)

    def _follow(self) -> None:
        """Move to the tables a rebuild switched to (they exist: the rebuild made them)."""
        if not self.follow_serving:
            return
        t = self.tables
        names = [v.name for v in self.views]
        rows = t.fetchall(t.sql(f"SELECT name, generation FROM {{g}} WHERE name IN "
                                f"({', '.join([t.p] * len(names))})", g=GENERATIONS), names)
        serving = {str(n): int(g) for n, g in rows}
        for view in self.views:
            generation = serving.get(view.name, view.generation)
            if generation != view.generation:
                view.generation = generation
                with t.transaction(commit=True) as c:
                    self._prepare(c, view)

    def positions(self) -> dict[str, int]:
        t = self.tables
        keys = [self.key(v) for v in self.views]
        rows = t.fetchall(t.sql(f"SELECT name, position FROM {{q}} WHERE name IN "
                                f"({', '.join([t.p] * len(keys))})", q=POSITIONS), keys)
        found = {str(n): int(p) for n, p in rows}
        return {k: found.get(k, 0) for k in keys}

    def position(self) -> int:
        """The log position every view of this engine has reached."""
        return min(self.positions().values())

    def run_once(self, *, max_pages: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 until: int | None = None) -> int:
        """Apply what the log holds now (or up to position ``until``), page by page;
        returns the events applied (to any view). ``progress(position, head)`` is called
        after each page."""
        applied = 0
        t = self.tables
        with self._lock:
            self._follow()
            stop = (self.cases.recorder.max_notification_id() or 0) if until is None else until
            pages = 0
            while max_pages is None or pages < max_pages:
                positions = self.positions()
                start = min(positions.values())
                if start >= stop:
                    break
                began = time.perf_counter()
                page, new = self._select(start, stop)
                decoded = self._decode.page(page, self._unseal_topics, self._unseal_items)
                count = 0
                kinds = {type(e) for _, e in decoded}
                pages_events: dict[str, list[Any]] = {}
                for view in self.views:
                    since = positions[self.key(view)]
                    if since < new:
                        wanted = self._wanted(view)
                        taken = {kind for kind in kinds if wanted(kind)}
                        pages_events[view.name] = [e for i, e in decoded
                                                   if i > since and type(e) in taken]
                deferred = self._apply_before_lock(pages_events)
                begun = [view for view in self.views
                         if self.keep_documents and positions[self.key(view)] < new]
                for view in begun:
                    view.begin_page(positions[self.key(view)])
                committed = False
                try:
                    with t.transaction(commit=True, wait_for_disk=self.wait_for_disk) as c:
                        for view in self.views:
                            key = self.key(view)
                            since = positions[key]
                            if since >= new:
                                continue
                            events = pages_events[view.name]
                            if deferred is not None:
                                deferred[view.name].replay(c)
                            elif events:  # (undone below if another engine was first)
                                view.apply(c, t, events)
                            moved = c.execute(t.sql(
                                "UPDATE {q} SET position = {p}, rate = {p} WHERE name = {p} "
                                "AND position = {p} RETURNING name", q=POSITIONS),
                                (new, len(events) / max(time.perf_counter() - began, 1e-6),
                                 key, since)).fetchone()
                            if moved is None:
                                raise _Moved
                            count = max(count, len(events))
                    committed = True
                except _Moved:
                    continue
                finally:
                    for view in begun:
                        view.end_page(new if committed else None)
                applied += count
                pages += 1
                if progress is not None:
                    progress(new, stop)
        with self._moved:
            self._moved.notify_all()
        return applied

    def _select(self, start: int, stop: int) -> tuple[Sequence[Any], int]:
        """The page of notifications after ``start`` of the views' topics (of this
        engine's share only: the stores select them in SQL, so the other shares' rows
        are never made into notifications, let alone decoded) and the position it
        reaches: a short page holds everything of interest up to ``stop``."""
        recorder: Any = self.cases.recorder
        if self.share is not None and hasattr(recorder, "select_share"):
            page = recorder.select_share(start, self.page_size, stop, self._topics,
                                         self.share)
        else:
            page = recorder.select_notifications(start, self.page_size, stop=stop,
                                                 topics=self._topics,
                                                 inclusive_of_start=False)
        new: int = page[-1].id if len(page) == self.page_size else stop
        if self.share is not None and not hasattr(recorder, "select_share"):
            k, shares = self.share
            page = [n for n in page if share_of(n.originator_id, shares) == k]
        return page, new

    def _apply_before_lock(self, pages_events: dict[str, list[Any]]
                           ) -> dict[str, _Deferred] | None:
        """A rebuild's engine on SQLite applies a page before taking the write lock
        (which SQLite holds for the whole store): the processes of a rebuild then fold
        their pages at once and take turns only to write. None: apply under the lock
        (PostgreSQL locks rows, not the store; the engines that follow the serving
        views keep their pages short; a rebuild catching up with writes made meanwhile,
        ``fold_before_lock`` off: the writers then wait for it, as it must end; a view
        read back what it wrote)."""
        t = self.tables
        if t.postgres or not self.fold_before_lock:
            return None
        deferred: dict[str, _Deferred] = {}
        try:
            with t.transaction(commit=False) as r:
                for view in self.views:
                    events = pages_events.get(view.name)
                    if events is None:
                        continue
                    cursor = deferred[view.name] = _Deferred(r)
                    if events:
                        view.apply(cursor, t, events)
        except _NeedsLock:
            return None
        return deferred

    def status(self) -> list[ViewStatus]:
        """Where each view stands: for `lotse projections status`, the admin endpoint and
        the Prometheus metrics."""
        self._follow()
        head = self.cases.recorder.max_notification_id() or 0
        positions = self.positions()
        t = self.tables
        keys = [v.position_key for v in self.views]
        rates = {str(n): r for n, r in t.fetchall(t.sql(
            f"SELECT name, rate FROM {{q}} WHERE name IN ({', '.join([t.p] * len(keys))})",
            q=POSITIONS), keys)}
        result = []
        for view in self.views:
            position = positions[view.position_key]
            oldest = None
            if position < head:
                first = self.cases.recorder.select_notifications(
                    position, 1, stop=head, topics=view.topics(), inclusive_of_start=False)
                if first:
                    event = self._decode(first[0], unseal=False)
                    oldest = max(0.0, (datetime.now(UTC) - event.timestamp).total_seconds())
            rate = rates.get(view.position_key)
            result.append(ViewStatus(view.name, position, head, head - position, oldest,
                                     None if rate is None else float(rate), view.generation))
        return result

    def wait_for(self, position: int, timeout: float = 2.0) -> bool:
        """Read-your-writes: catch up until the views have passed ``position`` (a log
        position a command returned), at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while self.position() < position:
            if time.monotonic() >= deadline:
                return False
            if not self.run_once():
                with self._moved:
                    self._moved.wait(0.01)
        return True

