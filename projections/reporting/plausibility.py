"""The plausibility checks of an ESF+ report: what a coordinator should look at before
submitting (late entries, exit windows still open, exits without a status), counted
from the ESF+ participants view as known now or at the cut-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from application.sql import Tables
from projections.reporting.bitemporal import known_clause
from projections.reporting.esf import STINT_ROWS, EsfParticipants, _dashed
from projections.reporting.esf_figures import EsfFigures
from projections.reporting.esf_rules import GENDERS, RESULTS

SEVERITY = {"late_entry": "warning", "exit_window_open": "notice",
            "exit_without_status": "warning", "incomplete_core_data": "warning"}
SUMMARY = {
    "incomplete_core_data": "participant(s) with incomplete core data (not counted)",
    "late_entry": "entries recorded more than four weeks after they happened",
    "exit_window_open": "exits whose 28-day window for the status on leaving is still open",
    "exit_without_status": "exits with none of the result statuses and nothing recorded "
                           "within 28 days"}
"""What a summarised finding says (reporting users: how many, not who)."""


@dataclass(frozen=True)
class Finding:
    """A plausibility check that failed: which family (and participant), and what to fix.
    ``severity``: error (the report must not be submitted so), warning (check and fix
    the record), notice (the figure may still change)."""

    rule: str
    severity: str
    family_id: str | None
    participant_id: str | None
    message: str
    participants: int = 1
    """How many participants the finding concerns (more than one: a summary, for those
    who see figures only)."""


def plausibility(tables: Tables, view: EsfParticipants, project: str, figures: EsfFigures,
                 known_by: date | None, today: date, *, listed: bool) -> list[Finding]:
    """The checks before a report is submitted (ESF.md) on the rows the figures were
    counted from (as known now, or at the end of ``known_by``): results never exceed
    their outputs, every counted participant in exactly one labour-market status (named
    when the figures carry their evidence), incomplete core data, exits whose 28-day
    window has passed with no status that counts, exits whose window is still open at
    the cut-off (or today, if earlier), entries recorded more than four weeks after they
    happened. ``listed``: each finding names its family and participant; otherwise the
    findings of each rule are summarised as how many they are."""
    found: list[Finding] = []
    f = figures.figures
    for code in RESULTS:
        reference = "EECO05" if code == "EECR06" else "EECO01"
        if f[code].total > f[reference].total:
            found.append(Finding("result_exceeds_output", "error", None, None,
                                 f"{code} ({f[code].total}) exceeds {reference} "
                                 f"({f[reference].total})"))
    statuses = ("EECO02", "EECO04", "EECO05")
    if f["EECO01"].evidence or not f["EECO01"].total:
        times: dict[tuple[str, str], int] = {}
        for code in statuses:
            for e in f[code].evidence:
                times[(e.family_id, e.participant_id)] = times.get(
                    (e.family_id, e.participant_id), 0) + 1
        for e in f["EECO01"].evidence:
            if times.get((e.family_id, e.participant_id), 0) != 1:
                found.append(Finding("labour_market_status", "error", e.family_id,
                                     e.participant_id, "the participant is not in exactly "
                                     "one of EECO02, EECO04, EECO05: correct the entry's "
                                     "status"))
    else:
        for gender in GENDERS:
            if f["EECO01"].by_gender[gender] != sum(f[c].by_gender[gender] for c in statuses):
                found.append(Finding("labour_market_status", "error", None, None,
                                     f"EECO01 ({gender}) is not EECO02 + EECO04 + EECO05: "
                                     "a participant is not in exactly one status"))
    if not listed:
        return found + _summary(tables, view, project, figures, known_by, today)
    for i in figures.incomplete:
        found.append(Finding("incomplete_core_data", "warning", i.family_id, i.participant_id,
                             f"record {', '.join(i.missing)} of the participant who entered "
                             f"on {i.entered_on} (not counted until then)"))
    known, known_params = known_clause("", known_by)
    cutoff = figures.cutoff
    day, settled = cutoff.isoformat(), min(cutoff, today).isoformat()
    stints: list[tuple[str, str, int, bool, Finding]] = []
    columns = "family_id, entity, stint, entered_on, late_recorded_on, left_on, window_end"
    for rule, where, params in (
            ("late_entry", "late_recorded_on IS NOT NULL", ()),
            ("exit_window_open", "window_end > {p} AND left_on <= {p}", (settled, day)),
            ("exit_without_status", "no_status = 1 AND window_end <= {p}", (settled,))):
        for family, participant, stint, entered, late, left, window_end in tables.fetchall(
                tables.sql(f"SELECT {columns} FROM {{s}} WHERE project = {{p}} AND {where} "
                           f"AND entered_on <= {{p}} AND {known}", s=view.t(STINT_ROWS)),
                (project, *params, day, *known_params)):
            family_id, participant_id = _dashed(str(family)), str(participant)
            if rule == "late_entry":
                message = (f"the entry of {entered} was recorded on {late}, more than four "
                           "weeks later: record entries when they happen")
            elif rule == "exit_window_open":
                message = f"left on {left}: a status until {window_end} still counts"
            else:
                message = (f"left on {left} with none of the result statuses and nothing "
                           "recorded within 28 days: record the situation if it is known")
            stints.append((family_id, participant_id, int(stint), rule != "late_entry",
                           Finding(rule, SEVERITY[rule], family_id, participant_id, message)))
    found.extend(finding for *_, finding in sorted(stints, key=lambda s: s[:4]))
    return found


def _summary(tables: Tables, view: EsfParticipants, project: str, figures: EsfFigures,
             known_by: date | None, today: date) -> list[Finding]:
    """How many participants each rule of the participants' checks finds."""
    known, known_params = known_clause("", known_by)
    day = figures.cutoff.isoformat()
    settled = min(figures.cutoff, today).isoformat()
    counts = {"incomplete_core_data": figures.incomplete_records}
    for rule, where, params in (
            ("late_entry", "late_recorded_on IS NOT NULL", ()),
            ("exit_window_open", "window_end > {p} AND left_on <= {p}", (settled, day)),
            ("exit_without_status", "no_status = 1 AND window_end <= {p}", (settled,))):
        row = tables.fetchone(tables.sql(
            f"SELECT COUNT(*) FROM {{s}} WHERE project = {{p}} AND {where} AND entered_on "
            f"<= {{p}} AND {known}", s=view.t(STINT_ROWS)), (project, *params, day,
                                                              *known_params))
        counts[rule] = int(row[0]) if row else 0
    return [Finding(rule, SEVERITY[rule], None, None, f"{n} {SUMMARY[rule]}", n)
            for rule, n in counts.items() if n]

