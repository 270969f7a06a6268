"""What ``lotse demo`` adds to the stories so a visitor sees everything: a sign-in for
every demo staff member and a submitted ESF+ report of a past half-year."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from application.cases import FamilyCases
from application.sign_in import SignIns
from demo.loading import RECORDED_BY, DemoStaff
from demo.story import Site
from domain.directory import Role
from domain.rules import PROGRAMME_TZ
from projections.reporting.esf_figures import Period
from projections.reporting.esf_report import esf_report, figure_values
from projections.views.registry import Views

SUBMITTED_AFTER = timedelta(days=21)  # after the cut-off
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def user_name(staff: DemoStaff) -> str:
    """``anna.terhorst``; reporting accounts (no person) ``berichte.kr``."""
    if staff.role == Role.REPORTING.value:
        return f"berichte.{staff.project.lower()}"
    words = staff.name.lower().replace("ß", "ss").replace("ł", "l").split()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        words = [w.replace(umlaut, spelled) for w in words]
    plain = [unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() for w in
             (words[0], words[-1])]
    return ".".join("".join(c for c in w if c.isalnum() or c == "-") for w in plain)


def new_password() -> str:
    """Three groups of four, e.g. ``k7mq-4tzp-wx9c``: easy to type, 61 bits."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def give_sign_ins(sign_ins: SignIns, staff: list[DemoStaff]) -> list[DemoStaff]:
    """A user name and a new password for each staff member (returned with them)."""
    given = []
    for s in staff:
        with_sign_in = replace(s, user_name=user_name(s), password=new_password())
        sign_ins.set_password(s.staff_id, with_sign_in.user_name, with_sign_in.password,
                              set_by=RECORDED_BY)
        given.append(with_sign_in)
    return given


def last_period(today: date) -> Period:
    """The latest half-year whose report was due (three weeks after its cut-off)."""
    for period in (Period(today.year, 1), Period(today.year - 1, 2)):
        if period.cutoff + SUBMITTED_AFTER < today:
            return period
    raise AssertionError("unreachable")  # (last year's H2 was due by 21 January)


def submission(cases: FamilyCases, site: Site, today: date
               ) -> tuple[datetime, Callable[[], object]]:
    """When and how the coordinator of ``site`` submits the last period's report: its
    figures as known on that day (the views caught up with what was recorded by then)."""
    period = last_period(today)
    at = datetime.combine(period.cutoff + SUBMITTED_AFTER, time(10, 30), tzinfo=PROGRAMME_TZ)

    def submit() -> int:
        views = Views.build(cases)
        views.engine.run_once()
        report = esf_report(cases, views.esf, site.spec.code, period, "now", at.date())
        return cases.submit_report(project=site.spec.code, period=str(period),
                                   as_known="now", figures=figure_values(report.figures),
                                   submitted_by=site.coordinator, submitted_on=at.date())

    return at, submit
