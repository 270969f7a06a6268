"""How a correction finds the event it corrects, decided once for every view.

An ``EntryCorrected`` names the family's version it corrects. What that version was
about is the domain's answer (``CaseEvent.ref_key``, which ``CaseState.refs`` keeps):
the event's class and its key - ``"case"`` for the intake, the member of an ESF+ entry
or exit, the consultation, the goal or the referral. ``Refs`` keeps that answer per
family for the kinds of events a view follows corrections of (in the view's document,
compactly), and ``Refs.target`` hands back the ``Target`` of a correction: the one a
correction names itself (``target``, when the event carries one), else the one its
version was seen with. ``corrected_value`` reads a corrected value as the case reads it
(the domain's parser), in the form documents keep (dates as ISO text).

``FamilyDocView`` (``projections.engine.documents``) notes the events and resolves the
corrections for its views; code that folds outside a view (a report at a cut-off) calls
the same two methods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.corrections import CORRECTABLE
from domain.records import FieldChange

CORRECTED_KINDS = frozenset(CORRECTABLE)
"""The names of the event classes a correction may name."""

# Stored codes of the kinds (one letter each: documents stay small).
_CODE = {"CaseOpened": "o", "ParticipantEntered": "e", "ParticipantLeft": "l",
         "ConsultationRecorded": "c", "GoalSet": "g", "ReferralMade": "r"}
_KIND = {code: kind for kind, code in _CODE.items()}
assert set(_CODE) == CORRECTED_KINDS, "a correctable event without a stored code"


@dataclass(frozen=True, slots=True)
class Target:
    """What a correction changes: the version it names, that event's class name and its
    key (``"case"``, or a member, consultation, goal or referral id as text)."""

    version: int
    event: str
    key: str | None


class Refs:
    """What each version of one family referred to, for the event kinds in ``kinds``.

    Stored as ``{version: code + key}`` (``stored()``; ``Refs(kinds, stored)`` reads it
    back). For the kinds in ``unkeyed`` (a view that keeps those entities by the version
    that recorded them) only the kind is kept: their targets have no key unless the
    correction names one."""

    __slots__ = ("_by_version", "kinds", "unkeyed")

    def __init__(self, kinds: Iterable[str], stored: dict[str, str] | None = None, *,
                 unkeyed: Iterable[str] = ()) -> None:
        self.kinds = frozenset(kinds)
        self.unkeyed = frozenset(unkeyed)
        unknown = (self.kinds | self.unkeyed) - CORRECTED_KINDS
        if unknown:
            raise ValueError(f"no correction can name {', '.join(sorted(unknown))}")
        self._by_version: dict[str, str] = {} if stored is None else stored

    def note(self, event: Any) -> None:
        """Remember what ``event``'s version refers to, if it is of a kind followed."""
        kind = type(event).__name__  # (as the domain names it: FamilyCase.CaseOpened too)
        if kind in self.kinds:
            if kind in self.unkeyed:
                self._by_version[str(event.originator_version)] = _CODE[kind]
            else:
                self._by_version[str(event.originator_version)] = (
                    _CODE[kind] + (event.ref_key() or ""))

    def target(self, correction: Any) -> Target | None:
        """The target of ``correction`` among the kinds followed (None: another kind, or a
        version never seen). A target the correction names itself is taken as named."""
        named = getattr(correction, "target", None)
        if named is not None:
            event = getattr(named, "event", None)
            key = getattr(named, "key", None)
            if event is not None:
                return (Target(correction.corrected_version, event, key)
                        if event in self.kinds else None)
        found = self._by_version.get(str(correction.corrected_version))
        if found is None:
            return None
        return Target(correction.corrected_version, _KIND[found[0]], found[1:] or None)

    def stored(self) -> dict[str, str]:
        return self._by_version

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Refs) and self.kinds == other.kinds
                and self.unkeyed == other.unkeyed and self._by_version == other._by_version)

    def __repr__(self) -> str:
        return f"Refs({sorted(self.kinds)}, {self._by_version})"


def corrected_value(target: Target, change: FieldChange) -> Any:
    """The value of ``change`` as the case reads it (parsed by the domain's parser, so
    ``20261105`` is a date and ``"090"`` 90 minutes), dates as ISO text; None for a fact
    corrected to unknown. KeyError: a field the target's event cannot have corrected."""
    if change.value is None:
        return None
    value = CORRECTABLE[target.event][change.field](change.value)
    return value.isoformat() if isinstance(value, date) else value
