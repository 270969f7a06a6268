"""Eintrag korrigieren: a fact of an earlier entry corrected from the Familie screen.

A contact, a goal, a referral, a member's ESF+ entry or exit (their latest stay) or the
intake's data: the page shows the facts that can be corrected (``domain.corrections.
CORRECTABLE``) with their values as they stand, the person changes what was wrong and
gives a reason. The changed fields become the JSON API's ``CorrectEntry`` (the entry
named by its id, the values of each field's own type), handed to the pipeline with the
family's version and the form's idempotency key: the entry itself stays as recorded, the
correction is an entry of its own, shown in the Verlauf with its reason. A value a field
cannot take is shown at that field, a correction that would break a rule between the
facts (an exit before the entry, say) above the form; nothing is stored then.

Entries are named by their position on the page (the n-th contact, goal, referral,
household member), as the other forms name them: no id appears in an address.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.family_responses import CaseOut
from api.web.formats import day
from api.web.pages.base import (
    PageRoute,
    Person,
    PersonDep,
    form_of,
    redirect,
    render,
    services,
)
from api.web.pages.family import CaseNumber
from api.web.pages.family_forms import YES_NO, Position
from api.web.pages.family_view import Family, Form, at, load, member_name, new_key
from application import policy
from application.cases import ConcurrencyConflict, StaleVersion
from application.commands.case import ChangeIn, CorrectEntry, Target
from application.refusals import Refusal
from domain.corrections import FUTURE_ALLOWED, OPTIONAL, parse_change
from domain.errors import DomainError
from domain.records import FieldChange
from domain.rules import today_in_programme
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    ContactMode,
    ExitStatus,
    InstitutionType,
    IscedBand,
    LabourMarketStatus,
    LifeArea,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
GENERAL = "_"
REASON_MAX = 10_000
What = Annotated[str, Path(pattern=r"^(kontakt|ziel|vermittlung|eintritt|austritt)$")]


@dataclass(frozen=True)
class Field:
    """A correctable fact as the form shows it: ``kind`` is ``date``, ``number``,
    ``text``, ``yes_no`` or the catalogue's kind of a code (its ``codes``)."""

    name: str
    label: str
    kind: str
    codes: Sequence[StrEnum] = ()

    @property
    def optional(self) -> bool:
        return self.name in OPTIONAL


def _code(name: str, label: str, kind: str, codes: type[StrEnum]) -> Field:
    return Field(name, label, kind, list(codes))


ENTRY_ITEMS = [
    _code("labour_market_status", "intake.labour_market_status", "labour_market_status",
          LabourMarketStatus),
    Field("unemployed_months", "intake.unemployed_months", "number"),
    _code("isced", "intake.isced", "isced_band", IscedBand),
    _code("citizenship", "intake.citizenship", "citizenship", Citizenship),
    *(_code(item, f"intake.{item}", "answer", Answer)
      for item in ("disability", "foreign_background", "minority", "homeless")),
    Field("rural", "intake.rural", "yes_no"),
]


@dataclass(frozen=True)
class Entry:
    """The entry a correction names: its target, title, fields and their values now."""

    target: Target
    event: str
    title: str
    fields: list[Field]
    values: dict[str, str]
    section: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _at(items: Sequence[Any], n: str) -> Any:
    found = at(items, n)
    if found is None:
        raise policy.hidden()
    return found


def _consultation(case: CaseOut, n: str, person: Person) -> Entry:
    c = _at(case.consultations, n)
    held = day(c.held_on, person.texts.language)
    return Entry(Target(kind="consultation", id=c.consultation_id), "ConsultationRecorded",
                 person.texts("family.correction.contact", on=held), [
        Field("occurred_on", "family.contact.on", "date"),
        Field("duration_minutes", "family.contact.duration", "number"),
        _code("mode", "family.contact.mode", "contact_mode", ContactMode),
        Field("next_follow_up_on", "family.contact.next_follow_up", "date")],
        {"occurred_on": _text(c.held_on), "duration_minutes": _text(c.duration_minutes),
         "mode": c.mode, "next_follow_up_on": _text(c.next_follow_up_on)}, "kontakte")


def _goal(case: CaseOut, n: str, person: Person) -> Entry:
    g = _at(case.goals, n)
    return Entry(Target(kind="goal", id=g.goal_id), "GoalSet",
                 person.texts("family.goals.goal", n=n), [
        _code("life_area", "family.goals.life_area", "life_area", LifeArea),
        Field("target_date", "family.goals.target", "date")],
        {"life_area": g.life_area, "target_date": _text(g.target_date)}, "ziele")


def _referral(case: CaseOut, n: str, person: Person) -> Entry:
    r = _at(case.referrals, n)
    return Entry(Target(kind="referral", id=r.referral_id), "ReferralMade",
                 person.texts("family.referrals.referral", n=n), [
        _code("institution_type", "family.referrals.institution_type", "institution_type",
              InstitutionType),
        Field("institution_name", "family.referrals.institution_name", "text")],
        {"institution_type": r.institution_type,
         "institution_name": _text(r.institution_name)}, "vermittlungen")


