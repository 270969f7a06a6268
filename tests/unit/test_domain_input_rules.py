"""Domain: the input rules of ``domain/rules.py`` and the checks of an intake.

An intake that breaks a rule creates no case at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain import rules
from domain.case_numbers import CaseNumberSequence
from domain.errors import InvalidInput, RuleViolation
from domain.family_case import FamilyCase
from domain.records import MemberData
from domain.values import MemberRole
from tests.support.builders import child, intake_kwargs, parent

TODAY = date(2026, 6, 30)
TOMORROW = TODAY + timedelta(days=1)


@pytest.mark.parametrize(("overrides", "rule", "field"), [
    ({"occurred_on": TOMORROW}, "date_in_future", "occurred_on"),
    ({"consent_given_on": TOMORROW}, "date_in_future", "consent_given_on"),
    ({"members": []}, "household_empty", "members"),
    ({"members": [child(), child()]}, "no_adult", "members"),
    ({"members": [(m := parent()), replace(m, given_name="Other")]}, "duplicate_member",
     "members"),
    ({"members": [parent(born=TOMORROW)]}, "date_in_future", "birth_date"),
    ({"members": [MemberData(uuid4(), MemberRole.PARENT, "A", " ")]}, "blank_text",
     "family_name"),
    ({"consent_purposes": []}, "consent_missing", "consent_purposes"),
    ({"consent_purposes": ["esf_reporting", "ESF+ reporting"]}, "invalid_consent_purpose",
     "consent_purposes"),
    *(({"project": p}, "invalid_project_code", "project")
      for p in ("kr", "K", "1KR", "KR-1", "ABCDEFGHIJK", "")),
    *(({"postal_code": p}, "invalid_postal_code", "postal_code")
      for p in ("4779", "477981", "4779 ", "abcde", "")),
    ({"district": "  "}, "blank_text", "district"),
    ({"district": "Mitte\n"}, "control_characters", "district"),
    ({"street_address": "x" * 201}, "text_too_long", "street_address"),
    ({"case_manager": " "}, "blank_text", "case_manager"),
    ({"case_manager": "x" * 101}, "text_too_long", "case_manager"),
    ({"recorded_by": ""}, "blank_text", "recorded_by"),
])
def test_an_intake_with_bad_input_is_refused(overrides: dict[str, Any], rule: str,
                                             field: str) -> None:
    kwargs = {**intake_kwargs(), **overrides}
    with pytest.raises(InvalidInput) as info:
        FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001", today=TODAY, **kwargs)
    assert (info.value.rule, info.value.field) == (rule, field)


def test_a_case_number_sequence_needs_a_valid_project_code() -> None:
    with pytest.raises(InvalidInput) as info:
        CaseNumberSequence.start("kr", 2026)
    assert (info.value.rule, info.value.field) == ("invalid_project_code", "project")


# ----- domain/rules.py ------------------------------------------------------------------

def test_a_date_up_to_today_is_not_in_the_future() -> None:
    assert rules.not_in_future(TODAY, TODAY, "x") == TODAY
    with pytest.raises(InvalidInput) as info:
        rules.not_in_future(TOMORROW, TODAY, "birth_date")
    assert (info.value.rule, info.value.field) == ("date_in_future", "birth_date")


def test_text_is_stripped_and_may_be_exactly_as_long_as_allowed() -> None:
    assert rules.text("  Krefeld  ", "f") == "Krefeld"
    assert rules.text("x" * 5 + "  ", "f", max_len=5) == "xxxxx"
    assert rules.text("line one\r\n\tline two", "f", multiline=True) == "line one\r\n\tline two"


@pytest.mark.parametrize(("value", "multiline", "rule"), [
    ("a\nb", False, "control_characters"),
    ("a\tb", False, "control_characters"),
    ("a\x00b", True, "control_characters"),
    ("a\x1bb", True, "control_characters"),
    ("a\x7fb", True, "control_characters"),
    ("", False, "blank_text"),
    (" \u00a0 ", False, "blank_text"),
    ("\n\n", True, "blank_text"),
    ("x" * 6, False, "text_too_long"),
])
def test_text_rules_name_what_is_wrong(value: str, multiline: bool, rule: str) -> None:
    with pytest.raises(InvalidInput) as info:
        rules.text(value, "notes", max_len=5, multiline=multiline)
    assert (info.value.rule, info.value.field) == (rule, "notes")


def test_optional_text_turns_blank_into_none_and_checks_the_rest() -> None:
    assert rules.optional_text(None, "f") is rules.optional_text("  \n", "f") is None
    assert rules.optional_text(" two\nlines ", "f") == "two\nlines"
    with pytest.raises(InvalidInput, match="longer than 3"):
        rules.optional_text("abcd", "f", max_len=3)


@pytest.mark.parametrize("code", ["KR", "K2", "KRFAMILY26", "ESF2027"])
def test_valid_project_codes_pass(code: str) -> None:
    assert rules.project_code(code) == code


def test_a_project_code_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(InvalidInput, match="project code"):
        rules.project_code("KR\n")


def test_domain_errors_name_the_rule_and_the_ids_as_text() -> None:
    member_id = uuid4()
    err = RuleViolation("not_left", "no exit", field="member_id", member_id=member_id)
    assert err.ids == {"member_id": str(member_id)}
    assert str(err) == f"[not_left] no exit (member_id={member_id})"
    assert str(InvalidInput("blank_text", "empty")) == "[blank_text] empty"


def test_an_intake_with_non_ascii_digits_in_the_postal_code_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001", today=TODAY,
                        **intake_kwargs(None, postal_code="\uff14\uff17\uff17\uff19\uff18"))
    assert info.value.rule == "invalid_postal_code"




def test_open_drops_a_blank_street_address_and_strips_names() -> None:
    members = [parent(given=" Amira "), child()]
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0002", today=TODAY,
                           **intake_kwargs(members, street_address="   "))
    assert case.state.street_address is None
    assert case.state.members[members[0].member_id].given_name == "Amira"


def test_the_business_date_is_todays_date_in_germany() -> None:
    before = datetime.now(rules.PROGRAMME_TZ).date()
    result = rules.today_in_programme()
    assert before <= result <= datetime.now(rules.PROGRAMME_TZ).date()


def test_an_intake_records_the_same_normalised_staff_id_on_both_events() -> None:
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001", today=TODAY,
                           **intake_kwargs(recorded_by=" cm-anna "))
    assert [e.recorded_by for e in case.collect_events()] == ["cm-anna", "cm-anna"]


def test_without_an_explicit_today_the_programme_date_is_the_limit() -> None:
    tomorrow = rules.today_in_programme() + timedelta(days=1)
    with pytest.raises(InvalidInput) as info:
        FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001",
                        **intake_kwargs(occurred_on=tomorrow))
    assert (info.value.rule, info.value.field) == ("date_in_future", "occurred_on")


def test_texts_refuse_exactly_unicodes_control_characters() -> None:
    """Every code point of category Cc is refused (in multi-line text all but tab and
    line breaks); every other one passes."""
    import sys
    import unicodedata

    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        control = unicodedata.category(ch) == "Cc"
        for multiline in (False, True):
            if control and not (multiline and ch in "\t\n\r"):
                with pytest.raises(InvalidInput) as refused:
                    rules.text(f"a{ch}b", "f", multiline=multiline)
                assert refused.value.rule == "control_characters", (hex(code), multiline)
            else:
                rules.text(f"a{ch}b", "f", multiline=multiline)
