"""ESF+ participants replayed from the event log (not from the view): as the events
recorded by the end of a day show them, or as all events show them now. What a report
"as it could be known at the cut-off" must equal, and the events behind a difference."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from datetime import time as dtime
from uuid import UUID

from application.cases import FamilyCases
from domain import events as ev
from domain.rules import PROGRAMME_TZ
from projections.engine.documents import Doc
from projections.reporting.esf import EsfParticipants
from projections.reporting.esf_participants import Folder, Participant, participants_of


def events_recorded_after(cases: FamilyCases, family_ids: Iterable[str],
                          moment: datetime) -> dict[str, list[tuple[int, str]]]:
    """Per family (dashed id), the events recorded after ``moment``: (version, type).
    An erasure is never among them: it changes no figure, so it is behind no difference."""
    later: dict[str, list[tuple[int, str]]] = {}
    for family_id in family_ids:
        family = UUID(family_id)
        for event in cases.events.get(family):
            if isinstance(event, ev.PersonalDataErased):
                continue
            if event.timestamp > moment:  # type: ignore[attr-defined]
                later.setdefault(str(family), []).append(
                    (event.originator_version, type(event).__name__))
    return later


def end_of_day(day: date) -> datetime:
    """The moment a cut-off day ends, in programme time."""
    return datetime.combine(day, dtime.max, tzinfo=PROGRAMME_TZ)


def participants_as_recorded_by(cases: FamilyCases, family_ids: Iterable[str],
                                recorded_by: datetime) -> tuple[list[Participant],
                                                                dict[str, list[tuple[int, str]]]]:
    """The participants of ``family_ids`` as the events recorded by ``recorded_by`` show
    them (the same fold, in memory), and per family the events recorded after it
    (version, event type): what makes "now" differ from "as known at the cut-off"."""
    view = EsfParticipants()  # (not attached: birth dates stay in memory, unsealed)
    view.folder = Folder(None, cases.kept_facts.get)  # (and what erasures kept)
    kinds = view.events
    result: list[Participant] = []
    later: dict[str, list[tuple[int, str]]] = {}
    for family_id in family_ids:
        doc: Doc | None = None
        for event in cases.events.get(UUID(family_id)):
            if event.timestamp > recorded_by:  # type: ignore[attr-defined]
                if not isinstance(event, ev.PersonalDataErased):  # (as events_recorded_after)
                    later.setdefault(str(UUID(family_id)), []).append(
                        (event.originator_version, type(event).__name__))
                continue
            if isinstance(event, kinds):
                doc = view.fold_and_follow(doc, event)
        if doc is not None:
            result.extend(participants_of(view.folder, family_id, doc))
    return result, later


def participants_now(cases: FamilyCases, family_ids: Sequence[str]) -> list[Participant]:
    """The participants folded from every event of ``family_ids`` (tests, checks)."""
    return participants_as_recorded_by(cases, family_ids, datetime.max.replace(
        tzinfo=PROGRAMME_TZ))[0]
