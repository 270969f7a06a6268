"""Issue 14: the web interface's two busiest pages on a store of 100,000 demo events.

``ui_my_day_ms``: Mein Tag of a case manager with 60 families; ``ui_family_ms``: the
Familie page of a family with 500 events. Each is the 95th percentile of the time a
request takes on a real ``lotse serve`` (one process, signed in with a session cookie,
one request at a time from this machine), against ``/healthz`` measured in the same run
as baseline (the ratio shows what the page costs beyond the server's own round trip).
The conditions give the median and the transferred weight (the HTML and its stylesheet;
the stylesheet is cached after the first page).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx

from application.cases import FamilyCases
from application.commands import OpenCase, RecordConsultation
from application.directory import Directory
from application.settings import Settings
from application.sign_in import SignIns
from domain.directory import Role
from domain.records import MemberData
from domain.values import AccessRoute, BenefitSituation, ContactMode, Gender, MemberRole, Topic

Entry = dict[str, Any]
PASSWORD = "bench-password-2026"
FAMILIES, EVENTS = 60, 500
GOAL_MS = 100.0
GOAL_BYTES = 100 * 1024


def prepare(settings: Settings) -> dict[str, str]:
    """A case manager with ``FAMILIES`` families in the demo's first project, one of
    them with ``EVENTS`` events; their user name and a case number."""
    with FamilyCases(settings) as cases:
        directory = Directory(cases)
        project = directory.projects()[0].code
        staff = directory.add_staff(name="Bench Fallmanagerin", project=project,
                                    role=Role.CASE_MANAGER, recorded_by="bench")
        SignIns.for_cases(cases).set_password(staff.staff_id, "bench", PASSWORD, set_by="bench")
        start = date.today() - timedelta(days=400)
        numbers = []
        for n in range(FAMILIES):
            parent = uuid4()
            opened = cases.handle(OpenCase(
                project=project, members=[MemberData(parent, MemberRole.PARENT, "Amira",
                                                     f"Bench{n}", date(1990, 1, 1),
                                                     Gender.FEMALE)],
                district="Krefeld-Mitte", postal_code="47798", street_address=None,
                access_route=AccessRoute.SELF, benefit_situation=BenefitSituation.SGB_II,
                consent_purposes=["esf_reporting"], consent_given_on=start,
                case_manager=staff.staff_id, occurred_on=start), recorded_by=staff.staff_id)
            numbers.append(opened.case_number)
            if n == 0:
                busy, busy_parent = opened.family_id, parent
        for k in range(EVENTS - 3):  # (the intake recorded three)
            cases.handle(RecordConsultation(
                family_id=busy, duration_minutes=30, mode=ContactMode.PHONE,
                topics=[Topic.BENEFITS], members_present=[busy_parent],
                notes=f"Gespräch {k}", occurred_on=start + timedelta(days=k % 390)),
                recorded_by=staff.staff_id)
    return {"user": "bench", "family": numbers[0]}


def _signed_in(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30.0, follow_redirects=False)
    form = client.get("/anmelden")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    pre = form.cookies.get("lotse_signin")  # (Secure cookies: sent by hand over http)
    answer = client.post("/anmelden", data={"user_name": user, "password": PASSWORD,
                                            "csrf": token.group(1), "weiter": "/"},
                         headers={"Cookie": f"lotse_signin={pre}"})
    assert answer.status_code == 303, answer.text
    session = answer.cookies.get("lotse_session")  # (Secure: httpx keeps it for https only)
    assert session
    client.headers["Cookie"] = f"lotse_session={session}"
    return client


def _times(client: httpx.Client, path: str, rounds: int) -> tuple[list[float], int]:
    client.get(path, timeout=900)  # (the first catches the views and the index up)
    for _ in range(10):  # warm-up
        client.get(path)
    times, size = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        size = len(answer.content)
    return times, size


def p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(len(times) * 0.95) - 1)]


def bench_ui(quick: bool) -> list[Entry]:
    """Entries ``ui_my_day_ms`` and ``ui_family_ms`` (see the module's description)."""
    from run import _free_port, demo_store, entry

    with demo_store("sqlite", 100_000) as env:
        settings = Settings(mode="production", master_key=env["LOTSE_MASTER_KEY"],
                            data_dir=env["LOTSE_DATA_DIR"])
        prepared = prepare(settings)
        port = _free_port()
        lotse = os.path.join(os.path.dirname(sys.executable), "lotse")
        server = subprocess.Popen([lotse, "serve", "--port", str(port)], env={
            **env, "LOTSE_LOG_LEVEL": "warning"}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, server)
            rounds = 60 if quick else 200
            client = _signed_in(url, prepared["user"])
            try:
                style = len(client.get("/static/lotse.css").content)
                base, _ = _times(client, "/healthz", rounds)
                entries = []
                for name, path in (("ui_my_day_ms", "/"),
                                   ("ui_family_ms", f"/familien/{prepared['family']}")):
                    times, size = _times(client, path, rounds)
                    entries.append(entry(name, p95(times), "ms", p95(base), {
                        "requests": rounds, "median_ms": round(statistics.median(times), 1),
                        "healthz_p95_ms": round(p95(base), 2), "html_bytes": size,
                        "stylesheet_bytes": style, "page_weight_bytes": size + style,
                        "families": FAMILIES, "family_events": EVENTS,
                        "goal": f"p95 < {GOAL_MS:.0f} ms, page weight < "
                                f"{GOAL_BYTES // 1024} KB"}))
            finally:
                client.close()
        finally:
            server.terminate()
            server.wait(10)
    return entries


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("lotse serve ended before it was ready")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("lotse serve was not ready after 60 s")
