"""The access matrix: every role x every endpoint x whose family / which project.

``MATRIX`` below is the one table of who may do what through the HTTP API
(``application/policy.py`` states the rules). Every route of the OpenAPI schema must appear in
it, so a new endpoint cannot ship without its row. For every cell the test sends a
valid request, so access is the only possible reason for a refusal, and after every
refusal it checks that nothing was stored.

One test per endpoint runs its whole row (every role, every scope). A cell that must
succeed gets a fresh family; the cells that must be refused share one family per scope,
which is sound because each of them checks that its refusal changed nothing.

Cells known to disagree with the matrix are listed in ``BUGS`` (with the correct answer
in ``MATRIX``): their endpoint's test is marked ``xfail(strict=True, raises=KnownBug)``,
so it still fails outright if any *other* cell of the row disagrees, and turns into a
failure once the bug is fixed (then delete the ``BUGS`` entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.web.pages.base import PageRoute
from application.commands import FamilyCommand, RecordConsultation
from application.directory import IssuedToken
from application.offers import load, offer_ids
from application.policy import Action
from domain.directory import Role
from domain.values import InstitutionType, PlaceKind
from tests.support.examples import ON_A_FAMILY, path_and_body, prepare, through
from tests.support.world import World, intake_body

ROLES = ("case_manager", "coordinator", "auditor", "reporting", "admin")

# ----- the scopes a cell is about ------------------------------------------------------
#
# FAMILY   a family of the caller's project assigned to the project's case manager (for
#          the case manager: their own family) / a family of the caller's project
#          assigned to another case manager / a family of the other project
# INTAKE   a new case in the caller's project for the project's case manager (for the
#          case manager: themselves) / for another case manager / in the other project
# PROJECT  the caller's project / the other project
# STAFF    the caller's project and one of its staff / the caller's project and a staff
#          member of the other project only / the other project and one of its staff
# QUERY    no ?project= / ?project=<own> / ?project=<other>
# OFFER    a social-space offer of the caller's project / of the other project
# ANY      one cell: the endpoint names no project

SCOPES = {
    "FAMILY": ("mine", "colleague's", "other project's"),
    "INTAKE": ("for the case manager", "for a colleague", "in the other project"),
    "PROJECT": ("own project", "other project"),
    "STAFF": ("own project and staff", "own project, other's staff", "other project"),
    "QUERY": ("no ?project", "?project=own", "?project=other"),
    "OFFER": ("own project's", "other project's"),
    "ANY": ("-",),
}

# ----- THE MATRIX: endpoint -> kind, then one status per scope for each role ------------
#
#          case_manager      coordinator       auditor           reporting         admin
ROW_CASEWORK = (
    (200, 404, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404))

ROW_OFFER_WORK = ((200, 404), (200, 404), (403, 404), (403, 404), (403, 404))

MATRIX: dict[str, tuple[str, tuple[tuple[int, ...], ...]]] = {
    "POST /offers": ("PROJECT", (
        (201, 404), (201, 404), (403, 404), (403, 404), (403, 404))),
    "GET /offers": ("QUERY", (
        (200, 200, 404), (200, 200, 404), (200, 200, 404), (200, 200, 404), (403, 403, 404))),
    "GET /offers/{offer_id}": ("OFFER", (
        (200, 404), (200, 404), (200, 404), (200, 404), (403, 404))),
    "POST /offers/{offer_id}/changes": ("OFFER", ROW_OFFER_WORK),
    "POST /offers/{offer_id}/end": ("OFFER", ROW_OFFER_WORK),
    "POST /offers/{offer_id}/sessions": ("OFFER", ROW_OFFER_WORK),
    "POST /offers/{offer_id}/cancellations": ("OFFER", ROW_OFFER_WORK),
    "POST /offers/{offer_id}/sessions/{session_id}/corrections": ("OFFER", ROW_OFFER_WORK),
    "GET /healthz": ("ANY", (
        (200,), (200,), (200,), (200,), (200,))),
    "GET /readyz": ("ANY", (
        (200,), (200,), (200,), (200,), (200,))),
    "GET /metrics": ("ANY", (
        (200,), (200,), (200,), (200,), (200,))),
    "GET /admin/views": ("ANY", (
        (403,), (403,), (403,), (403,), (200,))),
    "GET /me": ("ANY", (
        (200,), (200,), (200,), (200,), (200,))),
    "GET /projects": ("ANY", (
        (200,), (200,), (200,), (200,), (200,))),
    "GET /projects/{project}/staff": ("PROJECT", (
        (403, 404), (200, 404), (403, 404), (403, 404), (200, 404))),
    "GET /projects/{project}/figures": ("PROJECT", (
        (403, 404), (200, 404), (200, 404), (200, 404), (403, 404))),
    "GET /projects/{project}/team": ("PROJECT", (
        (403, 404), (200, 404), (200, 404), (403, 404), (403, 404))),
    "GET /projects/{project}/caseload-history": ("PROJECT", (
        (403, 404), (200, 404), (200, 404), (403, 404), (403, 404))),
    "GET /projects/{project}/social-space": ("PROJECT", (
        (403, 404), (200, 404), (200, 404), (200, 404), (403, 404))),
    "GET /projects/{project}/social-space/offers": ("PROJECT", (
        (403, 404), (200, 404), (200, 404), (200, 404), (403, 404))),
    "POST /projects/{project}/small-counts": ("PROJECT", (
        (403, 404), (200, 404), (403, 404), (403, 404), (200, 404))),
    "GET /reports/esf": ("PROJECT", (
        (403, 404), (200, 404), (200, 404), (200, 404), (403, 404))),
    "POST /reports/esf/submissions": ("PROJECT", (
        (403, 404), (201, 404), (403, 404), (403, 404), (403, 404))),
    "POST /projects/{project}/last-payment": ("PROJECT", (
        (403, 404), (200, 404), (403, 404), (403, 404), (200, 404))),
    "POST /projects/{project}/districts": ("PROJECT", (
        (403, 404), (200, 404), (403, 404), (403, 404), (200, 404))),
    **{f"GET /projects/{{project}}/{things}": ("PROJECT", (
        (200, 404), (200, 404), (200, 404), (200, 404), (200, 404)))
       for things in ("places", "partners")},
    **{f"POST /projects/{{project}}/{path}": ("PROJECT", (
        (403, 404), (status, 404), (403, 404), (403, 404), (status, 404)))
       for path, status in (("places", 201), ("places/{place_id}", 200),
                            ("places/{place_id}/retirement", 200), ("partners", 201),
                            ("partners/{partner_id}", 200),
                            ("partners/{partner_id}/retirement", 200))},
    "POST /projects/{project}/staff": ("PROJECT", (
        (403, 404), (403, 404), (403, 404), (403, 404), (201, 404))),
    "POST /projects/{project}/staff/{staff_id}/tokens": ("STAFF", (
        (403, 403, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404), (201, 404, 404))),
    "POST /projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation": ("STAFF", (
        (403, 403, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404), (200, 404, 404))),
    "GET /families": ("QUERY", (
        (200, 200, 404), (200, 200, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
    "GET /caseload": ("QUERY", (
        (200, 200, 404), (200, 200, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
    "POST /families": ("INTAKE", (
        (201, 403, 404), (201, 201, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404))),
    "GET /families/{family_id}": ("FAMILY", (
        (200, 404, 404), (200, 200, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
    "GET /families/{family_id}/history": ("FAMILY", (
        (200, 404, 404), (200, 200, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
    "GET /families/{family_id}/summary": ("FAMILY", (
        (200, 404, 404), (200, 200, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
    "GET /families/{family_id}/members/{member_id}/subject-access": ("FAMILY", (
        (403, 404, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404))),
    "GET /audit/reads": ("QUERY", (
        (403, 403, 404), (403, 403, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
    "GET /audit/integrity": ("QUERY", (
        (403, 403, 404), (403, 403, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404))),
}

# The commands on a family: one row per policy action, each command's route in the row
# of the action it declares (a command with a new action fails here until its row is
# written).
BY_ACTION: dict[Action, tuple[tuple[int, ...], ...]] = {
    Action.CASEWORK: ROW_CASEWORK,
    Action.ASSIGN: (
        (403, 404, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404)),
    Action.ERASE: (
        (403, 404, 404), (200, 200, 404), (403, 403, 404), (403, 403, 404), (403, 403, 404)),
}
MATRIX.update({f"POST {c.route.path}": ("FAMILY", BY_ACTION[c.action]) for c in ON_A_FAMILY})

PUBLIC = frozenset({"GET /healthz", "GET /readyz", "GET /metrics"})
"""Endpoints that take no token (probes); every other one answers 401 without one."""

DOCS = frozenset({"GET /openapi.json", "GET /docs", "GET /docs/oauth2-redirect", "GET /redoc",
                  "ANY /static"})
"""FastAPI's own pages about the API and the web interface's styles: with the web
interface's pages (``PageRoute``, whose access matrix is ``tests/web/test_web_access.py``)
the only routes served outside the schema."""

# (endpoint, role, scope) -> what is wrong. These cells state the correct answer in
# MATRIX; the API currently answers otherwise.
BUGS: dict[tuple[str, str, str], str] = {}

ERASURE = {"legal_basis": "art17_request"}


class KnownBug(Exception):
    """Raised when only cells listed in ``BUGS`` disagree with the matrix."""


def expected(endpoint: str, role: str) -> dict[str, int]:
    kind, rows = MATRIX[endpoint]
    return dict(zip(SCOPES[kind], rows[ROLES.index(role)], strict=True))


def matrix_params() -> Iterator[Any]:
    """One test per endpoint (all roles and scopes), xfail if ``BUGS`` names a cell."""
    for endpoint in MATRIX:
        reasons = [f"{r}, {s}: {why}" for (e, r, s), why in BUGS.items() if e == endpoint]
        marks = ([pytest.mark.xfail(strict=True, raises=KnownBug,
                                    reason="BUG: " + "; ".join(reasons))] if reasons else [])
        yield pytest.param(endpoint, marks=marks, id=endpoint)


# ----- the cast: the world's staff plus a second case manager in each project -----------



@dataclass(frozen=True)
class Family:
    id: str
    project: str
    case_manager: str
    members: tuple[str, ...]  # parent, child

    @property
    def uuid(self) -> UUID:
        return UUID(self.id)


@dataclass
class Cast:
    world: World
    colleague: IssuedToken  # a second case manager of KR
    gl_colleague: IssuedToken  # a second case manager of GL
    _clients: list[TestClient] = field(default_factory=list)

    def client(self, role: str, project: str = "KR") -> TestClient:
        return self.world.client(role, project)

    def bearer(self, token: str | None) -> TestClient:
        client = TestClient(self.world.app, raise_server_exceptions=False)
        if token is not None:
            client.headers["Authorization"] = f"Bearer {token}"
        self._clients.append(client)
        return client

    def staff_id(self, role: str, project: str = "KR") -> str:
        return self.world.token(role, project).staff_id

    def family(self, scope: str) -> Family:
        """A fresh family for one of the FAMILY scopes."""
        if scope == "mine":
            return self.open("KR", None)
        if scope == "colleague's":
            return self.open("KR", self.colleague.staff_id)
        assert scope == "other project's"
        return self.open("GL", None)

    def open(self, project: str, case_manager: str | None) -> Family:
        body = self.world.intake(project, case_manager=case_manager)
        owner = case_manager or self.world.case_manager_id(project)
        return Family(body["family_id"], project, owner, tuple(body["member_ids"]))

    def version(self, family: Family) -> int:
        return self.world.services.cases.get_case(family.uuid).version

    def status(self, family: Family) -> str:
        return str(self.world.services.cases.get_case(family.uuid).state.status)

    def reads(self) -> int:
        total, _ = self.world.services.read_log.entries(projects={"KR", "GL"})
        return total

    def families(self) -> int:
        return self.world.services.index.search(projects={"KR", "GL"}).total

    def offers(self) -> int:
        return len(list(offer_ids(self.world.services.cases, {"KR", "GL"})))

    def active_tokens(self, staff_id: str) -> tuple[str, ...]:
        return self.world.services.directory.member(staff_id).active_tokens


@pytest.fixture
def cast(world: World) -> Iterator[Cast]:
    c = Cast(world, world.add_staff("case_manager", "KR", name="Second KR"),
             world.add_staff("case_manager", "GL", name="Second GL"))
    yield c
    for client in c._clients:
        client.close()


# ----- per family endpoint: bring the family into a state where the command is valid ---

Prepared = tuple[str, dict[str, Any] | None]  # the path below /families/{id}, the body


class Ids(dict[str, str]):
    """The ids a command's example names, for one family of the cast: its members, new
    ids answered on the way, and ``colleague``, another case manager of its project."""

    def __init__(self, cast: Cast, f: Family) -> None:
        super().__init__(parent=f.members[0], child=f.members[1])
        self.cast, self.family = cast, f

    def __missing__(self, name: str) -> str:
        if name != "colleague":
            raise KeyError(name)
        f, cast = self.family, self.cast
        if f.project == "GL":
            return cast.gl_colleague.staff_id
        if f.case_manager == cast.colleague.staff_id:
            return cast.world.case_manager_id("KR")
        return cast.colleague.staff_id


def as_example(command: type[FamilyCommand]) -> Callable[[Cast, Family], Prepared]:
    """The command's example on this family, its prerequisites run beforehand through
    the application (by the family's case manager)."""
    def prepared(c: Cast, f: Family) -> Prepared:
        run = through(c.world.services.cases, f.uuid, recorded_by=f.case_manager)
        path, body = path_and_body(command, f.id, prepare(command, run, Ids(c, f)))
        return path.removeprefix(f"/families/{f.id}"), body
    return prepared


PREPARE: dict[str, Callable[[Cast, Family], Prepared]] = {
    "GET /families/{family_id}": lambda c, f: ("", None),
    "GET /families/{family_id}/history": lambda c, f: ("/history", None),
    "GET /families/{family_id}/summary": lambda c, f: ("/summary", None),
    "GET /families/{family_id}/members/{member_id}/subject-access":
        lambda c, f: (f"/members/{f.members[0]}/subject-access", None),
    **{f"POST {c.route.path}": as_example(c) for c in ON_A_FAMILY},
}


# ----- one cell ------------------------------------------------------------------------


def status_problems(response: Any, want: int) -> list[str]:
    if response.status_code != want:
        return [f"status {response.status_code} (want {want}): {response.text[:300]}"]
    if want == 403 and response.json().get("rule") != "forbidden":
        return [f"403 with rule {response.json().get('rule')}, not forbidden"]
    return []


def call(client: TestClient, endpoint: str, path: str, body: dict[str, Any] | None) -> Any:
    method = endpoint.split(" ", 1)[0]
    if method == "GET":
        return client.get(path)
    return client.post(path, json=body if body is not None else {})


SharedFamilies = dict[str, tuple[Family, str, dict[str, Any] | None]]


def check_family_cell(cast: Cast, endpoint: str, role: str, scope: str, want: int,
                      shared: SharedFamilies) -> str:
    """Run one FAMILY cell; '' if it behaved, else what went wrong.

    A cell that must succeed gets a fresh family; cells that must be refused share one
    family per scope (each of them checks that the refusal left it unchanged)."""
    if want < 300 or scope not in shared:
        family = cast.family(scope)
        tail, body = PREPARE[endpoint](cast, family)
        if want >= 300:
            shared[scope] = (family, tail, body)
    else:
        family, tail, body = shared[scope]
    before, reads_before = cast.version(family), cast.reads()
    response = call(cast.client(role), endpoint, f"/families/{family.id}{tail}", body)
    problems = status_problems(response, want)
    succeeded = response.status_code < 300
    if endpoint.startswith("POST"):
        after = cast.version(family)
        if not succeeded and after != before:
            problems.append(f"refused, but the family moved from version {before} to {after}")
        if not succeeded and cast.status(family) == "erased":
            problems.append("refused, but the family's personal data was erased")
        if succeeded and after <= before:
            problems.append(f"accepted, but the version stayed at {before}")
    else:
        logged = cast.reads() - reads_before
        want_logged = int(succeeded and family.case_manager != cast.staff_id(role))
        if logged != want_logged:
            problems.append(f"{logged} read log entries (want {want_logged})")
    if response.status_code == 404 and response.json().get("rule") != "family_not_found":
        problems.append(f"404 with rule {response.json().get('rule')}, not family_not_found")
    return "; ".join(problems)


def check_intake_cell(cast: Cast, role: str, scope: str, want: int) -> str:
    project, manager = {
        "for the case manager": ("KR", cast.world.case_manager_id("KR")),
        "for a colleague": ("KR", cast.colleague.staff_id),
        "in the other project": ("GL", cast.world.case_manager_id("GL")),
    }[scope]
    before = cast.families()
    response = cast.client(role).post("/families",
                                      json=intake_body(project, case_manager=manager))
    problems = status_problems(response, want)
    grown = cast.families() - before
    if grown != int(response.status_code == 201):
        problems.append(f"{grown} new families after status {response.status_code}")
    return "; ".join(problems)


def check_project_cell(cast: Cast, endpoint: str, role: str, scope: str, want: int) -> str:
    directory = cast.world.services.directory
    project = "KR" if scope in ("own project", "own project and staff",
                                "own project, other's staff") else "GL"
    target = cast.staff_id("auditor", "GL" if scope != "own project and staff" else "KR")
    staff_before = len(directory.staff())
    paid_before = directory.project(project).last_payment_on
    districts_before = directory.project(project).districts
    small_before = directory.project(project).small_counts_hidden
    places_before = places_state(cast, project)
    tokens_before = cast.active_tokens(target)
    revoked: str | None = None
    body: dict[str, Any] | None = None
    if endpoint == "GET /projects/{project}/staff":
        path = f"/projects/{project}/staff"
    elif endpoint == "GET /projects/{project}/figures":
        path = f"/projects/{project}/figures"
    elif endpoint == "GET /projects/{project}/team":
        path = f"/projects/{project}/team"
    elif endpoint == "GET /projects/{project}/caseload-history":
        path = f"/projects/{project}/caseload-history"
    elif endpoint == "GET /projects/{project}/social-space":
        path = f"/projects/{project}/social-space"
    elif endpoint == "GET /projects/{project}/social-space/offers":
        path = f"/projects/{project}/social-space/offers"
    elif endpoint == "POST /projects/{project}/small-counts":
        path = f"/projects/{project}/small-counts"  # (each allowed role turns it over)
        body = {"hidden": not directory.project(project).small_counts_hidden}
    elif endpoint == "GET /reports/esf":
        path = f"/reports/esf?project={project}&period=2026-H1"
    elif endpoint == "POST /reports/esf/submissions":
        path, body = "/reports/esf/submissions", {"project": project, "period": "2026-H1"}
    elif endpoint == "POST /projects/{project}/staff":
        path, body = f"/projects/{project}/staff", {"name": "Neu Person", "role": "auditor"}
    elif endpoint == "POST /offers":
        path, body = "/offers", offer_body(cast.world, project)
        places_before = places_state(cast, project)  # with the place and partner it added
    elif endpoint == "POST /projects/{project}/last-payment":
        path = f"/projects/{project}/last-payment"  # (a day of its own for each role)
        body = {"paid_on": f"2026-03-{10 + ROLES.index(role):02d}"}
    elif endpoint == "POST /projects/{project}/districts":
        path = f"/projects/{project}/districts"  # (a list of its own for each role)
        body = {"districts": ["Mitte", f"Bezirk {role}"]}
    elif "/places" in endpoint or "/partners" in endpoint:
        path, body = places_request(cast, endpoint, project, role)
        places_before = places_state(cast, project)  # with the one it added
    elif endpoint.endswith("/tokens"):
        path = f"/projects/{project}/staff/{target}/tokens"
    else:
        revoked = directory.issue_token(staff_id=target, recorded_by="test").token_id
        tokens_before = cast.active_tokens(target)
        path = f"/projects/{project}/staff/{target}/tokens/{revoked}/revocation"
    offers_before = cast.offers()
    response = call(cast.client(role), endpoint, path, body)
    problems = status_problems(response, want)
    ok = response.status_code < 300
    offers_grown = cast.offers() - offers_before
    if offers_grown != int(ok and endpoint == "POST /offers"):
        problems.append(f"{offers_grown} offers added after status {response.status_code}")
    staff_grown = len(directory.staff()) - staff_before
    if staff_grown != int(ok and endpoint == "POST /projects/{project}/staff"):
        problems.append(f"{staff_grown} staff added after status {response.status_code}")
    tokens_after = cast.active_tokens(target)
    if endpoint.endswith("/tokens"):
        if len(tokens_after) - len(tokens_before) != int(ok):
            problems.append(f"active tokens {tokens_before} -> {tokens_after} after status "
                            f"{response.status_code}")
    elif revoked is not None:
        if (revoked in tokens_after) == ok:
            problems.append(f"token {revoked} active={revoked in tokens_after} after status "
                            f"{response.status_code}")
    elif tokens_after != tokens_before:
        problems.append(f"active tokens changed: {tokens_before} -> {tokens_after}")
    paid = directory.project(project).last_payment_on
    if (paid != paid_before) != (ok and endpoint.endswith("/last-payment")):
        problems.append(f"last payment {paid_before} -> {paid} after status "
                        f"{response.status_code}")
    districts = directory.project(project).districts
    if (districts != districts_before) != (ok and endpoint.endswith("/districts")):
        problems.append(f"districts {districts_before} -> {districts} after status "
                        f"{response.status_code}")
    small = directory.project(project).small_counts_hidden
    if (small != small_before) != (ok and endpoint.endswith("/small-counts")):
        problems.append(f"small counts hidden {small_before} -> {small} after status "
                        f"{response.status_code}")
    places_changed = places_state(cast, project) != places_before
    if places_changed != (ok and endpoint.startswith("POST") and (
            "/places" in endpoint or "/partners" in endpoint)):
        problems.append(f"places or partners changed={places_changed} after status "
                        f"{response.status_code}")
    if response.status_code == 404 and response.json().get("rule") not in (
            "project_not_found", "staff_not_found"):
        problems.append(f"404 with rule {response.json().get('rule')}")
    return "; ".join(problems)


OFFER: dict[str, Any] = {
    "offer_type": "open_office_hours", "title": "Sprechstunde im Familienzentrum",
    "starts_on": "2026-03-06",
    "schedule": {"recurrence": "weekly", "weekdays": ["friday"], "start_time": "10:00",
                 "duration_minutes": 120}}


def offer_body(world: World, project: str) -> dict[str, Any]:
    """An offer of ``project`` at a place, with a partner, of its directory."""
    return {**OFFER, "project": project, "place_id": world.place(project),
            "partner_ids": [world.partner(project)]}
SESSION = {"staff_present": ["st-x"], "occurred_on": "2026-03-06",
           "attendance": {"counts": {"women": {"27_54": 3}}, "first_time": 1}}


def check_offer_cell(cast: Cast, endpoint: str, role: str, scope: str, want: int) -> str:
    """A fresh offer per cell (with a session for a correction), made by the project's
    coordinator; after a refusal the offer's version must be unchanged."""
    project = "KR" if scope == "own project's" else "GL"
    maker = cast.client("coordinator", project)
    offer_id = maker.post("/offers", json=offer_body(cast.world, project)).json()["offer_id"]
    tail, body = endpoint.split(" ", 1)[1].removeprefix("/offers/{offer_id}"), None
    if tail == "/sessions/{session_id}/corrections":
        held = maker.post(f"/offers/{offer_id}/sessions", json=SESSION).json()
        tail = f"/sessions/{held['session_id']}/corrections"
        body = {"field": "duration_minutes", "value": 60, "reason": "wrong_date_or_time"}
    elif endpoint.startswith("POST"):
        body = {"/changes": {"title": "Sprechstunde"}, "/end": {"occurred_on": "2026-03-20"},
                "/sessions": SESSION,
                "/cancellations": {"reason": "holiday", "occurred_on": "2026-03-13"}}[tail]
    before = load(cast.world.services.cases, UUID(offer_id)).version
    response = call(cast.client(role), endpoint, f"/offers/{offer_id}{tail}", body)
    problems = status_problems(response, want)
    after = load(cast.world.services.cases, UUID(offer_id)).version
    if (after != before) != (endpoint.startswith("POST") and response.status_code < 300):
        problems.append(f"version {before} -> {after} after status {response.status_code}")
    if response.status_code == 404 and response.json().get("rule") != "offer_not_found":
        problems.append(f"404 with rule {response.json().get('rule')}, not offer_not_found")
    return "; ".join(problems)
def places_state(cast: Cast, project: str) -> tuple[Any, ...]:
    """What a project's places and partners are now (to see that a refusal changed none)."""
    found = cast.world.services.directory.project(project)
    return (tuple((p.place_id, p.name, p.kind, p.active) for p in found.places.values()),
            tuple((p.partner_id, p.name, p.contact_role, p.active)
                  for p in found.partners.values()))


def places_request(cast: Cast, endpoint: str, project: str,
                   role: str) -> tuple[str, dict[str, Any] | None]:
    """A valid request to a place or partner endpoint: a change or retirement gets a
    place or partner of its own, added first."""
    directory = cast.world.services.directory
    things = "places" if "/places" in endpoint else "partners"
    body: dict[str, Any] = ({"name": f"Ort {role}", "kind": "school"} if things == "places"
                            else {"name": f"Partner {role}", "institution_type": "school"})
    if endpoint.endswith(f"/{things}"):
        return f"/projects/{project}/{things}", (body if endpoint.startswith("POST") else None)
    thing = uuid4()
    if things == "places":
        directory.change(lambda d: d.place(project=project, place_id=thing, name="Ort",
                                           kind=PlaceKind.KITA, district=None,
                                           recorded_by="test", new=True))
    else:
        directory.change(lambda d: d.partner(
            project=project, partner_id=thing, name="Partner",
            institution_type=InstitutionType.CHILDCARE, contact_role=None,
            district=None, recorded_by="test", new=True))
    if endpoint.endswith("/retirement"):
        return f"/projects/{project}/{things}/{thing}/retirement", None
    return f"/projects/{project}/{things}/{thing}", body


def something_to_find(cast: Cast) -> None:
    """Families and read log entries in both projects, so an answer could leak them."""
    for s in ("mine", "colleague's", "other project's"):
        cast.family(s)
    for project in ("KR", "GL"):
        assert cast.client("coordinator", project).get("/families").status_code == 200
        assert cast.client("coordinator", project).post(
            "/offers", json=offer_body(cast.world, project)).status_code == 201


def check_query_cell(cast: Cast, endpoint: str, role: str, scope: str, want: int) -> str:
    query = {"no ?project": "", "?project=own": "?project=KR",
             "?project=other": "?project=GL"}[scope]
    path = endpoint.split(" ", 1)[1] + query
    response = cast.client(role).get(path)
    problems = status_problems(response, want)
    if response.status_code == 200 and endpoint == "GET /audit/integrity":
        body = response.json()  # the whole log's check: nothing tampered, nothing to name
        if not body["verified"] or body["findings"] or body["events"] == 0:
            problems.append(f"an untouched store does not verify: {body}")
    elif response.status_code == 200:
        items = response.json()["items"]
        foreign = [i for i in items if i["project"] != "KR"]
        if foreign:
            problems.append(f"answer shows {len(foreign)} entries of another project")
        if endpoint in ("GET /families", "GET /caseload") and role == "case_manager":
            others = [i for i in items if i["case_manager"] != cast.staff_id(role)]
            if others:
                problems.append(f"a case manager's search shows {len(others)} families of "
                                "other case managers")
    if response.status_code == 404 and response.json().get("rule") != "project_not_found":
        problems.append(f"404 with rule {response.json().get('rule')}")
    return "; ".join(problems)


def check_any_cell(cast: Cast, endpoint: str, role: str, want: int) -> str:
    response = cast.client(role).get(endpoint.split(" ", 1)[1])
    problems = status_problems(response, want)
    if endpoint == "GET /projects" and response.status_code == 200:
        codes = [p["code"] for p in response.json()]
        if codes != ["KR"]:
            problems.append(f"lists projects {codes}, not just KR")
    if (endpoint == "GET /me" and response.status_code == 200
            and response.json()["roles"] != {"KR": role}):
        problems.append(f"roles {response.json()['roles']}")
    return "; ".join(problems)


# ----- the tests -----------------------------------------------------------------------


def operations(app: Any) -> dict[str, dict[str, Any]]:
    return {f"{method.upper()} {path}": op
            for path, ops in app.openapi()["paths"].items() for method, op in ops.items()}


def served_routes(app: Any) -> set[str]:
    """Every method and path the app answers, including routes left out of the schema."""
    found: set[str] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)  # FastAPI >= 0.16x
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
            elif isinstance(route, PageRoute):
                continue
            elif getattr(route, "methods", None):
                found.update(f"{m} {prefix}{route.path}" for m in route.methods if m != "HEAD")
            else:  # a mount or a websocket: it needs a row too
                found.add(f"ANY {prefix}{getattr(route, 'path', route)}")

    walk(list(app.routes), "")
    return found


