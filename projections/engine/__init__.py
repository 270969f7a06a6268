"""The catch-up engine: applies the event log to the views it is given, exactly once.

It knows no concrete view (``projections.views.registry`` lists them and hands them
over); the names below are its public interface.
"""

from projections.engine.catch_up import (
    GENERATIONS,
    PAGE_SIZE,
    POSITIONS,
    REBUILD_PAGE_SIZE,
    CatchUp,
    RebuildConflict,
    Rebuilt,
    View,
    ViewStatus,
    default_workers,
    rebuild,
    young_collections_only,
)

__all__ = ["GENERATIONS", "PAGE_SIZE", "POSITIONS", "REBUILD_PAGE_SIZE", "CatchUp",
           "RebuildConflict", "Rebuilt", "View", "ViewStatus", "default_workers", "rebuild",
           "young_collections_only"]
