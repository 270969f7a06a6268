"""What every command of the family case checks before it records (the case still
takes entries, the member, stay or goal it names exists) and how it records: the base
of the aggregate's parts (``family_case.py``, ``participation.py``, ``casework.py``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import events as ev
from domain import rules
from domain.errors import NotFound, RuleViolation
from domain.records import CaseState, Goal, Member, MemberData, Participation
from domain.values import CaseStatus


class CaseRules:
    """The family case's guards (a base of ``FamilyCase``, an ``Aggregate``)."""

    if TYPE_CHECKING:
        state: CaseState

        @property
        def id(self) -> UUID: ...

        def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None: ...

    def _today(self, today: date | None) -> date:
        return today or rules.today_in_programme()

    def _check_not_erased(self, occurred_on: date, today: date | None, *,
                          restricted_ok: bool = False) -> None:
        rules.not_in_future(occurred_on, self._today(today), "occurred_on")
        self._check_erased_already()
        request = self.state.erasure_request
        if request is not None and not restricted_ok:
            raise RuleViolation("processing_restricted", f"the family asked for erasure on "
                                f"{request.requested_on}; while the programme's retention "
                                "runs its data are kept but their processing is restricted "
                                "(GDPR Art. 18): the case takes no more entries until it is "
                                "erased", family_id=self.id)
        if occurred_on < self.state.opened_on:
            raise RuleViolation("before_intake", f"{occurred_on} lies before the intake on "
                                f"{self.state.opened_on}", field="occurred_on",
                                family_id=self.id)

    def _check_erased_already(self) -> None:
        if self.state.status is CaseStatus.ERASED:
            raise RuleViolation("case_erased", "the family's personal data was erased; the "
                                "case takes no more entries", family_id=self.id)

    def _check_open(self, occurred_on: date, today: date | None) -> None:
        self._check_not_erased(occurred_on, today)
        if self.state.status is CaseStatus.CLOSED:
            raise RuleViolation("case_closed", "the case is closed; reopen it first",
                                family_id=self.id)

    def _member(self, member_id: UUID) -> Member:
        member = self.state.members.get(member_id)
        if member is None:
            raise NotFound("unknown_member", "the household has no such member",
                           field="member_id", family_id=self.id, member_id=member_id)
        return member

    def _active_participation(self, member_id: UUID) -> Participation | None:
        ps = self.state.participations.get(member_id)
        return ps[-1] if ps and ps[-1].active else None

    def _exit(self, member_id: UUID, exit_on: date | None) -> Participation:
        """The member's participation that ended on ``exit_on`` (the latest such), or the
        latest that ended (``exit_on`` None): the stay a result belongs to."""
        self._member(member_id)
        left = [p for p in self.state.participations.get(member_id, ()) if not p.active]
        if not left:
            raise RuleViolation("not_left", "the member has no recorded ESF+ exit",
                                field="member_id", family_id=self.id, member_id=member_id)
        if exit_on is None:
            return left[-1]
        named = [p for p in left if p.left_on == exit_on]
        if not named:
            exits = ", ".join(str(p.left_on) for p in left)
            raise NotFound("unknown_exit", f"the member has no ESF+ exit on {exit_on} "
                           f"(recorded exits: {exits})", field="exit_on", family_id=self.id,
                           member_id=member_id)
        return named[-1]

    def _open_goal(self, goal_id: UUID) -> Goal:
        goal = self.state.goals.get(goal_id)
        if goal is None:
            raise NotFound("unknown_goal", "the case has no such goal", field="goal_id",
                           family_id=self.id, goal_id=goal_id)
        if goal.status != "open":
            raise RuleViolation("goal_not_open", f"the goal is {goal.status} already",
                                goal_id=goal_id)
        return goal

    def _trigger(self, event_class: type[ev.CaseEvent], occurred_on: date, recorded_by: str,
                 **facts: object) -> None:
        self.trigger_event(event_class, occurred_on=occurred_on,
                           recorded_by=rules.staff_id(recorded_by), **facts)


def new_member(m: MemberData, today: date) -> MemberData:
    if m.birth_date is not None:
        rules.not_in_future(m.birth_date, today, "birth_date")
    return MemberData(
        member_id=m.member_id, role=m.role,
        given_name=rules.text(m.given_name or "", "given_name"),
        family_name=rules.text(m.family_name or "", "family_name"),
        birth_date=m.birth_date, gender=m.gender,
    )

