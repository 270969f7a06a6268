"""The check behind ``lotse audit verify`` and ``GET /audit/integrity``.

One pass over the log in notification order: each event's link is computed again from
its stored bytes and the previous link and compared with the stored one; the event at
each place must be the one the chain linked there; each aggregate's versions must run
on without a gap; a link without its event means the event was deleted. The computed
links are the leaves of the Merkle tree; whenever the tree reaches the size of a stored
checkpoint, the checkpoint's signature (with this log's key, never one the store names),
its size and its root are checked against it. A checkpoint larger than the log means
the log was cut short. Against a witness's checkpoint the RFC 9162 consistency proof
from its size to the whole log is made and verified.

After a finding the check goes on from the *stored* link, so one changed event is named
once, not with every event after it.
"""

from __future__ import annotations

import time
from hashlib import sha256
from typing import TYPE_CHECKING
from uuid import UUID

from application.integrity import merkle
from application.integrity.chain import GENESIS
from application.integrity.checkpoints import Checkpoints, StoredCheckpoint
from application.integrity.findings import Finding, Kind, Report, WitnessCheck
from application.integrity.log import CheckedRow, LinkRow, Log

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from application.integrity.notes import Note

MAX_FINDINGS = 100


class Verifier:
    def __init__(self, cases: FamilyCases, trusted: bytes | None) -> None:
        """``trusted``: the public key checkpoints must be signed with (None: signatures
        are not checked)."""
        self.log = Log(cases)
        self.checkpoints = Checkpoints(cases)
        self.trusted = trusted

    # ----- one aggregate --------------------------------------------------------------

    def family(self, originator: str) -> Report:
        """The chain of one aggregate (a family's case): no tree, no checkpoints."""
        started = time.perf_counter()
        report = Report(family=originator)
        heads: dict[bytes, tuple[int, bytes]] = {}
        for page in self.log.checked_pages(self.log.head(), originator):
            self._chains(page, heads, report, [])
            report.events += len(page)
        self._orphans(self.log.orphan_links(None, originator), heads, report)
        report.aggregates = len(heads)
        report.seconds = time.perf_counter() - started
        return report

    # ----- the whole log ----------------------------------------------------------------

    def whole_log(self, witness: Note | None = None) -> Report:
        started = time.perf_counter()
        report = Report()
        stored = self.checkpoints.all()  # read before the head: none covers more than it
        head = self.log.head()
        heads: dict[bytes, tuple[int, bytes]] = {}
        frontier = merkle.Frontier()
        pending = list(stored)
        matched = 0  # the size of the last checkpoint whose root matched
        leaves = bytearray() if witness is not None else None
        linked = 0
        for page in self.log.checked_pages(head):
            computed: list[bytes] = []
            linked += self._chains(page, heads, report, computed)
            if leaves is not None:
                leaves += b"".join(computed)
            start = 0
            while pending and pending[0].size <= frontier.size + len(computed) - start:
                cut = start + pending[0].size - frontier.size
                frontier.extend(computed[start:cut])
                start = cut
                matched = self._checkpoint(pending.pop(0), frontier, matched, report)
            frontier.extend(computed[start:])
        if self.log.link_count() != linked:
            # links without their events (a deleted event, a log cut short), or events
            # written meanwhile: only then the anti-join, which tells them apart
            self._orphans(self.log.orphan_links(None), heads, report)
        for cp in pending:
            report.add(Finding(Kind.TRUNCATED, (
                f"the log holds {frontier.size} events, fewer than the {cp.size} the "
                f"checkpoint of {_when(cp)} covers: events were removed (the log cut "
                "short, or deleted with their links)")), MAX_FINDINGS)
        report.events, report.size, report.root = frontier.size, frontier.size, frontier.root()
        report.checkpoints = len(stored) - len(pending)
        report.aggregates = len(heads)
        if witness is not None and leaves is not None:
            report.witness = self._witness(witness, leaves, report)
        report.seconds = time.perf_counter() - started
        return report

    # ----- the steps --------------------------------------------------------------------

    def _chains(self, page: list[CheckedRow], heads: dict[bytes, tuple[int, bytes]],
                report: Report, computed: list[bytes]) -> int:
        """Check each event of ``page`` against the link at its place; the number of
        events that had one. The hot loop of the check: kept to the bare operations."""
        keep, get, sha, start = computed.append, heads.get, sha256, (0, GENESIS)
        unlinked = 0
        for position, key, version, topic, state, lkey, lversion, linked in page:
            previous, before = get(key, start)
            h = sha(b"\x00%s%s\x00%d\x00%s\x00" % (before, key, version, topic)
                    + state).digest()
            keep(h)
            if linked == h and lkey == key and lversion == version == previous + 1:
                heads[key] = (version, h)
                continue
            name = key.decode()
            if linked is None or lkey is None or lversion is None:
                unlinked += 1
                self._report(report, Kind.UNCHAINED, name, version, position,
                             "no link: written around Lotse")
                heads[key] = (version, h)
                continue
            if lkey != key or lversion != version:
                self._report(report, Kind.MOVED, name, version, position, (
                    f"the chain linked {_named(lkey.decode())} version {lversion} "
                    "at this place in the log"))
            elif version != previous + 1:
                self._report(report, Kind.GAP, name, version, position, (
                    f"follows version {previous}: versions {previous + 1} to "
                    f"{version - 1} are missing" if version > previous + 1 else
                    f"follows version {previous}: recorded twice or out of order"))
            else:
                self._report(report, Kind.CHANGED, name, version, position,
                             "its stored bytes do not give its link")
            heads[key] = (version, linked)
        return len(page) - unlinked

    def _orphans(self, links: list[LinkRow], heads: dict[bytes, tuple[int, bytes]],
                 report: Report) -> None:
        """Links whose events are gone, put among the findings in log order."""
        if not links:
            return
        for position, key, version, _ in links:
            self._report(report, Kind.MISSING, key, version, position,
                         "linked in the chain, but the event is gone (deleted)")
        report.findings.sort(key=lambda f: (f.position is None, f.position or 0))
        del report.findings[MAX_FINDINGS:]

    def _report(self, report: Report, kind: Kind, key: str, version: int, position: int,
                detail: str) -> None:
        report.add(Finding(kind, detail, key, version, position), MAX_FINDINGS)

    def _checkpoint(self, cp: StoredCheckpoint, frontier: merkle.Frontier, matched: int,
                    report: Report) -> int:
        from application.integrity.notes import NoteError, parse

        try:
            note = parse(cp.note)
        except NoteError as e:
            report.add(Finding(Kind.SIGNATURE, f"the checkpoint of {cp.size} events cannot "
                               f"be read: {e}"), MAX_FINDINGS)
            return matched
        when = _when(cp)
        if self.trusted is not None and not note.signed_by(self.trusted):
            report.add(Finding(Kind.SIGNATURE, (
                f"the checkpoint of {when} ({cp.size} events) is not signed by this log's "
                "key: re-signed or forged")), MAX_FINDINGS)
        root = frontier.root()
        if note.checkpoint.size != cp.size or note.checkpoint.root != root:
            report.add(Finding(Kind.ROOT, (
                f"the log's first {cp.size} events no longer hash to the root signed on "
                f"{when}: changed, removed or moved after event {matched}")), MAX_FINDINGS)
            return matched
        return cp.size

    def _witness(self, note: Note, leaves: bytearray, report: Report) -> WitnessCheck:
        m, n = note.checkpoint.size, len(leaves) // merkle.HASH_SIZE
        if self.trusted is not None and not note.signed_by(self.trusted):
            report.add(Finding(Kind.WITNESS, "the witness's checkpoint is not signed by this "
                               "log's key"), MAX_FINDINGS)
            return WitnessCheck(m, False, 0)
        if m > n:
            report.add(Finding(Kind.WITNESS, (
                f"the witness holds a checkpoint of {m} events, the log only {n}: "
                "events were removed")), MAX_FINDINGS)
            return WitnessCheck(m, False, 0)
        if m == 0:
            return WitnessCheck(m, True, 0)
        hashes = [bytes(leaves[i:i + 32]) for i in range(0, len(leaves), 32)]
        proof = merkle.consistency_proof(m, n, lambda lo, hi: merkle.range_root(hashes, lo, hi))
        ok = merkle.verify_consistency(m, n, proof, note.checkpoint.root, report.root)
        if not ok:
            report.add(Finding(Kind.WITNESS, (
                f"the log does not extend the witness's checkpoint of {m} events: its first "
                f"{m} events were changed, removed or moved")), MAX_FINDINGS)
        return WitnessCheck(m, ok, len(proof))


def _named(key: str) -> str:
    try:
        return str(UUID(hex=key))
    except ValueError:
        return key


def _when(cp: StoredCheckpoint) -> str:
    for line in cp.note.split("\n")[3:]:
        if line.startswith("time "):
            return line[5:]
    return f"size {cp.size}"
