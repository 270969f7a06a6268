"""The ESF+ report of a project for a reporting period: the counting rules of ESF.md.

Values are cumulative from the project's start to the cut-off (30 June or 31 December).
A participant counts once per project, with the characteristics of the first entry
(the age on that entry's date); one without all core data (labour-market status, birth
date, education, gender) is not counted but listed. "Declined to answer" and missing
special-category answers are reported as unknown. Results count only counted
participants: the status on leaving is the latest recorded within 28 days after the exit
date (and by the cut-off), of the participant's last stint that began by the cut-off;
EECR01 and EECR04 exclude each other by construction (one status). Every figure keeps
the participants behind it and the events (family, version) that put them there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from application.cases import FamilyCases
from application.sql import Tables
from domain.report_submissions import Figures, ReportSubmissions
from domain.rules import today_in_programme
from projections.reporting.bitemporal import known_clause, period_index
from projections.reporting.esf import (
    COUNTS,
    GENDERS,
    INCOMPLETE,
    OUTPUTS,
    RESULTS,
    STINT_ROWS,
    UNKNOWN_ITEMS,
    EsfParticipants,
    Participant,
    _dashed,
    end_of_day,
    events_recorded_after,
    outputs,
    read_both,
    results,
    unknown_code,
)
from projections.reporting.programme import (
    EVENTS_OF_KIND,
    ProgrammeFacts,
    ProgrammeFigures,
    kinds_of,
    programme_figures,
    programme_json,
    programme_rows,
    recorded_later,
)

LABELS: dict[str, tuple[str, str]] = {
    "EECO01": ("Teilnehmende insgesamt", "All participants"),
    "EECO02": ("Arbeitslose, einschließlich Langzeitarbeitsloser",
               "Unemployed, including long-term unemployed"),
    "EECO03": ("Langzeitarbeitslose", "Long-term unemployed"),
    "EECO04": ("Nichterwerbstätige", "Inactive"),
    "EECO05": ("Erwerbstätige, einschließlich Selbstständiger",
               "Employed, including self-employed"),
    "EECO06": ("Unter 18 Jahren", "Below 18 years of age"),
    "EECO07": ("18 bis 29 Jahre", "18 to 29 years of age"),
    "EECO08": ("55 Jahre und älter", "55 years of age and above"),
    "EECO09": ("Höchstens Sekundarbereich I (ISCED 0-2)",
               "Lower secondary education or less (ISCED 0-2)"),
    "EECO10": ("Sekundarbereich II oder postsekundär (ISCED 3-4)",
               "Upper secondary or post-secondary non-tertiary (ISCED 3-4)"),
    "EECO11": ("Tertiäre Bildung (ISCED 5-8)", "Tertiary education (ISCED 5-8)"),
    "EECO12": ("Menschen mit Behinderungen", "Participants with disabilities"),
    "EECO13": ("Drittstaatsangehörige (einschl. Staatenlose)",
               "Third-country nationals (incl. stateless)"),
    "EECO14": ("Mit ausländischer Herkunft", "Of foreign background"),
    "EECO15": ("Minderheiten (einschl. marginalisierter Gemeinschaften wie Roma)",
               "Minorities (incl. marginalised communities such as Roma)"),
    "EECO16": ("Obdachlose oder von Ausgrenzung auf dem Wohnungsmarkt Betroffene",
               "Homeless or affected by housing exclusion"),
    "EECO17": ("Aus ländlichen Gebieten", "From rural areas"),
    "EECR01": ("Nach der Teilnahme arbeitsuchend", "Engaged in job searching upon leaving"),
    "EECR02": ("Nach der Teilnahme in schulischer/beruflicher Bildung",
               "In education or training upon leaving"),
    "EECR03": ("Nach der Teilnahme mit Qualifizierung", "Gained a qualification upon leaving"),
    "EECR04": ("Nach der Teilnahme erwerbstätig, einschließlich Selbstständiger",
               "In employment, including self-employment, upon leaving"),
    "EECR05": ("Sechs Monate nach der Teilnahme erwerbstätig",
               "In employment six months after leaving"),
    "EECR06": ("Sechs Monate nach der Teilnahme mit verbesserter Arbeitsmarktsituation",
               "With an improved labour-market situation six months after leaving"),
}
_PERIOD = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True)
class Period:
    year: int
    half: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-H1`` (cut-off 30 June) or ``2026-H2`` (31 December)."""
        match = _PERIOD.match(text)
        if match is None or not 2000 <= int(match.group(1)) <= 2100:
            raise ValueError("a reporting period reads like 2026-H1 or 2026-H2")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def cutoff(self) -> date:
        return date(self.year, 6, 30) if self.half == 1 else date(self.year, 12, 31)

    @property
    def start(self) -> date:
        return date(self.year, 1, 1) if self.half == 1 else date(self.year, 7, 1)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


