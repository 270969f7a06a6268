"""Bodies nested deeper than any command needs are refused before they are parsed.

A JSON parser recurses once per level: a 60 KiB body of nested brackets drives it to
the interpreter's recursion limit, where a garbage collection that happens to run
finalizers fails in turn. No command body nests more than a few levels, so the
command routes look at the raw body first and answer 400 beyond ``MAX_DEPTH``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from api.problems import ApiProblem

MAX_DEPTH = 32


def nests_too_deep(body: bytes) -> bool:
    """Whether arrays and objects nest deeper than ``MAX_DEPTH`` in a JSON text (brackets
    inside strings do not count). Bodies with few brackets, as every real command has,
    need no scan."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


class DepthCheckedRoute(APIRoute):
    """A route whose JSON body is refused (400) when it nests deeper than ``MAX_DEPTH``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            if nests_too_deep(await request.body()):  # (read once, kept for parsing)
                raise ApiProblem(400, "body_nested_too_deeply", "Bad request",
                                 f"the body nests arrays or objects more than {MAX_DEPTH} "
                                 "levels deep", field="body")
            return await handler(request)

        return checked
