"""End to end: real ``lotse serve`` processes on a real store, driven over HTTP.

Projects and staff are set up with the command line (``lotse projects add``, ``lotse
staff add``) before the servers start. On SQLite one server process serves the
embedded store; on PostgreSQL two separate server processes share one schema.

a) Eight concurrent clients send 120 commands each to the same ten families; half of
   the commands are sent twice with the same Idempotency-Key (right after the answer,
   or at the same moment from another thread, on PostgreSQL through the other server).
   No 5xx, every acknowledged command is in the history exactly once, repeats answer
   what the first answered, and nothing else is recorded.
b) A keyed command repeated after the servers restarted gets the original answer and
   records nothing new; the servers stop cleanly on SIGTERM.
c) Server processes released at the same moment on one PostgreSQL schema all start.
d) Every view answers on a fresh server.
e) The store on disk is private and no answer with personal data may be cached.
"""

from __future__ import annotations

import os
import random
import stat
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from application.cases import FamilyCases
from application.directory import Directory
from domain.directory import Role
from domain.rules import today_in_programme
from domain.values import ContactMode, InstitutionType, LifeArea, Topic
from tests.conftest import SettingsFactory
from tests.support.processes import Deployment, lotse_executable

pytestmark = pytest.mark.e2e

CLIENTS = 8
COMMANDS_PER_CLIENT = 120
FAMILIES = 10
HTTP_TIMEOUT = 60.0
ID_FIELD = {"consultation": "consultation_id", "goal": "goal_id", "referral": "referral_id"}
EVENT = {"consultation": "ConsultationRecorded", "goal": "GoalSet", "referral": "ReferralMade"}
PATH = {"consultation": "consultations", "goal": "goals", "referral": "referrals"}


# ----- fixtures and helpers ----------------------------------------------------------


@pytest.fixture
def deployment(make_settings: SettingsFactory, tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """A fresh store of the current kind; every server still running is stopped at the
    end (SIGTERM, then SIGKILL), and the servers' output is printed if the test failed."""
    workdir = tmp_path / "e2e"
    workdir.mkdir()
    deployment = Deployment(make_settings(), workdir)
    failed_before = request.session.testsfailed
    try:
        yield deployment
    finally:
        deployment.stop()
        if request.session.testsfailed > failed_before:
            print(deployment.logs())


def set_up_staff(deployment: Deployment) -> str:
    """Project KR and its case manager, recorded in this process before the servers
    start; the token. (``test_every_view_answers_on_a_fresh_server`` sets its store up
    through the command line, as an operator would; the command line's own tests are in
    ``tests/integration/test_cli_staff_commands.py``.)"""
    with FamilyCases(deployment.settings) as cases:
        directory = Directory(cases)
        directory.add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=None,
                              recorded_by="e2e")
        issued = directory.add_staff(name="Anna Schmidt", project="KR",
                                     role=Role.CASE_MANAGER, recorded_by="e2e")
    return issued.token


def servers_for(store: str) -> int:
    return 2 if store == "postgres" else 1


def client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=HTTP_TIMEOUT,
                        headers={"Authorization": f"Bearer {token}"})


def intake_body(opened_on: date, n: int) -> dict[str, Any]:
    return {
        "project": "KR",
        "members": [
            {"role": "parent", "given_name": "Amira", "family_name": f"Okonkwo-{n}",
             "birth_date": "1991-05-17", "gender": "female"},
            {"role": "child", "given_name": "Noah", "family_name": f"Okonkwo-{n}",
             "birth_date": "2019-09-03", "gender": "male"}],
        "district": "Krefeld-Mitte", "postal_code": "47798", "street_address": "Westwall 12",
        "access_route": "kita", "benefit_situation": "sgb_ii",
        "consent_purposes": ["esf_reporting", "referral_to_partners"],
        "consent_given_on": opened_on.isoformat(),
        "occurred_on": opened_on.isoformat()}


@dataclass(frozen=True)
class Family:
    family_id: str
    case_number: str
    member_ids: list[str]
    intake_version: int


