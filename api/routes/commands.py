"""One endpoint per event of the catalogue: what case managers and coordinators record.

Every command answers with the family's new version (also as ``ETag``), accepts
``If-Match`` (412 on a stale version, nothing recorded) and ``Idempotency-Key`` (a
repeat returns the first answer and records nothing new).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api import policy
from api.commands import Context
from api.deps import COMMAND_HEADERS
from api.problems import COMMAND_RESPONSES
from api.responses import CommandAccepted
from api.schemas import (
    AssignmentIn,
    ClosureIn,
    ConsultationIn,
    CorrectionIn,
    DatedIn,
    FollowUpIn,
    GoalIn,
    GoalRevisionIn,
    IntakeIn,
    MemberAddIn,
    MemberDetailsIn,
    MemberLeftIn,
    ParticipantIn,
    ReasonIn,
    ReferralIn,
    ReferralOutcomeIn,
    StatusIn,
)
from application.cases import Guard
from application.views import CommandResult
from domain.records import CaseState, EntryData, FieldChange, MemberData
from domain.rules import today_in_programme

router = APIRouter(prefix="/families", tags=["commands"], responses=COMMAND_RESPONSES)
Route = TypeVar("Route", bound=Callable[..., JSONResponse])


def command(path: str, *, summary: str, status_code: int = 200) -> Callable[[Route], Route]:
    return router.post(path, summary=summary, status_code=status_code,
                       response_model=CommandAccepted,
                       openapi_extra={"parameters": COMMAND_HEADERS})
A = policy.Action


def _on(value: date | None) -> date:
    return value if value is not None else today_in_programme()


@command("", status_code=201, summary="Intake: open a family's case")
def open_case(body: IntakeIn, ctx: Context) -> JSONResponse:
    """Opens a case with its household; the case number comes from the project's
    sequence (e.g. `KR-2026-0042`)."""
    case_manager = policy.check_intake_case_manager(ctx.actor, body.project, body.case_manager)
    ctx.case_manager_of(body.project, case_manager)
    family_id = uuid4()
    members = [MemberData(uuid4(), m.role, m.given_name, m.family_name, m.birth_date,
                          m.gender) for m in body.members]
    return ctx.run(family_id, A.OPEN_CASE, lambda guard, expected: ctx.services.cases.open_case(
        project=body.project, members=members, district=body.district,
        postal_code=body.postal_code, street_address=body.street_address,
        access_route=body.access_route, benefit_situation=body.benefit_situation,
        consent_purposes=body.consent_purposes, consent_given_on=body.consent_given_on,
        case_manager=case_manager, occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, family_id=family_id),
        facts={"member_ids": [str(m.member_id) for m in members]}, status=201)


@command("/{family_id}/members", summary="Add a household member")
def add_member(family_id: UUID, body: MemberAddIn, ctx: Context) -> JSONResponse:
    member = MemberData(uuid4(), body.role, body.given_name, body.family_name,
                        body.birth_date, body.gender)
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.add_member(
        family_id, member=member, occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard),
        facts={"member_id": str(member.member_id)})


@command("/{family_id}/members/{member_id}/details",
             summary="Change a member's name, birth date or gender")
def change_member_details(family_id: UUID, member_id: UUID, body: MemberDetailsIn,
                          ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.change_member_details(
            family_id, member_id=member_id, given_name=body.given_name,
            family_name=body.family_name, birth_date=body.birth_date, gender=body.gender,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/members/{member_id}/departure",
             summary="Record that a member left the household")
def record_member_left(family_id: UUID, member_id: UUID, body: MemberLeftIn,
                       ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.record_member_left(
            family_id, member_id=member_id, reason=body.reason,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/participants", summary="ESF+ entry of a participant")
def enter_participant(family_id: UUID, body: ParticipantIn, ctx: Context) -> JSONResponse:
    entry = EntryData(body.labour_market_status, body.unemployed_months, body.isced,
                      body.disability, body.citizenship, body.foreign_background,
                      body.minority, body.homeless, body.rural)
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.enter_participant(
            family_id, member_id=body.member_id, entry=entry,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/participants/{member_id}/exit",
             summary="ESF+ exit of a participant, with the status on leaving")
def record_exit(family_id: UUID, member_id: UUID, body: StatusIn,
                ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.record_exit(
        family_id, member_id=member_id, status=body.status,
        occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard))


@command("/{family_id}/participants/{member_id}/leaving-status",
             summary="A later status on leaving, within 28 days of the exit")
def record_leaving_status(family_id: UUID, member_id: UUID, body: StatusIn,
                          ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.record_leaving_status(
            family_id, member_id=member_id, status=body.status,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/follow-ups",
             summary="Six-month follow-up of a participant who left")
def record_follow_up(family_id: UUID, body: FollowUpIn, ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.record_follow_up(
            family_id, member_id=body.member_id, status=body.status,
            better_situation=body.better_situation,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/consultations", summary="Record a consultation")
def record_consultation(family_id: UUID, body: ConsultationIn, ctx: Context) -> JSONResponse:
    consultation_id = uuid4()
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.record_consultation(
            family_id, duration_minutes=body.duration_minutes, mode=body.mode,
            topics=body.topics, members_present=body.members_present,
            location=body.location, notes=body.notes,
            next_follow_up_on=body.next_follow_up_on,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, consultation_id=consultation_id,
            expected_version=expected, guard=guard)),
        facts={"consultation_id": str(consultation_id)})


@command("/{family_id}/goals", summary="Set a goal")
def set_goal(family_id: UUID, body: GoalIn, ctx: Context) -> JSONResponse:
    goal_id = uuid4()
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.set_goal(
        family_id, member_ids=body.member_ids, life_area=body.life_area,
        description=body.description, target_date=body.target_date,
        occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, goal_id=goal_id, expected_version=expected,
        guard=guard), facts={"goal_id": str(goal_id)})


@command("/{family_id}/goals/{goal_id}/revisions", summary="Revise a goal")
def revise_goal(family_id: UUID, goal_id: UUID, body: GoalRevisionIn,
                ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.revise_goal(
        family_id, goal_id=goal_id, description=body.description,
        target_date=body.target_date, reason=body.reason,
        occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard))


@command("/{family_id}/goals/{goal_id}/achievement", summary="A goal was achieved")
def achieve_goal(family_id: UUID, goal_id: UUID, body: DatedIn, ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.achieve_goal(
            family_id, goal_id=goal_id,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/goals/{goal_id}/drop", summary="Drop a goal, with the reason")
def drop_goal(family_id: UUID, goal_id: UUID, body: ReasonIn, ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.drop_goal(
        family_id, goal_id=goal_id, reason=body.reason,
        occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard))


@command("/{family_id}/referrals", summary="Refer a member to an institution")
def make_referral(family_id: UUID, body: ReferralIn, ctx: Context) -> JSONResponse:
    referral_id = uuid4()
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.make_referral(
            family_id, member_id=body.member_id, institution_type=body.institution_type,
            institution_name=body.institution_name, purpose=body.purpose,
            consent_confirmed=body.consent_confirmed,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, referral_id=referral_id,
            expected_version=expected, guard=guard)),
        facts={"referral_id": str(referral_id)})


@command("/{family_id}/referrals/{referral_id}/outcomes",
             summary="Record what came of a referral")
def record_referral_outcome(family_id: UUID, referral_id: UUID, body: ReferralOutcomeIn,
                            ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.record_referral_outcome(
            family_id, referral_id=referral_id, outcome=body.outcome,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/assignment",
             summary="Assign or transfer the case to a case manager (coordinators)")
def assign_case_manager(family_id: UUID, body: AssignmentIn, ctx: Context) -> JSONResponse:
    def command(guard: Guard, expected: int | None) -> CommandResult:
        def checked(state: CaseState) -> None:
            guard(state)
            ctx.case_manager_of(state.project, body.case_manager)
        return ctx.services.cases.assign_case_manager(
            family_id, case_manager=body.case_manager, reason=body.reason,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=checked)
    return ctx.run(family_id, A.ASSIGN, command)


@command("/{family_id}/closure", summary="Close the case")
def close_case(family_id: UUID, body: ClosureIn, ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.close_case(
        family_id, reason=body.reason, note=body.note,
        occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard))


@command("/{family_id}/reopening", summary="Reopen a closed case")
def reopen_case(family_id: UUID, body: ReasonIn, ctx: Context) -> JSONResponse:
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: ctx.services.cases.reopen_case(
        family_id, reason=body.reason, occurred_on=_on(body.occurred_on),
        recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard))


@command("/{family_id}/corrections",
             summary="Correct facts of an earlier event (by version), with a reason")
def correct_entry(family_id: UUID, body: CorrectionIn, ctx: Context) -> JSONResponse:
    changes = [FieldChange(c.field, c.value) for c in body.changes]
    return ctx.run(family_id, A.CASEWORK, lambda guard, expected: (
        ctx.services.cases.correct_entry(
            family_id, corrected_version=body.corrected_version, changes=changes,
            reason=body.reason, occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)))


@command("/{family_id}/erasure",
             summary="Erase the family's personal data (coordinators)")
def erase_personal_data(family_id: UUID, body: ReasonIn, ctx: Context) -> JSONResponse:
    """Destroys the family's key: names, birth dates, notes and the special-category
    ESF+ items become unreadable everywhere; the rest of the history stays."""
    answer = ctx.run(family_id, A.ERASE, lambda guard, expected: (
        ctx.services.cases.erase_personal_data(
            family_id, reason=body.reason,
            occurred_on=_on(body.occurred_on),
            recorded_by=ctx.actor.staff_id, expected_version=expected, guard=guard)),
        rerun_on_repeat=True)
    ctx.services.index.catch_up()  # the names' search tokens go at once, too
    return answer
