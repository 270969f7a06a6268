"""The fictional population of the demo data set (recorded by ``demo/story.py``).

Names, households, ESF+ entry data, the three project sites and the texts case managers
write. People and addresses are invented; district names and postal codes are real.
Everything is drawn from the caller's seeded ``random.Random``; nothing here does I/O.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar
from uuid import UUID

from domain.directory import Role
from domain.records import EntryData, FieldChange, MemberData
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    ClosureReason,
    ConsentPurpose,
    ContactMode,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    IscedBand,
    LabourMarketStatus,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)

T = TypeVar("T")
CM, CO, AU, RE, AD = (Role.CASE_MANAGER, Role.COORDINATOR, Role.AUDITOR, Role.REPORTING,
                      Role.ADMIN)


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    yearly_target: int
    town: str
    districts: tuple[tuple[str, str], ...]  # (district, postal code)
    staff: tuple[tuple[str, Role], ...]


SITES = (
    SiteSpec("KR", "WiQ Plus Krefeld", 48, "Krefeld",
             (("Innenstadt", "47798"), ("Südbezirk", "47805"), ("Dießem/Lehmheide", "47805"),
              ("Oppum", "47809"), ("Linn", "47809"), ("Fischeln", "47807"),
              ("Uerdingen", "47829"), ("Hüls", "47839")),
             (("Anna Terhorst", CM), ("Bora Aksoy", CM), ("Claudia Wiegand", CM),
              ("Dariusz Nowicki", CM), ("Heike Brüggemann", CO), ("Martin Lenzen", AU),
              ("Berichtswesen WiQ Plus", RE), ("Ralf Schoofs", AD))),
    SiteSpec("GL", "Familiencoaching Gladbeck", 40, "Gladbeck",
             (("Stadtmitte", "45964"), ("Brauck", "45964"), ("Butendorf", "45964"),
              ("Zweckel", "45966"), ("Schultendorf", "45966"), ("Rentfort-Nord", "45968"),
              ("Ellinghorst", "45968")),
             (("Sevgi Özdemir", CM), ("Jan Kleinherbers", CM), ("Nadia Rahimi", CM),
              ("Petra Wolters", CO), ("Uwe Sondermann", AU),
              ("Berichtswesen Familiencoaching", RE), ("Kerstin Bußmann", AD))),
    SiteSpec("AF", "Akti(F) Plus Essen-Katernberg", 60, "Essen",
             (("Katernberg", "45327"), ("Stoppenberg", "45141"), ("Schonnebeck", "45309"),
              ("Altenessen-Nord", "45329"), ("Karnap", "45329"), ("Altenessen-Süd", "45326")),
             (("Lena Kowalska", CM), ("Hasan Yildirim", CM), ("Olena Marchenko", CM),
              ("Tobias Berns", CM), ("Miriam Heuer", CO), ("Frank Dellwig", AU),
              ("Berichtswesen Akti(F) Plus", RE), ("Sabine Pütz", AD))),
)
# women, men, girls, boys, family names per origin; Turkish names as German registers
# usually spell them
NAMES = {
    "de": ("Sabrina Jennifer Melanie Nicole Katharina Julia Sandra Jessica Vanessa Tanja",
           "Daniel Kevin Marco Sven Tobias Dennis Patrick Stefan Marcel Florian",
           "Emma Mia Hannah Lina Sophie Emilia Lena Marie Clara Ella",
           "Ben Paul Leon Finn Luca Noah Elias Jonas Felix Henry",
           "Schmitz Becker Hoffmann Wagner Schulz Krüger Neumann Brandt Janssen Terhorst Hüsken"),
    "tr": ("Ayse Elif Fatma Zeynep Merve Büsra Derya Hatice Emine Sibel",
           "Mehmet Emre Murat Hakan Serkan Burak Yusuf Kemal Volkan Erkan",
           "Elif Defne Zehra Azra Eylül Ecrin Nisa Asya", "Yusuf Emir Mustafa Kerem Ömer Miran",
           "Yilmaz Kaya Demir Sahin Celik Öztürk Aydin Arslan Dogan Koc Kilic Yildiz"),
    "ar": ("Fatima Amina Rania Nour Layla Hiba Samira Dalia Rasha Huda",
           "Ahmad Mohammad Khaled Omar Hassan Bilal Tarek Samir Rami Walid",
           "Maryam Jana Lana Sidra Aya Rahaf Joud Salma", "Adam Yousef Ali Karim Hamza Zain Majd",
           "Al-Hassan Haddad Khalil Nasser Darwish Saleh Mansour Ibrahim Suleiman Abboud"),
    "pl": ("Agnieszka Katarzyna Magdalena Joanna Monika Ewa Justyna Aleksandra",
           "Piotr Tomasz Krzysztof Marcin Paweł Łukasz Michał Grzegorz",
           "Zuzanna Julia Maja Oliwia Hanna Alicja", "Jakub Antoni Szymon Filip Kacper Jan",
           "Nowak Wójcik Kowalczyk Kaczmarek Mazur Krawczyk Zając Wróbel Pawlak Dudek"),
    "ua": ("Olena Iryna Nataliia Oksana Tetiana Yuliia Kateryna Svitlana",
           "Oleksandr Andrii Serhii Dmytro Volodymyr Ihor Mykola Yurii",
           "Sofiia Anna Solomiia Veronika Zlata Mariia", "Maksym Artem Matvii Danylo Bohdan Denys",
           "Shevchenko Bondarenko Kovalenko Tkachenko Melnyk Kravchenko Boiko Lysenko"),
}
STREETS = ("Schulstraße", "Bahnhofstraße", "Gartenstraße", "Lindenstraße", "Kirchstraße",
           "Bergstraße", "Mühlenweg", "Am Markt", "Wiesenstraße", "Friedrichstraße")
ORIGINS = {"de": 34, "tr": 24, "ar": 18, "pl": 11, "ua": 13}
EU, THIRD = Citizenship.EU, Citizenship.THIRD_COUNTRY
CITIZENSHIP = {"de": {EU: 1}, "pl": {EU: 1}, "tr": {THIRD: 55, EU: 45}, "ua": {THIRD: 1},
               "ar": {THIRD: 85, Citizenship.STATELESS: 10, EU: 5}}
ACCESS = {route: weight for route, weight in zip(AccessRoute, (12, 25, 20, 12, 18, 8, 0, 5),
                                                 strict=True) if weight}
"""(Intakes through a social-space offer name the offer: ``demo.social_space`` makes them.)"""
BENEFITS = dict(zip(BenefitSituation, (55, 5, 12, 10, 18), strict=True))
CONSENT = (ConsentPurpose.ESF_REPORTING, ConsentPurpose.REFERRAL_TO_PARTNERS,
           ConsentPurpose.JOBCENTER_EXCHANGE)
MODES = dict(zip(ContactMode, (30, 15, 22, 20, 3, 10), strict=True))
MINUTES = dict(zip(ContactMode, ((45, 90), (15, 45), (60, 120), (10, 30), (20, 45),
                                 (90, 180)), strict=True))
TOPICS = [t for t in Topic if t is not Topic.OTHER]
EXITS = dict(zip(ExitStatus, (30, 14, 5, 20, 2, 29), strict=True))
NOTES = ("Post vom Jobcenter sortiert, Widerspruchsfrist notiert.", "Kitaplatz online angemeldet.",
         "Antrag auf Kinderzuschlag vorbereitet.", "Tagesablauf mit den Kindern besprochen.",
         "Lebenslauf überarbeitet, zwei Stellenanzeigen besprochen.", "Sprachkurs angemeldet.",
         "Mahnungen gesichtet, Termin bei der Schuldnerberatung vereinbart.",
         "Streit mit dem Vermieter wegen der Nebenkosten.", "Elterngespräch in der Schule geübt.",
         "Vorstellungsgespräch nächste Woche, Fahrtweg geklärt.",
         "Unterlagen für den Weiterbewilligungsantrag zusammengestellt.",
         "Familie wirkt entlastet, die Kinder gehen regelmäßig zur Schule.")
INTAKE_NOTE = "Erstgespräch: Lage der Familie, Einwilligung und ESF-Erhebungsbogen besprochen."
GOALS = dict(zip(LifeArea, (  # per life area, in the enum's order
    ("Teilzeitstelle im Einzelhandel finden", "Praktikum in einer Kita beginnen",
     "Zehn Bewerbungen verschicken", "Minijob in eine feste Stelle umwandeln"),
    ("Anerkennung des ausländischen Berufsabschlusses beantragen",
     "Hauptschulabschluss an der Abendschule nachholen", "Ausbildung in der Pflege beginnen"),
    ("Überblick über alle Schulden und Ratenplan", "Basiskonto eröffnen",
     "Kinderzuschlag und Wohngeld beantragen", "Stromsperre abwenden"),
    ("Räumung abwenden: Raten für die Mietrückstände", "Größere Wohnung für die Familie"),
    ("Kita-Platz für das jüngste Kind", "Regelmäßiger Schulbesuch", "Fester Tagesablauf"),
    ("Kinderarzt finden und U-Untersuchungen nachholen", "Therapieplatz finden"),
    ("Integrationskurs bis Niveau B1", "Deutschkurs mit Kinderbetreuung"),
    ("Kinder im Sportverein (Bildung und Teilhabe)", "Elterncafé im Familienzentrum")),
    strict=True))
INSTITUTIONS = dict(zip(InstitutionType, (  # (name, purpose, weight); {town}: the project's
    ("Schuldner- und Insolvenzberatung {town}", "Schuldenüberblick und Ratenplan", 18),
    ("Jobcenter {town}", "Beratung zur Arbeitsaufnahme", 16),
    ("Volkshochschule {town}", "Integrationskurs mit Kinderbetreuung", 12),
    ("Kita-Platzvermittlung der Stadt {town}", "Betreuungsplatz", 14),
    ("Jugendamt {town}", "Hilfen zur Erziehung klären", 6),
    ("Gesundheitsamt {town}", "Impfberatung und Untersuchungen", 6),
    ("Fachstelle Wohnungsnotfälle {town}", "Drohende Räumung", 10),
    ("Bildungszentrum {town}", "Berufliche Qualifizierung", 8),
    ("Erziehungs- und Familienberatung {town}", "Beratung bei Trennung", 10),
    # weight 0: types added later leave the demo's random draws as they were
    ("Migrationsberatung {town}", "Aufenthalt und Anerkennung", 0),
    ("Grundschule {town}", "Übergang in die Schule", 0),
    ("Tafel {town}", "Lebensmittelhilfe", 4)), strict=True))
CLOSURES = dict(zip(ClosureReason, (
    ("Ziele erreicht, die Familie kommt allein zurecht.", 40),
    ("Familie wünscht keine weitere Begleitung.", 15),
    ("Seit Wochen nicht erreichbar, zwei Briefe ohne Antwort.", 15),
    ("Familie ist in eine andere Stadt gezogen.", 10),
    ("An die Erziehungsberatung übergeben.", 12), ("", 8)), strict=True))
TRANSFERS = ("Elternzeit der Fallbegleitung", "Ausgleich der Fallzahlen im Team",
             "Kollegin spricht die Familiensprache", "Fallbegleitung hat das Projekt verlassen")
REVISIONS = ("Kita-Platz beginnt später", "Kursbeginn verschoben", "Krankheit in der Familie",
             "Warteliste bei der Beratungsstelle")
DROPS = ("Familie setzt andere Prioritäten", "Kein Betreuungsplatz verfügbar",
         "Gesundheitliche Gründe", "Ziel hat sich durch den Umzug erledigt")
REOPENINGS = ("Familie meldet sich erneut: Räumungsklage angekündigt",
              "Neue Schulden nach Jobverlust, Familie bittet um Unterstützung")
ERASURES = (  # notes of erasures of data without a legal basis (unlawfully_recorded)
    "Aufnahme irrtümlich angelegt: Familie wohnt außerhalb des Projektgebiets",
    "Doppelte Aufnahme: die Familie wird in einem anderen Fall begleitet")
OUTCOME_CHAINS = {  # (outcome, from, to days after the previous step): weight
    ((ReferralOutcome.ACCEPTED, 5, 20), (ReferralOutcome.FIRST_APPOINTMENT_KEPT, 7, 30),
     (ReferralOutcome.COMPLETED, 30, 120)): 45,
    ((ReferralOutcome.ACCEPTED, 5, 20),): 10, ((ReferralOutcome.DECLINED, 7, 30),): 15,
    ((ReferralOutcome.NO_RESPONSE, 21, 45),): 10, (): 20}


def pick(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), list(weights.values()))[0]


def new_id(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def between(rng: random.Random, start: date, end: date) -> date:
    """A day from ``start`` to ``end`` (``start`` when the range is empty)."""
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def born(rng: random.Random, day: date, low: int, high: int) -> date:
    return day - timedelta(days=rng.randint(low * 365, high * 365 + 364))


def person(rng: random.Random, origin: str, role: MemberRole, gender: Gender, family: str,
           birth: date | None, taken: Sequence[MemberData] = ()) -> MemberData:
    """Someone of the given origin, named unlike the household members ``taken``."""
    women, men, girls, boys, _ = (names.split() for names in NAMES[origin])
    adult = role is not MemberRole.CHILD
    names = (men if adult else boys) if gender is Gender.MALE else (women if adult else girls)
    given = rng.choice([n for n in names if n not in {m.given_name for m in taken}] or names)
    return MemberData(new_id(rng), role, given, family, birth, gender)


def household(rng: random.Random, day: date) -> tuple[str, list[MemberData]]:
    """1-2 parents (sometimes a grandmother) and 0-4 children; mostly mothers first."""
    origin = pick(rng, ORIGINS)
    family = rng.choice(NAMES[origin][4].split())
    mother = rng.random() < 0.85
    gender = Gender.NON_BINARY if rng.random() < 0.01 else (
        Gender.FEMALE if mother else Gender.MALE)
    first = born(rng, day, 21, 46)
    members = [person(rng, origin, MemberRole.PARENT, gender, family,
                      None if rng.random() < 0.02 else first)]
    if rng.random() < 0.55:
        other = origin if rng.random() > 0.1 else pick(rng, ORIGINS)
        name = family if other == origin else rng.choice(NAMES[other][4].split())
        members.append(person(rng, other, MemberRole.PARENT,
                              Gender.MALE if mother else Gender.FEMALE, name,
                              born(rng, day, 21, 50), members))
    if rng.random() < 0.04:
        members.append(person(rng, origin, MemberRole.OTHER_ADULT, Gender.FEMALE, family,
                              born(rng, day, 55, 72)))
    age, oldest = rng.randint(0, 6), min(17, (day - first).days // 365 - 19)
    for _ in range(rng.choices((0, 1, 2, 3, 4), (12, 30, 30, 18, 10))[0]):
        if age <= oldest:  # siblings at least ten months apart
            birth = day - timedelta(days=365 * age + rng.randint(0, 60))
            members.append(baby(rng, origin, family, birth, members))
        age += rng.randint(1, 4)
    return origin, members


def baby(rng: random.Random, origin: str, family: str, birth: date,
         siblings: Sequence[MemberData]) -> MemberData:
    return person(rng, origin, MemberRole.CHILD, rng.choice((Gender.FEMALE, Gender.MALE)),
                  family, birth, siblings)


def entry_data(rng: random.Random, origin: str) -> EntryData:
    """Varied ESF+ entry data; now and then a core item is missing (listed, not counted)."""
    status = pick(rng, {LabourMarketStatus.UNEMPLOYED: 45, LabourMarketStatus.INACTIVE: 35,
                        LabourMarketStatus.EMPLOYED: 15, LabourMarketStatus.SELF_EMPLOYED: 3,
                        None: 2})
    months = None
    if status is LabourMarketStatus.UNEMPLOYED:
        months = rng.randint(1, 11) if rng.random() < 0.45 else rng.randint(12, 72)
    native = origin == "de"
    return EntryData(
        status, months,
        pick(rng, {IscedBand.ISCED_0_2: 48, IscedBand.ISCED_3_4: 36, IscedBand.ISCED_5_8: 12,
                   None: 4}),
        pick(rng, {Answer.NO: 80, Answer.YES: 7, Answer.DECLINED: 13}),
        pick(rng, CITIZENSHIP[origin]),
        pick(rng, {Answer.NO: 90 if native else 5, Answer.YES: 5 if native else 85,
                   Answer.DECLINED: 5 if native else 10}),
        pick(rng, {Answer.NO: 78, Answer.YES: 4, Answer.DECLINED: 18}),
        pick(rng, {Answer.NO: 92, Answer.YES: 5, Answer.DECLINED: 3}), False)


def consultation(rng: random.Random, day: date, adults: list[MemberData], town: str, *,
                 first: bool, last: bool) -> dict[str, Any]:
    """A consultation's facts; the intake conversation is in the office."""
    mode = ContactMode.OFFICE if first else pick(rng, MODES)
    low, high = MINUTES[mode]
    present = [m.member_id for m in adults if rng.random() < 0.7] or [adults[0].member_id]
    places = {ContactMode.OFFICE: f"Familienbüro {town}",
              ContactMode.HOME_VISIT: "Wohnung der Familie",
              ContactMode.OPEN_OFFICE_HOURS: "Familienzentrum, offene Sprechstunde",
              ContactMode.ACCOMPANIED_APPOINTMENT: rng.choice(
                  (f"Jobcenter {town}", f"Ausländerbehörde {town}", f"Bürgeramt {town}"))}
    notes = INTAKE_NOTE if first else (rng.choice(NOTES) if rng.random() < 0.75 else None)
    follow_up = None if last or rng.random() < 0.08 else (
        day + timedelta(days=rng.choice((7, 14, 14, 21, 28))))
    return {"consultation_id": new_id(rng), "duration_minutes": 5 * rng.randint(low // 5,
                                                                                high // 5),
            "mode": mode, "topics": rng.sample(TOPICS, rng.choice((1, 1, 2, 2, 3))),
            "members_present": present, "location": places.get(mode), "notes": notes,
            "next_follow_up_on": follow_up}


def referral(rng: random.Random, member: UUID, town: str) -> dict[str, Any]:
    kind = pick(rng, {k: w for k, (_, _, w) in INSTITUTIONS.items()})
    name, purpose, _ = INSTITUTIONS[kind]
    return {"referral_id": new_id(rng), "member_id": member, "institution_type": kind,
            "institution_name": name.format(town=town), "purpose": purpose,
            "consent_confirmed": True}


def follow_up(rng: random.Random, left: ExitStatus, entry: EntryData) -> dict[str, Any]:
    """Six months after leaving; a better situation is asked only of those employed at
    entry (EECR06)."""
    working = left in (ExitStatus.EMPLOYED, ExitStatus.SELF_EMPLOYED)
    status = pick(rng, {FollowUpStatus.EMPLOYED: 75 if working else 25,
                        FollowUpStatus.UNEMPLOYED: 25, FollowUpStatus.INACTIVE: 15,
                        FollowUpStatus.IN_EDUCATION_OR_TRAINING: 8, FollowUpStatus.UNKNOWN: 12})
    employed = entry.labour_market_status in (LabourMarketStatus.EMPLOYED,
                                              LabourMarketStatus.SELF_EMPLOYED)
    return {"status": status, "better_situation": rng.random() < 0.4 if employed else None}


def entry_correction(entry: EntryData) -> tuple[FieldChange, str]:
    """A late correction of an ESF+ entry once the papers are in."""
    if entry.labour_market_status is LabourMarketStatus.UNEMPLOYED:
        return (FieldChange("unemployed_months", str((entry.unemployed_months or 0) + 2)),
                "Bescheinigung des Jobcenters nennt eine längere Arbeitslosigkeit")
    band = IscedBand.ISCED_3_4 if entry.isced is IscedBand.ISCED_0_2 else IscedBand.ISCED_0_2
    return FieldChange("isced", band.value), "Zeugnis liegt jetzt vor"