def open_families(urls: list[str], token: str, count: int, opened_on: date) -> list[Family]:
    """Opens ``count`` families at once, spread over the servers."""
    def one(n: int) -> Family:
        with client(urls[n % len(urls)], token) as c:
            response = c.post("/families", json=intake_body(opened_on, n))
        assert response.status_code == 201, response.text
        body = response.json()
        assert response.headers["Location"] == f"/families/{body['family_id']}"
        return Family(body["family_id"], body["case_number"], body["member_ids"],
                      body["version"])

    with ThreadPoolExecutor(count) as pool:
        families = list(pool.map(one, range(count)))
    numbers = sorted(f.case_number for f in families)
    year = opened_on.year
    assert numbers == [f"KR-{year}-{n:04d}" for n in range(1, count + 1)], numbers
    return families


# ----- a) concurrent clients, idempotent repeats -------------------------------------


@dataclass(frozen=True)
class Command:
    client: int
    index: int
    kind: str
    family: Family
    body: dict[str, Any]
    key: str | None
    repeat: str | None  # None, "immediate" or "concurrent"

    @property
    def path(self) -> str:
        return f"/families/{self.family.family_id}/{PATH[self.kind]}"


@dataclass
class Exchange:
    """One HTTP request and what came back."""

    command: Command
    role: str  # "first", "repeat" (after the first answered) or "twin" (at the same moment)
    status: int | None
    body: Any
    replayed: bool
    etag: str | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        c = self.command
        return (f"client {c.client} #{c.index} {c.kind} ({self.role}, key={c.key}) -> "
                f"{self.status or self.error}: {str(self.body)[:300]}")


def plan(client_no: int, families: list[Family], opened_on: date, today: date) -> list[Command]:
    rng = random.Random(1000 + client_no)
    commands = []
    span = (today - opened_on).days
    for i in range(COMMANDS_PER_CLIENT):
        family = rng.choice(families)
        member = rng.choice(family.member_ids)
        on = (today - timedelta(days=rng.randint(0, span))).isoformat()
        roll = rng.random()
        body: dict[str, Any]
        if roll < 0.7:
            kind = "consultation"
            body = {"duration_minutes": rng.randint(15, 120),
                    "mode": rng.choice(list(ContactMode)).value,
                    "topics": [t.value for t in rng.sample(list(Topic), rng.randint(1, 3))],
                    "members_present": [member],
                    "notes": f"Client {client_no}, command {i}: went through the letters.",
                    "occurred_on": on}
        elif roll < 0.85:
            kind = "goal"
            body = {"member_ids": [member], "life_area": rng.choice(list(LifeArea)).value,
                    "description": f"Goal {client_no}/{i}: find a Kita place",
                    "target_date": (today + timedelta(days=rng.randint(30, 200))).isoformat(),
                    "occurred_on": on}
        else:
            kind = "referral"
            body = {"member_id": member,
                    "institution_type": rng.choice(list(InstitutionType)).value,
                    "institution_name": "Schuldnerberatung Diakonie Krefeld",
                    "purpose": f"Referral {client_no}/{i}", "consent_confirmed": True,
                    "occurred_on": on}
        keyed = i % 2 == 0  # half of the commands, sent twice
        key = f"e2e-{client_no}-{i}-{uuid.uuid4().hex}" if keyed else None
        repeat = rng.choice(["immediate", "concurrent"]) if keyed else None
        commands.append(Command(client_no, i, kind, family, body, key, repeat))
    return commands


def send(http: httpx.Client, command: Command, role: str,
         barrier: threading.Barrier | None = None) -> Exchange:
    headers = {"Idempotency-Key": command.key} if command.key else {}
    if barrier is not None:
        barrier.wait(timeout=HTTP_TIMEOUT)
    started = time.perf_counter()
    try:
        response = http.post(command.path, json=command.body, headers=headers)
    except httpx.HTTPError as e:
        return Exchange(command, role, None, None, False, None, repr(e),
                        time.perf_counter() - started)
    seconds = time.perf_counter() - started
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return Exchange(command, role, response.status_code, body,
                    response.headers.get("Idempotent-Replayed") == "true",
                    response.headers.get("ETag"), None, seconds)


