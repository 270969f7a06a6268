"""Errors as RFC 9457 problem details, mapped in one place.

Every error leaves the API as ``application/problem+json`` with a stable ``type``
(``urn:lotse:problem:<rule>``), the HTTP status, a title, a detail a case manager can
act on, and — for bad input and broken domain rules — the field and the rule. Route
bodies contain no try/except: they raise, and the handlers here answer.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from application.cases import CaseNotFound, ConcurrencyConflict, NotRecordedYet, StaleVersion
from application.idempotency import KeyReplayed
from application.refusals import Refusal
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str = Field(description="Where in the request, e.g. `body.members.0.birth_date`.")
    rule: str = Field(description="The rule that was broken, e.g. `date_in_future`.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "urn:lotse:problem:date_in_future", "title": "Invalid input", "status": 422,
        "detail": "occurred_on 2031-01-01 lies after today (2026-11-21)",
        "rule": "date_in_future", "field": "occurred_on", "errors": []}]})

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    rule: str | None = None
    field: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    current_version: int | None = None


ApiProblem = Refusal
"""Raised by the API layer itself (authentication, preconditions) and by the policy."""


def problem_response(request: Request | None, status: int, title: str, detail: str | None,
                     *, rule: str | None = None, field: str | None = None,
                     errors: list[FieldError] | None = None,
                     headers: dict[str, str] | None = None,
                     current_version: int | None = None) -> JSONResponse:
    body = Problem(type=f"urn:lotse:problem:{rule}" if rule else "about:blank", title=title,
                   status=status, detail=detail,
                   instance=request.url.path if request is not None else None, rule=rule,
                   field=field, errors=errors or [], current_version=current_version)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status,
                        media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=_location(tuple(e.get("loc", ()))), rule=str(e.get("type")),
                         message=str(e.get("msg"))) for e in exc.errors()]
    first = errors[0] if errors else None
    detail = f"{first.field}: {first.message}" if first else "the request is not valid"
    return problem_response(request, 422, "Invalid input", detail,
                            rule=first.rule if first else "invalid_input",
                            field=first.field if first else None, errors=errors)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    title = {InvalidInput: "Invalid input", RuleViolation: "Rule broken",
             NotFound: "Unknown reference"}.get(type(exc), "Rule broken")
    status = 409 if exc.rule.startswith("duplicate_") else 422
    field = exc.field
    errors = [FieldError(field=field, rule=exc.rule, message=exc.message)] if field else []
    return problem_response(request, status, title, exc.message, rule=exc.rule, field=field,
                            errors=errors)


async def _api_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    errors = ([FieldError(field=exc.field, rule=exc.rule, message=exc.detail)]
              if exc.field else [])
    return problem_response(request, exc.status, exc.title, exc.detail, rule=exc.rule,
                            field=exc.field, errors=errors, headers=exc.headers,
                            current_version=exc.current_version)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CaseNotFound)
    if isinstance(exc, NotRecordedYet):
        return problem_response(
            request, 404, "Not found", f"nothing of this case had been recorded by the end "
            f"of {exc.as_of}: as_of reads the recorded timeline (what was known then)",
            rule="not_recorded_yet", field="as_of")
    return problem_response(request, 404, "Not found", "there is no such family case "
                            "among the cases you may see", rule="family_not_found")


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StaleVersion)
    return problem_response(
        request, 412, "Precondition failed",
        f"the {exc.what} is at version {exc.actual}, not {exc.expected}: reload it and decide "
        "again; nothing was recorded", rule="stale_version", current_version=exc.actual,
        headers={"ETag": f'"{exc.actual}"'})


async def _conflict(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 409, "Conflict", str(exc), rule="concurrent_change",
                            headers={"Retry-After": "1"})


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    titles = {400: "Bad request", 401: "Unauthorized", 404: "Not found",
              405: "Method not allowed", 413: "Payload too large",
              415: "Unsupported media type"}
    rules = {400: "malformed_request", 404: "not_found", 405: "method_not_allowed",
             413: "payload_too_large"}
    return problem_response(request, status, titles.get(status, "Error"), str(exc.detail),
                            rule=rules.get(status), headers=dict(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "Internal error",
                            "something went wrong on our side; nothing you can fix",
                            rule="internal_error")


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("store unavailable on %s %s: %r", request.method, request.url.path, exc)
    return problem_response(request, 503, "Service unavailable",
                            "the store is busy or unreachable; send the request again with "
                            "the same Idempotency-Key (a command that was recorded after all "
                            "is then answered, not recorded twice)",
                            rule="store_unavailable", headers={"Retry-After": "1"})


async def _replayed(request: Request, exc: Exception) -> JSONResponse:
    # KeyReplayed is answered by the command runner; reaching here is a bug.
    return await _unexpected(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(CaseNotFound, _not_found)
    app.add_exception_handler(StaleVersion, _stale)
    app.add_exception_handler(ConcurrencyConflict, _conflict)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(KeyReplayed, _replayed)
    for error in (OperationalError, InterfaceError):
        app.add_exception_handler(error, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


def _problem(text: str) -> dict[str, Any]:
    return {"model": Problem, "description": text, "content": {PROBLEM_JSON: {}}}


BASE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed body or header."),
    413: _problem("The body is larger than 64 KiB."),
    503: _problem("The store is busy or unreachable; send again (with the same "
                  "Idempotency-Key for a command)."),
}
"""What any route may answer, whatever it does."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **BASE_RESPONSES,
    401: _problem("No bearer token, or an unknown or revoked one."),
    403: _problem("Your role in this project may not do this."),
    404: _problem("No such family (or project) among those you may see."),
    422: _problem("Invalid input or a broken domain rule: `field` and `rule` say which."),
}

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    409: _problem("Concurrent writers kept colliding; retry."),
    412: _problem("If-Match names a version the case has left."),
}
