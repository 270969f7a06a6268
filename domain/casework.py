"""The family case's casework: consultations, goals and referrals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain import consent, rules
from domain import events as ev
from domain.case_rules import CaseRules
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.values import (
    ConsentPurpose,
    ContactMode,
    InstitutionType,
    LifeArea,
    ReferralOutcome,
    Topic,
)


class Casework(CaseRules):
    """The casework commands of ``FamilyCase``."""

    def record_consultation(self, *, consultation_id: UUID, duration_minutes: int,
                            mode: ContactMode, topics: Sequence[Topic],
                            members_present: Sequence[UUID], location: str | None,
                            notes: str | None, next_follow_up_on: date | None,
                            occurred_on: date, recorded_by: str,
                            today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        if consultation_id in self.state.consultations:
            raise RuleViolation("duplicate_consultation", "this consultation is recorded "
                                "already", consultation_id=consultation_id)
        if not 1 <= duration_minutes <= 1440:
            raise InvalidInput("duration_out_of_range", "a consultation lasts 1 to 1440 "
                               "minutes", field="duration_minutes")
        if not topics:
            raise InvalidInput("topics_missing", "name at least one topic", field="topics")
        for member_id in members_present:
            self._member(member_id)
        if next_follow_up_on is not None and next_follow_up_on < occurred_on:
            raise InvalidInput("follow_up_before_consultation", "the next follow-up cannot "
                               "precede the consultation", field="next_follow_up_on")
        self._trigger(ev.ConsultationRecorded, occurred_on, recorded_by,
                      consultation_id=consultation_id, duration_minutes=duration_minutes,
                      mode=mode, topics=tuple(dict.fromkeys(topics)),
                      members_present=tuple(dict.fromkeys(members_present)),
                      location=rules.optional_text(location, "location",
                                                   max_len=rules.NAME_MAX),
                      notes=rules.optional_text(notes, "notes"),
                      next_follow_up_on=next_follow_up_on)

    def set_goal(self, *, goal_id: UUID, member_ids: Sequence[UUID], life_area: LifeArea,
                 description: str, target_date: date | None, occurred_on: date,
                 recorded_by: str, today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        if goal_id in self.state.goals:
            raise RuleViolation("duplicate_goal", "this goal is set already", goal_id=goal_id)
        if not member_ids:
            raise InvalidInput("goal_without_member", "a goal concerns at least one member",
                               field="member_ids")
        for member_id in member_ids:
            self._member(member_id)
        if target_date is not None and target_date < occurred_on:
            raise InvalidInput("target_before_start", "the target date cannot precede the "
                               "day the goal is set", field="target_date")
        self._trigger(ev.GoalSet, occurred_on, recorded_by, goal_id=goal_id,
                      member_ids=tuple(dict.fromkeys(member_ids)), life_area=life_area,
                      description=rules.text(description, "description",
                                             max_len=rules.TEXT_MAX, multiline=True),
                      target_date=target_date)

    def revise_goal(self, *, goal_id: UUID, description: str | None, target_date: date | None,
                    reason: str, occurred_on: date, recorded_by: str,
                    today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        goal = self._open_goal(goal_id)
        if description is None and target_date is None:
            raise InvalidInput("nothing_changed", "a revision changes the description or the "
                               "target date", field="description")
        if target_date is not None and target_date < goal.set_on:
            raise InvalidInput("target_before_start", "the target date cannot precede the "
                               "day the goal was set", field="target_date")
        self._trigger(ev.GoalRevised, occurred_on, recorded_by, goal_id=goal_id,
                      description=None if description is None else rules.text(
                          description, "description", max_len=rules.TEXT_MAX,
                          multiline=True),
                      target_date=target_date,
                      reason=rules.text(reason, "reason", max_len=rules.TEXT_MAX,
                                        multiline=True))

    def achieve_goal(self, *, goal_id: UUID, occurred_on: date, recorded_by: str,
                     today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        goal = self._open_goal(goal_id)
        if occurred_on < goal.set_on:
            raise RuleViolation("achieved_before_set", "a goal cannot be achieved before it "
                                "was set", field="occurred_on", goal_id=goal_id)
        self._trigger(ev.GoalAchieved, occurred_on, recorded_by, goal_id=goal_id)

    def drop_goal(self, *, goal_id: UUID, reason: str, occurred_on: date, recorded_by: str,
                  today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        goal = self._open_goal(goal_id)
        if occurred_on < goal.set_on:
            raise RuleViolation("dropped_before_set", "a goal cannot be dropped before it was "
                                "set", field="occurred_on", goal_id=goal_id)
        self._trigger(ev.GoalDropped, occurred_on, recorded_by, goal_id=goal_id,
                      reason=rules.text(reason, "reason", max_len=rules.TEXT_MAX,
                                        multiline=True))

    def make_referral(self, *, referral_id: UUID, member_id: UUID,
                      institution_type: InstitutionType, institution_name: str,
                      purpose: str | None, consent_confirmed: bool, occurred_on: date,
                      recorded_by: str, partner_id: UUID | None = None,
                      today: date | None = None) -> None:
        """A referral passes data to another institution, so it needs consent (not the
        legal basis of the ESF+ data): the family's consent for referrals recorded and in
        force on the referral's date, and the case manager's confirmation that the family
        agreed to this referral (``consent_confirmed``)."""
        self._check_open(occurred_on, today)
        if referral_id in self.state.referrals:
            raise RuleViolation("duplicate_referral", "this referral is recorded already",
                                referral_id=referral_id)
        self._member(member_id)
        if not consent_confirmed:
            raise RuleViolation("referral_without_consent", "a referral needs the member's "
                                "consent to pass on data", field="consent_confirmed",
                                member_id=member_id)
        consent.require(self.state, ConsentPurpose.REFERRAL_TO_PARTNERS, occurred_on,
                        "a referral passes data to another institution: it")
        self._trigger(ev.ReferralMade, occurred_on, recorded_by, referral_id=referral_id,
                      member_id=member_id, institution_type=institution_type,
                      institution_name=rules.text(institution_name, "institution_name"),
                      purpose=rules.optional_text(purpose, "purpose"),
                      consent_confirmed=True, partner_id=partner_id)

    def record_referral_outcome(self, *, referral_id: UUID, outcome: ReferralOutcome,
                                occurred_on: date, recorded_by: str,
                                today: date | None = None) -> None:
        self._check_not_erased(occurred_on, today)
        referral = self.state.referrals.get(referral_id)
        if referral is None:
            raise NotFound("unknown_referral", "the case has no such referral",
                           field="referral_id", family_id=self.id, referral_id=referral_id)
        if referral.outcome is not None and referral.outcome.is_final:
            raise RuleViolation("referral_outcome_final", f"the referral already ended as "
                                f"{referral.outcome.value}", referral_id=referral_id)
        if occurred_on < referral.referred_on:
            raise RuleViolation("outcome_before_referral", "an outcome cannot precede the "
                                "referral", field="occurred_on", referral_id=referral_id)
        self._trigger(ev.ReferralOutcomeRecorded, occurred_on, recorded_by,
                      referral_id=referral_id, outcome=outcome)

