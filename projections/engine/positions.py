"""Where each view stands: its position in the log and the generation that serves.

**Positions.** ``lotse_view_positions`` holds, per view and generation (``name@gen``,
and ``name@gen/kofn`` for a rebuild's shares), the log position applied so far; the
engine moves it with compare-and-set in the same transaction as the view's rows.

**Generations.** Each view's tables carry a generation (``lotse_caseload`` is
generation 0, ``lotse_caseload_g1`` generation 1, ...); ``lotse_projection_views``
names the generation that serves reads and the shape (``schema_version``) it was built
with. A view whose shape changed in the code starts afresh in the next generation.
"""

from __future__ import annotations

from application.sql import Cursor, Tables
from projections.engine.view import View

POSITIONS = "lotse_view_positions"
GENERATIONS = "lotse_projection_views"


def ensure_tables(tables: Tables, c: Cursor) -> None:
    c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {q} (name TEXT PRIMARY KEY, "
                         "position BIGINT NOT NULL, rate DOUBLE PRECISION)", q=POSITIONS))
    c.execute(tables.sql("CREATE TABLE IF NOT EXISTS {g} (name TEXT PRIMARY KEY, "
                         "generation INTEGER NOT NULL, schema_version INTEGER NOT NULL)",
                         g=GENERATIONS))


def forget_positions(tables: Tables, c: Cursor, view: View) -> None:
    """Delete the positions of ``view``'s generation, its rebuild shares' included."""
    c.execute(tables.sql("DELETE FROM {q} WHERE name = {p} OR name LIKE {p}", q=POSITIONS),
              (view.position_key, view.position_key + "/%"))


def serving_generation(tables: Tables, c: Cursor, view: View) -> int:
    """The generation of ``view`` that serves reads; a view whose shape changed in the
    code since (``schema_version``) starts afresh in the next generation."""
    c.execute(tables.sql("INSERT INTO {g} (name, generation, schema_version) VALUES "
                         "({p}, 0, {p}) ON CONFLICT (name) DO NOTHING", g=GENERATIONS),
              (view.name, view.schema_version))
    row = c.execute(tables.sql("SELECT generation, schema_version FROM {g} WHERE name = {p}",
                               g=GENERATIONS), (view.name,)).fetchone()
    generation, schema = (int(row[0]), int(row[1])) if row else (0, view.schema_version)
    if schema > view.schema_version:
        raise RuntimeError(f"the store's view {view.name} has shape {schema}, newer than "
                           f"this version of Lotse knows ({view.schema_version}): update it")
    if schema < view.schema_version:
        generation += 1
        view.generation = generation
        view.drop(c, tables)
        forget_positions(tables, c, view)
        c.execute(tables.sql("UPDATE {g} SET generation = {p}, schema_version = {p} "
                             "WHERE name = {p}", g=GENERATIONS),
                  (generation, view.schema_version, view.name))
    return generation

