"""Submitted ESF+ reports: what a project sent for a period stays an event, with its figures.

One aggregate per project. A submission records the period, which view of the truth was
sent ("now" or "cutoff"), every indicator's figures (total, women, men, non-binary,
unknown), who submitted and when. A period may be submitted again (a correction sent
later); the latest submission of a period is the one reports are compared with.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import rules

Figures = dict[str, tuple[int, int, int, int, int | None]]
"""indicator code -> (total, women, men, non-binary, unknown)"""


class ReportSubmissions(Aggregate):
    class Started(Aggregate.Created):
        project: str

    class Submitted(Aggregate.Event):
        period: str
        as_known: str
        figures: Figures
        submitted_by: str
        submitted_on: date

        def apply(self, aggregate: Any) -> None:
            aggregate.latest[self.period] = self.originator_version

    def __init__(self, *, project: str) -> None:
        self.project = project
        self.latest: dict[str, int] = {}
        """period -> the version of its latest submission"""

    @staticmethod
    def id_for(project: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"lotse:report-submissions:{project}")

    @classmethod
    def start(cls, project: str) -> ReportSubmissions:
        rules.project_code(project)
        return cls._create(cls.Started, id=cls.id_for(project), project=project)

    def submit(self, *, period: str, as_known: str, figures: Figures, submitted_by: str,
               submitted_on: date) -> None:
        self.trigger_event(self.Submitted, period=period, as_known=as_known, figures=figures,
                           submitted_by=submitted_by, submitted_on=submitted_on)