@pytest.mark.store_independent
def test_every_route_has_a_row_in_the_matrix(world: World) -> None:
    routes = set(operations(world.app))
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without a row in MATRIX (add them): {missing}"
    assert not stale, f"rows in MATRIX for routes that no longer exist: {stale}"
    hidden = sorted(served_routes(world.app) - routes - DOCS)
    assert not hidden, f"routes served outside the OpenAPI schema: {hidden}"
    assert set(PREPARE) == {e for e, (kind, _) in MATRIX.items() if kind == "FAMILY"}
    for endpoint, (kind, rows) in MATRIX.items():
        assert len(rows) == len(ROLES), endpoint
        assert all(len(r) == len(SCOPES[kind]) for r in rows), endpoint
    for endpoint, role, scope in BUGS:
        assert scope in expected(endpoint, role), (endpoint, role, scope)


@pytest.mark.store_independent
def test_the_schema_declares_a_token_exactly_where_one_is_needed(world: World) -> None:
    unauthenticated = {k for k, op in operations(world.app).items() if not op.get("security")}
    assert unauthenticated == PUBLIC


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
@pytest.mark.store_independent  # (who may do what is decided before anything is stored;
# every command and read is run on PostgreSQL too in tests/api/test_api_commands.py,
# test_api_reads.py and test_api_every_post_is_idempotent.py)
@pytest.mark.parametrize("endpoint", list(matrix_params()))
def test_each_role_gets_what_the_matrix_says_at_each_endpoint_and_scope(
        cast: Cast, endpoint: str) -> None:
    """Every cell of the endpoint's row: each role, each scope."""
    kind, _ = MATRIX[endpoint]
    shared: SharedFamilies = {}
    if kind == "QUERY":
        something_to_find(cast)
    wrong: dict[tuple[str, str], str] = {}
    for role in ROLES:
        for scope, want in expected(endpoint, role).items():
            if kind == "FAMILY":
                problem = check_family_cell(cast, endpoint, role, scope, want, shared)
            elif kind == "INTAKE":
                problem = check_intake_cell(cast, role, scope, want)
            elif kind in ("PROJECT", "STAFF"):
                problem = check_project_cell(cast, endpoint, role, scope, want)
            elif kind == "QUERY":
                problem = check_query_cell(cast, endpoint, role, scope, want)
            elif kind == "OFFER":
                problem = check_offer_cell(cast, endpoint, role, scope, want)
            else:
                problem = check_any_cell(cast, endpoint, role, want)
            if problem:
                wrong[role, scope] = problem
    report = {cell: f"{endpoint} as {cell[0]}, {cell[1]}: {p}" for cell, p in wrong.items()}
    unexpected = [line for cell, line in report.items() if (endpoint, *cell) not in BUGS]
    assert not unexpected, "\n".join(unexpected)
    if wrong:
        raise KnownBug("\n".join(report.values()))


