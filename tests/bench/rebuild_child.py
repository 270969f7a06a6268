"""One measurement in a process of its own, on the store its LOTSE_* environment names:

    python tests/bench/rebuild_child.py read      # read and decode every notification
    python tests/bench/rebuild_child.py rebuild [VIEW ...]  # rebuild views (default: all)

Prints one JSON line: events, seconds, events/s and the peak resident memory of the
largest process (the rebuild shares the views out among processes, one per core).
Both collect garbage alike (``young_collections_only``, as a rebuild does).
A process of its own per measurement, so that the peak memory is the rebuild's alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from application.cases import FamilyCases
from application.settings import Settings
from projections.engine import (
    REBUILD_PAGE_SIZE,
    default_workers,
    rebuild,
    young_collections_only,
)
from projections.views.registry import views_named


def read_all(cases: FamilyCases) -> int:
    """Every notification read and decoded as the views get them, nothing else."""
    head = cases.recorder.max_notification_id() or 0
    decode = cases.mapper.to_domain_event
    position = count = 0
    while position < head:
        page = cases.recorder.select_notifications(position, REBUILD_PAGE_SIZE, stop=head,
                                                   inclusive_of_start=False)
        if not page:
            break
        count += len([decode(n, unseal=False) for n in page])  # type: ignore[call-arg]
        position = page[-1].id
    return count


def main() -> None:
    what = sys.argv[1]
    with FamilyCases(Settings()) as cases:
        events = cases.recorder.max_notification_id() or 0
        started = time.perf_counter()
        if what == "read":
            with young_collections_only():  # as the rebuild collects garbage
                events = read_all(cases)
        else:
            views = views_named(sys.argv[2:])
            rebuild(cases, views, workers=default_workers())
        seconds = time.perf_counter() - started
    peak = max(resource.getrusage(who).ru_maxrss * 1024  # KiB on Linux; the largest
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))  # process
    print(json.dumps({"what": what, "events": events, "seconds": seconds,
                      "events_per_second": events / seconds, "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main()
