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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from application.cases import FamilyCases
from domain.report_submissions import Figures, ReportSubmissions
from domain.rules import today_in_programme
from projections.esf import (
    EsfParticipants,
    Participant,
    end_of_day,
    participants_as_recorded_by,
    project_families,
    read_participants,
)

GENDERS = ("female", "male", "non_binary")
OUTPUTS = tuple(f"EECO{n:02d}" for n in range(1, 18))
RESULTS = tuple(f"EECR{n:02d}" for n in range(1, 7))
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
UNKNOWN_ITEMS = {"EECO12": "disability", "EECO14": "foreign_background",
                 "EECO15": "minority", "EECO16": "homeless"}
"""Special-category items: "declined" or not recorded is reported as unknown."""
WINDOW = timedelta(days=28)
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

    def value(self, code: str) -> int:
        return self.figures[code].total


def _outputs(p: Participant) -> list[str]:
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


RESULT_OF_STATUS = {"job_searching": "EECR01", "in_education_or_training": "EECR02",
                    "gained_qualification": "EECR03", "employed": "EECR04",
                    "self_employed": "EECR04"}


def _results(p: Participant, cutoff: date) -> list[tuple[str, tuple[int, ...]]]:
    """Result codes at ``cutoff`` with the versions behind each."""
    day = cutoff.isoformat()
    begun = [s for s in p.stints if s["d"] <= day]
    if not begun:
        return []
    stint = begun[-1]
    found: list[tuple[str, tuple[int, ...]]] = []
    if stint["l"] is not None and stint["l"] <= day:
        left = date.fromisoformat(stint["l"])
        until = min(left + WINDOW, cutoff).isoformat()
        statuses = [(stint["l"], stint["lv"], stint["s"])]
        statuses += [(on, version, status) for on, status, version in stint["ls"]
                     if stint["l"] <= on <= until]
        _, version, status = max(statuses, key=lambda s: (s[0], s[1]))
        code = RESULT_OF_STATUS.get(status)
        if code is not None:
            found.append((code, (stint["v"], stint["lv"], version)))
    follow_up = stint["f"]
    if follow_up is not None and follow_up[0] <= day:
        _, status, better, version = follow_up
        if status in ("employed", "self_employed"):
            found.append(("EECR05", (stint["v"], version)))
        if better and p.entry["labour_market_status"] in ("employed", "self_employed"):
            found.append(("EECR06", (stint["v"], version)))
    return found


def count(participants: Iterable[Participant], cutoff: date) -> EsfFigures:
    """The indicator values at ``cutoff`` (cumulative), by gender, with their evidence."""
    figures = {code: Figure(code) for code in (*OUTPUTS, *RESULTS)}
    for code in UNKNOWN_ITEMS:
        figures[code].unknown = 0
    incomplete: list[Incomplete] = []
    day = cutoff.isoformat()
    for p in sorted(participants, key=lambda p: (p.family_id, p.participant_id)):
        if p.entered_on > day:
            continue
        missing = p.missing
        if missing:
            incomplete.append(Incomplete(p.participant_id, p.family_id, p.entered_on,
                                         tuple(missing)))
            continue
        gender = str(p.gender)
        entered = Evidence(p.participant_id, p.family_id, (p.entry_version,))
        for code in _outputs(p):  # (one evidence for all: the entry)
            figure = figures[code]
            figure.total += 1
            figure.by_gender[gender] += 1
            figure.evidence.append(entered)
        for code, versions in _results(p, cutoff):
            figure = figures[code]
            figure.total += 1
            figure.by_gender[gender] += 1
            figure.evidence.append(Evidence(p.participant_id, p.family_id,
                                            tuple(sorted(set(versions)))))
        for code, item in UNKNOWN_ITEMS.items():
            if p.entry.get(item) in (None, "declined"):
                figure = figures[code]
                figure.unknown = (figure.unknown or 0) + 1
    return EsfFigures(cutoff, figures, incomplete)


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
                later: dict[str, list[tuple[int, str]]]) -> list[Change]:
    changes = []
    for code, figure in now.figures.items():
        before = at_cutoff.figures[code]
        counted_now = {(e.family_id, e.participant_id) for e in figure.evidence}
        counted_then = {(e.family_id, e.participant_id) for e in before.evidence}
        moved = sorted(counted_now ^ counted_then)
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
LATE = timedelta(days=28)
"""An entry recorded later than this after its date is a finding (and makes "as known
at the cut-off" differ from "now" for whoever reported in between)."""


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


