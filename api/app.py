"""The HTTP API: one FastAPI app per server process, built by ``create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api import problems, web
from api.deps import Services
from api.no_store import NoStore
from api.routes import (
    caseload,
    caseload_history,
    commands,
    families,
    family_summary,
    integrity,
    offer_statistics,
    offers,
    operations,
    reports,
    staff,
    statistics,
    subject_access,
    system,
)
from api.routes.reports import submission_figures
from api.web import SecurityHeaders, docs
from application.cases import FamilyCases
from application.directory import Directory
from application.integrity.checkpoints import INTERVAL_SECONDS, Checkpoints
from application.pipeline import Pipeline
from application.read_log import ReadLog
from application.settings import Settings
from application.sign_in import SignIns
from application.store import schema_lock
from projections.engine.runner import Runner, settle_garbage_collector
from projections.views.family_index import FamilyIndex
from projections.views.registry import Views

MAX_BODY_BYTES = 64 * 1024

DESCRIPTION = """Case tracking for ESF+ funded family coaching programmes.

Authenticate with `Authorization: Bearer <token>` (tokens come from `lotse staff add`).
Commands answer with the family's new version as `ETag`; send it back as `If-Match` to
record only if nobody changed the case meanwhile (412 otherwise). Send an
`Idempotency-Key` with any POST so a retry never records twice. Errors are RFC 9457
problem details (`application/problem+json`) naming the field and the rule."""


def build_services(settings: Settings) -> Services:
    with schema_lock(settings):  # the store's tables, then those of views and logs:
        cases = FamilyCases(settings)  # other processes may be starting too
        directory = Directory(cases)
        index = FamilyIndex.for_cases(cases)
        views = Views.build(cases)
        read_log = ReadLog(cases.tables)
        sign_ins = SignIns.for_cases(cases)
    pipeline = Pipeline.for_cases(cases, directory,
                                  after_erasure=index.catch_up)  # the names' tokens go at once
    services = Services(cases=cases, directory=directory, read_log=read_log, index=index,
                        views=views, pipeline=pipeline, sign_ins=sign_ins)
    pipeline.report_figures_source(submission_figures(services))
    return services


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The API on the configured store. Pass ``services`` to share them (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = services is None
        app.state.services = services or build_services(settings or Settings())
        app.state.services.directory.current()  # loaded before the first request
        cases = app.state.services.cases
        runner = Runner(cases, [app.state.services.views.engine],
                        chores=[(INTERVAL_SECONDS, Checkpoints(cases).write)])
        background = own and app.state.services.cases.settings.background_views
        if own:
            settle_garbage_collector()
        if background:
            runner.start()
        try:
            yield
        finally:
            if background:
                runner.stop()
            if own:
                app.state.services.cases.close()

    app = LotseAPI(title="Lotse", version="0.3.0", description=DESCRIPTION, lifespan=lifespan,
                   max_body_size=MAX_BODY_BYTES, docs_url=None, redoc_url=None)
    if services is not None:
        app.state.services = services
    problems.install(app)
    # The busiest first: routes are matched in order.
    for router in (commands.router, families.router, caseload.router, staff.router,
                   statistics.router, family_summary.router, caseload_history.router,
                   reports.router, system.audit, integrity.audit, subject_access.router,
                   operations.router, system.router, operations.metrics_router,
                   offers.router, offer_statistics.router):
        # The routers carry their prefixes, tags and error responses already; adding
        # their routes directly spares each request FastAPI's included-router matching.
        app.router.routes.extend(router.routes)
    web.install(app)
    docs.install(app)
    return app


PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class LotseAPI(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """The generated description, plus the bearer scheme on every operation but the
        probes (authentication is read from the request, not declared per route)."""
        if self.openapi_schema is None:
            schema = super().openapi()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})[
                "HTTPBearer"] = {"type": "http", "scheme": "bearer",
                                 "description": "A staff token from `lotse staff add`."}
            for path, operations in schema["paths"].items():
                if path not in PUBLIC_PATHS:
                    for operation in operations.values():
                        operation["security"] = [{"HTTPBearer": []}]
            self.openapi_schema = schema
        return self.openapi_schema

    def build_middleware_stack(self) -> ASGIApp:
        """The declared-size check goes outermost, before FastAPI's own body limit (which
        would answer a declared oversize body in plain text); every answer with personal
        data, refusals included, is marked ``no-store``."""
        return SecurityHeaders(NoStore(DeclaredSizeLimit(super().build_middleware_stack())))


class DeclaredSizeLimit:
    """Answers 413 as problem details when a request *declares* a body over the limit;
    FastAPI's ``max_body_size`` stops bodies that only turn out too large on reading."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > MAX_BODY_BYTES:
                        response = problems.problem_response(
                            None, 413, "Payload too large",
                            f"the body is larger than {MAX_BODY_BYTES} bytes",
                            rule="payload_too_large")
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)
