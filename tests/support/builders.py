"""Small builders for test data: a fictional household and a complete ESF+ entry."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from application.cases import FamilyCases
from application.commands import OpenCase
from application.views import OpenedCase
from domain.records import EntryData, MemberData
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    Gender,
    IscedBand,
    LabourMarketStatus,
    MemberRole,
)

INTAKE = date(2026, 3, 2)
CONSENTS = ["esf_reporting", "referral_to_partners"]  # a referral needs the second


def parent(given: str = "Amira", family: str = "Okonkwo-Brandt",
           born: date = date(1991, 5, 17), gender: Gender = Gender.FEMALE) -> MemberData:
    return MemberData(uuid4(), MemberRole.PARENT, given, family, born, gender)


def child(given: str = "Noah", family: str = "Okonkwo-Brandt",
          born: date = date(2019, 9, 3)) -> MemberData:
    return MemberData(uuid4(), MemberRole.CHILD, given, family, born, Gender.MALE)


def entry(status: LabourMarketStatus = LabourMarketStatus.UNEMPLOYED,
          months: int | None = 14) -> EntryData:
    if status is not LabourMarketStatus.UNEMPLOYED:
        months = None
    return EntryData(status, months, IscedBand.ISCED_3_4, Answer.NO, Citizenship.THIRD_COUNTRY,
                     Answer.YES, Answer.DECLINED, Answer.NO, False)


def intake_kwargs(members: list[MemberData] | None = None, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        project="KR", members=members or [parent(), child()], district="Krefeld-Mitte",
        postal_code="47798", street_address="Westwall 12", access_route=AccessRoute.KITA,
        benefit_situation=BenefitSituation.SGB_II, consent_purposes=CONSENTS,
        consent_given_on=INTAKE, case_manager="cm-anna", occurred_on=INTAKE,
        recorded_by="cm-anna")
    values.update(overrides)
    return values


def open_case(app: FamilyCases, members: list[MemberData] | None = None,
              **overrides: Any) -> tuple[OpenedCase, list[MemberData]]:
    members = members or [parent(), child()]
    return run_intake(app, **intake_kwargs(members, **overrides)), members


def run_intake(app: FamilyCases, **values: Any) -> OpenedCase:
    """An intake from keyword values (as ``intake_kwargs`` makes them), recorded by
    their ``recorded_by``."""
    recorded_by = values.pop("recorded_by")
    opened = app.handle(OpenCase(**values), recorded_by=recorded_by)
    assert isinstance(opened, OpenedCase)
    return opened


def first_parent_id(members: list[MemberData]) -> UUID:
    return next(m.member_id for m in members if m.role is MemberRole.PARENT)
