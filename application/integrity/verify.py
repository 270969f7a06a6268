"""The check behind ``lotse audit verify`` and ``GET /audit/integrity``.

One pass over the log in notification order: each event's link is computed again from
its stored bytes and the previous link and compared with the hash stored in its row;
each aggregate's versions must follow one another in the log, without a gap (an event
placed before or after versions of its own is named moved; a version the log lacks - a
deleted event, its hash with it - is named missing at the version after the gap). The
computed links are the leaves of the Merkle tree; whenever the tree reaches the size of
a stored checkpoint, the checkpoint's signature (with this log's key, never one the
store names), its size and its root are checked against it. A checkpoint larger than
the log means the log was cut short. Against a witness's checkpoint the RFC 9162
consistency proof from its size to the whole log is made and verified.

After a finding the check goes on from the *stored* link, so one changed event is named
once, not with every event after it. The findings come in log order, those about
checkpoints after them. A large log is checked in two shares side by side when the
caller has a helper process for the second (``split.py``); the result is the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from hashlib import sha256
from typing import TYPE_CHECKING

from application.integrity import merkle
from application.integrity.chain import GENESIS
from application.integrity.checkpoints import Checkpoints, StoredCheckpoint
from application.integrity.findings import Finding, Kind, Report, WitnessCheck
from application.integrity.log import CheckedRow, Log
from application.integrity.split import Heads, Helper, Share

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from application.integrity.notes import Note

MAX_FINDINGS = 100
SPLIT_FROM = 40_000
"""A log of this many events or more is checked in two shares when a helper process is
at hand (below, forking and joining cost more than they save)."""
SPLIT_SHARE = {False: 0.5, True: 0.55}
"""The first share's part of the log on SQLite and on PostgreSQL (measured: its process
also builds the tree, and on PostgreSQL the helper's first query waits longer for its
connection pool)."""


class Verifier:
    def __init__(self, cases: FamilyCases, trusted: bytes | None) -> None:
        """``trusted``: the public key checkpoints must be signed with (None: signatures
        are not checked)."""
        self.settings = cases.settings
        self.log = Log(cases)
        self.checkpoints = Checkpoints(cases)
        self.trusted = trusted

    # ----- one aggregate --------------------------------------------------------------

    def family(self, originator: str) -> Report:
        """The chain of one aggregate (a family's case): no tree, no checkpoints."""
        started = time.perf_counter()
        report, chains = Report(family=originator), Report()
        heads: Heads = {}
        for page in self.log.checked_pages(self.log.head(), originator):
            self._chains(page, heads, chains, [])
            report.events += len(page)
        _gather(report, [chains])
        report.aggregates = len(heads)
        report.seconds = time.perf_counter() - started
        return report

    # ----- the whole log ----------------------------------------------------------------

    def whole_log(self, witness: Note | None = None, helper: Helper | None = None,
                  split_at: int | None = None) -> Report:
        """``helper``: a process that checks the second share of a log of ``SPLIT_FROM``
        events or more (``split.py``); ``split_at``: split the log after this position
        whatever its size (the tests compare every split with the single pass)."""
        started = time.perf_counter()
        report = Report()
        stored = self.checkpoints.all()  # read before the head: none covers more than it
        head = self.log.head()
        tree = _Tree(stored, self, keep_leaves=witness is not None)
        if split_at is None:
            share = SPLIT_SHARE[self.log.postgres]
            split_at = int(head * share) if head >= SPLIT_FROM else head
        split = max(0, min(split_at, head))
        if helper is not None and split < head:
            helper.submit(self.settings, split, head)
        first = self.share(0, split, deferring=False, absorb=tree.absorb)
        heads, found = first.heads, [first.found]
        if split < head:
            second = (helper.result() if helper is not None else None) or self.share(
                split, head, deferring=True)
            joined = Report()
            self._join(second, heads, joined)
            found += [joined, second.found]
            tree.absorb(second.leaves)
        tree.finish(report)
        _gather(report, [*found, tree.found])
        report.aggregates = len(heads)
        if witness is not None:
            report.witness = self._witness(witness, tree.leaves, report)
        report.seconds = time.perf_counter() - started
        return report

    def share(self, after: int, head: int, *, deferring: bool,
              absorb: Callable[[list[bytes]], None] | None = None) -> Share:
        """Check the events after ``after`` up to ``head``; ``deferring``: the share does
        not start at the log's beginning (see ``split.py``); ``absorb``: takes each
        page's leaves (else the share keeps them)."""
        share = Share()
        deferred = share.deferred if deferring else None
        leaves = share.leaves
        for page in self.log.checked_pages(head, after=after):
            if absorb is not None:
                leaves = []
            self._chains(page, share.heads, share.found, leaves, deferred)
            if absorb is not None:
                absorb(leaves)
        return share

    def _join(self, share: Share, heads: Heads, report: Report) -> None:
        """Check ``share``'s deferred events with the heads of the log before it (their
        findings into ``report``), fill their leaves in and take the share's heads."""
        computed: list[bytes] = []
        self._chains([row for _, row in share.deferred], heads, report, computed)
        for (index, _), leaf in zip(share.deferred, computed, strict=True):
            share.leaves[index] = leaf
        heads.update({k: v for k, v in share.heads.items() if v is not None})

    # ----- the steps --------------------------------------------------------------------

    def _chains(self, page: list[CheckedRow], heads: Heads, report: Report,
                computed: list[bytes], deferred: list[tuple[int, CheckedRow]] | None = None
                ) -> None:
        """Check each event of ``page`` against the link stored in its row. The hot loop
        of the check: kept to the bare operations. ``deferred``: collects the events
        whose aggregate's head is not known (a share after the first, ``split.py``)
        instead of checking them."""
        keep, get, sha, start = computed.append, heads.get, sha256, (0, GENESIS)
        for row in page:
            position, key, version, topic, state, linked = row
            head = get(key)
            if head is None:
                if deferred is not None:
                    deferred.append((len(computed), (  # a tuple, not a sqlite3.Row
                        position, key, version, topic, state, linked)))
                    keep(GENESIS)
                    heads[key] = None if linked is None else (version, linked)
                    continue
                head = start
            previous, before = head
            h = sha(b"\x00%s%s\x00%d\x00%s\x00" % (before, key, version, topic)
                    + state).digest()
            keep(h)
            if linked == h and version == previous + 1:
                heads[key] = (version, h)
                continue
            if linked is None:
                self._report(report, Kind.UNCHAINED, key.decode(), version, position,
                             "no link: written around Lotse")
                heads[key] = (version, h)
                continue
            if version != previous + 1:
                if self._out_of_order(report, row, previous):
                    computed[-1] = linked  # (its link holds, from its stored predecessor)
            else:
                self._report(report, Kind.CHANGED, key.decode(), version, position,
                             "its stored bytes do not give its link")
            heads[key] = (version, linked)

    def _out_of_order(self, report: Report, row: CheckedRow, previous: int) -> bool:
        """An event whose version does not follow the last one of its aggregate met in
        the log: placed after a later version or before an earlier one of its own
        (moved), after versions the log lacks (missing), or after an earlier version
        that was itself out of place (named there: the event is checked against that
        version's stored link). True when its link holds."""
        position, key, version, topic, state, linked = row
        name = key.decode()
        if version <= previous:
            self._report(report, Kind.MOVED, name, version, position, (
                f"recorded after its version {previous}: moved in the log"))
            return False
        between = self.log.versions(name, previous + 1, version - 1)
        later = [v for v, at, _ in between if at > position]
        if later:
            self._report(report, Kind.MOVED, name, version, position, (
                f"recorded before its version{'s' if len(later) > 1 else ''} "
                f"{_versions(later)}: moved in the log"))
            return False
        if len(between) < version - previous - 1:
            there = {v for v, _, _ in between}
            gone = [v for v in range(previous + 1, version) if v not in there]
            self._report(report, Kind.GAP, name, version, position, (
                f"follows version {previous}: version{'s' if len(gone) > 1 else ''} "
                f"{_versions(gone)} {'are' if len(gone) > 1 else 'is'} missing (deleted)"))
            return False
        before = between[-1][2] or GENESIS
        if linked == sha256(b"\x00%s%s\x00%d\x00%s\x00" % (before, key, version, topic)
                            + state).digest():
            return True
        self._report(report, Kind.CHANGED, name, version, position,
                     "its stored bytes do not give its link")
        return False

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
                "key: re-signed or forged, or LOTSE_SIGNING_KEY is not the key this "
                "store's checkpoints were signed with")), MAX_FINDINGS)
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


