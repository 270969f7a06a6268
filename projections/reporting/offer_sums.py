"""How the social-space statistics are summed (``offer_figures``): from the counters of
``OfferFacts`` as known now, in SQL (``counted``), or from its rows as known at the end
of a day, in Python (``known_sums``, then ``grouped``), into the same ``Sums``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.offer_values import AgeBand, HeadcountGender
from projections.reporting.offer_facts import CELLS, METRICS, cell_metric, column

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


def within(month: str, from_month: str | None, to_month: str | None) -> bool:
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


def counted(q: Any, project: str, from_month: str | None,
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


def grouped(sums: dict[tuple[str, str, str], Tally], types: dict[str, str],
             from_month: str | None, to_month: str | None) -> Sums:
    """The sums of the sessions' figures per (offer, month, place) up to the period's
    end, grouped as ``_counted`` groups the counters."""
    found = Sums()
    offers: dict[str, list[int]] = {}
    for (offer_id, month, place), tally in sums.items():
        inside = within(month, from_month, to_month)
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


def known_sums(q: Any, known: str, known_params: tuple[str, ...], project: str,
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
