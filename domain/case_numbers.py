"""Case numbers: human readable, unique per project, gap-free (``KR-2026-0042``).

One sequence aggregate per project and year issues the numbers. The application saves
the sequence's new event together with the new case in one transaction, so a number is
never issued twice (two intakes at once: one save conflicts and is retried) and never
lost (a failed intake rolls its number back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import rules


class CaseNumberSequence(Aggregate):
    class Started(Aggregate.Created):
        project: str
        year: int

    class NumberIssued(Aggregate.Event):
        number: int
        family_id: UUID

        def apply(self, aggregate: Any) -> None:
            aggregate.last_number = self.number

    snapshot_types = {  # noqa: RUF012 (an annotation would make the aggregate a dataclass)
        "_created_on": datetime, "_modified_on": datetime, "project": str, "year": int,
        "last_number": int}

    def __init__(self, *, project: str, year: int) -> None:
        self.project = project
        self.year = year
        self.last_number = 0

    @staticmethod
    def id_for(project: str, year: int) -> UUID:
        return uuid5(NAMESPACE_URL, f"lotse:case-numbers:{project}:{year}")

    @classmethod
    def start(cls, project: str, year: int) -> CaseNumberSequence:
        rules.project_code(project)
        return cls._create(cls.Started, id=cls.id_for(project, year), project=project,
                           year=year)

    def issue(self, family_id: UUID) -> str:
        number = self.last_number + 1
        self.trigger_event(self.NumberIssued, number=number, family_id=family_id)
        return self.format(number)

    def format(self, number: int) -> str:
        return f"{self.project}-{self.year}-{number:04d}"
