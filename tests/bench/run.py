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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
def embedded_server(prepare: Callable[[Settings], dict[str, Any]]) -> Iterator[
        tuple[int, dict[str, Any]]]:
    """A real `lotse serve` process (one worker) on a fresh embedded store that
    ``prepare`` filled beforehand; yields the port and what ``prepare`` returned."""
    data = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    env = {**os.environ, "LOTSE_MODE": "production", "LOTSE_MASTER_KEY": new_key_text(),
           "LOTSE_DATA_DIR": str(data), "LOTSE_LOG_LEVEL": "warning"}
    env.pop("LOTSE_DATABASE_URL", None)
    settings = Settings(mode="production", master_key=env["LOTSE_MASTER_KEY"], data_dir=data)
    prepared = prepare(settings)
    port = _free_port()
    server = subprocess.Popen([*_lotse(), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
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
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
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
                opened = cases.open_case(
                    project="KR", members=[MemberData(uuid4(), MemberRole.PARENT, "Amira",
                                                      f"Family{n}", date(1990, 1, 1),
                                                      Gender.FEMALE)],
                    district="Krefeld-Mitte", postal_code="47798", street_address=None,
                    access_route=AccessRoute.SELF, benefit_situation=BenefitSituation.SGB_II,
                    consent_purposes=["ESF+ reporting"], consent_given_on=date(2026, 1, 5),
                    case_manager=token.staff_id, occurred_on=date(2026, 1, 5),
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


BENCHMARKS: dict[str, Callable[[bool], list[Entry]]] = {"api_commands": bench_api_commands}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, required=True, help="write the entries here")
    parser.add_argument("--quick", action="store_true", help="short runs")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                        help="run only these benchmarks")
    args = parser.parse_args()
    entries: list[Entry] = []
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        print(f"== {name}", flush=True)
        found = bench(args.quick)
        for e in found:
            ratio = f"  ratio {e['ratio']}" if e["ratio"] is not None else ""
            print(f"{e['name']:28} {e['value']:>12} {e['unit']}{ratio}", flush=True)
        entries += found
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(),
               "machine": platform.machine(), "quick": args.quick}
    args.json.write_text(json.dumps({"machine": machine, "entries": entries}, indent=2))
    print(f"wrote {len(entries)} entries to {args.json}")


if __name__ == "__main__":
    main()
