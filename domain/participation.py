"""The family case's ESF+ participation: entries, exits and the results of each stay
(a status on leaving within 28 days after the exit, the six-month follow-up)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain import events as ev
from domain import rules
from domain.case_rules import CaseRules
from domain.errors import InvalidInput, RuleViolation
from domain.records import CaseState, EntryData
from domain.values import ExitStatus, FollowUpStatus, LabourMarketStatus


class EsfParticipation(CaseRules):
    """The participation commands of ``FamilyCase``."""

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
        check_entry(entry)
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


def results_lawful(left_on: date, statuses: list[date], follow_up_on: date | None) -> bool:
    if any(not left_on <= on <= rules.last_leaving_status(left_on) for on in statuses):
        return False
    return follow_up_on is None or follow_up_on >= rules.earliest_follow_up(left_on)


def check_results_kept(state: CaseState, trial: CaseState) -> None:
    """A corrected exit date keeps the dates of its stay's results lawful (within 28
    days after it, the follow-up six months or more after it), if they were."""
    for member_id, ps in trial.participations.items():
        for before, after in zip(state.participations[member_id], ps, strict=True):
            if (after.left_on is None or before.left_on is None
                    or before.left_on == after.left_on):
                continue
            statuses = [on for on, _ in after.statuses[1:]]  # (the first: the exit's own)
            if (results_lawful(before.left_on, statuses, after.follow_up_on)
                    and not results_lawful(after.left_on, statuses, after.follow_up_on)):
                raise RuleViolation(
                    "results_outside_window", f"the results of the exit would lie outside "
                    f"its dates: statuses within {rules.LEAVING_STATUS_DAYS} days after it "
                    f"({', '.join(map(str, statuses)) or 'none'}), the follow-up "
                    f"{rules.FOLLOW_UP_MONTHS} months or more after it "
                    f"({after.follow_up_on or 'none'})", field="changes", member_id=member_id)


def check_entry(entry: EntryData) -> None:
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
