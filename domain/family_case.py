"""The family case aggregate: one per family and project, from intake to closure.

Its commands are in parts by concern: intake, household, consent, responsibility, life
cycle, corrections and erasure here; ESF+ participation in ``participation.py``;
consultations, goals and referrals in ``casework.py``; the guards all of them share in
``case_rules.py``.

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
from domain.case_rules import new_member
from domain.casework import Casework
from domain.corrections import (
    FUTURE_ALLOWED,
    PERSONAL_CORRECTIONS,
    apply_correction,
    check_consistency,
    parse_change,
)
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.participation import EsfParticipation, check_results_kept
from domain.records import CaseState, FieldChange, MemberData
from domain.values import (
    AccessRoute,
    BenefitSituation,
    CaseStatus,
    ClosureReason,
    ConsentPurpose,
    ErasureBasis,
    Gender,
    MemberRole,
)


class FamilyCase(EsfParticipation, Casework, Aggregate):
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
             recorded_by: str, via_offer_id: UUID | None = None,
             via_session_id: UUID | None = None,
             today: date | None = None) -> FamilyCase:
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
        if via_offer_id is not None and access_route is not AccessRoute.SOCIAL_SPACE_OFFER:
            raise InvalidInput("offer_without_route", "an offer is named only with the "
                               "access route social_space_offer", field="via_offer_id")
        if via_session_id is not None and via_offer_id is None:
            raise InvalidInput("session_without_offer", "a session is named with its offer",
                               field="via_offer_id")
        case = cls._create(
            cls.CaseOpened, id=family_id, occurred_on=occurred_on,
            recorded_by=rules.staff_id(recorded_by), project=rules.project_code(project),
            case_number=case_number, members=tuple(new_member(m, today) for m in members),
            district=rules.text(district, "district"),
            postal_code=rules.postal_code(postal_code),
            street_address=rules.optional_text(street_address, "street_address",
                                               max_len=rules.NAME_MAX),
            access_route=access_route, benefit_situation=benefit_situation,
            consent_purposes=purposes, consent_given_on=consent_given_on, consent_texts=(),
            via_offer_id=via_offer_id, via_session_id=via_session_id,
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
                      member=new_member(member, self._today(today)))

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
        last_exit = max((p.left_on for ps in self.state.participations.values() for p in ps
                         if p.left_on is not None), default=None)
        if last_exit is not None and occurred_on < last_exit:
            raise RuleViolation("closed_before_exit", f"the case cannot be closed before its "
                                f"last ESF+ exit on {last_exit}", field="occurred_on",
                                family_id=self.id)
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
        check_consistency(trial)
        check_results_kept(self.state, trial)
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


