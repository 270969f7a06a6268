"""How deep a JSON body nests is read from its text, brackets in strings aside."""

from __future__ import annotations

import json

import pytest

from api.body_depth import MAX_DEPTH, nesting_depth


@pytest.mark.parametrize(("text", "depth"), [
    ('{"a": 1}', 0),  # few brackets: no scan needed
    ("[" * 40 + "]" * 40, 40),
    ('{"x": ' + "[" * 33 + "]" * 33 + "}", 34),
    ('{"notes": "' + "[" * 50 + '"}', 1),  # brackets inside a string do not nest
    ('{"notes": "\\"' + "{" * 50 + '"}', 1),  # nor after an escaped quote
])
def test_the_depth_of_a_body_counts_arrays_and_objects_outside_strings(
        text: str, depth: int) -> None:
    found = nesting_depth(text.encode())
    assert found == depth or (depth <= MAX_DEPTH and found == 0)


def test_every_real_command_body_passes_without_a_scan() -> None:
    body = {"members": [{"role": "parent", "given_name": "Amira [Mama]"}],
            "consent_purposes": ["ESF+ reporting"], "changes": [{"field": "x", "value": 1}]}
    assert nesting_depth(json.dumps(body).encode()) == 0
