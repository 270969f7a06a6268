"""Response bodies of commands, staff and projects, the read log and the probes (those of
``/families`` are in ``api/family_responses.py``): plain public shapes, never aggregates
or stored events."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class OfferAccepted(BaseModel):
    """The command on an offer was recorded. ``version`` (also the ``ETag``) is the
    offer's version after it; ``position`` its place in the event log."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "offer_id": "0b3f7c9e-2f56-4a55-9d0e-6c1d7f5a8e21", "version": 3, "position": 1834,
        "session_id": "5f0c2a7e-8b1d-4e9a-a3c4-2d6e1f9b0c37"}]})

    offer_id: UUID
    version: int
    position: int | None = None
    session_id: UUID | None = None


class CommandAccepted(BaseModel):
    """The command was recorded. ``version`` (also the ``ETag``) is the family's version
    after it; ``position`` is its place in the event log (for read-your-writes)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "family_id": "0b3f7c9e-2f56-4a55-9d0e-6c1d7f5a8e21", "version": 7, "position": 1834,
        "consultation_id": "5f0c2a7e-8b1d-4e9a-a3c4-2d6e1f9b0c37"}]})

    family_id: UUID
    version: int
    position: int | None = None
    case_number: str | None = None
    member_id: UUID | None = None
    member_ids: list[UUID] | None = None
    consultation_id: UUID | None = None
    goal_id: UUID | None = None
    referral_id: UUID | None = None


class ReadEntryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"read_at": "2026-11-21T09:30:00Z", "staff_id": "st-7c1d2e3f", "role": "auditor",
         "project": "KR", "family_id": "0b3f7c9e-2f56-4a55-9d0e-6c1d7f5a8e21",
         "endpoint": "GET /families/{id}/history"}]})

    read_at: datetime
    staff_id: str
    role: str
    project: str
    family_id: UUID
    endpoint: str
    token_id: str | None = Field(default=None, description="The reader's token used.")


class ReadLogPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ReadEntryOut]


class ProjectOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"code": "KR", "name": "WiQ Plus Krefeld", "yearly_target": 48,
         "your_role": "coordinator", "last_payment_on": "2027-03-15",
         "retention_ends_on": "2032-12-31", "districts": ["Krefeld-Mitte", "Krefeld-Süd"]}]})

    code: str
    name: str
    yearly_target: int | None
    your_role: str
    districts: list[str] = Field(default_factory=list, description=(
        "The districts an intake chooses from (empty: none set, any district is taken)."))
    last_payment_on: date | None = Field(None, description=(
        "The programme's last payment to the project, if recorded."))
    retention_ends_on: date | None = Field(None, description=(
        "The last day its documents are kept (CPR Art. 82): 31 December five years after "
        "the year of the last payment; personal data are erased from the next day."))


class RetentionOut(BaseModel):
    """A project's last payment and what follows from it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"project": "KR", "last_payment_on": "2027-03-15", "retention_ends_on": "2032-12-31",
         "erasure_due_from": "2033-01-01"}]})

    project: str
    last_payment_on: date
    retention_ends_on: date = Field(description="The last day the documents are kept.")
    erasure_due_from: date = Field(description="From this day personal data are erased "
                                   "(`lotse retention run`).")


class SmallCountsOut(BaseModel):
    """Whether reporting users see counts of one to four people as "< 5"."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"project": "KR",
                                                               "hidden": True}]})

    project: str
    hidden: bool


class DistrictsOut(BaseModel):
    """A project's districts, as an intake offers them."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"project": "KR", "districts": ["Krefeld-Mitte", "Krefeld-Süd"]}]})

    project: str
    districts: list[str]


class FiguresOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"project": "KR", "families": 61, "by_status": {"open": 44, "closed": 16, "erased": 1},
         "opened_by_year": {"2025": 23, "2026": 38}, "yearly_target": 48,
         "opened_this_year": 38, "case_managers": 4}]})

    project: str
    families: int
    by_status: dict[str, int]
    opened_by_year: dict[int, int]
    yearly_target: int | None = Field(description="Families to reach per year.")
    opened_this_year: int
    case_managers: int = Field(description="Case managers with open cases.")


class StaffOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"staff_id": "st-3f9a2c1b", "name": "Anna Schmidt", "roles": {"KR": "case_manager"},
         "active_tokens": ["9f3c0a1b2d4e"]}]})

    staff_id: str
    name: str | None
    roles: dict[str, str]
    active_tokens: list[str]


class IssuedTokenOut(BaseModel):
    """Shown once: only a hash of the token is stored. A repeat of the request (same
    Idempotency-Key) answers with ``token`` null."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"staff_id": "st-3f9a2c1b", "token_id": "9f3c0a1b2d4e",
         "token": "lotse_9f3c0a1b2d4e_4kq0n0ZtXv2hJ0Yt3cH8o7mB0aZr1s9QeLwY5uN6pXk"}]})

    staff_id: str
    token_id: str
    token: str | None


class MeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"staff_id": "st-3f9a2c1b", "name": "Anna Schmidt", "roles": {"KR": "case_manager"}}]})

    staff_id: str
    name: str | None
    roles: dict[str, str]


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    store: str | None = Field(default=None, examples=["sqlite"],
                              description="The store reached (readiness only).")


class SubmissionOut(BaseModel):
    """A submitted ESF+ report: the figures as recorded (each: total, women, men,
    non-binary, and where the rules have it, unknown)."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [{
        "project": "KR", "period": "2026-H1", "as": "now", "submitted_on": "2026-07-15",
        "submitted_by": "st-3f9a2c1b", "version": 1, "figures": {"EECO01": [12, 8, 4, 0]}}]})

    project: str
    period: str
    as_known: str = Field(alias="as")
    submitted_on: date
    submitted_by: str
    version: int
    figures: dict[str, list[int | None]]


class PlaceOut(BaseModel):
    """A place where a project works (retired ones stay listed, ``active`` false)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"project": "KR", "place_id": "6f1c5e7a-2b7d-4c43-9a59-0d7d5b0f3c11",
         "name": "Familienzentrum Westwall", "kind": "family_centre",
         "district": "Krefeld-Mitte", "active": True}]})

    project: str
    place_id: str
    name: str
    kind: str
    district: str | None
    active: bool


class PartnerOut(BaseModel):
    """A partner institution of a project: a function to ask for, never a person."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"project": "KR", "partner_id": "0b8e2f4c-7f43-4d52-8d0e-5c1f3a9e2b77",
         "name": "Jobcenter Krefeld", "institution_type": "jobcenter",
         "contact_role": "Teamleitung Eingliederung", "district": None, "active": True}]})

    project: str
    partner_id: str
    name: str
    institution_type: str
    contact_role: str | None
    district: str | None
    active: bool
