"""Projects and staff: who may work on which programme site, and in which role.

A project is one programme site (for example "WiQ Plus Krefeld" or "Familiencoaching
Gladbeck"); its code prefixes the case numbers. A staff member holds at most one role
per project. Staff authenticate with bearer tokens; the directory records only a
token's public id and the SHA-256 digest of its secret, never the secret itself.

One directory aggregate holds all projects and staff, so every change to them is an
event that says who made it and when, like every change to a family's case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import places, rules
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.places import PartnerRecord, PlaceRecord
from domain.retention import Casework, check_last_payment
from domain.values import InstitutionType, PlaceKind

DIRECTORY_ID = uuid5(NAMESPACE_URL, "lotse:staff-directory")
MAX_DISTRICTS = 100


class Role(StrEnum):
    """What a staff member may do in one project (see ``api/policy.py``)."""

    CASE_MANAGER = "case_manager"
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    REPORTING = "reporting"
    ADMIN = "admin"


@dataclass
class ProjectRecord:
    code: str
    name: str
    yearly_target: int | None
    added_at: datetime
    last_payment_on: date | None = None
    """The day of the programme's last payment to the project: its retention runs
    until five years after the end of that year (``domain/retention.py``)."""
    districts: tuple[str, ...] = ()
    """The project's districts (social spaces) an intake chooses from; empty: any."""
    places: dict[UUID, PlaceRecord] = field(default_factory=dict)
    partners: dict[UUID, PartnerRecord] = field(default_factory=dict)
    small_counts_hidden: bool = True
    """Whether reporting users see counts of fewer than five people as "< 5" in the
    social-space statistics (on unless a coordinator or admin turned it off)."""


@dataclass
class TokenRecord:
    token_id: str
    digest: str
    issued_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class StaffRecord:
    staff_id: str
    name: str | None
    added_at: datetime
    roles: dict[str, Role] = field(default_factory=dict)
    tokens: dict[str, TokenRecord] = field(default_factory=dict)


