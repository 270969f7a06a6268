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
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

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
