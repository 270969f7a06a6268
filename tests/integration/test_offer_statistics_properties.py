"""Random histories of offers: the statistics the view keeps event by event equal a
rebuild and a direct computation from the offers as the domain replays them (now, and
at a cut-off from the events recorded by then)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.cases import FamilyCases
from application.offers import load, recorded_at
from domain.errors import InvalidInput
from domain.offer_values import AgeBand, Attendee, HeadcountGender, OfferType
from domain.offers import Offer
from domain.rules import PROGRAMME_TZ
from projections.engine import CatchUp, rebuild
from projections.reporting.offer_facts import METRICS, OfferFacts, cell_metric, place_key
from projections.reporting.offer_figures import OfferFigures, Tally, offer_figures
from tests.conftest import fresh_store
from tests.integration.test_projection_rebuild import contents
from tests.integration.test_store_queries import Clock
from tests.support.offer_builders import (
    attendance,
    cancel,
    correct,
    hold,
    new_offer,
    place_id,
)

START = date(2026, 1, 5)
TYPES = (OfferType.CAFE, OfferType.OPEN_OFFICE_HOURS, OfferType.GROUP_COURSE)
PLACES = ("Quartiersbüro", "Westwall", "Kita Sonnenschein")
PARTNERS = tuple(uuid.uuid4() for _ in range(3))
PEOPLE = tuple(Attendee(uuid.uuid4(), uuid.uuid4()) for _ in range(4))


def some(rng: random.Random, pool: tuple[Any, ...], total: int = 99) -> list[Any]:
    return rng.sample(pool, rng.randint(0, min(len(pool), total)))


def random_counts(rng: random.Random) -> dict[HeadcountGender, dict[AgeBand, int]]:
    return {g: {b: rng.randint(1, 7) for b in rng.sample(list(AgeBand), rng.randint(0, 2))}
            for g in rng.sample(list(HeadcountGender), rng.randint(0, 3))}


def make_history(app: FamilyCases, clock: Clock, live: CatchUp,
                 rng: random.Random) -> list[uuid.UUID]:
    clock.set(START.year, START.month, START.day, 9, 0)
    offers = [new_offer(app, project=rng.choice(("KR", "KR", "GL")), offer_type=kind,
                        title=f"Angebot {i}", place=rng.choice(PLACES), starts_on=START,
                        planned=rng.choice((None, 5, 12)))
              for i, kind in enumerate(TYPES)]
    sessions: list[tuple[uuid.UUID, uuid.UUID, bool]] = []
    day = START
    for _ in range(rng.randint(6, 14)):
        day += timedelta(days=rng.randint(1, 12))
        clock.set(day.year, day.month, day.day, 10, 0)
        offer = rng.choice(offers)
        held_on = day - timedelta(days=rng.randint(0, 4))
        step = rng.random()
        if step < 0.6 or not sessions:
            counts = random_counts(rng)
            total = sum(n for bands in counts.values() for n in bands.values())
            sid = hold(app, offer, max(held_on, START), rng.choice((45, 60, 90, 120)), counts,
                       rng.randint(0, total), place=rng.choice((None, *PLACES)),
                       partners=rng.choice((None, some(rng, PARTNERS))),
                       attendees=some(rng, PEOPLE, total))
            sessions.append((offer, sid, True))
        elif step < 0.75:
            sessions.append((offer, cancel(app, offer, max(held_on, START)), False))
        else:
            offer, sid, held = rng.choice(sessions)
            counts = random_counts(rng)
            total = sum(n for bands in counts.values() for n in bands.values())
            choices: list[tuple[str, Any]] = [
                ("occurred_on", max(START, day - timedelta(days=rng.randint(0, 40)))
                 .isoformat())]
            if held:
                choices += [("attendance", attendance(counts, rng.randint(0, total))),
                            ("duration_minutes", rng.choice((30, 75, 150))),
                            ("place_id", str(place_id(rng.choice(PLACES)))),
                            ("partner_ids", [str(p) for p in some(rng, PARTNERS)]),
                            ("attendees", [{"family_id": str(a.family_id),
                                            "member_id": str(a.member_id)}
                                           for a in some(rng, PEOPLE, 1)])]
            field, value = rng.choice(choices)
            try:
                correct(app, offer, sid, field, value, day)
            except InvalidInput as e:  # (the same value again, or more named than counted)
                if e.rule not in ("nothing_changed", "attendees_above_total"):
                    raise
        if rng.random() < 0.5:
            live.run_once(max_pages=rng.randint(1, 3))
    return offers


def direct(app: FamilyCases, offer_ids: list[uuid.UUID], project: str,
           known_by: date | None) -> tuple[dict[tuple[str, str, str], Tally], set[Attendee],
                                           dict[str, int]]:
    """The sums per (offer, month, place), the named participants and each partner's
    sessions, from the offers the domain replays."""
    sums: dict[tuple[str, str, str], list[int]] = {}
    people: set[Attendee] = set()
    partners: dict[str, int] = {}
    at = {m: i for i, m in enumerate(METRICS)}
    for offer_id in offer_ids:
        offer: Offer = load(app, offer_id)
        if known_by is not None:
            versions = [v for v, t in recorded_at(app, offer_id).items()
                        if t.astimezone(PROGRAMME_TZ).date() <= known_by]
            offer = app.repository.get(offer_id, version=max(versions))
        if offer.project != project:
            continue
        for s in offer.sessions.values():
            key = (offer_id.hex, s.on.isoformat()[:7], place_key(s.place_id) if s.held else "")
            values = sums.setdefault(key, [0] * len(METRICS))
            if not s.held:
                values[at["cancelled"]] += 1
                continue
            assert s.attendance is not None
            assert s.duration_minutes is not None
            values[at["held"]] += 1
            people.update(s.attendees)
            for partner in s.partner_ids:
                partners[partner.hex] = partners.get(partner.hex, 0) + 1
            values[at["minutes"]] += s.duration_minutes
            values[at["people"]] += s.attendance.total
            values[at["first_time"]] += s.attendance.first_time
            for g, bands in s.attendance.counts.items():
                for b, n in bands.items():
                    values[at[cell_metric(g.value, b.value)]] += n
    return {k: Tally(tuple(v)) for k, v in sums.items()}, people, partners


def by_month(sums: dict[tuple[str, str, str], Tally]) -> dict[str, Tally]:
    found: dict[str, Tally] = {}
    for (_, month, _), t in sums.items():
        found[month] = found.get(month, Tally()) + t
    return dict(sorted(found.items()))


def summed(f: OfferFigures) -> tuple[Any, ...]:
    return (f.total, f.by_month, {o.offer_id: (o.held_so_far, o.cancelled_so_far)
                                  for o in f.offers}, f.participants,
            {p.partner: p.sessions for p in f.partners})


def expected(found: tuple[dict[tuple[str, str, str], Tally], set[Attendee], dict[str, int]]
             ) -> tuple[Any, ...]:
    sums, people, partners = found
    total = sum(sums.values(), Tally())
    offers: dict[str, tuple[int, int]] = {}
    for (offer_id, _, _), t in sums.items():
        held, cancelled = offers.get(offer_id, (0, 0))
        offers[offer_id] = (held + t.held, cancelled + t.cancelled)
    return (total, by_month(sums), offers, len(people), partners)


@pytest.mark.slow
@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 100_000))
def test_the_statistics_kept_event_by_event_equal_a_rebuild_and_the_offers_replayed(
        make_settings: Any, store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        seed: int) -> None:
    rng = random.Random(seed)
    clock = Clock(monkeypatch)
    with fresh_store(make_settings, store, tmp_path) as app:
        live = CatchUp(app, [OfferFacts()], page_size=rng.randint(1, 4))
        live.run_once()
        offers = make_history(app, clock, live, rng)
        while live.run_once():
            pass
        view = live.views[0]
        assert isinstance(view, OfferFacts)
        kept = contents(app, [view])
        cutoff = START + timedelta(days=rng.randint(10, 120))
        for project in ("KR", "GL"):
            for known_by in (None, cutoff):
                found = offer_figures(app.tables, view, project, known_by=known_by)
                assert summed(found) == expected(direct(app, offers, project, known_by))
        fresh = OfferFacts()
        rebuild(app, [fresh], page_size=rng.randint(2, 9))
        assert contents(app, [fresh]) == kept
