"""Who may do what: every access rule of Lotse, in this one module (API, CLI, web).

- A **case manager** sees and changes only the families assigned to them, and opens
  new cases for themselves.
- A **coordinator** sees every family of the project, opens cases for any case manager
  of the project, assigns and transfers cases, has a family's personal data erased, and
  answers a person's request for access (GDPR Art. 15: everything held about them).
- An **auditor** reads everything in the project, including histories and the log of
  who read which family, and changes nothing.
- **Reporting** sees aggregated figures only, never a family's record.
- An **admin** manages the project's staff accounts, never families.
- Coordinators and admins record the programme's last payment to a project, from which
  its retention runs (``domain/retention.py``), set its districts and manage its places
  and partner institutions; every role of a project sees its places and partners.
- Case managers and coordinators record the project's social-space offers and their
  sessions; auditors and reporting users read them (headcounts, never a family).
- A family that asked for erasure while retention runs is restricted (GDPR Art. 18): it
  leaves its case manager's cases (reads answer 404, lists leave it out); coordinators
  and auditors still see it.

Nobody sees anything of another project: a family or project outside the caller's
projects answers 404, exactly like one that does not exist, and so does a family of
the caller's project that a case manager is not responsible for. A role that may see a
family but not do the thing asked answers 403. Every read of a family's record by
someone who is not its case manager is written to the read log (``read_logged``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from application.directory import Actor
from application.refusals import Refusal
from domain.directory import Role


class Action(StrEnum):
    OPEN_CASE = "open_case"
    CASEWORK = "casework"  # members, ESF+ entry/exit, consultations, goals, referrals, ...
    ASSIGN = "assign"
    ERASE = "erase"
    READ_CASE = "read_case"
    READ_HISTORY = "read_history"
    SEARCH = "search"
    READ_CASELOAD = "read_caseload"
    READ_TEAM = "read_team"
    READ_CASELOAD_HISTORY = "read_caseload_history"
    READ_AUDIT_LOG = "read_audit_log"
    VERIFY_INTEGRITY = "verify_integrity"  # check that nothing in the event log was altered
    MANAGE_STAFF = "manage_staff"
    READ_VIEWS = "read_views"
    READ_STAFF = "read_staff"
    READ_FIGURES = "read_figures"
    READ_REPORT_DETAILS = "read_report_details"  # who is behind each figure
    SUBMIT_REPORT = "submit_report"
    SUBJECT_ACCESS = "subject_access"  # export everything held about one person (Art. 15)
    RECORD_LAST_PAYMENT = "record_last_payment"  # the programme's, when retention starts
    SET_DISTRICTS = "set_districts"  # the project's districts an intake chooses from
    SET_SMALL_COUNTS = "set_small_counts"  # the "< 5" rule of the statistics, on or off
    EXACT_COUNTS = "exact_counts"  # statistics with counts of under five people exactly
    SOCIAL_SPACE = "social_space"  # offers, their sessions and headcounts (issue 15)
    READ_OFFERS = "read_offers"  # offers and their sessions: headcounts, no family
    MANAGE_PLACES = "manage_places"  # the project's places and partner institutions
    READ_PLACES = "read_places"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CASE_MANAGER: frozenset({Action.OPEN_CASE, Action.CASEWORK, Action.READ_CASE,
                                  Action.READ_HISTORY, Action.SEARCH, Action.READ_CASELOAD,
                                  Action.SOCIAL_SPACE, Action.READ_OFFERS,
                                  Action.READ_PLACES}),
    Role.COORDINATOR: frozenset({Action.OPEN_CASE, Action.ASSIGN, Action.ERASE,
                                 Action.READ_CASE, Action.READ_HISTORY, Action.SEARCH,
                                 Action.READ_CASELOAD, Action.READ_TEAM, Action.READ_STAFF,
                                 Action.READ_FIGURES, Action.READ_CASELOAD_HISTORY,
                                 Action.READ_REPORT_DETAILS, Action.SUBMIT_REPORT,
                                 Action.SUBJECT_ACCESS, Action.RECORD_LAST_PAYMENT,
                                 Action.SET_DISTRICTS, Action.SOCIAL_SPACE,
                                 Action.READ_OFFERS, Action.MANAGE_PLACES,
                                 Action.READ_PLACES, Action.SET_SMALL_COUNTS,
                                 Action.EXACT_COUNTS}),
    Role.AUDITOR: frozenset({Action.READ_CASE, Action.READ_HISTORY, Action.SEARCH,
                             Action.READ_CASELOAD, Action.READ_TEAM, Action.READ_AUDIT_LOG,
                             Action.VERIFY_INTEGRITY,
                             Action.READ_FIGURES, Action.READ_CASELOAD_HISTORY,
                             Action.READ_REPORT_DETAILS, Action.READ_OFFERS,
                             Action.READ_PLACES, Action.EXACT_COUNTS}),
    Role.REPORTING: frozenset({Action.READ_FIGURES, Action.READ_OFFERS,
                               Action.READ_PLACES}),
    Role.ADMIN: frozenset({Action.MANAGE_STAFF, Action.READ_STAFF, Action.READ_VIEWS,
                           Action.RECORD_LAST_PAYMENT, Action.SET_DISTRICTS,
                           Action.MANAGE_PLACES, Action.READ_PLACES,
                           Action.SET_SMALL_COUNTS}),
}

OWN_CASES_ONLY = frozenset({Role.CASE_MANAGER})
"""Roles that see only the families assigned to them."""


def may(role: Role | None, action: Action) -> bool:
    return role is not None and action in PERMISSIONS[role]


@dataclass(frozen=True)
class FamilyAccess:
    role: Role
    read_logged: bool
    """True when the caller is not the family's case manager: reads are logged."""


