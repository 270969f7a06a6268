"""One data key per family, wrapped by the master key (crypto-shredding).

Personal data in events and snapshots is encrypted with the family's own AES-256-GCM
key. The keys live in the store next to the events, each wrapped (encrypted) with the
master key from the settings. Destroying a family's key leaves a tombstone: its
personal data is unreadable everywhere at once, and no new key can be made for it.
Other processes drop a cached key within ``key_cache_seconds``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.settings import ConfigurationError

NONCE = 12
MASTER_KEY_CHECK = uuid5(NAMESPACE_URL, "lotse:master-key-check")
"""The key table's row that only the store's master key opens."""


def wrapping_aad(family_id: UUID) -> bytes:
    """What a family's wrapped key is bound to (its id)."""
    return b"lotse-family-key:" + family_id.bytes


class MasterKeyMismatch(ConfigurationError):
    """The configured master key does not open this store's family keys."""


class KeyDestroyedError(RuntimeError):
    """The family's key was destroyed; its personal data cannot be written again."""


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def seal_deterministic(key: bytes, plaintext: bytes, aad: bytes, context: bytes) -> bytes:
    """Sealed like ``seal``, with the nonce derived from the plaintext and ``context``
    (HMAC with the key): the same value in the same context always seals to the same
    bytes, so a read model rebuilt from the log equals the one kept event by event. A
    nonce repeats only with the same plaintext, which AES-GCM tolerates; what it reveals
    is only that a value in that context did not change."""
    nonce = hmac.new(key, b"lotse:nonce|" + context + b"|" + plaintext,
                     hashlib.sha256).digest()[:NONCE]
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], aad)


class KeyTable(ABC):
    """SQL for the key table, per store."""

    def __init__(self, datastore: Any) -> None:
        self.datastore = datastore

    @abstractmethod
    def create(self) -> None: ...

    @abstractmethod
    def insert(self, family_id: UUID, wrapped: bytes) -> None:
        """Insert unless a row exists (a concurrent writer may have won)."""

    @abstractmethod
    def select(self, family_id: UUID) -> tuple[bytes | None] | None: ...

    @abstractmethod
    def insert_many(self, rows: Sequence[tuple[UUID, bytes]]) -> None:
        """``insert`` for many families, in one transaction."""

    @abstractmethod
    def select_many(self, family_ids: Sequence[UUID]) -> dict[UUID, bytes | None]:
        """The rows of those families that have one (``None``: destroyed)."""

    @abstractmethod
    def destroy(self, family_id: UUID, snapshot_table: str) -> None:
        """Overwrite the wrapped key with a tombstone and drop the family's snapshots."""


