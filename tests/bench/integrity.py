"""Issue 13 item 8, tamper evidence: what the hash chain costs a command, and how fast
`lotse audit verify` checks the whole log.

- ``append_with_chain_<store>``: consultations recorded one after another through the
  application on a fresh store, alternating one by one between the recorder as it is
  and the same recorder with its links switched off (``Heads.links_for`` answering
  none: no hash is made, the event's ``chain_hash`` column is left NULL); the median
  of 3 rounds' ratios (goal >= 0.95).
- ``verify_<store>``: the whole log's check as ``lotse audit verify`` makes it (chains,
  tree, checkpoints), in a process of its own on a `lotse demo-data` store, against
  ``raw_scan_<store>`` (the plain SELECT of ``rebuild_child.py scan``) on the same
  store; medians of 3 alternating runs (goal >= 0.5).

    python tests/bench/integrity.py verify   # the child: one JSON line
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "bench")]

Entry = dict[str, Any]
ROUNDS = 3


def consult(cases: Any, family_id: Any) -> None:
    from application.commands import RecordConsultation

    cases.handle(RecordConsultation(family_id=family_id, duration_minutes=30, mode="phone",
                                    topics=["benefits"], notes="Rückruf"),
                 recorded_by="cm-anna")


def bench_append(store: str, quick: bool, settings: Any) -> Entry:
    """Commands with the chain and without it alternate one by one (a disk's sync times
    drift over seconds, by a tenth and more: batches of either kind saw different
    disks), each timed alone; a round's ratio is that of the two kinds' rates, the
    figure the median of ``ROUNDS`` rounds."""
    from run import entry

    from application.cases import FamilyCases
    from application.integrity.service import Integrity
    from tests.support.builders import open_case

    commands = 600 if quick else 3000  # per kind and round
    with FamilyCases(settings) as cases:
        # families of their own for each mode: a family written without links would make
        # the next linked save look its previous link up (a cold cache, not the chain)
        families = {on: [open_case(cases)[0].family_id for _ in range(25)]
                    for on in (True, False)}
        heads = cases.recorder.heads  # type: ignore[attr-defined]
        chained, unchained = heads.links_for, (lambda *_: [])
        for on in (True, False):  # warm up: every family cached, every link known
            heads.links_for = chained if on else unchained
            for i in range(100):
                consult(cases, families[on][i % 25])
        ratios: list[float] = []
        rates: dict[bool, list[float]] = {True: [], False: []}
        clock = time.perf_counter
        for _ in range(ROUNDS):
            seconds = {True: 0.0, False: 0.0}
            for i in range(2 * commands):
                on = i % 2 == 1
                heads.links_for = chained if on else unchained
                started = clock()
                consult(cases, families[on][(i // 2) % 25])
                seconds[on] += clock() - started
            heads.links_for = chained
            rate = {on: commands / seconds[on] for on in seconds}
            rates[True].append(rate[True])
            rates[False].append(rate[False])
            ratios.append(rate[True] / rate[False])
        unlinked = Integrity(cases).verify()
    median = statistics.median(ratios)
    middle = ratios.index(median)
    return entry(f"append_with_chain_{store}", rates[True][middle], "commands/s",
                 rates[False][middle], {
        "store": store, "commands_per_round": 2 * commands, "families": "25 per mode",
        "rounds": f"median of {ROUNDS} rounds, each {commands} commands with the chain "
                  f"alternating one by one with {commands} without",
        "ratios": [round(r, 3) for r in ratios],
        "with_chain": [round(r) for r in rates[True]],
        "without_chain": [round(r) for r in rates[False]],
        "events_without_links_found_by_verify": sum(
            f.kind == "unchained" for f in unlinked.findings) + unlinked.more,
        "goal": "ratio >= 0.95"})


def verify_child() -> None:
    from application.cases import FamilyCases
    from application.integrity.service import Integrity
    from application.integrity.split import helper
    from application.settings import Settings

    with FamilyCases(Settings()) as cases:
        Integrity(cases).checkpoint()  # a checkpoint to check, as a store has them
    share_helper = helper()  # as `lotse audit verify` forks it: before the store opens
    try:
        with FamilyCases(Settings()) as cases:
            started = time.perf_counter()
            report = Integrity(cases).verify(helper=share_helper)
            seconds = time.perf_counter() - started
    finally:
        if share_helper is not None:
            share_helper.close()
    assert report.ok, report.findings[:3]
    print(json.dumps({"events": report.events, "seconds": seconds,
                      "events_per_second": report.events / seconds}))


def bench_verify(store: str, quick: bool) -> list[Entry]:
    from run import _child, demo_store, entry

    size = 20_000 if quick else 100_000
    scans: list[float] = []
    checks: list[float] = []
    with demo_store(store, size) as env:
        for _ in range(ROUNDS):
            scans.append(_child(env, "scan")["events_per_second"])
            out = subprocess.run([sys.executable, __file__, "verify"], env=env, check=True,
                                 capture_output=True, text=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            checks.append(result["events_per_second"])
    raw, verified = statistics.median(scans), statistics.median(checks)
    conditions = {"store": store, "events": result["events"],
                  "rounds": f"median of {ROUNDS}, alternating"}
    return [entry(f"raw_scan_{store}", raw, "events/s", None,
                  {**conditions, "runs": [round(s) for s in scans], "goal": "baseline"}),
            entry(f"verify_{store}", verified, "events/s", raw,
                  {**conditions, "runs": [round(c) for c in checks],
                   "measure": "chains, Merkle tree and checkpoints of the whole log",
                   "goal": "ratio >= 0.5"})]


def bench_integrity(quick: bool) -> list[Entry]:
    import tempfile

    from run import POSTGRES_URL

    from application.settings import Settings, new_key_text

    entries = []
    for store in ("sqlite", "postgres"):
        values: dict[str, Any] = {"mode": "production", "master_key": new_key_text(),
                                  "signing_key": new_key_text(),
                                  "data_dir": Path(tempfile.mkdtemp(prefix="lotse-bench-"))}
        if store == "postgres":
            values.update(database_url=POSTGRES_URL,
                          postgres_schema=f"bench_chain_{int(time.time())}")
        entries.append(bench_append(store, quick, Settings(**values)))
        if store == "postgres":
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{values["postgres_schema"]}" CASCADE')
        entries += bench_verify(store, quick)
    return entries


if __name__ == "__main__":
    verify_child()
