"""Every command on a family declares a worked example, and the examples are true: each
is a valid command, records the events it says, and all of them run on one case.

The tests that must cover every command (this one, the replay of every event type, the
store round trip, the HTTP walk, the access matrix) send these examples, so a new command
is covered once it is declared with its example (``tests/support/examples.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import uuid4

import pytest

from application.commands import COMMANDS, FamilyCommand
from application.commands.base import SampleIds
from domain import events as ev
from domain.family_case import FamilyCase
from tests.support.builders import child, intake_kwargs, parent
from tests.support.examples import (
    DECIDING,
    ON_A_FAMILY,
    Runner,
    example_of,
    in_memory,
    run_every_example,
)

FAMILY_COMMANDS = [c for c in COMMANDS if issubclass(c, FamilyCommand)]
EVENT_NAMES = {e.__name__ for e in ev.ALL_EVENTS}


@pytest.mark.parametrize("command", FAMILY_COMMANDS, ids=lambda c: c.__name__)
def test_every_family_command_declares_an_example_that_is_a_valid_command(
        command: type[FamilyCommand]) -> None:
    example = example_of(command)

    command.model_validate({"family_id": uuid4(), **example.filled(SampleIds())})
    assert example.records
    assert set(example.records) <= EVENT_NAMES, example.records
    assert all(before in ON_A_FAMILY for before in example.after)


def test_the_examples_record_every_event_type_between_them() -> None:
    recorded = {name for c in FAMILY_COMMANDS for name in example_of(c).records}

    assert recorded == EVENT_NAMES


def test_every_example_runs_on_one_case_in_memory_recording_what_it_declares() -> None:
    members = [parent(), child()]
    case = FamilyCase.open(family_id=uuid4(), case_number="KR-2026-0001",
                           **intake_kwargs(members))
    case.collect_events()
    ran: list[str] = []
    run = in_memory(case)

    def checked(command: type[FamilyCommand], fields: dict[str, Any]) -> Mapping[str, Any]:
        facts = run(command, fields)
        recorded = tuple(type(e).__name__ for e in case.collect_events())
        assert recorded == example_of(command).records, command.__name__
        ran.append(command.__name__)
        return facts

    runner: Runner = checked
    run_every_example(runner, {"parent": str(members[0].member_id),
                               "child": str(members[1].member_id),
                               "colleague": "cm-colleague"}, among=DECIDING)

    assert set(ran) == {c.__name__ for c in DECIDING}
