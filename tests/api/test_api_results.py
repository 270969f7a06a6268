"""ESF+ results through the API (issue 13, items 2 and 3): a follow-up dated before six
calendar months after its exit and a leaving status dated after its 28 days are a 422
naming the rule and the valid date, with nothing recorded; a result names the exit it
belongs to (``exit_on``, default the latest), so the first stay's results are recorded
after a re-entry and shown with that stay."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ENTRY, Family, problem
from tests.support.world import World


def left(world: World, exit_on: str = "2026-05-31") -> Family:
    """A family whose parent entered on 9 March and left on ``exit_on``."""
    f = Family(world, world.intake())
    f.ok("/participants", {"member_id": f.parent, **ENTRY, "occurred_on": "2026-03-09"})
    f.ok(f"/participants/{f.parent}/exit", {"status": "job_searching",
                                            "occurred_on": exit_on})
    return f


def stays(f: Family) -> list[dict[str, Any]]:
    response = f.world.client("case_manager").get(f"/families/{f.id}")
    assert response.status_code == 200, response.text
    return [p for p in response.json()["participations"] if p["member_id"] == f.parent]


@pytest.mark.parametrize(("path", "body", "rule", "says"), [
    ("/follow-ups", {"status": "employed", "occurred_on": "2026-11-29"},
     "follow_up_too_early", ("6 months", "earliest valid date is 2026-11-30")),
    ("/follow-ups", {"status": "employed", "occurred_on": "2026-05-30"},
     "follow_up_before_exit", ("2026-05-31",)),
    ("/participants/{parent}/leaving-status", {"status": "employed",
                                               "occurred_on": "2026-06-29"},
     "status_after_window", ("28 days", "last valid date is 2026-06-28")),
    ("/participants/{parent}/leaving-status", {"status": "employed",
                                               "occurred_on": "2026-05-30"},
     "status_before_exit", ("2026-05-31",)),
])
def test_a_result_outside_its_dates_is_a_422_naming_the_rule_and_nothing_is_recorded(
        world: World, path: str, body: dict[str, Any], rule: str,
        says: tuple[str, ...]) -> None:
    f = left(world)
    if path == "/follow-ups":
        body = {**body, "member_id": f.parent}
    before = f.version()

    found = problem(f.post(path.format(parent=f.parent), body), 422, rule, "occurred_on")

    assert f.version() == before
    assert all(text in found["detail"] for text in says), found["detail"]


def test_the_first_valid_dates_are_accepted(world: World) -> None:
    f = left(world)  # (31 May: six months later is 30 November, the month's last day)

    f.ok(f"/participants/{f.parent}/leaving-status", {"status": "employed",
                                                      "occurred_on": "2026-06-28"})
    f.ok("/follow-ups", {"member_id": f.parent, "status": "employed",
                         "better_situation": True, "occurred_on": "2026-11-30"})

    (stay,) = stays(f)
    assert stay["statuses"][-1] == {"on": "2026-06-28", "status": "employed"}
    assert stay["follow_up_on"] == "2026-11-30"


def test_the_first_stay_s_results_are_recorded_after_a_re_entry(world: World) -> None:
    f = left(world, "2026-04-01")
    f.ok("/participants", {"member_id": f.parent, **ENTRY, "occurred_on": "2026-05-04"})

    f.ok(f"/participants/{f.parent}/leaving-status", {"status": "employed",
                                                      "occurred_on": "2026-04-20"})
    f.ok("/follow-ups", {"member_id": f.parent, "status": "employed",
                         "exit_on": "2026-04-01", "occurred_on": "2026-10-01"})

    first, second = stays(f)
    assert first["statuses"] == [{"on": "2026-04-01", "status": "job_searching"},
                                 {"on": "2026-04-20", "status": "employed"}]
    assert (first["follow_up_on"], first["follow_up_status"]) == ("2026-10-01", "employed")
    assert (second["left_on"], second["statuses"], second["follow_up_on"]) == (None, [], None)


def test_an_exit_the_participant_does_not_have_is_a_422_naming_exit_on(world: World) -> None:
    f = left(world, "2026-04-01")
    before = f.version()

    found = problem(f.post("/follow-ups", {"member_id": f.parent, "status": "employed",
                                           "exit_on": "2026-04-02",
                                           "occurred_on": "2026-10-02"}),
                    422, "unknown_exit", "exit_on")

    assert f.version() == before
    assert "2026-04-01" in found["detail"]
