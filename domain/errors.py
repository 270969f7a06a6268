"""Domain errors: each names the rule that was broken and the ids involved."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A command broke a rule of the domain; nothing was recorded.

    ``rule`` is a stable machine-readable name (for API clients), ``field`` the input
    that broke it when there is one, ``ids`` the entities involved.
    """

    def __init__(self, rule: str, message: str, *, field: str | None = None,
                 **ids: Any) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field
        self.ids = {k: str(v) for k, v in ids.items()}

    def __str__(self) -> str:
        ids = ", ".join(f"{k}={v}" for k, v in self.ids.items())
        return f"[{self.rule}] {self.message}" + (f" ({ids})" if ids else "")


class InvalidInput(DomainError):
    """A value is malformed or out of range."""


class RuleViolation(DomainError):
    """The command conflicts with the case's current state."""


class NotFound(DomainError):
    """The command refers to a member, goal, referral or version the case does not have."""
