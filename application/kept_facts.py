"""Where an erasure keeps the facts the figures need (``domain.kept_facts``).

One row per erased family, written before its erasure is recorded (so that no read model
ever sees the erasure without them) and never destroyed with the family's key: sealed
with a key derived from the master key for this purpose alone (AES-GCM, bound to the
family id). It holds ages on entry dates and the special-category answers an indicator
counts, by version and pseudonymous member id: no name, no birth date, no free text.
"""

from __future__ import annotations

import base64
from uuid import UUID

import orjson

from application.keys import FamilyKeys, seal, unseal
from application.sql import Tables
from domain.kept_facts import Kept

TABLE = "lotse_erasure_kept"
PURPOSE = "erasure-kept-facts"


class KeptFacts:
    """The kept facts of erased families, in the store beside the family keys."""

    def __init__(self, tables: Tables, keys: FamilyKeys) -> None:
        self.tables, self.keys = tables, keys
        tables.execute(tables.sql("CREATE TABLE IF NOT EXISTS {t} (family_id TEXT PRIMARY "
                                  "KEY, kept TEXT NOT NULL)", t=TABLE))

    def _key(self) -> bytes:
        return self.keys.derived_key(PURPOSE)

    def store(self, family_id: UUID, kept: Kept) -> None:
        """Keep (or replace: a repeated erasure that found more) the family's facts."""
        sealed = base64.b64encode(seal(self._key(), orjson.dumps(kept), family_id.bytes))
        self.tables.execute(self.tables.sql(
            "INSERT INTO {t} (family_id, kept) VALUES ({p}, {p}) ON CONFLICT (family_id) "
            "DO UPDATE SET kept = excluded.kept", t=TABLE), (family_id.hex, sealed.decode()))

    def get(self, family_id: UUID) -> Kept | None:
        row = self.tables.fetchone(self.tables.sql(
            "SELECT kept FROM {t} WHERE family_id = {p}", t=TABLE), (family_id.hex,))
        if row is None:
            return None
        kept: Kept = orjson.loads(unseal(self._key(), base64.b64decode(str(row[0])),
                                         family_id.bytes))
        return kept
