"""Value types of the family coaching domain and of the ESF+ entry and exit records.

The enum values are the stored representation: never rename a value, add new ones.
"""

from __future__ import annotations

from enum import StrEnum


class MemberRole(StrEnum):
    PARENT = "parent"
    CHILD = "child"
    OTHER_ADULT = "other_adult"


class Gender(StrEnum):
    """ESF+ knows exactly three genders: women, men, non-binary."""

    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"


class AccessRoute(StrEnum):
    """How the family found its way to the programme."""

    SELF = "self"
    JOBCENTER = "jobcenter"
    KITA = "kita"
    SCHOOL = "school"
    FAMILY_CENTRE = "family_centre"
    YOUTH_OFFICE = "youth_office"
    SOCIAL_SPACE_OFFER = "social_space_offer"
    """Through an offer of the project's social-space work (a café, office hours): the
    low-threshold route into case management; the intake may name the offer."""
    OTHER = "other"


class BenefitSituation(StrEnum):
    SGB_II = "sgb_ii"
    SGB_XII = "sgb_xii"
    KINDERZUSCHLAG = "kinderzuschlag"
    NONE = "none"
    UNKNOWN = "unknown"


class LabourMarketStatus(StrEnum):
    """Status at ESF+ entry: exactly one of EECO02 (unemployed), EECO04 (inactive),
    EECO05 (employed, including self-employed)."""

    UNEMPLOYED = "unemployed"
    INACTIVE = "inactive"
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"


class IscedBand(StrEnum):
    """Highest completed education, in the three ESF+ bands (EECO09-EECO11)."""

    ISCED_0_2 = "isced_0_2"
    ISCED_3_4 = "isced_3_4"
    ISCED_5_8 = "isced_5_8"


class Answer(StrEnum):
    """Answer to a sensitive ESF+ item (GDPR Art. 9): declining is a valid answer and
    is reported as unknown."""

    YES = "yes"
    NO = "no"
    DECLINED = "declined"


class Citizenship(StrEnum):
    EU = "eu"
    THIRD_COUNTRY = "third_country"
    STATELESS = "stateless"


class ContactMode(StrEnum):
    OFFICE = "office"
    OPEN_OFFICE_HOURS = "open_office_hours"
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    VIDEO = "video"
    ACCOMPANIED_APPOINTMENT = "accompanied_appointment"


class Topic(StrEnum):
    JOB_SEARCH = "job_search"
    RETURN_TO_WORK = "return_to_work"
    LETTERS_AND_DOCUMENTS = "letters_and_documents"
    MONEY_AND_DEBTS = "money_and_debts"
    HOUSING_AND_EVICTION = "housing_and_eviction"
    BANK_ACCOUNT = "bank_account"
    CHILDCARE = "childcare"
    SCHOOL = "school"
    PARENTING = "parenting"
    PARTNERSHIP = "partnership"
    HEALTH = "health"
    LANGUAGE_AND_INTEGRATION = "language_and_integration"
    BENEFITS = "benefits"
    OTHER = "other"


class LifeArea(StrEnum):
    WORK = "work"
    EDUCATION = "education"
    MONEY = "money"
    HOUSING = "housing"
    FAMILY_LIFE = "family_life"
    HEALTH = "health"
    LANGUAGE = "language"
    PARTICIPATION = "participation"


class InstitutionType(StrEnum):
    DEBT_COUNSELLING = "debt_counselling"
    JOBCENTER = "jobcenter"
    INTEGRATION_COURSE = "integration_course"
    CHILDCARE = "childcare"
    YOUTH_OFFICE = "youth_office"
    HEALTH_SERVICE = "health_service"
    HOUSING_SERVICE = "housing_service"
    EDUCATION_PROVIDER = "education_provider"
    COUNSELLING_SERVICE = "counselling_service"
    MIGRATION_COUNSELLING = "migration_counselling"
    SCHOOL = "school"
    OTHER = "other"


