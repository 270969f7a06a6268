"""``lotse retention run`` on a real store (issue 13 item 6): what is due on days before,
on and after the end of a project's retention, the dry run listing it and why, the real
run erasing it (after a request, or at the end of retention) and printing what it did,
in a terminal 60 columns wide."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.commands import CloseCase, ErasePersonalData, ReopenCase, RequestErasure
from application.directory import Directory
from cli.main import app as cli
from domain.values import ClosureReason, ErasureBasis
from tests.support.builders import open_case, parent
from tests.support.processes import configure_lotse

INTAKE = date(2018, 5, 2)
REQUESTED = date(2020, 5, 4)
KR_ENDS, KR_DUE = date(2024, 12, 31), date(2025, 1, 1)  # last payment 2019-06-30


@dataclass
class Store:
    settings: Any
    families: dict[str, UUID]  # by name: kr_requested, kr_open, kr_closed, ...
    numbers: dict[str, str]


@pytest.fixture
def store_of_three_projects(make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> Store:
    """KR: last payment 2019-06-30 (retention ends 2024-12-31), a family that asked for
    erasure, an open and a closed one without a request, one erased before. GL: last
    payment 2020-03-01 (ends 2025-12-31), a family that asked. AK: no last payment, a
    family that asked."""
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    families: dict[str, UUID] = {}
    numbers: dict[str, str] = {}
    with FamilyCases(settings) as app:
        directory = Directory(app)
        for code, paid in (("KR", date(2019, 6, 30)), ("GL", date(2020, 3, 1)), ("AK", None)):
            directory.add_project(code=code, name=f"Projekt {code}", yearly_target=None,
                                  recorded_by="test")
            if paid is not None:
                directory.record_last_payment(project=code, paid_on=paid, recorded_by="test")
        for name in ("kr_requested", "kr_open", "kr_closed", "kr_erased", "gl_requested",
                     "ak_requested"):
            opened, _ = open_case(app, [parent(family=name.replace("_", "-"))],
                                  project=name[:2].upper(), occurred_on=INTAKE,
                                  consent_given_on=INTAKE)
            families[name], numbers[name] = opened.family_id, opened.case_number
        for name in ("kr_requested", "gl_requested", "ak_requested"):
            app.handle(RequestErasure(family_id=families[name], occurred_on=REQUESTED),
                       recorded_by="cm-anna")
        app.handle(CloseCase(family_id=families["kr_closed"], reason=ClosureReason.OTHER,
                             occurred_on=date(2019, 1, 10)), recorded_by="cm-anna")
        app.handle(ErasePersonalData(family_id=families["kr_erased"],
                                     legal_basis=ErasureBasis.UNLAWFULLY_RECORDED,
                                     occurred_on=date(2019, 2, 1)), recorded_by="dpo")
    return Store(settings, families, numbers)


def lotse(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "60"})


def recorded(store: Store) -> int:
    with FamilyCases(store.settings) as app:
        return app.recorder.max_notification_id() or 0


def erasures(store: Store) -> dict[str, ErasureBasis | None]:
    """The erased families by name, with the legal basis of their erasure."""
    found = {}
    with FamilyCases(store.settings) as app:
        for name, family_id in store.families.items():
            last = list(app.events.get(family_id))[-1]
            if type(last).__name__ == "PersonalDataErased":
                found[name] = last.legal_basis
    return found


def lines(output: str) -> Iterator[str]:
    yield from output.splitlines()


@pytest.mark.parametrize("today", ["2024-06-01", KR_ENDS.isoformat()])
def test_before_and_on_the_last_day_of_retention_nothing_is_due(
        store_of_three_projects: Store, today: str) -> None:
    store = store_of_three_projects
    head = recorded(store)

    found = lotse("retention", "run", "--dry-run", "--today", today)

    assert found.exit_code == 0, found.output
    assert "last payment 2019-06-30, retention ends 2024-12-31" in found.output
    assert "nothing is due before 2025-01-01" in found.output
    assert "Due: 0 families" in found.output
    assert store.numbers["kr_requested"] in found.output  # waiting, restricted
    assert store.numbers["kr_open"] not in found.output
    assert recorded(store) == head


def test_from_the_day_after_retention_the_dry_run_lists_what_is_due_and_why(
        store_of_three_projects: Store) -> None:
    store = store_of_three_projects
    head = recorded(store)

    found = lotse("retention", "run", "--dry-run", "--today", KR_DUE.isoformat())

    assert found.exit_code == 0, found.output
    out, n = found.output, store.numbers
    kr = out[out.index("KR  Projekt KR"):]
    kr = kr[:kr.index("GL  Projekt GL")] if "GL  Projekt GL" in kr else kr
    assert "retention ended 2024-12-31" in kr
    assert "erasure due since 2025-01-01" in kr
    assert "due for erasure: 2 families" in kr
    assert f"{n['kr_requested']}  {store.families['kr_requested']}" in kr
    assert "asked for erasure on 2020-05-04" in kr
    assert "to erase: retention_ended_after_request" in kr
    assert kr.count("no request: retention ended") == 1
    assert kr.count("to erase: retention_ended\n") == 1
    open_case = kr[kr.index("still open - close the case"):]
    assert " ".join(open_case.split()).startswith(
        "still open - close the case or check the programme's last payment: 1 family "
        f"{n['kr_open']} {store.families['kr_open']} open case: not to erase")
    assert "erased before: 1 family" in kr
    assert n["kr_erased"] not in out
    assert "retention ends 2025-12-31" in out  # GL: its request waits
    assert n["gl_requested"] in out
    assert "no last payment recorded: retention runs" in out  # AK
    assert n["ak_requested"] in out
    assert "Due: 2 families: 1 after a request, 1 without one." in out
    assert ("Not to erase: 1 family still open - close the case or check the "
            "programme's last payment.") in " ".join(out.split())
    assert recorded(store) == head
    assert erasures(store) == {"kr_erased": ErasureBasis.UNLAWFULLY_RECORDED}
    assert max(len(line) for line in lines(out)) <= 60


def test_the_run_erases_what_is_due_with_its_basis_and_prints_what_it_did(
        store_of_three_projects: Store) -> None:
    """A case still open is passed over (exit 1 for the operator of a scheduled run)
    until it is closed; the others are erased."""
    store = store_of_three_projects

    done = lotse("retention", "run", "--today", KR_DUE.isoformat())

    assert done.exit_code == 1, done.output
    assert erasures(store) == {
        "kr_erased": ErasureBasis.UNLAWFULLY_RECORDED,
        "kr_requested": ErasureBasis.RETENTION_ENDED_AFTER_REQUEST,
        "kr_closed": ErasureBasis.RETENTION_ENDED}
    out = done.output
    assert "erased (version 4): retention_ended_after_request" in out
    assert out.count("): retention_ended\n") == 1
    assert "open case: not erased" in out
    assert "Erased 2 families: 1 after a request, 1 without one." in out
    assert ("Not erased: 1 family still open - close the case or check the "
            "programme's last payment.") in " ".join(out.split())
    assert max(len(line) for line in lines(out)) <= 60
    with FamilyCases(store.settings) as app:
        erased = app.get_case(store.families["kr_requested"])
        assert erased.state.members[next(iter(erased.state.members))].family_name is None
        assert [e.recorded_by for e in app.events.get(store.families["kr_closed"])][-1] \
            .startswith("cli:")
        app.handle(CloseCase(family_id=store.families["kr_open"], reason=ClosureReason.OTHER,
                             occurred_on=date(2019, 6, 1)), recorded_by="cm-anna")

    again = lotse("retention", "run", "--today", KR_DUE.isoformat())
    assert again.exit_code == 0, again.output
    assert erasures(store)["kr_open"] is ErasureBasis.RETENTION_ENDED
    assert "erased before: 3 families" in again.output
    assert "Erased 1 family: 0 after a request, 1 without one." in again.output
    assert "still open" not in again.output

    last = lotse("retention", "run", "--today", KR_DUE.isoformat())
    assert last.exit_code == 0, last.output
    assert "erased before: 4 families" in last.output
    assert "Erased 0 families" in last.output
    assert "due for erasure" not in last.output


def test_a_case_reopened_after_the_dry_run_is_not_erased_by_the_run(
        store_of_three_projects: Store) -> None:
    """The run judges each family again as it is when its turn comes."""
    from application.retention import STILL_OPEN, plan
    from application.retention import run as erase

    store = store_of_three_projects
    with FamilyCases(store.settings) as app:
        found = plan(app, Directory(app), KR_DUE)
        assert [f.case_number for f in found.still_open] == [store.numbers["kr_open"]]
        app.handle(ReopenCase(family_id=store.families["kr_closed"], reason="again",
                            occurred_on=date(2019, 7, 1)), recorded_by="cm-anna")
        outcomes = {o.listed.case_number: o for o in erase(app, found.due, today=KR_DUE,
                                                            recorded_by="test")}

    reopened = outcomes[store.numbers["kr_closed"]]
    assert (reopened.erased_version, reopened.problem) == (None, STILL_OPEN)
    assert outcomes[store.numbers["kr_requested"]].erased_version is not None
    assert "kr_closed" not in erasures(store)
    assert "kr_open" not in erasures(store)


def test_a_real_run_is_not_judged_by_a_day_after_today(
        store_of_three_projects: Store) -> None:
    store = store_of_three_projects
    head = recorded(store)

    refused = lotse("retention", "run", "--today", "2999-01-01")
    bad = lotse("retention", "run", "--dry-run", "--today", "2025-13-01")

    assert refused.exit_code == 2
    assert "lies after today" in refused.output
    assert bad.exit_code == 2
    assert recorded(store) == head
    assert set(erasures(store)) == {"kr_erased"}


def test_a_last_payment_before_the_casework_is_refused_on_the_command_line(
        store_of_three_projects: Store) -> None:
    """KR's casework ends with the closing of a case on 2019-01-10 (the request of
    2020-05-04 and the erasure do not count); no view has been brought up to date in
    this store, and the rule holds all the same: it reads the log."""
    store = store_of_three_projects
    head = recorded(store)

    typo = lotse("projects", "last-payment", "KR", "2018-12-31")

    assert typo.exit_code == 1, typo.output  # (refused like every broken rule)
    said = " ".join(typo.output.split())
    assert "the last payment on 2018-12-31 lies before the casework of KR" in said
    assert f"family {store.numbers['kr_closed']} has an entry dated 2019-01-10" in said
    assert "(rule: payment_before_casework)" in said
    assert max(len(line) for line in lines(typo.output)) <= 60
    assert recorded(store) == head
    with FamilyCases(store.settings) as app:
        assert Directory(app).project("KR").last_payment_on == date(2019, 6, 30)
    same_day = lotse("projects", "last-payment", "KR", "2019-01-10")
    assert same_day.exit_code == 0, same_day.output


def test_the_last_payment_is_recorded_on_the_command_line_by_the_operator(
        store_of_three_projects: Store) -> None:
    store = store_of_three_projects

    done = lotse("projects", "last-payment", "AK", "2026-03-15")
    again = lotse("projects", "last-payment", "AK", "2026-03-15")

    assert done.exit_code == 0, done.output
    assert " ".join(done.output.split()) == ("Last payment to AK on 2026-03-15: retention "
                                             "ends 2031-12-31, erasure due from 2032-01-01.")
    assert again.exit_code == 1
    assert "nothing_changed" in again.output
    with FamilyCases(store.settings) as app:
        assert Directory(app).project("AK").last_payment_on == date(2026, 3, 15)
    listed = lotse("projects", "list")
    assert "2031-12-31" in listed.output
