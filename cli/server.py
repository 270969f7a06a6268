"""``lotse serve`` and ``lotse keygen``: running the HTTP API and making the master key
every server process on one store needs."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli.store import (
    console,
    errors,
    open_settings,
    require_private_store,
    require_signing_key,
)


def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help=(
              "Server processes (PostgreSQL; the embedded store serves best with 1)."))] = 1,
          ) -> None:
    """Serve the web interface and the HTTP API (embedded store in LOTSE_DATA_DIR, or
    LOTSE_DATABASE_URL)."""
    import uvicorn

    settings = open_settings()
    require_signing_key(settings)
    require_private_store(settings)  # (before the server processes, not in each one)
    _require_free(host, port)
    where = "PostgreSQL" if settings.uses_postgres else f"embedded store {settings.sqlite_path}"
    console.print(f"Lotse on http://{host}:{port} ({where}): sign in at /, the API's "
                  "documentation at /docs", highlight=False)
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=os.environ.get("LOTSE_LOG_LEVEL", "info"), access_log=False)


def _require_free(host: str, port: int) -> None:
    """The address can be listened on (exit 2 naming what to change if not): uvicorn
    says so only after the banner, in a log line with an errno."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as e:
        reason = e.strerror or str(e)
        errors.print(f"[red]Cannot listen on {host}:{port}[/red] ({reason}): another "
                     "server may run there; choose another with --port (or --host).",
                     highlight=False)
        raise typer.Exit(2) from None


def keygen() -> None:
    """Print a new key for LOTSE_MASTER_KEY or LOTSE_SIGNING_KEY (run it once for each)."""
    from application.settings import new_key_text

    console.print(new_key_text())
