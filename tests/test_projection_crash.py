"""A projection process killed with SIGKILL at random moments of its catch-up, and
started again each time, ends with the view a clean rebuild gives: nothing missed,
nothing counted twice (the position moves in the page's own transaction)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from api.demo_data import load_demo
from application.cases import FamilyCases
from application.directory import Directory
from projections.caseload import CONTACTS, REFERRALS, ROWS, Caseload
from projections.engine import POSITIONS, CatchUp
from tests.test_projection_caseload import everything, from_the_cases

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]
KILLS = 10


def _environment(settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            secret = getattr(value, "get_secret_value", None)
            env[f"LOTSE_{name.upper()}"] = str(secret() if secret else value)
    env["PYTHONPATH"] = str(ROOT)
    return env


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-m", "tests.projection_child", "1"], env=env,
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "catching up"
    return child


def test_a_projection_killed_ten_times_ends_equal_to_a_clean_rebuild(
        make_settings: Any) -> None:
    settings = make_settings()
    with FamilyCases(settings) as cases:
        load_demo(cases, Directory(cases), today=date(2026, 11, 20), families=120, seed=11)
        head = cases.recorder.max_notification_id() or 0
    env = _environment(settings)
    rng = random.Random(5)
    positions = []
    with FamilyCases(settings) as cases:
        engine = CatchUp(cases, Caseload())
        for _ in range(KILLS):
            child = _start(env)
            time.sleep(rng.uniform(0.0, 0.05))
            child.send_signal(signal.SIGKILL)
            child.wait(10)
            positions.append(engine.position())
        assert positions[-1] < head, "the catch-up ended before the tenth kill"
        assert len(set(positions)) > KILLS // 2, positions  # killed at different moments
        child = _start(env)
        assert child.wait(120) == 0

        survived = everything(cases)
        assert survived == from_the_cases(cases)
        for table in ROWS, CONTACTS, REFERRALS:
            cases.tables.execute(cases.tables.sql("DELETE FROM {t}", t=table))
        cases.tables.execute(cases.tables.sql(
            "UPDATE {q} SET position = 0 WHERE name = 'caseload'", q=POSITIONS))
        CatchUp(cases, Caseload()).run_once()
        assert everything(cases) == survived
