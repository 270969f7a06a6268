"""The social-space offers of a project as facts, versioned by recording day.

**The view.** ``OfferFacts`` folds each offer's events (``domain/offers.py``: they live
in the same log as the families, one aggregate per offer) into a small document (the
offer's type, place, planned sessions and each session as recorded and corrected) and
writes what the document shows as rows of one bitemporal table (``known_from``,
``known_to``: see ``projections.reporting.bitemporal``), one *entity* for the offer and
one per session. It folds the families' intakes and referrals too, for what they say
about the offers and partners: a case opened through a social-space offer
(``access_route`` ``social_space_offer``, corrected as the case corrects it) and every
referral to a partner of the directory with its latest outcome. No row holds personal
data: a named attendee is a family and member id, nothing else.

``kind`` tells the rows apart (``offer_id``: the offer's id as hex; ``on_day``: ISO):

| kind | entity | on_day | category | item | status | amount |
|---|---|---|---|---|---|---|
| offer | offer | starts on | offer type | place | title | planned sessions (or NULL) |
| session | s:ID | held / cancelled on | offer type | place | held, cancelled | minutes |
| cell | s:ID | held on | gender | age band | | people |
| first_time | s:ID | held on | | | | first-time visitors |
| attendee | s:ID | held on | | family:member | | 1 |
| partner | s:ID | held on | partner | | | 1 |
| outcome | s:ID | held on | network outcome | | | 1 |
| intake | case | opened on | | | | 1 (``offer_id``: the offer named, or "") |
| referral | r:ID | referred on | partner | | latest outcome or pending | 1 |

A session's date or attendance corrected (``SessionCorrected``, read with
``domain.offer_corrections.corrected``, the domain's own reading) makes a new version of
its entity from the day the correction was recorded: "as known at a cut-off" counts the
session as it was known then, "now" as corrected.

**Counters.** The statistics as known now are read from counters, not rows: per
project, *dimension*, item and month of the session, the sums of the sessions' figures
(``METRICS``: sessions held and cancelled, minutes, people, first-time visitors and each
gender × age-band cell), kept by the deltas of the bitemporal base (+ a version's cells
when it becomes known, - when it is replaced), so that a project's three years are a
few hundred rows however many sessions it held. The dimensions (``DIMENSIONS``): the
month itself (item ""), the offer type, the place (a cancelled session: ""), the offer;
and, counting held sessions in ``m_held``, each partner present, each network outcome
and each named attendee (one row per person and month: the month's distinct named
participants are its rows). The read: ``offer_figures``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from application.sql import Cursor, Tables
from domain import events as ev
from domain import offers as of
from domain.family_case import FamilyCase
from domain.offer_corrections import corrected
from domain.offer_values import AgeBand, Attendance, HeadcountGender, SessionRecord
from domain.values import AccessRoute
from projections.engine.corrections import Refs, Target, corrected_value
from projections.engine.documents import Doc, dumps
from projections.reporting.bitemporal import BitemporalView, Bundle

FACTS = "lotse_offer_facts"
DOCS = "lotse_offer_docs"
COUNTS = "lotse_offer_counts"
SOCIAL_SPACE_OFFER = AccessRoute.SOCIAL_SPACE_OFFER.value
PENDING = "pending"

CELLS = tuple(f"{g.value}__{b.value}" for g in HeadcountGender for b in AgeBand)
"""The gender × age-band cells, as metric names (``women__27_54``)."""
METRICS = ("held", "cancelled", "minutes", "people", "first_time", *CELLS)
"""What a counter row sums, one column each (``m_<metric>``)."""
COUNT_KEYS = ("project", "dim", "item", "month")
DIMENSIONS = ("month", "type", "place", "offer", "partner", "outcome", "person")
_SEPARATE = {"partner:": "partner", "outcome:": "outcome", "person:": "person"}
"""Metrics of a session (``partner:<id>``, ...) counted in a dimension of their own."""
_CELLS = "cells"  # (a bundle's key for the counter cells of a session: not a table)


def cell_metric(gender: str, band: str) -> str:
    return f"{gender}__{band}"


def column(metric: str) -> str:
    return f"m_{metric}"


def place_key(value: UUID | None) -> str:
    """A place (or partner) as the rows name it: its directory id as hex."""
    return "" if value is None else value.hex


def _ids(values: Any) -> list[str]:
    return [v.hex for v in values or ()]


def _attendee(value: Any) -> str:
    return f"{value.family_id.hex}:{value.member_id.hex}"


def _counts(value: Attendance | None) -> tuple[dict[str, dict[str, int]], int]:
    if value is None:
        return {}, 0
    return ({str(g): {str(b): n for b, n in bands.items() if n}
             for g, bands in value.counts.items()}, value.first_time)


# ----- documents ------------------------------------------------------------------------
# offer:  {"k": "o", "p": project, "t": type, "pl": place, "ti": title, "n": planned,
#          "st": starts on, "s": {session: Session}, "_w": written}
# Session: {"h": held, "d": day, "m": minutes, "pl": place, "pa": [partner], "c":
#          {gender: {band: n}}, "f": first-time, "at": [family:member], "o": [outcome]}
# family: {"k": "f", "p": project, "o": opened on, "r": access route, "v": offer or None,
#          "rf": {referral: [partner, made on, outcome]}, "x": Refs, "_w": written}


def _session(e: Any) -> dict[str, Any]:
    counts, first = _counts(e.attendance)
    return {"h": True, "d": e.occurred_on.isoformat(), "m": e.duration_minutes,
            "pl": place_key(e.place_id), "pa": _ids(e.partner_ids), "c": counts, "f": first,
            "at": sorted({_attendee(a) for a in e.attendees}),
            "o": sorted({str(o) for o in e.outcomes})}


def _correct(session: dict[str, Any], session_id: str, field: str, text: str) -> None:
    """Move what a session counts by one ``SessionCorrected`` (the domain reads the
    value; the fields the statistics do not count leave it as it was)."""
    record = corrected(SessionRecord(UUID(session_id), session["h"],
                                     date.fromisoformat(session["d"])), field, text)
    if field == "occurred_on":
        session["d"] = record.on.isoformat()
    elif field == "duration_minutes":
        session["m"] = record.duration_minutes
    elif field == "place_id":
        session["pl"] = place_key(record.place_id)
    elif field == "attendance":
        session["c"], session["f"] = _counts(record.attendance)
    elif field == "partner_ids":
        session["pa"] = _ids(record.partner_ids)
    elif field == "attendees":
        session["at"] = sorted({_attendee(a) for a in record.attendees})
    elif field == "outcomes":
        session["o"] = sorted({str(o) for o in record.outcomes})


def _offer_fold(doc: Doc, e: Any) -> None:
    kind = type(e)
    if kind is of.OfferChanged:
        if e.place_id is not None:
            doc["pl"] = place_key(e.place_id)
        if e.partner_ids is not None:
            doc["pa"] = _ids(e.partner_ids)
        if e.title is not None:
            doc["ti"] = e.title
        if e.planned_sessions is not None:
            doc["n"] = e.planned_sessions
    elif kind is of.SessionHeld:
        doc["s"][e.session_id.hex] = _session(e)
    elif kind is of.SessionCancelled:
        doc["s"][e.session_id.hex] = {"h": False, "d": e.occurred_on.isoformat()}
    elif kind is of.SessionCorrected:
        session = doc["s"].get(e.session_id.hex)
        if session is not None:
            _correct(session, e.session_id.hex, e.field, e.value)


class OfferFacts(BitemporalView):
    """The facts behind the social-space statistics, per offer (and per family for
    intakes and referrals), versioned by recording day, with counters for "now"."""

    name = "offer_facts"
    table_names = (FACTS, DOCS, COUNTS)
    docs_table = DOCS
    schema_version = 2  # (2: counters by dimension)
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        FACTS: ("part TEXT NOT NULL", "project TEXT NOT NULL", "kind TEXT NOT NULL",
                "on_day TEXT NOT NULL", "offer_id TEXT NOT NULL", "category TEXT",
                "item TEXT", "status TEXT", "amount INTEGER"),
    }
    extra_keys: ClassVar[dict[str, tuple[str, ...]]] = {FACTS: ("part",)}
    events = (of.OfferCreated, of.OfferChanged, of.SessionHeld, of.SessionCancelled,
              of.SessionCorrected, FamilyCase.CaseOpened, ev.ReferralMade,
              ev.ReferralOutcomeRecorded, ev.EntryCorrected)
    corrects = frozenset({"CaseOpened"})

    def create(self, c: Cursor, tables: Tables) -> None:
        super().create(c, tables)
        metrics = ", ".join(f"{column(m)} INTEGER NOT NULL" for m in METRICS)
        c.execute(tables.sql(
            "CREATE TABLE IF NOT EXISTS {t} (project TEXT NOT NULL, dim TEXT NOT NULL, "
            f"item TEXT NOT NULL, month TEXT NOT NULL, {metrics}, "
            "PRIMARY KEY (project, dim, item, month))", t=self.t(COUNTS)))

    def create_indexes(self, c: Cursor, tables: Tables) -> None:
        # (the figures as known now read current rows of one kind in a period: the
        # named attendees, counted distinct, from the index alone)
        c.execute(tables.sql(f"CREATE INDEX IF NOT EXISTS {self.t('lotse_offer_facts_kind')} "
                             "ON {t} (project, kind, known_to, on_day, item)",
                             t=self.t(FACTS)))

    # ----- documents ------------------------------------------------------------------

    def from_stored(self, stored: Any) -> Doc:
        doc: Doc = stored
        if doc["k"] == "f":
            doc["x"] = self.new_refs(doc["x"])
        return doc

    def encode_doc(self, family_id: str, doc: Doc) -> str:
        if doc["k"] == "f":
            return dumps({**doc, "x": doc["x"].stored()})
        return dumps(doc)

    def refs_of(self, doc: Doc) -> Refs:
        refs: Refs = doc["x"]
        return refs

    def fold(self, doc: Doc | None, e: Any) -> Doc | None:
        if doc is None:  # (an offer's or a family's first event comes first)
            if isinstance(e, of.OfferCreated):
                return {"k": "o", "p": e.project, "t": str(e.offer_type),
                        "pl": place_key(e.place_id), "pa": _ids(e.partner_ids),
                        "ti": e.title, "n": e.planned_sessions,
                        "st": e.starts_on.isoformat(), "s": {}}
            if isinstance(e, FamilyCase.CaseOpened):
                via = e.via_offer_id
                return {"k": "f", "p": e.project, "o": e.occurred_on.isoformat(),
                        "r": str(e.access_route), "v": via.hex if via else None, "rf": {},
                        "x": self.new_refs()}
            return None
        if doc["k"] == "o":
            _offer_fold(doc, e)
        elif isinstance(e, ev.ReferralMade):
            if e.partner_id is not None:
                doc["rf"][e.referral_id.hex] = [e.partner_id.hex, e.occurred_on.isoformat(),
                                                PENDING]
        elif isinstance(e, ev.ReferralOutcomeRecorded):
            referral = doc["rf"].get(e.referral_id.hex)
            if referral is not None:
                referral[2] = str(e.outcome)  # (the latest outcome recorded counts)
        return doc

    def correct(self, doc: Doc, correction: Any, target: Target) -> None:
        if target.event != "CaseOpened":
            return
        for change in correction.changes:
            if change.field == "access_route":
                doc["r"] = str(corrected_value(target, change))

    def touches(self, event: Any) -> set[str] | None:
        kind = type(event)
        if kind in (of.SessionHeld, of.SessionCancelled, of.SessionCorrected):
            return {f"s:{event.session_id.hex}"}
        if kind in (of.OfferCreated, of.OfferChanged):
            return {"offer"}
        if kind in (ev.ReferralMade, ev.ReferralOutcomeRecorded):
            return {f"r:{event.referral_id.hex}"}
        return None

    # ----- rows -----------------------------------------------------------------------

    def entities(self, family_id: str, doc: Doc,
                 only: set[str] | None = None) -> dict[str, Bundle]:
        project = doc["p"]
        found: dict[str, Bundle] = {}
        if doc["k"] == "f":
            if (only is None or "case" in only) and doc["r"] == SOCIAL_SPACE_OFFER:
                found["case"] = {FACTS: [("", project, "intake", doc["o"], doc["v"] or "",
                                          None, None, None, 1)]}
            for referral_id, (partner, made_on, outcome) in doc["rf"].items():
                entity = f"r:{referral_id}"
                if only is None or entity in only:
                    found[entity] = {FACTS: [("", project, "referral", made_on, "", partner,
                                              None, outcome, 1)]}
            return found
        offer_type = doc["t"]
        if only is None or "offer" in only:
            found["offer"] = {FACTS: [("", project, "offer", doc["st"], family_id, offer_type,
                                       doc["pl"], doc["ti"], doc["n"])]}
        sessions: dict[str, Any] = doc["s"]
        for session_id in (sessions if only is None
                           else [k[2:] for k in only if k[2:] in sessions]):
            found[f"s:{session_id}"] = _session_bundle(project, family_id, offer_type,
                                                       sessions[session_id])
        return found

    def cells(self, bundle: Bundle) -> list[list[Any]]:
        return [list(cell) for cell in bundle.get(_CELLS, ())]

    def count(self, c: Cursor, tables: Tables, deltas: dict[tuple[Any, ...], int]) -> None:
        """The deltas (by session key, metric and known period) as wide counter rows of
        each dimension: the known period does not matter to the figures as known now."""
        wide: dict[tuple[str, ...], list[int]] = {}
        at = {m: i for i, m in enumerate(METRICS)}
        held = at["held"]
        for (project, offer_id, month, place, offer_type, metric, _period), n in \
                deltas.items():
            prefix = metric[:metric.find(":") + 1]
            if prefix:
                key = (project, _SEPARATE[prefix], metric[len(prefix):], month)
                wide.setdefault(key, [0] * len(METRICS))[held] += n
                continue
            i = at[metric]
            for dim, item in (("month", ""), ("type", offer_type), ("place", place),
                              ("offer", offer_id)):
                wide.setdefault((project, dim, item, month), [0] * len(METRICS))[i] += n
        rows = [(*key, *values) for key, values in sorted(wide.items()) if any(values)]
        if rows:
            tables.upsert(c, self.t(COUNTS), (*COUNT_KEYS, *map(column, METRICS)),
                          COUNT_KEYS, rows, add=tuple(map(column, METRICS)), drop_zero=True)


def _session_bundle(project: str, offer_id: str, offer_type: str,
                    s: dict[str, Any]) -> Bundle:
    day: str = s["d"]
    if not s["h"]:
        key = [project, offer_id, day[:7], "", offer_type]
        return {FACTS: [("", project, "session", day, offer_id, offer_type, "", "cancelled",
                         0)],
                _CELLS: [(*key, "cancelled", 1)]}
    place = s["pl"]
    key = [project, offer_id, day[:7], place, offer_type]
    rows: list[tuple[Any, ...]] = [("", project, "session", day, offer_id, offer_type, place,
                                    "held", s["m"])]
    cells: list[list[Any]] = [[*key, "held", 1], [*key, "minutes", s["m"]]]
    people = 0
    for gender, bands in sorted(s["c"].items()):
        for band, n in sorted(bands.items()):
            rows.append((f"c:{gender}:{band}", project, "cell", day, offer_id, gender, band,
                         None, n))
            cells.append([*key, cell_metric(gender, band), n])
            people += n
    if people:
        cells.append([*key, "people", people])
    if s["f"]:
        rows.append(("f", project, "first_time", day, offer_id, None, None, None, s["f"]))
        cells.append([*key, "first_time", s["f"]])
    rows += [(f"p:{a}", project, "attendee", day, offer_id, None, a, None, 1) for a in s["at"]]
    rows += [(f"q:{p}", project, "partner", day, offer_id, p, None, None, 1) for p in s["pa"]]
    rows += [(f"o:{o}", project, "outcome", day, offer_id, o, None, None, 1) for o in s["o"]]
    cells += [[*key, f"{prefix}{x}", 1] for prefix, field in (
        ("person:", "at"), ("partner:", "pa"), ("outcome:", "o")) for x in s[field]]
    return {FACTS: rows, _CELLS: [tuple(cell) for cell in cells]}

