"""What every page shares: the signed-in person, rendering, CSRF, errors as pages.

A page handler takes ``Person`` (the signed-in staff member; a request without a valid
session is sent to the sign-in page, with what it wanted to see) and answers with
``render``. Forms are read with ``form_of``, which refuses a POST without this session's
CSRF token. Page routes use ``PageRoute``: a refusal of the policy or the domain
(``Refusal``, ``DomainError``) becomes a page in German with the rule's message, never a
JSON body or a 500. The rules themselves are the API's: pages build the same commands
and hand them to the same pipeline (``application/pipeline.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException

from api.deps import Services, services_of
from api.web import formats
from api.web.i18n import DEFAULT, LANGUAGES, Texts
from application import policy
from application.cases import CaseNotFound, ConcurrencyConflict, StaleVersion
from application.directory import Actor
from application.refusals import Refusal
from application.sign_in import WebSession, same
from domain.errors import DomainError, NotFound

logger = logging.getLogger("lotse.web")
TEMPLATES = Path(__file__).parent.parent / "templates"
COOKIE = "lotse_session"
LANGUAGE_COOKIE = "lotse_lang"

environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(
    default=True, default_for_string=True), undefined=StrictUndefined, trim_blocks=True,
    lstrip_blocks=True)

NAV = (  # (page, path, key of its label)
    (policy.Page.MY_DAY, "/", "nav.my_day"),
    (policy.Page.WEEK, "/diese-woche", "nav.week"),
    (policy.Page.INTAKE, "/aufnahme", "nav.intake"),
    (policy.Page.OFFERS, "/angebote", "nav.offers"),
    (policy.Page.TEAM, "/team", "nav.team"),
    (policy.Page.HISTORY, "/verlauf", "nav.history"),
    (policy.Page.READ_LOG, "/lesezugriffe", "nav.read_log"),
    (policy.Page.PROGRAMME, "/programm", "nav.programme"),
    (policy.Page.ESF_REPORT, "/esf-bericht", "nav.esf_report"),
    (policy.Page.PLACES, "/orte", "nav.places"),
    (policy.Page.ADMIN, "/verwaltung", "nav.admin"),
)
PATHS = {page: path for page, path, _ in NAV}


def language_of(request: Request) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT


@dataclass(frozen=True)
class Person:
    """The signed-in staff member behind a page request."""

    actor: Actor
    session: WebSession
    session_id: str
    texts: Texts

    @property
    def csrf(self) -> str:
        return self.session.csrf

    def may_see(self, page: policy.Page) -> bool:
        return policy.may_see(self.actor, page)


class SignInRequired(Exception):
    """No valid session: the sign-in page, then back to ``wanted``."""

    def __init__(self, wanted: str, expired: bool) -> None:
        super().__init__(wanted)
        self.wanted, self.expired = wanted, expired


class PageProblem(Exception):
    """A page that cannot be shown: its status and the message's key."""

    def __init__(self, status: int, key: str, **values: Any) -> None:
        super().__init__(key)
        self.status, self.key, self.values = status, key, values


def signed_in(request: Request) -> Person:
    """The person whose session cookie this request carries (else ``SignInRequired``)."""
    svc = services_of(request)
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    session_id = request.cookies.get(COOKIE)
    if not session_id or len(session_id) > 100:
        raise SignInRequired(wanted, expired=False)
    session, expired = svc.sign_ins.session(session_id)
    if session is None:
        raise SignInRequired(wanted, expired=expired)
    actor = svc.directory.actor_for(session.staff_id)
    if actor is None:  # (every role withdrawn meanwhile)
        svc.sign_ins.end_sessions_of(session.staff_id)
        raise SignInRequired(wanted, expired=False)
    return Person(actor, session, session_id, Texts(language_of(request)))


PersonDep = Annotated[Person, Depends(signed_in)]


