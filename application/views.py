"""Plain values the application returns: never aggregates or stored events."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from application.mapper import field_adapters
from domain.records import CaseState

BASE_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic",
               "occurred_on", "recorded_by")


@dataclass(frozen=True)
class CommandResult:
    """What a command changed: the family's new version and the position of its last
    event in the application's log (for read-your-writes)."""

    family_id: UUID
    version: int
    position: int | None


@dataclass(frozen=True, kw_only=True)
class OpenedCase(CommandResult):
    """An intake's result: also the case number the project's sequence issued."""

    case_number: str


@dataclass(frozen=True)
class CaseView:
    family_id: UUID
    version: int
    opened_at: datetime
    modified_at: datetime
    state: CaseState


@dataclass(frozen=True)
class HistoryEntry:
    """One event on both timelines: when it happened and when, by whom, it was recorded."""

    version: int
    event: str
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    facts: dict[str, Any]
    erased_fields: tuple[str, ...]


def history_entry(event: Any) -> HistoryEntry:
    names = {f.name for f in dataclasses.fields(event)} - set(BASE_FIELDS)
    facts = {k: v for k, v in vars(event).items() if k in names}
    return HistoryEntry(
        version=event.originator_version,
        event=type(event).__name__,
        occurred_on=event.occurred_on,
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
        facts={k: field_adapters(type(event))[k].dump_python(v, mode="json")
               for k, v in facts.items()},
        erased_fields=tuple(getattr(event, "erased_fields", ())),
    )
