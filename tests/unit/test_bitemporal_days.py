"""When a bitemporal view takes an event's facts as known: the day it was recorded, but
never before a day the family's versions are known from (a server whose clock is a
little behind must not start a version before the one it replaces)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from domain.rules import PROGRAMME_TZ
from projections.reporting.bitemporal import WRITTEN, BitemporalView

pytestmark = pytest.mark.store_independent


def recorded(*days: str) -> list[Any]:
    return [SimpleNamespace(timestamp=datetime.fromisoformat(f"{d}T12:00").replace(
        tzinfo=PROGRAMME_TZ)) for d in days]


def test_days_follow_the_recording_days_as_long_as_they_go_forward() -> None:
    assert BitemporalView.known_days(None, recorded("2026-02-12", "2026-02-13")) == [
        "2026-02-12", "2026-02-13"]


def test_an_event_stamped_a_day_back_is_known_from_the_later_day() -> None:
    assert BitemporalView.known_days(None, recorded(
        "2026-02-13", "2026-02-14", "2026-02-13")) == ["2026-02-13", "2026-02-14",
                                                       "2026-02-14"]


def test_a_page_never_goes_back_before_the_versions_written_already() -> None:
    doc = {WRITTEN: {"case": ["2026-02-14", "digest"], "m:1": ["2026-02-10", "digest"]}}
    assert BitemporalView.known_days(doc, recorded("2026-02-13", "2026-02-15")) == [
        "2026-02-14", "2026-02-15"]
