"""Retention of a programme's documents (CPR Art. 82) and what it means for erasure.

CPR (EU) 2021/1060 Art. 82: documents are kept "for a period of five years from
31 December of the year in which the last payment [...] is made". Lotse reads that as
follows, for a project whose last payment was made on day *P*:

- retention **ends** on 31 December of year *P* + 5, at the end of that day (Europe/Berlin,
  where the programmes run): last payment 2027-03-15 → retention ends 2032-12-31;
- erasure is **due from** the next day, 1 January of year *P* + 6 (2033-01-01), and not a
  day earlier: on 2032-12-31 the data must still be kept.

Until then the legal duty overrides a request for erasure (GDPR Art. 17(3)(b)): the
request is recorded and restricts processing (Art. 18), and the family is erased once
retention ends. A project without a recorded last payment is still being paid, so its
retention has not even begun to run out. After retention every family of the project is
due, with or without a request: ESF.md, "after it, personal data must be erased".

Immediate erasure stays possible on the bases no retention duty can override: data
recorded unlawfully (Art. 17(1)(d)) and an order of an authority or a court.

Two guards keep a typing error from destroying data. The programme's last payment comes
after its casework, so a last payment dated before the latest date of any family event of
the project (``latest_casework``) is refused (``check_last_payment``): it would end
retention early and let the retention run erase families still being worked with. And
the run never erases a case still open by itself (``application/retention.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.errors import InvalidInput, RuleViolation
from domain.values import ErasureBasis

if TYPE_CHECKING:
    from domain.records import ErasureRequest

RETENTION_YEARS = 5
RESTRICTED = "restricted"
"""The status lists (caseload, search) show for a family whose processing is restricted."""

AT_ONCE = frozenset({ErasureBasis.UNLAWFULLY_RECORDED, ErasureBasis.AUTHORITY_ORDER})
"""Bases of an erasure that no retention duty overrides."""
AFTER_RETENTION = frozenset({ErasureBasis.ART17_REQUEST, ErasureBasis.RETENTION_ENDED,
                             ErasureBasis.RETENTION_ENDED_AFTER_REQUEST})
"""Bases of an erasure that wait until the project's retention has ended."""
REQUEST_BASES = frozenset({ErasureBasis.ART17_REQUEST})
"""Bases a request for erasure during retention can rest on."""


def retention_ends_on(last_payment_on: date) -> date:
    """The last day of retention: 31 December, five years after the year of the last
    payment (kept until the end of that day)."""
    return date(last_payment_on.year + RETENTION_YEARS, 12, 31)


def erasure_due_from(last_payment_on: date) -> date:
    """The first day on which the project's personal data must be erased."""
    return date(last_payment_on.year + RETENTION_YEARS + 1, 1, 1)


def retention_ended(last_payment_on: date | None, today: date) -> bool:
    """Whether erasure is due on ``today`` (never while no last payment is recorded)."""
    return last_payment_on is not None and today >= erasure_due_from(last_payment_on)


def running_until(last_payment_on: date | None) -> str:
    """How long retention runs, in words, for a refusal."""
    if last_payment_on is None:
        return ("the programme's retention runs until five years after the year of its "
                "last payment, and no last payment is recorded for the project yet")
    return (f"the programme's retention runs until {retention_ends_on(last_payment_on)} "
            f"(five years after the year of its last payment on {last_payment_on}; "
            "CPR Art. 82)")


def check_erasure(basis: ErasureBasis, last_payment_on: date | None,
                  request: ErasureRequest | None, today: date) -> None:
    """Refuse an erasure on ``basis`` that retention does not allow yet (nothing is
    recorded): the legal duty to keep the documents overrides a request for erasure
    (GDPR Art. 17(3)(b)) until retention has ended."""
    if basis in AT_ONCE:
        return
    if not retention_ended(last_payment_on, today):
        hint = ("" if request is not None else "; record the family's request instead "
                "(POST /families/{id}/erasure-request): it restricts processing until the "
                "family is erased when retention ends")
        raise RuleViolation("retention_running", f"{running_until(last_payment_on)}, which "
                            f"overrides an erasure on the basis {basis.value} (GDPR Art. "
                            f"17(3)(b)){hint}", field="legal_basis")
    if basis is ErasureBasis.RETENTION_ENDED_AFTER_REQUEST and request is None:
        raise RuleViolation("no_erasure_request", "the family has not asked for erasure: "
                            "erase it on the basis retention_ended", field="legal_basis")


def request_basis(basis: ErasureBasis | str) -> ErasureBasis:
    """The legal basis of a request for erasure (refused: one the data are erased on at
    once, or a retention basis)."""
    try:
        found = ErasureBasis(basis)
    except ValueError:
        found = None
    if found not in REQUEST_BASES:
        raise InvalidInput("not_a_request_basis", f"a request for erasure rests on "
                           f"{', '.join(sorted(REQUEST_BASES))}, not {basis}; data recorded "
                           "unlawfully or an authority's order are erased at once "
                           "(POST /families/{id}/erasure)", field="legal_basis")
    assert found is not None
    return found


def check_request(last_payment_on: date | None, today: date) -> None:
    """A request for erasure is recorded while retention runs; once it has ended, the
    family is erased at once instead."""
    if retention_ended(last_payment_on, today):
        assert last_payment_on is not None
        raise RuleViolation("retention_ended", f"the programme's retention ended on "
                            f"{retention_ends_on(last_payment_on)}: erase the family now "
                            "(POST /families/{id}/erasure with the legal basis "
                            "art17_request)", field="legal_basis")


NOT_CASEWORK = frozenset({"ErasureRequested", "PersonalDataErased", "ConsentWithdrawn",
                          "EntryCorrected"})
"""Events that may come after the programme's last payment: the family's rights during
retention (a request for erasure, a consent withdrawn), the erasure, and a correction
(dated when it was made; a corrected event date counts instead of the original one).
Every other family event is casework, including kinds added later."""


@dataclass(frozen=True)
class Casework:
    """The latest date of a project's casework and a family that has it."""

    on: date
    case_number: str
    event: str


def latest_casework(events: Iterable[Any]) -> tuple[date, str] | None:
    """The latest date of one family's casework (its events' ``occurred_on`` as corrected,
    ``NOT_CASEWORK`` passed over) and the kind of event it belongs to."""
    dated: dict[int, tuple[date, str]] = {}
    for e in events:
        kind = type(e).__name__
        if kind == "EntryCorrected":
            for change in e.changes:
                if change.field == "occurred_on" and change.value and \
                        e.corrected_version in dated:
                    dated[e.corrected_version] = (date.fromisoformat(change.value),
                                                  dated[e.corrected_version][1])
        elif kind not in NOT_CASEWORK:
            dated[e.originator_version] = (e.occurred_on, kind)
    return max(dated.values(), default=None)


def check_last_payment(project: str, paid_on: date, casework: Casework | None) -> None:
    """Refuse a last payment dated before the project's casework (nothing is recorded):
    retention would count from it as if the programme had ended before its families'
    last entries, and the retention run would erase them."""
    if casework is not None and paid_on < casework.on:
        raise RuleViolation(
            "payment_before_casework",
            f"the last payment on {paid_on} lies before the casework of {project}: family "
            f"{casework.case_number} has an entry dated {casework.on} ({casework.event}). "
            "The programme's last payment comes after its casework; a date before it would "
            f"end retention on {retention_ends_on(paid_on)} and have the retention run "
            "erase the project's families", field="paid_on", project=project,
            case_number=casework.case_number, latest_casework_on=casework.on.isoformat())
