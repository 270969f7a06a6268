"""How writers take turns on the embedded store: the in-process gate hands itself to its
waiters in the order they came, and a writer waiting for another process's write lock
asks again every millisecond, up to its timeout (SQLite's own busy handler sleeps up to
100 ms between asks)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from application.recorders import FairLock, begin_immediate


def _wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.001)


def test_the_gate_is_handed_to_its_waiters_in_the_order_they_came() -> None:
    gate = FairLock()
    order: list[int] = []
    threads = []
    gate.__enter__()  # held, so that everyone below has to queue
    for n in range(6):
        def take(n: int = n) -> None:
            with gate:
                order.append(n)
        thread = threading.Thread(target=take)
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: len(gate._waiters) == n + 1)  # queued before the next
    gate.__exit__()
    for thread in threads:
        thread.join(5)
    assert order == list(range(6))
    assert not gate._held
    assert not gate._waiters


def test_the_gate_admits_one_holder_at_a_time_under_contention() -> None:
    gate = FairLock()
    inside = 0
    most = 0
    total = 0

    def work() -> None:
        nonlocal inside, most, total
        for _ in range(300):
            with gate:
                inside += 1
                most = max(most, inside)
                total += 1
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (most, total) == (1, 8 * 300)
    assert not gate._held


def test_an_error_inside_passes_the_gate_on() -> None:
    gate = FairLock()
    with pytest.raises(RuntimeError), gate:
        raise RuntimeError("refused")
    with gate:  # (would block for ever if the failed holder had kept it)
        pass


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=5,
                                 check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def test_a_writer_gets_the_lock_once_another_process_writer_lets_go(tmp_path: Path) -> None:
    other, mine = _connect(tmp_path / "db"), _connect(tmp_path / "db")
    other.execute("CREATE TABLE t (n INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    releaser = threading.Timer(0.05, other.commit)
    releaser.start()
    cursor = mine.cursor()
    begin_immediate(cursor, timeout=5)  # waits for the other writer's commit
    cursor.execute("INSERT INTO t VALUES (2)")
    mine.commit()
    releaser.join()
    assert sorted(n for (n,) in mine.execute("SELECT n FROM t")) == [1, 2]
    # the connection's own busy timeout is as it was set for this writer
    assert mine.execute("PRAGMA busy_timeout").fetchone() == (5000,)


def test_a_writer_gives_up_at_its_timeout_with_the_lock_error(tmp_path: Path) -> None:
    other, mine = _connect(tmp_path / "db"), _connect(tmp_path / "db")
    other.execute("CREATE TABLE t (n INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    cursor = mine.cursor()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        begin_immediate(cursor, timeout=0.05)
    assert not mine.in_transaction
    assert mine.execute("PRAGMA busy_timeout").fetchone() == (50,)
    other.rollback()
