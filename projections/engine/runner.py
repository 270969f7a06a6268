"""Runs the catch-up engines in the background of a server or of `lotse projections run`.

Wakes up when events are recorded: in the same process through the application's save
hook, across processes on PostgreSQL through LISTEN/NOTIFY on the channel the event
store notifies on every insert; and polls every ``poll_seconds`` in any case (the
eventsourcing SQLite recorder has no subscriptions, so other processes on the embedded
store are seen by polling).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence

from application.cases import FamilyCases
from projections.engine.catch_up import CatchUp

logger = logging.getLogger(__name__)

Chore = tuple[float, Callable[[], object]]
"""Something the runner does every so many seconds besides the views (signing a
checkpoint of the log: ``application/integrity/checkpoints.py``)."""


def settle_garbage_collector() -> None:
    """For a long-running process, once it has started: what exists now (modules, the
    application, warmed caches) is never walked by the collector again. Without it every
    full collection walked all of it - pauses of ~40 ms about once a second under load,
    the largest part of the views' lag behind the commands. Cyclic garbage is collected
    first, so nothing that is already unreachable is kept."""
    gc.collect()
    gc.freeze()


STOP_SECONDS = 0.25
"""How long the listener waits for a notification before it looks whether it is to stop:
a server's shutdown waits for it."""


class Runner:
    def __init__(self, cases: FamilyCases, engines: Sequence[CatchUp], *,
                 poll_seconds: float = 0.5, gather_seconds: float = 0.005,
                 chores: Sequence[Chore] = ()) -> None:
        self.cases, self.engines, self.poll_seconds = cases, list(engines), poll_seconds
        self.chores = list(chores)
        self._chores_due = [0.0] * len(self.chores)
        self.gather_seconds = gather_seconds
        """After a wake-up, wait this long for more events: one transaction for many."""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.cases.on_saved.append(self._wake.set)
        self._threads = [threading.Thread(target=self._loop, name="lotse-views", daemon=True)]
        if self.cases.settings.uses_postgres:
            self._threads.append(threading.Thread(target=self._listen, name="lotse-listen",
                                                  daemon=True))
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._wake.set in self.cases.on_saved:
            self.cases.on_saved.remove(self._wake.set)
        for thread in self._threads:
            thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            self._stopping.wait(self.gather_seconds)
            self._wake.clear()
            # (after the clear: ``stop`` sets the stop before the wake-up, so a stop that
            # came before the clear is seen here and one after it cuts the wait short;
            # checked only before the clear, a stop during the gathering was lost and
            # the loop slept a whole poll, the server's shutdown with it)
            if self._stopping.is_set():
                return
            for engine in self.engines:
                try:
                    engine.run_once()
                except Exception:
                    logger.exception("view %s failed to catch up; trying again",
                                     engine.view.name)
            self._run_chores()
            self._wake.wait(self.poll_seconds)

    def _run_chores(self) -> None:
        now = time.monotonic()
        for i, (every, chore) in enumerate(self.chores):
            if now >= self._chores_due[i]:
                self._chores_due[i] = now + every
                try:
                    chore()
                except Exception:
                    logger.exception("%s failed; trying again in %.0f s", chore, every)

    def _listen(self) -> None:
        """Wake on PostgreSQL's notifications of new events (any process)."""
        import psycopg
        from psycopg import sql

        channel = str(getattr(self.cases.recorder, "channel_name", ""))
        url = self.cases.settings.database_url
        while not self._stopping.is_set() and url and channel:
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not self._stopping.is_set():  # (a stop waits at most STOP_SECONDS)
                        for _ in conn.notifies(timeout=STOP_SECONDS, stop_after=1):
                            self._wake.set()
            except Exception:
                logger.warning("listening for new events failed; polling meanwhile",
                               exc_info=True)
                self._stopping.wait(self.poll_seconds)
