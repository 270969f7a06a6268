"""The family search index behind ``GET /families``: find a family by case number or name.

Staff find a family by case number (``KR-2026-0042`` or a prefix) or by parts of its
members' names, only within their projects (a case manager: among their own families).
Names are personal data: the index holds them sealed with the family's key (erasing the
key erases them here too) and matches them through a keyed blind index, the HMAC-SHA256
of each normalised name word and its prefixes of 3+ characters ("Müller": ``müll``,
``mull``, ``muell``). ``catch_up`` follows the event log a page at a time: it rebuilds
the families a page touches and moves the stored position by compare-and-set in one
transaction, so threads and processes can share the work and each page is applied once.
``search`` catches up first, so a writer sees its own writes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import threading
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError
from eventsourcing.utils import get_topic

from application.cases import CaseNotFound, FamilyCases
from application.keys import seal, unseal
from application.sql import Cursor
from domain.errors import InvalidInput
from domain.events import ALL_EVENTS, CaseEvent
from domain.family_case import FamilyCase
from domain.retention import RESTRICTED
from domain.values import CaseStatus

NAME, INDEX, TOKENS, POSITIONS = ("family_index", "lotse_family_index",
                                  "lotse_family_name_tokens", "lotse_projection_positions")
PAGE_SIZE, MIN_WORD, MAX_LIMIT = 500, 3, 500
logger = logging.getLogger(__name__)
# Events declared in the aggregate's body (CaseOpened) are stored under the aggregate's
# own subclass, not under their class in ``domain.events``.
TOPICS = tuple(sorted({get_topic(c) for c in ALL_EVENTS} | {
    get_topic(v) for v in vars(FamilyCase).values()
    if isinstance(v, type) and issubclass(v, CaseEvent)}))
CASE_NUMBER = re.compile(r"[A-Z][A-Z0-9]{1,9}-(\d{1,4}(-\d*)?)?")
SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
# Letters NFKD keeps whole, folded as people type them on a German keyboard (Łukasz → lukasz).
FOLD = str.maketrans({"ß": "ss", "\u0131": "i", "ł": "l", "ø": "o", "đ": "d", "æ": "ae",
                      "œ": "oe"})
COLUMNS = "family_id, project, case_number, case_manager, status, opened_on, version, names"
DDL = (
    "CREATE TABLE IF NOT EXISTS {i} (family_id TEXT PRIMARY KEY, project TEXT NOT NULL, "
    "case_number TEXT NOT NULL, case_manager TEXT, status TEXT NOT NULL, "
    "opened_on TEXT NOT NULL, version INTEGER NOT NULL, names BLOB)",
    "CREATE INDEX IF NOT EXISTS lotse_family_index_number ON {i} (project, case_number)",
    "CREATE TABLE IF NOT EXISTS {t} (family_id TEXT NOT NULL, token BLOB NOT NULL, "
    "PRIMARY KEY (family_id, token))",
    "CREATE INDEX IF NOT EXISTS lotse_family_name_tokens_token ON {t} (token)",
    "CREATE TABLE IF NOT EXISTS {q} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)",
)
UPSERT = ("INSERT INTO {i} (" + COLUMNS + ") VALUES {{rows}} ON CONFLICT (family_id) DO "
          "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS.split(", ")[1:]))

Row = tuple[tuple[Any, ...], set[bytes]]  # a family's row (``COLUMNS``) and name tokens


@dataclass(frozen=True)
class FamilyMatch:
    """A family a search found: its case at a glance and its household's names."""

    family_id: UUID
    project: str
    case_number: str
    case_manager: str | None
    status: str
    opened_on: date
    version: int
    names: list[str] | None  # None once the family's personal data was erased


@dataclass(frozen=True)
class SearchPage:
    total: int
    items: list[FamilyMatch]