def run_client(client_no: int, commands: list[Command], urls: list[str],
               token: str) -> list[Exchange]:
    """One client: its own connection (to server ``client_no % servers``), and a helper
    thread with another connection (to the next server) that sends the concurrent
    twins of keyed commands at the same moment as the client itself."""
    exchanges: list[Exchange] = []
    own_url = urls[client_no % len(urls)]
    other_url = urls[(client_no + 1) % len(urls)]
    with client(own_url, token) as own, client(other_url, token) as other, \
            ThreadPoolExecutor(1) as helper:
        for command in commands:
            if command.repeat == "concurrent":
                barrier = threading.Barrier(2)
                twin = helper.submit(send, other, command, "twin", barrier)
                exchanges.append(send(own, command, "first", barrier))
                exchanges.append(twin.result())
            else:
                exchanges.append(send(own, command, "first"))
                if command.repeat == "immediate":
                    exchanges.append(send(other if command.index % 2 else own, command,
                                          "repeat"))
    return exchanges


def check_exchanges(exchanges: list[Exchange],
                    histories: dict[str, list[dict[str, Any]]],
                    families: list[Family]) -> list[str]:
    """Everything the scenario promises; a list of what was broken."""
    problems: list[str] = []
    for e in exchanges:
        if e.error is not None:
            problems.append(f"transport error: {e.describe()}")
        elif e.status is not None and e.status >= 500:
            problems.append(f"server error: {e.describe()}")
        elif not e.ok and not (e.status == 409 and isinstance(e.body, dict)
                               and e.body.get("rule") == "concurrent_change"):
            problems.append(f"unexpected refusal: {e.describe()}")
        if e.ok:
            if e.body.get("family_id") != e.command.family.family_id:
                problems.append(f"answer names another family: {e.describe()}")
            if e.etag != f'"{e.body.get("version")}"':
                problems.append(f"ETag {e.etag} is not the version: {e.describe()}")
            if e.command.key is None and e.replayed:
                problems.append(f"replayed without a key: {e.describe()}")

    # Repeats answer what the first answered, and only one of them recorded anything.
    by_key: dict[str, list[Exchange]] = defaultdict(list)
    for e in exchanges:
        if e.command.key is not None:
            by_key[e.command.key].append(e)
    for group in by_key.values():
        acknowledged = [e for e in group if e.ok]
        if not acknowledged:
            continue
        first = acknowledged[0]
        for other in acknowledged[1:]:
            if other.body != first.body or other.status != first.status:
                problems.append(f"repeat answered differently:\n  {first.describe()}\n  "
                                f"{other.describe()}")
        executed = [e for e in acknowledged if not e.replayed]
        if len(executed) != 1:
            problems.append(f"{len(executed)} of the answers to one key are not marked "
                            f"Idempotent-Replayed: " + "; ".join(e.describe() for e in group))
        by_role = {e.role: e for e in group}
        if "repeat" in by_role and by_role["first"].ok and not (
                by_role["repeat"].ok and by_role["repeat"].replayed):
            problems.append(f"repeat after an answer was not replayed: "
                            f"{by_role['repeat'].describe()}")

    # Every acknowledged command is in its family's history exactly once, at the
    # version its answer named; nothing else was recorded.
    acknowledged_ids: dict[str, dict[str, Exchange]] = defaultdict(dict)
    for e in exchanges:
        if e.ok:
            ident = e.body.get(ID_FIELD[e.command.kind])
            if ident is None:
                problems.append(f"answer without {ID_FIELD[e.command.kind]}: {e.describe()}")
                continue
            acknowledged_ids[e.command.family.family_id][ident] = e
    for family in families:
        events = histories[family.family_id]
        recorded: Counter[tuple[str, str]] = Counter()
        version_of: dict[str, int] = {}
        for event in events:
            for kind, name in EVENT.items():
                if event["event"] == name:
                    ident = event["facts"][ID_FIELD[kind]]
                    recorded[(kind, ident)] += 1
                    version_of[ident] = event["version"]
        for ident, e in acknowledged_ids[family.family_id].items():
            times = recorded[(e.command.kind, ident)]
            if times != 1:
                problems.append(f"acknowledged command recorded {times} times: {e.describe()}")
            elif version_of[ident] != e.body["version"]:
                problems.append(f"answer names version {e.body['version']}, the history "
                                f"has it at {version_of[ident]}: {e.describe()}")
        expected = family.intake_version + len(acknowledged_ids[family.family_id])
        if len(events) != expected:
            problems.append(f"family {family.case_number}: {len(events)} events, expected "
                            f"{family.intake_version} intake events + "
                            f"{len(acknowledged_ids[family.family_id])} acknowledged commands")
        versions = [event["version"] for event in events]
        if versions != list(range(1, len(events) + 1)):
            problems.append(f"family {family.case_number}: versions not 1..n: {versions}")
    return problems


