"""What each view holds about one family, for a subject access export (GDPR Art. 15).

Each view keeps one document per family (``projections.engine.documents``), stored in a
compact form of its own (entities as lists by position, short keys). This reads it
straight from the view's serving table (never through the engine's kept documents,
which belong to the engine's thread), opens it with the view's own decoder
(``decode_doc``: unsealed where the view seals it, typed by ``from_stored``) and
presents it with named fields: through the view's typed reader where it has one (the
family summary: ``summary_of``; the ESF+ participants: ``participants_of``), else by the
fields of its document's types. Entities kept in maps become lists of records that name
their key (``goal_id``, ``member_id``, the version that recorded a consultation).

Left out: each view's bookkeeping of what its events' versions refer to (``refs``,
for corrections) and of what it wrote (``_w``); neither holds anything of the family
that the fields shown and the export's events do not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from application.sql import Tables
from projections.engine.corrections import Refs
from projections.engine.documents import FamilyDocView, iso
from projections.engine.view import View
from projections.reporting.esf import EsfParticipants
from projections.reporting.esf_participants import (
    FollowUp,
    LeavingStatus,
    MemberFacts,
    participants_of,
)
from projections.reporting.offer_facts import OfferFacts
from projections.reporting.programme import ProgrammeFacts
from projections.views.caseload import Caseload, CaseloadDoc
from projections.views.caseload_history import CaseloadHistory, HistoryDoc
from projections.views.family_summary import FamilySummary, SummaryDoc
from projections.views.family_summary_read import FamilySummaryRecord, summary_of
from projections.views.social_space import SocialDoc, SocialSpace

BOOKKEEPING = frozenset({"refs", "_w"})
"""Keys of a document's bookkeeping (left out)."""
STINT = {"d": "entered_on", "v": "entry_version", "t": "recorded_on", "e": "entry",
         "l": "left_on", "lv": "exit_version", "s": "exit_status"}
"""The short keys of an ESF+ stay (``esf_participants``: "stint"), named; ``ls`` and
``f`` are its ``LeavingStatus`` and ``FollowUp`` lists."""
_SUMMARY = TypeAdapter(FamilySummaryRecord)


def documents_of(tables: Tables, views: Sequence[View], family_id: UUID) -> dict[str, Any]:
    """View name -> what the view holds about the family, with named fields (JSON
    values; None: the view holds nothing of the family)."""
    found: dict[str, Any] = {}
    for view in views:
        if not isinstance(view, FamilyDocView):
            continue
        row = tables.fetchone(tables.sql("SELECT doc FROM {d} WHERE family_id = {p}",
                                         d=view.t(view.docs_table)), (family_id.hex,))
        found[view.name] = (None if row is None else
                            readable(view, family_id, view.decode_doc(family_id.hex,
                                                                      str(row[0]))))
    return found


def readable(view: FamilyDocView[Any], family_id: UUID, doc: Any) -> Any:
    """A view's typed document (``decode_doc``) with named fields, as JSON values."""
    if isinstance(view, FamilySummary):
        return _summary(family_id, doc)
    if isinstance(view, ProgrammeFacts):
        return _programme(family_id, doc)
    if isinstance(view, EsfParticipants):
        return _esf(view, family_id, doc)
    if isinstance(view, Caseload):
        return _caseload(doc)
    if isinstance(view, CaseloadHistory):
        return _history(doc)
    if isinstance(view, SocialSpace):
        return _social(doc)
    if isinstance(view, OfferFacts):
        return _offers(doc)
    return named(doc)  # (a view added later: its document's fields by name)


