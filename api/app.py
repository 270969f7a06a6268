"""The HTTP API: one FastAPI app per server process, built by ``create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import problems
from api.deps import Services
from api.routes import commands, families, staff, system
from application.cases import FamilyCases
from application.directory import Directory
from application.read_log import ReadLog
from application.settings import Settings
from projections.family_index import FamilyIndex

MAX_BODY_BYTES = 64 * 1024

DESCRIPTION = """Case tracking for ESF+ funded family coaching programmes.

Authenticate with `Authorization: Bearer <token>` (tokens come from `lotse staff add`).
Commands answer with the family's new version as `ETag`; send it back as `If-Match` to
record only if nobody changed the case meanwhile (412 otherwise). Send an
`Idempotency-Key` with any POST so a retry never records twice. Errors are RFC 9457
problem details (`application/problem+json`) naming the field and the rule."""


def build_services(settings: Settings) -> Services:
    cases = FamilyCases(settings)
    index_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                     info=b"lotse:name-index").derive(settings.resolve_master_key())
    return Services(cases=cases, directory=Directory(cases), read_log=ReadLog(cases.tables),
                    index=FamilyIndex(cases, index_key))


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The API on the configured store. Pass ``services`` to share them (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or build_services(settings or Settings())
        try:
            yield
        finally:
            if own:
                app.state.services.cases.close()

    app = FastAPI(title="Lotse", version="0.3.0", description=DESCRIPTION, lifespan=lifespan)
    if services is not None:
        app.state.services = services
    problems.install(app)
    app.include_router(system.router)
    app.include_router(staff.router)
    app.include_router(families.router)
    app.include_router(commands.router)
    app.include_router(system.audit)
    app.add_middleware(BodyLimit)
    return app


class BodyLimit:
    """Refuses bodies over 64 KiB with 413 before anything parses them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await _too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await _too_large(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send) -> None:
    response = problems.problem_response(None, 413, "Payload too large",
                                         f"the body is larger than {MAX_BODY_BYTES} bytes",
                                         rule="payload_too_large")
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> dict[str, Any]:
    return {"type": "http.disconnect"}
