"""Every command is declared once and its declaration fits the aggregate it calls."""

from __future__ import annotations

import inspect
import typing

import pytest

from application.commands import COMMANDS, FamilyCommand, Target
from application.policy import PERMISSIONS, Action
from domain.corrections import TARGETS
from domain.family_case import FamilyCase

# (an intake and an erasure run their own way: a new case with its number, a key destroyed)
DECIDING = [c for c in COMMANDS if issubclass(c, FamilyCommand) and c.run is FamilyCommand.run]


@pytest.mark.parametrize("command", DECIDING, ids=lambda c: c.__name__)
def test_a_family_command_names_an_aggregate_method_that_takes_its_fields(
        command: type[FamilyCommand]) -> None:
    method = getattr(FamilyCase, command.method, None)
    assert callable(method), f"FamilyCase has no method {command.method}"
    takes = set(inspect.signature(method).parameters) - {"self", "today"}
    assert {"occurred_on", "recorded_by"} <= takes
    if command.decide is FamilyCommand.decide and command.arguments is FamilyCommand.arguments:
        # the fields are passed by their names
        fields = set(command.model_fields) - {"family_id", "occurred_on"}
        assert fields | {"occurred_on", "recorded_by"} == takes


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.__name__)
def test_every_command_needs_an_action_some_role_may_do(command: type[FamilyCommand]) -> None:
    assert isinstance(command.action, Action)
    assert any(command.action in actions for actions in PERMISSIONS.values())


def test_every_route_is_declared_by_exactly_one_command() -> None:
    routes = [c.route.path for c in COMMANDS]
    assert len(routes) == len(set(routes))
    bodies = [c.route.body for c in COMMANDS]
    assert len(bodies) == len(set(bodies)), "two commands would share a body schema name"


def test_a_correction_names_exactly_the_kinds_of_target_the_domain_resolves() -> None:
    assert set(typing.get_args(Target.model_fields["kind"].annotation)) == set(TARGETS)
