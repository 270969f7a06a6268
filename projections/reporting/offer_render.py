"""The social-space statistics labelled (German and English), as JSON and as table rows,
with the "< 5" rule applied for whom it applies.

**The "< 5" rule.** A count that describes people - attendance (in total and in every
cell: by gender, age band, month, offer type, place), first-time visitors, named
participants, cases opened through offers, referrals to a partner and their outcomes -
is shown as the text ``"< 5"`` when it is 1 to 4 and ``hidden`` is set (reporting users
of a project whose rule is on, the default). Zero stays 0 (it describes nobody), five
and more stay exact. Sessions, hours, shares and a partner's sessions are about the
work, not about people, and always stay exact. Coordinators and auditors get every
figure exactly (``hidden`` False).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from application import policy
from application.sql import Tables
from domain.directory import ProjectRecord, Role
from domain.offer_values import AgeBand, HeadcountGender
from projections.reporting.offer_facts import OfferFacts
from projections.reporting.offer_figures import OfferFigures, Tally, offer_figures

SMALL = "< 5"
Label = tuple[str, str]
Count = int | str
"""A count of people as shown: exact, or ``"< 5"``."""

OFFER_TYPE_LABELS: dict[str, Label] = {
    "open_office_hours": ("Offene Sprechstunde", "Open office hours"),
    "cafe": ("Café / offener Treff", "Café / open meeting"),
    "parent_breakfast": ("Elternfrühstück", "Parent breakfast"),
    "group_course": ("Gruppenangebot / Elternbildung", "Group course / parent education"),
    "information_event": ("Informationsveranstaltung", "Information event"),
    "online_offer": ("Online-Angebot", "Online offer"),
    "network_meeting": ("Netzwerktreffen", "Network meeting"),
    "other": ("Sonstiges Angebot", "Other offer"),
    "none": ("Kein Angebot genannt", "No offer named"),
}
GENDER_LABELS: dict[str, Label] = {
    "women": ("Frauen", "Women"), "men": ("Männer", "Men"),
    "non_binary": ("Nicht-binär", "Non-binary"), "not_stated": ("Keine Angabe", "Not stated"),
}
AGE_LABELS: dict[str, Label] = {
    "0_5": ("0–5 Jahre", "0–5 years"), "6_17": ("6–17 Jahre", "6–17 years"),
    "18_26": ("18–26 Jahre", "18–26 years"), "27_54": ("27–54 Jahre", "27–54 years"),
    "55_plus": ("55 Jahre und älter", "55 years and over"),
}
OUTCOME_LABELS: dict[str, Label] = {
    "cooperation_agreed": ("Kooperation vereinbart", "Cooperation agreed"),
    "referral_path_agreed": ("Vermittlungsweg vereinbart", "Referral path agreed"),
    "joint_offer_planned": ("Gemeinsames Angebot geplant", "Joint offer planned"),
    "information_exchanged": ("Informationen ausgetauscht", "Information exchanged"),
    "gap_identified": ("Versorgungslücke erkannt", "Gap identified"),
    "other": ("Sonstiges Ergebnis", "Other outcome"),
}
FIGURES: dict[str, Label] = {
    "held": ("Termine durchgeführt", "Sessions held"),
    "cancelled": ("Termine ausgefallen", "Sessions cancelled"),
    "share_held_percent": ("Anteil durchgeführter Termine (%)", "Share of sessions held (%)"),
    "hours": ("Stunden", "Hours"),
    "attendance": ("Teilnahmen", "Attendance"),
    "first_time": ("Erstbesuche", "First-time visitors"),
    "named_participants": ("Namentlich erfasste Teilnehmende (je einmal)",
                           "Named participants (each once)"),
    "cases_opened": ("Über Angebote aufgenommene Familien", "Cases opened through offers"),
    "sessions": ("Termine mit dem Partner", "Sessions with the partner"),
    "referrals": ("Vermittlungen an den Partner", "Referrals to the partner"),
    "planned": ("Geplante Termine", "Planned sessions"),
    "share_of_planned_percent": ("Anteil der geplanten Termine (%)",
                                 "Share of planned sessions (%)"),
}
SECTIONS: dict[str, Label] = {
    "sessions": ("Sozialraumarbeit: Termine", "Social-space work: sessions"),
    "attendance": ("Sozialraumarbeit: Teilnahmen", "Social-space work: attendance"),
    "attendance_by_gender": ("Teilnahmen nach Geschlecht", "Attendance by gender"),
    "attendance_by_age_band": ("Teilnahmen nach Altersgruppe", "Attendance by age band"),
    "by_offer_type": ("Nach Angebotsart", "By offer type"),
    "by_place": ("Nach Ort", "By place"),
    "cases_opened_by_offer_type": ("Aufnahmen über Angebote nach Angebotsart",
                                   "Cases opened through offers by offer type"),
    "partners": ("Partner", "Partners"),
    "network_outcomes": ("Ergebnisse der Netzwerktreffen", "Network meeting outcomes"),
}


def hides_small_counts(record: ProjectRecord, role: Role | None) -> bool:
    """Whether ``role`` sees counts of one to four people as "< 5" in ``record``'s
    statistics: reporting users while the project's rule is on; never those who see
    exact figures (coordinators, auditors; None: the command line, run by operators)."""
    return (role is not None and record.small_counts_hidden
            and not policy.may(role, policy.Action.EXACT_COUNTS))


def directory_names(record: ProjectRecord) -> dict[str, str]:
    """The names of the project's places and partners by the key the statistics use."""
    return {**{k.hex: p.name for k, p in record.places.items()},
            **{k.hex: p.name for k, p in record.partners.items()}}


