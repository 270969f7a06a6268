"""The social-space statistics of a project (issue 15), as known now or at a cut-off,
read from ``OfferFacts`` (``projections.reporting.offer_facts``).

For the months [from, to] (both included; None: open), counted in the month of the
session's date as known:

- **sessions** held and cancelled, the **hours** held (minutes / 60, one decimal, rounded
  half up), **attendance** (everyone counted, by gender, by age band, by both) and
  **first-time visitors**, in total, per month, by offer type and by place (a session
  counts at the place it was held; a cancelled one at none);
- the **share of sessions held**: held / (held + cancelled) of the sessions dated in the
  period, in percent (one decimal; None without any). Per offer: the sessions held *so
  far* (dated on or before the period's end, whenever the period begins) against its
  planned sessions (None when it plans none);
- **named participants**: the distinct family members named as attendees of the
  sessions of the period (a person at ten sessions counts once in the period, and once
  in each month they came: the period is not the sum of its months);
- **cases opened through social-space offers** (intakes whose access route is
  ``social_space_offer``, as corrected) by month of intake and by the type of the offer
  they name (``none``: no offer named);
- **partners**: per partner the held sessions it took part in, the referrals made to it
  in the period and their latest outcome (``pending`` until one is recorded);
- **network outcomes**: per outcome code, the held sessions that agreed it.

"As known now" sums the counters (a few hundred rows per project); "as known at the end
of ``known_by``" sums the rows known then, so a session or correction recorded after
that day does not count. Both give the same figures once ``known_by`` is today.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from application.sql import Tables
from domain.offer_values import OfferType
from projections.reporting.bitemporal import known_clause
from projections.reporting.offer_facts import COUNTS, FACTS, PENDING, OfferFacts
from projections.reporting.offer_sums import (
    NONE,
    Tally,
    counted,
    grouped,
    known_sums,
    percent,
)


@dataclass(frozen=True)
class OfferLine:
    offer_id: str
    title: str
    offer_type: str
    place: str
    planned: int | None
    held_in_period: int
    cancelled_in_period: int
    held_so_far: int
    """Sessions dated up to the period's end, whenever the period begins."""
    cancelled_so_far: int

    @property
    def share_of_planned(self) -> float | None:
        return percent(self.held_so_far, self.planned)


@dataclass(frozen=True)
class PartnerLine:
    partner: str
    sessions: int
    referrals: int
    outcomes: dict[str, int]


@dataclass(frozen=True)
class OfferFigures:
    project: str
    from_month: str | None
    to_month: str | None
    known_by: date | None
    total: Tally
    by_month: dict[str, Tally]
    by_type: dict[str, Tally]
    by_place: dict[str, Tally]
    offers: tuple[OfferLine, ...]
    participants: int
    participants_by_month: dict[str, int]
    cases_opened: int
    cases_by_month: dict[str, int]
    cases_by_type: dict[str, int]
    partners: tuple[PartnerLine, ...]
    network_outcomes: dict[str, int]


def offer_figures(tables: Tables, view: OfferFacts, project: str, *,
                  from_month: str | None = None, to_month: str | None = None,
                  known_by: date | None = None) -> OfferFigures:
    """The statistics of ``project`` for the months [from_month, to_month], as known now
    (``known_by`` None) or at the end of ``known_by``."""
    known, known_params = known_clause("", known_by)
    first = f"{from_month}-01" if from_month else "0000-00-00"
    last = f"{to_month}-99" if to_month else "9999-99-99"
    with tables.transaction(commit=False) as c:

        def q(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            return c.execute(tables.sql(sql, f=view.t(FACTS), n=view.t(COUNTS)),
                             params).fetchall()

        def rows(kind: str, columns: str, group: str = "") -> list[tuple[Any, ...]]:
            tail = f" GROUP BY {group}" if group else ""
            return q(f"SELECT {columns} FROM {{f}} WHERE project = {{p}} AND kind = {{p}} "
                     f"AND on_day >= {{p}} AND on_day <= {{p}} AND {known}{tail}",
                     (project, kind, first, last, *known_params))

        offers = {o: (t, pl, ti, n) for o, t, pl, ti, n in q(
            "SELECT offer_id, category, item, status, amount FROM {f} "
            f"WHERE project = {{p}} AND kind = 'offer' AND {known}", (project, *known_params))}
        if known_by is None:
            sums = counted(q, project, from_month, to_month)
        else:
            sums = grouped(known_sums(q, known, known_params, project, last),
                            {o: t for o, (t, *_) in offers.items()}, from_month, to_month)
            sums.participants = int(rows("attendee", "COUNT(DISTINCT item)")[0][0] or 0)
            sums.participants_by_month = {str(m): int(n) for m, n in rows(
                "attendee", "substr(on_day, 1, 7), COUNT(DISTINCT item)",
                "substr(on_day, 1, 7)")}
            sums.partners = {str(k): int(n) for k, n in rows(
                "partner", "category, COUNT(*)", "category")}
            sums.outcomes = {str(k): int(n) for k, n in rows(
                "outcome", "category, COUNT(*)", "category")}
        intakes = rows("intake", "on_day, offer_id")
        referral_rows = rows("referral", "category, status, COUNT(*)", "category, status")
    total = sum(sums.by_month.values(), Tally())
    sums.by_place.pop("", None)  # (cancelled sessions: held nowhere)
    type_order = [t.value for t in OfferType]
    lines = tuple(sorted(
        (OfferLine(offer_id, ti or "", t, pl or "", n, *sums.offers[offer_id])
         for offer_id, (t, pl, ti, n) in offers.items() if offer_id in sums.offers),
        key=lambda o: (type_order.index(o.offer_type) if o.offer_type in type_order
                       else 99, o.title, o.offer_id)))
    cases_by_month: dict[str, int] = {}
    cases_by_type: dict[str, int] = {}
    for day, offer_id in intakes:
        cases_by_month[day[:7]] = cases_by_month.get(day[:7], 0) + 1
        kind = offers[offer_id][0] if offer_id in offers else NONE
        cases_by_type[kind] = cases_by_type.get(kind, 0) + 1
    partners = {k: PartnerLine(k, n, 0, {}) for k, n in sums.partners.items() if n}
    for partner, outcome, n in referral_rows:
        line = partners.get(partner) or PartnerLine(partner, 0, 0, {})
        partners[partner] = PartnerLine(partner, line.sessions, line.referrals + int(n),
                                        {**line.outcomes, outcome: int(n)})
    return OfferFigures(
        project=project, from_month=from_month, to_month=to_month, known_by=known_by,
        total=total, by_month=dict(sorted(sums.by_month.items())),
        by_type={t: sums.by_type[t] for t in sorted(sums.by_type, key=lambda t: (
            type_order.index(t) if t in type_order else 99, t))},
        by_place=dict(sorted(sums.by_place.items(), key=lambda kv: (-kv[1].held, kv[0]))),
        offers=lines, participants=sums.participants,
        participants_by_month=dict(sorted((m, n) for m, n in
                                          sums.participants_by_month.items() if n)),
        cases_opened=sum(cases_by_month.values()),
        cases_by_month=dict(sorted(cases_by_month.items())),
        cases_by_type=dict(sorted(cases_by_type.items())),
        partners=tuple(sorted(partners.values(), key=lambda x: (-x.sessions - x.referrals,
                                                                x.partner))),
        network_outcomes=dict(sorted((k, n) for k, n in sums.outcomes.items() if n)))


__all__ = ["NONE", "PENDING", "OfferFigures", "OfferLine", "PartnerLine", "Tally",
           "offer_figures", "percent"]
