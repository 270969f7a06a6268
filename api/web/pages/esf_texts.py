"""The ESF+ report as the page shows it: indicator and programme rows with the value of
the other view where they differ, and the plausibility findings in German (the report's
findings carry English messages for the API; the page words them from the rule, its
dates and, for coordinators and auditors, the family's case number)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from api.web import formats
from api.web.i18n import Texts
from projections.reporting.esf_figures import LABELS
from projections.reporting.esf_report import EsfReport
from projections.reporting.programme_render import SECTIONS
from projections.reporting.programme_render import programme_rows as labelled_rows
from projections.views.family_index import FamilyIndex

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
EXCEEDS = re.compile(r"(EE\w+) \((\d+)\) exceeds (EE\w+) \((\d+)\)")
SEVERITIES = ("error", "warning", "notice")
PROGRAMME_KEYS = (
    ("families", "reached"), ("families", "children"), ("families", "persons"),
    ("target", "yearly"), ("target", "period"), ("target", "share_percent"),
    ("consultations", "count"), ("consultations", "hours"), ("referrals", "count"),
    ("goals", "set"), ("goals", "achieved"), ("goals", "dropped"), ("exits", "count"),
    ("exits", "average_case_days"))
"""The programme figures the page shows (the downloads have them all)."""
GENERIC = frozenset({"count", "hours", "set", "achieved", "dropped"})
"""Figure labels that need their section's name before them."""


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    label: str
    total: int
    female: int
    male: int
    non_binary: int
    unknown: int | None
    other: int | None
    """The total in the other view (cut-off or now) where it differs; None: the same."""


def _language(texts: Texts) -> int:
    return 0 if texts.language == "de" else 1


def indicator_rows(texts: Texts, report: EsfReport) -> list[IndicatorRow]:
    now = report.as_known == "now"
    other = {c.code: c.at_cutoff if now else c.now for c in report.changes}
    return [IndicatorRow(code, LABELS[code][_language(texts)], f.total,
                         f.by_gender["female"], f.by_gender["male"],
                         f.by_gender["non_binary"], f.unknown, other.get(code))
            for code, f in report.figures.figures.items()]


@dataclass(frozen=True)
class ProgrammeRow:
    label: str
    period: object
    since_start: object
    changes: list[tuple[str, object]]
    """(window, value in the other view) of each window that differs."""


def programme_rows(texts: Texts, report: EsfReport) -> list[ProgrammeRow]:
    if report.programme is None:
        return []
    now = report.as_known == "now"
    other = {(c.section, c.key, c.window): c.at_cutoff if now else c.now
             for c in report.programme_changes}
    wanted, i = set(PROGRAMME_KEYS), _language(texts)
    rows = []
    for section, key, de, en, period, since in labelled_rows(report.programme):
        if (section, key) not in wanted:
            continue
        label = (de, en)[i]
        if key in GENERIC:
            label = f"{SECTIONS[section][i]}: {label}"
        rows.append(ProgrammeRow(label, period, since, [
            (window, other[(section, key, window)]) for window in ("period", "since_start")
            if (section, key, window) in other]))
    return rows


@dataclass(frozen=True)
class FindingRow:
    rule: str
    severity: str
    text: str
    case_number: str | None
    """The family to fix (coordinators and auditors only)."""
    count: int = 1


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one rule: its name, its severity, how many, and each."""

    rule: str
    title: str
    severity: str
    count: int
    rows: list[FindingRow]


def finding_groups(texts: Texts, rows: list[FindingRow]) -> list[FindingGroup]:
    """The rows by rule, errors first (a summary row counts what it summarises)."""
    groups: dict[str, list[FindingRow]] = {}
    for row in rows:
        groups.setdefault(row.rule, []).append(row)
    found = []
    for rule, listed in groups.items():
        key = f"esf_report.rule.{rule}"
        found.append(FindingGroup(rule, texts(key if texts.has(key) else "esf_report.rule.other"),
                                  listed[0].severity, sum(r.count for r in listed), listed))
    return found


def finding_rows(texts: Texts, report: EsfReport, index: FamilyIndex,
                 details: bool) -> list[FindingRow]:
    """The findings in German, errors first; with ``details`` each with its family's
    case number."""
    numbers: dict[str, str] = {}
    if details:
        ids = {UUID(f.family_id) for f in report.findings if f.family_id}
        numbers = {str(m.family_id): m.case_number for m in index.found(family_ids=ids)}
    missing = {(i.family_id, i.participant_id): i for i in report.figures.incomplete}
    rows = []
    for f in report.findings:
        days = [formats.day(d, texts.language) for d in ISO_DAY.findall(f.message)]
        values: dict[str, object] = {"n": f.participants, "d0": "", "d1": ""}
        values.update({f"d{i}": d for i, d in enumerate(days[:2])})
        key = f"esf_report.finding.{f.rule}"
        if f.rule == "result_exceeds_output":
            found = EXCEEDS.search(f.message)
            values.update(zip(("a", "x", "b", "y"), found.groups() if found else ("",) * 4,
                              strict=True))
        elif f.family_id is None and f.rule != "labour_market_status":
            key = f"esf_report.summary.{f.rule}"
        elif f.rule == "incomplete_core_data":
            record = missing.get((f.family_id or "", f.participant_id or ""))
            values["missing"] = ", ".join(
                texts(f"esf_report.core.{m}") for m in (record.missing if record else ()))
            values["d0"] = formats.day(record.entered_on if record else None, texts.language)
        if not texts.has(key):
            key = "esf_report.finding.other"
        family = str(UUID(f.family_id)) if f.family_id else None
        rows.append(FindingRow(f.rule, f.severity, texts(key, **values),
                               numbers.get(family) if family else None, f.participants))
    return sorted(rows, key=lambda r: SEVERITIES.index(r.severity)
                  if r.severity in SEVERITIES else len(SEVERITIES))
