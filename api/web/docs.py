"""``/docs`` (Swagger UI) and ``/redoc`` with their scripts and styles served by Lotse.

FastAPI's own pages load both from a CDN and start Swagger UI with an inline script:
blank without internet, and refused by the ``Content-Security-Policy`` of every answer
(``default-src 'self'``). These pages load the vendored files of ``static/docs/`` (see
its README for versions and licences) and start them from ``swagger-init.js`` and
``redoc-init.js``. ReDoc makes its styles as ``<style>`` elements at run time (styled-
components): ``/redoc`` alone allows inline styles carrying the nonce of that answer
(``style-src 'self' 'nonce-…'``, never ``'unsafe-inline'``); scripts stay ``'self'``.
"""

from __future__ import annotations

import secrets
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from api.web import CSP

ASSETS = "/static/docs"


def install(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` on ``app`` (created with ``docs_url=None, redoc_url=None``)."""
    spec = escape(app.openapi_url or "/openapi.json")
    title = escape(app.title)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page(
            f"{title} – Swagger UI",
            f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">\n'
            f'<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">',
            f'<div id="swagger-ui" data-openapi-url="{spec}"></div>\n'
            f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>\n'
            f'<script src="{ASSETS}/swagger-init.js"></script>'))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        nonce = secrets.token_urlsafe(18)
        return HTMLResponse(page(
            f"{title} – ReDoc",
            f'<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">',
            f'<div id="redoc" data-spec-url="{spec}" data-style-nonce="{nonce}"></div>\n'
            f'<script src="{ASSETS}/redoc.standalone.js"></script>\n'
            f'<script src="{ASSETS}/redoc-init.js"></script>'),
            headers={"Content-Security-Policy": redoc_csp(nonce)})


def page(title: str, head: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def redoc_csp(nonce: str) -> str:
    """The CSP of every answer, plus the styles ReDoc makes with this ``nonce``."""
    return f"{CSP}; style-src 'self' 'nonce-{nonce}'"
