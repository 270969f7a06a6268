"""The intake form as typed: read from the posted fields, checked, and turned into the
commands the pipeline runs (``OpenCase``, then one ``EnterParticipant`` per adult who
takes part in the ESF+ programme).

Everything stays text as typed, so a form shown again after a refusal keeps it; errors
are German messages by field name (``m0_given_name`` is the first person's given name).
Rules are the commands' own (pydantic and the domain); only what a form adds is checked
here: German dates, whole numbers, an ESF+ entry only for adults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from application.commands import EnterParticipant, OpenCase
from domain import rules
from domain.errors import DomainError
from domain.participation import check_entry
from domain.records import EntryData
from domain.values import MemberRole

MAX_MEMBERS = 20
GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
ENTRY = ("labour_market_status", "unemployed_months", "isced", "disability", "citizenship",
         "foreign_background", "minority", "homeless", "rural")


@dataclass
class MemberRow:
    given_name: str = ""
    family_name: str = ""
    birth_date: str = ""
    role: str = ""
    gender: str = ""
    esf: bool = False
    labour_market_status: str = ""
    unemployed_months: str = ""
    isced: str = ""
    disability: str = ""
    citizenship: str = ""
    foreign_background: str = ""
    minority: str = ""
    homeless: str = ""
    rural: str = ""


@dataclass
class IntakeForm:
    key: str
    project: str
    members: list[MemberRow]
    occurred_on: str
    consent_given_on: str
    consent_purposes: list[str] = field(default_factory=list)
    district: str = ""
    postal_code: str = ""
    street_address: str = ""
    access_route: str = ""
    benefit_situation: str = ""
    case_manager: str = ""
    via_offer_id: str = ""
    """With the access route ``social_space_offer``: the offer the family came through."""

    @classmethod
    def empty(cls, project: str, today: date) -> IntakeForm:
        typed = today.strftime("%d.%m.%Y")
        return cls(uuid4().hex, project, [MemberRow(role=MemberRole.PARENT.value)], typed, typed)

    @classmethod
    def posted(cls, form: dict[str, str], lists: dict[str, list[str]],
               project: str) -> IntakeForm:
        try:
            count = max(1, min(int(form.get("anzahl", "1")), MAX_MEMBERS))
        except ValueError:
            count = 1
        members = []
        for i in range(count):
            row = MemberRow(esf=form.get(f"m{i}_esf") == "ja")
            for f in fields(MemberRow):
                if f.name != "esf":
                    setattr(row, f.name, form.get(f"m{i}_{f.name}", "").strip())
            members.append(row)
        key = form.get("schluessel", "")
        return cls(key if re.fullmatch(r"[0-9a-f]{32}", key) else uuid4().hex, project,
                   members, form.get("occurred_on", "").strip(),
                   form.get("consent_given_on", "").strip(),
                   lists.get("consent_purposes", []),
                   **{name: form.get(name, "").strip() for name in (
                       "district", "postal_code", "street_address", "access_route",
                       "benefit_situation", "case_manager", "via_offer_id")})


Errors = dict[str, str]
"""Field name → the key of its message (``intake.error.<rule>``)."""


def parse_day(text: str) -> date | None:
    """``05.12.2026`` (or ``2026-12-05``); ``None`` if it is no date."""
    found = GERMAN_DATE.match(text)
    try:
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _day(text: str, name: str, errors: Errors, required: bool = True) -> date | None:
    if not text:
        if required:
            errors[name] = "missing"
        return None
    found = parse_day(text)
    if found is None:
        errors[name] = "date"
    return found


def _blank(value: str) -> str | None:
    return value or None


def intake_command(form: IntakeForm, errors: Errors) -> OpenCase | None:
    """The intake as a command, or ``None`` with ``errors`` filled."""
    occurred = _day(form.occurred_on, "occurred_on", errors)
    consented = _day(form.consent_given_on, "consent_given_on", errors)
    members: list[dict[str, Any]] = []
    for i, m in enumerate(form.members):
        for name in ("given_name", "family_name"):
            try:
                rules.text(getattr(m, name), name)
            except DomainError as e:
                errors[f"m{i}_{name}"] = e.rule
        born = _day(m.birth_date, f"m{i}_birth_date", errors, required=False)
        members.append({"role": m.role, "given_name": m.given_name,
                        "family_name": m.family_name, "birth_date": born,
                        "gender": _blank(m.gender)})
    data: dict[str, Any] = {
        "project": form.project, "members": members, "district": form.district,
        "postal_code": form.postal_code, "street_address": _blank(form.street_address),
        "access_route": form.access_route, "benefit_situation": form.benefit_situation,
        "consent_purposes": form.consent_purposes, "consent_given_on": consented,
        "case_manager": _blank(form.case_manager), "occurred_on": occurred,
        "via_offer_id": _blank(form.via_offer_id)}
    if form.postal_code:
        try:
            rules.postal_code(form.postal_code)
        except DomainError as e:
            errors["postal_code"] = e.rule
    try:
        command = OpenCase.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as e:
        for error in e.errors():
            name = field_of(error["loc"])
            errors.setdefault(name, pydantic_rule(error["type"]))
        command = None
    if not form.postal_code:
        errors["postal_code"] = "missing"
    if errors.get("consent_purposes") == "missing":
        errors["consent_purposes"] = "consent_missing"
    return None if errors else command


def entry_commands(form: IntakeForm, errors: Errors) -> dict[int, dict[str, Any]]:
    """The ESF+ entry of each member whose box is ticked (by row), checked by the entry's
    own rules before anything is stored; the member id comes with the intake's answer."""
    entries: dict[int, dict[str, Any]] = {}
    for i, m in enumerate(form.members):
        if not m.esf:
            continue
        if m.role == MemberRole.CHILD.value:
            errors[f"m{i}_esf"] = "esf_adults_only"
            continue
        months: int | None = None
        if m.unemployed_months:
            if not m.unemployed_months.isdecimal():
                errors[f"m{i}_unemployed_months"] = "whole_number"
                continue
            months = int(m.unemployed_months)
        rural = {"ja": True, "nein": False}.get(m.rural)
        values: dict[str, Any] = {name: _blank(getattr(m, name)) for name in ENTRY}
        values.update(unemployed_months=months, rural=rural)
        try:
            probe = EnterParticipant.model_validate(
                {"family_id": uuid4(), "member_id": uuid4(),
                 **{k: v for k, v in values.items() if v is not None}})
            check_entry(EntryData(**{name: getattr(probe, name) for name in ENTRY}))
        except ValidationError as e:
            for error in e.errors():
                errors.setdefault(f"m{i}_{error['loc'][0]}", pydantic_rule(error["type"]))
            continue
        except DomainError as e:
            errors[f"m{i}_{e.field or 'esf'}"] = e.rule
            continue
        entries[i] = {k: v for k, v in values.items() if v is not None}
    return entries


def entry_command(values: dict[str, Any], family_id: UUID, member_id: str,
                  occurred_on: date | None) -> EnterParticipant:
    return EnterParticipant.model_validate({**values, "family_id": family_id,
                                            "member_id": member_id,
                                            "occurred_on": occurred_on})


def field_of(loc: tuple[int | str, ...]) -> str:
    """The form's field of a pydantic error location (``members.0.role`` → ``m0_role``)."""
    if len(loc) >= 3 and loc[0] == "members":
        return f"m{loc[1]}_{loc[2]}"
    if loc and loc[0] == "members":
        return "members"
    return str(loc[0]) if loc else "form"


def pydantic_rule(kind: str) -> str:
    """The message key of a pydantic error type."""
    return {"missing": "missing", "string_too_short": "missing", "too_short": "missing",
            "enum": "choose", "literal_error": "choose", "string_too_long": "text_too_long",
            "int_parsing": "whole_number", "greater_than_equal": "out_of_range",
            "less_than_equal": "out_of_range", "too_long": "too_many",
            "date_from_datetime_parsing": "date", "date_parsing": "date"}.get(kind, "check")
