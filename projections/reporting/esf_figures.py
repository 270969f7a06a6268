"""The ESF+ common indicators of a project, counted: the counting rules of ESF.md.

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

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from application.sql import Tables
from projections.reporting.bitemporal import period_index
from projections.reporting.esf import COUNTS, INCOMPLETE, EsfParticipants, unknown_code
from projections.reporting.esf_participants import Participant
from projections.reporting.esf_rules import (
    GENDERS,
    OUTPUTS,
    RESULTS,
    UNKNOWN_ITEMS,
    outputs,
    results,
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

