"""How a correction finds the event it corrects (``projections.engine.corrections``),
decided once for every view: from the versions a family's events were seen with, or as
the correction names it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest

from application.cases import FamilyCases
from application.commands import CorrectEntry, RecordConsultation
from domain import events as ev
from domain.records import EventRef, FieldChange
from domain.values import ContactMode, Topic
from projections.engine.corrections import CORRECTED_KINDS, Refs, Target, corrected_value
from projections.engine.documents import FamilyDocView
from projections.views.registry import all_views
from tests.support.builders import INTAKE, first_parent_id, open_case


@dataclass
class Seen:
    """An event as a view gets it: its version and what the domain says it refers to."""

    originator_version: int
    key: str | None

    def ref_key(self) -> str | None:
        return self.key


class ConsultationRecorded(Seen):
    pass


class GoalSet(Seen):
    pass


class CaseOpened(Seen):
    pass


class GoalAchieved(Seen):
    pass


@dataclass
class Correction:
    corrected_version: int
    changes: tuple[FieldChange, ...] = ()
    target: Any = None


def test_a_correction_finds_the_event_its_version_was_seen_with() -> None:
    goal, consultation = str(uuid4()), str(uuid4())
    refs = Refs({"CaseOpened", "GoalSet", "ConsultationRecorded"})
    for event in (CaseOpened(1, "case"), GoalSet(2, goal), ConsultationRecorded(3, consultation),
                  GoalAchieved(4, None)):
        refs.note(event)
    assert refs.target(Correction(1)) == Target(1, "CaseOpened", "case")
    assert refs.target(Correction(2)) == Target(2, "GoalSet", goal)
    assert refs.target(Correction(3)) == Target(3, "ConsultationRecorded", consultation)
    assert refs.target(Correction(4)) is None  # (no correction can name it)
    assert refs.target(Correction(9)) is None  # (a version never seen)


def test_only_the_kinds_a_view_follows_are_kept_and_kept_compactly() -> None:
    refs = Refs({"GoalSet", "ConsultationRecorded"}, unkeyed={"ConsultationRecorded"})
    goal = str(uuid4())
    for event in (CaseOpened(1, "case"), GoalSet(2, goal), ConsultationRecorded(3, str(uuid4()))):
        refs.note(event)
    assert refs.target(Correction(1)) is None
    assert refs.target(Correction(3)) == Target(3, "ConsultationRecorded", None)
    assert refs.stored() == {"2": "g" + goal, "3": "c"}
    again = Refs(refs.kinds, dict(refs.stored()), unkeyed=refs.unkeyed)
    assert again == refs
    assert again.target(Correction(2)) == Target(2, "GoalSet", goal)


def test_a_target_the_correction_names_is_taken_as_named() -> None:
    goal = str(uuid4())
    refs = Refs({"GoalSet", "ReferralMade"})  # (nothing seen: the named target serves)
    named = Correction(5, target=EventRef("GoalSet", goal))
    assert refs.target(named) == Target(5, "GoalSet", goal)
    other = Correction(5, target=EventRef("ParticipantEntered", str(uuid4())))
    assert refs.target(other) is None  # (a kind the view does not follow)


def test_every_correctable_event_has_a_stored_code_and_unknown_kinds_are_refused() -> None:
    assert Refs(CORRECTED_KINDS).kinds == CORRECTED_KINDS
    with pytest.raises(ValueError, match="GoalAchieved"):
        Refs({"GoalAchieved"})


def test_a_corrected_value_reads_as_the_case_reads_it() -> None:
    def value(event: str, field: str, text: str | None) -> Any:
        return corrected_value(Target(1, event, None), FieldChange(field, text))

    assert value("ConsultationRecorded", "occurred_on", "20261105") == "2026-11-05"
    assert value("ConsultationRecorded", "duration_minutes", "090") == 90
    assert value("GoalSet", "target_date", None) is None
    assert str(value("ReferralMade", "institution_type", "jobcenter")) == "jobcenter"


def test_every_view_shows_a_correction_named_by_its_target_as_one_found_by_version(
        app: FamilyCases) -> None:
    """The views fold a family to the same documents whether a correction's target is
    resolved from the versions seen or named by the correction itself (as a later
    version of ``EntryCorrected`` will name it)."""
    opened, members = open_case(app)
    family = opened.family_id
    app.handle(RecordConsultation(family_id=family, duration_minutes=30, mode=ContactMode.OFFICE,
        topics=(Topic.BENEFITS,), members_present=(first_parent_id(members),), location=None,
        notes=None, next_follow_up_on=None, occurred_on=INTAKE),
        recorded_by="cm-anna")
    events = list(app.events.get(family))
    consultation = events[-1]
    assert isinstance(consultation, ev.ConsultationRecorded)
    app.handle(CorrectEntry(
        family_id=family, corrected_version=consultation.originator_version,
        changes=(FieldChange("duration_minutes", "75"), FieldChange("mode", "phone")),
        reason="Tippfehler", occurred_on=INTAKE), recorded_by="cm-anna")
    events = list(app.events.get(family))
    correction = events[-1]
    assert isinstance(correction, ev.EntryCorrected)
    named = copy.copy(correction)
    object.__setattr__(named, "target", EventRef("ConsultationRecorded",
                                                 str(consultation.consultation_id)))

    def documents(fold_these: list[Any]) -> dict[str, Any]:
        found = {}
        for view in all_views():
            if not isinstance(view, FamilyDocView):
                continue
            view.attach(app)
            doc = None
            for event in fold_these:
                doc = view.fold(doc, event)
                if doc is not None and view.corrects:
                    view.follow(doc, event)
            found[view.name] = doc
        return found

    by_version = documents(events)
    version = consultation.originator_version
    for name in ("family_summary", "social_space"):
        held = by_version[name].consultations[version]
        assert (held.minutes, str(held.mode)) == (75, "phone"), name
    held = by_version["programme_facts"]["s"].consultations[version]
    assert (held.minutes, str(held.mode)) == (75, "phone")
    assert documents([*events[:-1], named]) == by_version
    assert documents(events[:-1]) != by_version  # (the correction changed them)
    assert {"caseload", "family_summary", "social_space", "programme_facts"} <= set(by_version)