class Evidence(NamedTuple):
    """A participant behind a figure and the events (family versions) that put them there."""

    participant_id: str
    family_id: str
    versions: tuple[int, ...]


@dataclass
class Figure:
    code: str
    total: int = 0
    by_gender: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GENDERS, 0))
    unknown: int | None = None
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def label_de(self) -> str:
        return LABELS[self.code][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.code][1]


class Incomplete(NamedTuple):
    participant_id: str
    family_id: str
    entered_on: str
    missing: tuple[str, ...]


@dataclass
class EsfFigures:
    cutoff: date
    figures: dict[str, Figure]
    incomplete: list[Incomplete]
    """The records not counted for incomplete core data (listed only with evidence)."""
    incomplete_records: int

    def value(self, code: str) -> int:
        return self.figures[code].total


Contribution = tuple[Incomplete | None, list[tuple[str, Evidence]], list[str]]
"""What one participant adds: its incomplete record (then nothing else), or the codes it
counts in with their evidence and the codes whose special-category answer is unknown."""


def contribution(p: Participant, cutoff: date) -> Contribution:
    missing = p.missing
    if missing:
        return Incomplete(p.participant_id, p.family_id, p.entered_on, tuple(missing)), [], []
    entered = Evidence(p.participant_id, p.family_id, (p.entry_version,))
    codes = [(code, entered) for code in outputs(p)]  # (one evidence for all: the entry)
    codes += [(code, Evidence(p.participant_id, p.family_id, tuple(sorted(set(versions)))))
              for code, versions in results(p, cutoff)]
    return None, codes, [code for code, item in UNKNOWN_ITEMS.items()
                         if p.entry.get(item) in (None, "declined")]


def count(participants: Iterable[Participant], cutoff: date,
          known: dict[int, Contribution] | None = None) -> EsfFigures:
    """The indicator values at ``cutoff`` (cumulative), by gender, with their evidence
    (``known``: contributions already worked out, by ``id`` of the participant)."""
    figures = {code: Figure(code) for code in (*OUTPUTS, *RESULTS)}
    for code in UNKNOWN_ITEMS:
        figures[code].unknown = 0
    incomplete: list[Incomplete] = []
    day = cutoff.isoformat()
    for p in sorted(participants, key=lambda p: (p.family_id, p.participant_id)):
        if p.entered_on > day:
            continue
        found = known.get(id(p)) if known is not None else None
        if found is None:
            found = contribution(p, cutoff)
            if known is not None:
                known[id(p)] = found
        listed, codes, unknown = found
        if listed is not None:
            incomplete.append(listed)
            continue
        gender = str(p.gender)
        for code, evidence in codes:
            figure = figures[code]
            figure.total += 1
            figure.by_gender[gender] += 1
            figure.evidence.append(evidence)
        for code in unknown:
            figure = figures[code]
            figure.unknown = (figure.unknown or 0) + 1
    return EsfFigures(cutoff, figures, incomplete, len(incomplete))


def count_stored(tables: Tables, view: EsfParticipants, project: str, cutoff: date,
                 known_by: date | None) -> EsfFigures:
    """The indicator values at ``cutoff`` (the end of a reporting period) by gender, as
    known now (``known_by`` None) or at the end of ``known_by`` (the same period's
    cut-off): sums of the view's counters (the rules of ``count``, applied when the rows
    were written), without evidence: the incomplete records are counted, not listed."""
    figures = {code: Figure(code) for code in (*OUTPUTS, *RESULTS)}
    for code in UNKNOWN_ITEMS:
        figures[code].unknown = 0
    unknown = {unknown_code(code): code for code in UNKNOWN_ITEMS}
    period = period_index(cutoff.isoformat())
    known = "" if known_by is None else " AND known_period <= {p}"
    params = (project, period) if known_by is None else (
        project, period, period_index(known_by.isoformat()))
    incomplete = 0
    for code, gender, n in tables.fetchall(tables.sql(
            "SELECT code, gender, SUM(n) FROM {c} WHERE project = {p} AND valid_period <= {p}"
            f"{known} GROUP BY code, gender", c=view.t(COUNTS)), params):
        code, value = str(code), int(n or 0)
        if code == INCOMPLETE:
            incomplete += value
        elif code in figures:
            figures[code].total += value
            figures[code].by_gender[str(gender)] += value
        elif code in unknown:
            figure = figures[unknown[code]]
            figure.unknown = (figure.unknown or 0) + value
    return EsfFigures(cutoff, figures, [], incomplete)