class StaffDirectory(Aggregate):
    """All projects and staff accounts of one Lotse installation."""

    class Started(Aggregate.Created):
        pass

    class DirectoryEvent(Aggregate.Event):
        recorded_by: str
        personal: ClassVar[tuple[str, ...]] = ()

    class ProjectAdded(DirectoryEvent):
        code: str
        name: str
        yearly_target: int | None

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.code] = ProjectRecord(
                self.code, self.name, self.yearly_target, self.timestamp)

    class LastPaymentRecorded(DirectoryEvent):
        """The programme made its last payment to the project on ``paid_on`` (a later
        record replaces an earlier one: a further payment, or a mistake corrected)."""

        project: str
        paid_on: date

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.project].last_payment_on = self.paid_on

    class DistrictsSet(DirectoryEvent):
        """The project's districts, in the order intake forms offer them (a later list
        replaces the earlier one)."""

        project: str
        districts: tuple[str, ...]

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.project].districts = self.districts

    class SmallCountsRuleSet(DirectoryEvent):
        """Whether reporting users of the project see counts of one to four people as
        "< 5" (``hidden``) or exactly, from now on."""

        project: str
        hidden: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.project].small_counts_hidden = self.hidden

    class PlaceFacts(DirectoryEvent):
        """What a place is (the fields of ``PlaceAdded`` and ``PlaceChanged``; never
        recorded itself, so ``isinstance`` tells an addition from a change)."""

        project: str
        place_id: UUID
        name: str
        kind: PlaceKind
        district: str | None

    class PlaceAdded(PlaceFacts):
        """A place where the project works (project data: names no person)."""

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.project].places[self.place_id] = PlaceRecord(
                self.place_id, self.name, self.kind, self.district, self.timestamp)

    class PlaceChanged(PlaceFacts):
        """A place's name, kind or district, as they are now."""

        def apply(self, aggregate: Any) -> None:
            found = aggregate.projects[self.project].places[self.place_id]
            found.name, found.kind, found.district = self.name, self.kind, self.district

    class PlaceRetired(DirectoryEvent):
        project: str
        place_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.project].places[self.place_id].retired_at = self.timestamp

    class PartnerFacts(DirectoryEvent):
        """What a partner is (the fields of ``PartnerAdded`` and ``PartnerChanged``)."""

        project: str
        partner_id: UUID
        name: str
        institution_type: InstitutionType
        contact_role: str | None
        district: str | None

    class PartnerAdded(PartnerFacts):
        """A partner institution with a function to ask for, never a person."""

        def apply(self, aggregate: Any) -> None:
            aggregate.projects[self.project].partners[self.partner_id] = PartnerRecord(
                self.partner_id, self.name, self.institution_type, self.contact_role,
                self.district, self.timestamp)

    class PartnerChanged(PartnerFacts):
        """A partner's name, type, contact role or district, as they are now."""

        def apply(self, aggregate: Any) -> None:
            found = aggregate.projects[self.project].partners[self.partner_id]
            found.name, found.institution_type = self.name, self.institution_type
            found.contact_role, found.district = self.contact_role, self.district

    class PartnerRetired(DirectoryEvent):
        project: str
        partner_id: UUID

        def apply(self, aggregate: Any) -> None:
            found = aggregate.projects[self.project].partners[self.partner_id]
            found.retired_at = self.timestamp

    class StaffAdded(DirectoryEvent):
        staff_id: str
        name: str | None
        personal = ("name",)

        def apply(self, aggregate: Any) -> None:
            aggregate.staff[self.staff_id] = StaffRecord(self.staff_id, self.name,
                                                         self.timestamp)

    class RoleGranted(DirectoryEvent):
        staff_id: str
        project: str
        role: Role

        def apply(self, aggregate: Any) -> None:
            aggregate.staff[self.staff_id].roles[self.project] = self.role

    class RoleWithdrawn(DirectoryEvent):
        staff_id: str
        project: str

        def apply(self, aggregate: Any) -> None:
            aggregate.staff[self.staff_id].roles.pop(self.project, None)

    class TokenIssued(DirectoryEvent):
        staff_id: str
        token_id: str
        digest: str

        def apply(self, aggregate: Any) -> None:
            aggregate.staff[self.staff_id].tokens[self.token_id] = TokenRecord(
                self.token_id, self.digest, self.timestamp)

    class TokenRevoked(DirectoryEvent):
        staff_id: str
        token_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.staff[self.staff_id].tokens[self.token_id].revoked_at = self.timestamp

    def __init__(self) -> None:
        self.projects: dict[str, ProjectRecord] = {}
        self.staff: dict[str, StaffRecord] = {}

    @classmethod
    def start(cls) -> StaffDirectory:
        return cls._create(cls.Started, id=DIRECTORY_ID)

    # ----- commands -------------------------------------------------------------------

    def add_project(self, *, code: str, name: str, yearly_target: int | None,
                    recorded_by: str) -> None:
        rules.project_code(code)
        name = rules.text(name, "name")
        if code in self.projects:
            raise RuleViolation("duplicate_project", f"project {code} exists already",
                                field="code", project=code)
        if yearly_target is not None and not 1 <= yearly_target <= 100_000:
            raise InvalidInput("target_out_of_range",
                               "the yearly target must lie between 1 and 100000 families",
                               field="yearly_target")
        self.trigger_event(self.ProjectAdded, code=code, name=name,
                           yearly_target=yearly_target, recorded_by=rules.staff_id(recorded_by))

    def record_last_payment(self, *, project: str, paid_on: date, recorded_by: str,
                            casework: Casework | None, today: date | None = None) -> None:
        """``casework``: the latest date of the project's casework, which the last
        payment may not lie before (``domain/retention.py``)."""
        found = self.project(project)
        rules.not_in_future(paid_on, today or rules.today_in_programme(), "paid_on")
        check_last_payment(project, paid_on, casework)
        if found.last_payment_on == paid_on:
            raise RuleViolation("nothing_changed", f"the last payment of {project} is "
                                f"recorded on {paid_on} already", field="paid_on",
                                project=project)
        self.trigger_event(self.LastPaymentRecorded, project=project, paid_on=paid_on,
                           recorded_by=rules.staff_id(recorded_by))

    def set_districts(self, *, project: str, districts: Sequence[str],
                      recorded_by: str) -> None:
        """The districts an intake in ``project`` chooses from (names, each once)."""
        found = self.project(project)
        names = tuple(rules.text(d, "districts") for d in districts)
        if not 1 <= len(names) <= MAX_DISTRICTS:
            raise InvalidInput("districts_out_of_range", f"name 1 to {MAX_DISTRICTS} "
                               "districts", field="districts", project=project)
        if len(set(names)) != len(names):
            raise InvalidInput("district_named_twice", "each district is named once",
                               field="districts", project=project)
        if found.districts == names:
            raise RuleViolation("nothing_changed", f"the districts of {project} are these "
                                "already", field="districts", project=project)
        self.trigger_event(self.DistrictsSet, project=project, districts=names,
                           recorded_by=rules.staff_id(recorded_by))

    def set_small_counts(self, *, project: str, hidden: bool, recorded_by: str) -> None:
        """Turn the "< 5" rule of ``project``'s statistics for reporting users on or off."""
        found = self.project(project)
        if found.small_counts_hidden == hidden:
            raise RuleViolation("nothing_changed", f"the small-counts rule of {project} is "
                                f"{'on' if hidden else 'off'} already", field="hidden",
                                project=project)
        self.trigger_event(self.SmallCountsRuleSet, project=project, hidden=hidden,
                           recorded_by=rules.staff_id(recorded_by))

    def place(self, *, project: str, place_id: UUID, name: str, kind: PlaceKind,
              district: str | None, recorded_by: str, new: bool) -> None:
        """Adds a place (``new``) or changes an active one to these values."""
        found = self.project(project)
        values = {"name": rules.text(name, "name"), "kind": PlaceKind(kind),
                  "district": places.district(district, found.districts, project)}
        if new:
            if place_id in found.places:
                raise RuleViolation("duplicate_place", "this place is recorded already",
                                    field="place_id", project=project)
            event: Any = self.PlaceAdded
        else:
            old = places.active_place(found.places, place_id, project)
            if (old.name, old.kind, old.district) == tuple(values.values()):
                raise RuleViolation("nothing_changed", "the place is like this already",
                                    field="name", project=project)
            event = self.PlaceChanged
        self.trigger_event(event, project=project, place_id=place_id, **values,
                           recorded_by=rules.staff_id(recorded_by))

    def retire_place(self, *, project: str, place_id: UUID, recorded_by: str) -> None:
        places.active_place(self.project(project).places, place_id, project)
        self.trigger_event(self.PlaceRetired, project=project, place_id=place_id,
                           recorded_by=rules.staff_id(recorded_by))

    def partner(self, *, project: str, partner_id: UUID, name: str,
                institution_type: InstitutionType, contact_role: str | None,
                district: str | None, recorded_by: str, new: bool) -> None:
        """Adds a partner (``new``) or changes an active one to these values."""
        found = self.project(project)
        values = {"name": rules.text(name, "name"),
                  "institution_type": InstitutionType(institution_type),
                  "contact_role": places.contact_role(contact_role),
                  "district": places.district(district, found.districts, project)}
        if new:
            if partner_id in found.partners:
                raise RuleViolation("duplicate_partner", "this partner is recorded already",
                                    field="partner_id", project=project)
            event: Any = self.PartnerAdded
        else:
            old = places.active_partner(found.partners, partner_id, project)
            if (old.name, old.institution_type, old.contact_role,
                    old.district) == tuple(values.values()):
                raise RuleViolation("nothing_changed", "the partner is like this already",
                                    field="name", project=project)
            event = self.PartnerChanged
        self.trigger_event(event, project=project, partner_id=partner_id, **values,
                           recorded_by=rules.staff_id(recorded_by))

    def retire_partner(self, *, project: str, partner_id: UUID, recorded_by: str) -> None:
        places.active_partner(self.project(project).partners, partner_id, project)
        self.trigger_event(self.PartnerRetired, project=project, partner_id=partner_id,
                           recorded_by=rules.staff_id(recorded_by))

    def add_staff(self, *, staff_id: str, name: str, project: str, role: Role,
                  recorded_by: str) -> None:
        self.project(project)
        if staff_id in self.staff:
            raise RuleViolation("duplicate_staff", f"staff id {staff_id} is taken",
                                staff_id=staff_id)
        self.trigger_event(self.StaffAdded, staff_id=staff_id, name=rules.text(name, "name"),
                           recorded_by=rules.staff_id(recorded_by))
        self.grant_role(staff_id=staff_id, project=project, role=role,
                        recorded_by=recorded_by)

    def grant_role(self, *, staff_id: str, project: str, role: Role,
                   recorded_by: str) -> None:
        """Give a staff member a role in a project, replacing the role they had there."""
        self.project(project)
        member = self.member(staff_id)
        if member.roles.get(project) == role:
            raise RuleViolation("nothing_changed", f"{staff_id} is {role} in {project} already",
                                field="role", staff_id=staff_id)
        self.trigger_event(self.RoleGranted, staff_id=staff_id, project=project,
                           role=Role(role), recorded_by=rules.staff_id(recorded_by))

    def withdraw_role(self, *, staff_id: str, project: str, recorded_by: str) -> None:
        if project not in self.member(staff_id).roles:
            raise NotFound("unknown_role", f"{staff_id} has no role in {project}",
                           field="project", staff_id=staff_id)
        self.trigger_event(self.RoleWithdrawn, staff_id=staff_id, project=project,
                           recorded_by=rules.staff_id(recorded_by))

    def issue_token(self, *, staff_id: str, token_id: str, digest: str,
                    recorded_by: str) -> None:
        self.member(staff_id)
        if self.owner_of(token_id) is not None:
            raise RuleViolation("duplicate_token", "token id is taken", token_id=token_id)
        self.trigger_event(self.TokenIssued, staff_id=staff_id, token_id=token_id,
                           digest=digest, recorded_by=rules.staff_id(recorded_by))

    def revoke_token(self, *, staff_id: str, token_id: str, recorded_by: str) -> None:
        token = self.member(staff_id).tokens.get(token_id)
        if token is None:
            raise NotFound("unknown_token", f"{staff_id} has no token {token_id}",
                           field="token_id", staff_id=staff_id)
        if not token.active:
            raise RuleViolation("token_revoked", f"token {token_id} is revoked already",
                                field="token_id", staff_id=staff_id)
        self.trigger_event(self.TokenRevoked, staff_id=staff_id, token_id=token_id,
                           recorded_by=rules.staff_id(recorded_by))

    # ----- queries --------------------------------------------------------------------

    def project(self, code: str) -> ProjectRecord:
        found = self.projects.get(code)
        if found is None:
            raise NotFound("unknown_project", f"there is no project {code!r}",
                           field="project", project=code)
        return found

    def member(self, staff_id: str) -> StaffRecord:
        found = self.staff.get(staff_id)
        if found is None:
            raise NotFound("unknown_staff", f"there is no staff member {staff_id!r}",
                           field="staff_id", staff_id=staff_id)
        return found

    def owner_of(self, token_id: str) -> StaffRecord | None:
        for member in self.staff.values():
            if token_id in member.tokens:
                return member
        return None

    def staff_ids(self) -> set[str]:
        return set(self.staff)
