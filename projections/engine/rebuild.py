"""Rebuilds: new generations of views filled from the log's start, then a switch.

``rebuild`` fills the next generation of the views from the log's start while the
serving one goes on as before, then switches over in one statement; engines notice the
switch on their next catch-up and follow the new tables. The generation before the
serving one is dropped at the switch (the serving one's predecessor stays until the next
rebuild, so readers still on it never fail).

**Shares.** A rebuild may run in several processes, each taking the families whose id
falls in its share (``CatchUp(share=(k, n))``: it decodes and applies only their events,
with positions of its own). Views are made of per-family rows and of counters summed from
per-family deltas, so the shares add up to the whole; at the end every share is brought
to one position, which becomes the view's. Each process makes the views again from their
classes (``type(view)()``): the engine is given its views and knows no list of them.
"""

from __future__ import annotations

import gc
import inspect
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from application.cases import FamilyCases
from application.settings import Settings
from projections.engine.catch_up import CatchUp
from projections.engine.positions import (
    GENERATIONS,
    POSITIONS,
    ensure_tables,
    forget_positions,
    serving_generation,
)
from projections.engine.view import View

REBUILD_PAGE_SIZE = 4000


YOUNG_OBJECTS = 100_000
"""New objects (net of those freed) that set off a collection of the young ones inside
``young_collections_only``: memory for cycles, if a view made any, stays bounded."""


@contextmanager
def young_collections_only() -> Iterator[None]:
    """Python's collector walks every live object at each full collection; a rebuild
    makes millions of short-lived objects (decoded events, documents), which set off
    full collections over everything the process holds, and those walks cost it a third
    of its time. Inside, only young objects are collected, and only once
    ``YOUNG_OBJECTS`` more of them live than when last collected: on the interpreter's
    usual schedule (700) the collector walked a page's live events and documents some
    1,500 times per 50,000 events, for no garbage (a rebuild makes no reference
    cycles to speak of), a seventh of the rebuild's time. The full collection comes at
    the end."""
    frozen = gc.isenabled()
    gc.freeze()  # what exists now is never walked again
    threshold = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, threshold[1], 1_000_000_000)  # no full collections
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
    on answering and following new events; then switch each view over. The generation
    before the serving one is dropped while the new one fills. Writes made meanwhile are in the
    new tables: the rebuild catches up until less than a page is left or for
    ``CATCH_UP_ROUNDS`` rounds (it ends under
    constant writes too), and the engines that follow the view go on from the new
    generation's position after the switch. The new tables get their indexes once filled,
    before the switch."""
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
    if workers > 1 and _portable(views):
        events = _fill_shared(cases, views, page_size, progress, workers,
                              meanwhile=lambda: _drop_before(cases, views))
    else:
        _drop_before(cases, views)
        events = _fill(cases, views, page_size, progress)
    with t.transaction(commit=True) as c:  # (the fill leaves them out: cheaper at once)
        for view in views:
            view.create_indexes(c, t)
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
        result.append(Rebuilt(view.name, view.generation, events,
                              time.perf_counter() - started))
    return result


def _drop_before(cases: FamilyCases, views: Sequence[View]) -> None:
    """Drop the generation before the one that serves (it served until the rebuild
    before this one; a reader still on it has had that rebuild's time to finish), one
    view per transaction. Done while the rebuild's processes start: dropping a table
    reads every page of it (half a second at 100,000 events, on SQLite under the write
    lock, which the processes do not want before their first page is folded)."""
    t = cases.tables
    for view in views:
        new = view.generation
        if new >= 2:
            view.generation = new - 2
            try:
                with t.transaction(commit=True) as c:
                    view.drop(c, t)
                    forget_positions(t, c, view)
            finally:
                view.generation = new


def default_workers() -> int:
    """Processes for a rebuild: one per core."""
    return max(1, os.cpu_count() or 1)


def _portable(views: Sequence[View]) -> bool:
    """Whether another process can make these views again: their classes are found by
    module and name there (pickled by reference) and take no arguments."""
    for view in views:
        kind = type(view)
        if "<locals>" in kind.__qualname__ or kind.__module__ == "__main__":
            return False
        if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in inspect.signature(kind).parameters.values()):
            return False
    return True


CATCH_UP_ROUNDS = 8
"""Rounds a rebuild spends catching up with writes made meanwhile. Writers faster than
the rebuild would keep it from ever getting within a page of the log's end; after these
rounds it switches over all the same, and the engines that follow the view apply the
rest from its position (nothing is lost, the switch only comes with a longer lag)."""


def _fill(cases: FamilyCases, views: Sequence[View], page_size: int,
          progress: Callable[[int, int], None] | None,
          share: tuple[int, int] | None = None) -> int:
    """Fill the views' (new, empty) tables from the log until less than a page is left;
    returns the events applied."""
    engine = CatchUp(cases, views, page_size=page_size, follow_serving=False, share=share)
    events = 0
    with young_collections_only():
        for _ in range(CATCH_UP_ROUNDS):  # each round ends at the log's end as it began
            events += engine.run_once(progress=progress)
            head = cases.recorder.max_notification_id() or 0
            if head - engine.position() < page_size:
                break  # the rest the engines that follow the view apply later
            # What was written meanwhile under the lock, as the engines that follow do:
            # folding first lets writers in between, and the rounds must end.
            engine.fold_before_lock = False
    return events


def _fill_shared(cases: FamilyCases, views: Sequence[View], page_size: int,
                 progress: Callable[[int, int], None] | None, workers: int,
                 meanwhile: Callable[[], None] = lambda: None) -> int:
    """Fill the views' tables in ``workers`` processes, each applying the events of its
    share of the families (a view's rows are per family, its counters sums of deltas,
    so shares add up); then bring every share to one position, which becomes the view's
    own, in one transaction. ``meanwhile`` runs here while the processes start.
    A share's pages hold its part of ``page_size`` events (the stores choose them in
    SQL): the shares together write a page as one process would, and hold no more of
    it in memory."""
    settings = cases.settings
    page_size = max(1, page_size // workers)
    # The tables and the shares' positions first, here: processes creating the same
    # table at once collide on PostgreSQL.
    engines = [CatchUp(cases, views, page_size=page_size, follow_serving=False,
                       share=(k, workers)) for k in range(workers)]
    context = multiprocessing.get_context("spawn")  # (no copies of open connections)
    messages: Any = context.Queue()
    kinds = [(type(v), v.generation) for v in views]
    processes = [context.Process(target=_fill_worker, name=f"lotse-rebuild-{k}",
                                 args=(settings, kinds, page_size, (k, workers), messages),
                                 daemon=True) for k in range(workers)]
    for process in processes:
        process.start()
    try:
        meanwhile()
    except BaseException:
        for process in processes:
            process.terminate()
            process.join(10)
        raise
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


def _fill_worker(settings: Settings, kinds: list[tuple[type[View], int]], page_size: int,
                 share: tuple[int, int], messages: Any) -> None:
    """One rebuild process: fills its share of the views (made again from their classes)
    of the given generations."""
    k = share[0]
    try:
        with FamilyCases(settings) as cases:
            views = []
            for kind, generation in kinds:
                view = kind()
                view.generation = generation
                views.append(view)
            events = _fill(cases, views, page_size,
                           lambda position, head: messages.put(("page", k, position, head)),
                           share)
        messages.put(("done", k, events, 0))
    except BaseException as e:
        messages.put(("failed", k, f"{type(e).__name__}: {e}", 0))
        raise
