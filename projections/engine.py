"""The catch-up engine: applies the event log to read-model views, exactly once.

A view names the event classes it needs and applies a batch of decoded events with the
cursor of one transaction. An engine follows one or more views: it reads the
notifications after the lowest of their stored positions once (filtered by topic in the
query), gives each view the events it has not applied yet, applies one page per
transaction and moves each view's position *in the same transaction*, with
compare-and-set: a crash leaves either the page and its positions or neither, and two
engines on one view never apply a page twice (the slower one rolls back and reads on
from the new positions). Same code on SQLite and PostgreSQL. ``wait_for`` gives
read-your-writes: a reader names the log position its write returned and waits,
bounded, until the views have reached it.

**Generations.** Each view's tables carry a generation (``lotse_caseload`` is
generation 0, ``lotse_caseload_g1`` generation 1, ...); ``lotse_projection_views``
names the generation that serves reads. ``rebuild`` fills the next generation from the
log's start while the serving one goes on as before, then switches over in one
statement; engines notice the switch on their next catch-up and follow the new tables.
The generation before the serving one is dropped at the switch (the serving one's
predecessor stays until the next rebuild, so readers still on it never fail).

**Shares.** A rebuild may run in several processes, each taking the families whose id
falls in its share (``CatchUp(share=(k, n))``: it decodes and applies only their events,
with positions of its own). Views are made of per-family rows and of counters summed from
per-family deltas, so the shares add up to the whole; at the end every share is brought
to one position, which becomes the view's.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.facts import FactDecoder
from application.settings import Settings
from application.sql import Cursor, Tables

POSITIONS = "lotse_view_positions"
GENERATIONS = "lotse_projection_views"
PAGE_SIZE = 500
REBUILD_PAGE_SIZE = 4000


class View(ABC):
    """A read model: its tables, the events it needs, and how a batch changes it.

    Table and index names go through ``t()`` so that a rebuild can fill the next
    generation of them beside the serving one."""

    name: str
    events: tuple[type, ...]
    table_names: tuple[str, ...] = ()
    """Every table of the view (base names): dropped with an old generation."""
    personal_events: tuple[type, ...] = ()
    """Event classes whose personal data the view reads: the engine unseals these (only
    these: the others are read with their personal data left sealed, which is cheaper)."""
    personal_items: frozenset[str] = frozenset()
    """The names of the personal items it reads in them (e.g. ``birth_date``); the
    others stay sealed."""
    generation: int = 0
    schema_version: int = 1
    """Raise it when the view's tables or meaning change: engines then fill a new
    generation from the log's start instead of reading tables of another shape."""

    @abstractmethod
    def create(self, c: Cursor, tables: Tables) -> None:
        """Create the view's tables (of ``self.generation``) if they do not exist."""

    @abstractmethod
    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        """Apply events (in log order) inside the engine's transaction."""

    def attach(self, cases: FamilyCases) -> None:  # noqa: B027 (most views need nothing)
        """Called by each engine that keeps the view (a view that needs the application,
        e.g. its family keys, takes it here)."""

    def topics(self) -> list[str]:
        return sorted({get_topic(cls) for cls in self.events})

    @property
    def suffix(self) -> str:
        return f"_g{self.generation}" if self.generation else ""

    def t(self, base: str) -> str:
        """The name of a table or index of this view's generation."""
        return base + self.suffix

    @property
    def position_key(self) -> str:
        return position_key(self.name, self.generation)

    def drop(self, c: Cursor, tables: Tables) -> None:
        for base in self.table_names:
            c.execute(f"DROP TABLE IF EXISTS {tables.table(self.t(base))}")


def position_key(name: str, generation: int) -> str:
    return f"{name}@{generation}"


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


def _number(originator_id: UUID | str) -> int:
    return (originator_id if isinstance(originator_id, UUID) else UUID(originator_id)).int


class _Moved(Exception):
    """Another engine advanced a position first."""


def ensure_tables(tables: Tables, c: Cursor) -> None:
    c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {q} (name TEXT PRIMARY KEY, "
                         "position BIGINT NOT NULL, rate DOUBLE PRECISION)", q=POSITIONS))
    c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {g} (name TEXT PRIMARY KEY, "
                         "generation INTEGER NOT NULL, schema_version INTEGER NOT NULL)",
                         g=GENERATIONS))


def forget_positions(tables: Tables, c: Cursor, view: View) -> None:
    """Delete the positions of ``view``'s generation, its rebuild shares' included."""
    c.execute(tables.sql("DELETE FROM {q} WHERE name = {p} OR name LIKE {p}", q=POSITIONS),
              (view.position_key, view.position_key + "/%"))


