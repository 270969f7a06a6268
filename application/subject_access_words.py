"""The German words of the printable subject access document
(``application/subject_access_html.py``): the events' names, the fields' labels, the
views' titles, and the codes' names — by the field they stand in where a code means
different things in different fields (``declined``: an ESF+ answer given as "keine
Angabe", a referral "abgelehnt"). The programme report's labels are reused for topics,
contact modes, institutions, outcomes, life areas and closure reasons."""

from __future__ import annotations

from projections.reporting.programme_render import (
    CLOSURE_LABELS,
    INSTITUTION_LABELS,
    LIFE_AREA_LABELS,
    MODE_LABELS,
    OUTCOME_LABELS,
    TOPIC_LABELS,
    Label,
)

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
    "ErasureRequested": "Löschung beantragt (Verarbeitung eingeschränkt)",
}
WORDS = {
    **{code: german for code, (german, _) in {**LIFE_AREA_LABELS, **MODE_LABELS,
                                               **TOPIC_LABELS}.items()},
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
    "achieved": "erreicht", "dropped": "aufgegeben", "pending": "offen",
    "transfer": "Übergabe", "reopening": "Wiedereröffnung", "closure": "Abschluss",
    "erasure": "Löschung", "unemployed": "arbeitslos", "inactive": "nicht erwerbstätig",
    "employed": "erwerbstätig", "self_employed": "selbstständig",
    "isced_0_2": "ISCED 0 bis 2 (höchstens Sekundarstufe I)",
    "isced_3_4": "ISCED 3 und 4 (Sekundarstufe II, postsekundär)",
    "isced_5_8": "ISCED 5 bis 8 (tertiär)", "eu": "EU", "third_country": "Drittstaat",
    "stateless": "staatenlos", "job_searching": "arbeitsuchend",
    "in_education_or_training": "in Schule, Aus- oder Weiterbildung",
    "gained_qualification": "Qualifikation erworben", "none_of_these": "nichts davon",
    "unknown": "unbekannt", "self": "aus eigener Initiative", "jobcenter": "Jobcenter",
    "kita": "Kita", "school": "Schule", "family_centre": "Familienzentrum",
    "youth_office": "Jugendamt", "social_space_offer": "über ein Angebot im Sozialraum",
    "sgb_ii": "Bürgergeld (SGB II)",
    "sgb_xii": "Sozialhilfe (SGB XII)", "kinderzuschlag": "Kinderzuschlag",
    "none": "keiner",
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
    "partner_id": "Partnereinrichtung (ID)",
    "member_ids": "Personen", "life_area": "Lebensbereich", "statuses": "Verbleib",
    "corrected_version": "berichtigte Version", "changes": "Änderungen",
    "sensitive_changes": "Änderungen (geschützt)", "consent_confirmed": "Einwilligung bestätigt",
    "better_situation": "Situation verbessert", "labour_market_status": "Erwerbsstatus",
    "unemployed_months": "arbeitslos seit (Monaten)", "isced": "Bildungsabschluss (ISCED)",
    "disability": "Behinderung", "citizenship": "Staatsangehörigkeit",
    "foreign_background": "Migrationshintergrund", "minority": "Minderheit",
    "homeless": "wohnungslos", "rural": "ländlicher Raum",
    "recorded_in_version": "erfasst mit Version", "held_on": "Beratung am",
    "last_contact_on": "letzter Kontakt am", "open_goals": "offene Ziele",
    "contacts": "Beratungen", "referrals": "Vermittlungen", "goals": "Ziele",
    "outcome_recorded": "Ergebnis erfasst", "intervals": "Zuständigkeiten",
    "from_on": "von", "until_on": "bis", "assigned_by": "zugewiesen von",
    "started_by": "begonnen durch", "started_version": "begonnen mit Version",
    "ended_by": "beendet durch", "ended_version": "beendet mit Version",
    "intake_month": "Monat der Aufnahme", "month": "Monat", "minutes": "Minuten",
    "set_in": "vereinbart im Monat", "ended_in": "beendet im Monat",
    "made_in": "vermittelt im Monat", "consultations": "Beratungen",
    "participations": "ESF+-Teilnahmen", "set_on": "vereinbart am",
    "revisions": "Überarbeitungen", "referred_on": "vermittelt am",
    "outcome_on": "Ergebnis am", "pending": "noch offen", "count": "Anzahl",
    "hours": "Stunden", "first_contact_on": "erster Kontakt am",
    "by_topic": "nach Thema", "by_mode": "nach Kontaktform", "topic": "Thema",
    "participants": "Teilnehmende", "age_at_first_entry": "Alter beim ersten Eintritt",
    "stays": "Teilnahmen", "entry_version": "Eintritt erfasst mit Version",
    "recorded_on": "erfasst am", "exit_version": "Austritt erfasst mit Version",
    "leaving_statuses": "spätere Status nach Austritt",
    "follow_up": "Verbleib nach sechs Monaten", "on": "am", "better": "Situation verbessert",
    "summary": "Familienübersicht", "joined_household": "in den Haushalt gekommen",
    "joined_on": "am", "closures": "Abschlüsse", "reopened_on": "wieder eröffnet am",
    "referral_outcomes": "Ergebnisse der Vermittlungen",
}

OFFER_TYPE_LABELS: dict[str, Label] = {
    "open_office_hours": ("Offene Sprechstunde", ""), "cafe": ("Café, offener Treff", ""),
    "parent_breakfast": ("Elternfrühstück", ""),
    "group_course": ("Gruppenangebot, Elternkurs", ""),
    "information_event": ("Informationsveranstaltung", ""),
    "online_offer": ("Online-Angebot", ""), "network_meeting": ("Netzwerktreffen", ""),
    "other": ("Sonstiges", "")}
CODES: dict[str, dict[str, str]] = {
    key: {code: german for code, (german, _) in labels.items()}
    for key, labels in (("topic", TOPIC_LABELS), ("topics", TOPIC_LABELS),
                        ("mode", MODE_LABELS), ("institution_type", INSTITUTION_LABELS),
                        ("outcome", OUTCOME_LABELS), ("life_area", LIFE_AREA_LABELS),
                        ("reason", CLOSURE_LABELS), ("offer_type", OFFER_TYPE_LABELS))}
"""Codes named by the field they stand in (before ``WORDS``)."""
VIEWS: dict[str, Label] = {
    "caseload": ("Fallliste", "Was die Fallliste der Fallverantwortlichen über Ihre "
                 "Familie zeigt: Stand, letzter Kontakt, offene Ziele und Vermittlungen."),
    "family_summary": ("Familienübersicht", "Ihre Familie auf einen Blick, ohne Namen "
                       "und Texte: Mitglieder, Teilnahmen, Ziele, Vermittlungen und die "
                       "Beratungen in Zahlen."),
    "caseload_history": ("Zuständigkeiten", "Wer Ihre Familie wann begleitet hat."),
    "social_space": ("Sozialraumstatistik", "Was Ihre Familie zur Statistik des "
                     "Sozialraums beiträgt (gezählt nach Monat, ohne Namen)."),
    "esf_participants": ("ESF+-Teilnahmedaten", "Die Daten der Berichterstattung an den "
                         "ESF+: Geschlecht, Alter beim Eintritt und die Angaben zu "
                         "Eintritt, Austritt und Verbleib."),
    "programme_facts": ("Programmkennzahlen", "Woraus die Kennzahlen des Programms "
                        "gezählt werden (ohne Namen und Texte)."),
}
"""A view's German title and what it is, for the person reading the document."""
