"""Operating the read side: where each view stands, for admins and for Prometheus."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field

from api.deps import ActorDep, ServicesDep
from api.problems import BASE_RESPONSES, ERROR_RESPONSES
from application import policy

router = APIRouter(tags=["operations"], responses=ERROR_RESPONSES)
metrics_router = APIRouter(tags=["operations"], responses=BASE_RESPONSES)


class ViewStatusOut(BaseModel):
    name: str = Field(examples=["caseload"])
    position: int
    head: int = Field(description="The event log's last position.")
    behind: int
    oldest_unprocessed_seconds: float | None
    events_per_second: float | None = Field(
        description="Of the last page any engine applied to the view, if any.")
    generation: int = Field(description="Which generation of the view's tables serves "
                                        "(a rebuild fills the next one, then switches).")


@router.get("/admin/views", response_model=list[ViewStatusOut],
            summary="Where each read-model view stands (admins)")
def views(svc: ServicesDep, actor: ActorDep) -> list[ViewStatusOut]:
    if not policy.projects_for(actor, policy.Action.READ_VIEWS):
        raise policy.forbidden(next(iter(actor.roles.values())), policy.Action.READ_VIEWS)
    return [ViewStatusOut(**vars(s)) for s in svc.views.engine.status()]


@metrics_router.get("/metrics", summary="Prometheus metrics of the views (no personal data)",
                    response_class=Response,
                    responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                                     "description": "Prometheus text format."}})
def metrics(svc: ServicesDep) -> Response:
    registry = CollectorRegistry()
    labels = ["view"]
    position = Gauge("lotse_view_position", "Event-log position the view reached", labels,
                     registry=registry)
    behind = Gauge("lotse_view_behind_events", "Log positions the view is behind", labels,
                   registry=registry)
    oldest = Gauge("lotse_view_oldest_unprocessed_seconds",
                   "Age of the oldest event the view has not applied", labels,
                   registry=registry)
    for status in svc.views.engine.status():
        position.labels(status.name).set(status.position)
        behind.labels(status.name).set(status.behind)
        oldest.labels(status.name).set(status.oldest_unprocessed_seconds or 0.0)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
