"""The Programm page's section "Sozialraumarbeit": the social-space offers of a year
(``GET /projects/{p}/social-space/offers`` for its months), as figures, tables and two
charts, with the "< 5" rule applied as the API applies it: a count of one to four people
is shown as "< 5" to reporting users (and drawn as no bar: a bar's length would tell
it); sessions and hours stay exact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.deps import Services
from api.web import charts
from api.web.pages.reporting import Chosen
from projections.reporting.offer_figures import offer_figures
from projections.reporting.offer_render import (
    AGE_LABELS,
    GENDER_LABELS,
    OFFER_TYPE_LABELS,
    SMALL,
    directory_names,
    hides_small_counts,
    offer_json,
)


def offer_section(svc: Services, chosen: Chosen, year: int, short_months: list[str],
                  language: str, number: Callable[[float], str]) -> dict[str, Any]:
    """What the template draws: ``figures`` (the API's JSON of the year), the charts of
    sessions per month and attendance by offer type, the labels of the codes, and
    whether "< 5" applies."""
    side = 0 if language == "de" else 1

    def labels(table: dict[str, tuple[str, str]]) -> dict[str, str]:
        return {key: pair[side] for key, pair in table.items()}

    record = svc.directory.project(chosen.code)
    figures = offer_figures(svc.cases.tables, svc.views.offers, chosen.code,
                            from_month=f"{year}-01", to_month=f"{year}-12")
    hidden = hides_small_counts(record, chosen.role)
    shown = offer_json(figures, hidden=hidden, names=directory_names(record))
    types = labels(OFFER_TYPE_LABELS)
    months = {m["month"]: m for m in shown["by_month"]}
    held = [months.get(f"{year}-{m:02d}", {}).get("held", 0) for m in range(1, 13)]
    return {
        "figures": shown, "hidden": hidden, "types": types,
        "genders": labels(GENDER_LABELS), "ages": labels(AGE_LABELS),
        "month_chart": charts.columns(short_months, held),
        "type_chart": charts.bars([
            (types[t["offer_type"]], 0 if t["attendance"] == SMALL else t["attendance"],
             t["attendance"] if t["attendance"] == SMALL else number(t["attendance"]))
            for t in shown["by_offer_type"]]),
    }


def count(value: int | str | None, number: Callable[[float], str]) -> str:
    """A count as the page shows it: "< 5" as it is, numbers formatted."""
    return value if isinstance(value, str) else number(value or 0)
