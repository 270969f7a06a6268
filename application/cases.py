"""The family-case application: one method per command, queries by id.

Commands load the case, make one domain call and save. A command that names the
version it expects fails with ``StaleVersion`` when the case moved on; without one, a
concurrent append is retried on the fresh state (the domain checks its rules again),
so independent appends both succeed and dependent ones fail with a domain error.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
)
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.utils import Environment, EnvType

from application import erasure_ledger
from application.idempotency import SELECT as SELECT_KEY
from application.idempotency import TABLE as KEY_TABLE
from application.idempotency import KeyReplayed, Receipt, pending_key, receipt_from
from application.integrity import backfill
from application.kept_facts import KeptFacts
from application.keys import (
    FamilyKeys,
    KeyDestroyedError,
    KeyTable,
    PostgresKeyTable,
    SQLiteKeyTable,
)
from application.mapper import PersonalDataMapper
from application.repository import (
    LOCK_STRIPES,
    ReadableSnapshots,
    TakingTurns,
    backoff,
    snapshot_due,
)
from application.settings import Settings
from application.sql import Tables
from application.store import persistence_env, schema_lock
from application.views import CaseView, CommandResult, HistoryEntry, OpenedCase, history_entry

if TYPE_CHECKING:
    from application.commands.base import FamilyCommand
from domain.case_numbers import CaseNumberSequence
from domain.errors import RuleViolation
from domain.family_case import FamilyCase
from domain.kept_facts import kept_for_figures
from domain.records import CaseState
from domain.report_submissions import Figures, ReportSubmissions
from domain.rules import PROGRAMME_TZ
from domain.values import ErasureBasis

MAX_ATTEMPTS = 30
INTAKE_ATTEMPTS = 200
logger = logging.getLogger(__name__)

Guard = Callable[[CaseState], None]
"""Checked on the freshly loaded case before a command runs (access rules): raising
refuses the command on exactly the state it would have changed."""


class CaseNotFound(LookupError):
    def __init__(self, family_id: UUID) -> None:
        super().__init__(f"no family case {family_id}")
        self.family_id = family_id


class NotRecordedYet(CaseNotFound):
    """Nothing of the case had been recorded by the end of that day."""

    def __init__(self, family_id: UUID, as_of: date) -> None:
        super().__init__(family_id)
        self.as_of = as_of


class StaleVersion(RuntimeError):
    """The command expected another version of the case (HTTP 412)."""

    def __init__(self, family_id: UUID, expected: int, actual: int) -> None:
        super().__init__(f"family {family_id} is at version {actual}, not {expected}")
        self.family_id, self.expected, self.actual = family_id, expected, actual

    what = "case"
    """What moved on, as the 412 names it."""


class ConcurrencyConflict(RuntimeError):
    """Writers kept colliding; nothing was stored (HTTP 409)."""


class FamilyCases(Application[UUID]):
    name = "Lotse"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._master_key = self.settings.resolve_master_key()
        interval = self.settings.snapshot_interval
        self.snapshotting_intervals = {  # type: ignore[misc]  # per instance: per settings
            FamilyCase: interval, CaseNumberSequence: interval}
        self._sequence_locks: dict[tuple[str, int], threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._family_locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        self.on_saved: list[Callable[[], None]] = []  # woken after every save
        with schema_lock(self.settings):  # other processes may be starting as well
            super().__init__(env=persistence_env(self.settings))
            self.tables = Tables(self.factory.datastore,  # type: ignore[attr-defined]
                                 self.settings.uses_postgres)
            self.kept_facts = KeptFacts(self.tables, self.keys)
        if backfill.needed(self):  # a store from before the hash chain: link its events
            with schema_lock(self.settings):
                backfill.backfill(self)
        self.reconciled = erasure_ledger.reconcile(self)  # a restored store: erased again

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only Lotse's settings configure the store, never stray process variables."""
        return Environment(name, dict(env or {}))

    def construct_repository(self) -> Repository[UUID]:
        size = self.settings.aggregate_cache_size  # (the library reads 0 as unbounded)
        return TakingTurns(event_store=self.events, snapshot_store=self.snapshots,
                           cache_maxsize=size if size > 0 else None)

    def construct_mapper(self) -> PersonalDataMapper:
        datastore = self.factory.datastore  # type: ignore[attr-defined]
        table: KeyTable = (PostgresKeyTable(datastore) if self.settings.uses_postgres
                           else SQLiteKeyTable(datastore))
        self.keys = FamilyKeys(table, self._master_key, self.settings.key_cache_seconds)
        return PersonalDataMapper(self.keys)

    # ----- commands -------------------------------------------------------------------

    def handle(self, command: FamilyCommand, *, recorded_by: str,
               expected_version: int | None = None,
               guard: Guard | None = None) -> CommandResult:
        """Run a command as ``recorded_by`` without the pipeline's access check and
        idempotency (trusted in-process callers: tests, loaders, the operator's CLI)."""
        return command.run(self, recorded_by, expected_version, guard)

    def open(self, project: str, year: int, family_id: UUID,
             open_with: Callable[[str], FamilyCase]) -> OpenedCase:
        """Intake. The case number comes from the project's sequence for the year of
        intake and is saved in the same transaction as the case."""
        with self._sequence_lock(project, year):
            return self._issue_and_open(family_id, project, year, open_with)

    def _sequence_lock(self, project: str, year: int) -> threading.Lock:
        """Intakes of one process queue for their project's sequence instead of
        colliding; other processes are kept apart by the store and retried."""
        with self._locks_guard:
            return self._sequence_locks.setdefault((project, year), threading.Lock())

    def _issue_and_open(self, family_id: UUID, project: str, year: int,
                        open_with: Callable[[str], FamilyCase]) -> OpenedCase:
        self._replay_if_keyed()  # a twin may have finished while this one queued
        for attempt in range(INTAKE_ATTEMPTS):
            sequence = self._sequence(project, year)
            case_number = sequence.issue(family_id)
            case = open_with(case_number)
            pending = pending_key()
            if pending is not None:
                pending.facts["case_number"] = case_number
            try:
                recordings = self.save(sequence, case)
            except IntegrityError:
                self._replay_if_keyed()
                if family_id in self.repository:
                    raise ConcurrencyConflict(f"family {family_id} exists already") from None
                backoff(attempt)
                continue
            return OpenedCase(family_id=family_id, case_number=case_number,
                              version=case.version,
                              position=recordings[-1].notification.id if recordings else None)
        raise ConcurrencyConflict(f"could not issue a case number in {project}; try again")

    def _sequence(self, project: str, year: int) -> CaseNumberSequence:
        try:
            seq: CaseNumberSequence = self.repository.get(CaseNumberSequence.id_for(project,
                                                                                    year))
        except AggregateNotFoundError:
            seq = CaseNumberSequence.start(project, year)
        return seq

    # ----- erasure --------------------------------------------------------------------

    def erase_personal_data(self, family_id: UUID, *, legal_basis: ErasureBasis | None,
                            note: str | None = None, occurred_on: date,
                            recorded_by: str, expected_version: int | None = None,
                            guard: Guard | None = None, again: bool = False) -> CommandResult:
        """Crypto-shredding: record the erasure, enter it into the erasure ledger (outside
        the store: ``application/erasure_ledger.py``), then destroy the family's key and
        its snapshots. Safe to repeat: a repeat only makes sure the key is gone.

        ``again``: the erasure ledger records an erasure again that the store lacks (the
        family was erased, in the store this one was restored over). It is not entered
        into the ledger a second time, and the domain records it as the fact it is
        (``FamilyCase.record_personal_data_erased``): no rule of when or on which basis
        an erasure may be made refuses it (the commands' checks, such as retention, are
        not run on this path either)."""
        ledger = not again
        case = self._load(family_id)
        if guard is not None:
            guard(case.state)
        if expected_version is not None and case.version != expected_version:
            raise StaleVersion(family_id, expected_version, case.version)
        if case.state.status.value == "erased":
            if ledger:
                erasure_ledger.enter(self, family_id, occurred_on, legal_basis)
            self._finish_erasure(family_id, case.version)
            return CommandResult(family_id, case.version, None)

        def erase(c: FamilyCase) -> None:
            c.record_personal_data_erased(legal_basis=legal_basis, note=note,
                                          occurred_on=occurred_on, recorded_by=recorded_by,
                                          again=again)
            self._keep_facts(family_id)  # (before the erasure is stored: see KeptFacts)

        try:
            result = self.update(family_id, expected_version, guard, erase, snapshot=False)
        except RuleViolation as e:
            if e.rule != "case_erased":
                raise
            result = CommandResult(family_id, self._load(family_id).version, None)
        if ledger:
            erasure_ledger.enter(self, family_id, occurred_on, legal_basis)
        self._finish_erasure(family_id, result.version)
        return result

    def _finish_erasure(self, family_id: UUID, erased_version: int) -> None:
        """Destroy the key and the snapshots, and forget the family's idempotency
        receipts from before the erasure (their request fingerprints were taken over
        personal data; the erasure's own stays, so its repeat is answered as before).
        Safe to repeat, and repeated by every later erasure request of the family."""
        if self.kept_facts.get(family_id) is None:  # (stopped between event and key)
            self._keep_facts(family_id)
        self.keys.destroy(family_id, self._snapshot_table())
        self.tables.execute(self.tables.sql(
            "DELETE FROM {t} WHERE family_id = {p} AND version < {p}", t=KEY_TABLE),
            (family_id.hex, erased_version))

    def _keep_facts(self, family_id: UUID) -> None:
        """Keep what the figures need of the family's events while its key still opens
        them (``domain.kept_facts``): an erasure changes no figure of any period."""
        if self.keys.key_for_reading(family_id) is not None:
            self.kept_facts.store(family_id, kept_for_figures(self.events.get(family_id)))

    # ----- queries ------------------------------------------------------------------

    def get_case(self, family_id: UUID, *, version: int | None = None) -> CaseView:
        """The case now, or as it stood after ``version`` events."""
        if version is not None and version < 1:
            raise CaseNotFound(family_id)
        case = self._load(family_id, version)
        if version is not None and case.version != version:
            raise CaseNotFound(family_id)
        return CaseView(case.id, case.version, case.created_on, case.modified_on, case.state)

    def get_case_as_of(self, family_id: UUID, as_of: date) -> CaseView:
        """The case as it was recorded by the end of ``as_of`` (programme time)."""
        end = datetime.combine(as_of, dtime.max, tzinfo=PROGRAMME_TZ)
        last = 0
        for event in self.events.get(family_id):
            if event.timestamp > end:  # type: ignore[attr-defined]
                break
            last = event.originator_version
        if last == 0:
            raise NotRecordedYet(family_id, as_of)
        return self.get_case(family_id, version=last)

    # ----- submitted reports ---------------------------------------------------------

    def submit_report(self, *, project: str, period: str, as_known: str, figures: Figures,
                      submitted_by: str, submitted_on: date) -> int:
        """Record that ``project`` submitted its report for ``period`` with ``figures``;
        returns the submission's version. Two submissions at once: one is retried."""
        for attempt in range(INTAKE_ATTEMPTS):
            try:
                submissions: ReportSubmissions = self.repository.get(
                    ReportSubmissions.id_for(project))
            except AggregateNotFoundError:
                submissions = ReportSubmissions.start(project)
            submissions.submit(period=period, as_known=as_known, figures=figures,
                               submitted_by=submitted_by, submitted_on=submitted_on)
            try:
                self.save(submissions)
            except IntegrityError:
                backoff(attempt)
                continue
            return submissions.version
        raise ConcurrencyConflict(f"could not record the submission of {project}; try again")

    def report_submissions(self, project: str) -> list[ReportSubmissions.Submitted]:
        """Every submission of ``project``, oldest first."""
        return [e for e in self.events.get(ReportSubmissions.id_for(project))
                if isinstance(e, ReportSubmissions.Submitted)]

    def history(self, family_id: UUID) -> list[HistoryEntry]:
        events = list(self.events.get(family_id))
        if not events or not isinstance(events[0], FamilyCase.CaseOpened):
            raise CaseNotFound(family_id)
        return [history_entry(e) for e in events]

    # ----- plumbing -----------------------------------------------------------------

    def _load(self, family_id: UUID, version: int | None = None, *,
              for_update: bool = False, fresh: bool = True) -> FamilyCase:
        """The case from the aggregate cache (caught up with the store) or the store.

        Commands hold the family's lock and work on the cached object itself (no copy;
        ``_update`` evicts it when a command fails after changing it). A command may
        even start from the cached case without catching up (``fresh=False``): a case
        changed by another process meanwhile makes its save collide, and it is retried
        on the fresh case. Readers take the lock briefly, catch up and get a copy, so
        they never see a command half-way and always see what was recorded."""
        try:
            if for_update and not fresh and self.repository.cache is not None:
                with contextlib.suppress(KeyError):
                    cached: object = self.repository.cache.get(family_id)
                    if isinstance(cached, FamilyCase):
                        return cached
            if for_update or version is not None:
                case: object = self.repository.get(family_id, version=version,
                                                   deepcopy_from_cache=not for_update)
            else:
                with self._family_lock(family_id):
                    case = self.repository.get(family_id)
        except AggregateNotFoundError:
            raise CaseNotFound(family_id) from None
        if not isinstance(case, FamilyCase):
            raise CaseNotFound(family_id)
        return case

    def _family_lock(self, family_id: UUID) -> threading.Lock:
        return self._family_locks[hash(family_id) % LOCK_STRIPES]

    def _evict(self, family_id: UUID) -> None:
        """Forget a cached case a failed command may have changed."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(family_id, evict=True)

    def update(self, family_id: UUID, expected_version: int | None, guard: Guard | None,
                command: Callable[[FamilyCase], Any], *, snapshot: bool = True) -> CommandResult:
        """Load, check, one domain call, save. Writers of one family queue inside this
        process; writers in other processes collide in the store and are retried. The
        first try may decide on the cached case as it is; a refusal is only ever given
        on the case caught up with the store."""
        fresh = False
        with self._family_lock(family_id):
            # A twin of this keyed request may have finished while this one queued.
            self._replay_if_keyed()
            for attempt in range(MAX_ATTEMPTS):
                case = self._load(family_id, for_update=True, fresh=fresh)
                try:
                    if guard is not None:
                        guard(case.state)
                    if expected_version is not None and case.version != expected_version:
                        raise StaleVersion(family_id, expected_version, case.version)
                    command(case)
                except Exception:
                    if case.pending_events:
                        self._evict(family_id)
                    if fresh:
                        self._replay_if_keyed()  # refused: unless a twin got there first
                        raise
                    fresh = True  # decided on a cached case: decide again on the stored one
                    continue
                fresh = True
                try:
                    recordings = self.save(case) if snapshot else self._save_only(case)
                except KeyDestroyedError:
                    self._evict(family_id)
                    continue  # erased meanwhile: the reloaded case refuses with case_erased
                except IntegrityError:
                    # Another writer got there first: decide again on the stored case (the
                    # guard, then If-Match, then the domain's rules), unless a twin of
                    # this keyed request was that writer.
                    self._evict(family_id)
                    self._replay_if_keyed()
                    if expected_version is None:
                        backoff(attempt)
                    continue
                except BaseException:
                    self._evict(family_id)  # the cached case may hold unsaved changes
                    raise
                position = recordings[-1].notification.id if recordings else None
                return CommandResult(family_id, case.version, position)
        raise ConcurrencyConflict(f"family {family_id} kept changing; try again")

    # ----- idempotency keys -------------------------------------------------------------

    def find_receipt(self, scope: str, key: str) -> Receipt | None:
        """What a command sent earlier with this idempotency key stored, if any."""
        row = self.tables.fetchone(self.tables.sql(SELECT_KEY, table=KEY_TABLE), (scope, key))
        return None if row is None else receipt_from(row)

    def _replay_if_keyed(self) -> None:
        """After a collision: if a twin request with the same key won, answer as it did."""
        pending = pending_key()
        if pending is not None:
            receipt = self.find_receipt(pending.scope, pending.key)
            if receipt is not None:
                raise KeyReplayed(receipt)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        return ReadableSnapshots(self.mapper, self.factory.aggregate_recorder("snapshots"))

    def save(self, *objs: Any, **kwargs: Any) -> list[Any]:
        """The library's save for aggregates only (its checks against runtime protocols
        cost a tenth of a command)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """A snapshot of the aggregate just saved when one is due (``snapshot_due``); it
        holds exactly the recorded state (the library would load it again).

        Snapshots only speed up loading: once the events are recorded the command has
        succeeded, so a failed snapshot is logged, never reported as a failed command
        (a retry would record the events twice)."""
        try:
            for event in processing_event.events:
                aggregate: Any = processing_event.aggregates.get(event.originator_id)
                interval = self.snapshotting_intervals.get(type(aggregate))
                if not interval or not snapshot_due(event.originator_version, interval):
                    continue
                if aggregate.version == event.originator_version and self.snapshots:
                    self.snapshots.put([type(aggregate).Snapshot.take(aggregate)])
                else:
                    self.take_snapshot(event.originator_id, version=event.originator_version)
        except Exception:
            logger.exception("snapshot failed after a successful save; loading replays events")

    def _notify(self, recordings: list[Any]) -> None:
        for wake in list(self.on_saved):
            wake()

    def close(self) -> None:
        close_recorder = getattr(self.recorder, "close", None)
        if close_recorder is not None:
            close_recorder()
        super().close()

    def _snapshot_table(self) -> str:
        assert self.snapshots is not None
        return str(self.snapshots.recorder.events_table_name)  # type: ignore[attr-defined]

    def _save_only(self, case: FamilyCase) -> list[Any]:
        return self.events.put(case.collect_events())
