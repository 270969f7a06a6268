"""Shared dependencies: the services of the running app and the authenticated caller."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from application.cases import FamilyCases
from application.directory import Actor, Directory
from application.read_log import ReadLog

if TYPE_CHECKING:
    from projections.family_index import FamilyIndex


@dataclass
class Services:
    """Everything a request may use; built once per server process (``api/app.py``)."""

    cases: FamilyCases
    directory: Directory
    read_log: ReadLog
    index: FamilyIndex

    def tables_ping(self) -> None:
        self.cases.tables.fetchone("SELECT 1")


async def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


bearer = HTTPBearer(auto_error=False, description="A staff token from `lotse staff add`.")


async def caller(svc: Annotated[Services, Depends(services)],
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
           ) -> Actor:
    """The staff member behind the bearer token (401 without a valid one). Runs on the
    event loop: the directory is in memory and refreshed at most once a second."""
    if credentials is None:
        raise ApiProblem(401, "unauthenticated", "Unauthorized",
                         "send a staff token as `Authorization: Bearer <token>`",
                         headers={"WWW-Authenticate": "Bearer"})
    actor = svc.directory.authenticate(credentials.credentials)
    if actor is None:
        raise ApiProblem(401, "invalid_token", "Unauthorized",
                         "the token is unknown, malformed or revoked",
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return actor


IF_MATCH = re.compile(r'\s*(?:W/)?"?([0-9]{1,12})"?\s*')
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


async def expected_version(if_match: Annotated[str | None, Header(
        description='Only if the family is still at this version (its ETag, e.g. `"7"`); '
                    "otherwise 412 and nothing is recorded.")] = None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    found = IF_MATCH.fullmatch(if_match)
    if found is None:
        raise ApiProblem(400, "invalid_if_match", "Bad request",
                         'If-Match takes the ETag of a family version, e.g. "7"',
                         field="If-Match")
    return int(found.group(1))


async def idempotency_key(idempotency_key: Annotated[str | None, Header(
        description="Any unique text (e.g. a UUID) per intended command: a repeat with the "
                    "same key returns the first answer and records nothing new.")] = None,
                    ) -> str | None:
    if idempotency_key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ApiProblem(400, "invalid_idempotency_key", "Bad request",
                         "Idempotency-Key must be 1-200 visible ASCII characters",
                         field="Idempotency-Key")
    return idempotency_key


ServicesDep = Annotated[Services, Depends(services)]
ActorDep = Annotated[Actor, Depends(caller)]
