"""The subject access export (``application/subject_access.py``) as a printable German
document: one HTML page with a print stylesheet, German texts, German dates
(``17.05.1991``, times in the programme's time zone). Codes are shown with their German
name where one is known, else as they are stored."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from html import escape
from typing import Any

from domain.rules import PROGRAMME_TZ

DASH = "\N{EN DASH}"
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d(T[0-9:.]+([+-]\d\d:\d\d|Z)?)?")

EVENTS = {
    "CaseOpened": "Fall eröffnet (Aufnahme)", "MemberAdded": "Mitglied aufgenommen",
    "MemberDetailsChanged": "Angaben geändert", "MemberLeftHousehold": "Haushalt verlassen",
    "ParticipantEntered": "ESF+-Eintritt", "ConsultationRecorded": "Beratung",
    "GoalSet": "Ziel vereinbart", "GoalRevised": "Ziel überarbeitet",
    "GoalAchieved": "Ziel erreicht", "GoalDropped": "Ziel aufgegeben",
    "ReferralMade": "Vermittlung", "ReferralOutcomeRecorded": "Ergebnis der Vermittlung",
    "ConsentGiven": "Einwilligung erteilt", "ConsentWithdrawn": "Einwilligung widerrufen",
    "CaseManagerAssigned": "Fallverantwortung zugewiesen",
    "ParticipantLeft": "ESF+-Austritt", "LeavingStatusRecorded": "Verbleib bei Austritt",
    "FollowUpRecorded": "Verbleib nach sechs Monaten", "CaseClosed": "Fall abgeschlossen",
    "CaseReopened": "Fall wieder eröffnet", "EntryCorrected": "Berichtigung",
    "PersonalDataErased": "Personenbezogene Daten gelöscht",
}
WORDS = {
    "parent": "Elternteil", "child": "Kind", "other_adult": "weitere erwachsene Person",
    "female": "weiblich", "male": "männlich", "non_binary": "nicht-binär",
    "open": "offen", "closed": "abgeschlossen", "erased": "gelöscht",
    "esf_reporting": "ESF+-Berichterstattung",
    "referral_to_partners": "Vermittlung an Partnereinrichtungen",
    "jobcenter_exchange": "Austausch mit dem Jobcenter",
    "youth_office_exchange": "Austausch mit dem Jugendamt",
    "school_and_kita_exchange": "Austausch mit Schule und Kita",
    "follow_up_contact": "Kontakt nach dem Austritt",
    "photo_and_media": "Fotos und Öffentlichkeitsarbeit",
    "art17_request": "Antrag der betroffenen Person (Art. 17 Abs. 1 DSGVO)",
    "unlawfully_recorded": "unrechtmäßig erhoben (Art. 17 Abs. 1 lit. d DSGVO)",
    "retention_ended": "Aufbewahrungsfrist abgelaufen (Art. 82 VO (EU) 2021/1060)",
    "authority_order": "Anordnung einer Behörde oder eines Gerichts",
    "phone": "Telefon", "home_visit": "Hausbesuch", "yes": "ja", "no": "nein",
    "declined": "keine Angabe", "intake": "Aufnahme",
}
KEYS = {
    "given_name": "Vorname", "family_name": "Familienname", "birth_date": "Geburtsdatum",
    "gender": "Geschlecht", "role": "Rolle", "in_household": "im Haushalt",
    "left_household_on": "Haushalt verlassen am", "case_number": "Aktenzeichen",
    "project": "Projekt", "family_id": "Familien-ID", "member_id": "Personen-ID",
    "status": "Status", "opened_on": "eröffnet am", "closed_on": "abgeschlossen am",
    "case_manager": "Fallverantwortung", "district": "Sozialraum",
    "postal_code": "Postleitzahl", "street_address": "Anschrift", "version": "Stand (Version)",
    "entered_on": "Eintritt am", "reentry": "Wiedereintritt", "left_on": "Austritt am",
    "exit_status": "Status bei Austritt", "follow_up_on": "Nachbefragung am",
    "follow_up_status": "Status nach sechs Monaten",
    "follow_up_better": "Situation verbessert", "legal_basis": "Rechtsgrundlage",
    "note": "Vermerk", "notes": "Notizen", "reason": "Begründung", "purpose": "Zweck",
    "duration_minutes": "Dauer (Minuten)", "mode": "Form", "topics": "Themen",
    "location": "Ort", "description": "Beschreibung", "target_date": "Zieldatum",
    "institution_type": "Art der Einrichtung", "institution_name": "Einrichtung",
    "outcome": "Ergebnis", "entry": "Eintrittsdaten", "members": "Haushalt",
    "access_route": "Zugangsweg", "benefit_situation": "Leistungsbezug",
    "consent_purposes": "Einwilligungen", "consent_given_on": "Einwilligung erteilt am",
    "consent_texts": "Einwilligungen (Freitext)",
    "previous_case_manager": "bisherige Fallverantwortung",
    "members_present": "anwesend", "next_follow_up_on": "nächster Termin am",
    "consultation_id": "Beratungs-ID", "goal_id": "Ziel-ID", "referral_id": "Vermittlungs-ID",
    "member_ids": "Personen", "life_area": "Lebensbereich", "statuses": "Verbleib",
    "corrected_version": "berichtigte Version", "changes": "Änderungen",
    "sensitive_changes": "Änderungen (geschützt)", "consent_confirmed": "Einwilligung bestätigt",
    "better_situation": "Situation verbessert", "labour_market_status": "Erwerbsstatus",
    "unemployed_months": "arbeitslos seit (Monaten)", "isced": "Bildungsabschluss (ISCED)",
    "disability": "Behinderung", "citizenship": "Staatsangehörigkeit",
    "foreign_background": "Migrationshintergrund", "minority": "Minderheit",
    "homeless": "wohnungslos", "rural": "ländlicher Raum",
}
STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; margin: 2em;
       color: #111; line-height: 1.35; }
h1 { font-size: 17pt; margin-bottom: .2em; } h2 { font-size: 13pt; margin-top: 1.6em;
  border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; width: 28%; }
.note { background: #fff6d6; border: 1px solid #d9c27a; padding: .6em; }
.erased { color: #777; font-style: italic; }
td table { margin: 0; } td th { width: 35%; font-weight: normal; background: #f6f6f6; }
.meta { color: #444; }
@media print {
  body { margin: 0; font-size: 9.5pt; } h2 { break-after: avoid; }
  table, .note { break-inside: avoid; } a { color: inherit; text-decoration: none; }
  @page { size: A4; margin: 18mm 15mm; }
}
"""


