"""The catch-up engine: applies the event log to the views it is given, exactly once.

It knows no concrete view: ``projections.views.registry`` lists them, and whoever builds
an engine or starts a rebuild hands them over. Its parts:

- ``view``: the view base (``View``), what the engine asks of a read model;
- ``positions``: each view's position and the generation that serves it;
- ``catch_up``: the engine (``CatchUp``) that follows the log page by page;
- ``rebuild``: new generations from the log's start, in one process or several;
- ``runner``: keeps engines current in the background of a process;
- ``documents``: views made of a small document per family (``FamilyDocView``).
"""

from projections.engine.catch_up import PAGE_SIZE, CatchUp, ViewStatus
from projections.engine.positions import GENERATIONS, POSITIONS
from projections.engine.rebuild import (
    REBUILD_PAGE_SIZE,
    RebuildConflict,
    Rebuilt,
    default_workers,
    rebuild,
    young_collections_only,
)
from projections.engine.view import View

__all__ = ["GENERATIONS", "PAGE_SIZE", "POSITIONS", "REBUILD_PAGE_SIZE", "CatchUp",
           "RebuildConflict", "Rebuilt", "View", "ViewStatus", "default_workers", "rebuild",
           "young_collections_only"]
