"""``Cache-Control: no-store`` on every answer that may carry personal data.

Answers about families, staff and reports hold Sozialdaten (GDPR Art. 9): no browser,
proxy or shared cache may keep a copy. Only the API's own description (``/docs``,
``/redoc``, ``/openapi.json``) and the web interface's styles (``/static/``), which
hold none, may be cached.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE = ("/docs", "/redoc", "/openapi.json", "/static/")
NO_STORE = (b"cache-control", b"no-store")


class NoStore:
    """Adds ``Cache-Control: no-store`` to each answer but the API's description (an
    answer that names its own caching keeps it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CACHEABLE):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_no_store)
