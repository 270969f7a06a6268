"""Chains for a store that holds events from before the chain existed.

When no stored event has a chain hash but the log is not empty, every stored event is
linked in notification order, in one transaction that holds the store's write lock (so
no event is written meanwhile): the application does it when it starts
(``FamilyCases``), and ``lotse audit init`` does the same on demand. Once events have
hashes nothing is ever linked after the fact: an event without one is then a finding of
``lotse audit verify`` (written around Lotse, or by a process of an older version still
running - stop those before the first start of this one).

The links of old events prove only that nothing changed *since* the backfill; the first
checkpoint after it is the anchor to hand to a witness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from application.integrity import chain
from application.integrity.log import PAGE

if TYPE_CHECKING:
    from application.cases import FamilyCases


def needed(cases: FamilyCases) -> bool:
    t = cases.tables
    recorder: Any = cases.recorder
    events = t.table(recorder.events_table_name)
    if t.fetchone(f"SELECT 1 FROM {events} "  # noqa: S608
                  f"WHERE {chain.COLUMN} IS NOT NULL LIMIT 1") is not None:
        return False
    return t.fetchone(f"SELECT 1 FROM {events} LIMIT 1") is not None  # noqa: S608


def backfill(cases: FamilyCases) -> int:
    """Link every stored event if none has a link; the number of links written."""
    t = cases.tables
    recorder: Any = cases.recorder
    events = t.table(recorder.events_table_name)
    key = "notification_id" if t.postgres else "rowid"
    update = (f"UPDATE {events} SET {chain.COLUMN} = {t.p} "  # noqa: S608
              f"WHERE {key} = {t.p}")
    written = 0
    with t.transaction(commit=True) as c:  # (SQLite: BEGIN IMMEDIATE, the write lock)
        if t.postgres:
            c.execute(f"LOCK TABLE {events} IN EXCLUSIVE MODE")
        if c.execute(f"SELECT 1 FROM {events} "  # noqa: S608
                     f"WHERE {chain.COLUMN} IS NOT NULL LIMIT 1").fetchone() is not None:
            return 0  # another process did it meanwhile
        heads: dict[str, bytes] = {}
        position = 0
        while True:
            rows = c.execute(
                f"SELECT {key}, originator_id, originator_version, topic, state "  # noqa: S608
                f"FROM {events} WHERE {key} > {t.p} ORDER BY {key} LIMIT {t.p}",
                (position, PAGE)).fetchall()
            if not rows:
                return written
            page = []
            for n, o, v, topic, state in rows:
                k = o.hex if isinstance(o, UUID) else str(o)
                h = chain.link(heads.get(k, chain.GENESIS) if v > 1 else chain.GENESIS,
                               k, v, topic, bytes(state))
                heads[k] = h
                page.append((h, n))
            c.executemany(update, page)
            written += len(page)
            position = rows[-1][0]
