"""The web interface in German: server-rendered pages beside the JSON API.

Pages are Jinja2 templates (``templates/``) filled from the same views and handed to the
same command pipeline and policy as the JSON routes; texts come from the message
catalogue (``messages/``); styles are served by Lotse itself (``static/``): no script,
style or font from another host (``Content-Security-Policy: default-src 'self'``).
Every core flow works without JavaScript.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()),
           (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"same-origin"),
           (b"x-frame-options", b"DENY")]


SCREENS = (
    "sign_in",
    "my_day",
    "team",
    "admin",
    "history",
    "read_log",
    "programme",
    "esf_report",
    "intake",
    "family",
    "family_esf",
    "family_corrections",
    "family_household",
    "family_forms",
    "week",
    "offer_forms",
    "offers",
    "session_form",
    "places",
)
"""The modules of ``api.web.pages`` whose ``router`` serves pages."""


def install(app: FastAPI) -> None:
    """The pages' routes and the static files, on ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for screen in SCREENS:
        module = importlib.import_module(f"api.web.pages.{screen}")
        app.router.routes.extend(module.router.routes)


class SecurityHeaders:
    """The content security policy and its companions on every answer: nothing a page
    loads may come from another host, no page may be framed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
