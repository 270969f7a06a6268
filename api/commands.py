"""Running a command safely: access check, If-Match, Idempotency-Key, one answer shape.

The access guard runs inside the application on the freshly loaded case, so a case
transferred a moment ago cannot be changed by its former case manager. A keyed
command's key is stored with its events; a repeat (also after a restart, also while
the first is still running) gets the first answer, marked ``Idempotent-Replayed``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from api import policy
from api.deps import Services, authenticate, expected_version, idempotency_key, services_of
from api.problems import ApiProblem
from application.cases import Guard
from application.directory import Actor
from application.idempotency import KeyReplayed, PendingKey, Receipt, keyed
from application.views import CommandResult, OpenedCase
from domain.directory import Role
from domain.records import CaseState

Command = Callable[[Guard, int | None], CommandResult | OpenedCase]
T = TypeVar("T")


@dataclass
class CommandContext:
    services: Services
    actor: Actor
    expected: int | None
    key: str | None
    fingerprint: str

    def run(self, family_id: UUID, action: policy.Action, command: Command, *,
            facts: dict[str, Any] | None = None, status: int = 200,
            rerun_on_repeat: bool = False) -> JSONResponse:
        """Run ``command(guard, expected_version)`` for ``family_id`` and answer. A
        command whose effect reaches beyond its events (erasure destroys a key after
        recording) is run again on a repeat (``rerun_on_repeat``; it must be safe to
        repeat), so a repeat after a failure half-way completes it."""
        facts = dict(facts or {})
        actor = self.actor

        def guard(state: CaseState) -> None:
            policy.check_family(actor, action, state.project, state.case_manager)

        if self.key is not None:
            receipt = self.services.cases.find_receipt(self.actor.staff_id, self.key)
            if receipt is not None:
                if rerun_on_repeat and receipt.fingerprint == self.fingerprint:
                    command(guard, None)
                return self._replay(receipt, status)

        pending = (PendingKey(actor.staff_id, self.key, self.fingerprint, family_id, facts)
                   if self.key is not None else None)
        try:
            with keyed(pending) if pending is not None else nullcontext():
                result = command(guard, self.expected)
        except KeyReplayed as e:
            return self._replay(e.receipt, status)
        if isinstance(result, OpenedCase):
            facts["case_number"] = result.case_number
        return answer(result.family_id, result.version, result.position, facts, status)

    def run_change(self, change: Callable[[], T]) -> tuple[T | None, Receipt | None]:
        """Run a change of the staff directory under the request's Idempotency-Key:
        ``(result, None)`` when it ran, ``(None, receipt)`` when it is a repeat."""
        if self.key is not None:
            receipt = self.services.cases.find_receipt(self.actor.staff_id, self.key)
            if receipt is not None:
                return None, self._same_request(receipt)
        pending = (PendingKey(self.actor.staff_id, self.key, self.fingerprint, None)
                   if self.key is not None else None)
        try:
            with keyed(pending) if pending is not None else nullcontext():
                return change(), None
        except KeyReplayed as e:
            return None, self._same_request(e.receipt)

    def _same_request(self, receipt: Receipt) -> Receipt:
        if receipt.fingerprint != self.fingerprint:
            raise ApiProblem(422, "idempotency_key_reused", "Invalid input",
                             "this Idempotency-Key was used for a different request; use a "
                             "new key for a new command", field="Idempotency-Key")
        return receipt

    def _replay(self, receipt: Receipt, status: int) -> JSONResponse:
        self._same_request(receipt)
        assert receipt.family_id is not None
        response = answer(receipt.family_id, receipt.version, receipt.position,
                          receipt.facts, status)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    def case_manager_of(self, project: str, staff_id: str) -> str:
        """``staff_id`` must be a case manager of ``project`` to be given a case."""
        member = self.services.directory.current().staff.get(staff_id)
        if member is None or member.roles.get(project) is not Role.CASE_MANAGER:
            raise ApiProblem(422, "not_a_case_manager", "Invalid input",
                             f"{staff_id} is not a case manager of project {project}",
                             field="case_manager")
        return staff_id


def answer(family_id: UUID, version: int, position: int | None, facts: dict[str, Any],
           status: int) -> JSONResponse:
    """The ``CommandAccepted`` body (built directly: ids are already text)."""
    body: dict[str, Any] = {"family_id": str(family_id), "version": version}
    if position is not None:
        body["position"] = position
    body.update(facts)
    headers = {"ETag": f'"{version}"'}
    if status == 201:
        headers["Location"] = f"/families/{family_id}"
    return JSONResponse(body, status_code=status, headers=headers)


async def fingerprint(request: Request) -> str:
    """What makes two requests "the same" for an idempotency key: method, path, and
    the body's JSON content (key order and spacing do not matter). Keyed with a secret
    derived from the master key: the body holds personal data, and a plain hash of it
    could be guessed back from a copy of the database."""
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        canonical = raw.decode("utf-8", "replace")
    text = f"{request.method} {request.url.path}\n{canonical}"
    key = services_of(request).fingerprint_key
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


async def command_context(request: Request) -> CommandContext:
    """Caller, If-Match and Idempotency-Key of a command, in one dependency."""
    actor = authenticate(request)
    expected = expected_version(request)
    key = idempotency_key(request)
    print_ = await fingerprint(request) if key is not None else ""
    return CommandContext(services_of(request), actor, expected, key, print_)


Context = Annotated[CommandContext, Depends(command_context)]
