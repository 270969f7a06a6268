"""The programme figures labelled (German and English), as JSON and as table rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from projections.reporting.programme import PENDING
from projections.reporting.programme_figures import GoalTally, ProgrammeFigures, Tally, Window

Label = tuple[str, str]
"""(German, English)"""

SECTIONS: dict[str, Label] = {
    "families": ("Familien", "Families"),
    "target": ("Zielwert", "Target"),
    "consultations": ("Beratungen", "Consultations"),
    "consultations_by_topic": ("Beratungen nach Thema", "Consultations by topic"),
    "hours_by_topic": ("Beratungsstunden nach Thema", "Consultation hours by topic"),
    "consultations_by_mode": ("Beratungen nach Kontaktform", "Consultations by contact mode"),
    "hours_by_mode": ("Beratungsstunden nach Kontaktform", "Consultation hours by contact mode"),
    "referrals": ("Vermittlungen", "Referrals"),
    "referrals_by_institution_type": ("Vermittlungen nach Art der Einrichtung",
                                      "Referrals by institution type"),
    "referrals_by_outcome": ("Vermittlungen nach Ergebnis", "Referrals by outcome"),
    "goals": ("Ziele", "Goals"),
    "goals_set": ("Vereinbarte Ziele nach Lebensbereich", "Goals set by life area"),
    "goals_achieved": ("Erreichte Ziele nach Lebensbereich", "Goals achieved by life area"),
    "goals_dropped": ("Aufgegebene Ziele nach Lebensbereich", "Goals dropped by life area"),
    "exits": ("Austritte", "Exits"),
    "exits_by_reason": ("Austritte nach Grund", "Exits by reason"),
}

FIGURES: dict[str, Label] = {
    "reached": ("Erreichte Familien", "Families reached"),
    "children": ("Kinder in den erreichten Familien", "Children in the families reached"),
    "persons": ("Unterstützte Personen (alle Haushaltsmitglieder)",
                "Persons supported (all household members)"),
    "yearly": ("Jahresziel (Familien)", "Yearly target (families)"),
    "period": ("Zielwert des Zeitraums (Familien)", "Target of the period (families)"),
    "share_percent": ("Zielerreichung im Zeitraum (%)", "Share of the period's target (%)"),
    "count": ("Anzahl", "Count"),
    "hours": ("Stunden", "Hours"),
    "set": ("Vereinbart", "Set"),
    "achieved": ("Erreicht", "Achieved"),
    "dropped": ("Aufgegeben", "Dropped"),
    "average_case_days": ("Durchschnittliche Falldauer (Tage)", "Average case duration (days)"),
}

TOPIC_LABELS: dict[str, Label] = {
    "job_search": ("Arbeitssuche und Bewerbungen", "Job search and applications"),
    "return_to_work": ("Wiedereinstieg nach der Familienzeit", "Return to work after family time"),
    "letters_and_documents": ("Briefe und Unterlagen", "Letters and documents"),
    "money_and_debts": ("Geld und Schulden", "Money and debts"),
    "housing_and_eviction": ("Wohnen und drohender Wohnungsverlust", "Housing and eviction"),
    "bank_account": ("Bankkonto", "Bank account"),
    "childcare": ("Kinderbetreuung", "Childcare"),
    "school": ("Schule", "School"),
    "parenting": ("Erziehung", "Parenting"),
    "partnership": ("Partnerschaft", "Partnership"),
    "health": ("Gesundheit", "Health"),
    "language_and_integration": ("Sprache und Integrationskurs",
                                 "Language and integration course"),
    "benefits": ("Sozialleistungen", "Benefits"),
    "other": ("Sonstiges", "Other"),
}
MODE_LABELS: dict[str, Label] = {
    "office": ("Beratung im Büro", "Office"),
    "open_office_hours": ("Offene Sprechstunde", "Open office hours"),
    "home_visit": ("Hausbesuch", "Home visit"),
    "phone": ("Telefon", "Phone"),
    "video": ("Video", "Video"),
    "accompanied_appointment": ("Begleitung zu einem Termin", "Accompanied appointment"),
}
INSTITUTION_LABELS: dict[str, Label] = {
    "debt_counselling": ("Schuldnerberatung", "Debt counselling"),
    "jobcenter": ("Jobcenter", "Jobcenter"),
    "integration_course": ("Integrationskurs", "Integration course"),
    "childcare": ("Kindertagesbetreuung", "Childcare"),
    "youth_office": ("Jugendamt", "Youth office"),
    "health_service": ("Gesundheitsdienst", "Health service"),
    "housing_service": ("Wohnungshilfe", "Housing service"),
    "education_provider": ("Bildungsträger", "Education provider"),
    "counselling_service": ("Beratungsstelle", "Counselling service"),
    "migration_counselling": ("Migrationsberatung", "Migration counselling"),
    "school": ("Schule", "School"),
    "other": ("Sonstige Einrichtung", "Other"),
}
OUTCOME_LABELS: dict[str, Label] = {
    "accepted": ("Angenommen", "Accepted"),
    "first_appointment_kept": ("Erster Termin wahrgenommen", "First appointment kept"),
    "completed": ("Abgeschlossen", "Completed"),
    "declined": ("Abgelehnt", "Declined"),
    "no_response": ("Keine Rückmeldung", "No response"),
    PENDING: ("Offen (noch kein Ergebnis)", "Pending (no outcome yet)"),
}
LIFE_AREA_LABELS: dict[str, Label] = {
    "work": ("Arbeit", "Work"),
    "education": ("Bildung", "Education"),
    "money": ("Finanzen", "Money"),
    "housing": ("Wohnen", "Housing"),
    "family_life": ("Familienleben", "Family life"),
    "health": ("Gesundheit", "Health"),
    "language": ("Sprache", "Language"),
    "participation": ("Teilhabe", "Participation"),
}
CLOSURE_LABELS: dict[str, Label] = {
    "goals_achieved": ("Ziele erreicht", "Goals achieved"),
    "family_ended_cooperation": ("Familie hat die Zusammenarbeit beendet",
                                 "Family ended the cooperation"),
    "no_contact": ("Kein Kontakt mehr", "No contact"),
    "moved_away": ("Weggezogen", "Moved away"),
    "handed_over": ("An eine andere Stelle übergeben", "Handed over"),
    "other": ("Sonstiger Grund", "Other"),
}


def label(labels: Mapping[str, Label], key: str) -> Label:
    """A key's labels (the key itself for a value this version does not know)."""
    return labels.get(key, (key, key))


