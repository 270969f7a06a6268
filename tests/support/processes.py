"""Real ``lotse`` processes for the end-to-end tests: the command line and ``lotse serve``.

A :class:`Deployment` is one store (an embedded SQLite directory, or a PostgreSQL schema)
with the environment every process of it shares. ``deployment.cli(...)`` runs a ``lotse``
command to completion; ``deployment.start(n)`` starts ``n`` servers on free ports and
waits until each answers ``/readyz``; ``deployment.stop()`` sends SIGTERM (SIGKILL after
a grace period). Every server's output goes to a log file that ``deployment.logs()``
returns, so a failing test can show what the servers said.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from application.settings import Settings

READY_TIMEOUT = 30.0
ARM_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0


def lotse_executable() -> Path:
    """The ``lotse`` console script of the interpreter running the tests."""
    script = Path(sys.executable).with_name("lotse")
    if not script.exists():
        raise RuntimeError(f"no lotse console script next to {sys.executable}; "
                           "install the project (pip install -e .)")
    return script


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def configure_lotse(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Set this process's LOTSE_* variables to ``settings`` (for the CLI run in-process:
    ``lotse`` reads its configuration from the environment)."""
    for name, value in environment_for(settings).items():
        if name.startswith("LOTSE_"):
            monkeypatch.setenv(name, value)


def environment_for(settings: Settings) -> dict[str, str]:
    """The process environment that configures Lotse like ``settings`` (and nothing
    else: LOTSE_* variables of the calling environment are left out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env.update(LOTSE_MODE=settings.mode, LOTSE_DATA_DIR=str(settings.data_dir),
               LOTSE_LOG_LEVEL="info", LOTSE_PASSWORD_HASHING=settings.password_hashing)
    if settings.master_key is not None:
        env["LOTSE_MASTER_KEY"] = settings.master_key.get_secret_value()
    if settings.signing_key is not None:
        env["LOTSE_SIGNING_KEY"] = settings.signing_key.get_secret_value()
    if settings.database_url is not None:
        env["LOTSE_DATABASE_URL"] = settings.database_url
    if settings.postgres_schema is not None:
        env["LOTSE_POSTGRES_SCHEMA"] = settings.postgres_schema
    return env


@dataclass
class Server:
    """One ``lotse serve`` process."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    killed: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        with httpx.Client(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.running():
                    raise ServerFailed(f"lotse serve on port {self.port} exited with "
                                       f"{self.process.returncode} before it was ready",
                                       self.log())
                try:
                    response = client.get("/readyz")
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text}"
                except httpx.TransportError as e:
                    last = repr(e)
                time.sleep(0.05)
        raise ServerFailed(f"lotse serve on port {self.port} not ready after {timeout} s "
                           f"(last: {last})", self.log())

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL if it has not stopped within ``timeout`` seconds."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.killed = True
                self.process.kill()
                self.process.wait(timeout)

    @property
    def stopped_gracefully(self) -> bool:
        """Stopped by SIGTERM alone, after the application shut down. (uvicorn raises
        the signal it caught again once it has shut down, so the exit status of a clean
        stop is -SIGTERM.)"""
        return (not self.killed and self.process.returncode in (0, -signal.SIGTERM)
                and "Application shutdown complete" in self.log())


ARMED = "lotse-e2e: armed"
GATED_SERVE = f"""
import sys
import uvicorn
import api.app
print({ARMED!r}, flush=True)
sys.stdin.readline()
uvicorn.run("api.app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]),
            log_level="info", access_log=False)
"""


class ServerFailed(AssertionError):
    def __init__(self, message: str, log: str) -> None:
        super().__init__(f"{message}\n--- server output ---\n{log[-10_000:]}")


@dataclass
class Deployment:
    """One store and the ``lotse`` processes that use it."""

    settings: Settings
    workdir: Path
    servers: list[Server] = field(default_factory=list)
    stopped: list[Server] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return environment_for(self.settings)

    def cli(self, *args: str) -> str:
        """Run ``lotse <args>`` to completion; its standard output (fails on exit != 0)."""
        done = subprocess.run([str(lotse_executable()), *args], env=self.env,
                              cwd=self.workdir, capture_output=True, text=True,
                              timeout=CLI_TIMEOUT, check=False)
        assert done.returncode == 0, (
            f"lotse {' '.join(args)} exited with {done.returncode}\n"
            f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
        return done.stdout

    def add_project(self, code: str, name: str) -> None:
        out = self.cli("projects", "add", code, "--name", name)
        assert f"Project {code}" in out, out

    def add_staff(self, project: str, role: str, name: str) -> str:
        """Adds a staff member with ``lotse staff add``; returns their token."""
        out = self.cli("staff", "add", "--project", project, "--role", role, "--name", name)
        token = out.strip().splitlines()[-1].strip()
        assert token.startswith("lotse_"), out
        return token

    def start(self, count: int = 1, *, together: bool = False) -> list[Server]:
        """Start ``count`` servers and wait until each is ready: one after the other, or
        all at the same moment (``together``)."""
        if together:
            started = [self._spawn() for _ in range(count)]
            for server in started:
                server.wait_ready()
            return started
        return [self._start_one() for _ in range(count)]

    def _start_one(self) -> Server:
        server = self._spawn()
        try:
            server.wait_ready()
        except ServerFailed:
            if "address already in use" not in server.log().lower():
                raise
            # Lost the race for the port between free_port() and bind: once more.
            self.servers.remove(server)
            self.stopped.append(server)
            server = self._spawn()
            server.wait_ready()
        return server

    def start_at_once(self, count: int) -> list[Server]:
        """Start ``count`` servers released at the same moment: each process imports
        everything, then waits for a line on its standard input before it runs what
        ``lotse serve`` runs (``uvicorn.run`` of ``api.app:create_app``), so their
        start-ups (schema creation included) overlap within milliseconds."""
        started = [self._spawn(gated=True) for _ in range(count)]
        deadline = time.monotonic() + ARM_TIMEOUT
        for server in started:
            while ARMED not in server.log():
                if not server.running() or time.monotonic() > deadline:
                    raise ServerFailed(f"gated server :{server.port} did not arm", server.log())
                time.sleep(0.02)
        for server in started:
            assert server.process.stdin is not None
            server.process.stdin.write(b"go\n")
            server.process.stdin.flush()
        for server in started:
            assert server.process.stdin is not None
            server.process.stdin.close()
        for server in started:
            server.wait_ready()
        return started

    def _spawn(self, *, gated: bool = False) -> Server:
        port = free_port()
        log_path = self.workdir / f"server-{len(self.servers) + len(self.stopped)}-{port}.log"
        command = ([sys.executable, "-c", GATED_SERVE, str(port)] if gated else
                   [str(lotse_executable()), "serve", "--host", "127.0.0.1", "--port", str(port)])
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.PIPE if gated else subprocess.DEVNULL)
        server = Server(port, process, log_path)
        self.servers.append(server)
        return server

    def stop(self) -> list[Server]:
        """Stop every running server (one after the other); the servers stopped."""
        stopped = []
        for server in list(self.servers):
            server.stop()
            self.servers.remove(server)
            self.stopped.append(server)
            stopped.append(server)
        return stopped

    def logs(self, tail: int = 20_000) -> str:
        parts = []
        for server in [*self.stopped, *self.servers]:
            text = server.log()
            parts.append(f"===== lotse serve :{server.port} (exit {server.process.returncode}) "
                         f"=====\n{text[-tail:] if text else '(no output)'}")
        return "\n".join(parts)
