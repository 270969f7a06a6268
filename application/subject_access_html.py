"""The subject access export (``application/subject_access.py``) as a printable German
document: one HTML page with a print stylesheet (A4), German texts, German dates
(``17.05.1991``, times in the programme's time zone). Fields carry German labels and
codes their German names where one is known, else as they are stored
(``application/subject_access_words.py``); lists of records of the same fields print as
tables with a column per field."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from html import escape
from typing import Any

from application.subject_access_words import CODES, EVENTS, KEYS, VIEWS, WORDS
from domain.rules import PROGRAMME_TZ

DASH = "\N{EN DASH}"
COLUMNS = 6
"""At most this many fields of records print as columns (one A4 page's width)."""
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MONTH = re.compile(r"\d{4}-\d\d")
ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d(T[0-9:.]+([+-]\d\d:\d\d|Z)?)?")

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; margin: 2em;
       color: #111; line-height: 1.35; }
h1 { font-size: 17pt; margin-bottom: .2em; } h2 { font-size: 13pt; margin-top: 1.6em;
  border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; } .id { word-break: break-all; }
h4, h5, h6 { font-size: 10.5pt; margin: .8em 0 .2em; } h5, h6 { font-weight: normal; }
.item { border-left: 3px solid #ccc; padding-left: .6em; margin: .4em 0; }
th { background: #eee; width: 25%; }
.note { background: #fff6d6; border: 1px solid #d9c27a; padding: .6em; }
.erased { color: #777; font-style: italic; }
td table { margin: 0; } td th { width: 30%; font-weight: normal; background: #f6f6f6; }
td td, td th { padding: 2px 4px; }
table.records th.col { width: auto; font-weight: bold; }
.meta { color: #444; }
@media print {
  body { margin: 0; font-size: 9.5pt; } h2, h3, .meta { break-after: avoid; }
  tr, .note { break-inside: avoid; } a { color: inherit; text-decoration: none; }
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
        if MONTH.fullmatch(value):
            return escape(f"{value[5:]}/{value[:4]}")
        if UUID_TEXT.fullmatch(value):
            return f'<span class="id">{escape(value)}</span>'
        return escape(word(key, value))
    if isinstance(value, dict):
        return rows(value)
    if all(isinstance(v, str) for v in value):
        return escape(", ".join(word(key, v) for v in value))
    if all(isinstance(v, dict) for v in value):
        return records(value)
    return escape(json.dumps(value, ensure_ascii=False))


def word(key: str, code: str) -> str:
    """A code's German name in the field ``key`` (as stored where none is known)."""
    return CODES.get(key, {}).get(code) or WORDS.get(code, code)


def records(values: list[dict[str, Any]]) -> str:
    """Records of the same fields, none of them nested, as one table (a column per
    field); others one below the other."""
    if not _flat(values):
        return "".join(rows(v) for v in values)
    keys = list(values[0])
    head = "".join(f'<th class="col">{escape(KEYS.get(k, k))}</th>' for k in keys)
    body = "".join("<tr>" + "".join(f"<td>{shown(k, v[k])}</td>" for k in keys) + "</tr>"
                   for v in values)
    return f'<table class="records"><tr>{head}</tr>{body}</table>'


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
              "<h2>6. Angebote im Sozialraum</h2>", _sessions(export["sessions_attended"]),
              "<h2>7. Zugriffsprotokoll</h2>", _reads(export["read_log"]),
              "<h2>8. Ihre Rechte</h2>", RIGHTS]
    return ("<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _consents(consents: list[dict[str, Any]]) -> str:
    if not consents:
        return "<p>Keine.</p>"
    lines = [f"<tr><td>{escape(german_date(c['on']))}</td><td>"
             f"{'erteilt' if c['given'] else 'widerrufen'}</td><td>"
             f"{escape(word('purpose', c['purpose']))}</td></tr>" for c in consents]
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
    out = ["<p>Was die Auswertungen von Lotse über Ihre Familie festhalten, abgeleitet aus "
           "dem Verlauf oben (interne Verweise zwischen den Einträgen sind weggelassen). "
           "Einträge, die nur andere Mitglieder Ihrer Familie betreffen, sind nicht "
           "aufgeführt.</p>"]
    for name, doc in views.items():
        title, about = VIEWS.get(name, (name, ""))
        body = ("<p>Keine Einträge.</p>" if doc is None
                else sections(doc) if isinstance(doc, dict) else shown(name, doc))
        out.append(f'<h3>{escape(title)}</h3><p class="meta">{escape(about)}</p>{body}')
    return "".join(out)


def sections(doc: dict[str, Any], depth: int = 0) -> str:
    """A document at the page's full width: its plain fields as one table, then each
    field holding records under a heading of its own (a record of records indented)."""
    plain = {k: v for k, v in doc.items() if not _holds_records(v)}
    out = [rows(plain)] if plain else []
    heading = f"h{min(4 + depth, 6)}"
    for key, value in doc.items():
        if not _holds_records(value):
            continue
        out.append(f"<{heading}>{escape(KEYS.get(key, key))}</{heading}>")
        if isinstance(value, dict):
            out.append(sections(value, depth + 1))
        elif _flat(value):
            out.append(records(value))
        else:
            out += [f'<div class="item">{sections(v, depth + 1)}</div>' for v in value]
    return "".join(out)


def _holds_records(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list)
                                       and any(isinstance(v, dict) for v in value))


def _flat(values: list[Any]) -> bool:
    """Records of the same fields, none holding records (one table, a column each)."""
    keys = list(values[0]) if values and isinstance(values[0], dict) else None
    return (keys is not None and len(keys) <= COLUMNS
            and all(isinstance(v, dict) and list(v) == keys for v in values)
            and not any(_holds_records(x) or (isinstance(x, list) and x and
                                              not all(isinstance(i, str) for i in x))
                        for v in values for x in v.values()))


def _sessions(sessions: list[dict[str, Any]]) -> str:
    if not sessions:
        return "<p>Bei keinem Termin namentlich erfasst.</p>"
    lines = [f"<tr><td>{escape(german_date(s['on']))}</td><td>{escape(s['offer'])}</td>"
             f"<td>{escape(word('offer_type', s['offer_type']))}</td></tr>" for s in sessions]
    return ("<p>Termine, bei denen Sie namentlich als Teilnehmende erfasst wurden (wer "
            "sonst kam, wird nur gezählt).</p><table><tr><th>Datum</th><th>Angebot</th>"
            "<th>Art</th></tr>" + "".join(lines) + "</table>")


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
