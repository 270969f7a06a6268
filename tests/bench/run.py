"""Lotse's benchmarks: one command, figures as ratios against a baseline of the same run.

    python tests/bench/run.py --json results.json          # full run
    python tests/bench/run.py --json results.json --quick  # a short run (CI, laptops)

Each benchmark writes entries ``{name, value, baseline, ratio, unit, conditions}``;
``ratio`` is value / baseline where a baseline was measured in the same run, so the
figures compare across machines. Later benchmarks add their functions to BENCHMARKS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from application.commands import OpenCase

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "bench")]

from load import LoadResult, request, run_load  # noqa: E402

from application.cases import FamilyCases  # noqa: E402
from application.directory import Directory  # noqa: E402
from application.settings import Settings, new_key_text  # noqa: E402
from domain.directory import Role  # noqa: E402
from domain.records import MemberData  # noqa: E402
from domain.values import AccessRoute, BenefitSituation, Gender, MemberRole  # noqa: E402

Entry = dict[str, Any]
POSTGRES_URL = os.environ.get("LOTSE_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")


def entry(name: str, value: float, unit: str, baseline: float | None,
          conditions: dict[str, Any]) -> Entry:
    ratio = value / baseline if baseline else None
    return {"name": name, "value": round(value, 3), "baseline": (
        round(baseline, 3) if baseline is not None else None),
        "ratio": round(ratio, 3) if ratio is not None else None, "unit": unit,
        "conditions": conditions}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lotse() -> list[str]:
    script = Path(sys.executable).with_name("lotse")
    if script.exists():
        return [str(script)]
    found = shutil.which("lotse")
    if found is None:
        raise SystemExit("the `lotse` command is not installed (pip install -e .)")
    return [found]


@contextmanager
def embedded_server(prepare: Callable[[Settings], dict[str, Any]],
                    extra_env: dict[str, str] | None = None,
                    beside: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, Any]]]:
    """A real `lotse serve` process (one worker) on a fresh embedded store that
    ``prepare`` filled beforehand, and a `lotse <beside>` process on the same store if
    given; yields the port and what ``prepare`` returned (plus the store's ``settings``)."""
    data = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    env = {**os.environ, "LOTSE_MODE": "production", "LOTSE_MASTER_KEY": new_key_text(),
           "LOTSE_SIGNING_KEY": new_key_text(), "LOTSE_DATA_DIR": str(data),
           "LOTSE_LOG_LEVEL": "warning", **(extra_env or {})}
    env.pop("LOTSE_DATABASE_URL", None)
    settings = Settings(mode="production", master_key=env["LOTSE_MASTER_KEY"], data_dir=data)
    prepared = {**prepare(settings), "settings": settings}
    port = _free_port()
    server = subprocess.Popen([*_lotse(), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    helper = subprocess.Popen([*_lotse(), *beside], env=env, stdout=subprocess.DEVNULL,
                              ) if beside else None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start: " + (
                        server.stderr.read().decode() if server.stderr else "")) from None
                time.sleep(0.1)
        yield port, prepared
    finally:
        for process in (server, helper):
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(data, ignore_errors=True)


def _prepare_families(count: int) -> Callable[[Settings], dict[str, Any]]:
    def prepare(settings: Settings) -> dict[str, Any]:
        from datetime import date
        from uuid import uuid4

        with FamilyCases(settings) as cases:
            directory = Directory(cases)
            directory.add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=48,
                                  recorded_by="bench")
            token = directory.add_staff(name="Bench Case Manager", project="KR",
                                        role=Role.CASE_MANAGER, recorded_by="bench")
            families = []
            for n in range(count):
                opened = cases.handle(OpenCase(
                    project="KR", members=[MemberData(uuid4(), MemberRole.PARENT, "Amira",
                                                      f"Family{n}", date(1990, 1, 1),
                                                      Gender.FEMALE)],
                    district="Krefeld-Mitte", postal_code="47798", street_address=None,
                    access_route=AccessRoute.SELF, benefit_situation=BenefitSituation.SGB_II,
                    consent_purposes=["esf_reporting"], consent_given_on=date(2026, 1, 5),
                    case_manager=token.staff_id, occurred_on=date(2026, 1, 5)),
                    recorded_by=token.staff_id)
                families.append(str(opened.family_id))
        return {"token": token.token, "families": families}
    return prepare


