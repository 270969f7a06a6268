"""The view base: what the engine asks of every read model.

A view names the event classes it needs and applies a batch of decoded events with the
cursor of one transaction; its tables carry the generation it fills (see
``projections.engine.positions``). The engine knows views only through this class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from eventsourcing.utils import get_topic

from application.cases import FamilyCases
from application.sql import Cursor, Tables


class View(ABC):
    """A read model: its tables, the events it needs, and how a batch changes it.

    Table and index names go through ``t()`` so that a rebuild can fill the next
    generation of them beside the serving one. A rebuild in several processes makes the
    view again in each of them with ``type(view)()``: a view whose class is not defined
    at a module's top level or needs arguments is rebuilt in one process."""

    name: str
    events: tuple[type, ...]
    table_names: tuple[str, ...] = ()
    """Every table of the view (base names): dropped with an old generation."""
    personal_events: tuple[type, ...] = ()
    """Event classes whose personal data the view reads: the engine unseals these (only
    these: the others are read with their personal data left sealed, which is cheaper)."""
    personal_items: frozenset[str] = frozenset()
    """The names of the personal items it reads in them (e.g. ``birth_date``); the
    others stay sealed."""
    generation: int = 0
    schema_version: int = 1
    """Raise it when the view's tables or meaning change: engines then fill a new
    generation from the log's start instead of reading tables of another shape."""

    @abstractmethod
    def create(self, c: Cursor, tables: Tables) -> None:
        """Create the view's tables (of ``self.generation``) if they do not exist."""

    def create_indexes(self, c: Cursor, tables: Tables) -> None:  # noqa: B027 (often none)
        """Create the indexes the view's reads need beyond its tables' keys, if they do
        not exist. A rebuild creates them once it has filled the tables: an index built
        over the rows at once costs a fraction of one kept up row by row."""

    @abstractmethod
    def apply(self, c: Cursor, tables: Tables, events: Sequence[Any]) -> None:
        """Apply events (in log order) inside the engine's transaction."""

    def begin_page(self, position: int) -> None:  # noqa: B027 (most views keep nothing)
        """An engine that follows the serving tables is about to apply a page to them;
        they hold the log up to ``position``."""

    def end_page(self, position: int | None) -> None:  # noqa: B027
        """The page is committed and the tables hold the log up to ``position``; None:
        it was rolled back (or failed)."""

    def attach(self, cases: FamilyCases) -> None:  # noqa: B027 (most views need nothing)
        """Called by each engine that keeps the view (a view that needs the application,
        e.g. its family keys, takes it here)."""

    def topics(self) -> list[str]:
        return sorted({get_topic(cls) for cls in self.events})

    @property
    def suffix(self) -> str:
        return f"_g{self.generation}" if self.generation else ""

    def t(self, base: str) -> str:
        """The name of a table or index of this view's generation."""
        return base + self.suffix

    @property
    def position_key(self) -> str:
        return position_key(self.name, self.generation)

    def drop(self, c: Cursor, tables: Tables) -> None:
        for base in self.table_names:
            c.execute(f"DROP TABLE IF EXISTS {tables.table(self.t(base))}")


def position_key(name: str, generation: int) -> str:
    return f"{name}@{generation}"

