"""Consent per purpose: the rules on giving and withdrawing, what is in force on a day,
and how the free-text purposes of intakes recorded before the catalogue are read.

A family's consents are a history of changes (``ConsentChange``: given or withdrawn, for
one ``ConsentPurpose``, on a day). A purpose is in force on a day when its latest change
on or before that day gave it. Changes of one purpose are recorded in date order (a
change cannot be dated before the last one recorded for its purpose), so the history of
each purpose alternates: given, withdrawn, given, ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from domain.errors import InvalidInput, RuleViolation
from domain.records import CaseState, ConsentChange
from domain.values import ConsentPurpose


def latest(changes: Iterable[ConsentChange], purpose: ConsentPurpose,
           on: date | None = None) -> ConsentChange | None:
    """The last change of ``purpose`` (on or before ``on``), by date and then version."""
    found = [c for c in changes if c.purpose is purpose and (on is None or c.on <= on)]
    return max(found, key=lambda c: (c.on, c.version), default=None)


def in_force(changes: Iterable[ConsentChange], purpose: ConsentPurpose, on: date) -> bool:
    change = latest(changes, purpose, on)
    return change is not None and change.given


def in_force_now(changes: Sequence[ConsentChange]) -> list[ConsentChange]:
    """The consents in force after every recorded change (the change that gave each), in
    the catalogue's order."""
    last = (latest(changes, p) for p in ConsentPurpose)
    return [c for c in last if c is not None and c.given]


def check_change(state: CaseState, purpose: ConsentPurpose, on: date, *,
                 give: bool) -> None:
    """A consent is given only when it is not in force, withdrawn only when it is, and
    never dated before the last change recorded for its purpose."""
    last = latest(state.consents, purpose)
    if last is not None and on < last.on:
        raise RuleViolation("consent_change_before_last", f"the consent for {purpose.value} "
                            f"was last {'given' if last.given else 'withdrawn'} on {last.on}; "
                            f"a change cannot be dated before that", field="occurred_on",
                            purpose=purpose.value)
    if give and last is not None and last.given:
        raise RuleViolation("consent_already_given", f"the consent for {purpose.value} is "
                            f"in force since {last.on}", field="purpose",
                            purpose=purpose.value)
    if not give and (last is None or not last.given):
        raise RuleViolation("consent_not_in_force", f"there is no consent for "
                            f"{purpose.value} in force to withdraw", field="purpose",
                            purpose=purpose.value)


def require(state: CaseState, purpose: ConsentPurpose, on: date, what: str) -> None:
    """``what`` needs the family's consent for ``purpose`` in force on ``on``."""
    if not in_force(state.consents, purpose, on):
        raise RuleViolation("consent_missing", f"{what} needs the family's consent for the "
                            f"purpose {purpose.value} in force on {on}", field="occurred_on",
                            purpose=purpose.value)


def purposes(values: Iterable[str | ConsentPurpose], field: str) -> tuple[ConsentPurpose, ...]:
    """Codes of the catalogue, each once, in the order given."""
    chosen: list[ConsentPurpose] = []
    for value in values:
        try:
            purpose = ConsentPurpose(value)
        except ValueError:
            raise InvalidInput("invalid_consent_purpose", f"{value!r} is not a consent "
                               f"purpose; one of {', '.join(ConsentPurpose)}",
                               field=field) from None
        if purpose not in chosen:
            chosen.append(purpose)
    return tuple(chosen)


# ----- the free-text purposes of intakes recorded before the catalogue -----------------

LEGACY_LABELS: dict[str, ConsentPurpose] = {
    "esf reporting": ConsentPurpose.ESF_REPORTING,
    "esf+ reporting": ConsentPurpose.ESF_REPORTING,
    "esf+ berichterstattung": ConsentPurpose.ESF_REPORTING,
    "referrals to partner institutions": ConsentPurpose.REFERRAL_TO_PARTNERS,
    "referral to partner institutions": ConsentPurpose.REFERRAL_TO_PARTNERS,
    "weitervermittlung an partnereinrichtungen": ConsentPurpose.REFERRAL_TO_PARTNERS,
    "exchange with the jobcenter": ConsentPurpose.JOBCENTER_EXCHANGE,
    "austausch mit dem jobcenter": ConsentPurpose.JOBCENTER_EXCHANGE,
}
"""The labels intakes used for purposes before the catalogue (the demo's and the
documented examples'), compared without case and extra spaces; a code itself matches too."""


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def from_legacy(texts: Iterable[str]) -> tuple[list[str], list[str]]:
    """Free-text purposes as (codes, texts): a text that names a purpose of the catalogue
    exactly (a known label or a code) becomes its code; any other stays text, never
    guessed into a code."""
    codes: list[str] = []
    rest: list[str] = []
    for text in texts:
        normal = _normal(text)
        purpose = LEGACY_LABELS.get(normal)
        if purpose is None and normal in ConsentPurpose._value2member_map_:
            purpose = ConsentPurpose(normal)
        if purpose is None:
            rest.append(text)
        elif purpose.value not in codes:
            codes.append(purpose.value)
    return codes, rest