def serving_generation(tables: Tables, c: Cursor, view: View) -> int:
    """The generation of ``view`` that serves reads; a view whose shape changed in the
    code since (``schema_version``) starts afresh in the next generation."""
    c.execute(tables.sql("INSERT INTO {g} (name, generation, schema_version) VALUES "
                         "({p}, 0, {p}) ON CONFLICT (name) DO NOTHING", g=GENERATIONS),
              (view.name, view.schema_version))
    row = c.execute(tables.sql("SELECT generation, schema_version FROM {g} WHERE name = {p}",
                               g=GENERATIONS), (view.name,)).fetchone()
    generation, schema = (int(row[0]), int(row[1])) if row else (0, view.schema_version)
    if schema > view.schema_version:
        raise RuntimeError(f"the store's view {view.name} has shape {schema}, newer than "
                           f"this version of Lotse knows ({view.schema_version}): update it")
    if schema < view.schema_version:
        generation += 1
        view.generation = generation
        view.drop(c, tables)
        forget_positions(tables, c, view)
        c.execute(tables.sql("UPDATE {g} SET generation = {p}, schema_version = {p} "
                             "WHERE name = {p}", g=GENERATIONS),
                  (generation, view.schema_version, view.name))
    return generation


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
                page = self.cases.recorder.select_notifications(
                    start, self.page_size, stop=stop, topics=self._topics,
                    inclusive_of_start=False)
                # A short page holds everything of interest up to ``stop``.
                new = page[-1].id if len(page) == self.page_size else stop
                if self.share is not None:  # (the other shares' events are not decoded)
                    k, n_shares = self.share
                    page = [n for n in page if _number(n.originator_id) % n_shares == k]
                decoded = self._decode.page(page, self._unseal_topics, self._unseal_items)
                count = 0
                try:
                    with t.transaction(commit=True) as c:
                        for view in self.views:
                            key = self.key(view)
                            since = positions[key]
                            if since >= new:
                                continue
                            wanted = self._wanted(view)
                            events = [e for i, e in decoded
                                      if i > since and wanted(type(e))]
                            if events:  # (undone below if another engine was first)
                                view.apply(c, t, events)
                            moved = c.execute(t.sql(
                                "UPDATE {q} SET position = {p}, rate = {p} WHERE name = {p} "
                                "AND position = {p} RETURNING name", q=POSITIONS),
                                (new, len(events) / max(time.perf_counter() - began, 1e-6),
                                 key, since)).fetchone()
                            if moved is None:
                                raise _Moved
                            count = max(count, len(events))
                except _Moved:
                    continue
                applied += count
                pages += 1
                if progress is not None:
                    progress(new, stop)
        with self._moved:
            self._moved.notify_all()
        return applied

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


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Python's collector walks every live object at each full collection; a rebuild
    makes millions of short-lived objects (decoded events, documents), which set off
    full collections over everything the process holds, and those walks cost it a third
    of its time. Inside, only young objects are collected (on the interpreter's usual
    schedule); the full collection comes at the end."""
    frozen = gc.isenabled()
    gc.freeze()  # what exists now is never walked again
    threshold = gc.get_threshold()
    gc.set_threshold(threshold[0], threshold[1], 1_000_000_000)  # no full collections
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
        if frozen:
            gc.collect()


class RebuildConflict(RuntimeError):
    """Another rebuild switched the view first; this one's tables were left unused."""


@dataclass(frozen=True)
class Rebuilt:
    name: str
    generation: int
    events: int
    seconds: float


def rebuild(cases: FamilyCases, views: Sequence[View], *,
            page_size: int = REBUILD_PAGE_SIZE,
            progress: Callable[[int, int], None] | None = None,
            workers: int = 1) -> list[Rebuilt]:
    """Rebuild ``views`` (new instances) from the log's start into the generation after
    the serving one, reading the log once for all of them, while the serving tables go
    on answering and following new events; then switch each view over and drop the
    generation before the one that served until now. Writes made meanwhile are in the
    new tables: the rebuild catches up until less than a page is left (it ends under
    constant writes too), and the engines that follow the view go on from the new
    generation's position after the switch."""
    t = cases.tables
    started = time.perf_counter()
    serving: dict[str, int] = {}
    with t.transaction(commit=True) as c:
        ensure_tables(t, c)
        for view in views:
            serving[view.name] = serving_generation(t, c, view)
            view.generation = serving[view.name] + 1
            view.drop(c, t)  # what an interrupted rebuild left
            forget_positions(t, c, view)
    if workers > 1 and _registered(views):
        events = _fill_shared(cases, views, page_size, progress, workers)
    else:
        events = _fill(cases, views, page_size, progress)
    result = []
    with t.transaction(commit=True) as c:
        for view in views:
            old = serving[view.name]
            switched = c.execute(t.sql(
                "UPDATE {g} SET generation = {p}, schema_version = {p} WHERE name = {p} AND "
                "generation = {p} RETURNING name", g=GENERATIONS),
                (view.generation, view.schema_version, view.name, old)).fetchone()
            if switched is None:
                raise RebuildConflict(f"view {view.name} was switched by another rebuild")
    for view in views:
        new = view.generation
        if new >= 2:  # the one before the generation that served until now
            view.generation = new - 2
            with t.transaction(commit=True) as c:
                view.drop(c, t)
                forget_positions(t, c, view)
            view.generation = new
        result.append(Rebuilt(view.name, new, events, time.perf_counter() - started))
    return result


