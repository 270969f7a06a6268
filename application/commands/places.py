"""A project's places and partner institutions (coordinators, admins): where the work
happens and whom a project refers to (``domain/places.py``). Fields are declared, so a
field for a person (a partner's staff member's name, e-mail, phone) is refused as an
unknown field: a partner has a contact *role* only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from pydantic import ConfigDict, Field

from application import policy
from application.commands.base import ProjectCommand, Route
from application.commands.fields import Name, NewId, Project
from domain.places import ROLE_MAX, PartnerRecord, PlaceRecord
from domain.values import InstitutionType, PlaceKind

if TYPE_CHECKING:
    from application.directory import Actor
    from application.idempotency import Receipt
    from application.pipeline import Pipeline

A = policy.Action
ContactRole = Field(default=None, max_length=ROLE_MAX, description=(
    "A function to ask for (no person's name, e-mail or phone)"),
    examples=["Teamleitung Eingliederung"])
District = Field(default=None, max_length=200, description=(
    "One of the project's districts, when it has a list"), examples=["Krefeld-Mitte"])


def place_answer(project: str, place: PlaceRecord) -> dict[str, Any]:
    return {"project": project, "place_id": str(place.place_id), "name": place.name,
            "kind": str(place.kind), "district": place.district, "active": place.active}


def partner_answer(project: str, partner: PartnerRecord) -> dict[str, Any]:
    return {"project": project, "partner_id": str(partner.partner_id), "name": partner.name,
            "institution_type": str(partner.institution_type),
            "contact_role": partner.contact_role, "district": partner.district,
            "active": partner.active}


class _PlaceCommand(ProjectCommand):
    action: ClassVar = A.MANAGE_PLACES
    project: Project
    place_id: UUID

    def answer(self, pipeline: Pipeline) -> dict[str, Any]:
        found = pipeline.directory.project(self.project).places[self.place_id]
        return place_answer(self.project, found)

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return self.answer(pipeline)


class AddPlace(_PlaceCommand):
    """Adds a place where the project works; its district is one of the project's
    districts once it has a list (``unknown_district``)."""

    route: ClassVar = Route("/projects/{project}/places", "Add a place where the project "
                            "works (coordinators, admins)", "PlaceIn", status=201,
                            tag="staff")
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Familienzentrum Westwall", "kind": "family_centre",
         "district": "Krefeld-Mitte"}]})

    place_id: NewId
    name: Name
    kind: PlaceKind
    district: str | None = District

    def facts(self) -> dict[str, Any]:
        return {"place_id": str(self.place_id)}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        """The place the first request added (a repeat has a new id of its own)."""
        first = self.model_copy(update={"place_id": UUID(receipt.facts["place_id"])})
        return first.answer(pipeline)

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        pipeline.directory.change(lambda d: d.place(
            project=self.project, place_id=self.place_id, name=self.name, kind=self.kind,
            district=self.district, recorded_by=actor.staff_id, new=True))
        return self.answer(pipeline)


class ChangePlace(_PlaceCommand):
    """A place's name, kind and district as they are now (all three are sent)."""

    route: ClassVar = Route("/projects/{project}/places/{place_id}", "Change a place "
                            "(coordinators, admins)", "PlaceChangeIn", tag="staff")
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Familienzentrum am Westwall", "kind": "family_centre",
         "district": "Krefeld-Mitte"}]})

    name: Name
    kind: PlaceKind
    district: str | None = District

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        pipeline.directory.change(lambda d: d.place(
            project=self.project, place_id=self.place_id, name=self.name, kind=self.kind,
            district=self.district, recorded_by=actor.staff_id, new=False))
        return self.answer(pipeline)


class RetirePlace(_PlaceCommand):
    """The project works there no more (the place stays listed, as retired)."""

    route: ClassVar = Route("/projects/{project}/places/{place_id}/retirement",
                            "Retire a place (coordinators, admins)", "PlaceRetireIn",
                            tag="staff")

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        pipeline.directory.change(lambda d: d.retire_place(
            project=self.project, place_id=self.place_id, recorded_by=actor.staff_id))
        return self.answer(pipeline)


class _PartnerCommand(ProjectCommand):
    action: ClassVar = A.MANAGE_PLACES
    project: Project
    partner_id: UUID

    def answer(self, pipeline: Pipeline) -> dict[str, Any]:
        found = pipeline.directory.project(self.project).partners[self.partner_id]
        return partner_answer(self.project, found)

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        return self.answer(pipeline)

    def _save(self, pipeline: Pipeline, actor: Actor, *, new: bool) -> dict[str, Any]:
        assert isinstance(self, AddPartner | ChangePartner)
        pipeline.directory.change(lambda d: d.partner(
            project=self.project, partner_id=self.partner_id, name=self.name,
            institution_type=self.institution_type, contact_role=self.contact_role,
            district=self.district, recorded_by=actor.staff_id, new=new))
        return self.answer(pipeline)


class AddPartner(_PartnerCommand):
    """Adds a partner institution with a contact role (a function, never a person)."""

    route: ClassVar = Route("/projects/{project}/partners", "Add a partner institution "
                            "(coordinators, admins)", "PartnerIn", status=201, tag="staff")
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Jobcenter Krefeld", "institution_type": "jobcenter",
         "contact_role": "Teamleitung Eingliederung", "district": "Krefeld-Mitte"}]})

    partner_id: NewId
    name: Name
    institution_type: InstitutionType
    contact_role: str | None = ContactRole
    district: str | None = District

    def facts(self) -> dict[str, Any]:
        return {"partner_id": str(self.partner_id)}

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        """The partner the first request added (a repeat has a new id of its own)."""
        first = self.model_copy(update={"partner_id": UUID(receipt.facts["partner_id"])})
        return first.answer(pipeline)

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        return self._save(pipeline, actor, new=True)


class ChangePartner(_PartnerCommand):
    """A partner's name, type, contact role and district as they are now (all sent)."""

    route: ClassVar = Route("/projects/{project}/partners/{partner_id}", "Change a partner "
                            "institution (coordinators, admins)", "PartnerChangeIn",
                            tag="staff")
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"name": "Jobcenter Krefeld", "institution_type": "jobcenter",
         "contact_role": "Beauftragte für Chancengleichheit am Arbeitsmarkt",
         "district": None}]})

    name: Name
    institution_type: InstitutionType
    contact_role: str | None = ContactRole
    district: str | None = District

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        return self._save(pipeline, actor, new=False)


class RetirePartner(_PartnerCommand):
    """The project no longer works with the partner: new referrals cannot name it."""

    route: ClassVar = Route("/projects/{project}/partners/{partner_id}/retirement",
                            "Retire a partner institution (coordinators, admins)",
                            "PartnerRetireIn", tag="staff")

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        pipeline.directory.change(lambda d: d.retire_partner(
            project=self.project, partner_id=self.partner_id, recorded_by=actor.staff_id))
        return self.answer(pipeline)