def words(text: str) -> list[str]:
    """Its words, accents dropped and case folded: ``Müßig-Çelik`` → ``mussig``, ``celik``."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.findall(r"[^\W_]+", bare.casefold().translate(FOLD))


def name_tokens(name: str) -> set[str]:
    """Its words and their prefixes of 3+ characters; umlauts also spelled out (``mueller``)."""
    composed = unicodedata.normalize("NFC", name)
    found = {w for variant in (composed, composed.translate(SPELLED_OUT)) for w in words(variant)}
    return found | {w[:n] for w in found for n in range(MIN_WORD, len(w))}


class _Moved(Exception):
    """Another catch-up advanced the position first: roll back, read the page again."""


class _Unreadable(Exception):
    """A family whose events cannot be read (logged); the index passes it over."""


class FamilyIndex:
    def __init__(self, cases: FamilyCases, index_key: bytes) -> None:
        if len(index_key) != 32:
            raise ValueError("the index key must be 32 bytes")
        self.cases, self.tables, self._key = cases, cases.tables, index_key
        self._lock = threading.Lock()  # one catch-up at a time in this process
        t = self.tables
        with t.transaction(commit=True) as c:
            for statement in DDL:
                statement = statement.replace("BLOB", "BYTEA" if t.postgres else "BLOB")
                c.execute(t.sql(statement, i=INDEX, t=TOKENS, q=POSITIONS))
            c.execute(t.sql("INSERT INTO {q} (name, position) VALUES ({p}, 0) "
                            "ON CONFLICT (name) DO NOTHING", q=POSITIONS), (NAME,))

    @classmethod
    def for_cases(cls, cases: FamilyCases) -> FamilyIndex:
        """The index of ``cases``, its key derived from the master key (its tables made
        if they are missing; hold ``schema_lock`` while other processes may start)."""
        from application.pipeline import derived_key

        return cls(cases, derived_key(cases.settings.resolve_master_key(),
                                      b"lotse:name-index"))

    def catch_up(self) -> int:
        """Apply the log after the stored position; returns the number of events applied."""
        applied = 0
        with self._lock:
            stop = self.cases.recorder.max_notification_id() or 0  # no chasing new writes
            while True:
                position = self.position()
                if position >= stop:
                    return applied
                page = self.cases.recorder.select_notifications(
                    position, PAGE_SIZE, stop=stop, topics=TOPICS, inclusive_of_start=False)
                if not page:
                    return applied
                loaded: dict[UUID, Row | None] = {}  # loaded before any transaction
                for family_id in dict.fromkeys(UUID(str(n.originator_id)) for n in page):
                    with contextlib.suppress(_Unreadable):  # its row stays as it was
                        loaded[family_id] = self._row(family_id)
                family_ids = list(loaded)
                rows = [r for r in loaded.values() if r is not None]
                if self._commit(position, page[-1].id, family_ids, rows):
                    applied += len(page)
                    if len(page) < PAGE_SIZE:
                        return applied

    def position(self) -> int:
        row = self.tables.fetchone(self.tables.sql(
            "SELECT position FROM {q} WHERE name = {p}", q=POSITIONS), (NAME,))
        return int(row[0]) if row else 0

    def _row(self, family_id: UUID) -> Row | None:
        """Rebuilt from the aggregate, so harmless to repeat; erased: no names, no tokens."""
        try:
            view = self.cases.get_case(family_id)
        except CaseNotFound:
            return None
        except MapperDeserialisationError:  # unreadable: keep its row, do not stall
            logger.exception("family %s cannot be read; its index row is left as it was",
                             family_id)
            raise _Unreadable from None
        s = view.state
        members = [] if s.status is CaseStatus.ERASED else list(s.members.values())
        parts = [[p for p in (m.given_name, m.family_name) if p] for m in members]
        names = [" ".join(p) for p in parts if p]
        key = self.cases.keys.key_for_reading(family_id) if names else None
        sealed = None if key is None else seal(
            key, json.dumps(names, ensure_ascii=False).encode(), aad=family_id.bytes)
        tokens = set() if key is None else {
            self._hmac(token) for p in parts for part in p for token in name_tokens(part)}
        status = (RESTRICTED if s.erasure_request is not None
                  and s.status is not CaseStatus.ERASED else s.status.value)
        return (family_id.hex, s.project, s.case_number, s.case_manager, status,
                s.opened_on.isoformat(), view.version, sealed), tokens

    def _commit(self, old: int, new: int, family_ids: Sequence[UUID], rows: list[Row]) -> bool:
        """In one transaction: move the position from ``old`` to ``new`` unless another
        catch-up did, upsert the families' rows and replace their tokens."""
        t = self.tables
        pairs = [(r[0], token) for r, tokens in rows for token in sorted(tokens)]
        try:
            with t.transaction(commit=True) as c:
                if c.execute(t.sql("UPDATE {q} SET position = {p} WHERE name = {p} AND "
                                   "position = {p} RETURNING name", q=POSITIONS),
                             (new, NAME, old)).fetchone() is None:
                    raise _Moved
                _batched(c, t.sql(UPSERT, i=INDEX), [r for r, _ in rows], t.p)
                _batched(c, t.sql("DELETE FROM {t} WHERE family_id IN ({{rows}})", t=TOKENS),
                         [(f.hex,) for f in family_ids], t.p)
                _batched(c, t.sql("INSERT INTO {t} (family_id, token) VALUES {{rows}}",
                                  t=TOKENS), pairs, t.p)
        except _Moved:
            return False
        return True

    def _hmac(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()

    def search(self, *, projects: Collection[str], case_manager: str | None = None,
               query: str | None = None, status: str | None = None, limit: int = 50,
               offset: int = 0, hide_restricted: bool = False) -> SearchPage:
        """Families of ``projects`` (and ``case_manager``, ``status``) matching ``query``:
        a case number or its prefix, or name words that must all match; by case number.
        A family that asked for erasure during retention has the status ``restricted``
        (left out if ``hide_restricted``: a case manager's search)."""
        if isinstance(projects, str):  # "KR" would search projects "K" and "R"
            raise TypeError("projects must be a collection of project codes, not a string")
        for rule, field, ok in (("invalid_limit", "limit", 1 <= limit <= MAX_LIMIT),
                                ("invalid_offset", "offset", offset >= 0),
                                ("unknown_status", "status",
                                 status in (None, *CaseStatus, RESTRICTED))):
            if not ok:
                raise InvalidInput(rule, f"this {field} is not allowed", field=field)
        t = self.tables
        where, params = t.where(projects, case_manager=case_manager, status=status)
        if hide_restricted:
            where.append(f"status <> '{RESTRICTED}'")
        text = (query or "").strip()
        if CASE_NUMBER.fullmatch(text.upper()):
            where.append(f"substr(case_number, 1, {t.p}) = {t.p}")
            params += [len(text), text.upper()]
        else:
            for word in _query_words(text):
                where.append(f"family_id IN (SELECT family_id FROM {t.table(TOKENS)} "
                             f"WHERE token = {t.p})")
                params.append(self._hmac(word))
        if not projects:
            return SearchPage(0, [])
        self.catch_up()
        condition = " AND ".join(where)
        with t.transaction(commit=False) as c:
            count = c.execute(t.sql(f"SELECT COUNT(*) FROM {{i}} WHERE {condition}", i=INDEX),
                              params).fetchone() or (0,)
            rows = c.execute(t.sql(f"SELECT {COLUMNS} FROM {{i}} WHERE {condition} ORDER BY "
                                   "case_number, family_id LIMIT {p} OFFSET {p}", i=INDEX),
                             [*params, limit, offset]).fetchall()
        return SearchPage(int(count[0]), [self._match(r) for r in rows])

    def found(self, *, family_ids: Collection[UUID] = (),
              case_number: str | None = None) -> list[FamilyMatch]:
        """The index rows of these families (or of the family with this case number),
        names unsealed: for pages that show names beside what other views hold. No
        access check here: the caller has checked (or filters by) project and case
        manager."""
        t = self.tables
        self.catch_up()
        if case_number is not None:
            rows = t.fetchall(t.sql(f"SELECT {COLUMNS} FROM {{i}} WHERE case_number = {{p}}",
                                    i=INDEX), (case_number,))
            return [self._match(r) for r in rows]
        found: list[FamilyMatch] = []
        ids = [f.hex for f in family_ids]
        for i in range(0, len(ids), PAGE_SIZE):
            chunk = ids[i:i + PAGE_SIZE]
            rows = t.fetchall(t.sql(f"SELECT {COLUMNS} FROM {{i}} WHERE family_id IN "
                                    f"({', '.join([t.p] * len(chunk))})", i=INDEX), chunk)
            found += [self._match(r) for r in rows]
        return found

    def _match(self, row: tuple[Any, ...]) -> FamilyMatch:
        family_id = UUID(row[0])
        key = self.cases.keys.key_for_reading(family_id) if row[7] is not None else None
        names = None if key is None else json.loads(
            unseal(key, bytes(row[7]), aad=family_id.bytes))
        return FamilyMatch(family_id, row[1], row[2], row[3], row[4],
                           date.fromisoformat(row[5]), int(row[6]), names)


def _query_words(query: str) -> list[str]:
    """Each word needs a part of ``MIN_WORD`` characters; ``O'Brien`` searches ``brien``."""
    found: list[str] = []
    for word in query.split():
        parts = [w for w in words(word) if len(w) >= MIN_WORD]
        if not parts:
            raise InvalidInput("query_too_short", f"every search word needs at least "
                               f"{MIN_WORD} letters or digits: {word!r}", field="q")
        found += parts
    return list(dict.fromkeys(found))


def _batched(c: Cursor, statement: str, rows: Sequence[tuple[Any, ...]], p: str) -> None:
    """Few round trips: ``{rows}`` becomes the placeholders of up to 900 values a time."""
    size = 900 // len(rows[0]) if rows else 1
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        marks = ", ".join([f"({', '.join([p] * len(chunk[0]))})"] * len(chunk))
        c.execute(statement.replace("{rows}", marks), [v for r in chunk for v in r])