def _stay(case: CaseOut, n: str) -> Any:
    member = _at(case.members, n)
    stays = [p for p in case.participations if p.member_id == member.member_id]
    if not stays:
        raise policy.hidden()
    return member, stays[-1]


def _esf_entry(case: CaseOut, n: str, person: Person) -> Entry:
    member, p = _stay(case, n)
    return Entry(Target(kind="esf_entry", id=member.member_id), "ParticipantEntered",
                 person.texts("family.correction.esf_entry", name=_name(member, person)), [
        Field("occurred_on", "family.esf.entry_on", "date"), *ENTRY_ITEMS],
        {"occurred_on": _text(p.entered_on),
         **{f.name: _text(p.entry.get(f.name)) for f in ENTRY_ITEMS}}, "esf")


def _esf_exit(case: CaseOut, n: str, person: Person) -> Entry:
    member, p = _stay(case, n)
    if p.left_on is None:
        raise policy.hidden()
    return Entry(Target(kind="esf_exit", id=member.member_id), "ParticipantLeft",
                 person.texts("family.correction.esf_exit", name=_name(member, person)), [
        Field("occurred_on", "family.esf.exit_on", "date"),
        _code("status", "family.esf.exit_status", "exit_status", ExitStatus)],
        {"occurred_on": _text(p.left_on), "status": _text(p.exit_status)}, "esf")


def _intake(case: CaseOut, _: str, person: Person) -> Entry:
    return Entry(Target(kind="case", id=None), "CaseOpened",
                 person.texts("family.correction.intake"), [
        Field("district", "intake.district", "text"),
        Field("postal_code", "intake.postal_code", "text"),
        _code("access_route", "intake.access_route", "access_route", AccessRoute),
        _code("benefit_situation", "intake.benefit_situation", "benefit_situation",
              BenefitSituation)],
        {"district": case.district, "postal_code": case.postal_code,
         "access_route": case.access_route, "benefit_situation": case.benefit_situation},
        "")


def _name(member: Any, person: Person) -> str:
    return member_name(member) or person.texts("family.erased_names")


ENTRIES: dict[str, Callable[[CaseOut, str, Person], Entry]] = {
    "kontakt": _consultation, "ziel": _goal, "vermittlung": _referral,
    "eintritt": _esf_entry, "austritt": _esf_exit, "aufnahme": _intake}
"""The entries a correction may name, by the word of their address."""


def _family(request: Request, person: Person, case_number: str, log_as: str) -> Family:
    family = load(services(request), person, case_number, log_as=log_as)
    if not family.may_follow_up:  # (casework, the family's processing not restricted)
        raise policy.forbidden(family.access.role, policy.Action.CASEWORK)
    return family


def _page(request: Request, person: Person, family: Family, entry: Entry, form: Form,
          address: str, status: int = 200) -> HTMLResponse:
    districts = services(request).directory.project(family.case.project).districts
    return render(request, person, "family_correction.html", status=status, f=family,
                  case=family.case, entry=entry, fm=form, action=address, since=[],
                  staff_name=lambda _: "", districts=sorted(districts))


@router.get("/familien/{case_number}/korrektur/aufnahme", response_class=HTMLResponse)
def intake_page(request: Request, person: PersonDep, case_number: CaseNumber) -> Response:
    return _show(request, person, case_number, "aufnahme", "")


@router.get("/familien/{case_number}/korrektur/{what}/{n}", response_class=HTMLResponse)
def entry_page(request: Request, person: PersonDep, case_number: CaseNumber, what: What,
               n: Position) -> Response:
    return _show(request, person, case_number, what, n)


def _show(request: Request, person: Person, case_number: str, what: str,
          n: str) -> Response:
    family = _family(request, person, case_number,
                     "GET /familien/{case_number}/korrektur")
    entry = ENTRIES[what](family.case, n, person)
    form = Form("correction", dict(entry.values), posted=True, version=family.case.version)
    return _page(request, person, family, entry, form, _address(family, what, n))


def _address(family: Family, what: str, n: str) -> str:
    tail = what if what == "aufnahme" else f"{what}/{n}"
    return f"/familien/{family.case.case_number}/korrektur/{tail}"


@router.post("/familien/{case_number}/korrektur/aufnahme", response_class=HTMLResponse)
async def correct_intake(request: Request, person: PersonDep,
                         case_number: CaseNumber) -> Response:
    values = await form_of(request, person)
    return await run_in_threadpool(_correct, request, person, case_number, "aufnahme", "",
                                   values)


@router.post("/familien/{case_number}/korrektur/{what}/{n}", response_class=HTMLResponse)
async def correct_entry(request: Request, person: PersonDep, case_number: CaseNumber,
                        what: What, n: Position) -> Response:
    values = await form_of(request, person)
    return await run_in_threadpool(_correct, request, person, case_number, what, n, values)