class SQLiteKeyTable(KeyTable):
    def create(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("CREATE TABLE IF NOT EXISTS lotse_family_keys ("
                      "family_id TEXT PRIMARY KEY, wrapped_key BLOB, "
                      "created_at REAL NOT NULL, destroyed_at REAL)")

    def insert(self, family_id: UUID, wrapped: bytes) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT OR IGNORE INTO lotse_family_keys "
                      "(family_id, wrapped_key, created_at) VALUES (?, ?, ?)",
                      (family_id.hex, wrapped, time.time()))

    def select(self, family_id: UUID) -> tuple[bytes | None] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT wrapped_key FROM lotse_family_keys WHERE family_id = ?",
                      (family_id.hex,))
            row = c.fetchone()
        return None if row is None else (row[0],)

    def insert_many(self, rows: Sequence[tuple[UUID, bytes]]) -> None:
        now = time.time()
        with self.datastore.transaction(commit=True) as c:
            c.executemany("INSERT OR IGNORE INTO lotse_family_keys "
                          "(family_id, wrapped_key, created_at) VALUES (?, ?, ?)",
                          [(family_id.hex, wrapped, now) for family_id, wrapped in rows])

    def select_many(self, family_ids: Sequence[UUID]) -> dict[UUID, bytes | None]:
        found: dict[UUID, bytes | None] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(family_ids), 500):  # within SQLite's variable limit
                part = family_ids[start:start + 500]
                c.execute("SELECT family_id, wrapped_key FROM lotse_family_keys "
                          f"WHERE family_id IN ({', '.join('?' * len(part))})",
                          [f.hex for f in part])
                found.update((UUID(row[0]), row[1]) for row in c.fetchall())
        return found

    def destroy(self, family_id: UUID, snapshot_table: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT INTO lotse_family_keys (family_id, wrapped_key, created_at, "
                      "destroyed_at) VALUES (?, NULL, ?, ?) ON CONFLICT (family_id) DO UPDATE "
                      "SET wrapped_key = NULL, destroyed_at = excluded.destroyed_at",
                      (family_id.hex, time.time(), time.time()))
            c.execute(f'DELETE FROM "{snapshot_table}" WHERE originator_id = ?',
                      (family_id.hex,))


class PostgresKeyTable(KeyTable):
    def _table(self) -> str:
        """Schema names are validated by the settings (``[a-z_][a-z0-9_]*``)."""
        return f'"{self.datastore.schema}".lotse_family_keys'

    def create(self) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"CREATE TABLE IF NOT EXISTS {self._table()} ("
                      "family_id UUID PRIMARY KEY, wrapped_key BYTEA, "
                      "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), destroyed_at TIMESTAMPTZ)")

    def insert(self, family_id: UUID, wrapped: bytes) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"INSERT INTO {self._table()} (family_id, wrapped_key) VALUES (%s, %s) "
                      "ON CONFLICT (family_id) DO NOTHING", (family_id, wrapped))

    def select(self, family_id: UUID) -> tuple[bytes | None] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT wrapped_key FROM {self._table()} WHERE family_id = %s",
                      (family_id,))
            row = c.fetchone()
        if row is None:
            return None
        value = row["wrapped_key"] if isinstance(row, dict) else row[0]
        return (bytes(value) if value is not None else None,)

    def insert_many(self, rows: Sequence[tuple[UUID, bytes]]) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.executemany(f"INSERT INTO {self._table()} (family_id, wrapped_key) "
                          "VALUES (%s, %s) ON CONFLICT (family_id) DO NOTHING", list(rows))

    def select_many(self, family_ids: Sequence[UUID]) -> dict[UUID, bytes | None]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT family_id, wrapped_key FROM {self._table()} "
                      "WHERE family_id = ANY(%s)", (list(family_ids),))
            rows = c.fetchall()
        found: dict[UUID, bytes | None] = {}
        for row in rows:
            family_id, value = ((row["family_id"], row["wrapped_key"]) if isinstance(row, dict)
                                else (row[0], row[1]))
            found[family_id] = bytes(value) if value is not None else None
        return found

    def destroy(self, family_id: UUID, snapshot_table: str) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(f"INSERT INTO {self._table()} (family_id, wrapped_key, destroyed_at) "
                      "VALUES (%s, NULL, now()) ON CONFLICT (family_id) DO UPDATE "
                      "SET wrapped_key = NULL, destroyed_at = now()", (family_id,))
            c.execute(f'DELETE FROM "{self.datastore.schema}"."{snapshot_table}" '
                      "WHERE originator_id = %s", (family_id,))


