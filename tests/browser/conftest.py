"""Browser tests: Playwright for Python driving Debian's Chromium against a real
``lotse serve`` (one per test module), as a person would use Lotse.

Chromium comes from the system (``/usr/bin/chromium``; ``.ci/run`` installs it): without
it the tests are skipped with the reason, except under ``CI=true``, where they fail.
A failing test leaves a screenshot of its page in ``LOTSE_SCREENSHOTS`` (default: the
test's temporary directory) and names the file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from application.settings import Settings, new_key_text
from tests.conftest import IN_CI, POSTGRES_URL, drop_schema, postgres_unavailable
from tests.support.processes import Deployment

CHROMIUM = os.environ.get("LOTSE_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Lotse-Test-2026!"
STAFF = (  # (key, project, role, name)
    ("anna", "KR", "case_manager", "Anna Schmidt"),
    ("dariusz", "KR", "case_manager", "Dariusz Nowicki"),
    ("petra", "KR", "coordinator", "Petra Lange"),
    ("jonas", "KR", "auditor", "Jonas Weber"),
    ("mehmet", "KR", "reporting", "Mehmet Arslan"),
    ("sabine", "KR", "admin", "Sabine Krüger"),
)


@dataclass
class Person:
    key: str
    project: str
    role: str
    name: str
    staff_id: str
    token: str
    user_name: str


@dataclass
class Site:
    """A running Lotse with its staff (each with a password and a token)."""

    url: str
    deployment: Deployment
    people: dict[str, Person] = field(default_factory=dict)

    def api(self, who: str) -> httpx.Client:
        """An API client with ``who``'s bearer token (to prepare what a test needs)."""
        return httpx.Client(base_url=self.url, timeout=30.0, headers={
            "Authorization": f"Bearer {self.people[who].token}"})


def _chromium_missing() -> str | None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A fresh SQLite store with project KR and its staff, served by a real ``lotse
    serve``. What a browser test checks is what a person sees and does on the pages;
    the same pages are tested on both stores beneath the browser (``tests/web/``), and
    real servers on PostgreSQL in ``tests/e2e/``. The case manager's main flow runs in
    the browser on PostgreSQL too (``both_stores``, in ``test_browser_family.py``)."""
    yield from serve_site("sqlite", tmp_path_factory)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def both_stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Site]:
    """The ``site``, once on each store (for a module to use as its ``site``)."""
    yield from serve_site(request.param, tmp_path_factory)


def serve_site(store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The ``site`` of ``store``."""
    missing = _chromium_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"{missing} (CI=true: browser tests must run)")
        pytest.skip(missing)
    values: dict[str, Any] = {"data_dir": tmp_path_factory.mktemp("site") / "data",
                              "master_key": new_key_text(), "signing_key": new_key_text(),
                              "mode": "production", "password_hashing": "light"}
    schema = None
    if store == "postgres":
        error = postgres_unavailable()
        if error:
            if IN_CI:
                pytest.fail(f"{error} (CI=true: PostgreSQL tests must run)")
            pytest.skip(f"{error}; PostgreSQL variant skipped")
        schema = f"b_{os.urandom(6).hex()}"
        values.update(database_url=POSTGRES_URL, postgres_schema=schema)
    workdir = tmp_path_factory.mktemp("work")
    deployment = Deployment(Settings(**values), workdir)
    try:
        people = _staff(deployment.settings)
        server = deployment.start(1)[0]
        yield Site(server.url, deployment, people)
    finally:
        deployment.stop()
        if schema is not None:
            drop_schema(schema)


def _staff(settings: Settings) -> dict[str, Person]:
    """Project KR and its staff, each with a token and a password (recorded in this
    process before the server starts: the command line's own tests cover the CLI)."""
    from application.cases import FamilyCases
    from application.directory import Directory
    from application.sign_in import SignIns
    from domain.directory import Role

    people: dict[str, Person] = {}
    with FamilyCases(settings) as cases:
        directory = Directory(cases)
        directory.add_project(code="KR", name="WiQ Plus Krefeld", yearly_target=48,
                              recorded_by="test")
        sign_ins = SignIns.for_cases(cases)
        for key, project, role, name in STAFF:
            issued = directory.add_staff(name=name, project=project, role=Role(role),
                                         recorded_by="test")
            sign_ins.set_password(issued.staff_id, key, PASSWORD, set_by="test")
            people[key] = Person(key, project, role, name, issued.staff_id, issued.token, key)
    return people


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _chromium_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"{missing} (CI=true: browser tests must run)")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser: Any, site: Site, request: pytest.FixtureRequest,
         tmp_path: Path) -> Iterator[Any]:
    """A fresh browser context (no cookies) on the site, German, 1280×800; a screenshot
    is kept if the test fails."""
    context = browser.new_context(base_url=site.url, locale="de-DE",
                                  viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            folder = Path(os.environ.get("LOTSE_SCREENSHOTS", tmp_path))
            folder.mkdir(parents=True, exist_ok=True)
            shot = folder / f"{request.node.name}.png".replace("/", "_")
            tab.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failing page: {shot}")
        context.close()


def sign_in(page: Any, site: Site, who: str) -> None:
    """Sign in through the form as ``who`` (a key of ``STAFF``)."""
    page.goto("/anmelden")
    page.get_by_label("Benutzername").fill(site.people[who].user_name)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
