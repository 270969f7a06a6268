"""A project's places and partner institutions: project data, not a family's.

Places are where the work happens (a family centre, a school, the quarter office,
online); partners are the institutions a project works and refers to. Both belong to
the staff directory (``domain/directory.py``), so each change is an event saying who
made it. A partner is an institution with a *function* to ask for ("Teamleitung
Eingliederung"), never a person: a command has no field for a name of their staff, and
a contact role that holds an e-mail address or a phone number is refused. A retired
place or partner stays listed (referrals name it) but takes no new work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from domain import rules
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.values import InstitutionType, PlaceKind

ROLE_MAX = 100
CONTACT_DETAILS = re.compile(r"@|\d[\d /()-]{5,}\d")
"""An e-mail address or a phone number: personal data of their staff, not a function."""


@dataclass
class PlaceRecord:
    place_id: UUID
    name: str
    kind: PlaceKind
    district: str | None
    added_at: datetime
    retired_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None


@dataclass
class PartnerRecord:
    partner_id: UUID
    name: str
    institution_type: InstitutionType
    contact_role: str | None
    district: str | None
    added_at: datetime
    retired_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.retired_at is None


def district(value: str | None, districts: tuple[str, ...], project: str) -> str | None:
    """A district of the project (any name while it has no list of districts)."""
    if value is None or not value.strip():
        return None
    name = rules.text(value, "district")
    if districts and name not in districts:
        raise InvalidInput("unknown_district", f"{name!r} is not one of the districts of "
                           f"{project}", field="district", project=project)
    return name


def contact_role(value: str | None) -> str | None:
    """A function to ask for at the partner, at most ``ROLE_MAX`` characters."""
    if value is None or not value.strip():
        return None
    role = rules.text(value, "contact_role", max_len=ROLE_MAX)
    if CONTACT_DETAILS.search(role):
        raise InvalidInput("contact_details_in_role", "the contact role names a function "
                           "(Teamleitung Eingliederung), not a person's e-mail address or "
                           "phone number", field="contact_role")
    return role


R = TypeVar("R", PlaceRecord, PartnerRecord)


def _active(records: dict[UUID, R], thing_id: UUID, project: str, kind: str) -> R:
    """The active record of ``thing_id`` (a place or partner of ``project``); refused as
    ``unknown_<kind>`` or ``<kind>_retired`` on the field ``<kind>_id``."""
    found = records.get(thing_id)
    if found is None:
        raise NotFound(f"unknown_{kind}", f"{project} has no {kind} {thing_id}",
                       field=f"{kind}_id", project=project)
    if not found.active:
        raise RuleViolation(f"{kind}_retired", f"the {kind} {found.name!r} is retired",
                            field=f"{kind}_id", project=project)
    return found


def active_place(places: dict[UUID, PlaceRecord], place_id: UUID,
                 project: str) -> PlaceRecord:
    return _active(places, place_id, project, "place")


def active_partner(partners: dict[UUID, PartnerRecord], partner_id: UUID,
                   project: str) -> PartnerRecord:
    return _active(partners, partner_id, project, "partner")
