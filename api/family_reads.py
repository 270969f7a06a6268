"""Families shown beside something else (a session's named attendees): which of them a
person may see, each read logged as every read of a family is.

``policy.check_family`` decides on the case as it is now; a family the person may not
see — or one of another project, or none at all — is left out unnamed. Showing a family
to anyone but its case manager is a read of it: the entries go to the read log first.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from api.deps import Services
from application import policy
from application.cases import CaseNotFound
from application.directory import Actor
from application.read_log import ReadEntry, now
from application.refusals import Refusal
from application.views import CaseView


def visible_families(svc: Services, actor: Actor, family_ids: Iterable[UUID], endpoint: str,
                     project: str | None = None) -> dict[UUID, CaseView | None]:
    """Each family (once, in the order given): its case if ``actor`` may see it (and it is
    one of ``project``'s, when named), else None."""
    seen: dict[UUID, CaseView | None] = {}
    logged: list[ReadEntry] = []
    for family_id in dict.fromkeys(family_ids):
        seen[family_id] = None
        try:
            case = svc.cases.get_case(family_id)
            s = case.state
            if project is not None and s.project != project:
                continue
            access = policy.check_family(actor, policy.Action.READ_CASE, s.project,
                                         s.case_manager,
                                         restricted=s.erasure_request is not None)
        except (CaseNotFound, Refusal):  # (both mean: not yours to see)
            continue
        seen[family_id] = case
        if access.read_logged:
            logged.append(ReadEntry(now(), actor.staff_id, access.role, s.project, family_id,
                                    endpoint, actor.token_id))
    if logged:
        svc.read_log.record(logged)
    return seen
