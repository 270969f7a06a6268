"""Shared dependencies: the services of the running app and the authenticated caller.

Each request solves as few dependencies as possible (FastAPI's dependency solving is a
large part of a command's cost): the caller and the command's headers are read straight
from the request, and ``api/app.py`` documents the bearer scheme and the headers in the
OpenAPI description instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from api.problems import ApiProblem
from application.cases import FamilyCases
from application.directory import Actor, Directory
from application.pipeline import Pipeline
from application.read_log import ReadLog
from application.sign_in import SignIns

if TYPE_CHECKING:
    from projections.views.family_index import FamilyIndex
    from projections.views.registry import Views


@dataclass
class Services:
    """Everything a request may use; built once per server process (``api/app.py``)."""

    cases: FamilyCases
    directory: Directory
    read_log: ReadLog
    index: FamilyIndex
    views: Views
    pipeline: Pipeline
    sign_ins: SignIns

    def tables_ping(self) -> None:
        self.cases.tables.fetchone("SELECT 1")


def services_of(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def authenticate(request: Request) -> Actor:
    """The staff member behind the bearer token (401 without a valid one). Runs on the
    event loop: the directory is in memory and refreshed at most once a second."""
    header = request.headers.get("authorization")
    scheme, _, token = (header or "").partition(" ")
    if not header or scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "unauthenticated", "Unauthorized",
                         "send a staff token as `Authorization: Bearer <token>`",
                         headers={"WWW-Authenticate": "Bearer"})
    actor = services_of(request).directory.authenticate(token.strip())
    if actor is None:
        raise ApiProblem(401, "invalid_token", "Unauthorized",
                         "the token is unknown, malformed or revoked",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return actor


async def services(request: Request) -> Services:
    return services_of(request)


async def caller(request: Request) -> Actor:
    return authenticate(request)


IF_MATCH = re.compile(r'\s*(?:W/)?"?([0-9]{1,12})"?\s*')
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def expected_version(request: Request) -> int | None:
    if_match = request.headers.get("if-match")
    if if_match is None or if_match.strip() == "*":
        return None
    found = IF_MATCH.fullmatch(if_match)
    if found is None:
        raise ApiProblem(400, "invalid_if_match", "Bad request",
                         'If-Match takes the ETag of a family version, e.g. "7"',
                         field="If-Match")
    return int(found.group(1))


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiProblem(400, "invalid_idempotency_key", "Bad request",
                         "Idempotency-Key must be 1-200 visible ASCII characters",
                         field="Idempotency-Key")
    return key


@dataclass(frozen=True)
class CommandCaller:
    """Who sends a command, and its If-Match and Idempotency-Key headers."""

    actor: Actor
    expected_version: int | None
    idempotency_key: str | None


async def command_caller(request: Request) -> CommandCaller:
    """Read before the body is validated: an unauthenticated caller learns nothing
    about the body's rules (401 first, then 400 for bad headers, then 422)."""
    return CommandCaller(authenticate(request), expected_version(request),
                         idempotency_key(request))


COMMAND_HEADERS: list[dict[str, Any]] = [
    {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
     "example": '"7"', "description": 'Only if the family is still at this version (its '
     'ETag, e.g. `"7"`); otherwise 412 and nothing is recorded.'},
    {"name": "Idempotency-Key", "in": "header", "required": False,
     "schema": {"type": "string", "maxLength": 200},
     "example": "5b1e0c7a-2d7e-4c4e-9a51-0f6d8c1e2b3a",
     "description": "Any unique text per intended command: a repeat with the same key "
     "returns the first answer and records nothing new."}]

ServicesDep = Annotated[Services, Depends(services)]
ActorDep = Annotated[Actor, Depends(caller)]