def _correct(request: Request, person: Person, case_number: str, what: str, n: str,
             values: dict[str, str]) -> Response:
    svc = services(request)
    family = _family(request, person, case_number,
                     "POST /familien/{case_number}/korrektur")
    entry = ENTRIES[what](family.case, n, person)
    version = values.get("version", "")
    expected = int(version) if version.isdecimal() else 0
    form = Form("correction", values, posted=True, key=values.get("key", "")[:100] or new_key(),
                version=expected)
    changes, form.errors = _changes(entry, values, person)
    reason = (values.get("reason") or "").replace("\r\n", "\n").strip()
    if not reason:
        form.errors["reason"] = person.texts("family.correction.reason_missing")
    elif len(reason) > REASON_MAX:
        form.errors["reason"] = person.texts("family.invalid.string_too_long")
    if not changes and not form.errors:
        form.errors[GENERAL] = person.texts("family.correction.nothing_changed")
    if not form.errors:
        try:
            command = CorrectEntry(family_id=family.family_id, target=entry.target,
                                   changes=changes, reason=reason,
                                   occurred_on=today_in_programme())
            svc.pipeline.execute(command, person.actor, expected, form.key)
        except (StaleVersion, ConcurrencyConflict):
            form.conflict = True
            form.message = person.texts("family.correction.conflict")
        except Refusal as e:
            if e.status in (403, 404):
                raise
            if e.status == 412:
                form.conflict = True
                form.message = person.texts("family.correction.conflict")
            else:
                form.errors[GENERAL] = _rule(person, e.rule)
        except DomainError as e:
            form.errors[GENERAL] = _rule(person, e.rule)
        except ValidationError:
            form.errors[GENERAL] = person.texts("family.invalid.generic")
        else:
            return redirect(f"/familien/{family.case.case_number}?gespeichert=correction")
    if form.message is None:
        form.message = person.texts("family.not_saved")
    if form.conflict:  # the entry as it stands now: what the person changed is kept,
        family = load(svc, person, case_number, log_as=None)  # the other fields show
        form.version = None  # the values now, and the form is for this version
        entry = ENTRIES[what](family.case, n, person)
        for f in entry.fields:
            if not _differs(f, values.get(f.name), _shown(f, values, entry)):
                form.values[f.name] = entry.values[f.name]
            form.values[f"was_{f.name}"] = entry.values[f.name]
    return _page(request, person, family, entry, form, _address(family, what, n),
                 status=409 if form.conflict else 422)


def _shown(f: Field, values: dict[str, str], entry: Entry) -> str:
    """The value the form showed for ``f`` when it was made (its hidden ``was_`` field;
    the entry's value now if the form has none)."""
    return values.get(f"was_{f.name}", entry.values.get(f.name, ""))


def _differs(f: Field, typed: str | None, shown: str) -> bool:
    """Whether the person changed the field (a number by its value: 014 is 14)."""
    a, b = (typed or "").strip(), shown.strip()
    if f.kind == "number" and a.isdecimal() and b.isdecimal():
        return int(a) != int(b)
    return a != b


def _changes(entry: Entry, values: dict[str, str], person: Person
             ) -> tuple[list[ChangeIn], dict[str, str]]:
    """The fields the person changed on the form (against the values it showed, so that
    a form sent again after someone else's change sends only the person's own), as the
    command's changes (each of its own type), and the fields whose value the fact
    cannot take."""
    changes, errors = [], {}
    for f in entry.fields:
        typed = (values.get(f.name) or "").strip()
        if not _differs(f, typed, _shown(f, values, entry)):
            continue
        value: Any = typed or None
        try:
            if value is None and not f.optional:
                raise ValueError
            if value is not None:
                if f.kind == "yes_no":
                    value = YES_NO[value]
                parse_change(entry.event, FieldChange(f.name, _stored(value)))
                if f.kind == "number":
                    value = int(value)
                if (f.kind == "date" and f.name not in FUTURE_ALLOWED
                        and date.fromisoformat(value) > today_in_programme()):
                    errors[f.name] = person.texts("family.rule.date_in_future")
                    continue
        except (DomainError, ValueError, KeyError):
            errors[f.name] = person.texts(
                "family.invalid.missing" if value is None else FIELD_MESSAGES.get(
                    f.name, FIELD_MESSAGES.get(f.kind, "family.invalid.generic")))
            continue
        changes.append(ChangeIn(field=f.name, value=value))
    return changes, errors


def _stored(value: str | bool) -> str:
    """A value as a correction stores it (true/false for a yes or no)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


FIELD_MESSAGES = {"date": "family.invalid.date_parsing", "yes_no": "family.invalid.enum",
                  "duration_minutes": "family.invalid.minutes",
                  "unemployed_months": "family.invalid.months",
                  "postal_code": "intake.error.invalid_postal_code"}
"""The message of a value a field cannot take: by the field's name, else its kind."""


def _rule(person: Person, rule: str) -> str:
    key = f"family.rule.{rule}"
    return person.texts(key) if person.texts.has(key) else person.texts("family.invalid.generic")

