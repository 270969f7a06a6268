"""Every command Lotse takes, declared once (see ``base``); importing this package
registers them all in ``COMMANDS``."""

from application.commands import case as case_commands
from application.commands import (
    casework,
    districts,
    household,
    offers,
    participation,
    places,
    reports,
    retention,
    small_counts,
    staff,
)
from application.commands import consent as consent_commands
from application.commands.base import COMMANDS, Command, FamilyCommand, ProjectCommand, Route
from application.commands.case import (
    AssignCaseManager,
    ChangeIn,
    CloseCase,
    CorrectEntry,
    ErasePersonalData,
    ReopenCase,
    RequestErasure,
    Target,
)
from application.commands.casework import (
    AchieveGoal,
    DropGoal,
    MakeReferral,
    RecordConsultation,
    RecordReferralOutcome,
    ReviseGoal,
    SetGoal,
)
from application.commands.consent import GiveConsent, WithdrawConsent
from application.commands.districts import SetDistricts
from application.commands.household import (
    AddMember,
    ChangeMemberDetails,
    MemberIn,
    OpenCase,
    RecordMemberLeft,
)
from application.commands.offers import (
    CancelSession,
    ChangeOffer,
    CorrectSession,
    CreateOffer,
    EndOffer,
    OfferWork,
    RecordSession,
)
from application.commands.participation import (
    EnterParticipant,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
)
from application.commands.places import (
    AddPartner,
    AddPlace,
    ChangePartner,
    ChangePlace,
    RetirePartner,
    RetirePlace,
)
from application.commands.reports import SubmitReport
from application.commands.retention import RecordLastPayment
from application.commands.small_counts import SetSmallCounts
from application.commands.staff import AddStaff, IssueToken, RevokeToken

__all__ = [
    "COMMANDS",
    "AchieveGoal",
    "AddMember",
    "AddPartner",
    "AddPlace",
    "AddStaff",
    "AssignCaseManager",
    "CancelSession",
    "ChangeIn",
    "ChangeMemberDetails",
    "ChangeOffer",
    "ChangePartner",
    "ChangePlace",
    "CloseCase",
    "Command",
    "CorrectEntry",
    "CorrectSession",
    "CreateOffer",
    "DropGoal",
    "EndOffer",
    "EnterParticipant",
    "ErasePersonalData",
    "FamilyCommand",
    "GiveConsent",
    "IssueToken",
    "MakeReferral",
    "MemberIn",
    "OfferWork",
    "OpenCase",
    "ProjectCommand",
    "RecordConsultation",
    "RecordExit",
    "RecordFollowUp",
    "RecordLastPayment",
    "RecordLeavingStatus",
    "RecordMemberLeft",
    "RecordReferralOutcome",
    "RecordSession",
    "ReopenCase",
    "RequestErasure",
    "RetirePartner",
    "RetirePlace",
    "ReviseGoal",
    "RevokeToken",
    "Route",
    "SetDistricts",
    "SetGoal",
    "SetSmallCounts",
    "SubmitReport",
    "Target",
    "WithdrawConsent",
    "case_commands",
    "casework",
    "consent_commands",
    "districts",
    "household",
    "offers",
    "participation",
    "places",
    "reports",
    "retention",
    "small_counts",
    "staff",
]