def plausibility(figures: EsfFigures, participants: Iterable[Participant],
                 today: date) -> list[Finding]:
    """The checks before a report is submitted (ESF.md): results never exceed their
    outputs, every counted participant in exactly one labour-market status, incomplete
    core data, exits whose 28-day window has passed with no status that counts, exits
    whose window is still open at the cut-off, entries recorded more than four weeks
    after they happened."""
    found: list[Finding] = []
    f = figures.figures
    for code in RESULTS:
        reference = "EECO05" if code == "EECR06" else "EECO01"
        if f[code].total > f[reference].total:
            found.append(Finding("result_exceeds_output", "error", None, None,
                                 f"{code} ({f[code].total}) exceeds {reference} "
                                 f"({f[reference].total})"))
    statuses: dict[tuple[str, str], int] = {}
    for code in ("EECO02", "EECO04", "EECO05"):
        for e in f[code].evidence:
            key = (e.family_id, e.participant_id)
            statuses[key] = statuses.get(key, 0) + 1
    for e in f["EECO01"].evidence:
        if statuses.get((e.family_id, e.participant_id), 0) != 1:
            found.append(Finding("labour_market_status", "error", e.family_id,
                                 e.participant_id, "the participant is not in exactly one "
                                 "of EECO02, EECO04, EECO05: correct the entry's status"))
    for i in figures.incomplete:
        found.append(Finding("incomplete_core_data", "warning", i.family_id, i.participant_id,
                             f"record {', '.join(i.missing)} of the participant who entered "
                             f"on {i.entered_on} (not counted until then)"))
    cutoff = figures.cutoff
    day = cutoff.isoformat()
    for p in sorted(participants, key=lambda p: (p.family_id, p.participant_id)):
        if p.entered_on > day:
            continue
        for stint in p.stints:
            if stint["d"] > day:
                continue
            recorded = stint.get("t")
            if recorded and date.fromisoformat(recorded) - date.fromisoformat(stint["d"]) > LATE:
                found.append(Finding(
                    "late_entry", "warning", p.family_id, p.participant_id,
                    f"the entry of {stint['d']} was recorded on {recorded}, more than four "
                    "weeks later: record entries when they happen"))
            if stint["l"] is None or stint["l"] > day:
                continue
            window_end = date.fromisoformat(stint["l"]) + WINDOW
            counted = [s for on, s, _ in stint["ls"] if on <= window_end.isoformat()]
            if window_end > min(cutoff, today):
                found.append(Finding(
                    "exit_window_open", "notice", p.family_id, p.participant_id,
                    f"left on {stint['l']}: a status until {window_end} still counts"))
            elif stint["s"] == "none_of_these" and not counted:
                found.append(Finding(
                    "exit_without_status", "warning", p.family_id, p.participant_id,
                    f"left on {stint['l']} with none of the result statuses and nothing "
                    f"recorded within 28 days: record the situation if it is known"))
    return found


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
               as_known: str, today: date | None = None) -> EsfReport:
    cutoff = period.cutoff
    current = read_participants(cases.tables, view, project, cutoff)
    now = count(current, cutoff)
    families = project_families(cases.tables, view, project)
    recorded, later = participants_as_recorded_by(cases, families, end_of_day(cutoff))
    then = count(recorded, cutoff)
    chosen, people = (now, current) if as_known == "now" else (then, recorded)
    sent = [s for s in cases.report_submissions(project) if s.period == str(period)]
    return EsfReport(project, period, as_known, chosen, differences(then, now, later),
                     plausibility(chosen, people, today or today_in_programme()),
                     sent[-1] if sent else None)


def report_json(report: EsfReport, *, details: bool) -> dict[str, Any]:
    """The report as JSON; ``details`` adds the participants and events behind each
    figure and the list of incomplete records (never for reporting users)."""
    out: dict[str, Any] = {
        "project": report.project, "period": str(report.period),
        "cutoff": report.period.cutoff.isoformat(), "as": report.as_known,
        "recorded_by": end_of_day(report.period.cutoff).isoformat()
        if report.as_known == "cutoff" else None,
        "indicators": as_json(report.figures, evidence=details),
        "incomplete_records": len(report.figures.incomplete),
        "differences": [{"code": c.code, "at_cutoff": c.at_cutoff, "now": c.now,
                         **({"participants": list(c.participants),
                             "events": [{"family_id": f, "version": v, "event": k}
                                        for f, v, k in c.events]} if details else {})}
                        for c in report.changes],
    }
    sent = report.submitted
    out["submitted"] = None if sent is None else {
        "submitted_on": sent.submitted_on.isoformat(), "submitted_by": sent.submitted_by,
        "as": sent.as_known, "version": sent.originator_version,
        "changed_since": [{"code": code, "submitted": then, "now": now}
                          for code, then, now in report.since_submission()]}
    out["plausibility"] = [
        {"rule": f.rule, "severity": f.severity,
         **({"family_id": f.family_id, "participant_id": f.participant_id} if details else {}),
         "message": f.message} for f in report.findings]
    if details:
        out["incomplete"] = [{"participant_id": i.participant_id, "family_id": i.family_id,
                              "entered_on": i.entered_on, "missing": list(i.missing)}
                             for i in report.figures.incomplete]
    return out


CSV_COLUMNS = ("code", "label_de", "label_en", "total", "female", "male", "non_binary",
               "unknown")


def report_csv(report: EsfReport) -> str:
    """The indicator table as CSV (one row per indicator, German and English labels)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in as_json(report.figures, evidence=False):
        writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


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
    checks = book.create_sheet("Plausibilität")
    checks.append(["Regel / rule", "Schwere / severity", "Familie / family",
                   "Teilnehmende / participant", "Was zu tun ist / what to fix"])
    for f in report.findings:
        checks.append([f.rule, f"{SEVERITY_DE[f.severity]} / {f.severity}",
                       f.family_id if details else None,
                       f.participant_id if details else None, f.message])
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
