"""Which facts of earlier events can be corrected, and how a correction is applied.

A correction never rewrites the earlier event: it is an event of its own
(``EntryCorrected``) naming the version it corrects, the fields and a reason. Values
travel as text and are parsed here, so a bad value is refused before anything is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from domain import rules
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.participation import check_entry
from domain.records import CaseState, EventRef, FieldChange
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    ContactMode,
    ExitStatus,
    InstitutionType,
    IscedBand,
    LabourMarketStatus,
    LifeArea,
)

Parser = Callable[[str], Any]


def _bool(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise ValueError("expected true or false")


def _minutes(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 1440:
        raise ValueError("a duration is between 1 and 1440 minutes")
    return value


def _months(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 600:
        raise ValueError("months are between 0 and 600")
    return value


_ENTRY: dict[str, Parser] = {
    "occurred_on": date.fromisoformat,
    "labour_market_status": LabourMarketStatus,
    "unemployed_months": _months,
    "isced": IscedBand,
    "disability": Answer,
    "citizenship": Citizenship,
    "foreign_background": Answer,
    "minority": Answer,
    "homeless": Answer,
    "rural": _bool,
}

def _name(text: str) -> str:
    try:
        return rules.text(text, "value")
    except InvalidInput as e:
        raise ValueError(e.message) from None


def _postal(text: str) -> str:
    try:
        return rules.postal_code(text)
    except InvalidInput as e:
        raise ValueError(e.message) from None


CORRECTABLE: dict[str, dict[str, Parser]] = {
    "CaseOpened": {"district": _name, "postal_code": _postal, "access_route": AccessRoute,
                   "benefit_situation": BenefitSituation},
    "ParticipantEntered": _ENTRY,
    "ParticipantLeft": {"occurred_on": date.fromisoformat, "status": ExitStatus},
    "ConsultationRecorded": {"occurred_on": date.fromisoformat, "duration_minutes": _minutes,
                             "mode": ContactMode, "next_follow_up_on": date.fromisoformat},
    "GoalSet": {"life_area": LifeArea, "target_date": date.fromisoformat},
    "ReferralMade": {"institution_type": InstitutionType, "institution_name": _name},
}
# Facts whose values are numbers or true/false (the others are dates, codes or text).
NUMBERS = frozenset({"unemployed_months", "duration_minutes"})
BOOLEANS = frozenset({"rural"})
# Facts that may be unknown (an incomplete ESF+ entry) and so may be corrected to none.
OPTIONAL = frozenset({*(_ENTRY.keys() - {"occurred_on"}), "next_follow_up_on", "target_date"})
# Special-category items (GDPR Art. 9): personal data, sealed with the family's key.
SENSITIVE = frozenset({"disability", "minority", "foreign_background", "homeless"})
# Facts whose corrected values are sealed with the family's key (``sensitive_changes``):
# the special-category items and the free text among the correctable facts.
PERSONAL_CORRECTIONS = SENSITIVE | {"institution_name"}
# Dates that name a future day by nature.
FUTURE_ALLOWED = frozenset({"next_follow_up_on", "target_date"})


def parse_change(event: str, change: FieldChange) -> Any:
    """The typed value of a correction, or an ``InvalidInput`` naming the rule."""
    fields = CORRECTABLE.get(event)
    if fields is None:
        raise InvalidInput("correction_not_allowed",
                           f"{event} events cannot be corrected", field="corrected_version")
    parser = fields.get(change.field)
    if parser is None:
        raise InvalidInput("field_not_correctable",
                           f"field {change.field!r} of {event} cannot be corrected; "
                           f"correctable: {', '.join(sorted(fields))}", field="changes")
    if change.value is None:
        if change.field not in OPTIONAL:
            raise InvalidInput("invalid_correction_value", f"{change.field} cannot be "
                               "corrected to nothing", field="changes")
        return None
    try:
        return parser(change.value)
    except ValueError as e:
        raise InvalidInput("invalid_correction_value",
                           f"{change.value!r} is not a valid {change.field}: {e}",
                           field="changes") from None


def apply_correction(state: CaseState, version: int, ref: EventRef,
                     change: FieldChange) -> None:
    value = parse_change(ref.event, change)
    key = UUID(ref.key) if ref.key not in (None, "case") else None
    if ref.event == "CaseOpened":
        setattr(state, change.field, value)
    elif ref.event == "ParticipantEntered" and key is not None:
        p = next(p for p in state.participations[key] if p.entry_version == version)
        if change.field == "occurred_on":
            p.entered_on = value
        else:
            p.entry = replace(p.entry, **{change.field: value})
    elif ref.event == "ParticipantLeft" and key is not None:
        p = next(p for p in state.participations[key] if p.exit_version == version)
        if change.field == "occurred_on":
            p.left_on = value
        else:
            p.exit_status = value
    elif ref.event == "ConsultationRecorded" and key is not None:
        c = state.consultations[key]
        setattr(c, "held_on" if change.field == "occurred_on" else change.field, value)
        state.recompute_contacts()
    elif ref.event == "GoalSet" and key is not None:
        setattr(state.goals[key], change.field, value)
    elif ref.event == "ReferralMade" and key is not None:
        setattr(state.referrals[key], change.field, value)


TARGETS: dict[str, str] = {
    "case": "CaseOpened", "esf_entry": "ParticipantEntered", "esf_exit": "ParticipantLeft",
    "consultation": "ConsultationRecorded", "goal": "GoalSet", "referral": "ReferralMade"}
"""What a correction may name by id, and the event that recorded it (the ESF+ entry and
exit are named by the member's id: its latest stay)."""


def target_version(state: CaseState, kind: str, key: UUID | None) -> int:
    """The version of the event that recorded the thing a correction names by id."""
    event = TARGETS.get(kind)
    if event is None:
        raise InvalidInput("unknown_target_kind", f"a correction names one of "
                           f"{', '.join(TARGETS)}, not {kind!r}", field="target.kind")
    if kind != "case" and key is None:
        raise InvalidInput("target_id_missing", f"name the {kind} by its id",
                           field="target.id")
    versions = [v for v, ref in state.refs.items()
                if ref.event == event and (kind == "case" or ref.key == str(key))]
    if not versions:
        raise NotFound("unknown_target", f"the case has no {kind} {key}", field="target.id")
    return max(versions)


def check_consistency(state: CaseState) -> None:
    """The rules between dates and facts that a correction must not break."""
    for member_id, ps in state.participations.items():
        for i, p in enumerate(ps):
            check_entry(p.entry)
            if p.left_on is not None and p.left_on < p.entered_on:
                raise RuleViolation("exit_before_entry", f"the exit date {p.left_on} would lie "
                                    f"before the entry date {p.entered_on}", field="changes",
                                    member_id=member_id)
            previous = ps[i - 1].left_on if i else None
            if previous is not None and p.entered_on < previous:
                raise RuleViolation("reentry_before_exit", "a re-entry would precede the "
                                    "previous exit", field="changes", member_id=member_id)
            if p.entered_on < state.opened_on:
                raise RuleViolation("before_intake", "the entry would lie before the intake",
                                    field="changes", member_id=member_id)
    for c in state.consultations.values():
        if c.held_on < state.opened_on:
            raise RuleViolation("before_intake", "the consultation would lie before the "
                                "intake", field="changes", consultation_id=c.consultation_id)
        if c.next_follow_up_on is not None and c.next_follow_up_on < c.held_on:
            raise RuleViolation("follow_up_before_consultation", "the next follow-up would "
                                "precede the consultation", field="changes",
                                consultation_id=c.consultation_id)
    for g in state.goals.values():
        if g.target_date is not None and g.target_date < g.set_on:
            raise RuleViolation("target_before_start", "the target date would precede the day "
                                "the goal was set", field="changes", goal_id=g.goal_id)

