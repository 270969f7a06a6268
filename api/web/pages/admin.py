"""Verwaltung: an admin manages the staff of a project, by name.

The staff with their role, user name and active tokens (token ids only); forms to add a
staff member (``AddStaff``), change a role, set or reset a password (a generated one,
shown once: the admin never chooses it), issue a token (shown once) and revoke one
(``IssueToken``, ``RevokeToken``). Commands run through the pipeline with the form's
idempotency key; a role and a password have no command and go to the directory and the
sign-in store, after the same policy check, recording the admin as who did it.

A secret (token, password) is shown on the answer to the POST itself, never put in a
URL; every page is ``no-store``. A password, like a token, opens every project its
owner works in: only an admin of all of them sets it.
"""

from __future__ import annotations

import secrets
import unicodedata
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.web.pages.base import PageRoute, Person, PersonDep, form_of, redirect, render, services
from api.web.pages.field_errors import field_errors
from api.web.pages.project_choice import Chosen, choose, new_key
from api.web.staff_names import Colleague, colleagues, name_of
from application import policy
from application.commands.staff import AddStaff, IssueToken, RevokeToken
from application.refusals import Refusal
from domain.directory import Role
from domain.errors import DomainError, RuleViolation

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Short = Annotated[str | None, Query(max_length=100)]
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # (no 0/o, 1/l/i: read aloud, typed by hand)
DONE = ("rolle", "widerrufen")


def new_password() -> str:
    """Four groups of five: 100 bits, easy to read out and type."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(5)) for _ in range(4))


@router.get("/verwaltung", response_class=HTMLResponse)
def admin(request: Request, person: PersonDep, projekt: Short = None, erledigt: Short = None,
          wer: Short = None) -> Response:
    return admin_page(request, person, projekt, done=(erledigt, wer))


def admin_page(request: Request, person: Person, wanted: str | None, *,
               done: tuple[str | None, str | None] = (None, None), status: int = 200,
               form: dict[str, str] | None = None,
               errors: dict[str, str] | None = None) -> Response:
    svc = services(request)
    chosen = choose(person, policy.Page.ADMIN, wanted, svc.directory)
    staff = colleagues(svc.directory, chosen.code, person.texts)
    user_names = svc.sign_ins.user_names()
    tokens = {v.staff_id: v.active_tokens for v in svc.directory.staff(chosen.code)}
    what, who = done
    notice = None
    if what in DONE and who in tokens:
        notice = person.texts(f"admin.done.{what}", name=name_of(svc.directory, who,
                                                                 person.texts))
    return render(request, person, "admin.html", status=status, chosen=chosen, staff=staff,
                  user_names=user_names, tokens=tokens, roles=list(Role), notice=notice,
                  key=new_key(), form=form or {}, errors=errors or {})


async def _posted(request: Request, person: Person) -> tuple[dict[str, str], Chosen]:
    form = await form_of(request, person)
    chosen = choose(person, policy.Page.ADMIN, form.get("projekt") or None,
                    services(request).directory)
    policy.check_project(person.actor, policy.Action.MANAGE_STAFF, chosen.code)
    return form, chosen


def _member(request: Request, person: Person, chosen: Chosen,
            staff_id: str) -> Colleague | None:
    """The staff member of the chosen project with this id (None: not one of them)."""
    return next((c for c in colleagues(services(request).directory, chosen.code,
                                       person.texts) if c.staff_id == staff_id), None)


def _refused(request: Request, person: Person, chosen: Chosen, form: dict[str, str],
             error: Refusal | DomainError | ValidationError, fields: dict[str, str],
             default: str) -> Response:
    if isinstance(error, Refusal) and error.status == 403 and error.field is None:
        raise error
    return admin_page(request, person, chosen.code, status=422, form=form,
                      errors=field_errors(error, fields, person.texts, default))


def _shown_once(request: Request, person: Person, chosen: Chosen, *, title: str,
                name: str, user_name: str | None = None, secret: str | None,
                secret_label: str, hint: str) -> Response:
    return render(request, person, "admin_shown.html", status=200, chosen=chosen,
                  title=title, name=name, user_name=user_name, secret=secret,
                  secret_label=secret_label, hint=hint)


@router.post("/verwaltung/mitarbeitende", response_class=HTMLResponse)
async def add_staff(request: Request, person: PersonDep) -> Response:
    form, chosen = await _posted(request, person)
    t = person.texts
    name = form.get("neu_name", "").strip()
    if not name:
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"neu_name": t("admin.name_missing")})
    try:
        command = AddStaff(project=chosen.code, name=name, role=form.get("neu_rolle", ""))
        done = services(request).pipeline.execute(command, person.actor, None,
                                                  form.get("schluessel") or None)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, chosen, form, e,
                        {"name": "neu_name", "role": "neu_rolle"}, "neu_name")
    return _shown_once(request, person, chosen, title=t("admin.added"), name=name,
                       secret=done.body.get("token"), secret_label=t("admin.token"),
                       hint=t("admin.added_hint"))


@router.post("/verwaltung/rolle", response_class=HTMLResponse)
async def grant_role(request: Request, person: PersonDep) -> Response:
    form, chosen = await _posted(request, person)
    member = _member(request, person, chosen, form.get("rolle_person", ""))
    if member is None:
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"rolle_person": person.texts("admin.choose_person")})
    if member.staff_id == person.actor.staff_id:  # (no admin locks themselves out)
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"rolle_person": person.texts("admin.not_yourself")})
    try:
        role = Role(form.get("rolle_rolle", ""))
    except ValueError:
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"rolle_rolle": person.texts("admin.choose_role")})
    try:
        services(request).directory.grant_role(staff_id=member.staff_id, project=chosen.code,
                                               role=role, recorded_by=person.actor.staff_id)
    except RuleViolation as e:
        if e.rule != "nothing_changed":  # (a second click: it is so already)
            return _refused(request, person, chosen, form, e, {}, "rolle_rolle")
    except DomainError as e:
        return _refused(request, person, chosen, form, e, {}, "rolle_rolle")
    return _done(chosen, "rolle", member.staff_id)


@router.post("/verwaltung/passwort", response_class=HTMLResponse)
async def set_password(request: Request, person: PersonDep) -> Response:
    form, chosen = await _posted(request, person)
    svc, t = services(request), person.texts
    member = _member(request, person, chosen, form.get("pw_person", ""))
    if member is None:
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"pw_person": t("admin.choose_person")})
    roles = svc.directory.member(member.staff_id).roles
    if not set(roles) <= set(policy.projects_for(person.actor, policy.Action.MANAGE_STAFF)):
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"pw_person": t("admin.elsewhere")})
    user_name = (form.get("pw_benutzer", "").strip().lower()
                 or svc.sign_ins.user_name_of(member.staff_id) or suggested(member.name))
    password = new_password()
    try:
        svc.sign_ins.set_password(member.staff_id, user_name, password,
                                  set_by=person.actor.staff_id)
    except DomainError as e:
        return _refused(request, person, chosen, form, e, {"user_name": "pw_benutzer"},
                        "pw_benutzer")
    return _shown_once(request, person, chosen, title=t("admin.password_set"),
                       name=member.name, user_name=user_name, secret=password,
                       secret_label=t("admin.password"), hint=t("admin.password_hint"))


def suggested(name: str) -> str:
    """A user name from a person's name: ``Sabine Krüger`` → ``sabine.krueger``."""
    spelled = name.casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue") \
        .replace("ß", "ss")
    bare = "".join(c for c in unicodedata.normalize("NFKD", spelled)
                   if not unicodedata.combining(c))
    words = ["".join(c for c in w if c.isascii() and (c.isalnum() or c in "-_"))
             for w in bare.split()]
    return ".".join(w for w in words if w)[:50]


