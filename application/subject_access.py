"""Subject access (GDPR Art. 15): everything Lotse holds about one member of a family.

The export gathers, for one person: their own data as the case holds it now, their
ESF+ participations, the events of their family's history that concern them (decrypted;
an event that names other members only is left out, and other members' entries of the
intake are too: their data are theirs, Art. 15(4)), what each view holds about the
family with named fields (``projections/views/subject_documents.py``; records of
another member left out), the social-space sessions at which they were named as an
attendee (offer, date, place: never who else came), and the read log's entries about the
family — including the
entry of this export itself, which is logged like every read.

For an erased family the export says so: the personal data were erased on a date and on
a legal basis (the family's key destroyed), and what remains is pseudonymous — dates,
codes and counts of the history, and the figures of reports derived from them.

The export is plain JSON values (``collect``); ``subject_access_html`` prints it in
German.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.read_log import ReadEntry, ReadLog

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from application.views import HistoryEntry

FORMAT_VERSION = 1
MEMBER_KEYS = ("member_id", "member_ids", "members_present")
"""Facts of events that name members."""
ENTITY_KEYS = ("goal_id", "referral_id", "consultation_id")
"""Facts that name an entity an earlier event made (and named its members)."""
REMAINS = ("The personal data of the family (names, birth dates, address, notes and other "
           "free text, special categories of ESF+ data) were erased by destroying the "
           "family's key; they cannot be read by anyone any more. What remains is "
           "pseudonymous: the dates, codes and counts of the case's history, and the "
           "figures of reports derived from them.")


class MemberNotFound(LookupError):
    def __init__(self, family_id: UUID, member_id: UUID) -> None:
        super().__init__(f"family {family_id} has no member {member_id}")
        self.family_id, self.member_id = family_id, member_id


@dataclass(frozen=True)
class Requested:
    """Who asked for the export, when, and through what (for the read log)."""

    staff_id: str
    role: str
    endpoint: str
    token_id: str | None
    at: datetime


def collect(cases: FamilyCases, read_log: ReadLog, family_id: UUID, member_id: UUID,
            view_documents: dict[str, Any], requested: Requested) -> dict[str, Any]:
    """The export of everything held about ``member_id`` of ``family_id`` (raises
    ``CaseNotFound``, ``MemberNotFound``); the export is written to the read log first."""
    view = cases.get_case(family_id)
    state = view.state
    member = state.members.get(member_id)
    if member is None:
        raise MemberNotFound(family_id, member_id)
    read_log.record([ReadEntry(requested.at, requested.staff_id, requested.role,
                               state.project, family_id, requested.endpoint,
                               requested.token_id)])
    history = cases.history(family_id)
    others = {str(m) for m in state.members if m != member_id}
    return {
        "format": f"lotse-subject-access/{FORMAT_VERSION}",
        "generated_at": requested.at.isoformat(),
        "generated_by": requested.staff_id,
        "subject": {
            "family_id": str(family_id), "member_id": str(member_id),
            "case_number": state.case_number, "project": state.project,
            "role": str(member.role), "given_name": member.given_name,
            "family_name": member.family_name, "birth_date": _iso(member.birth_date),
            "gender": member.gender and str(member.gender),
            "in_household": member.in_household,
            "left_household_on": _iso(member.left_household_on)},
        "family": {
            "status": str(state.status), "opened_on": _iso(state.opened_on),
            "closed_on": _iso(state.closed_on), "case_manager": state.case_manager,
            "district": state.district, "postal_code": state.postal_code,
            "street_address": state.street_address,
            "consents": [{"purpose": str(c.purpose), "given": c.given,
                          "on": _iso(c.on)} for c in state.consents],
            "version": view.version},
        "erasure": _erasure(history),
        "participations": [_participation(p) for p in state.participations.get(member_id, [])],
        "events": [_event(e, str(member_id)) for e in concerning(history, str(member_id))],
        "views": {name: _without(doc, others) for name, doc in view_documents.items()},
        "sessions_attended": sessions_attended(cases, state.project, family_id, member_id),
        "read_log": [_read(e) for e in _all_reads(read_log, state.project, family_id)],
    }


def sessions_attended(cases: FamilyCases, project: str, family_id: UUID,
                      member_id: UUID) -> list[dict[str, Any]]:
    """The sessions of the project's offers that name the member, by date (as
    corrected)."""
    from application import offers
    from domain.offer_values import Attendee

    named = Attendee(family_id, member_id)
    found = []
    for offer_id in offers.offer_ids(cases, {project}):
        offer = offers.load(cases, offer_id)
        found += [{"on": s.on.isoformat(), "offer": offer.title,
                   "offer_type": offer.offer_type.value, "offer_id": str(offer_id)}
                  for s in offer.sessions.values() if named in s.attendees]
    return sorted(found, key=lambda s: (s["on"], s["offer"]))


def concerning(history: list[HistoryEntry], member: str) -> Iterator[HistoryEntry]:
    """The events that concern ``member``: those that name them and those that name no
    member at all (about the whole family), with what refers to them (a goal's later
    events, a correction of an included event)."""
    left_out: set[str] = set()
    versions_left_out: set[int] = set()
    for entry in history:
        facts = entry.facts
        named = _members_named(facts)
        entities = {str(facts[k]) for k in ENTITY_KEYS if facts.get(k)}
        corrected = facts.get("corrected_version")
        if ((named and member not in named) or entities & left_out
                or corrected in versions_left_out):
            left_out |= entities
            versions_left_out.add(entry.version)
            continue
        yield entry


def _members_named(facts: dict[str, Any]) -> set[str]:
    named: set[str] = set()
    for key in MEMBER_KEYS:
        value = facts.get(key)
        if isinstance(value, list):
            named.update(str(v) for v in value)
        elif value:
            named.add(str(value))
    added = facts.get("member")
    if isinstance(added, dict) and added.get("member_id"):
        named.add(str(added["member_id"]))
    return named


def _event(entry: HistoryEntry, member: str) -> dict[str, Any]:
    facts = dict(entry.facts)
    if isinstance(facts.get("members"), list):  # the intake: this member's entry only
        facts["members"] = [m for m in facts["members"]
                            if isinstance(m, dict) and str(m.get("member_id")) == member]
    return {"version": entry.version, "event": entry.event,
            "occurred_on": _iso(entry.occurred_on),
            "recorded_at": entry.recorded_at.isoformat(), "recorded_by": entry.recorded_by,
            "facts": facts, "erased_fields": list(entry.erased_fields)}


def _erasure(history: list[HistoryEntry]) -> dict[str, Any] | None:
    for entry in reversed(history):
        if entry.event == "PersonalDataErased":
            return {"erased_on": _iso(entry.occurred_on),
                    "recorded_at": entry.recorded_at.isoformat(),
                    "legal_basis": entry.facts.get("legal_basis"), "remains": REMAINS}
    return None


def _participation(p: Any) -> dict[str, Any]:
    from pydantic import TypeAdapter

    entry = TypeAdapter(type(p.entry)).dump_python(p.entry, mode="json")
    return {"entered_on": _iso(p.entered_on), "reentry": p.reentry, "entry": entry,
            "left_on": _iso(p.left_on), "exit_status": p.exit_status and str(p.exit_status),
            "statuses": [{"on": _iso(on), "status": str(s)} for on, s in p.statuses],
            "follow_up_on": _iso(p.follow_up_on),
            "follow_up_status": p.follow_up_status and str(p.follow_up_status),
            "follow_up_better": p.follow_up_better}


def _without(value: Any, others: set[str]) -> Any:
    """``value`` without the entries keyed by another member's id and the records that
    name one as theirs (``member_id``), at any depth."""
    if isinstance(value, dict):
        return {k: _without(v, others) for k, v in value.items()
                if not (isinstance(k, str) and _member_key(k) in others)}
    if isinstance(value, list):
        return [_without(v, others) for v in value
                if not (isinstance(v, dict) and str(v.get("member_id")) in others)]
    return value


def _member_key(key: str) -> str:
    try:
        return str(UUID(key))
    except ValueError:
        return key


def _all_reads(read_log: ReadLog, project: str, family_id: UUID) -> Iterator[ReadEntry]:
    offset = 0
    while True:
        total, page = read_log.entries(projects={project}, family_id=family_id,
                                       limit=500, offset=offset)
        yield from page
        offset += len(page)
        if not page or offset >= total:
            return


def _read(e: ReadEntry) -> dict[str, Any]:
    return {"read_at": e.read_at.isoformat(), "staff_id": e.staff_id, "role": e.role,
            "endpoint": e.endpoint, "token_id": e.token_id}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
