"""Commands as data: what a caller intends, declared once.

A command is a pydantic model. Its fields and their rules are the request body of its
HTTP route, which ``api/routes/commands.py`` generates from the declaration; its class
attributes name the policy action it needs and where it is served; ``decide`` makes the
one domain call. The JSON API, the command line, the demo generators and the web forms
build commands and hand them to one pipeline (``application/pipeline.py``), which does
the access check, If-Match, the idempotency receipt, the retries and the answer.

Adding a command: declare a subclass with a ``route``, an ``action`` and the ``method``
it calls in one of the modules of this package (a new module is imported in
``__init__``); nothing else is needed for its endpoint, its OpenAPI description, its
idempotency and its access check (README, "Adding a command").
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from application import policy
from application.commands.fields import GENERATED, Occurred
from application.policy import Action
from domain.records import CaseState
from domain.rules import today_in_programme

if TYPE_CHECKING:
    from application.cases import FamilyCases, Guard
    from application.directory import Actor, Directory
    from application.idempotency import Receipt
    from application.pipeline import Pipeline
    from application.views import CommandResult
    from domain.family_case import FamilyCase


@dataclass(frozen=True)
class Route:
    """Where a command is served over HTTP."""

    path: str  # e.g. "/families/{family_id}/consultations"; placeholders are fields
    summary: str
    body: str  # the request body's name in the OpenAPI description
    status: int = 200
    tag: str = "commands"


PLACEHOLDER = re.compile(r"^{(\w+)}$")


@dataclass(frozen=True)
class Example:
    """A worked example of a command: the request its OpenAPI description shows, and what
    the tests that run every command send (the replay of every event type, the store round
    trip, the HTTP walk over every route, the access matrix), so that declaring a command
    with its example is what makes them cover it.

    ``fields`` are the command's fields as a caller gives them (path fields included,
    ``family_id`` not). A value ``"{name}"`` stands for an id that exists only once the
    example runs: ``{parent}`` and ``{child}`` (the members of the intake the examples run
    on, dated 2026-03-02), ``{colleague}`` (another case manager of the project), or a new
    id an earlier example answered (``{goal_id}``). ``after`` names the commands whose
    examples run on the case first (each once); ``records`` the events the command
    records; ``last`` marks a command after which no other may run (an erasure)."""

    fields: Mapping[str, Any]
    records: tuple[str, ...]
    after: tuple[type[FamilyCommand], ...] = ()
    last: bool = False

    def filled(self, ids: Mapping[str, str]) -> dict[str, Any]:
        """The fields with each placeholder replaced by ``ids``."""
        filled: dict[str, Any] = fill(self.fields, ids)
        return filled

    def for_docs(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The fields ``names`` (the request body), placeholders as sample ids."""
        body: dict[str, Any] = fill({n: self.fields[n] for n in names if n in self.fields},
                                    SampleIds())
        return body


class SampleIds(dict[str, str]):
    """A sample id for any placeholder, the same one each time."""

    def __missing__(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:lotse:example:{name}"))


def fill(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with every ``"{name}"`` string (in lists and objects too) replaced by
    ``ids[name]``."""
    if isinstance(value, str):
        found = PLACEHOLDER.match(value)
        return ids[found.group(1)] if found else value
    if isinstance(value, Mapping):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [fill(v, ids) for v in value]
    return value


COMMANDS: list[type[Command]] = []
"""Every declared command, in declaration order (one route each)."""


class Command(BaseModel):
    """What a caller intends. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)

    route: ClassVar[Route]
    action: ClassVar[Action]
    example: ClassVar[Example | None] = None
    """A worked example (required of family commands: see ``Example``)."""
    rerun_on_repeat: ClassVar[bool] = False
    """Run again on a repeat of its idempotency key (effects beyond its events)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "route" in cls.__dict__:
            COMMANDS.append(cls)

    @classmethod
    def path_fields(cls) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", cls.route.path))

    @classmethod
    def generated_fields(cls) -> tuple[str, ...]:
        return tuple(name for name, f in cls.model_fields.items() if GENERATED in f.metadata)

    @classmethod
    def body_fields(cls) -> tuple[str, ...]:
        """The fields a caller sends in the request body."""
        skip = {*cls.path_fields(), *cls.generated_fields()}
        return tuple(name for name in cls.model_fields if name not in skip)

    def intent(self) -> dict[str, Any]:
        """What makes two commands the same request: every field the caller chose."""
        return {"command": type(self).__name__,
                **self.model_dump(mode="json", exclude=set(self.generated_fields()))}

    def facts(self) -> dict[str, Any]:
        """Values of the answer known before the command runs (the new ids)."""
        return {}

    def authorize(self, actor: Actor, directory: Directory) -> Command:
        """Checks that need no loaded case; returns the command to run (an intake names
        its case manager here). Family commands are checked on the loaded case."""
        return self


class FamilyCommand(Command):
    """A command on one family's case: load, check, one domain call, save."""

    family_id: UUID
    occurred_on: Occurred

    method: ClassVar[str]
    """The aggregate method the command calls (``decide``), with ``arguments()``."""

    def on(self) -> date:
        return self.occurred_on if self.occurred_on is not None else today_in_programme()

    def check(self, state: CaseState, directory: Directory) -> None:
        """Rules beyond the policy that need the loaded case (none by default)."""

    def arguments(self) -> dict[str, Any]:
        """The aggregate method's keywords: the command's fields of the same names."""
        return {name: getattr(self, name) for name in _argument_names(type(self))}

    def decide(self, case: FamilyCase, recorded_by: str) -> None:
        """The one domain call: ``method`` with the arguments, the business date and who
        recorded it."""
        getattr(case, self.method)(**self.arguments(), occurred_on=self.on(),
                                   recorded_by=recorded_by)

    def after(self, pipeline: Pipeline) -> None:
        """Effects beyond the events, once they are stored (and on a repeat that runs
        the command again, see ``rerun_on_repeat``)."""

    def run(self, cases: FamilyCases, recorded_by: str, expected_version: int | None,
            guard: Guard | None) -> CommandResult:
        """Load the case, check, decide and save (retried on collisions)."""
        return cases.update(self.family_id, expected_version, guard,
                            lambda case: self.decide(case, recorded_by))


_ARGUMENTS: dict[type[FamilyCommand], tuple[str, ...]] = {}


def _argument_names(command: type[FamilyCommand]) -> tuple[str, ...]:
    """The fields ``arguments`` passes on (found once per class)."""
    names = _ARGUMENTS.get(command)
    if names is None:
        names = _ARGUMENTS[command] = tuple(
            name for name in command.model_fields if name not in ("family_id", "occurred_on"))
    return names


class ProjectCommand(Command):
    """A command on a project, not on one family (staff, report submissions)."""

    project: str

    def authorize(self, actor: Actor, directory: Directory) -> Command:
        """Refuse (``Refusal``) a caller who may not do this in the project."""
        policy.check_project(actor, self.action, self.project)
        return self

    def perform(self, pipeline: Pipeline, actor: Actor) -> dict[str, Any]:
        """Make the change; the answer's body."""
        raise NotImplementedError

    def replayed(self, pipeline: Pipeline, receipt: Receipt) -> dict[str, Any]:
        """The answer to a repeat of the same request (from what the first one noted)."""
        return dict(receipt.facts)
