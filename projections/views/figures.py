"""Aggregated figures of a project, without any personal data.

What reporting users and coordinators see at a glance: how many families the project
has reached, by status and by year of intake, and how many case managers carry them.
Counted from the family index (``projections/views/family_index.py``), caught up first.
"""

from __future__ import annotations

from dataclasses import dataclass

from projections.views.family_index import INDEX, FamilyIndex


@dataclass(frozen=True)
class ProjectFigures:
    project: str
    families: int
    by_status: dict[str, int]
    opened_by_year: dict[int, int]
    case_managers: int


def project_figures(index: FamilyIndex, project: str) -> ProjectFigures:
    index.catch_up()
    t = index.tables
    with t.transaction(commit=False) as c:
        statuses = c.execute(t.sql("SELECT status, COUNT(*) FROM {i} WHERE project = {p} "
                                   "GROUP BY status", i=INDEX), (project,)).fetchall()
        years = c.execute(t.sql("SELECT substr(opened_on, 1, 4), COUNT(*) FROM {i} "
                                "WHERE project = {p} GROUP BY substr(opened_on, 1, 4)",
                                i=INDEX), (project,)).fetchall()
        managers = c.execute(t.sql("SELECT COUNT(DISTINCT case_manager) FROM {i} WHERE "
                                   "project = {p} AND status = 'open'", i=INDEX),
                             (project,)).fetchone()
    by_status = {str(s): int(n) for s, n in statuses}
    return ProjectFigures(project, sum(by_status.values()), by_status,
                          {int(y): int(n) for y, n in sorted(years)},
                          int(managers[0]) if managers else 0)
