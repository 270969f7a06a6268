"""A running API on the test's store, with two projects and one account per role in each.

``world.client(role, project)`` gives a TestClient authenticated as that staff member;
``world.intake(...)`` opens a case through the API and returns its family id.

Building that world takes a dozen commands and, on PostgreSQL, a schema of tables. So each
test process builds it once per store (a template) and every test gets a copy: a copy of
the SQLite directory, or on PostgreSQL a schema of an earlier test, emptied and refilled
with the template's rows and sequences. A test's store is still its own and starts as if
freshly built; the tokens are the template's.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import build_services, create_app
from api.deps import Services
from application.directory import IssuedToken
from application.settings import Settings, new_key_text
from domain.directory import Role
from domain.values import InstitutionType, PlaceKind

PROJECTS = ("KR", "GL")


def intake_body(project: str = "KR", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project": project,
        "members": [
            {"role": "parent", "given_name": "Amira", "family_name": "Okonkwo-Brandt",
             "birth_date": "1991-05-17", "gender": "female"},
            {"role": "child", "given_name": "Noah", "family_name": "Okonkwo-Brandt",
             "birth_date": "2019-09-03", "gender": "male"}],
        "district": "Krefeld-Mitte", "postal_code": "47798", "street_address": "Westwall 12",
        "access_route": "kita", "benefit_situation": "sgb_ii",
        "consent_purposes": ["esf_reporting", "referral_to_partners"],
        "consent_given_on": "2026-03-02",
        "occurred_on": "2026-03-02"}
    body.update(overrides)
    return body


@dataclass
class World:
    services: Services
    app: Any
    staff: dict[tuple[Role, str], IssuedToken] = field(default_factory=dict)
    _clients: dict[str, TestClient] = field(default_factory=dict)

    def token(self, role: Role | str, project: str = "KR") -> IssuedToken:
        return self.staff[(Role(role), project)]

    def client(self, role: Role | str | None, project: str = "KR") -> TestClient:
        """A client authenticated as the ``role`` of ``project`` (None: no token)."""
        key = f"{role}:{project}"
        if key not in self._clients:
            client = TestClient(self.app, raise_server_exceptions=False)
            if role is not None:
                client.headers["Authorization"] = f"Bearer {self.token(role, project).token}"
            self._clients[key] = client
        return self._clients[key]

    def add_staff(self, role: Role | str, project: str = "KR", name: str = "Extra") -> IssuedToken:
        return self.services.directory.add_staff(name=name, project=project, role=Role(role),
                                                 recorded_by="test")

    def intake(self, project: str = "KR", case_manager: str | None = None,
               **overrides: Any) -> dict[str, Any]:
        """Open a case as the project's case manager (or assigned to ``case_manager`` by
        its coordinator); returns the response body."""
        if case_manager is None:
            client = self.client(Role.CASE_MANAGER, project)
            response = client.post("/families", json=intake_body(project, **overrides))
        else:
            client = self.client(Role.COORDINATOR, project)
            response = client.post("/families", json=intake_body(
                project, case_manager=case_manager, **overrides))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def case_manager_id(self, project: str = "KR") -> str:
        return self.token(Role.CASE_MANAGER, project).staff_id

    def place(self, project: str = "KR", name: str = "Stadtteilbüro Westwall",
              kind: str = "quarter_office", district: str | None = "Krefeld-Mitte") -> str:
        """A new place of ``project``'s directory; its id."""
        place_id = uuid.uuid4()
        self.services.directory.change(lambda d: d.place(
            project=project, place_id=place_id, name=name, kind=PlaceKind(kind),
            district=district, recorded_by="test", new=True))
        return str(place_id)

    def partner(self, project: str = "KR", name: str = "Jobcenter Krefeld",
                institution_type: str = "jobcenter") -> str:
        """A new partner institution of ``project``'s directory; its id."""
        partner_id = uuid.uuid4()
        self.services.directory.change(lambda d: d.partner(
            project=project, partner_id=partner_id, name=name,
            institution_type=InstitutionType(institution_type), contact_role=None,
            district=None, recorded_by="test", new=True))
        return str(partner_id)


Staff = dict[tuple[Role, str], IssuedToken]


def populate(services: Services) -> Staff:
    """The two projects and one staff member per role in each."""
    for code, name in (("KR", "WiQ Plus Krefeld"), ("GL", "Familiencoaching Gladbeck")):
        services.directory.add_project(code=code, name=name, yearly_target=48,
                                       recorded_by="test")
    return {(role, project): services.directory.add_staff(
                name=f"{role} {project}", project=project, role=role, recorded_by="test")
            for project in PROJECTS for role in Role}


