"""Checkpoints of the log: signed by the projection runner as the log grows, and the
signing key they need (required outside development, made once in development)."""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.integrity.checkpoints import StoredCheckpoint
from application.integrity.service import Integrity
from application.settings import Settings
from cli.main import app as cli
from tests.integration.test_tamper_evidence import consult, run
from tests.support.builders import open_case
from tests.support.processes import configure_lotse

NONE = StoredCheckpoint(0, 0, b"", b"", "")


def test_the_projection_runner_signs_checkpoints_as_the_log_grows(make_settings: Any) -> None:
    from application.integrity.checkpoints import Checkpoints
    from projections.engine.runner import Runner

    with FamilyCases(make_settings()) as app:
        checkpoints = Checkpoints(app)
        runner = Runner(app, [], poll_seconds=0.01, chores=[(0.05, checkpoints.write)])
        runner.start()
        try:
            family_id = open_case(app)[0].family_id
            deadline = time.monotonic() + 10
            while (checkpoints.latest() or NONE).size < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
            first = checkpoints.latest()
            consult(app, family_id)
            while (checkpoints.latest() or NONE).size < 5 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            runner.stop()
        assert first is not None
        assert first.size == 4  # the case numbers' sequence (2), intake, assignment
        assert [c.size for c in checkpoints.all()] == [4, 5]
        report = Integrity(app).verify()
        assert report.ok
        assert report.checkpoints == 2


def test_outside_development_the_processes_that_sign_need_the_signing_key(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(signing_key=None)
    configure_lotse(monkeypatch, settings)
    monkeypatch.delenv("LOTSE_SIGNING_KEY", raising=False)
    FamilyCases(settings).close()  # (a store to sign: without one they say so first)
    for args in (("projections", "run"), ("audit", "checkpoint")):
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == 2, result.output
        assert "LOTSE_SIGNING_KEY is not set" in result.output
    unsigned = run("audit", "verify")  # checking needs no key, but says what it left out
    assert unsigned.exit_code == 0, unsigned.output
    assert "signatures NOT checked (no LOTSE_SIGNING_KEY)" in " ".join(unsigned.output.split())


@pytest.mark.store_independent
def test_in_development_the_signing_key_is_made_once_into_the_data_directory(
        tmp_path: Path) -> None:
    settings = Settings(mode="development", data_dir=tmp_path / "data")
    key = settings.resolve_signing_key()
    assert settings.resolve_signing_key() == key != settings.resolve_master_key()
    assert stat.S_IMODE((tmp_path / "data" / "signing.key").stat().st_mode) == 0o600