def hidden(what: str = "family") -> Refusal:
    if what == "project":
        return Refusal(404, "project_not_found", "Not found",
                          "there is no such project among yours")
    return Refusal(404, "family_not_found", "Not found",
                      "there is no such family case among the cases you may see")


DOING = {
    Action.OPEN_CASE: "open cases", Action.CASEWORK: "record casework on a family",
    Action.ASSIGN: "assign or transfer cases", Action.ERASE: "erase personal data",
    Action.READ_CASE: "read a family's record", Action.READ_HISTORY: "read a family's history",
    Action.SEARCH: "search families", Action.READ_CASELOAD: "read caseloads",
    Action.READ_TEAM: "see the team overview",
    Action.READ_CASELOAD_HISTORY: "see who carried which case when",
    Action.READ_AUDIT_LOG: "read the read log",
    Action.VERIFY_INTEGRITY: "verify the event log's integrity",
    Action.MANAGE_STAFF: "manage staff accounts", Action.READ_STAFF: "list staff",
    Action.READ_VIEWS: "see the views' state",
    Action.READ_FIGURES: "read figures",
    Action.READ_REPORT_DETAILS: "see who is behind a report's figures",
    Action.SUBMIT_REPORT: "submit reports",
    Action.SUBJECT_ACCESS: "export everything held about a person",
    Action.RECORD_LAST_PAYMENT: "record the programme's last payment",
    Action.SET_DISTRICTS: "set the project's districts",
    Action.SET_SMALL_COUNTS: "turn the \"< 5\" rule of the statistics on or off",
    Action.EXACT_COUNTS: "see counts of fewer than five people exactly",
    Action.SOCIAL_SPACE: "record offers and their sessions",
    Action.READ_OFFERS: "read offers and their sessions",
    Action.MANAGE_PLACES: "manage the project's places and partners",
    Action.READ_PLACES: "see the project's places and partners"}


WHO = {Role.CASE_MANAGER: "a case manager", Role.COORDINATOR: "a coordinator",
       Role.AUDITOR: "an auditor", Role.REPORTING: "a reporting user", Role.ADMIN: "an admin"}


def forbidden(role: Role, action: Action) -> Refusal:
    return Refusal(403, "forbidden", "Forbidden",
                      f"{WHO[role]} may not {DOING[action]} in this project")


RESTRICTED_READS = frozenset({Action.READ_CASE, Action.READ_HISTORY})
"""What case managers may no longer do on a family whose processing is restricted (it
asked for erasure during retention, GDPR Art. 18): it leaves their cases. A command of
theirs on it is refused by the case itself, naming the restriction."""


def check_family(actor: Actor, action: Action, project: str,
                 case_manager: str | None, *, restricted: bool = False) -> FamilyAccess:
    """May ``actor`` do ``action`` on a family of ``project`` assigned to ``case_manager``
    (whose processing is ``restricted``)?"""
    role = actor.role_in(project)
    if role is None:
        raise hidden()
    sees = may(role, Action.READ_CASE)
    if sees and role in OWN_CASES_ONLY and case_manager != actor.staff_id:
        raise hidden()
    if restricted and role in OWN_CASES_ONLY and action in RESTRICTED_READS:
        raise hidden()
    if not may(role, action):
        raise forbidden(role, action)
    return FamilyAccess(role, read_logged=case_manager != actor.staff_id)