# ----- 404 means "not among yours", whatever the reason ---------------------------------


def _same_problem(a: Any, b: Any) -> None:
    assert (a.status_code, b.status_code) == (404, 404), (a.text, b.text)
    left, right = dict(a.json()), dict(b.json())
    left.pop("instance", None)
    right.pop("instance", None)
    assert left == right


def test_another_projects_things_answer_exactly_like_missing_ones(cast: Cast) -> None:
    gl = cast.family("other project's")
    missing = str(uuid4())
    for role in ROLES:
        client = cast.client(role)
        for tail in ("", "/history"):
            _same_problem(client.get(f"/families/{gl.id}{tail}"),
                          client.get(f"/families/{missing}{tail}"))
        _same_problem(client.post(f"/families/{gl.id}/erasure", json=ERASURE),
                      client.post(f"/families/{missing}/erasure", json=ERASURE))
        _same_problem(client.get("/projects/GL/staff"), client.get("/projects/XX/staff"))
        _same_problem(client.get("/families?project=GL"), client.get("/families?project=XX"))
        _same_problem(client.get("/audit/reads?project=GL"),
                      client.get("/audit/reads?project=XX"))
    # And a colleague's family, to a case manager.
    colleague = cast.family("colleague's")
    _same_problem(cast.client("case_manager").get(f"/families/{colleague.id}"),
                  cast.client("case_manager").get(f"/families/{missing}"))


