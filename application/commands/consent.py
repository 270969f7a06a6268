"""Consent per purpose: given and withdrawn, each on its day (``domain/consent.py``).

The purposes are codes of a catalogue (``ConsentPurpose``), never free text. The intake
records the consents given then; these commands record the later ones and withdrawals.
A referral needs the consent for referrals in force on its date.
"""

from __future__ import annotations

from typing import ClassVar

from application import policy
from application.commands.base import Example, FamilyCommand, Route
from domain.values import ConsentPurpose

A = policy.Action


class GiveConsent(FamilyCommand):
    """The family gives its consent for one purpose (refused while it is in force)."""

    route: ClassVar = Route("/families/{family_id}/consents",
                            "The family gives its consent for a purpose", "ConsentIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "give_consent"
    example: ClassVar = Example({"purpose": "photo_and_media", "occurred_on": "2026-03-10"},
                                records=("ConsentGiven",))

    purpose: ConsentPurpose


class WithdrawConsent(FamilyCommand):
    """The family withdraws its consent for one purpose (refused unless it is in force);
    what was done while it was in force stays as recorded."""

    route: ClassVar = Route("/families/{family_id}/consents/{purpose}/withdrawal",
                            "The family withdraws its consent for a purpose",
                            "ConsentWithdrawalIn")
    action: ClassVar = A.CASEWORK
    method: ClassVar = "withdraw_consent"
    example: ClassVar = Example({"purpose": "photo_and_media", "occurred_on": "2026-06-01"},
                                records=("ConsentWithdrawn",), after=(GiveConsent,))

    purpose: ConsentPurpose
