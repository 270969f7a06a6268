"""The social-space statistics against a fixture whose every figure was counted by hand.

Project KR, period January-February 2026, cut-off 28 February 2026. Each event is
recorded on the day it happened (10:00 UTC) unless said otherwise ("rec."). Partners of
the directory: P1 Jobcenter, P2 Schuldnerberatung.

Families: F1 opened 2026-01-10 (route kita), its parent A. F2 opened 2026-02-09 through
O1 (route social_space_offer), its parent B. F3 opened 2026-02-16 through an offer not
named. F5 opened 2026-01-20 (route kita), corrected rec. 2026-03-03 to social_space_offer.
F4 opened 2026-03-10 through O2 (after the period).
Referrals: F1 to P1 2026-02-10, accepted 02-12, completed 03-04 (rec. after the cut-off);
F2 to P2 2026-02-11, no outcome; F4 to P1 2026-03-11 (after the period).

O1 café "Frauencafé" at Quartiersbüro, planned 10 sessions:
  S1 2026-01-12, 120 min: women 27-54 6, women 55+ 2; first-time 3; named: A.
  S2 2026-01-19, 120 min: women 27-54 5, men 27-54 1; first-time 1; named: A; corrected
     rec. 2026-03-05 (after the cut-off) to women 27-54 7, men 27-54 1, first-time 2.
  S3 2026-02-02 cancelled (holiday).
O2 open office hours "Sprechstunde" at Westwall with P1, planned 4 sessions:
  S4 2026-02-06, 90 min: men 18-26 2, women 27-54 3; first-time 2; named: A (a third
     time) and B.
  S5 2026-02-13, 90 min, rec. 2026-02-20: women 27-54 4, not stated 6-17 1; named: B.
  S6 2026-02-27, 60 min, rec. 2026-03-02 (after the cut-off): women 27-54 2.
  S7 2026-03-02, 90 min: women 27-54 9 (after the period).
O4 network meeting "Netzwerk" at Quartiersbüro with P1 and P2:
  S8 2026-02-18, 60 min: women 27-54 3; outcomes cooperation agreed, referral path agreed.
O3 café in project GL: 2026-01-20, women 27-54 10: in no KR figure.

As known now (S2 corrected, S6 known): held 6, cancelled 1 (share 6 / 7 = 85.7 %),
540 minutes = 9.0 hours, 31 people (S1 8, S2 8, S4 5, S5 5, S6 2, S8 3), first-time 7;
women 27, men 3, not stated 1; 27-54 26, 55+ 2, 18-26 2, 6-17 1. January: 2 held, 240
min, 16 people, 5 first-time; February: 4 held, 1 cancelled (80.0 %), 300 min, 15 people,
2 first-time. Office hours: 3 held, 240 min, 12 people; café: 2 held, 1 cancelled
(66.7 %), 16 people; network meeting: 1 held, 3 people. O2 held 3 of 4 (75.0 %), O1 2 of
10 (20.0 %), O4 1 (none planned). Named participants: A and B, 2 in the period (A in
January, A and B in February: 1 and 2, not 3). Cases opened through offers: F2, F3, F5:
3 (January 1, February 2; café 1, none named 2). Partners: P1 4 sessions (S4, S5, S6,
S8), 1 referral, completed; P2 1 session, 1 referral, pending. Network outcomes: 1 each.

As known at the end of 28 February (S2 as first recorded, S6, F5's correction and F1's
completion unknown): held 5, cancelled 1 (83.3 %), 480 minutes = 8.0 hours, 27 people
(8 + 6 + 5 + 5 + 3), first-time 6; women 23, men 3, not stated 1; 27-54 22, 55+ 2, 18-26 2,
6-17 1; February 3 held, 13 people; O2 held 2 of 4 (50.0 %). Cases opened: F2, F3: 2.
P1 3 sessions, its referral accepted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from application.cases import FamilyCases
from application.commands import CorrectEntry, MakeReferral, RecordReferralOutcome
from application.directory import Directory
from domain.directory import Role
from domain.offer_values import AgeBand, Attendee, HeadcountGender, NetworkOutcome, OfferType
from domain.records import FieldChange
from domain.values import AccessRoute, InstitutionType, ReferralOutcome
from projections.engine import CatchUp, rebuild
from projections.reporting.offer_facts import OfferFacts
from projections.reporting.offer_figures import OfferFigures, offer_figures
from projections.reporting.offer_render import hides_small_counts, offer_json
from tests.integration.test_projection_rebuild import contents
from tests.integration.test_store_queries import Clock
from tests.support.builders import child, intake_kwargs, parent, run_intake
from tests.support.offer_builders import (
    attendance,
    cancel,
    correct,
    hold,
    new_offer,
    place_id,
)

W, M, NS = HeadcountGender.WOMEN, HeadcountGender.MEN, HeadcountGender.NOT_STATED
A27, A55, A18, A6 = AgeBand.AGE_27_54, AgeBand.AGE_55_PLUS, AgeBand.AGE_18_26, AgeBand.AGE_6_17
CUTOFF = date(2026, 2, 28)
P1, P2 = uuid4(), uuid4()
OFFER = AccessRoute.SOCIAL_SPACE_OFFER


class World:
    def __init__(self, app: FamilyCases, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.live = CatchUp(app, [OfferFacts()], page_size=3)
        self.view = self.live.views[0]
        self.directory = Directory(app)
        self.families: dict[str, tuple[UUID, UUID]] = {}  # name: (family, parent)

    def on(self, day: date) -> None:
        self.live.run_once()  # (the view kept current day by day, in small pages)
        self.clock.set(day.year, day.month, day.day, 10, 0)

    def open(self, name: str, day: date, route: AccessRoute = AccessRoute.KITA,
             via: UUID | None = None) -> None:
        self.on(day)
        members = [parent(), child()]
        opened = run_intake(self.app, **intake_kwargs(
            members, occurred_on=day, consent_given_on=day, access_route=route,
            via_offer_id=via))
        self.families[name] = (opened.family_id, members[0].member_id)

    def named(self, name: str) -> Attendee:
        return Attendee(*self.families[name])

    def refer(self, name: str, day: date, partner: UUID) -> UUID:
        self.on(day)
        referral = uuid4()
        family, member = self.families[name]
        self.app.handle(MakeReferral(
            family_id=family, member_id=member, referral_id=referral, partner_id=partner,
            institution_type=InstitutionType.OTHER, institution_name="Partner", purpose=None,
            consent_confirmed=True, occurred_on=day), recorded_by="cm-anna")
        return referral

    def outcome(self, name: str, referral: UUID, day: date, outcome: ReferralOutcome) -> None:
        self.on(day)
        self.app.handle(RecordReferralOutcome(family_id=self.families[name][0],
                                              referral_id=referral, outcome=outcome,
                                              occurred_on=day), recorded_by="cm-anna")

    def figures(self, known_by: date | None = None, **period: str | None) -> OfferFigures:
        self.live.run_once()
        period = {"from_month": "2026-01", "to_month": "2026-02", **period}
        assert isinstance(self.view, OfferFacts)
        return offer_figures(self.app.tables, self.view, "KR", known_by=known_by, **period)


def build(w: World) -> World:
    d, app = date, w.app
    w.on(d(2026, 1, 5))
    w.directory.add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=48,
                            recorded_by="st-admin")
    for partner, name, kind in ((P1, "Jobcenter Krefeld", InstitutionType.JOBCENTER),
                                (P2, "Schuldnerberatung", InstitutionType.DEBT_COUNSELLING)):
        w.directory.change(lambda x, partner=partner, name=name, kind=kind: x.partner(
            project="KR", partner_id=partner, name=name, institution_type=kind,
            contact_role=None, district=None, recorded_by="st-admin", new=True))
    o1 = new_offer(app, title="Frauencafé", place="Quartiersbüro", starts_on=d(2026, 1, 5),
                   planned=10)
    o2 = new_offer(app, offer_type=OfferType.OPEN_OFFICE_HOURS, title="Sprechstunde",
                   place="Westwall", starts_on=d(2026, 1, 5), planned=4, partners=[P1])
    o3 = new_offer(app, project="GL", starts_on=d(2026, 1, 5))
    o4 = new_offer(app, offer_type=OfferType.NETWORK_MEETING, title="Netzwerk",
                   place="Quartiersbüro", starts_on=d(2026, 1, 5), partners=[P1, P2])
    w.open("F1", d(2026, 1, 10))
    w.on(d(2026, 1, 12))
    hold(app, o1, d(2026, 1, 12), 120, {W: {A27: 6, A55: 2}}, 3, attendees=[w.named("F1")])
    w.on(d(2026, 1, 19))
    s2 = hold(app, o1, d(2026, 1, 19), 120, {W: {A27: 5}, M: {A27: 1}}, 1,
              attendees=[w.named("F1")])
    w.on(d(2026, 1, 20))
    hold(app, o3, d(2026, 1, 20), 60, {W: {A27: 10}})
    w.open("F5", d(2026, 1, 20))
    w.on(d(2026, 2, 2))
    cancel(app, o1, d(2026, 2, 2))
    w.open("F2", d(2026, 2, 9), OFFER, via=o1)
    w.on(d(2026, 2, 6))
    hold(app, o2, d(2026, 2, 6), 90, {M: {A18: 2}, W: {A27: 3}}, 2,
         attendees=[w.named("F1"), w.named("F2")])
    f1_p1 = w.refer("F1", d(2026, 2, 10), P1)
    w.refer("F2", d(2026, 2, 11), P2)
    w.outcome("F1", f1_p1, d(2026, 2, 12), ReferralOutcome.ACCEPTED)
    w.open("F3", d(2026, 2, 16), OFFER)
    w.on(d(2026, 2, 18))
    hold(app, o4, d(2026, 2, 18), 60, {W: {A27: 3}}, outcomes=[
        NetworkOutcome.COOPERATION_AGREED, NetworkOutcome.REFERRAL_PATH_AGREED])
    w.on(d(2026, 2, 20))
    hold(app, o2, d(2026, 2, 13), 90, {W: {A27: 4}, NS: {A6: 1}}, attendees=[w.named("F2")])
    # Recorded after the cut-off.
    w.on(d(2026, 3, 2))
    hold(app, o2, d(2026, 2, 27), 60, {W: {A27: 2}})
    hold(app, o2, d(2026, 3, 2), 90, {W: {A27: 9}})
    w.on(d(2026, 3, 3))
    app.handle(CorrectEntry(family_id=w.families["F5"][0], corrected_version=1,
                            changes=[FieldChange("access_route", OFFER.value)],
                            reason="kam über das Frauencafé", occurred_on=d(2026, 3, 3)),
               recorded_by="cm-anna")
    w.outcome("F1", f1_p1, d(2026, 3, 4), ReferralOutcome.COMPLETED)
    w.on(d(2026, 3, 5))
    correct(app, o1, s2, "attendance", attendance({W: {A27: 7}, M: {A27: 1}}, 2),
            d(2026, 3, 5))
    w.open("F4", d(2026, 3, 10), OFFER, via=o2)
    w.refer("F4", d(2026, 3, 11), P1)
    w.live.run_once()
    return w


@pytest.fixture
def world(app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> World:
    return build(World(app, Clock(monkeypatch)))


def tally(t: Any) -> tuple[Any, ...]:
    return (t.held, t.cancelled, t.minutes, t.hours, t.people, t.first_time, t.share_held)


def partners(f: OfferFigures) -> dict[UUID, tuple[int, int, dict[str, int]]]:
    return {UUID(p.partner): (p.sessions, p.referrals, p.outcomes) for p in f.partners}


def test_every_figure_as_known_now_is_the_hand_count(world: World) -> None:
    f = world.figures()
    assert tally(f.total) == (6, 1, 540, 9.0, 31, 7, 85.7)
    assert f.total.by_gender == {"women": 27, "men": 3, "non_binary": 0, "not_stated": 1}
    assert f.total.by_age_band == {"0_5": 0, "6_17": 1, "18_26": 2, "27_54": 26,
                                   "55_plus": 2}
    assert {m: tally(t) for m, t in f.by_month.items()} == {
        "2026-01": (2, 0, 240, 4.0, 16, 5, 100.0), "2026-02": (4, 1, 300, 5.0, 15, 2, 80.0)}
    assert {k: tally(t) for k, t in f.by_type.items()} == {
        "open_office_hours": (3, 0, 240, 4.0, 12, 2, 100.0),
        "cafe": (2, 1, 240, 4.0, 16, 5, 66.7),
        "network_meeting": (1, 0, 60, 1.0, 3, 0, 100.0)}
    assert list(f.by_type) == ["open_office_hours", "cafe", "network_meeting"]
    assert {k: (t.held, t.people) for k, t in f.by_place.items()} == {
        place_id("Westwall").hex: (3, 12), place_id("Quartiersbüro").hex: (3, 19)}
    assert [(o.title, o.offer_type, o.planned, o.held_so_far, o.cancelled_so_far,
             o.share_of_planned) for o in f.offers] == [
        ("Sprechstunde", "open_office_hours", 4, 3, 0, 75.0),
        ("Frauencafé", "cafe", 10, 2, 1, 20.0),
        ("Netzwerk", "network_meeting", None, 1, 0, None)]
    assert (f.participants, f.participants_by_month) == (2, {"2026-01": 1, "2026-02": 2})
    assert (f.cases_opened, f.cases_by_month, f.cases_by_type) == (
        3, {"2026-01": 1, "2026-02": 2}, {"cafe": 1, "none": 2})
    assert partners(f) == {P1: (4, 1, {"completed": 1}), P2: (1, 1, {"pending": 1})}
    assert f.network_outcomes == {"cooperation_agreed": 1, "referral_path_agreed": 1}


def test_every_figure_at_the_cutoff_leaves_out_what_was_recorded_after_it(
        world: World) -> None:
    f = world.figures(CUTOFF)
    assert tally(f.total) == (5, 1, 480, 8.0, 27, 6, 83.3)
    assert f.total.by_gender == {"women": 23, "men": 3, "non_binary": 0, "not_stated": 1}
    assert f.total.by_age_band == {"0_5": 0, "6_17": 1, "18_26": 2, "27_54": 22,
                                   "55_plus": 2}
    assert {m: (t.held, t.people, t.first_time) for m, t in f.by_month.items()} == {
        "2026-01": (2, 14, 4), "2026-02": (3, 13, 2)}
    assert [(o.title, o.held_so_far, o.share_of_planned) for o in f.offers] == [
        ("Sprechstunde", 2, 50.0), ("Frauencafé", 2, 20.0), ("Netzwerk", 1, None)]
    assert (f.participants, f.cases_opened, f.cases_by_type) == (2, 2, {"cafe": 1,
                                                                       "none": 1})
    assert partners(f) == {P1: (3, 1, {"accepted": 1}), P2: (1, 1, {"pending": 1})}


def test_a_small_cell_is_less_than_five_to_a_reporting_user_and_exact_to_a_coordinator(
        world: World) -> None:
    record = world.directory.project("KR")
    f = world.figures()
    shown = offer_json(f, hidden=hides_small_counts(record, Role.REPORTING))
    exact = offer_json(f, hidden=hides_small_counts(record, Role.COORDINATOR))
    assert shown["attendance"]["by_gender"]["men"] == "< 5"
    assert exact["attendance"]["by_gender"]["men"] == 3
    assert (shown["named_participants"]["total"], exact["named_participants"]["total"]) == (
        "< 5", 2)
    assert (shown["cases_opened"]["total"], exact["cases_opened"]["total"]) == ("< 5", 3)
    assert shown["attendance"]["total"] == exact["attendance"]["total"] == 31
    assert shown["sessions"] == exact["sessions"]  # (sessions and hours stay exact)
    assert [p["sessions"] for p in shown["partners"]] == [4, 1]
    assert [p["referrals"] for p in shown["partners"]] == ["< 5", "< 5"]


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
        ("Sprechstunde", 4, 100.0), ("Frauencafé", 2, 20.0), ("Netzwerk", 1, None)]
    assert (f.cases_opened, f.cases_by_type) == (1, {"open_office_hours": 1})
    assert partners(f) == {P1: (1, 1, {"pending": 1})}  # (S7, with O2's partner)


def test_the_view_kept_page_by_page_equals_a_rebuild_from_the_log(world: World) -> None:
    kept = contents(world.app, [world.view])
    fresh = [OfferFacts()]
    rebuild(world.app, fresh, page_size=4)
    assert contents(world.app, fresh) == kept
