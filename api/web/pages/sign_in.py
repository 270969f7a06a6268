"""Signing in and out, and the choice of language.

The sign-in form carries a CSRF token of its own (a cookie and the same value in the
form: there is no session yet); a successful sign-in always starts a new session (a
session id planted before cannot be taken over) and goes on to the page the person
wanted, if it is one of Lotse's own.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import services_of
from api.web.i18n import LANGUAGES, Texts
from api.web.pages.base import (
    COOKIE,
    KEPT,
    LANGUAGE_COOKIE,
    PageRoute,
    PersonDep,
    SignInRequired,
    form_of,
    language_of,
    redirect,
    render,
    signed_in,
)
from application.sign_in import IDLE_MINUTES, Refused, same

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PRE_COOKIE = "lotse_signin"


def _secure(request: Request) -> bool:
    return bool(services_of(request).cases.settings.mode != "development")


OWN_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*")
"""A path of Lotse itself: ``//host``, ``/\\host``, ``https://…`` or a path with a tab or
line break (which browsers drop, making ``/\t/host`` into ``//host``) would leave it."""


def _own(target: str | None) -> str:
    if not target or not OWN_PATH.fullmatch(target):
        return "/"
    return target


def sign_in_page(request: Request, *, wanted: str, expired: bool = False,
                 kept: list[tuple[str, str]] | None = None, error: str | None = None,
                 user_name: str = "", status: int = 200) -> Response:
    """The sign-in form, with a fresh token of its own (cookie and form)."""
    token = secrets.token_urlsafe(32)
    page = render(request, None, "sign_in.html", status=status, csrf=token,
                  wanted=_own(wanted), expired=expired, error=error, user_name=user_name,
                  kept=kept or [], kept_prefix=KEPT)
    page.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict",
                    secure=_secure(request), path="/anmelden")
    return page


@router.get("/anmelden", response_class=HTMLResponse)
def sign_in_form(request: Request, weiter: str | None = None,
                 abgelaufen: str | None = None) -> Response:
    return sign_in_page(request, wanted=weiter or "/", expired=abgelaufen is not None)


@router.post("/anmelden", response_class=HTMLResponse)
async def sign_in(request: Request, user_name: Annotated[str, Form(max_length=200)] = "",
                  password: Annotated[str, Form(max_length=400)] = "",
                  csrf: Annotated[str, Form(max_length=100)] = "",
                  weiter: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    svc = services_of(request)
    expected = request.cookies.get(PRE_COOKIE, "")
    form = await request.form()
    kept = [(k[len(KEPT):], v) for k, v in form.multi_items()
            if k.startswith(KEPT) and isinstance(v, str)]

    def again(status: int, error: str) -> Response:
        return sign_in_page(request, wanted=weiter, kept=kept, error=error,
                            user_name=user_name, status=status)

    t = Texts(language_of(request))  # (no person yet: the chosen language's texts)
    if not expected or not csrf or not same(csrf, expected):
        return again(403, t("sign_in.csrf"))
    address = request.client.host if request.client else None
    try:
        staff_id = svc.sign_ins.sign_in(user_name, password, address)
    except Refused as e:
        return again(429, t("sign_in.slowed_down", seconds=e.wait))
    if staff_id is None or svc.directory.actor_for(staff_id) is None:
        return again(401, t("sign_in.failed"))
    session_id, new_csrf = svc.sign_ins.start_session(staff_id)
    old = request.cookies.get(COOKIE)
    if old:
        svc.sign_ins.end_session(old, address)
    response: Response
    if kept:  # (a form sent after the session timed out: offered for sending again)
        response = render(request, None, "send_again.html", csrf=new_csrf,
                          action=_own(weiter), kept=kept)
    else:
        response = RedirectResponse(_own(weiter), status_code=303)
    response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict",
                        secure=_secure(request), path="/", max_age=IDLE_MINUTES * 60 * 16)
    response.delete_cookie(PRE_COOKIE, path="/anmelden")
    return response


@router.post("/abmelden")
async def sign_out(request: Request, person: PersonDep) -> Response:
    await form_of(request, person)
    address = request.client.host if request.client else None
    services_of(request).sign_ins.end_session(person.session_id, address)
    response = redirect("/anmelden?abgemeldet=1")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/sprache")
async def choose_language(request: Request) -> Response:
    """The language of the texts (German or English), kept in a cookie."""
    form = await request.form()
    language = form.get("sprache")
    back = form.get("zurueck")
    try:
        person = signed_in(request)
    except SignInRequired:
        person = None
    if person is not None:
        await form_of(request, person)
    response = redirect(_own(back if isinstance(back, str) else "/"))
    if isinstance(language, str) and language in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, httponly=True, samesite="strict",
                            secure=_secure(request), max_age=365 * 24 * 3600)
    return response
