"""The ESF+ report of a project for a reporting period: the indicators
(``esf_figures``) as known now or at the cut-off, what differs between the two and why,
the programme figures (``programme_figures``), the plausibility findings
(``plausibility``) and what changed since the period's last submission. Rendered as JSON,
CSV or XLSX by ``esf_render``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from application.cases import FamilyCases
from domain.report_submissions import Figures, ReportSubmissions
from domain.rules import today_in_programme
from projections.reporting.esf import EsfParticipants, _dashed, read_both
from projections.reporting.esf_figures import (
    Change,
    Contribution,
    EsfFigures,
    Period,
    count,
    count_stored,
    differences,
)
from projections.reporting.esf_replay import end_of_day, events_recorded_after
from projections.reporting.offer_render import OfferSection
from projections.reporting.plausibility import Finding, plausibility
from projections.reporting.programme import ProgrammeFacts
from projections.reporting.programme_figures import (
    EVENTS_OF_KIND,
    ProgrammeFigures,
    kinds_of,
    programme_figures,
    recorded_later,
)
from projections.reporting.programme_render import programme_rows

AS_KNOWN = ("now", "cutoff")



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
    social_space: OfferSection | None = None
    """The social-space figures (offers, sessions, attendance), in the same view of the
    truth, added by whoever asks for them (``offer_render.offer_section``)."""
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