def check_project(actor: Actor, action: Action, project: str) -> Role:
    """May ``actor`` do ``action`` in ``project`` (not on one family)?"""
    role = actor.role_in(project)
    if role is None:
        raise hidden("project")
    if not may(role, action):
        raise forbidden(role, action)
    return role


def check_offer(actor: Actor, action: Action, project: str) -> Role:
    """May ``actor`` do ``action`` on an offer of ``project``? An offer of a project not
    theirs answers 404, as if it did not exist."""
    role = actor.role_in(project)
    if role is None:
        raise Refusal(404, "offer_not_found", "Not found",
                      "there is no such offer among your projects' offers")
    if not may(role, action):
        raise forbidden(role, action)
    return role


def projects_for(actor: Actor, action: Action) -> dict[str, Role]:
    """The caller's projects in which they may do ``action``."""
    return {p: r for p, r in actor.roles.items() if may(r, action)}


def check_intake_case_manager(actor: Actor, project: str, requested: str | None) -> str:
    """Whom a new case is assigned to: case managers open cases for themselves;
    coordinators name the case manager."""
    role = check_project(actor, Action.OPEN_CASE, project)
    if role is Role.CASE_MANAGER:
        if requested not in (None, actor.staff_id):
            raise Refusal(403, "forbidden", "Forbidden",
                             "a case manager opens cases for themselves; a coordinator "
                             "assigns them to others", field="case_manager")
        return actor.staff_id
    if requested is None:
        raise Refusal(422, "case_manager_missing", "Invalid input",
                         "name the case manager the new case is assigned to",
                         field="case_manager")
    return requested


@dataclass(frozen=True)
class Scope:
    """Where a read across families may look: these projects (with the caller's role in
    each), and only the caller's own families when ``own_cases_only``."""

    projects: dict[str, Role]
    own_cases_only: bool


def scope_for(actor: Actor, action: Action, project: str | None) -> Scope:
    """The caller's scope for ``action`` in ``project`` (None: all their projects)."""
    allowed = projects_for(actor, action)
    if not allowed and project is None:
        raise forbidden(next(iter(actor.roles.values())), action)
    if project is not None:
        check_project(actor, action, project)
        allowed = {project: allowed[project]}
    own = {p for p, r in allowed.items() if r in OWN_CASES_ONLY}
    if own and len(own) != len(allowed):
        # Mixed roles: the projects seen whole and those seen in part are read apart.
        raise Refusal(422, "project_required", "Invalid input",
                         "you hold different roles in your projects: name one with ?project=",
                         field="project")
    return Scope(allowed, bool(own))


class Page(StrEnum):
    """The web interface's screens: each is shown to those who may do its action in one
    of their projects (what a screen then shows is checked per family and project with
    the functions above, as for the JSON API)."""

    MY_DAY = "my_day"
    FAMILY = "family"
    INTAKE = "intake"
    HISTORY = "history"
    READ_LOG = "read_log"
    TEAM = "team"
    PROGRAMME = "programme"
    ESF_REPORT = "esf_report"
    ADMIN = "admin"
    WEEK = "week"  # this week's sessions of the social-space offers, to record them
    OFFERS = "offers"
    PLACES = "places"  # the project's places and partner institutions


PAGES: dict[Page, Action] = {
    Page.MY_DAY: Action.CASEWORK, Page.FAMILY: Action.READ_CASE, Page.INTAKE: Action.OPEN_CASE,
    Page.HISTORY: Action.READ_AUDIT_LOG, Page.READ_LOG: Action.READ_AUDIT_LOG,
    Page.TEAM: Action.READ_TEAM, Page.PROGRAMME: Action.READ_FIGURES,
    Page.ESF_REPORT: Action.READ_FIGURES, Page.ADMIN: Action.MANAGE_STAFF,
    Page.WEEK: Action.SOCIAL_SPACE, Page.OFFERS: Action.READ_OFFERS,
    Page.PLACES: Action.READ_PLACES}
"""The action that opens each screen (the access matrix, extended to pages)."""

START_PAGES = (Page.MY_DAY, Page.HISTORY, Page.TEAM, Page.PROGRAMME, Page.ADMIN)
"""Where a person lands after signing in: the first of these they may see."""


def may_see(actor: Actor, page: Page) -> bool:
    return bool(projects_for(actor, PAGES[page]))


def check_page(actor: Actor, page: Page) -> dict[str, Role]:
    """The caller's projects in which the page shows something (403 if none)."""
    allowed = projects_for(actor, PAGES[page])
    if not allowed:
        raise forbidden(next(iter(actor.roles.values())), PAGES[page])
    return allowed


def start_page(actor: Actor) -> Page | None:
    return next((p for p in START_PAGES if may_see(actor, p)), None)
