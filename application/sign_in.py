"""Sign-in for people: user names, passwords (argon2id), sessions and the sign-in log.

Bearer tokens stay for programs; people sign in to the web interface with a user name
and a password. Neither lives in the event log: a password changes, and an old hash
kept forever in an immutable log would be an attack surface for no audit value. What
the audit needs, who signed in when and who failed, is the sign-in log.

- **Passwords** are hashed with argon2id (``argon2-cffi``'s defaults, RFC 9106's second
  recommended profile); a hash made with weaker parameters is re-hashed at the next
  successful sign-in. An unknown user name is checked against a dummy hash, so it takes
  as long as a wrong password.
- **Slowing down**: after ``FREE_FAILURES`` failed sign-ins for a user name or from an
  address within ``FAILURE_WINDOW``, each further attempt must wait twice as long as the
  one before (from 2 s up to 15 minutes), whatever the password.
- **Sessions**: 256 random bits in a cookie; only their SHA-256 digest is stored, with the
  staff member, a CSRF token and when it was last used. A session unused for
  ``IDLE_MINUTES`` ends; signing in always starts a new one (no fixation), signing out
  deletes it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from application.sql import Tables

if TYPE_CHECKING:
    from application.cases import FamilyCases
from domain.errors import InvalidInput

CREDENTIALS = "lotse_credentials"
SESSIONS = "lotse_web_sessions"
SIGN_INS = "lotse_sign_ins"

IDLE_MINUTES = 30
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LONGEST_WAIT = timedelta(minutes=15)
MIN_PASSWORD = 10
MAX_PASSWORD = 200
USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,49}")

LIGHT = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
"""For test suites only (``Settings.password_hashing``)."""


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebSession:
    """A signed-in person's session (as found by its cookie)."""

    staff_id: str
    csrf: str
    created_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class SignInEntry:
    at: datetime
    user_name: str
    staff_id: str | None
    outcome: str  # signed_in, wrong_password, unknown_user, slowed_down, signed_out, expired
    address: str | None


class Refused(Exception):
    """A sign-in that must wait (``wait``: seconds until another attempt is taken)."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {wait} s")
        self.wait = wait


def check_password(password: str) -> None:
    """The rules of a new password (``InvalidInput`` naming the rule otherwise)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput("password_too_short", f"a password needs at least {MIN_PASSWORD} "
                           "characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("password_too_long", f"a password has at most {MAX_PASSWORD} "
                           "characters", field="password")