@dataclass(frozen=True)
class Change:
    """One figure that differs between the report as known at the cut-off and now."""

    code: str
    at_cutoff: int
    now: int
    participants: tuple[str, ...]
    """Participants counted in one of the two and not in the other."""
    events: tuple[tuple[str, int, str], ...]
    """(family, version, event type) recorded after the cut-off for those participants'
    families: what makes the difference."""


def differences(at_cutoff: EsfFigures, now: EsfFigures,
                later_of: Callable[[list[str]], dict[str, list[tuple[int, str]]]],
                among: set[tuple[str, str]] | None = None) -> list[Change]:
    """The figures that differ, with the participants counted in one and not the other
    and the events of their families recorded after the cut-off (``later_of``).
    ``among``: the only participants (family, participant) that can differ, those whose
    record is not the same in both (the others count alike in both)."""
    def counted(figure: Figure) -> set[tuple[str, str]]:
        return {(e.family_id, e.participant_id) for e in figure.evidence
                if among is None or (e.family_id, e.participant_id) in among}

    moves = {code: sorted(counted(figure) ^ counted(at_cutoff.figures[code]))
             for code, figure in now.figures.items()}
    moved_families = sorted({f for moved in moves.values() for f, _ in moved})
    later = later_of(moved_families) if moved_families else {}
    changes = []
    for code, figure in now.figures.items():
        before = at_cutoff.figures[code]
        moved = moves[code]
        if figure.total == before.total and not moved:
            continue
        families = sorted({f for f, _ in moved})
        events = tuple((f, version, kind) for f in families
                       for version, kind in later.get(f, []))
        changes.append(Change(code, before.total, figure.total,
                              tuple(p for _, p in moved), events))
    return changes


def as_json(figures: EsfFigures, *, evidence: bool) -> list[dict[str, Any]]:
    rows = []
    for code, figure in figures.figures.items():
        row: dict[str, Any] = {"code": code, "label_de": figure.label_de,
                               "label_en": figure.label_en, "total": figure.total,
                               **figure.by_gender, "unknown": figure.unknown}
        if evidence:
            row["participants"] = [{"participant_id": e.participant_id,
                                    "family_id": e.family_id, "versions": list(e.versions)}
                                   for e in figure.evidence]
        rows.append(row)
    return rows


AS_KNOWN = ("now", "cutoff")


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


class ProgrammeChange(NamedTuple):
    section: str
    key: str
    window: str
    """period or since_start"""
    at_cutoff: object
    now: object
    events: tuple[tuple[str, int, str], ...] = ()
    """(family, version, event type) recorded after the cut-off that write the rows this
    figure is counted from (with details only)."""


def programme_differences(at_cutoff: ProgrammeFigures, now: ProgrammeFigures,
                          later: dict[str, list[tuple[int, str]]] | None = None,
                          kinds: dict[str, set[str]] | None = None) -> list[ProgrammeChange]:
    """The programme figures that differ; with ``later`` (events recorded after the
    cut-off, per family) and ``kinds`` (the kinds of rows each family has recorded after
    the cut-off, ``recorded_later``), the events behind each."""
    changes = []
    for then_row, now_row in zip(programme_rows(at_cutoff), programme_rows(now), strict=True):
        for window, i in (("period", 4), ("since_start", 5)):
            if then_row[i] == now_row[i]:
                continue
            events: tuple[tuple[str, int, str], ...] = ()
            if later is not None and kinds is not None:
                wanted = kinds_of(now_row[0])
                types = {t for kind in wanted for t in EVENTS_OF_KIND[kind]}
                events = tuple(
                    (_dashed(family), version, kind_of_event)
                    for family in sorted(f for f, k in kinds.items() if k & set(wanted))
                    for version, kind_of_event in later.get(_dashed(family), [])
                    if kind_of_event in types)
            changes.append(ProgrammeChange(now_row[0], now_row[1], window, then_row[i],
                                           now_row[i], events))
    return changes