def _summary(result: LoadResult) -> dict[str, Any]:
    return {"requests": result.requests, "seconds": round(result.seconds, 2),
            "statuses": {str(k): v for k, v in sorted(result.statuses.items())}}


def _merge(results: list[LoadResult]) -> LoadResult:
    merged = LoadResult()
    for r in results:
        merged.requests += r.requests
        merged.seconds += r.seconds
        merged.latencies += r.latencies
        for status, n in r.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + n
    return merged


def bench_api_commands(quick: bool) -> list[Entry]:
    """Issue 3: requests per second of POST /families/{id}/consultations at 16 concurrent
    connections against a trivial endpoint (/healthz) of the same server. The two are
    measured in alternating rounds, so a busy moment of the machine weighs on both."""
    connections, family_count = 16, 50
    rounds, seconds = (3, 1.5) if quick else (6, 3.0)
    with embedded_server(_prepare_families(family_count)) as (port, prepared):
        host = f"127.0.0.1:{port}"
        families: list[str] = prepared["families"]
        auth = {"Authorization": f"Bearer {prepared['token']}"}
        body = json.dumps({"duration_minutes": 45, "mode": "home_visit",
                           "topics": ["money_and_debts", "benefits"],
                           "notes": "Went through the Jobcenter letter together."}).encode()
        trivial = request("GET", "/healthz", host, {})
        consultations = [request("POST", f"/families/{f}/consultations", host, auth, body)
                         for f in families]

        def command(conn: int, n: int) -> bytes:
            return consultations[(conn * 7 + n) % family_count]

        def load(make: Callable[[int, int], bytes], duration: float) -> LoadResult:
            return run_load("127.0.0.1", port, connections=connections, seconds=duration,
                            make=make)

        load(lambda c, n: trivial, 1.0)  # warm-up
        load(command, 1.0)
        bases, cmds = [], []
        for _ in range(rounds):
            bases.append(load(lambda c, n: trivial, seconds))
            cmds.append(load(command, seconds))
    base, cmd = _merge(bases), _merge(cmds)
    per_round = [round(c.rate / b.rate, 3) for b, c in zip(bases, cmds, strict=True)]
    conditions = {"store": "sqlite (embedded)", "server": "lotse serve, 1 worker",
                  "connections": connections, "families": family_count,
                  "rounds": rounds, "seconds_per_phase": seconds,
                  "ratio_per_round": per_round, "trivial": _summary(base),
                  "command": _summary(cmd), "goal": "ratio >= 0.4, zero non-2xx"}
    return [
        entry("api_trivial_rps", base.rate, "requests/s", None, conditions),
        entry("api_command_rps", cmd.rate, "requests/s", base.rate, conditions),
        entry("api_command_p50_ms", cmd.percentile(50) * 1000, "ms",
              base.percentile(50) * 1000, conditions),
        entry("api_command_p99_ms", cmd.percentile(99) * 1000, "ms",
              base.percentile(99) * 1000, conditions),
        entry("api_command_non_2xx", cmd.non_2xx, "responses", None, conditions),
    ]


EVENTS_PER_FAMILY = 19  # of the demo histories, about (the figures report the real count)


