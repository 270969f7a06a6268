"""Aufnahme: a new family in one form, for case managers and coordinators.

The household (one row per person; "weitere Person" shows the form again with one more
row, keeping what was typed), consent, where the family lives (the district chosen
from the project's list), how it came, and the ESF+ entry of each adult who takes part.
A coordinator chooses the case manager by name. On sending, the intake goes through the
pipeline, then each ESF+ entry names the member ids of the intake's answer; then the
family's page. Each rendering of the form carries an idempotency key: sending it twice
opens one case.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.web.i18n import Texts
from api.web.pages.base import (
    PageRoute,
    Person,
    PersonDep,
    form_lists,
    form_of,
    redirect,
    render,
    services,
)
from api.web.pages.intake_form import (
    MAX_MEMBERS,
    Errors,
    IntakeForm,
    MemberRow,
    entry_command,
    entry_commands,
    intake_command,
    parse_day,
)
from api.web.pages.offer_views import project_offers
from application import policy
from application.refusals import Refusal
from domain.directory import Role
from domain.errors import DomainError
from domain.rules import today_in_programme
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    ConsentPurpose,
    Gender,
    IscedBand,
    LabourMarketStatus,
    MemberRole,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FIELDS = frozenset({"occurred_on", "consent_given_on", "consent_purposes", "district",
                    "postal_code", "street_address", "access_route", "benefit_situation",
                    "case_manager", "members", "via_offer_id"})
CODES = {"role": ("member_role", MemberRole), "gender": ("gender", Gender),
         "access_route": ("access_route", AccessRoute),
         "benefit_situation": ("benefit_situation", BenefitSituation),
         "labour_market_status": ("labour_market_status", LabourMarketStatus),
         "isced": ("isced_band", IscedBand), "citizenship": ("citizenship", Citizenship),
         "answer": ("answer", Answer), "consent_purpose": ("consent_purpose", ConsentPurpose)}
"""A select's options: the form's name → (the codes' kind in the catalogue, the codes)."""


def _project(person: Person, wanted: str | None) -> tuple[str, dict[str, Role]]:
    projects = policy.check_page(person.actor, policy.Page.INTAKE)
    return (wanted if wanted in projects else sorted(projects)[0]), projects


ORDER = ("members", "consent_purposes", "consent_given_on", "district", "postal_code",
         "street_address", "access_route", "via_offer_id", "benefit_situation",
         "case_manager", "occurred_on")


def _position(name: str) -> tuple[int, int, str]:
    """Where a field stands in the form (the list of errors follows it)."""
    row = re.fullmatch(r"m(\d+)_\w+", name)
    if row:
        return (1, int(row.group(1)), "")
    return (0 if name == "members" else 2, ORDER.index(name) if name in ORDER else 99, name)


def _label(t: Texts, name: str) -> str:
    """The label of a form field, for the list of errors above the form."""
    row = re.fullmatch(r"m(\d+)_(\w+)", name)
    if row:
        shown = "esf_takes_part" if row.group(2) == "esf" else row.group(2)
        return f"{t('intake.person', number=int(row.group(1)) + 1)}, {t('intake.' + shown)}"
    key = {"members": "intake.household_label", "consent_purposes": "intake.consent_label"}.get(
        name, f"intake.{name}")
    return t(key) if t.has(key) else t("intake.title")


def _records_entries(projects: dict[str, Role], project: str) -> bool:
    """ESF+ entries are casework: a coordinator's intake leaves them to the case
    manager (the form does not offer them)."""
    return policy.may(projects[project], policy.Action.CASEWORK)


def _show(request: Request, person: Person, form: IntakeForm, projects: dict[str, Role],
          errors: Errors | None = None, problem: str | None = None, status: int = 200,
          added: bool = False) -> HTMLResponse:
    svc = services(request)
    t = person.texts
    project = svc.directory.project(form.project)
    managers = None
    if projects[form.project] is not Role.CASE_MANAGER:
        managers = sorted(((s.staff_id, s.name or t("intake.unnamed")) for s in
                           svc.directory.staff(form.project)
                           if s.roles.get(form.project) is Role.CASE_MANAGER),
                          key=lambda m: m[1])
    errors = dict(errors or {})
    if project.districts and errors.get("district") == "missing":
        errors["district"] = "choose"
    shown = {k: t(f"intake.error.{v}") if t.has(f"intake.error.{v}")
             else t("intake.error.check") for k, v in errors.items()}
    summary = [(k, f"{_label(t, k)}: {shown[k]}") for k in sorted(shown, key=_position)]
    labelled = {name: [(c.value, t.code(kind, c)) for c in codes]
                for name, (kind, codes) in CODES.items()}
    return render(request, person, "intake.html", status=status, form=form, errors=shown,
                  problem=problem, labelled=labelled, added=added, summary=summary,
                  esf=_records_entries(projects, form.project),
                  yes_no=[("ja", t.code("answer", "yes")), ("nein", t.code("answer", "no"))],
                  districts=bool(project.districts),
                  districts_labelled=[(d, d) for d in project.districts], managers=managers,
                  projects=[(code, svc.directory.project(code).name)
                            for code in sorted(projects)],
                  project_name=project.name, max_members=MAX_MEMBERS,
                  offers=[(str(o.id), o.title) for o in project_offers(svc, form.project)
                          if o.ended_on is None or str(o.id) == form.via_offer_id])


@router.get("/aufnahme", response_class=HTMLResponse)
def intake_page(request: Request, person: PersonDep,
                projekt: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    project, projects = _project(person, projekt)
    return _show(request, person, IntakeForm.empty(project, today_in_programme()), projects)


@router.post("/aufnahme", response_class=HTMLResponse)
async def intake_sent(request: Request, person: PersonDep) -> Response:
    fields = await form_of(request, person)
    project, projects = _project(person, fields.get("project"))
    form = IntakeForm.posted(fields, await form_lists(request), project)
    if not _records_entries(projects, project):
        for member in form.members:
            member.esf = False
    if fields.get("aktion") == "weitere_person":
        if len(form.members) < MAX_MEMBERS:
            form.members.append(MemberRow())
        return _show(request, person, form, projects, added=True)
    errors: Errors = {}
    command = intake_command(form, errors)
    entries = entry_commands(form, errors)
    if command is None or errors:
        return _show(request, person, form, projects, errors, status=422)
    pipeline = services(request).pipeline
    try:
        opened = pipeline.execute(command, person.actor, None, f"{form.key}:aufnahme")
    except (Refusal, DomainError) as e:
        return _refused(request, person, form, projects, e)
    number, family_id = opened.body["case_number"], opened.family_id
    assert family_id is not None
    failed: list[str] = []
    for row, values in entries.items():
        member = form.members[row]
        entry = entry_command(values, family_id, opened.body["member_ids"][row],
                              parse_day(form.occurred_on))
        try:
            pipeline.execute(entry, person.actor, None, f"{form.key}:esf:{row}")
        except (Refusal, DomainError):
            failed.append(f"{member.given_name} {member.family_name}")
    if failed:
        return render(request, person, "intake_partial.html", status=422,
                      case_number=number, failed=failed)
    return redirect(f"/familien/{number}")


def _refused(request: Request, person: Person, form: IntakeForm, projects: dict[str, Role],
             e: Refusal | DomainError) -> HTMLResponse:
    """The pipeline's refusal next to its field (or above the form, with no field)."""
    if isinstance(e, Refusal) and e.status in (403, 404):
        raise e
    rule, name = e.rule, e.field
    if name in ("given_name", "family_name", "birth_date"):
        name = "members"
    if name in FIELDS:
        return _show(request, person, form, projects, {name: rule}, status=422)
    key = f"intake.error.{rule}"
    problem = person.texts(key) if person.texts.has(key) else person.texts("intake.not_saved")
    return _show(request, person, form, projects, {}, problem, status=422)
