"""Read-your-writes for every view read: each read first catches the views up with every
command acknowledged before it (the engine stops at the log's end as the read begins), so
a client always sees its own writes; ``?after=<position>`` (the ``position`` a command
answered with) waits, bounded, for a write made through another server process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from api.deps import ServicesDep
from api.problems import ApiProblem

After = Annotated[int | None, Query(ge=0, le=2**62, description=(
    "Wait until the views hold this log position (read-your-writes)."))]


def catch_up(svc: ServicesDep, after: int | None) -> int:
    """Bring the views up to every command acknowledged so far (and to ``after``, a
    position another server process answered with); the log position they reached."""
    if after is not None and after > (svc.cases.recorder.max_notification_id() or 0):
        raise ApiProblem(422, "position_not_recorded", "Invalid input",
                         "no command has been recorded at that log position", field="after")
    if after is not None and not svc.views.engine.wait_for(after, timeout=2.0):
        raise views_behind()
    svc.views.engine.run_once()
    return svc.views.engine.position()


def views_behind() -> ApiProblem:
    return ApiProblem(503, "view_behind", "Service unavailable",
                      "the views have not reached that position yet; ask again",
                      headers={"Retry-After": "1"})
