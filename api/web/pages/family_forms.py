"""The Familie screen's forms: Kontakt erfassen, goals, referrals and their outcomes.

Each form builds the JSON API's command (``application/commands/casework.py``) and hands
it to the pipeline with the family's version it was made for (``expected_version``) and
the idempotency key drawn when it was rendered, so a double click records once. On an
error nothing is stored and the page comes back with everything typed: a rule broken
(pydantic's ``ValidationError``, a ``Refusal``, a ``DomainError``) next to its field, a
change by someone else meanwhile (``StaleVersion``) explained, with what they recorded
and the case as it stands now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.family_responses import MemberOut
from api.web.pages.base import (
    PageRoute,
    Person,
    PersonDep,
    form_lists,
    form_of,
    redirect,
    services,
)
from api.web.pages.family import CaseNumber, show
from api.web.pages.family_view import Family, Form, Forms, at, load
from application import policy
from application.cases import ConcurrencyConflict, StaleVersion
from application.commands.base import FamilyCommand
from application.commands.casework import (
    AchieveGoal,
    DropGoal,
    MakeReferral,
    RecordConsultation,
    RecordReferralOutcome,
    ReviseGoal,
    SetGoal,
)
from application.refusals import Refusal
from domain.errors import DomainError

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Position = Annotated[str, Path(max_length=6, pattern=r"^[0-9]+$")]
GENERAL = "_"  # (an error of the whole form, not of one field)
YES_NO = {"ja": True, "nein": False}
"""A yes-or-no choice of a form, as the command takes it."""
SECTIONS = {"goal": "#ziele", "referral": "#vermittlungen", "outcome": "#vermittlungen",
            "esf": "#esf", "case": "#abschluss", "member": "#haushalt",
            "consent": "#einwilligungen"}
"""Where the page opens after a save (its notice is there): a contact's is on top."""