def label(labels: Mapping[str, Label], key: str) -> Label:
    return labels.get(key, (key, key))


def shown(n: int, hidden: bool) -> Count:
    """A count of people as shown under the "< 5" rule."""
    return SMALL if hidden and 0 < n < 5 else n


def _tally(t: Tally, hidden: bool) -> dict[str, Any]:
    return {"held": t.held, "cancelled": t.cancelled, "share_held_percent": t.share_held,
            "minutes": t.minutes, "hours": t.hours,
            "attendance": shown(t.people, hidden), "first_time": shown(t.first_time, hidden)}


def _attendance(t: Tally, hidden: bool) -> dict[str, Any]:
    return {"total": shown(t.people, hidden), "first_time": shown(t.first_time, hidden),
            "by_gender": {k: shown(n, hidden) for k, n in t.by_gender.items()},
            "by_age_band": {k: shown(n, hidden) for k, n in t.by_age_band.items()},
            "by_gender_and_age_band": {
                g.value: {b.value: shown(t[f"{g.value}__{b.value}"], hidden)
                          for b in AgeBand} for g in HeadcountGender}}


def offer_json(f: OfferFigures, *, hidden: bool,
               names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The statistics as plain JSON (keys in a stable order); ``names``: place and
    partner names by the key the rows use (their ids)."""
    names = names or {}
    return {
        "project": f.project, "from": f.from_month, "to": f.to_month,
        "known_by": f.known_by.isoformat() if f.known_by else None,
        "as": "now" if f.known_by is None else "known_by", "small_counts_hidden": hidden,
        "sessions": {k: v for k, v in _tally(f.total, hidden).items()
                     if k not in ("attendance", "first_time")},
        "attendance": _attendance(f.total, hidden),
        "named_participants": {
            "total": shown(f.participants, hidden),
            "by_month": {m: shown(n, hidden) for m, n in f.participants_by_month.items()}},
        "by_month": [{"month": m, **_tally(t, hidden)} for m, t in f.by_month.items()],
        "by_offer_type": [{"offer_type": k, **_tally(t, hidden)} for k, t in f.by_type.items()],
        "by_place": [{"place": k, "name": names.get(k, k), **_tally(t, hidden)}
                     for k, t in f.by_place.items()],
        "offers": [{"offer_id": o.offer_id, "title": o.title, "offer_type": o.offer_type,
                    "place": o.place, "place_name": names.get(o.place, o.place),
                    "planned_sessions": o.planned, "held_so_far": o.held_so_far,
                    "cancelled_so_far": o.cancelled_so_far,
                    "share_of_planned_percent": o.share_of_planned,
                    "held_in_period": o.held_in_period,
                    "cancelled_in_period": o.cancelled_in_period} for o in f.offers],
        "cases_opened": {
            "total": shown(f.cases_opened, hidden),
            "by_month": {m: shown(n, hidden) for m, n in f.cases_by_month.items()},
            "by_offer_type": {k: shown(n, hidden) for k, n in f.cases_by_type.items()}},
        "partners": [{"partner": p.partner, "name": names.get(p.partner, p.partner),
                      "sessions": p.sessions, "referrals": shown(p.referrals, hidden),
                      "outcomes": {k: shown(n, hidden) for k, n in sorted(p.outcomes.items())}}
                     for p in f.partners],
        "network_outcomes": dict(f.network_outcomes),
    }


Row = tuple[str, str, str, str, object, object]
"""(section, key, label_de, label_en, period value, since-start value), as the programme
figures' rows (``programme_render.Row``)."""


def offer_rows(period: OfferFigures, since_start: OfferFigures, *, hidden: bool,
               names: Mapping[str, str] | None = None) -> list[Row]:
    """One row per figure, for CSV and the workbook's sheet "Sozialraumarbeit"."""
    names = names or {}
    rows: list[Row] = []

    def add(section: str, key: str, labels: Mapping[str, Label], a: object, b: object,
            *, named: str | None = None, what: str | None = None) -> None:
        de, en = (named, named) if named is not None else label(labels, key)
        if what is not None:
            de, en = f"{de}: {label(FIGURES, what)[0]}", f"{en}: {label(FIGURES, what)[1]}"
        rows.append((f"social_space_{section}", key if what is None else f"{key}.{what}",
                     de, en, a, b))

    def people(n: int) -> Count:
        return shown(n, hidden)

    p, s = period, since_start
    for key in ("held", "cancelled"):
        add("sessions", key, FIGURES, p.total[key], s.total[key])
    add("sessions", "share_held_percent", FIGURES, p.total.share_held, s.total.share_held)
    add("sessions", "hours", FIGURES, p.total.hours, s.total.hours)
    add("attendance", "attendance", FIGURES, people(p.total.people), people(s.total.people))
    add("attendance", "first_time", FIGURES, people(p.total.first_time),
        people(s.total.first_time))
    add("attendance", "named_participants", FIGURES, people(p.participants),
        people(s.participants))
    add("attendance", "cases_opened", FIGURES, people(p.cases_opened), people(s.cases_opened))
    for key, n in p.total.by_gender.items():
        add("attendance_by_gender", key, GENDER_LABELS, people(n),
            people(s.total.by_gender[key]))
    for key, n in p.total.by_age_band.items():
        add("attendance_by_age_band", key, AGE_LABELS, people(n),
            people(s.total.by_age_band[key]))
    for key in s.by_type:
        a, b = p.by_type.get(key, Tally()), s.by_type[key]
        for what in ("held", "cancelled"):
            add("by_offer_type", key, OFFER_TYPE_LABELS, a[what], b[what], what=what)
        add("by_offer_type", key, OFFER_TYPE_LABELS, a.hours, b.hours, what="hours")
        add("by_offer_type", key, OFFER_TYPE_LABELS, people(a.people), people(b.people),
            what="attendance")
    for key in s.by_place:
        a, b = p.by_place.get(key, Tally()), s.by_place[key]
        name = names.get(key, key)
        add("by_place", key, {}, a.held, b.held, named=name, what="held")
        add("by_place", key, {}, a.hours, b.hours, named=name, what="hours")
        add("by_place", key, {}, people(a.people), people(b.people), named=name,
            what="attendance")
    for key, n in s.cases_by_type.items():
        add("cases_opened_by_offer_type", key, OFFER_TYPE_LABELS,
            people(p.cases_by_type.get(key, 0)), people(n))
    in_period = {x.partner: x for x in p.partners}
    for partner in s.partners:
        now = in_period.get(partner.partner)
        name = names.get(partner.partner, partner.partner)
        add("partners", partner.partner, {}, now.sessions if now else 0, partner.sessions,
            named=name, what="sessions")
        add("partners", partner.partner, {}, people(now.referrals if now else 0),
            people(partner.referrals), named=name, what="referrals")
    for key, n in s.network_outcomes.items():
        add("network_outcomes", key, OUTCOME_LABELS, p.network_outcomes.get(key, 0), n)
    return rows


@dataclass(frozen=True)
class OfferSection:
    """The social-space figures of a report: the period's and those since the start (up
    to the period's end), in one view of the truth, and how they are shown."""

    period: OfferFigures
    since_start: OfferFigures
    hidden: bool
    """Counts of one to four people shown as "< 5"."""
    names: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {"period": offer_json(self.period, hidden=self.hidden, names=self.names),
                "since_start": offer_json(self.since_start, hidden=self.hidden,
                                          names=self.names)}

    def rows(self) -> list[Row]:
        return offer_rows(self.period, self.since_start, hidden=self.hidden,
                          names=self.names)


def offer_section(tables: Tables, view: OfferFacts, project: str, start: date, cutoff: date,
                  known_by: date | None, *, hidden: bool,
                  names: Mapping[str, str] | None = None) -> OfferSection:
    """The section for the months of [start, cutoff], as known now or at ``known_by``."""
    first, last = start.isoformat()[:7], cutoff.isoformat()[:7]
    return OfferSection(
        offer_figures(tables, view, project, from_month=first, to_month=last,
                      known_by=known_by),
        offer_figures(tables, view, project, to_month=last, known_by=known_by),
        hidden, dict(names or {}))
