"""No personal data outside the sealed fields (issue 13, item 4).

Every text field of every event — of a family's case, of the staff directory, of the
report submissions and the case number sequences, inside records and sequences too —
is sealed with the family's key (named in the class's ``personal`` paths) or is not free
text: an enum, or one of the codes and ids named in ``NOT_FREE_TEXT`` with what it is.
A new free-text field that is not sealed fails here, and so does a ``personal`` path that
names no field (a typo would leave the field in clear).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import date, datetime, time
from typing import Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.domain import Aggregate, DomainEvent

from domain import events as ev
from domain.case_numbers import CaseNumberSequence
from domain.corrections import CORRECTABLE, PERSONAL_CORRECTIONS
from domain.directory import StaffDirectory
from domain.offers import (
    OfferChanged,
    OfferCreated,
    OfferEnded,
    SessionCancelled,
    SessionCorrected,
    SessionHeld,
)
from domain.report_submissions import ReportSubmissions
from domain.values import Topic

OFFER_EVENTS = (OfferCreated, OfferChanged, OfferEnded, SessionHeld, SessionCancelled,
                SessionCorrected)
BASE = {"originator_id", "originator_version", "timestamp"}
NOT_FREE_TEXT: dict[str, str] = {
    "*.recorded_by": "a staff id",
    "*.originator_topic": "the topic of an aggregate class",
    "CaseOpened.project": "a project code (KR)",
    "CaseOpened.case_number": "a case number (KR-2026-0042)",
    "CaseOpened.postal_code": "five digits",
    "CaseOpened.district": "the social space the statistics count by: on its own it "
                           "identifies nobody, and it stays after an erasure (README); a "
                           "name from the project's list of districts",
    "CaseManagerAssigned.case_manager": "a staff id",
    "CaseManagerAssigned.previous_case_manager": "a staff id",
    "EntryCorrected.changes.*.field": "the name of a correctable fact",
    "EntryCorrected.changes.*.value": "a corrected value of a fact that is not personal "
                                      "(a code, date, number or district; personal facts "
                                      "go to the sealed sensitive_changes: checked below)",
    "EntryCorrected.sensitive_changes.*.field": "the name of a correctable fact",
    "ProjectAdded.code": "a project code",
    "ProjectAdded.name": "the project's name: a programme site, not a person",
    "StaffAdded.staff_id": "a staff id",
    "RoleGranted.staff_id": "a staff id",
    "RoleGranted.project": "a project code",
    "RoleWithdrawn.staff_id": "a staff id",
    "RoleWithdrawn.project": "a project code",
    "LastPaymentRecorded.project": "a project code",
    "DistrictsSet.project": "a project code",
    "SmallCountsRuleSet.project": "a project code",
    "DistrictsSet.districts.*": "a district of the project: a social space, not a person",
    **{f"{event}.{path}": what for event in ("PlaceFacts", "PlaceAdded", "PlaceChanged")
       for path, what in (("project", "a project code"),
                          ("name", "a place of the project's work (a family centre, a "
                                   "school): project data, not a person"),
                          ("district", "a district of the project"))},
    "PlaceRetired.project": "a project code",
    **{f"{event}.{path}": what for event in ("PartnerFacts", "PartnerAdded", "PartnerChanged")
       for path, what in (("project", "a project code"),
                          ("name", "a partner institution (Jobcenter Krefeld): project "
                                   "data; a referral naming it seals its own copy"),
                          ("contact_role", "a function at the institution (Teamleitung "
                                           "Eingliederung), 100 characters at most, "
                                           "refused with an e-mail address or phone "
                                           "number; the command has no field for a "
                                           "person (domain/places.py)"),
                          ("district", "a district of the project"))},
    "PartnerRetired.project": "a project code",
    "TokenIssued.staff_id": "a staff id",
    "TokenIssued.token_id": "a token's public id",
    "TokenIssued.digest": "the SHA-256 digest of a token's secret",
    "TokenRevoked.staff_id": "a staff id",
    "TokenRevoked.token_id": "a token's public id",
    "ReportSubmissions.Started.project": "a project code",
    "Submitted.period": "a reporting period (2026-H1)",
    "Submitted.as_known": "now or cutoff",
    "Submitted.submitted_by": "a staff id",
    "Submitted.figures.<key>": "an indicator code (EECO01)",
    "CaseNumberSequence.Started.project": "a project code",
    "OfferCreated.project": "a project code",
    "OfferCreated.title": "an offer's title: a café or office hour, not a person",
    "*.target_group": "whom an offer is for (parents of young children), not a person",
    "*.staff_present.*": "a staff id",
    "SessionCorrected.field": "the name of a correctable fact of a session",
    "SessionCorrected.value": "a session's date, time, duration, staff ids, topics, place "
                              "id, headcounts, partner ids, outcome codes or named "
                              "attendees' ids (JSON): counts and ids, never names",
    "OfferChanged.title": "an offer's title",
}
"""Text fields that are not free text, by ``Class.path`` (``*`` any class or any item
of a sequence, ``<key>`` a mapping's keys; a nested class by its aggregate's name where
the short name is ambiguous)."""

PLAIN = (int, float, bool, date, datetime, time, UUID, type(None))


def event_classes() -> list[type]:
    """Every event class: the family case's, and every event class nested in the other
    aggregates (their ``Started`` and later events)."""
    found: list[type] = [*ev.ALL_EVENTS, *OFFER_EVENTS]
    for aggregate in (StaffDirectory, ReportSubmissions, CaseNumberSequence):
        for name in dir(aggregate):
            value = getattr(aggregate, name)
            if (isinstance(value, type) and issubclass(value, DomainEvent)
                    and value.__qualname__.startswith(aggregate.__name__)
                    and value is not getattr(Aggregate, name, None)
                    and dataclasses.fields(value)):
                found.append(value)
    return found


def names(cls: type, path: str) -> tuple[str, ...]:
    """The keys ``path`` of ``cls`` may be allowed by."""
    qualified = cls.__qualname__
    return (f"{cls.__name__}.{path}", f"{qualified}.{path}", f"*.{path}")


def text_paths(hint: Any, path: str) -> list[str]:
    """The paths of ``str`` values (``*`` for a sequence's items, ``<key>`` for a mapping's
    keys) in a value of type ``hint``; an unknown kind of type fails."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return text_paths(typing.get_args(hint)[0], path)
    if origin in (typing.Union, types.UnionType):
        return sorted({p for arg in typing.get_args(hint) for p in text_paths(arg, path)})
    if origin in (tuple, list, set, frozenset) or origin is typing.Sequence:
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        item = f"{path}.*"
        if origin is tuple and len(args) > 1 and typing.get_args(hint)[-1] is not Ellipsis:
            return sorted({p for a in args for p in text_paths(a, item)})
        return sorted({p for a in args for p in text_paths(a, item)})
    if origin is dict:
        key, value = typing.get_args(hint)
        return [*text_paths(key, f"{path}.<key>"), *text_paths(value, f"{path}.*")]
    if origin is typing.Literal:
        return []  # codes
    if hint is str:
        return [path]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return []
    if hint in PLAIN:
        return []
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        return [p for f in dataclasses.fields(hint)
                for p in text_paths(hints[f.name], f"{path}.{f.name}" if path else f.name)]
    raise AssertionError(f"the walk does not know the type {hint!r} at {path!r}")