@contextmanager
def demo_store(store: str, events: int) -> Iterator[dict[str, str]]:
    """A fresh store of ``store`` ("sqlite" or "postgres") holding at least about
    ``events`` events written by `lotse demo-data`; yields its LOTSE_* environment."""
    data = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env.update(LOTSE_MODE="production", LOTSE_MASTER_KEY=new_key_text(),
               LOTSE_SIGNING_KEY=new_key_text(), LOTSE_DATA_DIR=str(data))
    schema = f"bench_{os.getpid()}_{int(time.time())}"
    if store == "postgres":
        env.update(LOTSE_DATABASE_URL=POSTGRES_URL, LOTSE_POSTGRES_SCHEMA=schema)
    try:
        families = max(1, events // EVENTS_PER_FAMILY)
        started = time.perf_counter()
        subprocess.run([*_lotse(), "demo-data", "--families", str(families)], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        print(f"   {store}: {families:,} families written in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        yield env
    finally:
        shutil.rmtree(data, ignore_errors=True)
        if store == "postgres":
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _child(env: dict[str, str], what: str, *views: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "rebuild_child.py"),
                          what, *views], env=env, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


ISSUE_4_VIEWS = ("caseload", "family_summary", "caseload_history", "social_space")


def bench_rebuild(quick: bool) -> list[Entry]:
    """Issues 4 and 12: a plain SELECT of the stored events (``raw_scan``, no decoding,
    no decryption: the physical floor of reading the log), reading and decoding the
    whole log as the views get it (``read_limit``), rebuilding every view
    (``rebuild_<store>_all_views``, the headline) and the caseload and statistics views of
    issue 4 (``rebuild_<store>``), each in a process of its own on the same store, SQLite
    and PostgreSQL; the peak memory of a rebuild at ten times the history
    (``rebuild_memory``). Read and rebuild figures carry their ratio to the raw scan as
    well (``ratio_raw_scan``)."""
    import psycopg

    small, large = (10_000, 100_000) if quick else (100_000, 1_000_000)
    goals = {"sqlite": 0.6, "postgres": 0.4}
    all_goals = {"sqlite": (0.05, 0.6), "postgres": (0.25, 0.5)}
    entries: list[Entry] = []
    peaks: dict[int, float] = {}
    reads: dict[str, float] = {}
    print(f"   psycopg implementation: {psycopg.pq.__impl__}", flush=True)
    for store in ("sqlite", "postgres"):
        sizes = (small, large) if store == "sqlite" else (large,)
        for size in sizes:
            with demo_store(store, size) as env:
                if size == large:
                    scan = _child(env, "scan")
                    read = _child(env, "read")
                    everything = _child(env, "rebuild")
                built = _child(env, "rebuild", *ISSUE_4_VIEWS)
            if store == "sqlite":
                peaks[size] = built["peak_rss_bytes"]
            if size != large:
                continue
            raw = scan["events_per_second"]
            reads[store] = read["events_per_second"]
            conditions = {"store": store, "events": read["events"],
                          "psycopg": scan["psycopg"],
                          "scan_seconds": round(scan["seconds"], 2),
                          "read_seconds": round(read["seconds"], 2),
                          "rebuild_seconds": round(built["seconds"], 2),
                          "views": ", ".join(ISSUE_4_VIEWS),
                          "goal": f"ratio >= {goals[store]}"}

            def to_raw(e: Entry, value: float, raw: float = raw) -> Entry:
                e["ratio_raw_scan"] = round(value / raw, 4)
                return e

            entries.append(entry(f"raw_scan_{store}", raw, "events/s", None, {
                **conditions, "measure": "plain SELECT of the stored events in pages, "
                "no decoding, no decryption", "goal": "baseline"}))
            entries.append(entry(f"read_limit_{store}", read["events_per_second"],
                                 "events/s", raw, {**conditions,
                                                   "goal": "baseline (ratio: to raw_scan)"}))
            floor, of_read = all_goals[store]
            entries.append(to_raw(entry(
                f"rebuild_{store}_all_views", everything["events_per_second"], "events/s",
                read["events_per_second"], {
                    **conditions, "views": "all, with esf_participants and programme facts",
                    "rebuild_seconds": round(everything["seconds"], 2),
                    "goal": f"ratio >= {of_read}, ratio_raw_scan >= {floor}"}),
                everything["events_per_second"]))
            entries.append(to_raw(entry(f"rebuild_{store}", built["events_per_second"],
                                        "events/s", read["events_per_second"], conditions),
                                  built["events_per_second"]))
    entries.append(entry("read_limit_postgres_to_sqlite", reads["postgres"], "events/s",
                         reads["sqlite"], {"measure": "read_limit_postgres against "
                                           "read_limit_sqlite of the same run",
                                           "psycopg": psycopg.pq.__impl__,
                                           "goal": "ratio >= 0.7"}))
    entries.append(entry("rebuild_memory", peaks[large], "bytes", peaks[small], {
        "store": "sqlite", "small_events": small, "large_events": large,
        "measure": "peak resident memory of the rebuild process",
        "goal": "ratio <= 1.3"}))
    return entries


def bench_projection_lag(quick: bool) -> list[Entry]:
    """Issue 4: while the command load of ``api_commands`` runs against a server, the
    delay between each command's answer and the moment the caseload view holds it (its
    position sampled every millisecond). Measured with the views kept current by
    `lotse projections run` beside the server (how to run under load: the entry with
    the goal), and, for comparison, by the server's own background thread."""
    return [_projection_lag(quick, in_server=False), _projection_lag(quick, in_server=True)]


def _projection_lag(quick: bool, *, in_server: bool) -> Entry:
    import bisect
    import re
    import sqlite3
    import threading

    connections, family_count, seconds = 16, 50, (3.0 if quick else 10.0)
    found_position = re.compile(rb'"position":\s*(\d+)')
    poll = "0.005"
    with embedded_server(_prepare_families(family_count),
                         {"LOTSE_BACKGROUND_VIEWS": "true" if in_server else "false"},
                         () if in_server else ("projections", "run", "--poll", poll),
                         ) as (port, prepared):
        settings: Settings = prepared["settings"]
        host = f"127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {prepared['token']}"}
        body = json.dumps({"duration_minutes": 45, "mode": "home_visit",
                           "topics": ["benefits"]}).encode()
        commands = [request("POST", f"/families/{f}/consultations", host, auth, body)
                    for f in prepared["families"]]
        answers: list[tuple[float, int]] = []
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            db = sqlite3.connect(f"file:{settings.sqlite_path}?mode=ro", uri=True)
            try:
                while not stop.is_set():
                    row = db.execute("SELECT position FROM lotse_view_positions "
                                     "WHERE name = 'caseload@0'").fetchone()
                    samples.append((time.perf_counter(), int(row[0]) if row else 0))
                    time.sleep(0.001)
            finally:
                db.close()

        def answered(at: float, status: int, text: bytes) -> None:
            match = found_position.search(text)
            if 200 <= status < 300 and match:
                answers.append((at, int(match.group(1))))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = run_load("127.0.0.1", port, connections=connections, seconds=seconds,
                              make=lambda c, n: commands[(c * 7 + n) % family_count],
                              on_response=answered)
            time.sleep(1.0)  # the view catches up with the last answers
        finally:
            stop.set()
            sampler.join(5)
    reached = [p for _, p in samples]
    lags = []
    for at, position in answers:
        i = bisect.bisect_left(reached, position)
        if i == len(reached):
            lags.append(float("inf"))  # never seen in the view
            continue
        lags.append(max(0.0, samples[i][0] - at))
    lags.sort()
    p50 = lags[len(lags) // 2] * 1000 if lags else 0.0
    p99 = lags[min(len(lags) - 1, int(0.99 * len(lags)))] * 1000 if lags else 0.0
    views = ("the server's background thread (LOTSE_BACKGROUND_VIEWS=true)" if in_server
             else f"lotse projections run --poll {poll}, beside the server")
    conditions = {"store": "sqlite (embedded)", "server": "lotse serve, 1 worker",
                  "views kept by": views, "connections": connections,
                  "seconds": seconds, "commands": len(answers),
                  "command_rps": round(result.rate, 1), "non_2xx": result.non_2xx,
                  "sampling": "view position every ~1 ms", "p50_ms": round(p50, 1),
                  "goal": "for comparison only" if in_server else "p99 < 100 ms"}
    name = "projection_lag_p99_in_server" if in_server else "projection_lag_p99"
    return entry(name, p99, "ms", None, conditions)


def bench_esf_report(quick: bool) -> list[Entry]:
    """Issue 5: the ESF+ report of one project with 50,000 participants, from the
    participant view, as a reporting user gets it (every indicator by gender as known now
    and as known at the cut-off, the differences, the plausibility checks), against a
    plain ``COUNT(*)`` over the same participants in the same run. The participants are
    varied records (all characteristics, exits with statuses, follow-ups, incomplete
    records; one in ten with a later correction, so with two versions) written straight
    into the view's tables by the view's own row function."""
    import random
    from datetime import date, timedelta

    from projections.reporting.bitemporal import add_cells, period_index
    from projections.reporting.esf import ROWS, EsfParticipants, bundle_of
    from projections.reporting.esf_figures import Period
    from projections.reporting.esf_participants import Participant
    from projections.reporting.esf_report import esf_report

    participants = 5_000 if quick else 50_000
    rng = random.Random(5)
    data = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    settings = Settings(mode="production", master_key=new_key_text(), data_dir=data)
    try:
        with FamilyCases(settings) as cases:
            view = EsfParticipants()
            view.attach(cases)
            t = cases.tables
            with t.transaction(commit=True) as c:
                view.create(c, t)
            versions: list[tuple[str, str, str, str | None, Participant]] = []
            for n in range(participants):
                entered = date(2024, 1, 1) + timedelta(days=rng.randrange(900))
                stint: dict[str, Any] = {
                    "d": entered.isoformat(), "v": 2, "t": entered.isoformat(), "e": {},
                    "l": None, "lv": None, "s": None, "ls": [], "f": None}
                if rng.random() < 0.6:
                    left = entered + timedelta(days=rng.randrange(30, 300))
                    stint.update(l=left.isoformat(), lv=5, s=rng.choice(
                        ["job_searching", "employed", "none_of_these",
                         "in_education_or_training"]))
                    if rng.random() < 0.3:
                        stint["ls"] = [[(left + timedelta(days=rng.randrange(40))).isoformat(),
                                        "employed", 6]]
                    if rng.random() < 0.2:
                        stint["f"] = [(left + timedelta(days=183)).isoformat(), "employed",
                                      True, 7]
                entry_items = {
                    "labour_market_status": rng.choice(
                        ["unemployed", "inactive", "employed", "self_employed"]),
                    "unemployed_months": rng.randrange(30),
                    "isced": rng.choice(["isced_0_2", "isced_3_4", "isced_5_8"]) if n % 50
                    else None,
                    "disability": rng.choice(["yes", "no", "declined"]),
                    "citizenship": rng.choice(["eu", "third_country", "stateless"]),
                    "foreign_background": rng.choice(["yes", "no", "declined"]),
                    "minority": rng.choice(["yes", "no", "declined"]),
                    "homeless": rng.choice(["yes", "no"]), "rural": rng.random() < 0.2}
                stint["e"] = entry_items
                family = f"{n:032x}"
                p = Participant(f"{n:08x}-0000-4000-8000-000000000000", family, "BENCH",
                                rng.choice(["female", "male", "non_binary"]),
                                rng.randrange(16, 64) if n % 97 else None, stint["d"], 2,
                                entry_items, (stint,))
                if n % 10 == 0:  # corrected later: the first version as first recorded
                    corrected = (entered + timedelta(days=rng.randrange(1, 400))).isoformat()
                    first = Participant(p.participant_id, family, "BENCH", p.gender, p.age,
                                        p.entered_on, 2, {**entry_items, "isced": "isced_3_4"},
                                        (stint,))
                    versions.append((family, p.participant_id, stint["d"], corrected, first))
                    versions.append((family, p.participant_id, corrected, None, p))
                else:
                    versions.append((family, p.participant_id, stint["d"], None, p))
            with t.transaction(commit=True) as c:  # (the view's own writing, sealing)
                bundles = [(f, e, since, bundle_of(p)) for f, e, since, _, p in versions]
                view.store(c, t, bundles, [(until, f, e, since) for f, e, since, until, _
                                           in versions if until is not None], [])
                deltas: dict[tuple[Any, ...], int] = {}
                for (_, _, since, until, _), (_, _, _, bundle) in zip(versions, bundles,
                                                                      strict=True):
                    cells = view.cells(bundle)
                    add_cells(deltas, cells, period_index(since), 1)
                    if until is not None:
                        add_cells(deltas, cells, period_index(until), -1)
                view.count(c, t, deltas)
            period = Period.parse("2026-H1")

            def counted() -> float:
                started = time.perf_counter()
                t.fetchone(t.sql("SELECT COUNT(*) FROM {r} WHERE project = {p}",
                                 r=view.t(ROWS)), ("BENCH",))
                return time.perf_counter() - started

            def reported(details: bool) -> float:
                started = time.perf_counter()
                esf_report(cases, view, "BENCH", period, "now", today=date(2026, 12, 2),
                           details=details)
                return time.perf_counter() - started

            rounds = 3 if quick else 5
            plain = min(counted() for _ in range(rounds))
            report = min(reported(False) for _ in range(rounds))
            details = min(reported(True) for _ in range(2))
    finally:
        shutil.rmtree(data, ignore_errors=True)
    conditions = {"store": "sqlite", "participants": participants,
                  "versions": len(versions), "rounds": f"best of {rounds}",
                  "baseline": "SELECT COUNT(*) of the project's participant rows"}
    return [entry("esf_report", report, "s", plain, {
        **conditions, "report": "as a reporting user gets it: EECO01-17 and EECR01-06 by "
        "gender as known now and at the cut-off, the differences, plausibility checks",
        "goal": "ratio <= 20 and under 1 s"}),
        entry("esf_report_details", details, "s", plain, {
            **conditions, "rounds": "best of 2", "report": "as an auditor gets it: also "
            "the participants and events behind every figure and difference"})]


def bench_tamper_evidence(quick: bool) -> list[Entry]:
    """Issue 13 item 8: ``append_with_chain_<store>`` and ``verify_<store>``
    (``tests/bench/integrity.py``)."""
    from integrity import bench_integrity

    return bench_integrity(quick)


def bench_ui_pages(quick: bool) -> list[Entry]:
    """Issue 14: Mein Tag and the Familie page (``tests/bench/ui.py``)."""
    from ui import bench_ui

    return bench_ui(quick)


def bench_social_space_report(quick: bool) -> list[Entry]:
    """Issue 15: the social-space statistics of a project (``tests/bench/social_space.py``)."""
    from social_space import bench_social_space

    return bench_social_space(quick)


BENCHMARKS: dict[str, Callable[[bool], list[Entry]]] = {
    "api_commands": bench_api_commands, "projection_lag": bench_projection_lag,
    "rebuild": bench_rebuild, "esf_report": bench_esf_report,
    "tamper_evidence": bench_tamper_evidence, "ui": bench_ui_pages,
    "social_space_report": bench_social_space_report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, required=True, help="write the entries here")
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                        help="run only these benchmarks")
    args = parser.parse_args()
    import psycopg

    print(f"psycopg {psycopg.__version__}, implementation: {psycopg.pq.__impl__}", flush=True)
    entries: list[Entry] = []
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        found = bench(args.quick)
        for e in found:
            ratio = f"  ratio {e['ratio']}" if e["ratio"] is not None else ""
            if "ratio_raw_scan" in e:
                ratio += f"  to raw_scan {e['ratio_raw_scan']}"
            print(f"{e['name']:28} {e['value']:>12} {e['unit']}{ratio}", flush=True)
        entries += found
    import psycopg

    machine = {"python": platform.python_version(), "psycopg": psycopg.pq.__impl__,
               "cpus": os.cpu_count(),
               "machine": platform.machine(), "quick": args.quick}
    args.json.write_text(json.dumps({"machine": machine, "entries": entries}, indent=2))
    print(f"wrote {len(entries)} entries to {args.json}")


if __name__ == "__main__":
    main()
