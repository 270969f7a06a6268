"""A projection process killed with SIGKILL at random moments of its catch-up, and
started again each time, ends with every view as a clean rebuild gives it: nothing
missed, nothing counted twice (positions move in the page's own transaction)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from application.cases import FamilyCases
from application.directory import Directory
from demo.loading import load_demo
from projections.engine import CatchUp, rebuild
from projections.views.registry import all_views
from tests.integration.test_projection_caseload import everything, from_the_cases
from tests.integration.test_projection_rebuild import contents, serving
from tests.support.processes import environment_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
KILLS = 10


def _start(env: dict[str, str], page_size: int = 1) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.projection_child", str(page_size)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "catching up"
    return child


def test_a_projection_killed_ten_times_ends_equal_to_a_clean_rebuild(
        make_settings: Any) -> None:
    settings = make_settings()
    with FamilyCases(settings) as cases:
        load_demo(cases, Directory(cases), today=date(2026, 11, 20), families=120, seed=11)
        head = cases.recorder.max_notification_id() or 0
    env = {**environment_for(settings), "PYTHONPATH": str(ROOT)}
    rng = random.Random(5)
    positions = []
    with FamilyCases(settings) as cases:
        engine = CatchUp(cases, all_views())
        # Each kill once the views passed a random point of the log (by position, not
        # by time: on a busy machine a child may take long to get going).
        for target in sorted(rng.sample(range(1, head // 8), KILLS)):  # (pages of one
            # event are slow: the rest comes in pages of a usual size)
            child = _start(env)
            deadline = time.monotonic() + 60
            while engine.position() < target and time.monotonic() < deadline:
                time.sleep(0.002)  # (a page of one event: 2-30 ms)
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            positions.append(engine.position())
        assert positions[-1] < head, "the catch-up ended before the tenth kill"
        assert len(set(positions)) > KILLS // 2, positions  # killed at different moments
        child = _start(env, page_size=100)  # (the rest in pages of a usual size)
        assert child.wait(120) == 0

        assert engine.position() == head
        assert everything(cases) == from_the_cases(cases)
        survived = contents(cases, serving(cases))
        rebuild(cases, all_views())
        assert contents(cases, serving(cases)) == survived