def _tally_json(t: Tally) -> dict[str, Any]:
    return {"count": t.count, "minutes": t.minutes, "hours": t.hours}


def _goals_json(g: GoalTally) -> dict[str, int]:
    return {"set": g.set, "achieved": g.achieved, "dropped": g.dropped}


def _window_json(w: Window) -> dict[str, Any]:
    return {
        "families": w.families, "children": w.children, "persons": w.persons,
        "consultations": {
            **_tally_json(w.consultations),
            "by_topic": {k: _tally_json(v) for k, v in w.consultations_by_topic.items()},
            "by_mode": {k: _tally_json(v) for k, v in w.consultations_by_mode.items()}},
        "referrals": {"count": w.referrals,
                      "by_institution_type": dict(w.referrals_by_institution_type),
                      "by_outcome": dict(w.referrals_by_outcome)},
        "goals": {**_goals_json(w.goals),
                  "by_life_area": {k: _goals_json(v) for k, v in w.goals_by_life_area.items()}},
        "exits": {"count": w.exits, "average_case_days": w.average_case_days,
                  "by_reason": dict(w.exits_by_reason)},
    }


def programme_json(figures: ProgrammeFigures) -> dict[str, Any]:
    """The figures as plain JSON (keys in a stable order)."""
    f = figures
    return {
        "project": f.project, "start": f.start.isoformat(), "cutoff": f.cutoff.isoformat(),
        "known_by": f.known_by.isoformat() if f.known_by else None,
        "as": "now" if f.known_by is None else "known_by",
        "project_start": f.project_start.isoformat() if f.project_start else None,
        "target": {"yearly": f.target.yearly, "period": f.target.period,
                   "share_percent": f.target.share_percent},
        "period": _window_json(f.period),
        "since_start": _window_json(f.since_start),
    }


Row = tuple[str, str, str, str, object, object]
"""(section, key, label_de, label_en, period value, since-start value)"""


def programme_rows(figures: ProgrammeFigures) -> list[Row]:
    """One row per figure, for CSV and XLSX: section, key, German and English labels, the
    period's value and the value since the start (None where it has none)."""
    p, s = figures.period, figures.since_start
    rows: list[Row] = []

    def add(section: str, key: str, labels: Mapping[str, Label], a: object,
            b: object) -> None:
        de, en = label(labels, key)
        rows.append((section, key, de, en, a, b))

    add("families", "reached", FIGURES, p.families, s.families)
    add("families", "children", FIGURES, p.children, s.children)
    add("families", "persons", FIGURES, p.persons, s.persons)
    target = figures.target
    add("target", "yearly", FIGURES, target.yearly, None)
    add("target", "period", FIGURES, target.period, None)
    add("target", "share_percent", FIGURES, target.share_percent, None)
    add("consultations", "count", FIGURES, p.consultations.count, s.consultations.count)
    add("consultations", "hours", FIGURES, p.consultations.hours, s.consultations.hours)
    for kind, labels, pt, st in (
            ("topic", TOPIC_LABELS, p.consultations_by_topic, s.consultations_by_topic),
            ("mode", MODE_LABELS, p.consultations_by_mode, s.consultations_by_mode)):
        for key in pt:
            add(f"consultations_by_{kind}", key, labels, pt[key].count, st[key].count)
        for key in pt:
            add(f"hours_by_{kind}", key, labels, pt[key].hours, st[key].hours)
    add("referrals", "count", FIGURES, p.referrals, s.referrals)
    for key, n in p.referrals_by_institution_type.items():
        add("referrals_by_institution_type", key, INSTITUTION_LABELS, n,
            s.referrals_by_institution_type[key])
    for key, n in p.referrals_by_outcome.items():
        add("referrals_by_outcome", key, OUTCOME_LABELS, n, s.referrals_by_outcome[key])
    for key in ("set", "achieved", "dropped"):
        add("goals", key, FIGURES, getattr(p.goals, key), getattr(s.goals, key))
    for key in ("set", "achieved", "dropped"):
        for area, tally in p.goals_by_life_area.items():
            add(f"goals_{key}", area, LIFE_AREA_LABELS, getattr(tally, key),
                getattr(s.goals_by_life_area[area], key))
    add("exits", "count", FIGURES, p.exits, s.exits)
    add("exits", "average_case_days", FIGURES, p.average_case_days, s.average_case_days)
    for key, n in p.exits_by_reason.items():
        add("exits_by_reason", key, CLOSURE_LABELS, n, s.exits_by_reason[key])
    return rows
