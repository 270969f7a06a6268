"""The social-space statistics against a fixture whose every figure was counted by hand.

Project KR, period January-February 2026, cut-off 28 February 2026. Each event is
recorded on the day it happened (10:00 UTC) unless said otherwise ("rec.").

O1 café "Frauencafé" at Quartiersbüro, planned 10 sessions:
  S1 2026-01-12, 120 min: women 27-54 6, women 55+ 2; first-time 3.
  S2 2026-01-19, 120 min: women 27-54 5, men 27-54 1; first-time 1; corrected rec.
     2026-03-05 (after the cut-off) to women 27-54 7, men 27-54 1, first-time 2.
  S3 2026-02-02 cancelled (holiday).
O2 open office hours "Sprechstunde" at Westwall, planned 4 sessions:
  S4 2026-02-06, 90 min: men 18-26 2, women 27-54 3; first-time 2.
  S5 2026-02-13, 90 min, rec. 2026-02-20: women 27-54 4, not stated 6-17 1.
  S6 2026-02-27, 60 min, rec. 2026-03-02 (after the cut-off): women 27-54 2.
  S7 2026-03-02, 90 min: women 27-54 9 (after the period: counts for "so far" only
     when the period reaches March).
O3 café in project GL: 2026-01-20, women 27-54 10: in no KR figure.

As known now (S2 corrected, S6 known): sessions held 5, cancelled 1 (share held
5 / 6 = 83.3 %), 480 minutes = 8.0 hours, 28 people (S1 8, S2 8, S4 5, S5 5, S6 2),
first-time 7; women 24, men 3, not stated 1; 27-54 23, 55+ 2, 18-26 2, 6-17 1.
January: 2 held, 240 min, 16 people, 5 first-time; February: 3 held, 1 cancelled,
240 min, 12 people, 2 first-time. Café: 2 held, 1 cancelled (66.7 %), 16 people;
office hours: 3 held (100.0 %), 12 people. O1 held 2 of 10 planned (20.0 %), O2 3 of 4
(75.0 %).

As known at the end of 28 February (S2 as first recorded, S6 unknown): held 4,
cancelled 1 (80.0 %), 420 minutes = 7.0 hours, 24 people (8 + 6 + 5 + 5), first-time 6;
women 20, men 3, not stated 1; 27-54 19, 55+ 2, 18-26 2, 6-17 1; O2 held 2 of 4 (50.0 %).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from application.cases import FamilyCases
from domain.offer_values import AgeBand, HeadcountGender, OfferType
from projections.engine import CatchUp, rebuild
from projections.reporting.offer_facts import OfferFacts
from projections.reporting.offer_figures import OfferFigures, offer_figures
from tests.integration.test_projection_rebuild import contents
from tests.integration.test_store_queries import Clock
from tests.support.offer_builders import attendance, cancel, correct, hold, new_offer

W, M, NS = HeadcountGender.WOMEN, HeadcountGender.MEN, HeadcountGender.NOT_STATED
A27, A55, A18, A6 = AgeBand.AGE_27_54, AgeBand.AGE_55_PLUS, AgeBand.AGE_18_26, AgeBand.AGE_6_17
CUTOFF = date(2026, 2, 28)


class World:
    def __init__(self, app: FamilyCases, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.live = CatchUp(app, [OfferFacts()], page_size=3)
        self.view = self.live.views[0]

    def on(self, day: date) -> None:
        self.live.run_once()  # (the view kept current day by day, in small pages)
        self.clock.set(day.year, day.month, day.day, 10, 0)

    def figures(self, known_by: date | None = None, **period: str | None) -> OfferFigures:
        self.live.run_once()
        period = {"from_month": "2026-01", "to_month": "2026-02", **period}
        assert isinstance(self.view, OfferFacts)
        return offer_figures(self.app.tables, self.view, "KR", known_by=known_by, **period)


def build(w: World) -> World:
    d, app = date, w.app
    w.on(d(2026, 1, 5))
    o1 = new_offer(app, title="Frauencafé", place="Quartiersbüro", starts_on=d(2026, 1, 5),
                   planned=10)
    o2 = new_offer(app, offer_type=OfferType.OPEN_OFFICE_HOURS, title="Sprechstunde",
                   place="Westwall", starts_on=d(2026, 1, 5), planned=4)
    o3 = new_offer(app, project="GL", starts_on=d(2026, 1, 5))
    w.on(d(2026, 1, 12))
    hold(app, o1, d(2026, 1, 12), 120, {W: {A27: 6, A55: 2}}, 3)
    w.on(d(2026, 1, 19))
    s2 = hold(app, o1, d(2026, 1, 19), 120, {W: {A27: 5}, M: {A27: 1}}, 1)
    w.on(d(2026, 1, 20))
    hold(app, o3, d(2026, 1, 20), 60, {W: {A27: 10}})
    w.on(d(2026, 2, 2))
    cancel(app, o1, d(2026, 2, 2))
    w.on(d(2026, 2, 6))
    hold(app, o2, d(2026, 2, 6), 90, {M: {A18: 2}, W: {A27: 3}}, 2)
    w.on(d(2026, 2, 20))
    hold(app, o2, d(2026, 2, 13), 90, {W: {A27: 4}, NS: {A6: 1}})
    w.on(d(2026, 3, 2))
    hold(app, o2, d(2026, 2, 27), 60, {W: {A27: 2}})
    hold(app, o2, d(2026, 3, 2), 90, {W: {A27: 9}})
    w.on(d(2026, 3, 5))
    correct(app, o1, s2, "attendance", attendance({W: {A27: 7}, M: {A27: 1}}, 2),
            d(2026, 3, 5))
    w.live.run_once()
    return w


@pytest.fixture
def world(app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> World:
    return build(World(app, Clock(monkeypatch)))


def tally(t: Any) -> tuple[Any, ...]:
    return (t.held, t.cancelled, t.minutes, t.hours, t.people, t.first_time, t.share_held)


def test_every_figure_as_known_now_is_the_hand_count(world: World) -> None:
    f = world.figures()
    assert tally(f.total) == (5, 1, 480, 8.0, 28, 7, 83.3)
    assert f.total.by_gender == {"women": 24, "men": 3, "non_binary": 0, "not_stated": 1}
    assert f.total.by_age_band == {"0_5": 0, "6_17": 1, "18_26": 2, "27_54": 23,
                                   "55_plus": 2}
    assert {m: tally(t) for m, t in f.by_month.items()} == {
        "2026-01": (2, 0, 240, 4.0, 16, 5, 100.0), "2026-02": (3, 1, 240, 4.0, 12, 2, 75.0)}
    assert {k: tally(t) for k, t in f.by_type.items()} == {
        "open_office_hours": (3, 0, 240, 4.0, 12, 2, 100.0),
        "cafe": (2, 1, 240, 4.0, 16, 5, 66.7)}
    assert list(f.by_type) == ["open_office_hours", "cafe"]  # (in the catalogue's order)
    assert {k: (t.held, t.people) for k, t in f.by_place.items()} == {
        "Westwall": (3, 12), "Quartiersbüro": (2, 16)}
    assert [(o.title, o.offer_type, o.planned, o.held_so_far, o.cancelled_so_far,
             o.share_of_planned) for o in f.offers] == [
        ("Sprechstunde", "open_office_hours", 4, 3, 0, 75.0),
        ("Frauencafé", "cafe", 10, 2, 1, 20.0)]


def test_every_figure_at_the_cutoff_leaves_out_what_was_recorded_after_it(
        world: World) -> None:
    f = world.figures(CUTOFF)
    assert tally(f.total) == (4, 1, 420, 7.0, 24, 6, 80.0)
    assert f.total.by_gender == {"women": 20, "men": 3, "non_binary": 0, "not_stated": 1}
    assert f.total.by_age_band == {"0_5": 0, "6_17": 1, "18_26": 2, "27_54": 19,
                                   "55_plus": 2}
    assert {m: (t.held, t.people, t.first_time) for m, t in f.by_month.items()} == {
        "2026-01": (2, 14, 4), "2026-02": (2, 10, 2)}
    assert [(o.title, o.held_so_far, o.share_of_planned) for o in f.offers] == [
        ("Sprechstunde", 2, 50.0), ("Frauencafé", 2, 20.0)]


def test_a_cutoff_of_today_reads_the_same_figures_as_the_counters(world: World) -> None:
    for period in ({}, {"from_month": None, "to_month": None},
                   {"from_month": "2026-02", "to_month": "2026-03"}):
        now = world.figures(None, **period)
        assert world.figures(date(2030, 1, 1), **period) == replace(
            now, known_by=date(2030, 1, 1))


def test_a_later_period_counts_what_was_held_so_far_against_the_plan(world: World) -> None:
    f = world.figures(from_month="2026-03", to_month="2026-03")
    assert tally(f.total) == (1, 0, 90, 1.5, 9, 0, 100.0)
    assert [(o.title, o.held_so_far, o.share_of_planned) for o in f.offers] == [
        ("Sprechstunde", 4, 100.0), ("Frauencafé", 2, 20.0)]


def test_the_view_kept_page_by_page_equals_a_rebuild_from_the_log(world: World) -> None:
    kept = contents(world.app, [world.view])
    fresh = [OfferFacts()]
    rebuild(world.app, fresh, page_size=4)
    assert contents(world.app, fresh) == kept