async def form_of(request: Request, person: Person) -> dict[str, str]:
    """The posted form's fields (the last value of each; lists: ``form_lists``), after
    checking this session's CSRF token (403 without it)."""
    form = await request.form()
    token = form.get("csrf")
    if not isinstance(token, str) or not same(token, person.csrf):
        raise PageProblem(403, "error.csrf")
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def form_lists(request: Request) -> dict[str, list[str]]:
    """Every value of each field (checkboxes, multiple selects); call after ``form_of``."""
    form = await request.form()
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            lists.setdefault(key, []).append(value)
    return lists


def render(request: Request, person: Person | None, template: str,
           status: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the person's texts, navigation and CSRF token."""
    texts = person.texts if person is not None else Texts(language_of(request))
    nav = [] if person is None else [
        {"href": path, "label": texts(key), "current": _current(request.url.path, path)}
        for page, path, key in NAV if person.may_see(page)]
    html = environment.get_template(template).render(
        t=texts, code=texts.code, lang=texts.language, person=person, nav=nav,
        csrf=person.csrf if person is not None else context.pop("csrf", ""),
        day=lambda v: formats.day(v, texts.language),
        moment=lambda v: formats.moment(v, texts.language),
        number=lambda v, places=0: formats.number(v, texts.language, places),
        path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def _current(path: str, href: str) -> bool:
    return path == href if href == "/" else path.startswith(href)


def redirect(to: str) -> RedirectResponse:
    """After a POST: see the result with a GET (303)."""
    return RedirectResponse(to, status_code=303)


def sign_in_redirect(wanted: str, expired: bool) -> RedirectResponse:
    target = "/anmelden?weiter=" + quote(wanted, safe="")
    if expired:
        target += "&abgelaufen=1"
    return RedirectResponse(target, status_code=303)


KEPT = "kept:"
"""The prefix of a form's fields kept through a sign-in (a session that timed out while
the form was being filled in)."""


async def kept_for_sign_in(request: Request, needed: SignInRequired) -> Response:
    """The sign-in page for a form posted without a valid session: the fields typed are
    kept in the sign-in form and offered for sending again once signed in (nothing is
    recorded before that: the new session's CSRF token is needed)."""
    from api.web.pages.sign_in import sign_in_page

    form = await request.form()
    kept = [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"]
    return sign_in_page(request, wanted=request.url.path, expired=needed.expired, kept=kept)


def services(request: Request) -> Services:
    return services_of(request)


PageHandler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """A page's route: refusals become pages (or the sign-in page), never JSON."""

    def get_route_handler(self) -> PageHandler:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            try:
                return await handle(request)
            except SignInRequired as e:
                if request.method == "POST" and e.expired:  # (typed, then timed out: kept;
                    return await kept_for_sign_in(request, e)  # a post from another
                    # site carries no cookie (SameSite=Strict), so it is never kept)
                return sign_in_redirect(e.wanted, e.expired)
            except PageProblem as e:
                return problem_page(request, e.status, e.key, **e.values)
            except Refusal as e:
                key = {403: "error.forbidden", 404: "error.not_found"}.get(e.status)
                if key is not None:
                    return problem_page(request, e.status, key)
                return problem_page(request, e.status, "error.refused", detail=e.detail)
            except (NotFound, CaseNotFound):
                return problem_page(request, 404, "error.not_found")
            except DomainError as e:
                return problem_page(request, 422, "error.refused", detail=e.message)
            except (HTTPException, RequestValidationError):
                raise  # (the app's handlers answer them, as for the API)
            except (StaleVersion, ConcurrencyConflict):
                return problem_page(request, 409, "error.conflict")
            except (OperationalError, InterfaceError):
                logger.warning("store unavailable on %s %s", request.method, request.url.path)
                return problem_page(request, 503, "error.unavailable")
            except Exception:  # a defect: logged, and a page in German, never JSON
                logger.exception("unexpected error on %s %s", request.method,
                                 request.url.path)
                return problem_page(request, 500, "error.unexpected")

        return page


def problem_page(request: Request, status: int, key: str, **values: Any) -> HTMLResponse:
    person: Person | None
    try:
        person = signed_in(request)
    except SignInRequired:
        person = None
    texts = person.texts if person is not None else Texts(language_of(request))
    return render(request, person, "problem.html", status=status,
                  title=texts(f"{key}.title"), message=texts(f"{key}.text", **values))