def default_workers() -> int:
    """Processes for a rebuild: one per core."""
    return max(1, os.cpu_count() or 1)


def _registered(views: Sequence[View]) -> bool:
    """Whether another process can make these views again by name (the registry's)."""
    from projections.registry import all_views

    known = {type(v) for v in all_views()}
    return all(type(v) in known for v in views)


def _fill(cases: FamilyCases, views: Sequence[View], page_size: int,
          progress: Callable[[int, int], None] | None,
          share: tuple[int, int] | None = None) -> int:
    """Fill the views' (new, empty) tables from the log until less than a page is left;
    returns the events applied."""
    engine = CatchUp(cases, views, page_size=page_size, follow_serving=False, share=share)
    events = 0
    with young_collections_only():
        while True:  # each round ends at the log's end as it began
            events += engine.run_once(progress=progress)
            head = cases.recorder.max_notification_id() or 0
            if head - engine.position() < page_size:
                return events  # the rest the engines that follow the view apply later


def _fill_shared(cases: FamilyCases, views: Sequence[View], page_size: int,
                 progress: Callable[[int, int], None] | None, workers: int) -> int:
    """Fill the views' tables in ``workers`` processes, each applying the events of its
    share of the families (a view's rows are per family, its counters sums of deltas,
    so shares add up); then bring every share to one position, which becomes the view's
    own, in one transaction."""
    settings = cases.settings
    # The tables and the shares' positions first, here: processes creating the same
    # table at once collide on PostgreSQL.
    engines = [CatchUp(cases, views, page_size=page_size, follow_serving=False,
                       share=(k, workers)) for k in range(workers)]
    context = multiprocessing.get_context("spawn")  # (no copies of open connections)
    messages: Any = context.Queue()
    names = [(v.name, v.generation) for v in views]
    processes = [context.Process(target=_fill_worker, name=f"lotse-rebuild-{k}",
                                 args=(settings, names, page_size, (k, workers), messages),
                                 daemon=True) for k in range(workers)]
    for process in processes:
        process.start()
    reached = dict.fromkeys(range(workers), 0)
    head, events = 0, 0
    finished: set[int] = set()
    try:
        while len(finished) < workers:
            try:
                kind, k, first, second = messages.get(timeout=0.5)
            except queue.Empty:
                failed = [p for p in processes if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"rebuild process {failed[0].name} ended with exit "
                                       f"code {failed[0].exitcode}") from None
                continue
            if kind == "page":
                reached[k], head = first, max(head, second)
                if progress is not None:
                    progress(min(reached.values()), head)
            elif kind == "done":
                events += first
                finished.add(k)
            else:
                raise RuntimeError(f"rebuild process {k} failed: {first}")
    finally:
        for process in processes:
            if process.is_alive() and len(finished) < workers:
                process.terminate()
            process.join(10)
    # Every share to the same position (what the fastest reached), then one position.
    common = max(e.position() for e in engines)
    with young_collections_only():
        for engine in engines:
            events += engine.run_once(until=common)
    t = cases.tables
    with t.transaction(commit=True) as c:
        for view in views:
            keys = [e.key(view) for e in engines]
            rows = c.execute(t.sql(f"SELECT position FROM {{q}} WHERE name IN "
                                   f"({', '.join([t.p] * len(keys))})", q=POSITIONS),
                             keys).fetchall()
            if sorted(int(r[0]) for r in rows) != [common] * workers:
                raise RebuildConflict(f"view {view.name}: the rebuild's shares did not "
                                      "end at one position")
            c.execute(t.sql(f"DELETE FROM {{q}} WHERE name IN "
                            f"({', '.join([t.p] * len(keys))})", q=POSITIONS), keys)
            c.execute(t.sql("INSERT INTO {q} (name, position) VALUES ({p}, {p}) ON CONFLICT "
                            "(name) DO UPDATE SET position = excluded.position", q=POSITIONS),
                      (view.position_key, common))
    return events


def _fill_worker(settings: Settings, names: list[tuple[str, int]], page_size: int,
                 share: tuple[int, int], messages: Any) -> None:
    """One rebuild process: fills its share of the named views of the given generations."""
    from projections.registry import views_named

    k = share[0]
    try:
        with FamilyCases(settings) as cases:
            views = views_named([name for name, _ in names])
            for view, (_, generation) in zip(views, names, strict=True):
                view.generation = generation
            events = _fill(cases, views, page_size,
                           lambda position, head: messages.put(("page", k, position, head)),
                           share)
        messages.put(("done", k, events, 0))
    except BaseException as e:
        messages.put(("failed", k, f"{type(e).__name__}: {e}", 0))
        raise
