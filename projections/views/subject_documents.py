"""What each view holds about one family, for a subject access export (GDPR Art. 15).

Each view keeps one document per family (``projections.engine.documents``); this reads
it straight from the view's serving table (never through the engine's kept documents,
which belong to the engine's thread) and opens it if the view seals its documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import orjson

from application.sql import Tables
from projections.engine.documents import FamilyDocView
from projections.engine.view import View


def documents_of(tables: Tables, views: Sequence[View], family_id: UUID) -> dict[str, Any]:
    """View name -> the family's document as stored (JSON values; None: the view holds
    nothing of the family)."""
    found: dict[str, Any] = {}
    for view in views:
        if not isinstance(view, FamilyDocView):
            continue
        row = tables.fetchone(tables.sql("SELECT doc FROM {d} WHERE family_id = {p}",
                                         d=view.t(view.docs_table)), (family_id.hex,))
        if row is None:
            found[view.name] = None
        elif type(view).decode_doc is FamilyDocView.decode_doc:
            found[view.name] = orjson.loads(str(row[0]))
        else:  # a sealed document: the view opens it (a plain JSON value)
            found[view.name] = orjson.loads(orjson.dumps(view.decode_doc(family_id.hex,
                                                                         str(row[0]))))
    return found
