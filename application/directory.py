"""Staff accounts and projects, and authentication of bearer tokens.

Every process keeps the directory in memory and catches up with the store (one indexed
query for events newer than the cached version) in the background about every
``REFRESH_SECONDS``: a token revoked in one server process is refused there at once and
by every other process within a second or two.

A token reads ``lotse_<token id>_<secret>``; the directory records the token id and the
SHA-256 digest of the secret. Secrets are 256 random bits, so a fast digest suffices.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.cases import ConcurrencyConflict
from application.idempotency import note_for_repeats
from application.repository import backoff
from domain.directory import DIRECTORY_ID, ProjectRecord, Role, StaffDirectory, StaffRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from application.cases import FamilyCases

TOKEN_PREFIX = "lotse_"  # noqa: S105 (a prefix, not a secret)
MAX_ATTEMPTS = 20
logger = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0


@dataclass(frozen=True)
class Actor:
    """The authenticated staff member behind a request."""

    staff_id: str
    name: str | None
    roles: Mapping[str, Role]
    token_id: str | None = None

    def role_in(self, project: str) -> Role | None:
        return self.roles.get(project)


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token: shown once, never stored in this form."""

    staff_id: str
    token_id: str
    token: str


@dataclass(frozen=True)
class StaffView:
    staff_id: str
    name: str | None
    roles: Mapping[str, Role]
    active_tokens: tuple[str, ...]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token(staff_id: str) -> tuple[IssuedToken, str]:
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return IssuedToken(staff_id, token_id, f"{TOKEN_PREFIX}{token_id}_{secret}"), _digest(secret)




