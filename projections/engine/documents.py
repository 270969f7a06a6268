"""Views that keep a small document per family and write each family once per page.

A view of this kind folds events into a small document per family: the facts it shows
and those a later correction may change (a consultation's date, a referral's
institution type). For a page of events it loads the documents of the families the page
touches in one query, folds every event in memory, and hands the changed documents to
``write``, which stores them (and whatever rows or counters derive from them) with a
few ``executemany`` statements. That is where rebuild speed comes from: the cost of a
page is a handful of statements, not several per event.

``before(doc)`` lets a view remember what a family contributed before the page (for
counters kept as sums over families: subtract the old contribution, add the new one).

Documents are typed (a view's own dataclasses, stored in a compact form of its choosing
through ``from_stored`` and ``stored``). A view that follows corrections names the kinds
of events whose corrections it shows (``corrects``) and keeps a ``Refs`` in its document
(``refs_of``): the base notes what each of their versions refers to and hands each
``EntryCorrected`` of them to ``correct`` with its resolved ``Target``
(``projections.engine.corrections``), after ``fold`` has seen it.

**Kept documents.** An engine that follows the serving tables applies short pages, each
touching a few families whose documents it had in hand a moment ago; reading them back
and making the typed documents again cost as much as the fold itself, and grows with a
family's history. Between the engine's ``begin_page(position)`` and ``end_page(position)``
a view keeps the documents it wrote (``DOCS_KEPT`` at most, the most recently written)
and takes them instead of the stored ones on the next page, as long as its tables are
still at the position where it wrote them (a view's tables change only together with its
position: another engine that moved it, a rebuild's switch or a page rolled back, and
the view reads them from its tables again). A view that seals its documents
(``decode_doc`` of its own) keeps none: personal data is not kept in memory.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

import orjson

from application.sql import Cursor, Tables
from domain.events import EntryCorrected
from projections.engine.corrections import Refs, Target
from projections.engine.view import View

Doc = dict[str, Any]
"""An untyped document (JSON object as stored)."""
D = TypeVar("D")
CHUNK = 500  # parameters per IN (...) list
DOCS_KEPT = 1_000
"""Per view, the documents kept between the pages of an engine (the most recently
written)."""


class FamilyDocView(View, Generic[D]):
    """A view over per-family documents; subclasses fold events and write results."""

    docs_table: str
    """Base name of the table holding ``family_id`` and ``doc`` (JSON text)."""
    corrects: frozenset[str] = frozenset()
    """The names of the event classes whose corrections the view shows."""
    corrects_by_version: frozenset[str] = frozenset()
    """Those of them the view keeps by the version that recorded them (their ``Refs``
    keep no key: smaller documents)."""
    _kept: OrderedDict[str, Any] | None = None
    """The documents as written at ``_kept_at`` (generation, position); None: none."""
    _kept_at: tuple[int, int] | None = None
    _page: dict[str, Any] | None = None
    """The documents written by the page under way (between ``begin_page`` and
    ``end_page``); None outside one."""

    def begin_page(self, position: int) -> None:
        if not self._keeps_documents():
            return
        if self._kept_at != (self.generation, position):
            self._kept, self._kept_at = None, None
        self._page = {}

    def end_page(self, position: int | None) -> None:
        page, self._page = self._page, None
        if position is None or page is None:  # (rolled back: the documents may have
            self._kept, self._kept_at = None, None  # changed in memory only)
            return
        kept = self._kept if self._kept is not None else OrderedDict()
        for family_id, doc in page.items():
            kept[family_id] = doc
            kept.move_to_end(family_id)
        while len(kept) > DOCS_KEPT:
            kept.popitem(last=False)
        self._kept, self._kept_at = kept, (self.generation, position)

    def _keeps_documents(self) -> bool:
        return type(self).decode_doc is FamilyDocView.decode_doc

    def written(self, changed: dict[str, tuple[Any, D]]) -> None:
        """The documents the page wrote (``apply`` calls it once they are stored): kept
        for the next page if the engine commits this one."""
        if self._page is not None:
            self._page.update((family_id, doc) for family_id, (_, doc) in changed.items())

    _hows: ClassVar[dict[type, str]] = {}
    """What ``fold_and_follow`` does with an event of each class (per view class, as
    ``corrects`` is)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._hows = {}

    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        changed: dict[str, tuple[Any, D]] = {}
        for family_id, doc, family_events in self.families(c, tables, events):
            remembered = self.before(doc)
            for event in family_events:
                doc = self.fold_and_follow(doc, event)
            if doc is not None:
                changed[family_id] = (remembered, doc)
        if changed:
            self.write(c, tables, changed)
            self.written(changed)

    def families(self, c: Cursor, tables: Tables, events: Sequence[Any]
                 ) -> list[tuple[str, D | None, list[Any]]]:
        """The page's events by family (each family's in log order) with the family's
        stored document (None: none yet), loaded in one query."""
        by_family: dict[int, list[Any]] = {}  # (by the id's number: a UUID hashes in Python)
        for event in events:
            by_family.setdefault(event.originator_id.int, []).append(event)
        family_ids = [family_events[0].originator_id.hex  # (once per family, not event)
                      for family_events in by_family.values()]
        stored = self.load(c, tables, family_ids)
        return [(family_id, stored.get(family_id), family_events)
                for family_id, family_events in zip(family_ids, by_family.values(),
                                                    strict=True)]

    def fold_and_follow(self, doc: D | None, event: Any) -> D | None:
        """The document after ``event``: ``fold``, then (a view that follows
        corrections) what the event's version refers to noted, or a correction handed to
        ``correct`` with its target."""
        doc = self.fold(doc, event)
        if doc is None or not self.corrects:
            return doc
        kind = type(event)
        how = self._hows.get(kind)
        if how is None:
            how = self._hows[kind] = _how(kind, self.corrects)
        if how is _NOTE:
            self.refs_of(doc).note(event)
        elif how is _CORRECT:
            self._correct(doc, event)
        return doc

    def _correct(self, doc: D, correction: Any) -> None:
        target = self.refs_of(doc).target(correction)
        if target is not None:
            self.correct(doc, correction, target)

    def follow(self, doc: D, event: Any) -> None:
        """Note what ``event`` refers to, or hand a correction to ``correct`` with its
        target (after a ``fold`` of one's own; ``fold_and_follow`` does both)."""
        if isinstance(event, EntryCorrected):
            self._correct(doc, event)
        else:
            self.refs_of(doc).note(event)

    def refs_of(self, doc: D) -> Refs:
        """The document's ``Refs`` (of a view that follows corrections)."""
        refs: Refs = getattr(doc, "refs")  # noqa: B009 (documents are the views' types)
        return refs

    def new_refs(self, stored: dict[str, str] | None = None) -> Refs:
        """A family's ``Refs`` for the kinds this view follows (from its stored form)."""
        return Refs(self.corrects, stored, unkeyed=self.corrects_by_version)

    def correct(self, doc: D, correction: Any, target: Target) -> None:
        """Apply ``correction`` of ``target`` (an event of a kind in ``corrects``)."""

    def load(self, c: Cursor, tables: Tables, family_ids: list[str]) -> dict[str, D]:
        """The stored documents of ``family_ids`` (those it has: a family without one
        has none yet), or those kept from the page before (see "Kept documents")."""
        docs: dict[str, D] = {}
        kept = self._kept if self._page is not None else None
        if self._page is None:
            self._kept, self._kept_at = None, None  # (applied outside an engine's page)
        if kept is not None:
            missing = []
            for family_id in family_ids:
                doc = kept.pop(family_id, None)  # (changed in place from here on)
                if doc is None:
                    missing.append(family_id)
                else:
                    docs[family_id] = doc
            family_ids = missing
        table = self.t(self.docs_table)
        for chunk in chunks(family_ids):
            rows = c.execute(tables.sql(
                f"SELECT family_id, doc FROM {{d}} WHERE family_id IN "
                f"({', '.join([tables.p] * len(chunk))})", d=table), chunk).fetchall()
            docs.update({str(f): self.decode_doc(str(f), str(d)) for f, d in rows})
        return docs

    def decode_doc(self, family_id: str, text: str) -> D:
        """A stored document (a view that seals its documents opens them here)."""
        return self.from_stored(orjson.loads(text))

    def from_stored(self, stored: Any) -> D:
        """The document a stored JSON value stands for (default: the value itself)."""
        document: D = stored
        return document

    def before(self, doc: D | None) -> Any:
        """What the family contributed before this page (default: nothing needed)."""
        return None

    @abstractmethod
    def fold(self, doc: D | None, event: Any) -> D | None:
        """The document after ``event`` (``doc`` is None before the family's first
        event the view has seen; it may be changed in place and returned)."""

    @abstractmethod
    def write(self, c: Cursor, tables: Tables, changed: dict[str, tuple[Any, D]]) -> None:
        """Store the changed documents (family id -> what ``before`` gave, new doc)."""


_NOTE, _CORRECT, _NOTHING = "note", "correct", "nothing"


def _how(kind: type, corrects: frozenset[str]) -> str:
    """What a view that follows the corrections of ``corrects`` does with an event of
    class ``kind``: note what its version refers to, resolve a correction, or nothing."""
    if issubclass(kind, EntryCorrected):
        return _CORRECT
    return _NOTE if kind.__name__ in corrects else _NOTHING


def chunks(items: list[str], size: int = CHUNK) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def dumps(doc: Any) -> str:
    """A document's stored form as JSON text."""
    return orjson.dumps(doc).decode()


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
