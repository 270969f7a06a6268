"""The family case aggregate: one per family and project, from intake to closure.

Every public method is a command: it checks the rules (raising a ``DomainError`` that
names the rule and the ids, with nothing recorded) and then triggers exactly the
events that record the decision. State is only assigned in the events' ``apply``.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import consent, retention, rules
from domain import events as ev
from domain.corrections import (
    FUTURE_ALLOWED,
    PERSONAL_CORRECTIONS,
    apply_correction,
    parse_change,
)
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.records import (
    CaseState,
    EntryData,
    FieldChange,
    Goal,
    Member,
    MemberData,
    Participation,
)
from domain.values import (
    AccessRoute,
    BenefitSituation,
    CaseStatus,
    ClosureReason,
    ConsentPurpose,
    ContactMode,
    ErasureBasis,
    ExitStatus,
    FollowUpStatus,
    Gender,
    InstitutionType,
    LabourMarketStatus,
    LifeArea,
    MemberRole,
    ReferralOutcome,
    Topic,
)


class FamilyCase(Aggregate):
    """A family's case. ``state`` holds what is known now (see ``CaseState``)."""

    CaseOpened = ev.CaseOpened
    personal_snapshot = True
    snapshot_types = {  # noqa: RUF012 (an annotation would make the aggregate a dataclass)
        "_created_on": datetime, "_modified_on": datetime, "state": CaseState}

    snapshot_version = 2
    """Version 2 of the state keeps consents as changes (``consents``, ``consent_texts``)
    instead of the intake's free-text ``consent_purposes`` and ``consent_given_on``."""

    if TYPE_CHECKING:
        state: CaseState

    @staticmethod
    def upcast_state_v1_v2(attributes: dict[str, Any]) -> None:
        """A snapshot taken before consents were events (its ``snapshot_types``
        attributes as stored): the intake's purposes as ``CaseOpened.upcast_v1_v2`` reads
        them (a snapshot is sealed whole, so its texts were never in clear)."""
        state = attributes["state"]
        codes, texts = consent.from_legacy(state.pop("consent_purposes", None) or ())
        given_on = state.pop("consent_given_on", None)
        state["consents"] = [{"purpose": c, "given": True, "on": given_on, "version": 1}
                             for c in codes]
        state["consent_texts"] = texts

    def __init__(self) -> None:
        """State is assigned by ``CaseOpened.apply``."""

    # ----- intake and household -------------------------------------------------------

    @classmethod
    def open(cls, *, family_id: UUID, project: str, case_number: str,
             members: Sequence[MemberData], district: str, postal_code: str,
             street_address: str | None, access_route: AccessRoute,
             benefit_situation: BenefitSituation,
             consent_purposes: Sequence[ConsentPurpose | str],
             consent_given_on: date, case_manager: str, occurred_on: date,
             recorded_by: str, today: date | None = None) -> FamilyCase:
        today = today or rules.today_in_programme()
        rules.not_in_future(occurred_on, today, "occurred_on")
        rules.not_in_future(consent_given_on, today, "consent_given_on")
        if not members:
            raise InvalidInput("household_empty", "an intake needs at least one member",
                               field="members")
        if not any(m.role is not MemberRole.CHILD for m in members):
            raise InvalidInput("no_adult", "an intake needs at least one adult member",
                               field="members")
        ids = [m.member_id for m in members]
        if len(set(ids)) != len(ids):
            raise InvalidInput("duplicate_member", "member ids must be distinct",
                               field="members")
        manager = rules.text(case_manager, "case_manager", max_len=100)
        purposes = consent.purposes(consent_purposes, "consent_purposes")
        if not purposes:
            raise InvalidInput("consent_missing", "intake needs the purposes consented to",
                               field="consent_purposes")
        case = cls._create(
            cls.CaseOpened, id=family_id, occurred_on=occurred_on,
            recorded_by=rules.staff_id(recorded_by), project=rules.project_code(project),
            case_number=case_number, members=tuple(_member(m, today) for m in members),
            district=rules.text(district, "district"),
            postal_code=rules.postal_code(postal_code),
            street_address=rules.optional_text(street_address, "street_address",
                                               max_len=rules.NAME_MAX),
            access_route=access_route, benefit_situation=benefit_situation,
            consent_purposes=purposes, consent_given_on=consent_given_on, consent_texts=(),
        )
        case.trigger_event(ev.CaseManagerAssigned, occurred_on=occurred_on,
                           recorded_by=rules.staff_id(recorded_by),
                           case_manager=manager,
                           previous_case_manager=None, reason="intake")
        return case

    def add_member(self, *, member: MemberData, occurred_on: date, recorded_by: str,
                   today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        if member.member_id in self.state.members:
            raise RuleViolation("duplicate_member", "the member is already in the household",
                                field="member_id", family_id=self.id,
                                member_id=member.member_id)
        self._trigger(ev.MemberAdded, occurred_on, recorded_by,
                      member=_member(member, self._today(today)))

    def change_member_details(self, *, member_id: UUID, given_name: str | None = None,
                              family_name: str | None = None, birth_date: date | None = None,
                              gender: Gender | None = None, occurred_on: date,
                              recorded_by: str, today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        self._member(member_id)
        if all(v is None for v in (given_name, family_name, birth_date, gender)):
            raise InvalidInput("nothing_changed", "name at least one detail to change")
        if birth_date is not None:
            rules.not_in_future(birth_date, self._today(today), "birth_date")
        self._trigger(ev.MemberDetailsChanged, occurred_on, recorded_by, member_id=member_id,
                      given_name=None if given_name is None
                      else rules.text(given_name, "given_name"),
                      family_name=None if family_name is None
                      else rules.text(family_name, "family_name"),
                      birth_date=birth_date, gender=gender)

    def record_member_left(self, *, member_id: UUID, reason: str | None, occurred_on: date,
                           recorded_by: str, today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        if not self._member(member_id).in_household:
            raise RuleViolation("member_already_left", "the member has already left the "
                                "household", family_id=self.id, member_id=member_id)
        if self._active_participation(member_id):
            raise RuleViolation("participant_still_active", "record the ESF+ exit before the "
                                "member leaves the household", family_id=self.id,
                                member_id=member_id)
        self._trigger(ev.MemberLeftHousehold, occurred_on, recorded_by, member_id=member_id,
                      reason=rules.optional_text(reason, "reason"))

    # ----- ESF+ participation -------------------------------------------------------

    def enter_participant(self, *, member_id: UUID, entry: EntryData, occurred_on: date,
                          recorded_by: str, today: date | None = None) -> None:
        """ESF+ entry of a member supported directly. A member participates at most once
        at a time; entering again after an exit is a re-entry (first entry data stay)."""
        self._check_open(occurred_on, today)
        if not self._member(member_id).in_household:
            raise RuleViolation("member_not_in_household", "the member has left the household",
                                field="member_id", family_id=self.id, member_id=member_id)
        if self._active_participation(member_id):
            raise RuleViolation("already_participating", "the member already entered the "
                                "ESF+ and has not left", field="member_id", family_id=self.id,
                                member_id=member_id)
        previous = self.state.participations.get(member_id, [])
        if previous and previous[-1].left_on and occurred_on < previous[-1].left_on:
            raise RuleViolation("reentry_before_exit", "a re-entry cannot precede the "
                                "previous exit", field="occurred_on", member_id=member_id)
        _check_entry(entry)
        self._trigger(ev.ParticipantEntered, occurred_on, recorded_by, member_id=member_id,
                      entry=entry, reentry=bool(previous))

    def record_exit(self, *, member_id: UUID, status: ExitStatus, occurred_on: date,
                    recorded_by: str, today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        self._member(member_id)
        p = self._active_participation(member_id)
        if p is None:
            raise RuleViolation("not_participating", "the member has no open ESF+ entry",
                                field="member_id", family_id=self.id, member_id=member_id)
        if occurred_on < p.entered_on:
            raise RuleViolation("exit_before_entry", f"the exit date {occurred_on} lies "
                                f"before the entry date {p.entered_on}", field="occurred_on",
                                family_id=self.id, member_id=member_id)
        self._trigger(ev.ParticipantLeft, occurred_on, recorded_by, member_id=member_id,
                      status=status)

    def record_leaving_status(self, *, member_id: UUID, status: ExitStatus, occurred_on: date,
                              recorded_by: str, exit_on: date | None = None,
                              today: date | None = None) -> None:
        """A later status on leaving of the exit on ``exit_on`` (default: the latest),
        dated within 28 days after it: a later one could never count."""
        self._check_not_erased(occurred_on, today)
        p = self._exit(member_id, exit_on)
        assert p.left_on is not None
        if occurred_on < p.left_on:
            raise RuleViolation("status_before_exit", "a status on leaving cannot precede "
                                f"the exit on {p.left_on}", field="occurred_on",
                                member_id=member_id)
        last = rules.last_leaving_status(p.left_on)
        if occurred_on > last:
            raise RuleViolation("status_after_window", "a status on leaving describes the "
                                f"situation within {rules.LEAVING_STATUS_DAYS} days after "
                                f"the exit on {p.left_on}: the last valid date is {last}",
                                field="occurred_on", member_id=member_id)
        self._trigger(ev.LeavingStatusRecorded, occurred_on, recorded_by, member_id=member_id,
                      status=status, exit_version=p.exit_version)

    def record_follow_up(self, *, member_id: UUID, status: FollowUpStatus,
                         better_situation: bool | None, occurred_on: date, recorded_by: str,
                         exit_on: date | None = None, today: date | None = None) -> None:
        """The situation six months after the exit on ``exit_on`` (default: the latest),
        dated no earlier than six calendar months after it (works on closed cases too)."""
        self._check_not_erased(occurred_on, today)
        p = self._exit(member_id, exit_on)
        assert p.left_on is not None
        if occurred_on < p.left_on:
            raise RuleViolation("follow_up_before_exit", "a follow-up cannot precede the exit "
                                f"on {p.left_on}", field="occurred_on", member_id=member_id)
        earliest = rules.earliest_follow_up(p.left_on)
        if occurred_on < earliest:
            raise RuleViolation("follow_up_too_early", "the follow-up describes the situation "
                                f"{rules.FOLLOW_UP_MONTHS} months after the exit on "
                                f"{p.left_on}: the earliest valid date is {earliest}",
                                field="occurred_on", member_id=member_id)
        self._trigger(ev.FollowUpRecorded, occurred_on, recorded_by, member_id=member_id,
                      status=status, better_situation=better_situation,
                      exit_version=p.exit_version)

    # ----- casework -----------------------------------------------------------------

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
                      recorded_by: str, today: date | None = None) -> None:
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
                      consent_confirmed=True)

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

    # ----- consent --------------------------------------------------------------------

    def give_consent(self, *, purpose: ConsentPurpose, occurred_on: date, recorded_by: str,
                     today: date | None = None) -> None:
        self._check_not_erased(occurred_on, today)
        purpose = consent.purposes([purpose], "purpose")[0]
        consent.check_change(self.state, purpose, occurred_on, give=True)
        self._trigger(ev.ConsentGiven, occurred_on, recorded_by, purpose=purpose)

    def withdraw_consent(self, *, purpose: ConsentPurpose, occurred_on: date,
                         recorded_by: str, today: date | None = None) -> None:
        """Works on closed cases too: a family may withdraw consent at any time."""
        self._check_not_erased(occurred_on, today)
        purpose = consent.purposes([purpose], "purpose")[0]
        consent.check_change(self.state, purpose, occurred_on, give=False)
        self._trigger(ev.ConsentWithdrawn, occurred_on, recorded_by, purpose=purpose)

    # ----- responsibility and life cycle --------------------------------------------

    def assign_case_manager(self, *, case_manager: str, reason: str | None, occurred_on: date,
                            recorded_by: str, today: date | None = None) -> None:
        """A transfer to another case manager."""
        self._check_not_erased(occurred_on, today)
        case_manager = rules.text(case_manager, "case_manager", max_len=100)
        if case_manager == self.state.case_manager:
            raise RuleViolation("same_case_manager", "the case is already assigned to "
                                f"{case_manager}", field="case_manager", family_id=self.id)
        self._trigger(ev.CaseManagerAssigned, occurred_on, recorded_by,
                      case_manager=case_manager,
                      previous_case_manager=self.state.case_manager,
                      reason=rules.optional_text(reason, "reason"))

    def close(self, *, reason: ClosureReason, note: str | None, occurred_on: date,
              recorded_by: str, today: date | None = None) -> None:
        self._check_open(occurred_on, today)
        active = [m for m, ps in self.state.participations.items() if ps[-1].active]
        if active:
            raise RuleViolation("participants_still_active", "record the ESF+ exit of every "
                                "participant before closing", family_id=self.id,
                                member_ids=",".join(map(str, active)))
        self._trigger(ev.CaseClosed, occurred_on, recorded_by, reason=reason,
                      note=rules.optional_text(note, "note"))

    def reopen(self, *, reason: str, occurred_on: date, recorded_by: str,
               today: date | None = None) -> None:
        self._check_not_erased(occurred_on, today)
        if self.state.status is not CaseStatus.CLOSED:
            raise RuleViolation("case_not_closed", "only a closed case can be reopened",
                                family_id=self.id)
        assert self.state.closed_on is not None
        if occurred_on < self.state.closed_on:
            raise RuleViolation("reopened_before_closed", "a case cannot be reopened before "
                                "it was closed", field="occurred_on", family_id=self.id)
        self._trigger(ev.CaseReopened, occurred_on, recorded_by,
                      reason=rules.text(reason, "reason", max_len=rules.TEXT_MAX,
                                        multiline=True))

    def correct(self, *, corrected_version: int, changes: Sequence[FieldChange], reason: str,
                occurred_on: date, recorded_by: str, today: date | None = None) -> None:
        """Correct facts of an earlier event; the event itself is never rewritten."""
        self._check_not_erased(occurred_on, today)
        ref = self.state.refs.get(corrected_version)
        if ref is None:
            raise NotFound("unknown_version", f"the case has no event at version "
                           f"{corrected_version}", field="corrected_version",
                           family_id=self.id)
        if not changes:
            raise InvalidInput("nothing_changed", "a correction changes at least one field",
                               field="changes")
        for change in changes:
            value = parse_change(ref.event, change)
            if isinstance(value, date) and change.field not in FUTURE_ALLOWED:
                rules.not_in_future(value, self._today(today), "changes")
        trial = deepcopy(self.state)
        for change in changes:
            apply_correction(trial, corrected_version, ref, change)
        _check_consistency(trial)
        _check_results_kept(self.state, trial)
        self._trigger(ev.EntryCorrected, occurred_on, recorded_by,
                      corrected_version=corrected_version,
                      changes=tuple(FieldChange(c.field, c.value) for c in changes
                                    if c.field not in PERSONAL_CORRECTIONS),
                      sensitive_changes=tuple(FieldChange(c.field, c.value) for c in changes
                                              if c.field in PERSONAL_CORRECTIONS),
                      reason=rules.text(reason, "reason", max_len=rules.TEXT_MAX,
                                        multiline=True))

    def record_personal_data_erased(self, *, legal_basis: ErasureBasis | None,
                                    note: str | None, occurred_on: date, recorded_by: str,
                                    today: date | None = None, again: bool = False) -> None:
        """Records that the family's key is destroyed (the application destroys it), on
        which legal basis; the note is sealed like every free text. The one command a
        restricted case takes (whether retention allows it: ``domain/retention.py``).

        ``again``: the erasure is recorded again from the erasure ledger
        (``application/erasure_ledger.py``): the family WAS erased, in the store this one
        was restored over, on that date and basis (None: not known). No rule of when or
        on which basis an erasure may be made applies to a fact that happened (dates,
        the programme's retention); only an erased case takes no second one."""
        if again:
            self._check_erased_already()
            self._trigger(ev.PersonalDataErased, occurred_on, recorded_by,
                          legal_basis=legal_basis and ErasureBasis(legal_basis), note=None)
            return
        self._check_not_erased(occurred_on, today, restricted_ok=True)
        try:
            basis = ErasureBasis(legal_basis or "")
        except ValueError:
            raise InvalidInput("invalid_legal_basis", f"{legal_basis!r} is not a legal basis "
                               f"of an erasure; one of {', '.join(ErasureBasis)}",
                               field="legal_basis") from None
        self._trigger(ev.PersonalDataErased, occurred_on, recorded_by, legal_basis=basis,
                      note=rules.optional_text(note, "note"))

    def request_erasure(self, *, legal_basis: ErasureBasis, note: str | None,
                        occurred_on: date, recorded_by: str,
                        today: date | None = None) -> None:
        """The family asked for erasure while the programme's retention runs (whether it
        does: ``domain/retention.py``): from now on the case is read-only (GDPR Art. 18)
        until it is erased. Open or closed cases alike."""
        self._check_not_erased(occurred_on, today, restricted_ok=True)
        request = self.state.erasure_request
        if request is not None:
            raise RuleViolation("erasure_already_requested", f"the family asked for erasure "
                                f"on {request.requested_on} already (version "
                                f"{request.version})", family_id=self.id)
        self._trigger(ev.ErasureRequested, occurred_on, recorded_by,
                      legal_basis=retention.request_basis(legal_basis),
                      note=rules.optional_text(note, "note"))

    # ----- guards ---------------------------------------------------------------------

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


def _member(m: MemberData, today: date) -> MemberData:
    if m.birth_date is not None:
        rules.not_in_future(m.birth_date, today, "birth_date")
    return MemberData(
        member_id=m.member_id, role=m.role,
        given_name=rules.text(m.given_name or "", "given_name"),
        family_name=rules.text(m.family_name or "", "family_name"),
        birth_date=m.birth_date, gender=m.gender,
    )


def _check_consistency(state: CaseState) -> None:
    """The rules between dates and facts that a correction must not break."""
    for member_id, ps in state.participations.items():
        for i, p in enumerate(ps):
            _check_entry(p.entry)
            if p.left_on is not None and p.left_on < p.entered_on:
                raise RuleViolation("exit_before_entry", f"the exit date {p.left_on} would lie "
                                    f"before the entry date {p.entered_on}", field="changes",
                                    member_id=member_id)
            previous = ps[i - 1].left_on if i else None
            if previous is not None and p.entered_on < previous:
                raise RuleViolation("reentry_before_exit", "a re-entry would precede the "
                                    "previous exit", field="changes", member_id=member_id)
            if p.entered_on < state.opened_on:
                raise RuleViolation("before_intake", "the entry would lie before the intake",
                                    field="changes", member_id=member_id)
    for c in state.consultations.values():
        if c.held_on < state.opened_on:
            raise RuleViolation("before_intake", "the consultation would lie before the "
                                "intake", field="changes", consultation_id=c.consultation_id)
        if c.next_follow_up_on is not None and c.next_follow_up_on < c.held_on:
            raise RuleViolation("follow_up_before_consultation", "the next follow-up would "
                                "precede the consultation", field="changes",
                                consultation_id=c.consultation_id)
    for g in state.goals.values():
        if g.target_date is not None and g.target_date < g.set_on:
            raise RuleViolation("target_before_start", "the target date would precede the day "
                                "the goal was set", field="changes", goal_id=g.goal_id)


def _results_lawful(left_on: date, statuses: list[date], follow_up_on: date | None) -> bool:
    if any(not left_on <= on <= rules.last_leaving_status(left_on) for on in statuses):
        return False
    return follow_up_on is None or follow_up_on >= rules.earliest_follow_up(left_on)


def _check_results_kept(state: CaseState, trial: CaseState) -> None:
    """A corrected exit date keeps the dates of its stay's results lawful (within 28
    days after it, the follow-up six months or more after it), if they were."""
    for member_id, ps in trial.participations.items():
        for before, after in zip(state.participations[member_id], ps, strict=True):
            if (after.left_on is None or before.left_on is None
                    or before.left_on == after.left_on):
                continue
            statuses = [on for on, _ in after.statuses[1:]]  # (the first: the exit's own)
            if (_results_lawful(before.left_on, statuses, after.follow_up_on)
                    and not _results_lawful(after.left_on, statuses, after.follow_up_on)):
                raise RuleViolation(
                    "results_outside_window", f"the results of the exit would lie outside "
                    f"its dates: statuses within {rules.LEAVING_STATUS_DAYS} days after it "
                    f"({', '.join(map(str, statuses)) or 'none'}), the follow-up "
                    f"{rules.FOLLOW_UP_MONTHS} months or more after it "
                    f"({after.follow_up_on or 'none'})", field="changes", member_id=member_id)


def _check_entry(entry: EntryData) -> None:
    unemployed = entry.labour_market_status is LabourMarketStatus.UNEMPLOYED
    if unemployed and entry.unemployed_months is None:
        raise InvalidInput("unemployment_duration_missing", "an unemployed participant needs "
                           "the months of unemployment", field="unemployed_months")
    if not unemployed and entry.unemployed_months is not None:
        raise InvalidInput("unemployment_duration_without_unemployment", "months of "
                           "unemployment apply only to unemployed participants",
                           field="unemployed_months")
    if entry.unemployed_months is not None and not 0 <= entry.unemployed_months <= 600:
        raise InvalidInput("unemployment_duration_out_of_range", "months of unemployment are "
                           "between 0 and 600", field="unemployed_months")