class Directory:
    """Commands and lookups on the staff directory of one application."""

    def __init__(self, cases: FamilyCases) -> None:
        self.cases = cases
        self._lock = threading.Lock()
        self._cached: StaffDirectory | None = None
        self._checked_at = 0.0
        self._refreshing = False

    # ----- commands -------------------------------------------------------------------

    def add_project(self, *, code: str, name: str, yearly_target: int | None,
                    recorded_by: str) -> ProjectRecord:
        self._change(lambda d: d.add_project(code=code, name=name,
                                             yearly_target=yearly_target,
                                             recorded_by=recorded_by))
        return self.current().project(code)

    def record_last_payment(self, *, project: str, paid_on: date,
                            recorded_by: str) -> ProjectRecord:
        """The day of the programme's last payment to ``project`` (retention runs from it);
        refused before the latest date of the project's casework, read from the log
        (``application/retention.py``)."""
        from application.retention import project_casework

        casework = project_casework(self.cases, project)
        self._change(lambda d: d.record_last_payment(project=project, paid_on=paid_on,
                                                     recorded_by=recorded_by,
                                                     casework=casework))
        return self.current().project(project)

    def set_districts(self, *, project: str, districts: Sequence[str],
                      recorded_by: str) -> ProjectRecord:
        """The districts an intake in ``project`` chooses from (replacing earlier ones)."""
        self._change(lambda d: d.set_districts(project=project, districts=districts,
                                               recorded_by=recorded_by))
        return self.current().project(project)

    def set_small_counts(self, *, project: str, hidden: bool,
                         recorded_by: str) -> ProjectRecord:
        """The "< 5" rule of ``project``'s statistics for reporting users, on or off."""
        self._change(lambda d: d.set_small_counts(project=project, hidden=hidden,
                                                  recorded_by=recorded_by))
        return self.current().project(project)

    def change(self, command: Callable[[StaffDirectory], None]) -> None:
        """Run one command on the directory and save its events (places, partners:
        ``application/commands/places.py``)."""
        self._change(command)

    def add_staff(self, *, name: str, project: str, role: Role,
                  recorded_by: str) -> IssuedToken:
        """A new staff account with one role and a first token."""
        staff_id = f"st-{secrets.token_hex(4)}"
        issued, digest = new_token(staff_id)
        note_for_repeats(staff_id=staff_id, token_id=issued.token_id)

        def command(d: StaffDirectory) -> None:
            d.add_staff(staff_id=staff_id, name=name, project=project, role=role,
                        recorded_by=recorded_by)
            d.issue_token(staff_id=staff_id, token_id=issued.token_id, digest=digest,
                          recorded_by=recorded_by)

        self._change(command)
        return issued

    def grant_role(self, *, staff_id: str, project: str, role: Role,
                   recorded_by: str) -> None:
        self._change(lambda d: d.grant_role(staff_id=staff_id, project=project, role=role,
                                            recorded_by=recorded_by))

    def withdraw_role(self, *, staff_id: str, project: str, recorded_by: str) -> None:
        self._change(lambda d: d.withdraw_role(staff_id=staff_id, project=project,
                                               recorded_by=recorded_by))

    def issue_token(self, *, staff_id: str, recorded_by: str) -> IssuedToken:
        issued, digest = new_token(staff_id)
        note_for_repeats(staff_id=staff_id, token_id=issued.token_id)
        self._change(lambda d: d.issue_token(staff_id=staff_id, token_id=issued.token_id,
                                             digest=digest, recorded_by=recorded_by))
        return issued

    def revoke_token(self, *, staff_id: str, token_id: str, recorded_by: str) -> None:
        self._change(lambda d: d.revoke_token(staff_id=staff_id, token_id=token_id,
                                              recorded_by=recorded_by))

    # ----- lookups --------------------------------------------------------------------

    def authenticate(self, token: str) -> Actor | None:
        """The staff member a bearer token belongs to; ``None`` for an unknown, malformed
        or revoked token, or for staff without any role."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        token_id, sep, secret = token[len(TOKEN_PREFIX):].partition("_")
        if not sep or not secret:
            return None
        directory = self.current()
        member = directory.owner_of(token_id)
        if member is None:
            return None
        record = member.tokens[token_id]
        if not record.active or not hmac.compare_digest(record.digest, _digest(secret)):
            return None
        if not member.roles:
            return None
        return Actor(member.staff_id, member.name, dict(member.roles), token_id)

    def actor_for(self, staff_id: str) -> Actor | None:
        """A signed-in person as the policy sees them (``None``: unknown, or no role
        left: a withdrawn role ends what a session may do at once)."""
        member = self.current().staff.get(staff_id)
        if member is None or not member.roles:
            return None
        return Actor(member.staff_id, member.name, dict(member.roles))

    def projects(self) -> list[ProjectRecord]:
        return sorted(self.current().projects.values(), key=lambda p: p.code)

    def project(self, code: str) -> ProjectRecord:
        return self.current().project(code)

    def staff(self, project: str | None = None) -> list[StaffView]:
        members: list[StaffRecord] = list(self.current().staff.values())
        if project is not None:
            members = [m for m in members if project in m.roles]
        return [StaffView(m.staff_id, m.name, dict(m.roles),
                          tuple(t.token_id for t in m.tokens.values() if t.active))
                for m in sorted(members, key=lambda m: m.staff_id)]

    def member(self, staff_id: str) -> StaffView:
        m = self.current().member(staff_id)
        return StaffView(m.staff_id, m.name, dict(m.roles),
                         tuple(t.token_id for t in m.tokens.values() if t.active))

    def current(self) -> StaffDirectory:
        """The directory as this process knows it: loaded once, then caught up with
        the store in a background thread at most every ``REFRESH_SECONDS``, so a
        request never waits for the store here (it may run on the server's event loop).
        Changes made through this process are in it at once (``_change``)."""
        with self._lock:
            cached = self._cached
            stale = time.monotonic() - self._checked_at >= REFRESH_SECONDS
            start = cached is not None and stale and not self._refreshing
            if start:
                self._refreshing = True
        if cached is None:
            return self._reload()
        if start:
            threading.Thread(target=self._refresh, name="lotse-directory",
                             daemon=True).start()
        return cached

    def _refresh(self) -> None:
        try:
            with self._lock:
                cached = self._cached
            if cached is None:
                return
            news = list(self.cases.events.get(DIRECTORY_ID, gt=cached.version))
            with self._lock:
                if news and self._cached is cached:  # a new object: readers may hold the old
                    fresh = copy.deepcopy(cached)
                    for event in news:
                        event.mutate(fresh)  # type: ignore[attr-defined]
                    self._cached = fresh
                self._checked_at = time.monotonic()
        except Exception:
            logger.exception("could not catch up with the staff directory; trying again")
        finally:
            with self._lock:
                self._refreshing = False

    def _reload(self) -> StaffDirectory:
        loaded = self._load()
        with self._lock:
            self._cached, self._checked_at = loaded, time.monotonic()
        return loaded

    # ----- plumbing -------------------------------------------------------------------

    def _load(self) -> StaffDirectory:
        try:
            found: Any = self.cases.repository.get(DIRECTORY_ID)
        except AggregateNotFoundError:
            return StaffDirectory.start()
        assert isinstance(found, StaffDirectory)
        return found

    def _change(self, command: Callable[[StaffDirectory], None]) -> None:
        for attempt in range(MAX_ATTEMPTS):
            directory = self._load()  # a copy of its own: readers keep the cached one
            command(directory)
            try:
                self.cases.save(directory)
            except IntegrityError:
                self.cases._replay_if_keyed()
                backoff(attempt)
                continue
            self._reload()
            return
        raise ConcurrencyConflict("the staff directory kept changing; try again")
