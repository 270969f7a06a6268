"""Every view the service keeps, and the one engine that keeps them current together.

One engine reads the event log once for all views (each with its own position, moved in
the same transaction as its rows); ``lotse projections rebuild [VIEW]`` builds new
generations of some or all of them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from application.cases import FamilyCases
from projections.engine import CatchUp, View
from projections.reporting.esf import EsfParticipants
from projections.reporting.offer_facts import OfferFacts
from projections.reporting.programme import ProgrammeFacts
from projections.views.caseload import Caseload
from projections.views.caseload_history import CaseloadHistory
from projections.views.family_summary import FamilySummary
from projections.views.social_space import SocialSpace


def all_views() -> list[View]:
    """New instances of every view, in the order they are reported."""
    return [Caseload(), FamilySummary(), CaseloadHistory(), SocialSpace(), EsfParticipants(),
            ProgrammeFacts(), OfferFacts()]


def views_named(names: list[str]) -> list[View]:
    """New instances of the named views (all when ``names`` is empty); KeyError names an
    unknown one."""
    views = {v.name: v for v in all_views()}
    unknown = [n for n in names if n not in views]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [views[n] for n in names] if names else list(views.values())


@dataclass
class Views:
    """The views of one process and their engine."""

    engine: CatchUp
    caseload: Caseload
    family_summary: FamilySummary
    caseload_history: CaseloadHistory
    social_space: SocialSpace
    esf: EsfParticipants
    programme: ProgrammeFacts
    offers: OfferFacts

    @classmethod
    def build(cls, cases: FamilyCases) -> Views:
        views = all_views()
        engine = CatchUp(cases, views)
        return cls(engine, _one(views, Caseload), family_summary=_one(views, FamilySummary),
                   caseload_history=_one(views, CaseloadHistory),
                   social_space=_one(views, SocialSpace), esf=_one(views, EsfParticipants),
                   programme=_one(views, ProgrammeFacts), offers=_one(views, OfferFacts))


V = TypeVar("V", bound=View)


def _one(views: list[View], kind: type[V]) -> V:
    return next(v for v in views if isinstance(v, kind))
