"""``lotse serve`` before the server starts: an address it cannot listen on is named with
what to change, instead of a banner followed by uvicorn's errno."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from application.settings import new_key_text
from cli.main import app


def test_a_port_in_use_is_refused_before_the_banner_with_what_to_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTSE_MODE", "production")
    monkeypatch.setenv("LOTSE_MASTER_KEY", new_key_text())
    monkeypatch.setenv("LOTSE_SIGNING_KEY", new_key_text())
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    said = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert f"Cannot listen on 127.0.0.1:{port}" in said
    assert "choose another with --port" in said
    assert "sign in at /" not in said  # (no banner for a server that never ran)
