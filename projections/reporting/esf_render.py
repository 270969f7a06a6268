"""The ESF+ report rendered: JSON, CSV (German and English labels) and an XLSX
workbook."""

from __future__ import annotations

import csv
import io
from typing import Any

from projections.reporting.esf_figures import as_json
from projections.reporting.esf_replay import end_of_day
from projections.reporting.esf_report import EsfReport
from projections.reporting.programme_render import programme_json, programme_rows


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
    if report.social_space is not None:
        out["social_space"] = report.social_space.json()
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
        for offer_row in report.social_space.rows() if report.social_space else []:
            writer.writerow(["" if v is None else v for v in offer_row])
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
    if report.social_space is not None:
        social_space_sheet(book, report)
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



def social_space_sheet(book: Any, report: EsfReport) -> None:
    """The sheet "Sozialraumarbeit": the social-space figures of the period and since
    the start, with German and English labels ("< 5" where the rule applies)."""
    from openpyxl.styles import Alignment, Font

    section = report.social_space
    assert section is not None
    sheet = book.create_sheet("Sozialraumarbeit")
    sheet.append([f"Sozialraumarbeit / social-space work {report.project} {report.period}",
                  f"Stand / as known: {report.as_known}",
                  "Werte unter 5 Personen: < 5" if section.hidden else None])
    sheet.append(["Bereich / section", "Schlüssel / key", "Kennzahl", "Figure",
                  "Zeitraum / period", "Seit Beginn / since start"])
    for row in section.rows():
        sheet.append(list(row))
    for cell in (*sheet[1], *sheet[2]):
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (30, 34, 52, 44, 16, 18), strict=True):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=3, min_col=5, max_col=6):
        for cell in line:
            cell.alignment = Alignment(horizontal="right")
    sheet.freeze_panes = "A3"