# ----- the read log --------------------------------------------------------------------


def test_the_read_log_names_who_read_which_family_through_which_endpoint(cast: Cast) -> None:
    family = cast.family("mine")
    gl = cast.family("other project's")
    own = cast.client("case_manager")
    assert own.get(f"/families/{family.id}").status_code == 200
    assert own.get(f"/families/{family.id}/history").status_code == 200
    assert own.get("/families").status_code == 200
    # refused reads are no reads
    for role in ("reporting", "admin"):
        assert cast.client(role).get(f"/families/{family.id}").status_code == 403
    assert cast.bearer(cast.colleague.token).get(f"/families/{family.id}").status_code == 404
    assert cast.client("coordinator", "GL").get(f"/families/{family.id}").status_code == 404
    auditor = cast.client("auditor")
    page = auditor.get("/audit/reads", params={"family_id": family.id}).json()
    assert page["total"] == 0, page

    coordinator = cast.client("coordinator")
    assert coordinator.get(f"/families/{family.id}").status_code == 200
    assert coordinator.get(f"/families/{family.id}", params={"version": 1}).status_code == 200
    assert auditor.get(f"/families/{family.id}/history").status_code == 200
    search = coordinator.get("/families", params={"project": "KR"}).json()
    assert family.id in {i["family_id"] for i in search["items"]}
    assert cast.client("coordinator", "GL").get(f"/families/{gl.id}").status_code == 200

    response = auditor.get("/audit/reads", params={"family_id": family.id})
    assert response.status_code == 200
    got = [(e["staff_id"], e["role"], e["project"], e["family_id"], e["endpoint"])
           for e in response.json()["items"]]
    coordinator_id, auditor_id = cast.staff_id("coordinator"), cast.staff_id("auditor")
    assert got == [  # newest first
        (coordinator_id, "coordinator", "KR", family.id, "GET /families"),
        (auditor_id, "auditor", "KR", family.id, "GET /families/{id}/history"),
        (coordinator_id, "coordinator", "KR", family.id, "GET /families/{id}"),
        (coordinator_id, "coordinator", "KR", family.id, "GET /families/{id}"),
    ]
    assert all(e["read_at"] for e in response.json()["items"])
    # The family's own case manager never appears; GL's reads stay in GL's log.
    everything = auditor.get("/audit/reads", params={"limit": 500}).json()["items"]
    assert cast.world.case_manager_id("KR") not in {e["staff_id"] for e in everything}
    assert {e["project"] for e in everything} == {"KR"}
    assert gl.id not in {e["family_id"] for e in everything}
    gl_log = cast.client("auditor", "GL").get("/audit/reads").json()["items"]
    assert [(e["staff_id"], e["family_id"]) for e in gl_log] == [
        (cast.staff_id("coordinator", "GL"), gl.id)]
    # Filters by staff member
    by_auditor = auditor.get("/audit/reads", params={"staff_id": auditor_id}).json()
    assert [e["endpoint"] for e in by_auditor["items"]] == ["GET /families/{id}/history"]