class Templates:
    """The world built once per store in this test process, and the PostgreSQL schemas
    of finished tests, to be refilled from it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.master_key = new_key_text()
        self.staff: dict[str, Staff] = {}
        self.pg_template: str | None = None
        self.pg_tables: list[str] = []
        self.pg_filled: list[str] = []
        self.pg_sequences: list[tuple[str, int | None]] = []
        self.free: list[str] = []
        self.schemas: list[str] = []

    def _template(self, store: str, make_settings: Any) -> Staff:
        if store not in self.staff:
            overrides: dict[str, Any] = {"data_dir": self.root / store,
                                         "master_key": self.master_key}
            if store == "postgres":
                self.pg_template = self._new_schema()
                overrides["postgres_schema"] = self.pg_template
            services = build_services(make_settings(**overrides))
            self.staff[store] = populate(services)
            services.cases.close()
            if store == "postgres":
                self._read_template()
        return self.staff[store]

    def settings(self, store: str, make_settings: Any) -> tuple[Settings, Staff]:
        """Settings of a store that holds a copy of the template world."""
        staff = self._template(store, make_settings)
        if store == "sqlite":
            settings: Settings = make_settings(master_key=self.master_key)
            shutil.copytree(self.root / store, settings.data_dir)
            return settings, staff
        import psycopg

        schema = self.free.pop() if self.free else None
        try:
            refilled = schema is not None and self._refill(schema, check=True)
        except psycopg.errors.LockNotAvailable:  # an earlier test's connection still holds
            refilled = False  # a lock (lock_timeout): a schema of its own then
        if not refilled:
            schema = self._new_schema()
            build_services(make_settings(postgres_schema=schema)).cases.close()
            self._refill(schema)
        return make_settings(master_key=self.master_key, postgres_schema=schema), staff

    def release(self, settings: Settings) -> None:
        if settings.database_url is not None and settings.postgres_schema is not None:
            self.free.append(settings.postgres_schema)

    def _new_schema(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:16]}"
        self.schemas.append(schema)
        return schema

    def _read_template(self) -> None:
        """The template's tables, those holding rows, and its sequences' values (it
        never changes after it is built)."""
        import psycopg

        from tests.conftest import POSTGRES_URL

        template = self.pg_template
        with psycopg.connect(POSTGRES_URL) as conn:
            self.pg_tables = [row[0] for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
                (template,)).fetchall()]
            self.pg_filled = [table for table in self.pg_tables if conn.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{template}"."{table}")').fetchone()[0]]
            self.pg_sequences = conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s",
                (template,)).fetchall()

    def _refill(self, schema: str, *, check: bool = False) -> bool:
        """The template's rows and sequence values in place of the schema's, in one
        round trip (``check``: first, on the same connection, that the schema has the
        template's tables; False if not, nothing changed)."""
        import psycopg

        from tests.conftest import POSTGRES_URL

        template = self.pg_template
        with psycopg.connect(POSTGRES_URL) as conn:
            if check and [row[0] for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = %s "
                    "ORDER BY tablename", (schema,)).fetchall()] != self.pg_tables:
                return False
            statements = ["SET LOCAL lock_timeout = '5s'"]
            statements += [f'DELETE FROM "{schema}"."{table}"' for table in self.pg_tables]
            statements += [f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{template}".'
                           f'"{table}"' for table in self.pg_filled]
            statements += [f"""SELECT setval('"{schema}"."{name}"', {last or 1}, """
                           f"{'true' if last is not None else 'false'})"
                           for name, last in self.pg_sequences]
            conn.execute(";\n".join(statements).encode())
        return True

    def drop_all(self) -> None:
        from tests.conftest import drop_schema

        for schema in self.schemas:
            drop_schema(schema)


@pytest.fixture(scope="session")
def world_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("world"))
    yield templates
    if templates.pg_template is not None:
        templates.drop_all()


@pytest.fixture
def world(store: str, make_settings: Any, world_templates: Templates) -> Iterator[World]:
    settings, staff = world_templates.settings(store, make_settings)
    services = build_services(settings)
    w = World(services, create_app(services=services), dict(staff))
    yield w
    for client in w._clients.values():
        client.close()
    services.cases.close()
    world_templates.release(settings)
