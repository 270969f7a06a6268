"""``GET /families/{id}/summary``: a family at a glance, from the family summary view.

It answers exactly whom ``GET /families/{id}`` answers (the same access check on the case
as it is now) and writes the read to the read log the same way; it holds no personal
data. Like every view read, each request first catches the views up with every command
acknowledged before it; ``?after=<position>`` waits, bounded, for a write made through
another server process.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import Field
from pydantic.dataclasses import dataclass

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES
from api.read_your_writes import After, catch_up, views_behind
from api.routes.families import _access, _log_read
from application import policy
from projections.views.family_summary_read import FamilySummaryRecord, read_summary

router = APIRouter(tags=["views"], responses=ERROR_RESPONSES)
A = policy.Action


@dataclass(frozen=True)
class CaseSummary(FamilySummaryRecord):
    """The family's summary as the views hold it, at a position of the event log."""

    position: Annotated[int, Field(
        description="The event-log position the views had reached.")]


@router.get("/families/{family_id}/summary", response_model=CaseSummary,
            summary="A family at a glance: household, ESF+ participation, goals, referrals "
                    "and consultation hours, without personal data")
def family_summary(svc: ServicesDep, actor: ActorDep, family_id: UUID,
                   after: After = None) -> CaseSummary:
    """Whoever may read the family's case may read its summary (and the read is logged
    the same way); names, birth dates and notes stay in `GET /families/{id}`."""
    state, access = _access(svc, actor, family_id, A.READ_CASE)
    position = catch_up(svc, after)
    found = read_summary(svc.cases.tables, svc.views.family_summary, family_id)
    if found is None:  # (the case was read before the catch-up: it is in the log)
        raise views_behind()
    _log_read(svc, actor, access, state.project, family_id, "GET /families/{id}/summary")
    return CaseSummary(**{f.name: getattr(found, f.name) for f in fields(found)},
                       position=position)