# ----- a staff member with roles in two projects --------------------------------------


def test_roles_in_two_projects_give_each_projects_rights_there_only(cast: Cast) -> None:
    world = cast.world
    both = world.add_staff("case_manager", "KR", name="Both Projects")
    world.services.directory.grant_role(staff_id=both.staff_id, project="GL",
                                        role=Role.AUDITOR, recorded_by="test")
    client = cast.bearer(both.token)
    mine = cast.open("KR", both.staff_id)
    kr_other = cast.family("mine")  # the KR case manager's family
    gl = cast.family("other project's")
    consultation = PREPARE[f"POST {RecordConsultation.route.path}"]

    me = client.get("/me").json()
    assert me["roles"] == {"KR": "case_manager", "GL": "auditor"}
    assert {p["code"]: p["your_role"] for p in client.get("/projects").json()} == {
        "KR": "case_manager", "GL": "auditor"}

    # KR: a case manager's rights
    assert client.get(f"/families/{mine.id}").status_code == 200
    tail, body = consultation(cast, mine)
    assert client.post(f"/families/{mine.id}{tail}", json=body).status_code == 200
    assert client.get(f"/families/{kr_other.id}").status_code == 404
    assert client.get(f"/families/{kr_other.id}/history").status_code == 404
    assert client.post("/families", json=intake_body("KR")).status_code == 201
    assert client.get("/audit/reads", params={"project": "KR"}).status_code == 403
    kr_search = client.get("/families", params={"project": "KR"}).json()["items"]
    assert {i["case_manager"] for i in kr_search} == {both.staff_id}

    # GL: an auditor's rights
    version = cast.version(gl)
    assert client.get(f"/families/{gl.id}").status_code == 200
    assert client.get(f"/families/{gl.id}/history").status_code == 200
    tail, body = consultation(cast, gl)
    assert client.post(f"/families/{gl.id}{tail}", json=body).status_code == 403
    assert client.post(f"/families/{gl.id}/erasure", json=ERASURE).status_code == 403
    assert client.post(f"/families/{gl.id}/assignment", json={
        "case_manager": cast.gl_colleague.staff_id}).status_code == 403
    assert cast.version(gl) == version
    before = cast.families()
    refused = client.post("/families", json=intake_body(
        "GL", case_manager=world.case_manager_id("GL")))
    assert refused.status_code == 403
    assert client.post("/families", json=intake_body("GL")).status_code == 403
    assert cast.families() == before
    gl_search = client.get("/families", params={"project": "GL"}).json()["items"]
    assert gl.id in {i["family_id"] for i in gl_search}
    assert {i["project"] for i in gl_search} == {"GL"}
    # different roles in the two projects: name one
    assert client.get("/families").status_code == 422

    # the read log: GL's reads by this auditor are logged as an auditor's; its own family's
    # reads in KR are not logged at all; it audits GL only
    log = client.get("/audit/reads")
    assert log.status_code == 200
    entries = log.json()["items"]
    assert {e["project"] for e in entries} == {"GL"}
    assert {(e["staff_id"], e["role"]) for e in entries} == {(both.staff_id, "auditor")}
    assert mine.id not in {e["family_id"] for e in entries}
    kr_log = cast.client("auditor").get("/audit/reads").json()["items"]
    assert both.staff_id not in {e["staff_id"] for e in kr_log}
    assert client.get("/audit/reads", params={"project": "GL"}).status_code == 200

    # staff lists: neither role may list staff
    assert client.get("/projects/KR/staff").status_code == 403
    assert client.get("/projects/GL/staff").status_code == 403

    # without the role in KR, KR is another project
    world.services.directory.withdraw_role(staff_id=both.staff_id, project="KR",
                                           recorded_by="test")
    assert client.get("/me").json()["roles"] == {"GL": "auditor"}
    assert client.get(f"/families/{mine.id}").status_code == 404
    assert client.post(f"/families/{mine.id}{tail}", json=body).status_code == 404
    assert client.get("/families", params={"project": "KR"}).status_code == 404
    assert {i["project"] for i in client.get("/families").json()["items"]} == {"GL"}


