"""How deep a JSON body nests is read from its text, brackets in strings aside."""

from __future__ import annotations

import json

import pytest

from api.body_depth import MAX_DEPTH, nests_too_deep


@pytest.mark.parametrize(("text", "too_deep"), [
    ('{"a": 1}', False),
    ("[" * MAX_DEPTH + "]" * MAX_DEPTH, False),  # at the limit
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), True),
    ('{"x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}", True),  # the object counts too
    ('{"notes": "' + "[" * 50 + '"}', False),  # brackets inside a string do not nest
    ('{"notes": "\\"' + "{" * 50 + '"}', False),  # nor after an escaped quote
    ('{"a": "x\\\\"' + ', "b": ' + "[" * 40 + "]" * 40 + "}", True),  # an escaped backslash ends
])
def test_a_body_nests_too_deep_only_beyond_the_limit_outside_strings(
        text: str, too_deep: bool) -> None:
    assert nests_too_deep(text.encode()) is too_deep


def test_every_real_command_body_passes() -> None:
    body = {"members": [{"role": "parent", "given_name": "Amira [Mama]"}],
            "consent_purposes": ["esf_reporting", "referral_to_partners"],
            "changes": [{"field": "x", "value": 1}]}
    assert not nests_too_deep(json.dumps(body).encode())