class FormErrors(Exception):
    """Fields the form itself could not read (before a command was built)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class Reader:
    """Reads one posted form's fields into a command's values, collecting the fields it
    cannot read with their message keys."""

    def __init__(self, family: Family, form: Form) -> None:
        self.family, self.form, self.errors = family, form, dict[str, str]()

    def text(self, name: str) -> str | None:
        value = self.form.values.get(name, "").replace("\r\n", "\n").strip()
        return value or None

    def date(self, name: str) -> str | None:
        return self.text(name)

    def yes_no(self, name: str) -> bool | None:
        """A yes or no chosen from a list ("ja", "nein"; empty: not known)."""
        value = self.text(name)
        if value is None:
            return None
        if value not in YES_NO:
            self.errors[name] = "family.invalid.enum"
            return None
        return YES_NO[value]

    def numbered_member(self, position: str) -> MemberOut:
        """The member a form's address names by position (else the policy's 404)."""
        member = at(self.family.case.members, position)
        if member is None:
            raise policy.hidden()
        return member

    def day(self, name: str = "occurred_on") -> str | None:
        """A date the form must give (left empty, the command would take today)."""
        value = self.text(name)
        if value is None:
            self.errors[name] = "family.invalid.missing"
        return value

    def minutes(self, name: str) -> int | None:
        value = self.text(name)
        if value is None or not value.isdecimal():
            self.errors[name] = "family.invalid.minutes"
            return None
        return int(value)

    def members(self, name: str) -> list[Any]:
        chosen = [self.family.member_at(p) for p in self.form.lists.get(name, [])]
        if None in chosen:
            self.errors[name] = "family.invalid.member"
        return [m for m in chosen if m is not None]

    def member(self, name: str) -> Any:
        found = self.family.member_at(self.form.values.get(name, ""))
        if found is None:
            self.errors[name] = "family.invalid.member"
        return found

    def done(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)


Build = Callable[[Reader, str], FamilyCommand]


def _contact(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "occurred_on": r.date("occurred_on"),
              "duration_minutes": r.minutes("duration_minutes"), "mode": r.text("mode"),
              "topics": r.form.lists.get("topics", []),
              "members_present": r.members("members_present"),
              "location": r.text("location"), "notes": r.text("notes"),
              "next_follow_up_on": r.date("next_follow_up_on")}
    r.done()
    return RecordConsultation(**values)


def _goal(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "occurred_on": r.date("occurred_on"),
              "member_ids": r.members("member_ids"), "life_area": r.text("life_area"),
              "description": r.text("description") or "",
              "target_date": r.date("target_date")}
    r.done()
    return SetGoal(**values)


def _goal_id(r: Reader, position: str) -> Any:
    goal_id = r.family.goal_at(position)
    if goal_id is None:
        raise policy.hidden()
    return goal_id


def _revise(r: Reader, n: str) -> FamilyCommand:
    return ReviseGoal(family_id=r.family.family_id, goal_id=_goal_id(r, n),
                      occurred_on=r.date("occurred_on"), description=r.text("description"),
                      target_date=r.date("target_date"), reason=r.text("reason") or "")


def _achieved(r: Reader, n: str) -> FamilyCommand:
    return AchieveGoal(family_id=r.family.family_id, goal_id=_goal_id(r, n),
                       occurred_on=r.date("occurred_on"))


def _dropped(r: Reader, n: str) -> FamilyCommand:
    return DropGoal(family_id=r.family.family_id, goal_id=_goal_id(r, n),
                    occurred_on=r.date("occurred_on"), reason=r.text("reason") or "")


def _referral(r: Reader, _: str) -> FamilyCommand:
    values = {"family_id": r.family.family_id, "occurred_on": r.date("occurred_on"),
              "member_id": r.member("member_id"),
              "institution_type": r.text("institution_type"),
              "institution_name": r.text("institution_name") or "",
              "purpose": r.text("purpose"),
              "consent_confirmed": r.form.values.get("consent_confirmed") == "ja"}
    r.done()
    return MakeReferral(**values)


def _outcome(r: Reader, n: str) -> FamilyCommand:
    referral_id = r.family.referral_at(n)
    if referral_id is None:
        raise policy.hidden()
    return RecordReferralOutcome(family_id=r.family.family_id, referral_id=referral_id,
                                 occurred_on=r.date("occurred_on"), outcome=r.text("outcome"))


ALIASES = {"member_id": {"contact": "members_present", "goal": "member_ids"}}
"""A field the domain names, as the form calls it (where they differ)."""


def _field(name: str | None, form_id: str, fields: set[str]) -> str:
    if name is None:
        return GENERAL
    name = ALIASES.get(name, {}).get(form_id, name)
    return name if name in fields else GENERAL


def _message(person: Person, key: str, fallback: str) -> str:
    texts = person.texts
    return texts(key) if texts.has(key) else fallback


async def submit(request: Request, person: Person, case_number: str, form_id: str,
                 build: Build, position: str, saved: str, shown: str) -> Response:
    """Read the posted form, run its command; 303 to the family page, or the page again
    with the form as typed and why nothing was stored. (The reads and the command run in
    the thread pool, as a plain ``def`` route's would: they wait for the store.)"""
    values = await form_of(request, person)
    form = Form(form_id, values, await form_lists(request), posted=True,
                key=values.get("key", "")[:100])
    return await run_in_threadpool(_run, request, person, case_number, form, build,
                                   position, saved, shown)


def _run(request: Request, person: Person, case_number: str, form: Form, build: Build,
         position: str, saved: str, shown: str) -> Response:
    svc = services(request)
    form_id, values = form.id, form.values
    family = load(svc, person, case_number, log_as="POST /familien/{case_number}")
    if not policy.may(family.access.role, policy.Action.CASEWORK):
        raise policy.forbidden(family.access.role, policy.Action.CASEWORK)
    version = values.get("version", "")
    expected = int(version) if version.isdecimal() else 0
    fields = {*shown.split(), GENERAL}
    try:
        command = build(Reader(family, form), position)
        svc.pipeline.execute(command, person.actor, expected, form.key or None)
    except FormErrors as e:
        form.errors = {k: person.texts(v) for k, v in e.errors.items()}
    except ValidationError as e:
        for error in e.errors():
            name = _field(str(error["loc"][0]) if error["loc"] else None, form_id, fields)
            generic = _message(person, f"family.invalid.{error['type']}",
                               person.texts("family.invalid.generic"))
            form.errors.setdefault(name, _message(
                person, f"family.invalid_field.{name}.{error['type']}", generic))
    except (StaleVersion, ConcurrencyConflict):
        return _conflict(request, person, case_number, form, expected)
    except Refusal as e:
        if e.status in (403, 404):
            raise
        if e.status == 412:
            return _conflict(request, person, case_number, form, expected)
        form.errors[_field(e.field, form_id, fields)] = _message(
            person, f"family.rule.{e.rule}", person.texts("family.invalid.generic"))
    except DomainError as e:
        form.errors[_field(e.field, form_id, fields)] = _message(
            person, f"family.rule.{e.rule}", person.texts("family.invalid.generic"))
    else:
        return redirect(f"/familien/{family.case.case_number}?gespeichert={saved}"
                        f"{SECTIONS.get(saved.partition('_')[0], '')}")
    form.message = person.texts("family.not_saved")
    form.version = expected
    return show(request, person, family, Forms(form), status=422)


def _conflict(request: Request, person: Person, case_number: str, form: Form,
              expected: int) -> Response:
    svc = services(request)
    family = load(svc, person, case_number, log_as=None)
    form.conflict = True
    form.message = person.texts("family.conflict")
    since = [e for e in svc.cases.history(family.family_id) if e.version > expected]
    return show(request, person, family, Forms(form), status=409, since=since)


@router.post("/familien/{case_number}/kontakt")
async def record_contact(request: Request, person: PersonDep,
                         case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "contact", _contact, "", "contact",
                        "occurred_on duration_minutes mode topics members_present location "
                        "notes next_follow_up_on")


@router.post("/familien/{case_number}/ziele")
async def set_goal(request: Request, person: PersonDep, case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "goal", _goal, "", "goal",
                        "member_ids life_area description target_date occurred_on")


@router.post("/familien/{case_number}/ziele/{n}/ueberarbeiten")
async def revise_goal(request: Request, person: PersonDep, case_number: CaseNumber,
                      n: Position) -> Response:
    return await submit(request, person, case_number, f"goal-{n}-revise", _revise, n,
                        "goal_revised", "description target_date reason occurred_on")


@router.post("/familien/{case_number}/ziele/{n}/erreicht")
async def goal_achieved(request: Request, person: PersonDep, case_number: CaseNumber,
                        n: Position) -> Response:
    return await submit(request, person, case_number, f"goal-{n}-achieved", _achieved, n,
                        "goal_achieved", "occurred_on")


@router.post("/familien/{case_number}/ziele/{n}/aufgegeben")
async def goal_dropped(request: Request, person: PersonDep, case_number: CaseNumber,
                       n: Position) -> Response:
    return await submit(request, person, case_number, f"goal-{n}-dropped", _dropped, n,
                        "goal_dropped", "reason occurred_on")


@router.post("/familien/{case_number}/vermittlungen")
async def make_referral(request: Request, person: PersonDep,
                        case_number: CaseNumber) -> Response:
    return await submit(request, person, case_number, "referral", _referral, "", "referral",
                        "member_id institution_type institution_name purpose occurred_on "
                        "consent_confirmed")


@router.post("/familien/{case_number}/vermittlungen/{n}/ergebnis")
async def referral_outcome(request: Request, person: PersonDep, case_number: CaseNumber,
                           n: Position) -> Response:
    return await submit(request, person, case_number, f"referral-{n}-outcome", _outcome, n,
                        "outcome", "outcome occurred_on")


@router.get("/familien/{case_number}/{form:path}")
def form_path(case_number: CaseNumber, form: Annotated[str, Path(max_length=60)]) -> Response:
    """A form's address opened as a page (after signing in again, the sign-in page goes
    on to the address a timed-out form was sent to): the family's page."""
    return redirect(f"/familien/{case_number}")
