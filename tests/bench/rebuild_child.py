"""One measurement in a process of its own, on the store its LOTSE_* environment names:

    python tests/bench/rebuild_child.py scan      # a plain SELECT of the stored events
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from application.cases import FamilyCases
from application.facts import FactDecoder
from application.settings import Settings
from projections.engine import (
    REBUILD_PAGE_SIZE,
    default_workers,
    rebuild,
    young_collections_only,
)
from projections.views.registry import views_named


def scan_all(cases: FamilyCases) -> int:
    """Every stored event's row by a plain SELECT in pages of the rebuild's size, on the
    store's own connection: no decoding, no decryption (the physical floor of reading
    the log)."""
    recorder: Any = cases.recorder
    t = cases.tables
    table = t.table(recorder.events_table_name)
    key = "notification_id" if t.postgres else "rowid"
    statement = (f"SELECT {key}, originator_id, originator_version, topic, state FROM {table} "
                 f"WHERE {key} > {t.p} ORDER BY {key} LIMIT {t.p}")
    position = count = 0
    with t.transaction(commit=False) as c:
        cursor = c.cursor  # the driver's own rows (tuples or sqlite3.Row), as they come
        while True:
            cursor.execute(statement, (position, REBUILD_PAGE_SIZE))
            rows = cursor.fetchall()
            if not rows:
                return count
            count += len(rows)
            position = rows[-1][0]


def read_all(cases: FamilyCases) -> int:
    """Every notification read and decoded as the views get them, nothing else."""
    head = cases.recorder.max_notification_id() or 0
    decode = FactDecoder(cases.mapper)  # as the engine decodes for the views
    position = count = 0
    while position < head:
        page = cases.recorder.select_notifications(position, REBUILD_PAGE_SIZE, stop=head,
                                                   inclusive_of_start=False)
        if not page:
            break
        count += len([decode(n, unseal=False) for n in page])
        position = page[-1].id
    return count


def main() -> None:
    what = sys.argv[1]
    with FamilyCases(Settings()) as cases:
        events = cases.recorder.max_notification_id() or 0
        started = time.perf_counter()
        if what == "scan":
            events = scan_all(cases)
        elif what == "read":
            with young_collections_only():  # as the rebuild collects garbage
                events = read_all(cases)
        else:
            views = views_named(sys.argv[2:])
            rebuild(cases, views, workers=default_workers())
        seconds = time.perf_counter() - started
    peak = max(resource.getrusage(who).ru_maxrss * 1024  # KiB on Linux; the largest
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))  # process
    import psycopg

    print(json.dumps({"psycopg": psycopg.pq.__impl__, "what": what, "events": events,
                      "seconds": seconds,
                      "events_per_second": events / seconds, "peak_rss_bytes": peak}))


if __name__ == "__main__":
    main()
