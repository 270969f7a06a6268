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

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from application.sql import Tables
from domain.offer_values import AgeBand, HeadcountGender, OfferType
from projections.reporting.bitemporal import known_clause
from projections.reporting.offer_facts import (
    CELLS,
    COUNTS,
    FACTS,
    METRICS,
    PENDING,
    OfferFacts,
    cell_metric,
    column,
)

NONE = "none"
"""The offer type of an intake that names no offer."""


def one_decimal(numerator: int, denominator: int) -> float:
    return float((Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent(part: int, whole: int | None) -> float | None:
    return None if not whole else one_decimal(100 * part, whole)


@dataclass(frozen=True)
class Tally:
    """What sessions add up to: ``values`` in the order of ``METRICS``."""

    values: tuple[int, ...] = (0,) * len(METRICS)

    def __getitem__(self, metric: str) -> int:
        return self.values[METRICS.index(metric)]

    def __add__(self, other: Tally) -> Tally:
        return Tally(tuple(a + b for a, b in zip(self.values, other.values, strict=True)))

    @property
    def held(self) -> int:
        return self["held"]

    @property
    def cancelled(self) -> int:
        return self["cancelled"]

    @property
    def minutes(self) -> int:
        return self["minutes"]

    @property
    def hours(self) -> float:
        return one_decimal(self.minutes, 60)

    @property
    def people(self) -> int:
        return self["people"]

    @property
    def first_time(self) -> int:
        return self["first_time"]

    @property
    def share_held(self) -> float | None:
        return percent(self.held, self.held + self.cancelled)

    @property
    def by_gender(self) -> dict[str, int]:
        return {g.value: sum(self[cell_metric(g.value, b.value)] for b in AgeBand)
                for g in HeadcountGender}

    @property
    def by_age_band(self) -> dict[str, int]:
        return {b.value: sum(self[cell_metric(g.value, b.value)] for g in HeadcountGender)
                for b in AgeBand}

    @property
    def cells(self) -> dict[str, int]:
        return {m: self[m] for m in CELLS}


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
    network_outcomes: dict[str, int] = field(default_factory=dict)


def _in(month: str, from_month: str | None, to_month: str | None) -> bool:
    return (from_month is None or month >= from_month) and (to_month is None
                                                            or month <= to_month)


@dataclass
class Sums:
    """What the figures add up, from the counters (now) or the rows (at a cut-off)."""

    by_month: dict[str, Tally] = field(default_factory=dict)
    by_type: dict[str, Tally] = field(default_factory=dict)
    by_place: dict[str, Tally] = field(default_factory=dict)
    offers: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    """Per offer: held and cancelled in the period, held and cancelled so far."""
    partners: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    participants: int = 0
    participants_by_month: dict[str, int] = field(default_factory=dict)


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
            sums = _counted(q, project, from_month, to_month)
        else:
            sums = _grouped(_known_sums(q, known, known_params, project, last),
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


def _counted(q: Any, project: str, from_month: str | None,
             to_month: str | None) -> Sums:
    """The sums from the counters (as known now), in SQL: a handful of statements over
    a few hundred rows."""
    within, params = "project = {p} AND month >= {p} AND month <= {p}", [
        project, from_month or "0000-00", to_month or "9999-99"]
    names = ", ".join(map(column, METRICS))
    sums = ", ".join(f"SUM({column(m)})" for m in METRICS)
    found = Sums()
    for (month, *values) in q(f"SELECT month, {names} FROM {{n}} WHERE {within} AND "
                              "dim = 'month' AND item = ''", params):
        found.by_month[str(month)] = Tally(tuple(int(v) for v in values))
    for dim, item, *values in q(f"SELECT dim, item, {sums} FROM {{n}} WHERE {within} AND "
                                "dim IN ('type', 'place') GROUP BY dim, item", params):
        into = found.by_type if dim == "type" else found.by_place
        into[str(item)] = Tally(tuple(int(v) for v in values))
    for dim, item, n in q(f"SELECT dim, item, SUM(m_held) FROM {{n}} WHERE {within} AND "
                          "dim IN ('partner', 'outcome') GROUP BY dim, item", params):
        (found.partners if dim == "partner" else found.outcomes)[str(item)] = int(n)
    for item, held, cancelled, held_all, cancelled_all in q(
            "SELECT item, SUM(CASE WHEN month >= {p} THEN m_held ELSE 0 END), "
            "SUM(CASE WHEN month >= {p} THEN m_cancelled ELSE 0 END), SUM(m_held), "
            "SUM(m_cancelled) FROM {n} WHERE project = {p} AND month <= {p} AND "
            "dim = 'offer' GROUP BY item", [params[1], params[1], project, params[2]]):
        found.offers[str(item)] = (int(held), int(cancelled), int(held_all),
                                   int(cancelled_all))
    found.participants_by_month = {str(m): int(n) for m, n in q(
        f"SELECT month, COUNT(*) FROM {{n}} WHERE {within} AND dim = 'person' "
        "GROUP BY month", params)}
    if len(found.participants_by_month) == 1:  # (the month's rows: each person once)
        found.participants = next(iter(found.participants_by_month.values()))
    elif found.participants_by_month:
        found.participants = int(q(f"SELECT COUNT(DISTINCT item) FROM {{n}} WHERE {within} "
                                   "AND dim = 'person'", params)[0][0])
    return found


def _grouped(sums: dict[tuple[str, str, str], Tally], types: dict[str, str],
             from_month: str | None, to_month: str | None) -> Sums:
    """The sums of the sessions' figures per (offer, month, place) up to the period's
    end, grouped as ``_counted`` groups the counters."""
    found = Sums()
    offers: dict[str, list[int]] = {}
    for (offer_id, month, place), tally in sums.items():
        inside = _in(month, from_month, to_month)
        line = offers.setdefault(offer_id, [0, 0, 0, 0])
        line[2] += tally.held
        line[3] += tally.cancelled
        if not inside:
            continue
        line[0] += tally.held
        line[1] += tally.cancelled
        for key, into in ((month, found.by_month), (types.get(offer_id, NONE), found.by_type),
                          (place, found.by_place)):
            into[key] = into.get(key, Tally()) + tally
    found.offers = {k: (a, b, c, d) for k, (a, b, c, d) in offers.items()}
    return found


def _known_sums(q: Any, known: str, known_params: tuple[str, ...], project: str,
                last: str) -> dict[tuple[str, str, str], Tally]:
    """The same sums from the session rows known at the end of a day: each session's
    figures as ``OfferFacts`` counts them (held at its place, cancelled at none)."""
    by_session: dict[tuple[str, str], list[Any]] = {}
    for offer_id, entity, kind, day, category, item, status, amount in q(
            "SELECT offer_id, entity, kind, on_day, category, item, status, amount FROM {f} "
            "WHERE project = {p} AND kind IN ('session', 'cell', 'first_time') AND "
            f"on_day <= {{p}} AND {known}", (project, last, *known_params)):
        by_session.setdefault((offer_id, entity), []).append(
            (kind, day, category, item, status, amount))
    sums: dict[tuple[str, str, str], list[int]] = {}
    at = {m: i for i, m in enumerate(METRICS)}
    for (offer_id, _), parts in by_session.items():
        session = next(x for x in parts if x[0] == "session")
        _, day, _, place, status, minutes = session
        key = (offer_id, day[:7], place if status == "held" else "")
        values = sums.setdefault(key, [0] * len(METRICS))
        if status != "held":
            values[at["cancelled"]] += 1
            continue
        values[at["held"]] += 1
        values[at["minutes"]] += int(minutes)
        for kind, _, gender, band, _, n in parts:
            if kind == "cell":
                values[at[cell_metric(gender, band)]] += int(n)
                values[at["people"]] += int(n)
            elif kind == "first_time":
                values[at["first_time"]] += int(n)
    return {key: Tally(tuple(v)) for key, v in sums.items()}


__all__ = ["PENDING", "OfferFigures", "OfferLine", "PartnerLine", "Tally", "offer_figures"]
