"""One way to run every command: access, If-Match, Idempotency-Key, retries, the answer.

``Pipeline.execute(command, actor, expected_version, idempotency_key)`` is the only path
from a caller's intent to stored events, whatever the transport (JSON API, command line,
demo generators, web forms):

1. A repeat of an idempotency key answers as the first request did (``replayed``), also
   after a restart or while the first is still running; the same key for a different
   command is refused. "The same" is the command's own content (``Command.intent``),
   compared through a keyed hash: requests hold personal data.
2. The access check runs inside the application on the freshly loaded case (a case
   transferred a moment ago cannot be changed by its former case manager), then
   If-Match, then the domain's rules; collisions are retried on the fresh case.
3. The key is stored in the same transaction as the events (``application/recorders.py``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from application import policy
from application.cases import FamilyCases
from application.commands.base import Command, FamilyCommand, ProjectCommand
from application.commands.offers import OfferWork
from application.directory import Actor, Directory
from application.idempotency import KeyReplayed, PendingKey, Receipt, keyed
from application.refusals import Refusal, invalid
from application.views import OpenedCase
from domain.records import CaseState
from domain.report_submissions import Figures

ReportFigures = Callable[[str, str, str], tuple[str, Figures]]
"""(project, period, as known) → (the period's canonical name, its figures)."""


@dataclass(frozen=True)
class Accepted:
    """The answer to a command: its body and, for a family, the case's new version."""

    body: dict[str, Any]
    status: int
    family_id: UUID | None = None
    version: int | None = None
    replayed: bool = False
    location: str | None = None


class Pipeline:
    def __init__(self, cases: FamilyCases, directory: Directory, fingerprint_key: bytes,
                 *, after_erasure: Callable[[], object] | None = None) -> None:
        self.cases, self.directory = cases, directory
        self._fingerprint_key = fingerprint_key
        self.after_erasure = after_erasure
        """Run after an erasure (and its repeats): the search index forgets the names."""
        self._report_figures: ReportFigures | None = None

    @classmethod
    def for_cases(cls, cases: FamilyCases, directory: Directory, **options: Any) -> Pipeline:
        """The pipeline of ``cases``, its fingerprint key derived from the master key."""
        return cls(cases, directory, derived_key(cases.settings.resolve_master_key(),
                                                 b"lotse:request-fingerprint"), **options)

    def report_figures_source(self, source: ReportFigures) -> None:
        """Where submissions take their figures from (the read side, built later)."""
        self._report_figures = source

    def report_figures(self, project: str, period: str, as_known: str) -> tuple[str, Figures]:
        """A period's ESF+ figures as the read side computes them, or a ``Refusal``."""
        if self._report_figures is None:
            raise RuntimeError("this pipeline was built without the ESF+ report")
        return self._report_figures(project, period, as_known)

    def execute(self, command: Command, actor: Actor, expected_version: int | None = None,
                idempotency_key: str | None = None) -> Accepted:
        command = command.authorize(actor, self.directory)
        print_ = self.fingerprint(command) if idempotency_key is not None else ""
        if idempotency_key is not None:
            receipt = self.cases.find_receipt(actor.staff_id, idempotency_key)
            if receipt is not None:
                self._same_request(receipt, print_)
                if command.rerun_on_repeat:
                    self._run(command, actor, None)
                return self._replay(command, receipt)
        family_id = (command.family_id if isinstance(command, FamilyCommand)
                     else command.offer_id if isinstance(command, OfferWork) else None)
        pending = (PendingKey(actor.staff_id, idempotency_key, print_, family_id,
                              dict(command.facts()))
                   if idempotency_key is not None else None)
        try:
            with keyed(pending) if pending is not None else nullcontext():
                return self._run(command, actor, expected_version)
        except KeyReplayed as e:
            self._same_request(e.receipt, print_)
            return self._replay(command, e.receipt)

    def fingerprint(self, command: Command) -> str:
        text = json.dumps(command.intent(), sort_keys=True, separators=(",", ":"))
        return hmac.new(self._fingerprint_key, text.encode(), hashlib.sha256).hexdigest()

    def _run(self, command: Command, actor: Actor, expected: int | None) -> Accepted:
        if isinstance(command, ProjectCommand):
            body = command.perform(self, actor)
            return Accepted(body, command.route.status)
        if isinstance(command, OfferWork):
            saved = command.perform_offer(self, actor, expected)
            return offer_answer(command, saved.version, saved.position, command.facts())
        assert isinstance(command, FamilyCommand)

        def guard(state: CaseState) -> None:
            policy.check_family(actor, command.action, state.project, state.case_manager)
            command.check(state, self.directory)

        result = command.run(self.cases, actor.staff_id, expected, guard)
        facts = dict(command.facts())
        if isinstance(result, OpenedCase):
            facts["case_number"] = result.case_number
        command.after(self)
        return family_answer(command, result.family_id, result.version, result.position,
                             facts)

    def _same_request(self, receipt: Receipt, print_: str) -> None:
        if not hmac.compare_digest(receipt.fingerprint, print_):
            raise invalid("idempotency_key_reused", "this Idempotency-Key was used for a "
                          "different request; use a new key for a new command",
                          "Idempotency-Key")

    def _replay(self, command: Command, receipt: Receipt) -> Accepted:
        if isinstance(command, ProjectCommand):
            body = command.replayed(self, receipt)
            return Accepted(body, command.route.status, replayed=True)
        if isinstance(command, OfferWork):
            answer = offer_answer(command, receipt.version, receipt.position, receipt.facts)
            return Accepted(answer.body, answer.status, version=answer.version,
                            replayed=True, location=answer.location)
        if receipt.family_id is None:
            raise Refusal(409, "idempotency_key_reused", "Conflict", "this Idempotency-Key "
                          "was used for a command on no family", field="Idempotency-Key")
        answer = family_answer(command, receipt.family_id, receipt.version,
                               receipt.position, receipt.facts)
        return Accepted(answer.body, answer.status, answer.family_id, answer.version,
                        replayed=True)


def derived_key(master: bytes, purpose: bytes) -> bytes:
    """A key of its own for ``purpose``, derived from the master key (HKDF-SHA256)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


def family_answer(command: Command, family_id: UUID, version: int, position: int | None,
                  facts: dict[str, Any]) -> Accepted:
    """The ``CommandAccepted`` body: the family, its new version, the log position."""
    body: dict[str, Any] = {"family_id": str(family_id), "version": version}
    if position is not None:
        body["position"] = position
    body.update(facts)
    return Accepted(body, command.route.status, family_id, version)


def offer_answer(command: OfferWork, version: int, position: int | None,
                 facts: dict[str, Any]) -> Accepted:
    """The ``OfferAccepted`` body: the offer, its new version, the log position."""
    body: dict[str, Any] = {**facts, "version": version}
    if position is not None:
        body["position"] = position
    location = f"/offers/{facts['offer_id']}" if command.route.status == 201 else None
    return Accepted(body, command.route.status, version=version, location=location)
