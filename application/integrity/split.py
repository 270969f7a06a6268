"""The whole log's check in two shares side by side, for ``lotse audit verify`` of a
large log: the command's process checks the log up to a split point, a helper process
the rest, and the command joins the two. Reading a page, hashing its events and
building the tree are about equal parts of the check, and all three hold the
interpreter, so only a second process makes the check faster than one core allows.

The helper is forked *before* the store is opened, while the command has a single
thread (a fork beside the PostgreSQL pool's threads could inherit a lock one of them
holds); it waits for its share and opens the store itself. A command that cannot fork
(another platform, threads already running) or whose helper fails checks the second
share itself: the split changes the time the check takes, never its result.

A share after the first starts without the chain's heads of the log before it, so the
first event of each aggregate it meets cannot be checked there: the share *defers* it
(its leaf left blank) and goes on from that event's stored link, which is the head the
whole check would go on from too; an event without a link leaves its aggregate's head
unknown, so the share defers that aggregate's events until one with a link. The joining
process checks the deferred events in order with the heads of the log before the share
and fills their leaves in: every event is checked against exactly what the single pass
would check it against (``tests/integration/test_tamper_split.py`` compares the two on
every kind of tampering).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from application.integrity.findings import Report
from application.integrity.log import CheckedRow

if TYPE_CHECKING:
    from application.settings import Settings

Heads = dict[bytes, "tuple[int, bytes] | None"]
"""The last version of each aggregate met and the link its next event follows (None:
not known within this share)."""


@dataclass
class Share:
    """What checking one stretch of the log found."""

    leaves: list[bytes] = field(default_factory=list)
    """The computed link of each event, in log order (the Merkle tree's leaves); blank
    where an event was deferred."""
    deferred: list[tuple[int, CheckedRow]] = field(default_factory=list)
    """Events not checked for want of their aggregate's head: (index in ``leaves``, row)."""
    heads: Heads = field(default_factory=dict)
    found: Report = field(default_factory=Report)


class Helper:
    """A forked process that checks the second share of the log when asked."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self._conn),
                                         name="lotse-verify-helper", daemon=True)
        self._process.start()
        child.close()
        self.answered = False

    def submit(self, settings: Settings, after: int, head: int) -> None:
        self._conn.send((settings, after, head))

    def result(self) -> Share | None:
        """The share, or None if the helper failed (the caller checks it itself)."""
        try:
            answer: Any = self._conn.recv()
        except (EOFError, OSError):
            return None
        self.answered = isinstance(answer, Share)
        return answer if self.answered else None

    def close(self) -> None:
        self._conn.close()  # a helper still waiting for its share reads the end and stops
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def helper() -> Helper | None:
    """A helper, if this process may fork one now (None: check in one process)."""
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None
    try:
        return Helper()
    except OSError:
        return None


def _serve(conn: Connection, parents_end: Connection) -> None:
    parents_end.close()
    try:
        settings, after, head = conn.recv()
    except (EOFError, OSError):
        return
    from application.cases import FamilyCases
    from application.integrity.verify import Verifier

    try:
        with FamilyCases(settings) as cases:
            share = Verifier(cases, None).share(after, head, deferring=True)
    except Exception:  # any failure: the command checks the share itself
        share = None
    try:
        conn.send(share)
    except Exception:  # (as above)
        with contextlib.suppress(OSError, ValueError):
            conn.send(None)