def field_paths(cls: type) -> list[str]:
    hints = typing.get_type_hints(cls)
    return [p for f in dataclasses.fields(cls) if f.name not in BASE
            for p in text_paths(hints[f.name], f.name)]


def unsealed_text(cls: type) -> list[str]:
    """The text fields of ``cls`` that are neither sealed nor named as codes or ids."""
    sealed = set(getattr(cls, "personal", ()))
    return [p for p in field_paths(cls)
            if p not in sealed and not any(n in NOT_FREE_TEXT for n in names(cls, p))]


def unknown_personal_paths(cls: type) -> list[str]:
    """``personal`` paths that name no text field of ``cls`` (a typo leaves it in clear)."""
    hints = typing.get_type_hints(cls)
    known = {p for f in dataclasses.fields(cls) for p in _all_paths(hints[f.name], f.name)}
    return [p for p in getattr(cls, "personal", ()) if p not in known]


def _all_paths(hint: Any, path: str) -> set[str]:
    """Every path in a value of ``hint`` (any type), for checking ``personal``."""
    paths = {path}
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            paths |= _all_paths(arg, path)
    elif origin in (tuple, list):
        for arg in typing.get_args(hint):
            if arg is not Ellipsis:
                paths |= _all_paths(arg, f"{path}.*")
    elif dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        for f in dataclasses.fields(hint):
            paths |= _all_paths(hints[f.name], f"{path}.{f.name}")
    return paths


