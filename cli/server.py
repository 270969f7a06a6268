"""``lotse serve`` and ``lotse keygen``: running the HTTP API and making the master key
every server process on one store needs."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli.store import console, open_settings, require_private_store, require_signing_key


def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help=(
              "Server processes (PostgreSQL; the embedded store serves best with 1)."))] = 1,
          ) -> None:
    """Serve the HTTP API (embedded store in LOTSE_DATA_DIR, or LOTSE_DATABASE_URL)."""
    import uvicorn

    settings = open_settings()
    require_signing_key(settings)
    require_private_store(settings)  # (before the server processes, not in each one)
    where = "PostgreSQL" if settings.uses_postgres else f"embedded store {settings.sqlite_path}"
    console.print(f"Lotse API on http://{host}:{port} ({where}); docs at /docs")
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=os.environ.get("LOTSE_LOG_LEVEL", "info"), access_log=False)


def keygen() -> None:
    """Print a new key for LOTSE_MASTER_KEY or LOTSE_SIGNING_KEY (run it once for each)."""
    from application.settings import new_key_text

    console.print(new_key_text())
