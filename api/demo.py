"""A fictional family's story, recorded end to end through the application."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

from application.cases import FamilyCases
from domain.records import EntryData, FieldChange, MemberData
from domain.values import (
    AccessRoute,
    Answer,
    BenefitSituation,
    Citizenship,
    ClosureReason,
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


def record_demo_family(app: FamilyCases, today: date) -> UUID:
    """The Kaya-Hoffmann family in Krefeld: intake through Kita, a mother back into work,
    debt counselling, a transfer, exit, closure and the six-month follow-up."""
    start = today - timedelta(days=300)
    mother = MemberData(uuid4(), MemberRole.PARENT, "Selin", "Kaya-Hoffmann",
                        date(1994, 2, 11), Gender.FEMALE)
    father = MemberData(uuid4(), MemberRole.PARENT, "Jonas", "Hoffmann", date(1990, 7, 30),
                        Gender.MALE)
    child = MemberData(uuid4(), MemberRole.CHILD, "Mia", "Kaya-Hoffmann", date(2021, 4, 2),
                       Gender.FEMALE)
    cm = "cm-demo-anna"
    opened = app.open_case(
        project="KR", members=[mother, father, child], district="Krefeld-Süd",
        postal_code="47805", street_address="Ritterstraße 7", access_route=AccessRoute.KITA,
        benefit_situation=BenefitSituation.SGB_II,
        consent_purposes=["ESF+ reporting", "referrals to partner institutions"],
        consent_given_on=start, case_manager=cm, occurred_on=start, recorded_by=cm)
    fid = opened.family_id

    def day(n: int) -> date:
        return start + timedelta(days=n)

    app.enter_participant(fid, member_id=mother.member_id, entry=EntryData(
        LabourMarketStatus.UNEMPLOYED, 26, IscedBand.ISCED_3_4, Answer.NO, Citizenship.EU,
        Answer.YES, Answer.DECLINED, Answer.NO, False), occurred_on=day(0), recorded_by=cm)
    app.record_consultation(fid, duration_minutes=90, mode=ContactMode.HOME_VISIT,
                            topics=[Topic.MONEY_AND_DEBTS, Topic.RETURN_TO_WORK],
                            members_present=[mother.member_id, father.member_id],
                            location="at home", notes="Letters from two creditors; Selin "
                            "wants to work part-time again.", next_follow_up_on=day(14),
                            occurred_on=day(3), recorded_by=cm)
    goal = uuid4()
    app.set_goal(fid, goal_id=goal, member_ids=[mother.member_id], life_area=LifeArea.WORK,
                 description="Part-time job in retail by summer", target_date=day(180),
                 occurred_on=day(3), recorded_by=cm)
    referral = uuid4()
    app.make_referral(fid, referral_id=referral, member_id=father.member_id,
                      institution_type=InstitutionType.DEBT_COUNSELLING,
                      institution_name="Schuldnerberatung Krefeld",
                      purpose="Debt overview and repayment plan", consent_confirmed=True,
                      occurred_on=day(10), recorded_by=cm)
    app.record_referral_outcome(fid, referral_id=referral, outcome=ReferralOutcome.ACCEPTED,
                                occurred_on=day(17), recorded_by=cm)
    app.record_consultation(fid, duration_minutes=45, mode=ContactMode.ACCOMPANIED_APPOINTMENT,
                            topics=[Topic.JOB_SEARCH], members_present=[mother.member_id],
                            location="Jobcenter Krefeld", notes="Accompanied to the Jobcenter.",
                            next_follow_up_on=day(40), occurred_on=day(24), recorded_by=cm)
    app.assign_case_manager(fid, case_manager="cm-demo-bora", reason="Anna goes on parental "
                            "leave", occurred_on=day(60), recorded_by="coord-demo")
    cm = "cm-demo-bora"
    app.revise_goal(fid, goal_id=goal, description=None, target_date=day(240),
                    reason="Childcare place starts later", occurred_on=day(70), recorded_by=cm)
    app.record_referral_outcome(fid, referral_id=referral,
                                outcome=ReferralOutcome.FIRST_APPOINTMENT_KEPT,
                                occurred_on=day(75), recorded_by=cm)
    app.achieve_goal(fid, goal_id=goal, occurred_on=day(200), recorded_by=cm)
    app.record_exit(fid, member_id=mother.member_id, status=ExitStatus.EMPLOYED,
                    occurred_on=day(205), recorded_by=cm)
    app.correct_entry(fid, corrected_version=3, changes=[FieldChange("unemployed_months",
                                                                     "28")],
                      reason="Jobcenter letter shows 28 months", occurred_on=day(206),
                      recorded_by=cm)
    app.close_case(fid, reason=ClosureReason.GOALS_ACHIEVED, note="Family doing well.",
                   occurred_on=day(210), recorded_by=cm)
    app.record_follow_up(fid, member_id=mother.member_id, status=FollowUpStatus.EMPLOYED,
                         better_situation=None, occurred_on=min(day(390), today),
                         recorded_by=cm)
    return fid
