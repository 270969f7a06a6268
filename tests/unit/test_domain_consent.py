"""Consent as events (issue 13, item 7): per purpose, given and withdrawn with dates; a
referral needs the consent for referrals in force on its date."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain import consent
from domain import events as ev
from domain.errors import DomainError, RuleViolation
from domain.family_case import FamilyCase
from domain.values import ConsentPurpose, InstitutionType
from tests.support.builders import INTAKE, child, intake_kwargs, parent

BY: dict[str, Any] = {"recorded_by": "cm-berk", "today": date(2026, 12, 31)}
REFERRALS = ConsentPurpose.REFERRAL_TO_PARTNERS
PHOTOS = ConsentPurpose.PHOTO_AND_MEDIA


def day(n: int) -> date:
    return INTAKE + timedelta(days=n)


def new_case(*purposes: str) -> FamilyCase:
    members = [parent(), child()]
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001", today=BY["today"],
                           **intake_kwargs(members, consent_purposes=list(purposes),
                                           consent_given_on=day(-3)))
    case.collect_events()
    return case


def refer(case: FamilyCase, on: date, confirmed: bool = True) -> None:
    parent_id = next(iter(case.state.members))
    case.make_referral(referral_id=uuid4(), member_id=parent_id,
                       institution_type=InstitutionType.DEBT_COUNSELLING,
                       institution_name="Schuldnerberatung", purpose=None,
                       consent_confirmed=confirmed, occurred_on=on, **BY)


def refused(case: FamilyCase, call: Any, rule: str, field: str) -> DomainError:
    version, before = case.version, copy.deepcopy(case.state)
    with pytest.raises(DomainError) as info:
        call()
    assert (info.value.rule, info.value.field) == (rule, field), str(info.value)
    assert case.collect_events() == []
    assert (case.version, case.state) == (version, before)
    return info.value


def test_the_intake_s_purposes_are_consents_given_on_the_day_of_consent() -> None:
    case = new_case("esf_reporting", "referral_to_partners", "esf_reporting")

    assert [(c.purpose, c.given, c.on, c.version) for c in case.state.consents] == [
        (ConsentPurpose.ESF_REPORTING, True, day(-3), 1), (REFERRALS, True, day(-3), 1)]
    assert consent.in_force(case.state.consents, REFERRALS, day(-3))
    assert not consent.in_force(case.state.consents, REFERRALS, day(-4))


def test_a_consent_is_given_withdrawn_and_given_again_each_on_its_day() -> None:
    case = new_case("esf_reporting")
    case.give_consent(purpose=PHOTOS, occurred_on=day(5), **BY)
    case.withdraw_consent(purpose=PHOTOS, occurred_on=day(20), **BY)
    case.give_consent(purpose=PHOTOS, occurred_on=day(30), **BY)

    events = case.collect_events()
    assert [(type(e), e.purpose, e.occurred_on) for e in events] == [
        (ev.ConsentGiven, PHOTOS, day(5)), (ev.ConsentWithdrawn, PHOTOS, day(20)),
        (ev.ConsentGiven, PHOTOS, day(30))]
    changes = case.state.consents
    assert [consent.in_force(changes, PHOTOS, day(n)) for n in (4, 5, 19, 20, 29, 30)] == [
        False, True, True, False, False, True]
    assert [c.purpose for c in consent.in_force_now(changes)] == [
        ConsentPurpose.ESF_REPORTING, PHOTOS]


def test_a_consent_in_force_cannot_be_given_again() -> None:
    case = new_case("esf_reporting", "referral_to_partners")

    err = refused(case, lambda: case.give_consent(purpose=REFERRALS, occurred_on=day(5), **BY),
                  "consent_already_given", "purpose")

    assert isinstance(err, RuleViolation)
    assert err.ids["purpose"] == "referral_to_partners"
    assert str(day(-3)) in err.message


def test_a_consent_not_in_force_cannot_be_withdrawn() -> None:
    case = new_case("esf_reporting")
    refused(case, lambda: case.withdraw_consent(purpose=PHOTOS, occurred_on=day(5), **BY),
            "consent_not_in_force", "purpose")
    case.give_consent(purpose=PHOTOS, occurred_on=day(5), **BY)
    case.withdraw_consent(purpose=PHOTOS, occurred_on=day(6), **BY)
    case.collect_events()
    refused(case, lambda: case.withdraw_consent(purpose=PHOTOS, occurred_on=day(7), **BY),
            "consent_not_in_force", "purpose")


def test_a_change_cannot_be_dated_before_the_last_change_of_its_purpose() -> None:
    case = new_case("esf_reporting")
    case.give_consent(purpose=PHOTOS, occurred_on=day(10), **BY)
    case.collect_events()

    err = refused(case, lambda: case.withdraw_consent(purpose=PHOTOS, occurred_on=day(9),
                                                      **BY),
                  "consent_change_before_last", "occurred_on")

    assert str(day(10)) in err.message
    case.withdraw_consent(purpose=PHOTOS, occurred_on=day(10), **BY)  # the same day is fine
    assert not consent.in_force(case.state.consents, PHOTOS, day(10))


def test_a_consent_may_be_withdrawn_from_a_closed_case() -> None:
    case = new_case("esf_reporting", "photo_and_media")
    case.close(reason="other", note=None, occurred_on=day(5), **BY)
    case.withdraw_consent(purpose=PHOTOS, occurred_on=day(8), **BY)
    assert type(case.collect_events()[-1]) is ev.ConsentWithdrawn


def test_a_referral_needs_the_consent_for_referrals_in_force_on_its_date() -> None:
    case = new_case("esf_reporting", "jobcenter_exchange")

    err = refused(case, lambda: refer(case, day(4)), "consent_missing", "occurred_on")
    assert err.ids["purpose"] == "referral_to_partners"
    assert "referral_to_partners" in err.message
    assert str(day(4)) in err.message

    case.give_consent(purpose=REFERRALS, occurred_on=day(5), **BY)
    case.collect_events()
    refused(case, lambda: refer(case, day(4)), "consent_missing", "occurred_on")
    refer(case, day(5))
    case.withdraw_consent(purpose=REFERRALS, occurred_on=day(10), **BY)
    case.collect_events()
    refused(case, lambda: refer(case, day(12)), "consent_missing", "occurred_on")
    refer(case, day(8))  # recorded late, made while the consent was in force
    assert [type(e) for e in case.collect_events()] == [ev.ReferralMade]


def test_the_case_manager_s_confirmation_is_still_needed_and_checked_first() -> None:
    case = new_case("esf_reporting")
    refused(case, lambda: refer(case, day(4), confirmed=False), "referral_without_consent",
            "consent_confirmed")


@pytest.mark.parametrize(("texts", "codes", "rest"), [
    (["ESF+ reporting"], ["esf_reporting"], []),
    (["ESF+ reporting", "referrals to partner institutions", "exchange with the Jobcenter"],
     ["esf_reporting", "referral_to_partners", "jobcenter_exchange"], []),
    (["  esf+   Reporting ", "esf_reporting"], ["esf_reporting"], []),
    (["Weitergabe an Frau Meier (Jugendamt)"], [], ["Weitergabe an Frau Meier (Jugendamt)"]),
    (["photo_and_media", "Fotos"], ["photo_and_media"], ["Fotos"]),
    (["ESF reporting and referrals"], [], ["ESF reporting and referrals"]),
])
def test_free_text_purposes_become_codes_only_where_they_name_one_exactly(
        texts: list[str], codes: list[str], rest: list[str]) -> None:
    assert consent.from_legacy(texts) == (codes, rest)