class _Tree:
    """The Merkle tree over the computed links, checked against each stored checkpoint
    as it reaches the checkpoint's size."""

    def __init__(self, stored: list[StoredCheckpoint], verifier: Verifier, *,
                 keep_leaves: bool) -> None:
        self.frontier = merkle.Frontier()
        self.stored, self.pending = len(stored), list(stored)
        self.matched = 0  # the size of the last checkpoint whose root matched
        self.verifier, self.found = verifier, Report()
        self.keep_leaves = keep_leaves
        self.leaves = bytearray()  # every leaf, for a witness's consistency proof

    def absorb(self, computed: list[bytes]) -> None:
        frontier, pending = self.frontier, self.pending
        if self.keep_leaves:
            self.leaves += b"".join(computed)
        start = 0
        while pending and pending[0].size <= frontier.size + len(computed) - start:
            cut = start + pending[0].size - frontier.size
            frontier.extend(computed[start:cut])
            start = cut
            self.matched = self.verifier._checkpoint(pending.pop(0), frontier, self.matched,
                                                     self.found)
        frontier.extend(computed[start:])

    def finish(self, report: Report) -> None:
        size = self.frontier.size
        for cp in self.pending:
            self.found.add(Finding(Kind.TRUNCATED, (
                f"the log holds {size} events, fewer than the {cp.size} the checkpoint of "
                f"{_when(cp)} covers: events were removed (the log cut short, or deleted "
                "with their links)")), MAX_FINDINGS)
        report.events, report.size, report.root = size, size, self.frontier.root()
        report.checkpoints = self.stored - len(self.pending)


def _gather(report: Report, found: list[Report]) -> None:
    """The findings of each part of the check (each the first ``MAX_FINDINGS`` in its
    order, the rest counted): those about events in log order, those about checkpoints
    after them, the first ``MAX_FINDINGS`` kept."""
    findings = sorted((f for part in found for f in part.findings),
                      key=lambda f: (f.position is None, f.position or 0))
    report.findings = findings[:MAX_FINDINGS]
    report.more = sum(part.more for part in found) + max(0, len(findings) - MAX_FINDINGS)


def _versions(versions: list[int]) -> str:
    """``3``, ``3 to 5`` (a run), or ``3, 5`` (versions apart)."""
    if len(versions) > 1 and versions[-1] - versions[0] == len(versions) - 1:
        return f"{versions[0]} to {versions[-1]}"
    return ", ".join(str(v) for v in versions)


def _when(cp: StoredCheckpoint) -> str:
    for line in cp.note.split("\n")[3:]:
        if line.startswith("time "):
            return line[5:]
    return f"size {cp.size}"
