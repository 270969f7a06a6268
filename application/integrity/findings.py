"""What ``lotse audit verify`` and ``GET /audit/integrity`` report: the findings in the
order they were met (notification order), the first one named up front."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    CHANGED = "changed"  # an event's stored bytes no longer give its link
    GAP = "gap"  # an aggregate's versions skip one the log lacks (a deleted event)
    UNCHAINED = "unchained"  # an event without a link (written around Lotse)
    MOVED = "moved"  # an event placed before or after versions of its own in the log
    TRUNCATED = "truncated"  # a checkpoint covers more events than the log holds
    ROOT = "root"  # the log's first n events no longer give a checkpoint's root
    SIGNATURE = "signature"  # a checkpoint not signed by this log's key
    WITNESS = "witness"  # the log does not extend a witness's checkpoint


@dataclass(frozen=True)
class Finding:
    kind: Kind
    detail: str
    originator: str | None = None
    version: int | None = None
    position: int | None = None


@dataclass
class WitnessCheck:
    size: int
    extended: bool
    proof_hashes: int


@dataclass
class Report:
    events: int = 0
    aggregates: int = 0
    checkpoints: int = 0
    """Stored checkpoints checked against the log (signature, size and root)."""
    size: int = 0
    root: bytes = b""
    family: str | None = None
    """Set when only one aggregate's chain was checked (no tree, no checkpoints)."""
    witness: WitnessCheck | None = None
    signing_key: str | None = None
    """The verifier key checkpoints were checked with (None: no key configured)."""
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    more: int = 0
    """Findings beyond the first ``MAX_FINDINGS``, counted only."""

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def add(self, finding: Finding, limit: int) -> None:
        if len(self.findings) < limit:
            self.findings.append(finding)
        else:
            self.more += 1