def figures(exchanges: list[Exchange], seconds: float, servers: int) -> str:
    statuses = Counter(str(e.status or "error") for e in exchanges)
    roles = Counter(e.role for e in exchanges)
    latencies = sorted(e.seconds for e in exchanges)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return (f"{len(exchanges)} requests ({roles['first']} commands, {roles['repeat']} "
            f"repeats after the answer, {roles['twin']} concurrent twins) from {CLIENTS} "
            f"clients to {servers} server process(es) in {seconds:.1f} s "
            f"= {len(exchanges) / seconds:.0f} requests/s; statuses {dict(statuses)}; "
            f"replayed {sum(e.replayed for e in exchanges)}; latency p50 {pct(0.5):.0f} ms, "
            f"p95 {pct(0.95):.0f} ms, max {latencies[-1] * 1000:.0f} ms")


def test_concurrent_clients_with_idempotent_repeats_record_each_command_once(
        deployment: Deployment, store: str) -> None:
    token = set_up_staff(deployment)
    servers = deployment.start(servers_for(store))
    urls = [s.url for s in servers]
    today = today_in_programme()
    opened_on = today - timedelta(days=90)
    families = open_families(urls, token, FAMILIES, opened_on)
    plans = [plan(n, families, opened_on, today) for n in range(CLIENTS)]

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(run_client, range(CLIENTS), plans, [urls] * CLIENTS,
                                [token] * CLIENTS))
    seconds = time.perf_counter() - started
    exchanges = [e for r in results for e in r]

    histories: dict[str, list[dict[str, Any]]] = {}
    with client(urls[-1], token) as reader:
        for family in families:
            response = reader.get(f"/families/{family.family_id}/history")
            assert response.status_code == 200, response.text
            histories[family.family_id] = response.json()["events"]
    summary = figures(exchanges, seconds, len(servers))
    events = sum(len(h) for h in histories.values())
    print(f"[{store}] {summary}; {events} events in {FAMILIES} families")

    problems = check_exchanges(exchanges, histories, families)
    assert not problems, (f"{len(problems)} problems ({summary}):\n"
                          + "\n".join(problems[:40]))
    assert all(s.running() for s in servers), "a server process died"


# ----- b) idempotent repeats after a restart -----------------------------------------


