"""Accessibility (WCAG 2.1 AA, as BITV 2.0 asks of German public bodies): axe-core on
every screen, as each role sees it, finds no serious or critical violation, and no
screen needs sideways scrolling at 200 % zoom (WCAG 1.4.10: 1280 px wide at 200 % is
640 px; tables too wide for it scroll inside their own box)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Site, sign_in
from tests.browser.social_space import prepare
from tests.support.world import intake_body

pytestmark = pytest.mark.e2e

SCREENS = [  # (who, path): every page of the web interface, as the role that uses it
    (None, "/anmelden"),
    ("anna", "/"),
    ("anna", "/?suche=Okonkwo"),
    ("anna", "/aufnahme"),
    ("petra", "/aufnahme"),
    ("anna", "/familien/{family}"),
    ("anna", "/familien/{family}/akte"),
    ("anna", "/familien/{family}/korrektur/aufnahme"),
    ("anna", "/diese-woche"),
    ("anna", "/angebote"),
    ("anna", "/angebote/{offer}"),
    ("anna", "/angebote/{offer}/termin"),
    ("petra", "/team"),
    ("petra", "/familien/{family}"),
    ("petra", "/angebote/neu"),
    ("petra", "/angebote/{offer}/aendern"),
    ("petra", "/orte"),
    ("jonas", "/team"),
    ("jonas", "/verlauf"),
    ("jonas", "/verlauf?suche=Okonkwo"),
    ("jonas", "/verlauf/{family}"),
    ("jonas", "/lesezugriffe"),
    ("sabine", "/verwaltung"),
    ("mehmet", "/programm"),
    ("mehmet", "/esf-bericht"),
    ("mehmet", "/orte"),
    ("petra", "/esf-bericht"),
    ("petra", "/esf-bericht?stand=stichtag"),
]
SERIOUS = ("serious", "critical")
DESKTOP = {"width": 1280, "height": 800}
ZOOMED = {"width": 640, "height": 800}


def _violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in SERIOUS]


def test_no_screen_has_a_serious_accessibility_violation(page: Any, site: Site) -> None:
    with site.api("anna") as api:
        opened = api.post("/families", json=intake_body())
        assert opened.status_code == 201, opened.text
        family = opened.json()["case_number"]
    offer = prepare(site)["offer"]
    found: dict[str, list[str]] = {}
    signed_in_as = None
    for who, path in SCREENS:
        if who != signed_in_as and who is not None:
            page.context.clear_cookies()
            sign_in(page, site, who)
            signed_in_as = who
        page.goto(path.format(family=family, offer=offer))
        # (the forms folded away in <details> are checked too: axe skips what is hidden)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        violations = _violations(page)
        page.set_viewport_size(ZOOMED)  # (1280 px at 200 %: nothing may need sideways
        wide = page.evaluate("document.documentElement.scrollWidth")  # scrolling)
        page.set_viewport_size(DESKTOP)
        if wide > ZOOMED["width"]:
            violations.append(f"at 200 % zoom the page is {wide} px wide")
        if violations:
            found[f"{who or 'anonymous'} {path}"] = violations
    assert not found, found