class FamilyKeys:
    """Finds, creates and destroys family keys; caches unwrapped keys briefly."""

    def __init__(self, table: KeyTable, master_key: bytes, cache_seconds: float) -> None:
        self.table = table
        self.master = master_key
        self.cache_seconds = cache_seconds
        self._cache: dict[UUID, tuple[bytes | None, float]] = {}
        self._destroyed: set[UUID] = set()
        self._lock = threading.Lock()
        table.create()
        self._check_master_key()

    def _check_master_key(self) -> None:
        """The first process seals a check value with its master key; every later one
        must open it. Processes (or machines) with different master keys on one store
        would each seal new family keys the others cannot open."""
        check_id = MASTER_KEY_CHECK
        self.table.insert(check_id, seal(self.master, b"lotse", self._aad(check_id)))
        row = self.table.select(check_id)
        try:
            if row is None or row[0] is None:
                raise InvalidTag
            unseal(self.master, row[0], self._aad(check_id))
        except InvalidTag:
            raise MasterKeyMismatch(
                "LOTSE_MASTER_KEY is not the master key this store was created with; every "
                "process and machine on one store needs the same key") from None

    def _aad(self, family_id: UUID) -> bytes:
        return wrapping_aad(family_id)

    def derived_key(self, purpose: str) -> bytes:
        """A key of its own for ``purpose`` (e.g. a read model's tables at rest), derived
        from the master key: it needs no storage and opens wherever the master key does;
        unlike a family key it is never destroyed (erasure removes such data instead)."""
        return hmac.new(self.master, b"lotse-derived-key|" + purpose.encode(),
                        hashlib.sha256).digest()

    def _unwrap(self, family_id: UUID, wrapped: bytes) -> bytes:
        try:
            return unseal(self.master, wrapped, self._aad(family_id))
        except InvalidTag:
            raise RuntimeError(f"the key of family {family_id} does not open with this "
                               "master key (wrong LOTSE_MASTER_KEY?)") from None

    def _remember(self, family_id: UUID, key: bytes, now: float) -> None:
        """Caller holds ``_lock``."""
        if len(self._cache) > 50_000:
            self._cache.clear()
        if family_id not in self._destroyed:  # a read begun before destroy()
            self._cache[family_id] = (key, now)

    def key_for_reading(self, family_id: UUID) -> bytes | None:
        """The family's key, or ``None`` when it was destroyed (or never made)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(family_id)
        if cached is not None and now - cached[1] < self.cache_seconds:
            return cached[0]
        row = self.table.select(family_id)
        key = None
        if row is not None and row[0] is not None:
            key = self._unwrap(family_id, row[0])
        if key is not None:  # absence is never cached: another process may create it
            with self._lock:
                self._remember(family_id, key, now)
        return key

    def key_for_writing(self, family_id: UUID, *, fresh: bool = False) -> bytes:
        """The family's key for sealing new data, creating it on first use.

        For events, a key this process read within the cache window is used without
        asking the table again. That is safe for erasure: the erasure is recorded as an
        event *before* the key is destroyed, so an event sealed with the old key either
        lands before that event (and is erased with everything else) or collides with it
        and is refused on the reloaded, erased case. Snapshots do not collide with
        anything, so they ask for a ``fresh`` key: no snapshot of a family's personal
        data is written after its key was destroyed by another process."""
        if fresh:
            self.forget(family_id)
        key = self.key_for_reading(family_id)
        if key is not None:
            return key
        row = self.table.select(family_id)
        if row is not None and row[0] is None:
            raise KeyDestroyedError(f"the key of family {family_id} was destroyed")
        self.table.insert(family_id, seal(self.master, AESGCM.generate_key(256),
                                          self._aad(family_id)))
        self.forget(family_id)
        key = self.key_for_reading(family_id)
        if key is None:
            raise KeyDestroyedError(f"the key of family {family_id} was destroyed")
        return key

    def read_many(self, family_ids: Collection[UUID]) -> set[UUID]:
        """``key_for_reading`` for many families at once (a page of events for the read
        models): the keys not cached are read in one query and cached (absence is not
        cached, as there). Returns the families that have no key now (destroyed or
        never made)."""
        now = time.monotonic()
        with self._lock:
            missing = [f for f in family_ids if (cached := self._cache.get(f)) is None
                       or now - cached[1] >= self.cache_seconds]
        if not missing:
            return set()
        rows = self.table.select_many(missing)
        keys = {f: self._unwrap(f, wrapped) for f, wrapped in rows.items()
                if wrapped is not None}
        with self._lock:
            for family_id, key in keys.items():
                self._remember(family_id, key, now)
        return {f for f in missing if f not in keys}

    def prepare(self, family_ids: Sequence[UUID]) -> None:
        """``key_for_writing`` for many families at once (bulk loads): a key is made for
        each family without one, in one transaction, then every family's key is read back
        in one query (another writer's key wins, as for one family) and cached for
        writing. A destroyed key stays destroyed: writing that family raises as usual."""
        self.table.insert_many([(f, seal(self.master, AESGCM.generate_key(256), self._aad(f)))
                                for f in family_ids])
        rows = self.table.select_many(family_ids)
        now = time.monotonic()
        keys = {f: self._unwrap(f, wrapped) for f, wrapped in rows.items()
                if wrapped is not None}
        with self._lock:
            for family_id, key in keys.items():
                self._remember(family_id, key, now)

    def destroy(self, family_id: UUID, snapshot_table: str) -> None:
        with self._lock:
            self._destroyed.add(family_id)
        self.table.destroy(family_id, snapshot_table)
        self.forget(family_id)

    def forget(self, family_id: UUID) -> None:
        with self._lock:
            self._cache.pop(family_id, None)