def test_a_coordinator_here_and_auditor_there_assigns_here_only(cast: Cast) -> None:
    world = cast.world
    both = world.add_staff("coordinator", "KR", name="Coordinating Auditor")
    world.services.directory.grant_role(staff_id=both.staff_id, project="GL",
                                        role=Role.AUDITOR, recorded_by="test")
    client = cast.bearer(both.token)
    kr, gl = cast.family("mine"), cast.family("other project's")
    assert client.post(f"/families/{kr.id}/assignment", json={
        "case_manager": cast.colleague.staff_id}).status_code == 200
    version = cast.version(gl)
    assert client.post(f"/families/{gl.id}/assignment", json={
        "case_manager": cast.gl_colleague.staff_id}).status_code == 403
    assert client.post(f"/families/{gl.id}/erasure", json=ERASURE).status_code == 403
    assert cast.version(gl) == version
    assert cast.status(gl) == "open"
    assert client.get("/projects/KR/staff").status_code == 200
    assert client.get("/projects/GL/staff").status_code == 403
    # a KR family cannot be handed to a GL case manager
    assert client.post(f"/families/{kr.id}/assignment", json={
        "case_manager": cast.gl_colleague.staff_id}).status_code == 422
    # the search over both projects: both seen whole, so no ?project= needed
    found = {i["family_id"] for i in client.get("/families").json()["items"]}
    assert {kr.id, gl.id} <= found


