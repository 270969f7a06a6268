"""A projection process for the crash test: catches every view up in small pages on the
store its LOTSE_* environment names, saying when it starts; killed from outside."""

from __future__ import annotations

import sys

from application.cases import FamilyCases
from application.settings import Settings
from projections.engine import CatchUp
from projections.views.registry import all_views


def main() -> None:
    with FamilyCases(Settings()) as cases:
        engine = CatchUp(cases, all_views(), page_size=int(sys.argv[1]))
        print("catching up", flush=True)
        while engine.run_once(max_pages=1):
            pass
        print("done", flush=True)


if __name__ == "__main__":
    main()
