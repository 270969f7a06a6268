"""Running the commands' own examples (``Example`` in ``application/commands/base.py``).

The tests that must cover every command — the replay of every event type, the store
round trip, the HTTP walk over every route, the access matrix — take what they send from
the declarations, so that declaring a command with its example is what covers it. Each
test brings a ``Runner``: it runs one command's filled-in fields on the family (in
memory, through the application, or over HTTP) and returns the new ids it answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.commands import COMMANDS, FamilyCommand
from application.commands.base import Example
from application.policy import may
from domain.directory import Role

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from domain.family_case import FamilyCase

Runner = Callable[[type[FamilyCommand], dict[str, Any]], Mapping[str, Any]]
"""Runs the command with these fields (``family_id`` aside) and returns its new ids."""

ON_A_FAMILY = [c for c in COMMANDS if issubclass(c, FamilyCommand)
               and "{family_id}" in c.route.path]
"""Every command on an existing family, in declaration order."""

RUN_BY = (Role.CASE_MANAGER, Role.COORDINATOR, Role.ADMIN)


def example_of(command: type[FamilyCommand]) -> Example:
    assert command.example is not None, f"{command.__name__} declares no example"
    return command.example


def role_for(command: type[FamilyCommand]) -> str:
    """The first role of the family's project that may run the command."""
    return next(r.value for r in RUN_BY if may(r, command.action))


def needs_anew(command: type[FamilyCommand]) -> bool:
    """A prerequisite that answers a new id (a goal, a referral) runs again for each
    command that needs it; one that does not (an ESF+ exit) runs once per case."""
    return bool(command.generated_fields())


def run_prerequisites(command: type[FamilyCommand], run: Runner, ids: dict[str, str],
                      done: set[type[FamilyCommand]]) -> None:
    """Runs the commands the example needs first that the case still lacks."""
    for before in example_of(command).after:
        if before not in done or needs_anew(before):
            run_example(before, run, ids, done)


def run_example(command: type[FamilyCommand], run: Runner, ids: dict[str, str],
                done: set[type[FamilyCommand]]) -> dict[str, Any]:
    """Runs the prerequisites the case still lacks, then the command's example; the new
    ids join ``ids``. Returns the command's filled fields."""
    run_prerequisites(command, run, ids, done)
    fields = example_of(command).filled(ids)
    answered = run(command, fields)
    ids.update({k: str(v) for k, v in answered.items() if isinstance(v, str)})
    done.add(command)
    return fields


def prepare(command: type[FamilyCommand], run: Runner,
            ids: dict[str, str]) -> dict[str, Any]:
    """Brings a new case to where the command's example may run (its prerequisites) and
    returns the command's fields, filled in, without running it."""
    run_prerequisites(command, run, ids, set())
    return example_of(command).filled(ids)


def run_every_example(run: Runner, ids: dict[str, str], *,
                      recorded: Iterable[str] = (),
                      among: Iterable[type[FamilyCommand]] = ON_A_FAMILY) -> None:
    """Runs on one case each command whose events are not all in ``recorded`` yet (with
    its prerequisites, unless their events are recorded), those marked ``last`` at the
    end; a command that is another's prerequisite runs as part of it."""
    seen = set(recorded)
    done = {c for c in ON_A_FAMILY if set(example_of(c).records) <= seen}
    chosen = [c for c in among if c not in done]
    for command in sorted(chosen, key=lambda c: example_of(c).last):
        if any(command in example_of(c).after for c in chosen if c not in done):
            continue  # runs with the command that needs it
        if command not in done or needs_anew(command):
            run_example(command, run, ids, done)


def path_and_body(command: type[FamilyCommand], family_id: str,
                  fields: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The command's URL path and JSON body for these fields."""
    in_path = set(command.path_fields())
    path = command.route.path.format(family_id=family_id, **{
        k: v for k, v in fields.items() if k in in_path})
    return path, {k: v for k, v in fields.items() if k not in in_path}


def in_memory(case: FamilyCase, recorded_by: str = "cm-example") -> Runner:
    """Runs commands on an aggregate in memory (commands that only decide)."""
    def run(command: type[FamilyCommand], fields: dict[str, Any]) -> Mapping[str, Any]:
        intended = command.model_validate({"family_id": case.id, **fields})
        intended.decide(case, recorded_by)
        return intended.facts()
    return run


def through(cases: FamilyCases, family_id: UUID, recorded_by: str = "cm-example") -> Runner:
    """Runs commands through the application, as a trusted in-process caller."""
    def run(command: type[FamilyCommand], fields: dict[str, Any]) -> Mapping[str, Any]:
        intended = command.model_validate({"family_id": family_id, **fields})
        cases.handle(intended, recorded_by=recorded_by)
        return intended.facts()
    return run


DECIDING = [c for c in ON_A_FAMILY if c.run is FamilyCommand.run]
"""The commands that run in memory: one domain call, no effects beyond their events."""