def test_an_admin_cannot_reach_another_project_through_a_shared_account(cast: Cast) -> None:
    world = cast.world
    shared = world.add_staff("reporting", "KR", name="Shared Account")
    world.services.directory.grant_role(staff_id=shared.staff_id, project="GL",
                                        role=Role.AUDITOR, recorded_by="test")
    gl = cast.family("other project's")
    issued = cast.client("admin").post(f"/projects/KR/staff/{shared.staff_id}/tokens")
    if issued.status_code == 201:
        reader = cast.bearer(issued.json()["token"])
        assert reader.get(f"/families/{gl.id}").status_code == 404
    else:
        assert issued.status_code in (403, 404)


def test_staff_lists_show_nothing_of_another_project(cast: Cast) -> None:
    world = cast.world
    shared = world.add_staff("case_manager", "KR", name="Shared Account")
    world.services.directory.grant_role(staff_id=shared.staff_id, project="GL",
                                        role=Role.AUDITOR, recorded_by="test")
    for role in ("coordinator", "admin"):
        listed = cast.client(role).get("/projects/KR/staff").json()
        assert all(set(m["roles"]) == {"KR"} for m in listed), listed
    token_id = world.services.directory.issue_token(staff_id=shared.staff_id,
                                                    recorded_by="test").token_id
    revoked = cast.client("admin").post(
        f"/projects/KR/staff/{shared.staff_id}/tokens/{token_id}/revocation")
    assert revoked.status_code == 200
    assert revoked.json()["roles"] == {"KR": "case_manager"}