@router.post("/verwaltung/token", response_class=HTMLResponse)
async def issue_token(request: Request, person: PersonDep) -> Response:
    form, chosen = await _posted(request, person)
    t = person.texts
    member = _member(request, person, chosen, form.get("token_person", ""))
    if member is None:
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"token_person": t("admin.choose_person")})
    try:
        done = services(request).pipeline.execute(
            IssueToken(project=chosen.code, staff_id=member.staff_id), person.actor, None,
            form.get("schluessel") or None)
    except (Refusal, DomainError, ValidationError) as e:
        if isinstance(e, Refusal) and e.status == 403:
            return admin_page(request, person, chosen.code, status=422, form=form,
                              errors={"token_person": t("admin.elsewhere")})
        return _refused(request, person, chosen, form, e, {}, "token_person")
    return _shown_once(request, person, chosen, title=t("admin.token_issued"),
                       name=member.name, secret=done.body.get("token"),
                       secret_label=t("admin.token"), hint=t("admin.token_hint"))


@router.post("/verwaltung/token/widerrufen", response_class=HTMLResponse)
async def revoke_token(request: Request, person: PersonDep) -> Response:
    form, chosen = await _posted(request, person)
    member = _member(request, person, chosen, form.get("person", ""))
    if member is None:
        return admin_page(request, person, chosen.code, status=422, form=form,
                          errors={"widerrufen": person.texts("admin.choose_person")})
    try:
        services(request).pipeline.execute(
            RevokeToken(project=chosen.code, staff_id=member.staff_id,
                        token_id=form.get("token", "")), person.actor, None,
            form.get("schluessel") or None)
    except (Refusal, DomainError, ValidationError) as e:
        return _refused(request, person, chosen, form, e, {}, "widerrufen")
    return _done(chosen, "widerrufen", member.staff_id)


def _done(chosen: Chosen, what: str, who: str) -> Response:
    return redirect("/verwaltung?" + urlencode({"projekt": chosen.code, "erledigt": what,
                                                "wer": who}))