@dataclass
class EsfReport:
    """A project's report for a period, as known now or as it could be known at the
    cut-off (events recorded by the end of the cut-off day), with the differences
    between the two."""

    project: str
    period: Period
    as_known: str
    figures: EsfFigures
    changes: list[Change]
    findings: list[Finding]
    submitted: ReportSubmissions.Submitted | None = None
    """The latest submission of this period, if any."""
    programme: ProgrammeFigures | None = None
    """The programme figures (families reached, consultations, ...), in the same view of
    the truth."""
    programme_changes: list[ProgrammeChange] = field(default_factory=list)
    """The programme figures that differ between "at the cut-off" and "now"."""

    def since_submission(self) -> list[tuple[str, int, int]]:
        """(code, submitted, now) of every figure that differs from what was submitted."""
        if self.submitted is None:
            return []
        return [(code, int(self.submitted.figures[code][0]), figure.total)
                for code, figure in self.figures.figures.items()
                if code in self.submitted.figures
                and int(self.submitted.figures[code][0]) != figure.total]


def figure_values(figures: EsfFigures) -> Figures:
    """What a submission stores of each figure: total, women, men, non-binary, unknown."""
    return {code: (f.total, f.by_gender["female"], f.by_gender["male"],
                   f.by_gender["non_binary"], f.unknown) for code, f in figures.figures.items()}


def esf_report(cases: FamilyCases, view: EsfParticipants, project: str, period: Period,
               as_known: str, today: date | None = None, *, details: bool = False,
               programme: ProgrammeFacts | None = None,
               yearly_target: int | None = None) -> EsfReport:
    """The report, counted in SQL from the view's rows as known now and as known at the
    cut-off. ``details`` (auditors, coordinators) adds the evidence: the participants
    behind each figure (the same rules applied to the rows' records), and for each
    difference the participants who moved and the events recorded after the cut-off.
    With ``programme`` (the view), the programme figures of the period too, against the
    project's ``yearly_target``."""
    cutoff = period.cutoff
    t = cases.tables
    if details:
        current, recorded = read_both(t, view, project, cutoff)
        worked: dict[int, Contribution] = {}  # (a record in both counts once)
        now, then = count(current, cutoff, worked), count(recorded, cutoff, worked)
        shared = {id(p) for p in current} & {id(p) for p in recorded}
        changes = differences(then, now, lambda families: events_recorded_after(
            cases, families, end_of_day(cutoff)), among={
            (p.family_id, p.participant_id) for p in (*current, *recorded)
            if id(p) not in shared})
    else:
        now = count_stored(t, view, project, cutoff, None)
        then = count_stored(t, view, project, cutoff, cutoff)
        changes = [Change(code, then.value(code), figure.total, (), ())
                   for code, figure in now.figures.items() if figure.total != then.value(code)]
    chosen = now if as_known == "now" else then
    sent = [s for s in cases.report_submissions(project) if s.period == str(period)]
    report = EsfReport(project, period, as_known, chosen, changes,
                       plausibility(t, view, project, chosen,
                                    None if as_known == "now" else cutoff,
                                    today or today_in_programme(), listed=details),
                       sent[-1] if sent else None)
    if programme is not None:
        known = {known_by: programme_figures(t, programme, project, period.start, cutoff,
                                             known_by, yearly_target)
                 for known_by in (None, cutoff)}
        report.programme = known[None if as_known == "now" else cutoff]
        if details:
            kinds = recorded_later(t, programme, project, cutoff)
            report.programme_changes = programme_differences(
                known[cutoff], known[None], events_recorded_after(
                    cases, [_dashed(f) for f in kinds], end_of_day(cutoff)), kinds)
        else:
            report.programme_changes = programme_differences(known[cutoff], known[None])
    return report


def report_json(report: EsfReport, *, details: bool) -> dict[str, Any]:
    """The report as JSON; ``details`` adds the participants and events behind each
    figure and the list of incomplete records (never for reporting users)."""
    out: dict[str, Any] = {
        "project": report.project, "period": str(report.period),
        "cutoff": report.period.cutoff.isoformat(), "as": report.as_known,
        "recorded_by": end_of_day(report.period.cutoff).isoformat()
        if report.as_known == "cutoff" else None,
        "indicators": as_json(report.figures, evidence=details),
        "incomplete_records": report.figures.incomplete_records,
        "differences": [{"code": c.code, "at_cutoff": c.at_cutoff, "now": c.now,
                         **({"participants": list(c.participants),
                             "events": [{"family_id": f, "version": v, "event": k}
                                        for f, v, k in c.events]} if details else {})}
                        for c in report.changes],
    }
    if report.programme is not None:
        out["programme"] = programme_json(report.programme)
        out["programme_differences"] = [
            {"section": c.section, "key": c.key, "window": c.window,
             "at_cutoff": c.at_cutoff, "now": c.now,
             **({"events": [{"family_id": f, "version": v, "event": k}
                            for f, v, k in c.events]} if details else {})}
            for c in report.programme_changes]
    sent = report.submitted
    out["submitted"] = None if sent is None else {
        "submitted_on": sent.submitted_on.isoformat(), "submitted_by": sent.submitted_by,
        "as": sent.as_known, "version": sent.originator_version,
        "changed_since": [{"code": code, "submitted": then, "now": now}
                          for code, then, now in report.since_submission()]}
    out["plausibility"] = [
        {"rule": f.rule, "severity": f.severity, "participants": f.participants,
         **({"family_id": f.family_id, "participant_id": f.participant_id} if details else {}),
         "message": f.message} for f in report.findings]
    if details:
        out["incomplete"] = [{"participant_id": i.participant_id, "family_id": i.family_id,
                              "entered_on": i.entered_on, "missing": list(i.missing)}
                             for i in report.figures.incomplete]
    return out