def german_date(value: str | None) -> str:
    if not value:
        return DASH
    try:
        if "T" in value:
            moment = datetime.fromisoformat(value).astimezone(PROGRAMME_TZ)
            return moment.strftime("%d.%m.%Y, %H:%M Uhr")
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    except ValueError:
        return value


def shown(key: str, value: Any) -> str:
    """A value as the document shows it (HTML): objects as nested tables."""
    if value is None or value == [] or value == {}:
        return DASH
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int | float):
        return escape(f"{value:n}" if isinstance(value, int) else str(value).replace(".", ","))
    if isinstance(value, str):
        if ISO_DATE.fullmatch(value):
            return escape(german_date(value))
        return escape(WORDS.get(value, value))
    if isinstance(value, dict):
        return rows(value)
    if all(isinstance(v, str) for v in value):
        return escape(", ".join(str(WORDS.get(v, v)) for v in value))
    if all(isinstance(v, dict) for v in value):
        return "".join(rows(v) for v in value)
    return escape(json.dumps(value, ensure_ascii=False))


def rows(values: dict[str, Any], erased: list[str] | None = None) -> str:
    gone = set(erased or ())
    out = []
    for key, value in values.items():
        cell = ('<span class="erased">gelöscht</span>' if key in gone
                else shown(key, value))
        out.append(f"<tr><th>{escape(KEYS.get(key, key))}</th><td>{cell}</td></tr>")
    return "<table>" + "".join(out) + "</table>"