def named(value: Any) -> Any:
    """Dataclasses and named tuples as objects of their fields, at any depth (without
    bookkeeping)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: named(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in BOOKKEEPING and not isinstance(getattr(value, f.name), Refs)}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: named(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): named(v) for k, v in value.items() if k not in BOOKKEEPING}
    if isinstance(value, list | tuple):
        return [named(v) for v in value]
    return value


def keyed(entities: Mapping[Any, Any], key: str) -> list[dict[str, Any]]:
    """Entities kept by their key as records naming it first."""
    return [{key: _key(k), **named(v)} for k, v in entities.items()]


def _key(key: Any) -> Any:
    return int(key) if isinstance(key, str) and key.isdigit() else key


def _summary(family_id: UUID, doc: SummaryDoc) -> dict[str, Any]:
    record: dict[str, Any] = _SUMMARY.dump_python(summary_of(family_id, doc), mode="json")
    return record


def _caseload(doc: CaseloadDoc) -> dict[str, Any]:
    latest = doc.last_contact()
    return {"project": doc.project, "case_number": doc.case_number,
            "case_manager": doc.case_manager, "status": doc.status,
            "opened_on": doc.opened_on, "last_contact_on": latest and latest.held_on,
            "next_follow_up_on": latest and latest.follow_up_on,
            "open_goals": doc.open_goals,
            "contacts": [{"recorded_in_version": v, "held_on": c.held_on,
                          "next_follow_up_on": c.follow_up_on}
                         for v, c in doc.contacts.items()],
            "referrals": [{"referral_id": k, "outcome_recorded": answered}
                          for k, answered in doc.referrals.items()]}


def _history(doc: HistoryDoc) -> dict[str, Any]:
    return {"project": doc.project, "case_number": doc.case_number, "status": doc.status,
            "case_manager": doc.case_manager,
            "intervals": [{"case_manager": s.case_manager, "from_on": s.from_on,
                           "until_on": s.until_on, "assigned_by": s.assigned_by,
                           "started_by": s.started_by, "started_version": s.version,
                           "ended_by": s.ended_by, "ended_version": s.ended_version}
                          for s in doc.intervals]}


def _social(doc: SocialDoc) -> dict[str, Any]:
    return {"project": doc.project, "district": doc.district, "intake_month": doc.month,
            "consultations": keyed(doc.consultations, "recorded_in_version"),
            "goals": keyed(doc.goals, "goal_id"),
            "referrals": keyed(doc.referrals, "referral_id")}


def _offers(doc: dict[str, Any]) -> dict[str, Any]:
    """What the social-space statistics keep of a family: how it came (through an offer?)
    and its referrals to partners of the project with their latest outcome."""
    return {"project": doc["p"], "opened_on": doc["o"], "access_route": doc["r"],
            "via_offer_id": doc["v"] and str(UUID(doc["v"])),
            "referrals_to_partners": [
                {"referral_id": str(UUID(k)), "partner_id": str(UUID(partner)),
                 "referred_on": on, "latest_outcome": outcome}
                for k, (partner, on, outcome) in doc["rf"].items()]}


def _programme(family_id: UUID, doc: dict[str, Any]) -> dict[str, Any]:
    return {"summary": _summary(family_id, doc["s"]),
            "joined_household": [{"member_id": k, "joined_on": on}
                                 for k, on in doc["joined"].items()],
            "closures": named(doc["closures"]),
            "referral_outcomes": [{"referral_id": k, **named(o)}
                                  for k, outcomes in doc["outcomes"].items()
                                  for o in outcomes]}


def _esf(view: EsfParticipants, family_id: UUID, doc: dict[str, Any]) -> dict[str, Any]:
    """The members' gender and birth date (opened with the family's key; None once
    erased), and each participant's stays with the age on the first entry."""
    members = []
    for member_id, stored in doc["m"].items():
        facts = MemberFacts(*stored)
        members.append({"member_id": member_id, "gender": facts.gender,
                        "birth_date": iso(view.folder.birth_date(family_id, facts.birth))})
    participants = [{"member_id": p.participant_id, "gender": p.gender,
                     "age_at_first_entry": p.age, "stays": [_stay(s) for s in p.stints]}
                    for p in participants_of(view.folder, family_id.hex, doc)]
    return {"project": doc["p"], "members": members, "participants": participants}


def _stay(stint: Mapping[str, Any]) -> dict[str, Any]:
    follow_up = stint.get("f")
    return {**{STINT.get(k, k): v for k, v in stint.items() if k not in ("ls", "f")},
            "leaving_statuses": [LeavingStatus(*s)._asdict() for s in stint.get("ls", ())],
            "follow_up": FollowUp(*follow_up)._asdict() if follow_up else None}