def test_an_idempotent_repeat_after_a_restart_replays_the_first_answer(
        deployment: Deployment, store: str) -> None:
    token = set_up_staff(deployment)
    count = servers_for(store)
    urls = [s.url for s in deployment.start(count)]
    today = today_in_programme()
    intake_key, consultation_key = f"intake-{uuid.uuid4()}", f"consult-{uuid.uuid4()}"
    intake = intake_body(today - timedelta(days=10), 1)
    consultation = {"duration_minutes": 45, "mode": "home_visit",
                    "topics": ["money_and_debts"], "notes": "Jobcenter letter",
                    "occurred_on": today.isoformat()}

    with client(urls[0], token) as c:
        opened = c.post("/families", json=intake, headers={"Idempotency-Key": intake_key})
        assert opened.status_code == 201, opened.text
        family_id = opened.json()["family_id"]
        path = f"/families/{family_id}/consultations"
        first = c.post(path, json=consultation, headers={"Idempotency-Key": consultation_key})
        assert first.status_code == 200, first.text
        assert "Idempotent-Replayed" not in first.headers
        before = c.get(f"/families/{family_id}/history").json()
    assert before["version"] == first.json()["version"]

    for server in deployment.stop():
        assert server.stopped_gracefully, (
            f"lotse serve :{server.port} did not stop cleanly on SIGTERM (exit "
            f"{server.process.returncode}, killed: {server.killed}):\n{server.log()[-3000:]}")
    urls = [s.url for s in deployment.start(count)]

    with client(urls[-1], token) as c:
        again = c.post(path, json=consultation, headers={"Idempotency-Key": consultation_key})
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["ETag"] == first.headers["ETag"]

        reopened = c.post("/families", json=intake, headers={"Idempotency-Key": intake_key})
        assert reopened.status_code == 201, reopened.text
        assert reopened.json() == opened.json()
        assert reopened.headers["Idempotent-Replayed"] == "true"
        assert reopened.headers["Location"] == f"/families/{family_id}"

        changed = c.post(path, json={**consultation, "duration_minutes": 60},
                         headers={"Idempotency-Key": consultation_key})
        assert changed.status_code == 422, changed.text
        assert changed.json()["rule"] == "idempotency_key_reused"

        after = c.get(f"/families/{family_id}/history").json()
        assert after == before, "a repeat after the restart recorded something"
        search = c.get("/families", params={"q": "KR-"}).json()
        assert search["total"] == 1, search

        new = c.post(path, json=consultation, headers={"Idempotency-Key": f"new-{uuid.uuid4()}"})
        assert new.status_code == 200, new.text
        assert new.json()["version"] == before["version"] + 1
        assert new.json()["consultation_id"] != first.json()["consultation_id"]


# ----- c) server processes starting at the same moment -------------------------------

START_TOGETHER = 3
START_ROUNDS = 2
def test_servers_starting_together_on_one_store_all_come_up(
        deployment: Deployment, store: str) -> None:
    """Several server processes released at the same moment on one store all come up
    (a deployment with several processes, or ``lotse serve --workers N``)."""
    token = set_up_staff(deployment)
    # Start-up creates tables and functions; a lock per schema keeps processes apart.
    for _ in range(START_ROUNDS):
        servers = deployment.start_at_once(START_TOGETHER)
        for server in servers:
            with client(server.url, token) as c:
                assert c.get("/me").status_code == 200
        deployment.stop()


# ----- d) every view through real servers ----------------------------------------------


