"""The referrals made to each partner institution of a project, with their latest
outcome: read from the event log, counts only (no family, no name).

A referral names a partner of the project's directory by ``partner_id`` (``ReferralMade``
version 3); the partner's id is not personal data, so the referrals are read without
opening any family's key (``unseal=False``). A referral counts under its latest recorded
outcome, ``pending`` while none was recorded, as the social-space statistics count them.
A partner id belongs to one project, so the partners of a project find its referrals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.facts import FactDecoder
from application.mapper import PersonalDataMapper
from domain.events import ReferralMade, ReferralOutcomeRecorded

PAGE = 500
PENDING = "pending"


@dataclass
class PartnerReferrals:
    """The referrals to one partner: how many, and how many stand at each outcome."""

    count: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def referrals_per_partner(cases: FamilyCases, partner_ids: Collection[UUID]
                          ) -> dict[UUID, PartnerReferrals]:
    """Each of ``partner_ids`` with the referrals made to it (partners without any are
    left out)."""
    wanted = set(partner_ids)
    partner_of: dict[UUID, UUID] = {}
    latest: dict[UUID, str] = {}
    for event in _events(cases):
        if isinstance(event, ReferralMade):
            if event.partner_id in wanted:
                partner_of[event.referral_id] = event.partner_id
        elif isinstance(event, ReferralOutcomeRecorded) and event.referral_id in partner_of:
            latest[event.referral_id] = str(event.outcome)
    found: dict[UUID, PartnerReferrals] = {}
    for referral_id, partner_id in partner_of.items():
        counted = found.setdefault(partner_id, PartnerReferrals())
        counted.count += 1
        counted.outcomes[latest.get(referral_id, PENDING)] += 1
    return found


def _events(cases: FamilyCases) -> Any:
    topics = [get_topic(ReferralMade), get_topic(ReferralOutcomeRecorded)]
    decode = FactDecoder(cast(PersonalDataMapper, cases.mapper))
    start: int | None = None
    while True:
        page = cases.recorder.select_notifications(start, PAGE, topics=topics)
        for notification in page:
            yield decode(notification, unseal=False)
        if len(page) < PAGE:
            return
        start = page[-1].id + 1
