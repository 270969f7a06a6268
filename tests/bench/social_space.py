"""Issue 15: ``social_space_report`` - the social-space statistics of a project with
5,000 sessions over three years, as a reporting user gets them (every figure of
``offer_figures`` as known now, rendered with the "< 5" rule), against a ``COUNT(*)`` of
the project's session rows in the same run (goal: ratio <= 20 and under 200 ms).

The offers and sessions are recorded through the domain and the application like any
(30 offers of every type at five places with one or two partners each, 5,000 sessions
from 2024 to 2026 with varied headcounts and up to three of 400 named attendees, one in
twelve cancelled, one in twenty corrected later), and the view is
filled by the projection engine from the log, as a server fills it."""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from uuid import uuid4

from application.cases import FamilyCases
from application.settings import Settings, new_key_text
from domain.offer_values import (
    AgeBand,
    Attendee,
    CancelReason,
    CorrectionReason,
    HeadcountGender,
    OfferType,
    Recurrence,
    Schedule,
    Weekday,
)
from domain.offers import Offer
from projections.engine import CatchUp
from projections.reporting.offer_facts import FACTS, OfferFacts
from projections.reporting.offer_figures import offer_figures
from projections.reporting.offer_render import offer_json

Entry = dict[str, Any]
TODAY = date(2027, 1, 1)
START = date(2024, 1, 1)
DAYS = 3 * 365


def record(cases: FamilyCases, sessions: int, rng: random.Random) -> int:
    """The offers and their sessions, saved offer by offer; the events recorded."""
    offers = 30
    per_offer = sessions // offers
    places = [uuid4() for _ in range(5)]
    partners = [uuid4() for _ in range(8)]
    people = [Attendee(uuid4(), uuid4()) for _ in range(400)]
    recorded = 0
    for n in range(offers):
        offer = Offer.create(
            offer_id=uuid4(), project="BENCH", offer_type=list(OfferType)[n % len(OfferType)],
            title=f"Angebot {n}", place_id=places[n % 5],
            partner_ids=rng.sample(partners, rng.randint(1, 2)),
            target_group=None, schedule=Schedule(Recurrence.WEEKLY, clock(10), 90,
                                                 (Weekday.MONDAY,)),
            starts_on=START, ends_on=None, planned_sessions=rng.choice((None, 150, 200)),
            occurred_on=START, recorded_by="st-bench", today=TODAY)
        held = []
        count = per_offer + (sessions % offers if n == 0 else 0)
        for i in range(count):
            on = START + timedelta(days=DAYS * i // count)
            sid = uuid4()
            if rng.random() < 1 / 12:
                offer.cancel_session(session_id=sid, reason=CancelReason.HOLIDAY,
                                     occurred_on=on, recorded_by="st-bench", today=TODAY)
                continue
            counts = {g: {b: rng.randint(1, 9) for b in rng.sample(list(AgeBand), 2)}
                      for g in rng.sample(list(HeadcountGender), 2)}
            offer.hold_session(session_id=sid, start_time=None, duration_minutes=None,
                               staff_present=["st-bench"], place_id=None, topics=[],
                               counts=counts, first_time=rng.randint(0, 3), occurred_on=on,
                               recorded_by="st-bench", today=TODAY,
                               attendees=rng.sample(people, rng.randint(0, 3)))
            held.append(sid)
        for sid in rng.sample(held, len(held) // 20):
            offer.correct_session(session_id=sid, field="duration_minutes",
                                  value=rng.choice((60, 120)), reason=CorrectionReason.ADDED_LATER,
                                  occurred_on=TODAY - timedelta(days=1),
                                  recorded_by="st-bench", today=TODAY)
        recorded += offer.version
        cases.save(offer)
    return recorded


def bench_social_space(quick: bool) -> list[Entry]:
    sessions = 5_000
    rng = random.Random(15)
    data = Path(tempfile.mkdtemp(prefix="lotse-bench-"))
    settings = Settings(mode="production", master_key=new_key_text(), data_dir=data)
    try:
        with FamilyCases(settings) as cases:
            events = record(cases, sessions, rng)
            engine = CatchUp(cases, [OfferFacts()])
            while engine.run_once():
                pass
            view = engine.views[0]
            assert isinstance(view, OfferFacts)
            t = cases.tables

            def counted() -> float:
                started = time.perf_counter()
                t.fetchone(t.sql("SELECT COUNT(*) FROM {f} WHERE project = {p} AND kind = "
                                 "'session' AND known_to IS NULL", f=view.t(FACTS)), ("BENCH",))
                return time.perf_counter() - started

            def reported() -> float:
                started = time.perf_counter()
                offer_json(offer_figures(t, view, "BENCH"), hidden=True)
                return time.perf_counter() - started

            rounds = 5 if quick else 9
            for _ in range(2):  # (warm: the pages in the cache, the statements prepared)
                counted(), reported()
            plain = min(counted() for _ in range(rounds))
            report = min(reported() for _ in range(rounds))
            found = offer_figures(t, view, "BENCH")
    finally:
        shutil.rmtree(data, ignore_errors=True)
    return [{"name": "social_space_report", "value": round(report * 1000, 3),
             "baseline": round(plain * 1000, 3), "ratio": round(report / plain, 3),
             "unit": "ms", "conditions": {
                 "store": "sqlite", "sessions": found.total.held + found.total.cancelled,
                 "events": events, "months": len(found.by_month), "offers": len(found.offers),
                 "rounds": f"best of {rounds}",
                 "baseline": "SELECT COUNT(*) of the project's current session rows",
                 "report": "every figure of the three years as known now, as a reporting "
                 "user gets it (\"< 5\")", "goal": "ratio <= 20 and under 200 ms"}}]
