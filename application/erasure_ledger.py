"""The erasure ledger: which families were erased, kept outside the store it protects.

Erasure destroys a family's key in the store (crypto-shredding). A backup of the store
taken before the erasure still holds the key, so restoring it would bring the family's
personal data back. The ledger prevents that: a file beside the master key in the data
directory (``erasures.ledger``, 0600, append-only, one JSON object per line: the family,
the date and legal basis of its erasure, when it was entered) that no backup of the
store contains. It is written before the key is destroyed and applied whenever a store
is opened (``reconcile``), whichever way the store came back (``lotse backup restore``,
``pg_restore``, a copied file): every family it lists is erased again — the erasure
recorded anew where the restored history lacks it, the key destroyed. In the other
direction, erasures the store knows and the ledger does not (a store from before the
ledger, a ledger lost) are entered into it at the same time.

Whoever can write the ledger can read the master key next to it; the ledger guards
against restores, not against the data directory's owner.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from application.files import FILE_MODE, make_private_dir
from domain.values import ErasureBasis

if TYPE_CHECKING:
    from application.cases import FamilyCases
    from application.settings import Settings

LEDGER_FILE = "erasures.ledger"
RESTORED_BY = "system:erasure-ledger"
"""Who an erasure recorded again from the ledger is recorded by."""
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erased:
    family_id: UUID
    erased_on: date
    legal_basis: ErasureBasis | None
    entered_at: datetime

    def line(self) -> str:
        return json.dumps({"family_id": str(self.family_id),
                           "erased_on": self.erased_on.isoformat(),
                           "legal_basis": self.legal_basis and self.legal_basis.value,
                           "entered_at": self.entered_at.isoformat()}) + "\n"


def ledger_path(settings: Settings) -> Path:
    return settings.data_dir / LEDGER_FILE


class ErasureLedger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> dict[UUID, Erased]:
        """Every family the ledger lists (its first entry). A line that cannot be read
        (a write cut short) is passed over with a warning."""
        if not self.path.exists():
            return {}
        found: dict[UUID, Erased] = {}
        for number, text in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
                basis = item.get("legal_basis")
                entry = Erased(UUID(item["family_id"]), date.fromisoformat(item["erased_on"]),
                               ErasureBasis(basis) if basis else None,
                               datetime.fromisoformat(item["entered_at"]))
            except (ValueError, KeyError, TypeError):
                logger.warning("line %d of the erasure ledger %s is unreadable: passed over",
                               number, self.path)
                continue
            found.setdefault(entry.family_id, entry)
        return found

    def append(self, entries: Iterable[Erased]) -> None:
        """Add entries at the end (0600, flushed to disk before returning)."""
        text = "".join(e.line() for e in entries)
        if not text:
            return
        make_private_dir(self.path.parent)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)


def enter(cases: FamilyCases, family_id: UUID, erased_on: date,
          legal_basis: ErasureBasis | str | None) -> None:
    """Enter an erasure before the family's key is destroyed. Appended without reading
    the ledger (a retention run erases many families): a repeat adds a line that
    ``entries`` passes over."""
    try:
        basis: ErasureBasis | None = ErasureBasis(legal_basis or "")
    except ValueError:
        basis = None
    ErasureLedger(ledger_path(cases.settings)).append(
        [Erased(family_id, erased_on, basis, datetime.now(UTC))])


@dataclass(frozen=True)
class Reconciled:
    entered: tuple[UUID, ...]
    """Erasures the store knew and the ledger did not: now entered."""
    erased_again: tuple[UUID, ...]
    """Families of the ledger the store had not (or not completely) erased: now erased."""


def reconcile(cases: FamilyCases) -> Reconciled:
    """Make the store and the ledger agree (see the module's description). Cheap when
    they do: one read of the ledger and one query of the destroyed keys."""
    ledger = ErasureLedger(ledger_path(cases.settings))
    listed = ledger.entries()
    destroyed = destroyed_keys(cases)
    unlisted = [f for f in destroyed if f not in listed]
    if unlisted:
        now = datetime.now(UTC)
        ledger.append([_from_store(cases, f, now) for f in unlisted])
    again = [entry for f, entry in listed.items() if f not in destroyed]
    for entry in again:
        _erase_again(cases, entry)
    return Reconciled(tuple(unlisted), tuple(e.family_id for e in again))


def destroyed_keys(cases: FamilyCases) -> set[UUID]:
    table = cases.tables.table("lotse_family_keys")
    rows = cases.tables.fetchall(f"SELECT family_id FROM {table} "  # noqa: S608
                                 "WHERE wrapped_key IS NULL")
    return {f if isinstance(f, UUID) else UUID(hex=str(f)) for (f,) in rows}


def _from_store(cases: FamilyCases, family_id: UUID, now: datetime) -> Erased:
    """The ledger entry of an erasure the store knows: its date and legal basis from the
    family's erasure event (today and no basis if there is none)."""
    from domain.events import PersonalDataErased

    try:
        for event in cases.events.get(family_id, desc=True, limit=50):
            if isinstance(event, PersonalDataErased):
                return Erased(family_id, event.occurred_on, event.legal_basis, now)
    except Exception:  # an undecodable history still gets its entry
        logger.warning("the history of erased family %s is unreadable", family_id)
    return Erased(family_id, now.date(), None, now)


def _erase_again(cases: FamilyCases, entry: Erased) -> None:
    """Record the erasure again where the store lacks it, and destroy the key. A family
    the store does not hold (yet) gets the key's tombstone: none can be made for it."""
    from application.cases import CaseNotFound

    logger.warning("family %s was erased on %s but not in this store (restored from an "
                   "older backup?): erasing it again", entry.family_id, entry.erased_on)
    try:  # (``again``: no rule of when or on which basis to erase refuses a fact)
        cases.erase_personal_data(entry.family_id, legal_basis=entry.legal_basis,
                                  occurred_on=entry.erased_on, recorded_by=RESTORED_BY,
                                  again=True)
    except CaseNotFound:
        pass
    except Exception:  # (the store fails): the key goes all the same
        logger.exception("the erasure of family %s could not be recorded again; its key "
                         "is destroyed", entry.family_id)
    cases.keys.destroy(entry.family_id, cases._snapshot_table())
