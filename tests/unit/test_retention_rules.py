"""Retention (CPR Art. 82) and the restriction of a family that asked for erasure during
it (GDPR Art. 17(3)(b), Art. 18), in the domain: the dates, which erasures retention
allows, and a restricted case that takes nothing but its erasure."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.directory import StaffDirectory
from domain.errors import DomainError, InvalidInput, RuleViolation
from domain.family_case import FamilyCase
from domain.records import ErasureRequest, FieldChange
from domain.retention import (
    Casework,
    check_erasure,
    check_request,
    erasure_due_from,
    latest_casework,
    request_basis,
    retention_ended,
    retention_ends_on,
)
from domain.values import ConsentPurpose, ContactMode, ErasureBasis, Topic
from tests.support.builders import INTAKE, intake_kwargs
from tests.unit.test_domain_rules import ALL, BY, LATER, busy_case, closed_case, day, refused, run

B = ErasureBasis
REQUEST = ErasureRequest(date(2029, 5, 2), B.ART17_REQUEST, 12)


@pytest.mark.parametrize(("paid", "ends", "due"), [
    (date(2027, 3, 15), date(2032, 12, 31), date(2033, 1, 1)),
    (date(2027, 1, 1), date(2032, 12, 31), date(2033, 1, 1)),
    (date(2027, 12, 31), date(2032, 12, 31), date(2033, 1, 1)),
    (date(2028, 2, 29), date(2033, 12, 31), date(2034, 1, 1)),
])
def test_retention_ends_on_31_december_five_years_after_the_year_of_the_last_payment(
        paid: date, ends: date, due: date) -> None:
    assert (retention_ends_on(paid), erasure_due_from(paid)) == (ends, due)
    assert not retention_ended(paid, ends)  # the last day of retention: still kept
    assert retention_ended(paid, due)


@settings(max_examples=60, deadline=None)
@given(paid=st.dates(date(2000, 1, 1), date(2090, 12, 31)),
       today=st.dates(date(2000, 1, 1), date(2100, 12, 31)))
def test_erasure_is_due_exactly_from_the_day_after_retention_ends(paid: date,
                                                                 today: date) -> None:
    ends = retention_ends_on(paid)
    assert (ends.month, ends.day, ends.year) == (12, 31, paid.year + 5)
    assert erasure_due_from(paid) == ends + timedelta(days=1)
    assert retention_ended(paid, today) == (today > ends)
    assert not retention_ended(None, today)


@pytest.mark.parametrize("basis", [B.UNLAWFULLY_RECORDED, B.AUTHORITY_ORDER])
@pytest.mark.parametrize("paid", [None, date(2027, 3, 15)])
def test_unlawful_data_and_an_authority_order_are_erased_at_once(basis: ErasureBasis,
                                                                 paid: date | None) -> None:
    check_erasure(basis, paid, None, date(2028, 1, 1))
    check_erasure(basis, paid, REQUEST, date(2028, 1, 1))


@pytest.mark.parametrize("basis", [B.ART17_REQUEST, B.RETENTION_ENDED,
                                   B.RETENTION_ENDED_AFTER_REQUEST])
def test_retention_overrides_a_request_and_the_end_of_retention_must_have_come(
        basis: ErasureBasis) -> None:
    paid = date(2027, 3, 15)
    for last, today in ((None, date(2040, 1, 1)), (paid, date(2032, 12, 31))):
        with pytest.raises(RuleViolation) as refused_:
            check_erasure(basis, last, REQUEST, today)
        assert (refused_.value.rule, refused_.value.field) == ("retention_running",
                                                               "legal_basis")
    check_erasure(basis, paid, REQUEST, date(2033, 1, 1))
    with pytest.raises(RuleViolation) as without_request:
        check_erasure(basis, paid, None, date(2032, 6, 1))
    assert "2032-12-31" in without_request.value.message
    assert "erasure-request" in without_request.value.message  # where a request goes


def test_an_erasure_after_a_request_needs_the_request() -> None:
    with pytest.raises(RuleViolation) as refused_:
        check_erasure(B.RETENTION_ENDED_AFTER_REQUEST, date(2020, 1, 1), None,
                      date(2026, 1, 1))
    assert refused_.value.rule == "no_erasure_request"


def test_a_request_is_recorded_while_retention_runs_and_only_then() -> None:
    check_request(None, date(2040, 1, 1))
    check_request(date(2027, 3, 15), date(2032, 12, 31))
    with pytest.raises(RuleViolation) as refused_:
        check_request(date(2027, 3, 15), date(2033, 1, 1))
    assert refused_.value.rule == "retention_ended"
    assert request_basis("art17_request") is B.ART17_REQUEST
    for other in ("unlawfully_recorded", "retention_ended", "Löschantrag von Frau M."):
        with pytest.raises(InvalidInput) as bad:
            request_basis(other)
        assert (bad.value.rule, bad.value.field) == ("not_a_request_basis", "legal_basis")


# ----- the last payment comes after the casework --------------------------------------


def test_the_latest_casework_is_the_latest_family_event_as_corrected_rights_aside() -> None:
    """Every event of the family counts by its date, a corrected date instead of the
    original; a request for erasure, a consent withdrawn, the erasure and the date of a
    correction itself may come after the last payment and do not."""
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0007", today=LATER,
                           **intake_kwargs())
    assert latest_casework(case.collect_events()) == (INTAKE, "CaseOpened")
    case.record_consultation(consultation_id=uuid4(), duration_minutes=30,
                             mode=ContactMode.OFFICE, topics=[Topic.HEALTH],
                             members_present=[], location=None, notes=None,
                             next_follow_up_on=None, occurred_on=day(8), **BY)
    held = case.version
    events = case.collect_events()
    assert latest_casework(events) == (day(8), "ConsultationRecorded")
    for corrected in (day(20), day(5)):  # later, then earlier than recorded
        case.correct(corrected_version=held, reason="typo", occurred_on=day(40), **BY,
                     changes=[FieldChange("occurred_on", corrected.isoformat())])
        events += case.collect_events()
        assert latest_casework(events) == (max(corrected, INTAKE), "ConsultationRecorded")
    case.withdraw_consent(purpose=ConsentPurpose.REFERRAL_TO_PARTNERS, occurred_on=day(50),
                          **BY)
    case.request_erasure(legal_basis=B.ART17_REQUEST, note=None, occurred_on=day(60), **BY)
    case.record_personal_data_erased(legal_basis=B.UNLAWFULLY_RECORDED, note=None,
                                     occurred_on=day(70), **BY)
    events += case.collect_events()
    assert latest_casework(events) == (day(5), "ConsultationRecorded")
    assert latest_casework([]) is None


@settings(max_examples=30, deadline=None)
@given(paid=st.dates(date(2015, 1, 1), date(2026, 12, 31)),
       casework=st.none() | st.dates(date(2015, 1, 1), date(2026, 12, 31)))
def test_a_last_payment_before_the_latest_casework_is_refused_and_nothing_recorded(
        paid: date, casework: date | None) -> None:
    directory = StaffDirectory.start()
    directory.add_project(code="KR", name="WiQ Plus", yearly_target=None, recorded_by="t")
    directory.collect_events()
    latest = None if casework is None else Casework(casework, "KR-2026-0003",
                                                     "ConsultationRecorded")

    def record() -> None:
        directory.record_last_payment(project="KR", paid_on=paid, recorded_by="t",
                                      casework=latest, today=date(2026, 12, 31))

    if casework is None or paid >= casework:
        record()
        assert directory.project("KR").last_payment_on == paid
        return
    with pytest.raises(RuleViolation) as refused_:
        record()
    error = refused_.value
    assert (error.rule, error.field) == ("payment_before_casework", "paid_on")
    assert f"family KR-2026-0003 has an entry dated {casework}" in error.message
    assert f"end retention on {paid.year + 5}-12-31" in error.message
    assert directory.collect_events() == []
    assert directory.project("KR").last_payment_on is None


# ----- the restricted case ------------------------------------------------------------


@pytest.mark.parametrize("command", sorted(set(ALL) - {"record_personal_data_erased"}))
def test_a_restricted_case_takes_no_command_but_its_erasure(command: str) -> None:
    case, i = busy_case()
    run(case, i, "request_erasure")
    rule = ("erasure_already_requested" if command == "request_erasure"
            else "processing_restricted")
    error = refused(case, lambda: run(case, i, command), rule)
    if rule == "processing_restricted":
        assert "GDPR Art. 18" in error.message


def test_a_restricted_case_is_still_erased_and_its_request_stays_in_the_record() -> None:
    case, i = closed_case()  # a request usually comes after the case was closed
    run(case, i, "request_erasure")
    request = case.state.erasure_request
    assert request is not None
    assert (request.legal_basis, request.version) == (B.ART17_REQUEST, case.version)
    run(case, i, "record_personal_data_erased",
        legal_basis=B.RETENTION_ENDED_AFTER_REQUEST)
    assert case.state.status.value == "erased"
    assert case.state.erasure_request == request


def test_a_request_on_another_basis_is_refused_and_nothing_is_recorded() -> None:
    case, i = busy_case()
    error: DomainError = refused(case, lambda: run(case, i, "request_erasure",
                                                   legal_basis=B.UNLAWFULLY_RECORDED),
                                 "not_a_request_basis", "legal_basis")
    assert "erased at once" in error.message