def check_user_name(user_name: str) -> None:
    if not USER_NAME.fullmatch(user_name):
        raise InvalidInput("invalid_user_name", "a user name has 2-50 characters: lower-case "
                           "letters, digits, '.', '_' or '-', starting with a letter or "
                           "digit", field="user_name")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SignIns:
    """Credentials, sessions and the sign-in log in the application's store."""

    def __init__(self, tables: Tables, hasher: PasswordHasher | None = None) -> None:
        self.tables = tables
        self._hasher = hasher or PasswordHasher()
        key = "BIGSERIAL PRIMARY KEY" if tables.postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
        for statement in (
            "CREATE TABLE IF NOT EXISTS {c} (staff_id TEXT PRIMARY KEY, user_name TEXT NOT "
            "NULL UNIQUE, hash TEXT NOT NULL, set_at TEXT NOT NULL, set_by TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {s} (digest TEXT PRIMARY KEY, staff_id TEXT NOT NULL, "
            "csrf TEXT NOT NULL, created_at TEXT NOT NULL, seen_at TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {l} (id " + key + ", at TEXT NOT NULL, user_name TEXT "
            "NOT NULL, staff_id TEXT, outcome TEXT NOT NULL, address TEXT)",
            "CREATE INDEX IF NOT EXISTS lotse_sign_ins_user ON {l} (user_name, at)",
            "CREATE INDEX IF NOT EXISTS lotse_sign_ins_address ON {l} (address, at)",
        ):
            tables.execute(tables.sql(statement, c=CREDENTIALS, s=SESSIONS, l=SIGN_INS))

    @classmethod
    def for_cases(cls, cases: FamilyCases) -> SignIns:
        """Sign-ins in the store of ``cases``, hashing as its settings say."""
        light = cases.settings.password_hashing == "light"  # noqa: S105 (a name)
        return cls(cases.tables, LIGHT if light else None)

    # ----- passwords --------------------------------------------------------------------
    def set_password(self, staff_id: str, user_name: str, password: str, *,
                     set_by: str) -> None:
        """Give ``staff_id`` this user name and password (replacing earlier ones); every
        session of theirs ends (a reset locks out whoever knew the old password)."""
        check_user_name(user_name)
        check_password(password)
        hashed = self._hasher.hash(password)
        t = self.tables
        with t.transaction(commit=True) as c:
            taken = c.execute(t.sql("SELECT staff_id FROM {c} WHERE user_name = {p}",
                                    c=CREDENTIALS), (user_name,)).fetchone()
            if taken is not None and taken[0] != staff_id:
                raise InvalidInput("user_name_taken", f"the user name {user_name!r} belongs "
                                   "to someone else", field="user_name")
            c.execute(t.sql("INSERT INTO {c} (staff_id, user_name, hash, set_at, set_by) "
                            "VALUES ({p}, {p}, {p}, {p}, {p}) ON CONFLICT (staff_id) DO UPDATE "
                            "SET user_name = excluded.user_name, hash = excluded.hash, "
                            "set_at = excluded.set_at, set_by = excluded.set_by",
                            c=CREDENTIALS),
                      (staff_id, user_name, hashed, now().isoformat(), set_by))
            c.execute(t.sql("DELETE FROM {s} WHERE staff_id = {p}", s=SESSIONS), (staff_id,))

    def user_name_of(self, staff_id: str) -> str | None:
        row = self.tables.fetchone(self.tables.sql(
            "SELECT user_name FROM {c} WHERE staff_id = {p}", c=CREDENTIALS), (staff_id,))
        return None if row is None else str(row[0])

    def user_names(self) -> dict[str, str]:
        """Every staff member with a password: staff id → user name."""
        return {str(s): str(u) for s, u in self.tables.fetchall(self.tables.sql(
            "SELECT staff_id, user_name FROM {c}", c=CREDENTIALS))}

    def sign_in(self, user_name: str, password: str, address: str | None,
                at: datetime | None = None) -> str | None:
        """The staff id whose password this is (None: wrong user name or password); each
        attempt is logged. ``Refused`` while failures slow this user name or address."""
        at = at or now()
        user_name = user_name.strip().lower()[:50]
        wait = self.wait(user_name, address, at)
        if wait > 0:
            self._log(at, user_name, None, "slowed_down", address)
            raise Refused(wait)
        row = self.tables.fetchone(self.tables.sql(
            "SELECT staff_id, hash FROM {c} WHERE user_name = {p}", c=CREDENTIALS),
            (user_name,))
        if row is None:
            self._verify(self._dummy, password)  # (as long as a wrong password takes)
            self._log(at, user_name, None, "unknown_user", address)
            return None
        staff_id, hashed = str(row[0]), str(row[1])
        if not self._verify(hashed, password):
            self._log(at, user_name, staff_id, "wrong_password", address)
            return None
        if self._hasher.check_needs_rehash(hashed):
            self.tables.execute(self.tables.sql(
                "UPDATE {c} SET hash = {p} WHERE staff_id = {p}", c=CREDENTIALS),
                (self._hasher.hash(password), staff_id))
        self._log(at, user_name, staff_id, "signed_in", address)
        return staff_id

    def wait(self, user_name: str, address: str | None, at: datetime) -> int:
        """Seconds before another attempt for this user name (or from this address) is
        taken: 0 below ``FREE_FAILURES`` failures in the window."""
        t = self.tables
        since = (at - FAILURE_WINDOW).isoformat()
        longest = 0
        for column, value in (("user_name", user_name), ("address", address)):
            if value is None:
                continue
            rows = t.fetchall(t.sql(  # (column: one of two names above, never input)
                f"SELECT at FROM {{l}} WHERE {column} = {{p}} AND at >= {{p}} AND outcome IN "  # noqa: S608
                "('wrong_password', 'unknown_user') ORDER BY at DESC LIMIT 30", l=SIGN_INS),
                (value, since))
            if len(rows) < FREE_FAILURES:
                continue
            pause = min(timedelta(seconds=2 ** (len(rows) - FREE_FAILURES + 1)), LONGEST_WAIT)
            left = datetime.fromisoformat(str(rows[0][0])) + pause - at
            longest = max(longest, int(left.total_seconds() + 0.999))
        return longest

    # ----- sessions ---------------------------------------------------------------------
    def start_session(self, staff_id: str, at: datetime | None = None) -> tuple[str, str]:
        """A new session: (its id for the cookie, its CSRF token)."""
        at = at or now()
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.tables.execute(self.tables.sql(
            "INSERT INTO {s} (digest, staff_id, csrf, created_at, seen_at) VALUES "
            "({p}, {p}, {p}, {p}, {p})", s=SESSIONS),
            (digest(session_id), staff_id, csrf, at.isoformat(), at.isoformat()))
        return session_id, csrf

    def session(self, session_id: str, at: datetime | None = None
                ) -> tuple[WebSession | None, bool]:
        """The session of this cookie, marked as used now; (None, True) if it existed but
        had been idle too long (it ends now), (None, False) if there is none."""
        at = at or now()
        t = self.tables
        key = digest(session_id)
        row = t.fetchone(t.sql("SELECT staff_id, csrf, created_at, seen_at FROM {s} WHERE "
                               "digest = {p}", s=SESSIONS), (key,))
        if row is None:
            return None, False
        seen = datetime.fromisoformat(str(row[3]))
        if at - seen > timedelta(minutes=IDLE_MINUTES):
            t.execute(t.sql("DELETE FROM {s} WHERE digest = {p}", s=SESSIONS), (key,))
            return None, True
        if (at - seen).total_seconds() > 15:  # (one write per 15 s of use, not per page)
            t.execute(t.sql("UPDATE {s} SET seen_at = {p} WHERE digest = {p}", s=SESSIONS),
                      (at.isoformat(), key))
        return WebSession(str(row[0]), str(row[1]), datetime.fromisoformat(str(row[2])),
                          at), False

    def end_session(self, session_id: str, address: str | None) -> None:
        t = self.tables
        key = digest(session_id)
        row = t.fetchone(t.sql("SELECT staff_id FROM {s} WHERE digest = {p}", s=SESSIONS),
                         (key,))
        t.execute(t.sql("DELETE FROM {s} WHERE digest = {p}", s=SESSIONS), (key,))
        if row is not None:
            staff_id = str(row[0])
            self._log(now(), self.user_name_of(staff_id) or "", staff_id, "signed_out",
                      address)

    def end_sessions_of(self, staff_id: str) -> None:
        self.tables.execute(self.tables.sql("DELETE FROM {s} WHERE staff_id = {p}",
                                            s=SESSIONS), (staff_id,))

    # ----- the log ----------------------------------------------------------------------
    def _log(self, at: datetime, user_name: str, staff_id: str | None, outcome: str,
             address: str | None) -> None:
        self.tables.execute(self.tables.sql(
            "INSERT INTO {l} (at, user_name, staff_id, outcome, address) VALUES "
            "({p}, {p}, {p}, {p}, {p})", l=SIGN_INS),
            (at.isoformat(), user_name, staff_id, outcome, address))

    @cached_property
    def _dummy(self) -> str:
        """A hash to check unknown user names against."""
        return self._hasher.hash(secrets.token_urlsafe(16))

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def log(self, limit: int = 100) -> list[SignInEntry]:
        """The newest entries of the sign-in log."""
        rows = self.tables.fetchall(self.tables.sql(
            "SELECT at, user_name, staff_id, outcome, address FROM {l} ORDER BY id DESC "
            "LIMIT {p}", l=SIGN_INS), (limit,))
        return [SignInEntry(datetime.fromisoformat(str(r[0])), str(r[1]),
                            None if r[2] is None else str(r[2]), str(r[3]),
                            None if r[4] is None else str(r[4])) for r in rows]




def same(a: str, b: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(a.encode(), b.encode())
