"""``GET /audit/integrity``: the auditors' check that nothing in the event log was
altered (the same check as ``lotse audit verify``, ``application/integrity/``).

The log is one for all projects, so the check always covers all of it; a finding is
named (family id, version) only when it concerns a family of a project the caller
audits, the staff directory or another aggregate of no project. Any other finding is
counted and described without its family: a family of another project does not exist
for the caller.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import ActorDep, ServicesDep
from api.problems import ERROR_RESPONSES
from application import policy
from application.cases import FamilyCases
from application.integrity.findings import Finding, Kind
from application.integrity.log import Log, describe
from application.integrity.service import Integrity

audit = APIRouter(prefix="/audit", tags=["audit"], responses=ERROR_RESPONSES)


class FindingOut(BaseModel):
    kind: Kind
    detail: str
    aggregate: str | None = Field(description=(
        "What the finding is about, e.g. `family <id>`; null for a tree or checkpoint "
        "finding, or for a family outside your projects."))
    family_id: UUID | None = None
    version: int | None = None
    position: int | None = Field(default=None, description="The event's notification id.")


class IntegrityOut(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{
        "verified": False, "events": 1047, "aggregates": 55, "checkpoints": 3,
        "tree_size": 1047, "root": "f968bd79ec22f198…", "signing_key": "lotse+85e16f83+AR…",
        "first": {"kind": "changed", "detail": "its stored bytes do not give its link",
                  "aggregate": "family 5a1c…", "family_id": "5a1c…", "version": 3,
                  "position": 17},
        "findings": [], "more": 0, "seconds": 0.05}]}}

    verified: bool
    events: int
    aggregates: int
    checkpoints: int = Field(description="Stored signed checkpoints checked against the log.")
    tree_size: int
    root: str = Field(description="The Merkle tree's root over the whole log (hex).")
    signing_key: str | None = Field(description=(
        "The verifier key (C2SP signed note) checkpoints were checked with; null if "
        "none is configured."))
    first: FindingOut | None = Field(description="The first thing that does not verify.")
    findings: list[FindingOut]
    more: int = Field(description="Findings beyond those listed.")
    seconds: float


@audit.get("/integrity", summary="Verify that nothing in the event log was altered (auditors)",
           response_model=IntegrityOut)
def integrity(svc: ServicesDep, actor: ActorDep,
              project: Annotated[str | None, Query(max_length=10)] = None) -> IntegrityOut:
    """Checks every event's link in its family's hash chain, the Merkle tree over the
    whole log and every signed checkpoint, and names the first family and version that
    does not verify. Takes about a second per 100,000 events."""
    scope = policy.scope_for(actor, policy.Action.VERIFY_INTEGRITY, project)
    report = Integrity(svc.cases).verify()
    log = Log(svc.cases)
    findings = [_out(f, log, svc.cases, set(scope.projects)) for f in report.findings]
    return IntegrityOut(
        verified=report.ok, events=report.events, aggregates=report.aggregates,
        checkpoints=report.checkpoints, tree_size=report.size, root=report.root.hex(),
        signing_key=report.signing_key, first=findings[0] if findings else None,
        findings=findings, more=report.more, seconds=round(report.seconds, 3))


def _out(finding: Finding, log: Log, cases: FamilyCases, projects: set[str]) -> FindingOut:
    if finding.originator is None:
        return FindingOut(kind=finding.kind, detail=finding.detail, aggregate=None)
    name = describe(log, finding.originator)
    family_id: UUID | None = None
    if name.startswith("offer ") and _project_of(cases, UUID(hex=finding.originator)) \
            not in projects:
        return FindingOut(kind=finding.kind, aggregate=None, detail=(
            "an event of an offer outside your projects: " + finding.detail))
    if name.startswith("family "):
        family_id = UUID(hex=finding.originator)
        if _project_of(cases, family_id) not in projects:
            return FindingOut(kind=finding.kind, aggregate=None, detail=(
                "an event of a family outside your projects: " + finding.detail))
    return FindingOut(kind=finding.kind, detail=finding.detail, aggregate=name,
                      family_id=family_id, version=finding.version, position=finding.position)


def _project_of(cases: FamilyCases, family_id: UUID) -> str | None:
    """The family's project from its intake; None when even that cannot be read."""
    try:
        first = next(iter(cases.events.get(family_id, lte=1)))
        return str(first.project)  # type: ignore[attr-defined]
    except Exception:  # a tampered intake may not decode at all
        return None
