"""The counting rules of the ESF+ common indicators (``../shared/ESF.md``): which
outputs (EECO01-EECO17) and results (EECR01-EECR06) a participant counts in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from domain.rules import LEAVING_STATUS_DAYS
from projections.reporting.esf_participants import FollowUp, LeavingStatus, Participant

# ----- the counting rules (ESF.md) -----------------------------------------------------

GENDERS = ("female", "male", "non_binary")
OUTPUTS = tuple(f"EECO{n:02d}" for n in range(1, 18))
RESULTS = tuple(f"EECR{n:02d}" for n in range(1, 7))
UNKNOWN_ITEMS = {"EECO12": "disability", "EECO14": "foreign_background",
                 "EECO15": "minority", "EECO16": "homeless"}
"""Special-category items: "declined" or not recorded is reported as unknown."""
WINDOW = timedelta(days=LEAVING_STATUS_DAYS)
"""The status on leaving is the latest recorded within this after the exit date (the
domain refuses a later one)."""
LATE = timedelta(days=28)
"""An entry recorded later than this after its date is a finding (and makes "as known
at the cut-off" differ from "now" for whoever reported in between)."""
RESULT_OF_STATUS = {"job_searching": "EECR01", "in_education_or_training": "EECR02",
                    "gained_qualification": "EECR03", "employed": "EECR04",
                    "self_employed": "EECR04"}


def outputs(p: Participant) -> list[str]:
    """The output indicators a counted participant (all core data) counts in."""
    e = p.entry
    codes = ["EECO01"]
    status = e["labour_market_status"]
    if status == "unemployed":
        codes.append("EECO02")
        if e.get("unemployed_months") is not None and int(e["unemployed_months"]) >= 12:
            codes.append("EECO03")
    elif status == "inactive":
        codes.append("EECO04")
    else:  # employed, self_employed
        codes.append("EECO05")
    age = p.age if p.age is not None else -1
    if age < 18:
        codes.append("EECO06")
    elif age <= 29:
        codes.append("EECO07")
    elif age >= 55:
        codes.append("EECO08")
    codes.append({"isced_0_2": "EECO09", "isced_3_4": "EECO10",
                  "isced_5_8": "EECO11"}[e["isced"]])
    if e.get("disability") == "yes":
        codes.append("EECO12")
    if e.get("citizenship") in ("third_country", "stateless"):
        codes.append("EECO13")
    if e.get("foreign_background") == "yes":
        codes.append("EECO14")
    if e.get("minority") == "yes":
        codes.append("EECO15")
    if e.get("homeless") == "yes":
        codes.append("EECO16")
    if e.get("rural") is True:
        codes.append("EECO17")
    return codes


def unknowns(p: Participant) -> list[str]:
    """The special-category indicators whose answer is unknown (declined, not recorded)."""
    return [code for code, item in UNKNOWN_ITEMS.items()
            if p.entry.get(item) in (None, "declined")]


def results(p: Participant, cutoff: date) -> list[tuple[str, tuple[int, ...]]]:
    """Result codes at ``cutoff`` with the versions behind each: the status on leaving
    of the last stint begun by the cut-off (the latest recorded within 28 days after the
    exit and by the cut-off) and its six-month follow-up."""
    day = cutoff.isoformat()
    begun = [s for s in p.stints if s["d"] <= day]
    if not begun:
        return []
    stint = begun[-1]
    found: list[tuple[str, tuple[int, ...]]] = []
    if stint["l"] is not None and stint["l"] <= day:
        left = date.fromisoformat(stint["l"])
        until = min(left + WINDOW, cutoff).isoformat()
        statuses = [LeavingStatus(stint["l"], stint["s"], stint["lv"])]
        statuses += [s for s in map(_leaving, stint["ls"]) if stint["l"] <= s.on <= until]
        latest = max(statuses, key=lambda s: (s.on, s.version))
        code = RESULT_OF_STATUS.get(latest.status)
        if code is not None:
            found.append((code, (stint["v"], stint["lv"], latest.version)))
    follow_up = None if stint["f"] is None else FollowUp(*stint["f"])
    if follow_up is not None and follow_up.on <= day:
        if follow_up.status in ("employed", "self_employed"):
            found.append(("EECR05", (stint["v"], follow_up.version)))
        if (follow_up.better
                and p.entry["labour_market_status"] in ("employed", "self_employed")):
            found.append(("EECR06", (stint["v"], follow_up.version)))
    return found


def result_spans(p: Participant) -> list[tuple[str, str, str | None]]:
    """(code, first cut-off day it counts on, first day it no longer counts or None):
    ``results`` as a function of the cut-off day. Every comparison in it is "a date of
    the record <= the cut-off", so it can only change on such a date: evaluated there,
    it is known for every cut-off."""
    days: set[str] = set()
    for stint in p.stints:
        days.update(d for d in (stint["d"], stint["l"]) if d is not None)
        days.update(_leaving(s).on for s in stint["ls"])
        if stint["f"] is not None:
            days.add(FollowUp(*stint["f"]).on)
    spans: list[tuple[str, str, str | None]] = []
    open_since: dict[str, str] = {}
    for day in sorted(days):
        counted = {code for code, _ in results(p, date.fromisoformat(day))}
        for code in [c for c in open_since if c not in counted]:
            spans.append((code, open_since.pop(code), day))
        for code in counted:
            open_since.setdefault(code, day)
    spans.extend((code, since, None) for code, since in open_since.items())
    return sorted(spans)


def _leaving(stored: Any) -> LeavingStatus:
    return LeavingStatus(*stored)


def bit_mask(codes: Iterable[str], order: Sequence[str]) -> int:
    return sum(1 << order.index(code) for code in codes)