class PlaceKind(StrEnum):
    """Where a project's work happens (its places: ``domain/places.py``)."""

    FAMILY_CENTRE = "family_centre"
    SCHOOL = "school"
    KITA = "kita"
    QUARTER_OFFICE = "quarter_office"
    JOBCENTER = "jobcenter"
    ONLINE = "online"
    OTHER = "other"


class ReferralOutcome(StrEnum):
    ACCEPTED = "accepted"
    FIRST_APPOINTMENT_KEPT = "first_appointment_kept"
    COMPLETED = "completed"
    DECLINED = "declined"
    NO_RESPONSE = "no_response"

    @property
    def is_final(self) -> bool:
        return self in (ReferralOutcome.COMPLETED, ReferralOutcome.DECLINED,
                        ReferralOutcome.NO_RESPONSE)


class ExitStatus(StrEnum):
    """Situation on leaving (EECR01-EECR04), within 28 days after the exit date."""

    JOB_SEARCHING = "job_searching"
    IN_EDUCATION_OR_TRAINING = "in_education_or_training"
    GAINED_QUALIFICATION = "gained_qualification"
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    NONE_OF_THESE = "none_of_these"


class FollowUpStatus(StrEnum):
    """Labour-market situation six months after leaving (EECR05, EECR06)."""

    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    UNEMPLOYED = "unemployed"
    INACTIVE = "inactive"
    IN_EDUCATION_OR_TRAINING = "in_education_or_training"
    UNKNOWN = "unknown"


class ClosureReason(StrEnum):
    GOALS_ACHIEVED = "goals_achieved"
    FAMILY_ENDED_COOPERATION = "family_ended_cooperation"
    NO_CONTACT = "no_contact"
    MOVED_AWAY = "moved_away"
    HANDED_OVER = "handed_over"
    OTHER = "other"


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ERASED = "erased"


class ConsentPurpose(StrEnum):
    """What a family consents to, from a fixed catalogue (a code, never free text). The
    ESF+ data themselves rest on a legal obligation, not on consent (``ESF.md``); consent
    matters where data leave the programme or go beyond it."""

    ESF_REPORTING = "esf_reporting"
    """Taking part in the ESF+ reporting and its evaluation (information and consent
    form of the programme)."""
    REFERRAL_TO_PARTNERS = "referral_to_partners"
    """Passing data to partner institutions when referring a member (every referral
    needs it in force on its date)."""
    JOBCENTER_EXCHANGE = "jobcenter_exchange"
    """Exchanging information with the Jobcenter about the family's case."""
    YOUTH_OFFICE_EXCHANGE = "youth_office_exchange"
    """Exchanging information with the youth office (Jugendamt)."""
    SCHOOL_AND_KITA_EXCHANGE = "school_and_kita_exchange"
    """Exchanging information with the children's school or Kita."""
    FOLLOW_UP_CONTACT = "follow_up_contact"
    """Being contacted after leaving (the six-month follow-up survey)."""
    PHOTO_AND_MEDIA = "photo_and_media"
    """Photos and reports for the programme's public relations."""


class ErasureBasis(StrEnum):
    """The legal basis of an erasure of a family's personal data (a code; a note, if
    any, is sealed with the family's key and unreadable once the erasure is done)."""

    ART17_REQUEST = "art17_request"
    """The family's request (GDPR Art. 17(1)), once no retention duty overrides it."""
    UNLAWFULLY_RECORDED = "unlawfully_recorded"
    """The data were recorded unlawfully (GDPR Art. 17(1)(d)): erased at once."""
    RETENTION_ENDED = "retention_ended"
    """The programme's retention period ended (CPR Art. 82; GDPR Art. 17(1)(a))."""
    RETENTION_ENDED_AFTER_REQUEST = "retention_ended_after_request"
    """The family asked for erasure (GDPR Art. 17(1)) while the retention duty overrode
    it (Art. 17(3)(b)); processing was restricted until retention ended (Art. 18)."""
    AUTHORITY_ORDER = "authority_order"
    """Ordered by a supervisory authority or a court (GDPR Art. 17(1)(e), 58(2)(g))."""