CSV_COLUMNS = ("code", "label_de", "label_en", "total", "female", "male", "non_binary",
               "unknown")


def report_csv(report: EsfReport, table: str = "indicators") -> str:
    """A table of the report as CSV with German and English labels: the indicators (one
    row per indicator) or, with ``table="programme"``, the programme figures (one row
    per figure: the period and since the start)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table == "programme":
        writer.writerow(PROGRAMME_COLUMNS)
        for programme_row in programme_rows(report.programme) if report.programme else []:
            writer.writerow(["" if v is None else v for v in programme_row])
        return buffer.getvalue()
    writer.writerow(CSV_COLUMNS)
    for row in as_json(report.figures, evidence=False):
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


CSV_TABLES = ("indicators", "programme")
PROGRAMME_COLUMNS = ("section", "key", "label_de", "label_en", "period", "since_start")


SEVERITY_DE = {"error": "Fehler", "warning": "Warnung", "notice": "Hinweis"}


def report_xlsx(report: EsfReport, *, details: bool) -> bytes:
    """A workbook: the indicator table (German and English labels), the differences
    between now and the cut-off, and the plausibility findings; with ``details`` also
    the participants behind each figure."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Indikatoren"
    sheet.append([f"ESF+ {report.project} {report.period}", f"Stichtag / cut-off "
                  f"{report.period.cutoff.isoformat()}", f"Stand / as known: {report.as_known}"])
    sheet.append(["Code", "Indikator", "Indicator", "Gesamt / total", "Frauen / women",
                  "Männer / men", "Nicht-binär / non-binary", "Unbekannt / unknown"])
    for row in as_json(report.figures, evidence=False):
        sheet.append([row[c] for c in CSV_COLUMNS])
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    changes = book.create_sheet("Abweichungen")
    changes.append(["Code", "Stichtag / at cut-off", "Heute / now", "Teilnehmende / participants",
                    "Ereignisse / events"])
    for c in report.changes:
        changes.append([c.code, c.at_cutoff, c.now,
                        ", ".join(c.participants) if details else len(c.participants),
                        "; ".join(f"{f} v{v} {k}" for f, v, k in c.events) if details
                        else len(c.events)])
    for p in report.programme_changes:
        changes.append([f"{p.section}/{p.key} ({p.window})", p.at_cutoff, p.now, None,
                        "; ".join(f"{f} v{v} {k}" for f, v, k in p.events) if details
                        else len(p.events)])
    if report.programme is not None:
        programme = book.create_sheet("Programmkennzahlen")
        programme.append([f"Programmkennzahlen / programme figures {report.project} "
                          f"{report.period}", f"Zieljahr / yearly target: "
                          f"{report.programme.target.yearly}"])
        programme.append(["Bereich / section", "Schlüssel / key", "Kennzahl", "Figure",
                          "Zeitraum / period", "Seit Beginn / since start"])
        for programme_row in programme_rows(report.programme):
            programme.append(list(programme_row))
        for cell in (*programme[1], *programme[2]):
            cell.font = Font(bold=True)
    checks = book.create_sheet("Plausibilität")
    checks.append(["Regel / rule", "Schwere / severity", "Familie / family",
                   "Teilnehmende / participant", "Was zu tun ist / what to fix",
                   "Anzahl / participants"])
    for f in report.findings:
        checks.append([f.rule, f"{SEVERITY_DE[f.severity]} / {f.severity}",
                       f.family_id if details else None,
                       f.participant_id if details else None, f.message, f.participants])
    if details:
        behind = book.create_sheet("Nachweise")
        behind.append(["Code", "Teilnehmende / participant", "Familie / family",
                       "Versionen / versions"])
        for code, figure in report.figures.figures.items():
            for e in figure.evidence:
                behind.append([code, e.participant_id, e.family_id,
                               ", ".join(str(v) for v in e.versions)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
