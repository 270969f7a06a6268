"""Configuration that would be silently half-applied is refused at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from application.settings import Settings


@pytest.mark.parametrize("url", [
    "postgresql://lotse@db.example/lotse?sslmode=verify-full",
    "postgresql://lotse@/lotse?host=/var/run/postgresql",
    "postgresql://lotse@db.example/lotse#x",
    "mysql://lotse@db.example/lotse"])
def test_database_urls_the_store_could_not_honour_fully_are_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="LOTSE_DATABASE_URL"):
        Settings(database_url=url)


def test_a_plain_postgresql_url_is_taken() -> None:
    assert Settings(database_url="postgresql://lotse:pw@db.example:5433/lotse").uses_postgres
