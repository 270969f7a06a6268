"""The commands' endpoints, generated from their declarations (``application/commands``).

One route per declared command: its path parameters are the command's fields named in
its path, its body the other fields (new ids excluded). A handler only turns the request
into the command and hands it to the pipeline (``application/pipeline.py``), which
checks access on the freshly loaded case, honours ``If-Match`` (412 on a stale version,
nothing recorded) and ``Idempotency-Key`` (a repeat returns the first answer, marked
``Idempotent-Replayed``, and records nothing new), retries collisions and answers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from annotated_types import MaxLen
from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from api.body_depth import DepthCheckedRoute
from api.deps import COMMAND_HEADERS, CommandCaller, command_caller, services_of
from api.problems import COMMAND_RESPONSES, ERROR_RESPONSES
from api.responses import (
    CommandAccepted,
    DistrictsOut,
    IssuedTokenOut,
    OfferAccepted,
    PartnerOut,
    PlaceOut,
    RetentionOut,
    SmallCountsOut,
    StaffOut,
    SubmissionOut,
)
from application.commands import (
    COMMANDS,
    AddPartner,
    AddPlace,
    AddStaff,
    ChangePartner,
    ChangePlace,
    Command,
    CreateOffer,
    FamilyCommand,
    IssueToken,
    OfferWork,
    RecordLastPayment,
    RetirePartner,
    RetirePlace,
    RevokeToken,
    SetDistricts,
    SetSmallCounts,
    SubmitReport,
)
from application.pipeline import Accepted

router = APIRouter(route_class=DepthCheckedRoute)

ANSWERS: dict[type[Command], type[BaseModel]] = {
    AddStaff: IssuedTokenOut, IssueToken: IssuedTokenOut, RevokeToken: StaffOut,
    SubmitReport: SubmissionOut, RecordLastPayment: RetentionOut, SetDistricts: DistrictsOut,
    SetSmallCounts: SmallCountsOut,
    **dict.fromkeys((AddPlace, ChangePlace, RetirePlace), PlaceOut),
    **dict.fromkeys((AddPartner, ChangePartner, RetirePartner), PartnerOut)}
"""What a command that is not on a family answers (a family command: ``CommandAccepted``)."""
KEYED = [h for h in COMMAND_HEADERS if h["name"] == "Idempotency-Key"]
ON_OFFER = [{**h, "description": 'Only if the offer is still at this version (its ETag, '
             'e.g. `"3"`); otherwise 412 and nothing is recorded.'}
            if h["name"] == "If-Match" else h for h in COMMAND_HEADERS]


def body_model(command: type[Command]) -> type[BaseModel] | None:
    """The request body: the command's fields a caller sends, with their rules."""
    names = sorted(command.body_fields(), key=lambda n: n == "occurred_on")  # it goes last
    if not names:
        return None
    fields: dict[str, Any] = {n: (command.model_fields[n].annotation, command.model_fields[n])
                              for n in names}
    shown = command.model_config.get("json_schema_extra")
    if command.example is not None:  # placeholders become sample ids
        shown = {"examples": [command.example.for_docs(tuple(names))]}
    config = ConfigDict(extra="forbid", str_max_length=10_000, populate_by_name=True,
                        json_schema_extra=shown)
    model: type[BaseModel] = create_model(command.route.body, __config__=config,
                                          __doc__=command.__doc__, **fields)
    return model


def _path_type(command: type[Command], name: str) -> Any:
    field = command.model_fields[name]
    if field.annotation is UUID:
        return UUID
    if isinstance(field.annotation, type) and issubclass(field.annotation, Enum):
        return field.annotation  # (a code: its values in the description)
    longest = next((m.max_length for m in field.metadata if isinstance(m, MaxLen)), 100)
    return Annotated[str, Path(max_length=longest)]


def respond(accepted: Accepted) -> JSONResponse:
    headers: dict[str, str] = {}
    if accepted.version is not None:
        headers["ETag"] = f'"{accepted.version}"'
        if accepted.location is not None:
            headers["Location"] = accepted.location
        elif accepted.status == 201 and accepted.family_id is not None:
            headers["Location"] = f"/families/{accepted.family_id}"
    if accepted.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(accepted.body, status_code=accepted.status, headers=headers)


def endpoint_for(command: type[Command]) -> Callable[..., JSONResponse]:
    body = body_model(command)

    def endpoint(request: Request, caller: CommandCaller, **values: Any) -> JSONResponse:
        sent = values.pop("body", None)
        if sent is not None:
            values.update((name, getattr(sent, name)) for name in sent.model_fields_set)
        try:
            intended = command.model_validate(values)
        except ValidationError as e:
            raise RequestValidationError([{**err, "loc": ("body", *err["loc"])}
                                          for err in e.errors()]) from None
        return respond(services_of(request).pipeline.execute(
            intended, caller.actor, caller.expected_version, caller.idempotency_key))

    parameters = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=Request),
                  inspect.Parameter("caller", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=Annotated[CommandCaller,
                                                         Depends(command_caller)])]
    parameters += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY,
                                     annotation=_path_type(command, name))
                   for name in command.path_fields()]
    if body is not None:
        parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                            annotation=Annotated[body, Body()]))
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = command.__name__
    endpoint.__doc__ = command.__doc__
    return endpoint


def _headers(command: type[Command]) -> list[dict[str, Any]]:
    if issubclass(command, FamilyCommand):
        return COMMAND_HEADERS
    if issubclass(command, OfferWork) and command is not CreateOffer:
        return ON_OFFER
    return KEYED


for declared in COMMANDS:
    on_family = issubclass(declared, FamilyCommand)
    on_offer = issubclass(declared, OfferWork)
    router.add_api_route(
        declared.route.path, endpoint_for(declared), methods=["POST"],
        summary=declared.route.summary, status_code=declared.route.status,
        tags=[declared.route.tag],
        response_model=(CommandAccepted if on_family else OfferAccepted if on_offer
                        else ANSWERS[declared]),
        responses=COMMAND_RESPONSES if on_family or on_offer else ERROR_RESPONSES,
        openapi_extra={"parameters": _headers(declared)})