def test_a_refused_command_reveals_no_version_even_with_if_match(cast: Cast) -> None:
    """Access is checked before If-Match: no 412 with the current version of a family
    the caller may not see or change."""
    for role, scope, want in (("case_manager", "colleague's", 404),
                              ("case_manager", "other project's", 404),
                              ("coordinator", "mine", 403), ("auditor", "mine", 403),
                              ("reporting", "colleague's", 403),
                              ("coordinator", "other project's", 404)):
        family = cast.family(scope)
        tail, body = PREPARE[f"POST {RecordConsultation.route.path}"](cast, family)
        version = cast.version(family)
        response = cast.client(role).post(f"/families/{family.id}{tail}", json=body,
                                          headers={"If-Match": '"1"'})
        assert response.status_code == want, (role, scope, response.text)
        assert "current_version" not in response.json()
        assert "ETag" not in response.headers
        assert cast.version(family) == version


def test_a_transfer_moves_access_from_one_case_manager_to_the_other(cast: Cast) -> None:
    family = cast.family("mine")
    old, new = cast.client("case_manager"), cast.bearer(cast.colleague.token)
    assert new.get(f"/families/{family.id}").status_code == 404
    assert cast.client("coordinator").post(f"/families/{family.id}/assignment", json={
        "case_manager": cast.colleague.staff_id}).status_code == 200
    tail, body = PREPARE[f"POST {RecordConsultation.route.path}"](cast, family)
    version = cast.version(family)
    assert old.get(f"/families/{family.id}").status_code == 404
    assert old.get(f"/families/{family.id}", params={"version": 1}).status_code == 404
    assert old.get(f"/families/{family.id}/history").status_code == 404
    assert old.post(f"/families/{family.id}{tail}", json=body).status_code == 404
    assert cast.version(family) == version
    assert family.id not in {i["family_id"] for i in old.get("/families").json()["items"]}
    assert new.get(f"/families/{family.id}").status_code == 200
    assert new.post(f"/families/{family.id}{tail}", json=body).status_code == 200
    assert family.id in {i["family_id"] for i in new.get("/families").json()["items"]}


# ----- tokens --------------------------------------------------------------------------


def _concrete_requests(cast: Cast) -> list[tuple[str, str, dict[str, Any] | None]]:
    """One valid request for every endpoint of the matrix, aimed at KR."""
    target = cast.staff_id("auditor")
    token_id = cast.active_tokens(target)[0]
    paths = {
        "GET /projects/{project}/staff": ("/projects/KR/staff", None),
        "POST /projects/{project}/staff": ("/projects/KR/staff", {"name": "N", "role": "admin"}),
        "POST /projects/{project}/staff/{staff_id}/tokens": (
            f"/projects/KR/staff/{target}/tokens", None),
        "POST /projects/{project}/staff/{staff_id}/tokens/{token_id}/revocation": (
            f"/projects/KR/staff/{target}/tokens/{token_id}/revocation", None),
        "POST /families": ("/families", intake_body("KR")),
    }
    requests = []
    for endpoint, (kind, _) in MATRIX.items():
        if kind == "FAMILY":
            family = cast.family("mine")
            tail, body = PREPARE[endpoint](cast, family)
            requests.append((endpoint, f"/families/{family.id}{tail}", body))
        elif endpoint in paths:
            requests.append((endpoint, *paths[endpoint]))
        else:
            requests.append((endpoint, endpoint.split(" ", 1)[1], None))
    return requests


@pytest.mark.slow  # (an exhaustive walk: CI runs it, the inner loop not)
def test_a_revoked_token_is_refused_on_every_endpoint(cast: Cast) -> None:
    world = cast.world
    # One revoked token for each role that may change something.
    victims = [world.add_staff("case_manager", "KR", name="Revoked CM"),
               world.add_staff("admin", "KR", name="Revoked Admin"),
               world.add_staff("coordinator", "KR", name="Revoked Coordinator"),
               world.add_staff("auditor", "KR", name="Revoked Auditor")]
    spare = world.services.directory.issue_token(staff_id=victims[0].staff_id,
                                                 recorded_by="test")
    for victim in victims[1:]:
        world.services.directory.revoke_token(staff_id=victim.staff_id,
                                              token_id=victim.token_id, recorded_by="test")
    # ... and one revoked through the API by the admin
    response = cast.client("admin").post(
        f"/projects/KR/staff/{victims[0].staff_id}/tokens/{victims[0].token_id}/revocation")
    assert response.status_code == 200, response.text
    assert victims[0].token_id not in response.json()["active_tokens"]
    requests = _concrete_requests(cast)
    families, staff = cast.families(), len(world.services.directory.staff())
    wrong = []
    for token in [v.token for v in victims] + [None, "lotse_nonsense_x", "garbage"]:
        client = cast.bearer(token)
        for endpoint, path, body in requests:
            response = call(client, endpoint, path, body)
            want = 200 if endpoint in PUBLIC else 401
            rule = response.json().get("rule") if response.status_code != 200 else None
            want_rule = ("unauthenticated" if token is None else "invalid_token")
            if response.status_code != want or (want == 401 and rule != want_rule):
                wrong.append(f"{endpoint} with {token and token[:12]}: "
                             f"{response.status_code} {rule}")
            if want == 401 and "Bearer" not in response.headers.get("WWW-Authenticate", ""):
                wrong.append(f"{endpoint}: 401 without WWW-Authenticate")
    assert not wrong, "\n".join(wrong)
    assert cast.families() == families
    assert len(world.services.directory.staff()) == staff
    # revoking one token leaves the member's other tokens working
    assert cast.bearer(spare.token).get("/me").status_code == 200