def render(export: dict[str, Any]) -> str:
    s, f = export["subject"], export["family"]
    name = " ".join(p for p in (s.get("given_name"), s.get("family_name")) if p)
    title = f"Auskunft nach Art. 15 DSGVO: {name or 'Person ' + s['member_id']}"
    parts = [f"<h1>{escape(title)}</h1>",
             f'<p class="meta">Aktenzeichen {escape(s["case_number"])}, Projekt '
             f'{escape(s["project"])}. Erstellt am {escape(german_date(export["generated_at"]))}'
             f' von {escape(export["generated_by"])}. Auch diese Auskunft ist im '
             "Zugriffsprotokoll vermerkt.</p>"]
    erasure = export.get("erasure")
    if erasure:
        parts.append(
            '<p class="note"><strong>Die personenbezogenen Daten dieser Familie wurden am '
            f'{escape(german_date(erasure["erased_on"]))} gelöscht</strong> (Rechtsgrundlage: '
            f'{escape(WORDS.get(erasure["legal_basis"] or "", erasure["legal_basis"] or DASH))}'
            "). Namen, Geburtsdaten, Anschrift, Notizen und andere Freitexte sowie besondere "
            "Kategorien der ESF+-Daten sind durch Vernichtung des Schlüssels der Familie für "
            "niemanden mehr lesbar. Was bleibt, ist pseudonym: Daten, Codes und Anzahlen "
            "des Fallverlaufs und die daraus abgeleiteten Berichtszahlen (unten "
            "aufgeführt).</p>")
    parts += ["<h2>1. Angaben zur Person</h2>", rows({k: v for k, v in s.items()
                                                     if k not in ("case_number", "project")}),
              "<h2>2. Angaben zur Familie</h2>",
              rows({k: v for k, v in f.items() if k != "consents"}),
              "<h3>Einwilligungen</h3>", _consents(f["consents"]),
              "<h2>3. ESF+-Teilnahme</h2>", _participations(export["participations"]),
              "<h2>4. Verlauf (Ereignisse, die Sie betreffen)</h2>", _events(export["events"]),
              "<h2>5. Auswertungen (Sichten)</h2>", _views(export["views"]),
              "<h2>6. Zugriffsprotokoll</h2>", _reads(export["read_log"]),
              "<h2>7. Ihre Rechte</h2>", RIGHTS]
    return ("<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _consents(consents: list[dict[str, Any]]) -> str:
    if not consents:
        return "<p>Keine.</p>"
    lines = [f"<tr><td>{escape(german_date(c['on']))}</td><td>"
             f"{'erteilt' if c['given'] else 'widerrufen'}</td><td>"
             f"{escape(WORDS.get(c['purpose'], c['purpose']))}</td></tr>" for c in consents]
    return ("<table><tr><th>Datum</th><th>erteilt/widerrufen</th><th>Zweck</th></tr>"
            + "".join(lines) + "</table>")


def _participations(participations: list[dict[str, Any]]) -> str:
    if not participations:
        return "<p>Keine Teilnahme am ESF+-Programm erfasst.</p>"
    return "".join(rows(p) for p in participations)


def _events(events: list[dict[str, Any]]) -> str:
    out = []
    for e in events:
        head = (f"<p><strong>{escape(EVENTS.get(e['event'], e['event']))}</strong> am "
                f"{escape(german_date(e['occurred_on']))} (erfasst "
                f"{escape(german_date(e['recorded_at']))} von {escape(e['recorded_by'])}, "
                f"Version {e['version']})</p>")
        out.append(head + (rows(e["facts"], e["erased_fields"]) if e["facts"] else ""))
    return "".join(out) or "<p>Keine.</p>"


def _views(views: dict[str, Any]) -> str:
    out = []
    for name, doc in views.items():
        body = "<p>Keine Einträge.</p>" if doc is None else shown(name, doc)
        out.append(f"<h3>{escape(name)}</h3>{body}")
    return "".join(out)


def _reads(reads: list[dict[str, Any]]) -> str:
    if not reads:
        return "<p>Keine Zugriffe protokolliert.</p>"
    lines = [f"<tr><td>{escape(german_date(r['read_at']))}</td><td>{escape(r['staff_id'])}"
             f"</td><td>{escape(r['role'])}</td><td>{escape(r['endpoint'])}</td></tr>"
             for r in reads]
    return ("<table><tr><th>Zeitpunkt</th><th>Wer</th><th>Rolle</th><th>Zugriff</th></tr>"
            + "".join(lines) + "</table>")


RIGHTS = (
    "<p>Zwecke der Verarbeitung: Begleitung Ihrer Familie im Programm und die "
    "Berichterstattung an den Europäischen Sozialfonds Plus (ESF+). Empfänger sind nur die "
    "im Verlauf genannten Einrichtungen, an die Sie mit Ihrer Einwilligung vermittelt "
    "wurden. Die Unterlagen werden fünf Jahre ab dem 31. Dezember des Jahres der letzten "
    "Zahlung an das Projekt aufbewahrt (Art. 82 VO (EU) 2021/1060) und danach gelöscht.</p>"
    "<p>Sie haben das Recht auf Berichtigung (Art. 16 DSGVO), Löschung (Art. 17), "
    "Einschränkung der Verarbeitung (Art. 18) und Widerspruch (Art. 21) sowie das Recht, "
    "sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren (Art. 77 DSGVO).</p>")