EVENTS = event_classes()


def test_the_walk_covers_every_aggregate_s_events() -> None:
    found = {c.__qualname__ for c in EVENTS}
    assert {"CaseOpened", "PersonalDataErased", "ConsentGiven", "ConsentWithdrawn"} <= found
    assert {"StaffDirectory.StaffAdded", "StaffDirectory.TokenIssued",
            "ReportSubmissions.Submitted", "CaseNumberSequence.NumberIssued"} <= found


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.__qualname__)
def test_every_text_field_of_every_event_is_sealed_or_a_code(cls: type) -> None:
    assert unsealed_text(cls) == [], (
        f"{cls.__qualname__}: free text outside the sealed fields; seal it (personal) "
        "or make it a code")


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.__qualname__)
def test_every_personal_path_names_a_field(cls: type) -> None:
    assert unknown_personal_paths(cls) == []


def test_every_allowance_names_a_text_field_that_exists() -> None:
    """No stale entries: each names a text field of some event."""
    used = {n for cls in EVENTS for p in field_paths(cls) for n in names(cls, p)}
    assert set(NOT_FREE_TEXT) - used == set()


def test_corrections_of_personal_facts_are_sealed_too() -> None:
    """A corrected value travels in ``changes`` (clear) unless its fact is personal:
    every correctable fact that its event seals, or that is free text not named as a
    code, is in ``PERSONAL_CORRECTIONS`` (sealed ``sensitive_changes``)."""
    by_name = {c.__name__: c for c in ev.ALL_EVENTS}
    for event, facts in CORRECTABLE.items():
        cls = by_name[event]
        sealed = {p.rsplit(".", 1)[-1] for p in getattr(cls, "personal", ())}
        free_text = {p.rsplit(".", 1)[-1] for p in unsealed_text(cls)} | {
            p.rsplit(".", 1)[-1] for p in field_paths(cls)
            if p in getattr(cls, "personal", ())}
        for fact in facts:
            if fact in sealed or fact in free_text:
                assert fact in PERSONAL_CORRECTIONS, f"{event}.{fact}"


# ----- the walk fails where it should ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Note:
    topic: Topic
    text: str


class PlantedText(ev.CaseEvent):
    comment: str


class PlantedNested(ev.CaseEvent):
    notes: tuple[Note, ...]
    by_member: dict[UUID, Note]


class PlantedSealed(ev.CaseEvent):
    comment: str | None
    notes: tuple[Note, ...]

    personal: ClassVar[tuple[str, ...]] = ("comment", "notes.*.text")


class PlantedTypo(ev.CaseEvent):
    comment: str | None

    personal: ClassVar[tuple[str, ...]] = ("coment",)


def test_a_planted_unsealed_text_field_is_found() -> None:
    assert unsealed_text(PlantedText) == ["comment"]


def test_a_planted_text_inside_records_and_sequences_is_found() -> None:
    assert unsealed_text(PlantedNested) == ["notes.*.text", "by_member.*.text"]


def test_a_planted_sealed_text_passes() -> None:
    assert unsealed_text(PlantedSealed) == []
    assert unknown_personal_paths(PlantedSealed) == []


def test_a_planted_typo_in_personal_is_found_and_leaves_the_field_unsealed() -> None:
    assert unknown_personal_paths(PlantedTypo) == ["coment"]
    assert unsealed_text(PlantedTypo) == ["comment"]


def test_the_erasure_s_reason_is_no_longer_free_text_in_clear() -> None:
    """The defect of issue 13: ``PersonalDataErased.reason`` was a text in clear."""
    hints = typing.get_type_hints(ev.PersonalDataErased)
    assert "reason" not in hints
    assert unsealed_text(ev.PersonalDataErased) == []
    assert ev.PersonalDataErased.personal == ("note",)