def test_every_view_answers_on_a_fresh_server(deployment: Deployment, store: str) -> None:
    """A fresh store and servers: after an intake, a consultation and a transfer, each
    view answers with them at once (read-your-writes through another server process
    with ``?after=`` on PostgreSQL), and the view status names every view."""
    deployment.add_project("KR", "WiQ Plus Krefeld")
    anna = deployment.add_staff("KR", "case_manager", "Anna Schmidt")
    ben = deployment.add_staff("KR", "case_manager", "Ben Yilmaz")
    coordinator = deployment.add_staff("KR", "coordinator", "Carla Weber")
    reporting = deployment.add_staff("KR", "reporting", "Dana Berg")
    admin = deployment.add_staff("KR", "admin", "Emil Kraus")
    urls = [s.url for s in deployment.start(servers_for(store))]
    today = today_in_programme()

    with client(urls[0], anna) as c:
        opened = c.post("/families", json=intake_body(today - timedelta(days=3), 1))
        assert opened.status_code == 201, opened.text
        family_id = opened.json()["family_id"]
        done = c.post(f"/families/{family_id}/consultations", json={
            "duration_minutes": 90, "mode": "home_visit", "topics": ["benefits"],
            "occurred_on": today.isoformat()})
        assert done.status_code == 200, done.text
        caseload = c.get("/caseload").json()
        assert [i["family_id"] for i in caseload["items"]] == [family_id]
        assert caseload["items"][0]["last_contact_on"] == today.isoformat()
    with client(urls[-1], coordinator) as c:
        ben_id = next(s["staff_id"] for s in c.get("/projects/KR/staff").json()
                      if s["name"] == "Ben Yilmaz")
        moved = c.post(f"/families/{family_id}/assignment",
                       json={"case_manager": ben_id, "reason": "Urlaubsvertretung"})
        assert moved.status_code == 200, moved.text
        after = {"after": moved.json()["position"]}
        summary = c.get(f"/families/{family_id}/summary", params=after)
        assert summary.status_code == 200, summary.text
        assert summary.json()["case_manager"] == ben_id
        assert summary.json()["consultations"]["count"] == 1
        history = c.get("/projects/KR/caseload-history", params=after).json()
        assert [i["case_manager"] for i in history["items"]][-1] == ben_id
        assert len(history["items"]) == 2
        team = c.get("/projects/KR/team").json()
        assert {m["case_manager"] for m in team["case_managers"]} == {ben_id}
    with client(urls[0], reporting) as c:
        space = c.get("/projects/KR/social-space", params=after)
        assert space.status_code == 200, space.text
        assert space.json()["families"]["total"] == 1
        assert space.json()["consultations"]["minutes"] == 90
        half = f"{today.year}-H{1 if today.month <= 6 else 2}"
        esf = c.get("/reports/esf", params={"project": "KR", "period": half, **after})
        assert esf.status_code == 200, esf.text
        assert len(esf.json()["indicators"]) == 23
    with client(urls[-1], admin) as c:
        views = c.get("/admin/views").json()
        assert {v["name"] for v in views} == {
            "caseload", "family_summary", "caseload_history", "social_space",
            "esf_participants", "programme_facts", "offer_facts"}
        metrics = httpx.get(f"{urls[-1]}/metrics").text
        assert 'lotse_view_position{view="social_space"}' in metrics
    with client(urls[0], ben) as c:
        assert [i["family_id"] for i in c.get("/caseload").json()["items"]] == [family_id]
    status = deployment.cli("projections", "status")
    for name in ("caseload", "family_summary", "caseload_history", "social_space",
                 "esf_participants", "programme_facts", "offer_facts"):
        assert name in status


# ----- e) what a server leaves on disk and in caches -------------------------------------


def test_a_served_store_is_private_and_no_answer_with_personal_data_may_be_cached(
        deployment: Deployment, store: str) -> None:
    """On a real server started under the usual umask: every answer but the API's
    description says ``Cache-Control: no-store`` (refusals too); the embedded store's
    directory is 0700 and its files 0600; a server on a store others may read does not
    start (production mode)."""
    before = os.umask(0o022)
    try:
        deployment.add_project("KR", "WiQ Plus Krefeld")
        anna = deployment.add_staff("KR", "case_manager", "Anna Schmidt")
        [server] = deployment.start(1)
    finally:
        os.umask(before)
    with client(server.url, anna) as c:
        opened = c.post("/families", json=intake_body(today_in_programme(), 1))
        answers = [opened, c.get(f"/families/{opened.json()['family_id']}"),
                   c.get("/caseload"), c.get(f"/families/{uuid.uuid4()}"),
                   c.get("/me", headers={"Authorization": "Bearer nonsense"}),
                   c.get("/healthz")]
        described = c.get("/openapi.json")
    assert opened.status_code == 201, opened.text
    assert [(a.request.url.path, a.headers.get("Cache-Control")) for a in answers] == [
        (a.request.url.path, "no-store") for a in answers]
    assert "no-store" not in described.headers.get("Cache-Control", "")
    if store == "postgres":
        return
    data = deployment.settings.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in data.iterdir()}
    assert "lotse.sqlite-wal" in modes, modes
    assert modes == dict.fromkeys(modes, oct(0o600))

    deployment.stop()
    os.chmod(data, 0o755)
    refused = subprocess.run([str(lotse_executable()), "serve", "--port", "1"],
                             env=deployment.env, capture_output=True, text=True, timeout=60,
                             check=False)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "others may read it" in refused.stderr
    assert "chmod -R go-rwx" in refused.stderr
