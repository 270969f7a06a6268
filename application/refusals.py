"""A request refused before anything was stored, with the rule and the field it broke.

Raised by the access policy and the command pipeline, in every transport: the HTTP layer
answers it as RFC 9457 problem details (``api/problems.py``), the command line prints
its detail. ``status`` is the HTTP status that describes the refusal best.
"""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, status: int, rule: str, title: str, detail: str, *,
                 field: str | None = None, headers: dict[str, str] | None = None,
                 current_version: int | None = None) -> None:
        super().__init__(detail)
        self.status, self.rule, self.title, self.detail = status, rule, title, detail
        self.field, self.headers, self.current_version = field, headers, current_version


def invalid(rule: str, detail: str, field: str) -> Refusal:
    """Bad input that the request's shape could not tell (HTTP 422)."""
    return Refusal(422, rule, "Invalid input", detail, field=field)
