"""The ESF+ report against a fixture whose every figure was counted by hand.

Project KR, reporting period 2026-H1 (cut-off 30 June 2026) and 2026-H2. Each event is
recorded on the day it happened (10:00 UTC) unless said otherwise.

| | gender | born | first entry | age | at entry | ISCED | special items |
|---|---|---|---|---|---|---|---|
| P1 | f | 2008-03-10 | 2026-03-10 | 18 | unemployed 11 m | 0-2 | disability, third |
|    |   |            |            |    |                 |     | country, background, rural |
| P2 | m | 1996-04-01 | 2026-04-01 | 30 | unemployed 12 m | 3-4 | all four declined |
| P3 | nb | 1997-02-15 | 2026-02-15 | 29 | inactive | 5-8 | stateless, minority, homeless |
| P4 | f | 1971-03-20 | 2026-03-20 | 55 | employed | 0-2 | - |
| P5 | m | 1972-01-10 | 2026-01-10 | 54 | self-employed (*) | 3-4 | - |
| P6 | f | unknown | 2026-03-01 | - | unemployed | unknown | incomplete: listed only |
| P7 | m | 2000-05-05 | 2026-01-20 | 25 | unemployed 3 m (**) | 3-4 | - |
| P8 | f | 1990-01-01 | 2026-06-01 (***) | 36 | inactive | 0-2 | - |
(*) corrected to unemployed 4 m, recorded 2026-07-15; (**) re-entry 2026-05-01 as employed;
(***) recorded 2026-07-10. Everyone else: EU citizen, the special items answered no.

Exits: P1 2026-04-30 job searching, then employed on 05-20 (20 days: within 28) and,
recorded on 05-26, a qualification dated 05-12 (earlier: not the latest) -> EECR04.
P4 2026-05-29 employed -> EECR04, follow-up 2026-11-30 (six months after the exit: 11-29
or later) employed and better -> EECR05 and EECR06 in H2 only. P7 2026-02-20
none of these, re-entered, 2026-06-10 in education -> EECR02 (counted once).
P3's family is transferred to another case manager (changes no figure).
"""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import openpyxl
import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.commands import (
    AssignCaseManager,
    CorrectEntry,
    EnterParticipant,
    RecordConsultation,
    RecordExit,
    RecordFollowUp,
    RecordLeavingStatus,
)
from application.directory import Directory
from cli.main import app as cli
from demo.loading import load_demo
from domain.records import EntryData, FieldChange, MemberData
from domain.values import (
    Answer,
    Citizenship,
    ContactMode,
    ErasureBasis,
    ExitStatus,
    FollowUpStatus,
    Gender,
    IscedBand,
    LabourMarketStatus,
    MemberRole,
    Topic,
)
from projections.engine import CatchUp, rebuild
from projections.reporting.esf import (
    DOCS,
    RESULT_ROWS,
    ROWS,
    STINT_ROWS,
    EsfParticipants,
    project_families,
    read_participants,
)
from projections.reporting.esf_figures import EsfFigures, Period, count, count_stored, differences
from projections.reporting.esf_render import report_csv, report_json, report_xlsx
from projections.reporting.esf_replay import (
    end_of_day,
    participants_as_recorded_by,
    participants_now,
)
from projections.reporting.esf_report import esf_report
from projections.reporting.plausibility import plausibility
from projections.reporting.programme import ProgrammeFacts
from projections.reporting.programme_figures import kinds_of
from projections.reporting.programme_render import programme_rows
from tests.integration.test_store_queries import Clock
from tests.support.builders import intake_kwargs, run_intake
from tests.support.processes import configure_lotse

U, INACTIVE, E, S = (LabourMarketStatus.UNEMPLOYED, LabourMarketStatus.INACTIVE,
              LabourMarketStatus.EMPLOYED, LabourMarketStatus.SELF_EMPLOYED)
Y, N, D = Answer.YES, Answer.NO, Answer.DECLINED
EU, THIRD, STATELESS = Citizenship.EU, Citizenship.THIRD_COUNTRY, Citizenship.STATELESS
LOW, MID, HIGH = IscedBand.ISCED_0_2, IscedBand.ISCED_3_4, IscedBand.ISCED_5_8


def entry(status: LabourMarketStatus | None, months: int | None, isced: IscedBand | None,
          disability: Answer = N, citizenship: Citizenship = EU, background: Answer = N,
          minority: Answer = N, homeless: Answer = N, rural: bool = False) -> EntryData:
    return EntryData(status, months, isced, disability, citizenship, background, minority,
                     homeless, rural)


class Fixture:
    def __init__(self, app: FamilyCases, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.families: dict[str, UUID] = {}
        self.members: dict[str, UUID] = {}
        self.versions: dict[str, int] = {}

    def on(self, day: date) -> None:
        self.clock.set(day.year, day.month, day.day, 10, 0)

    def person(self, name: str, gender: Gender, born: date | None, entered: date,
               data: EntryData, *, recorded: date | None = None) -> UUID:
        member = MemberData(uuid4(), MemberRole.PARENT, name, "Muster", born, gender)
        self.on(date(2026, 1, 5))
        opened = run_intake(self.app, **intake_kwargs(
            [member, MemberData(uuid4(), MemberRole.CHILD, "Kind", "Muster",
                                date(2020, 1, 1), Gender.MALE)],
            occurred_on=date(2026, 1, 5), consent_given_on=date(2026, 1, 5)))
        self.families[name], self.members[name] = opened.family_id, member.member_id
        self.on(recorded or entered)
        result = self.app.handle(EnterParticipant(family_id=opened.family_id,
            member_id=member.member_id, entry=data, occurred_on=entered),
            recorded_by="cm-anna")
        self.versions[f"{name} entry"] = result.version
        return opened.family_id

    def exit(self, name: str, day: date, status: ExitStatus) -> None:
        self.on(day)
        self.app.handle(RecordExit(family_id=self.families[name], member_id=self.members[name],
            status=status, occurred_on=day),
            recorded_by="cm-anna")

    def status(self, name: str, day: date, status: ExitStatus) -> None:
        self.on(day)
        self.app.handle(RecordLeavingStatus(family_id=self.families[name],
            member_id=self.members[name], status=status, occurred_on=day),
            recorded_by="cm-anna")


def build(app: FamilyCases, clock: Clock) -> Fixture:
    f = Fixture(app, clock)
    f.person("P1", Gender.FEMALE, date(2008, 3, 10), date(2026, 3, 10),
             entry(U, 11, LOW, disability=Y, citizenship=THIRD, background=Y, rural=True))
    f.person("P2", Gender.MALE, date(1996, 4, 1), date(2026, 4, 1),
             entry(U, 12, MID, disability=D, background=D, minority=D, homeless=D))
    f.person("P3", Gender.NON_BINARY, date(1997, 2, 15), date(2026, 2, 15),
             entry(INACTIVE, None, HIGH, citizenship=STATELESS, minority=Y, homeless=Y))
    f.person("P4", Gender.FEMALE, date(1971, 3, 20), date(2026, 3, 20), entry(E, None, LOW))
    f.person("P5", Gender.MALE, date(1972, 1, 10), date(2026, 1, 10), entry(S, None, MID))
    f.person("P6", Gender.FEMALE, None, date(2026, 3, 1), entry(U, 5, None))
    f.person("P7", Gender.MALE, date(2000, 5, 5), date(2026, 1, 20), entry(U, 3, MID))
    # P1: exit and two statuses within its 28 days: the latest by date counts, not the
    # last recorded (a status dated after the 28 days is refused: test_result_rules).
    f.exit("P1", date(2026, 4, 30), ExitStatus.JOB_SEARCHING)
    f.status("P1", date(2026, 5, 20), ExitStatus.EMPLOYED)
    f.on(date(2026, 5, 26))
    app.handle(RecordLeavingStatus(family_id=f.families["P1"], member_id=f.members["P1"],
        status=ExitStatus.GAINED_QUALIFICATION, occurred_on=date(2026, 5, 12)),
        recorded_by="cm-anna")
    f.exit("P4", date(2026, 5, 29), ExitStatus.EMPLOYED)
    # P7 leaves, comes back with other characteristics, leaves again.
    f.exit("P7", date(2026, 2, 20), ExitStatus.NONE_OF_THESE)
    f.on(date(2026, 5, 1))
    app.handle(EnterParticipant(family_id=f.families["P7"], member_id=f.members["P7"],
        entry=entry(E, None, HIGH), occurred_on=date(2026, 5, 1)),
        recorded_by="cm-anna")
    f.exit("P7", date(2026, 6, 10), ExitStatus.IN_EDUCATION_OR_TRAINING)
    f.on(date(2026, 5, 1))
    app.handle(AssignCaseManager(family_id=f.families["P3"], case_manager="cm-bernd",
        reason="Urlaub", occurred_on=date(2026, 5, 1)),
        recorded_by="lead-kr")
    # Recorded after the cut-off: a backdated entry and a correction of an entry.
    f.person("P8", Gender.FEMALE, date(1990, 1, 1), date(2026, 6, 1), entry(INACTIVE, None, LOW),
             recorded=date(2026, 7, 10))
    f.on(date(2026, 7, 15))
    corrected = app.handle(CorrectEntry(
        family_id=f.families["P5"], corrected_version=f.versions["P5 entry"],
        changes=[FieldChange("labour_market_status", "unemployed"),
                 FieldChange("unemployed_months", "4")],
        reason="Gewerbe war schon abgemeldet", occurred_on=date(2026, 7, 15)),
        recorded_by="cm-anna")
    f.versions["P5 correction"] = corrected.version
    # Two consultations with P1's family: one on 15 June recorded that day, one on
    # 20 June recorded only on 12 July (backdated: in H1 "now", not "at the cut-off").
    for held, recorded, minutes in ((date(2026, 6, 15), date(2026, 6, 15), 60),
                                    (date(2026, 6, 20), date(2026, 7, 12), 90)):
        f.on(recorded)
        f.versions[f"consultation {held}"] = app.handle(RecordConsultation(
            family_id=f.families["P1"], duration_minutes=minutes, mode=ContactMode.HOME_VISIT,
            topics=[Topic.JOB_SEARCH], members_present=[], location=None, notes=None,
            next_follow_up_on=None, occurred_on=held),
            recorded_by="cm-anna").version
    # P4's follow-up six months after leaving.
    f.on(date(2026, 11, 30))
    app.handle(RecordFollowUp(family_id=f.families["P4"], member_id=f.members["P4"],
        status=FollowUpStatus.EMPLOYED, better_situation=True, occurred_on=date(2026, 11, 30)),
        recorded_by="cm-anna")
    return f


def table(figures: EsfFigures) -> dict[str, tuple[int, int, int, int, int | None]]:
    """code -> (total, women, men, non-binary, unknown), leaving out what is all zero."""
    return {code: (f.total, f.by_gender["female"], f.by_gender["male"],
                   f.by_gender["non_binary"], f.unknown)
            for code, f in figures.figures.items() if f.total or f.unknown}


H1_NOW = {
    "EECO01": (7, 3, 3, 1, None), "EECO02": (4, 1, 3, 0, None), "EECO03": (1, 0, 1, 0, None),
    "EECO04": (2, 1, 0, 1, None), "EECO05": (1, 1, 0, 0, None), "EECO07": (3, 1, 1, 1, None),
    "EECO08": (1, 1, 0, 0, None), "EECO09": (3, 3, 0, 0, None), "EECO10": (3, 0, 3, 0, None),
    "EECO11": (1, 0, 0, 1, None), "EECO12": (1, 1, 0, 0, 1), "EECO13": (2, 1, 0, 1, None),
    "EECO14": (1, 1, 0, 0, 1), "EECO15": (1, 0, 0, 1, 1), "EECO16": (1, 0, 0, 1, 1),
    "EECO17": (1, 1, 0, 0, None), "EECR02": (1, 0, 1, 0, None), "EECR04": (2, 2, 0, 0, None),
}
H1_AT_CUTOFF = {**H1_NOW, "EECO01": (6, 2, 3, 1, None), "EECO02": (3, 1, 2, 0, None),
                "EECO04": (1, 0, 0, 1, None), "EECO05": (2, 1, 1, 0, None),
                "EECO09": (2, 2, 0, 0, None)}
H2_NOW = {**H1_NOW, "EECR05": (1, 1, 0, 0, None), "EECR06": (1, 1, 0, 0, None)}


@pytest.fixture
def fixture(app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> Fixture:
    return build(app, Clock(monkeypatch))


def report_now(app: FamilyCases, view: EsfParticipants, cutoff: date,
               known_by: date | None = None) -> EsfFigures:
    """The figures with their evidence (the rules applied to the rows' records), checked
    against the same figures counted in SQL from the rows (what reporting users get)."""
    CatchUp(app, view).run_once()
    figures = count(read_participants(app.tables, view, "KR", cutoff, known_by), cutoff)
    stored = count_stored(app.tables, view, "KR", cutoff, known_by)
    assert table(stored) == table(figures)
    assert stored.incomplete_records == figures.incomplete_records == len(figures.incomplete)
    return figures


def test_every_figure_as_known_now_and_as_known_at_the_cutoff(fixture: Fixture) -> None:
    app = fixture.app
    view = EsfParticipants()
    h1 = Period.parse("2026-H1")
    now = report_now(app, view, h1.cutoff)
    assert table(now) == H1_NOW
    assert now.value("EECO01") == sum(now.value(c) for c in ("EECO02", "EECO04", "EECO05"))
    assert [(i.family_id, i.missing) for i in now.incomplete] == [
        (str(fixture.families["P6"]), ("birth_date", "isced"))]

    at_cutoff = report_now(app, view, h1.cutoff, known_by=h1.cutoff)
    assert table(at_cutoff) == H1_AT_CUTOFF
    # The rows known at the end of the cut-off day are what a replay of the events
    # recorded by then shows.
    families = project_families(app.tables, view, "KR")
    then, later = participants_as_recorded_by(app, families, end_of_day(h1.cutoff))
    assert _by_participant(then) == _by_participant(
        read_participants(app.tables, view, "KR", date(2026, 12, 31), known_by=h1.cutoff))

    changes = {c.code: c for c in differences(at_cutoff, now, lambda _: later)}
    assert set(changes) == {"EECO01", "EECO02", "EECO04", "EECO05", "EECO09"}
    p5, p8 = str(fixture.members["P5"]), str(fixture.members["P8"])
    assert (changes["EECO01"].at_cutoff, changes["EECO01"].now) == (6, 7)
    assert changes["EECO01"].participants == (p8,)
    assert set(changes["EECO02"].participants) == {p5}
    assert (str(fixture.families["P5"]), fixture.versions["P5 correction"],
            "EntryCorrected") in changes["EECO05"].events
    assert (str(fixture.families["P8"]), fixture.versions["P8 entry"],
            "ParticipantEntered") in changes["EECO04"].events

    assert table(report_now(app, view, Period.parse("2026-H2").cutoff)) == H2_NOW


def test_each_figure_names_its_participants_and_events(fixture: Fixture) -> None:
    now = report_now(fixture.app, EsfParticipants(), date(2026, 6, 30))
    p1 = str(fixture.members["P1"])
    behind = {e.participant_id: e for e in now.figures["EECR04"].evidence}
    assert set(behind) == {p1, str(fixture.members["P4"])}
    history = [h.event for h in fixture.app.history(fixture.families["P1"])]
    named = [history[v - 1] for v in behind[p1].versions]
    assert named == ["ParticipantEntered", "ParticipantLeft", "LeavingStatusRecorded"]
    counted = {e.participant_id for e in now.figures["EECO01"].evidence}
    assert str(fixture.members["P6"]) not in counted
    assert len(counted) == now.value("EECO01")


def test_the_view_kept_event_by_event_equals_a_rebuild_and_the_fold_of_all_events(
        fixture: Fixture) -> None:
    app = fixture.app
    live = EsfParticipants()
    CatchUp(app, live).run_once()
    kept = read_participants(app.tables, live, "KR", date(2026, 12, 31))
    fresh = EsfParticipants()
    rebuild(app, [fresh])
    rebuilt = read_participants(app.tables, fresh, "KR", date(2026, 12, 31))
    families = project_families(app.tables, fresh, "KR")
    key = _by_participant
    assert key(kept) == key(rebuilt) == key(participants_now(app, families))
    assert table(count(rebuilt, date(2026, 6, 30))) == H1_NOW


def _by_participant(participants: list[Any]) -> dict[str, Any]:
    return {p.participant_id: p for p in participants}


def test_birth_dates_are_sealed_at_rest_and_an_erasure_changes_no_figure(
        fixture: Fixture) -> None:
    app = fixture.app
    view = EsfParticipants()
    CatchUp(app, view).run_once()
    t = app.tables
    stored = " ".join(str(r) for r in t.fetchall(t.sql("SELECT doc FROM {d}",
                                                       d=view.t(DOCS))))
    assert "2008-03-10" not in stored
    assert "1971-03-20" not in stored
    # Nothing of the entry (the special-category answers above all) is readable at rest
    # in any of the view's tables; the counters hold sums by project, gender and period.
    for base in (DOCS, ROWS, RESULT_ROWS, STINT_ROWS):
        at_rest = " ".join(str(r) for r in t.fetchall(t.sql("SELECT * FROM {x}",
                                                            x=view.t(base))))
        for word in ("disability", "minority", "homeless", "foreign_background",
                     "third_country", "stateless", "isced_", "unemployed"):
            assert word not in at_rest, (base, word)
    family = fixture.families["P3"]
    before = report_now(app, view, date(2026, 6, 30))
    then_before = report_now(app, view, date(2026, 6, 30), known_by=date(2026, 6, 30))
    app.erase_personal_data(family, legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Widerspruch nach Ende der Aufbewahrungsfrist",
                            occurred_on=date(2026, 11, 30), recorded_by="lead-kr")
    after = report_now(app, view, date(2026, 6, 30))
    # Erased: the birth date is gone, the age on entry and the special-category answers
    # the indicators count are kept, so no figure changes and nothing becomes incomplete.
    assert after.value("EECO01") == before.value("EECO01") == H1_NOW["EECO01"][0]
    assert after.value("EECO15") == before.value("EECO15") == H1_NOW["EECO15"][0]
    assert after.incomplete == before.incomplete
    assert str(family) not in [i.family_id for i in after.incomplete]
    # Nor does any version known before the erasure change: a report at the cut-off
    # (long before the erasure) reads the family as it did.
    then = report_now(app, view, date(2026, 6, 30), known_by=date(2026, 6, 30))
    assert then.figures == then_before.figures
    assert then.incomplete == then_before.incomplete
    records = [view.open_record(family.hex, str(m), str(k), str(r))
               for m, k, r in t.fetchall(t.sql(
                   "SELECT entity, known_from, record FROM {r} WHERE family_id = {p}",
                   r=view.t(ROWS)), (family.hex,))]
    assert records
    assert all(r["a"] is not None for r in records)
    # The birth dates themselves are nowhere: not in the view, not in what was kept.
    kept = app.kept_facts.get(family)
    assert kept is not None
    assert "1997-02-15" not in str(kept)
    assert 29 in [age for members in kept["ages"].values() for ages in members.values()
                  for age in ages.values()]  # (P3's age on entry)


def test_lotse_report_esf_writes_the_report_as_json_and_csv(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        load_demo(app, Directory(app), today=date(2026, 11, 20), families=12, seed=4)
        view = EsfParticipants()
        expected = report_now(app, view, date(2026, 12, 31))
    assert expected.value("EECO01") > 0  # (the demo has participants to compare)
    runner = CliRunner()
    out = tmp_path / "kr.json"
    result = runner.invoke(cli, ["report", "esf", "--project", "KR", "--period", "2026-H2",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text(encoding="utf-8"))
    assert {r["code"]: r["total"] for r in body["indicators"]} == {
        code: f.total for code, f in expected.figures.items()}
    assert body["incomplete_records"] == len(expected.incomplete)
    assert body["indicators"][0]["participants"] is not None  # the auditor's view

    csv_file = tmp_path / "kr.csv"
    result = runner.invoke(cli, ["report", "esf", "--project", "KR", "--period", "2026-H2",
                                 "--as", "cutoff", "--format", "csv", "--output",
                                 str(csv_file)])
    assert result.exit_code == 0, result.output
    assert csv_file.read_text(encoding="utf-8").startswith("code,label_de,label_en,total")

    for wrong in (["--project", "XX", "--period", "2026-H2"],
                  ["--project", "KR", "--period", "2026-Q4"],
                  ["--project", "KR", "--period", "2026-H2", "--as", "then"]):
        refused = runner.invoke(cli, ["report", "esf", *wrong])
        assert refused.exit_code == 2, refused.output
    assert "--as 'then': it is now or cutoff" in " ".join(refused.output.split())

    # The evidence names participants: a new file only its owner may read, never one
    # written over, and no traceback for a folder that is not there.
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    before = out.read_bytes()
    again = runner.invoke(cli, ["report", "esf", "--project", "KR", "--period", "2026-H2",
                                "--output", str(out)])
    nowhere = runner.invoke(cli, ["report", "esf", "--project", "KR", "--period", "2026-H2",
                                  "--output", str(tmp_path / "missing" / "kr.json")])
    unknown = runner.invoke(cli, ["report", "esf", "--project", "XX", "--period", "2026-H2",
                                  "--output", str(tmp_path / "xx.json")])
    assert again.exit_code == 1, again.output
    assert "exists already: name a new file" in " ".join(again.output.split())
    assert out.read_bytes() == before
    assert nowhere.exit_code == 1, nowhere.output
    assert f"there is no folder {tmp_path / 'missing'}" in " ".join(nowhere.output.split())
    assert "Traceback" not in nowhere.output
    assert unknown.exit_code == 2, unknown.output
    assert not (tmp_path / "xx.json").exists()  # (refused: no empty file left behind)

    ahead = runner.invoke(cli, ["report", "esf", "--project", "KR", "--period", "2099-H1",
                                "--format", "csv"])
    assert ahead.exit_code == 0, ahead.output
    assert "2099-H1 has not ended (cut-off 2099-06-30): the figures hold what is recorded " \
        "so far." in " ".join(ahead.output.split())
    ended = runner.invoke(cli, ["report", "esf", "--project", "KR", "--period", "2025-H1",
                                "--format", "csv"])
    assert ended.exit_code == 0, ended.output
    assert "has not ended" not in ended.output


def test_plausibility_names_each_family_and_what_to_fix(fixture: Fixture) -> None:
    app = fixture.app
    view = EsfParticipants()
    CatchUp(app, view).run_once()
    report = esf_report(app, view, "KR", Period.parse("2026-H1"), "now",
                        today=date(2026, 11, 30), details=True)
    found = {(f.rule, f.severity, f.participant_id) for f in report.findings}
    member = {name: str(m) for name, m in fixture.members.items()}
    assert found == {
        ("incomplete_core_data", "warning", member["P6"]),
        ("late_entry", "warning", member["P8"]),  # 1 June, recorded 10 July
        ("exit_window_open", "notice", member["P7"]),  # left 10 June: until 8 July
        ("exit_without_status", "warning", member["P7"]),  # left 20 Feb, nothing since
    }
    late = next(f for f in report.findings if f.rule == "late_entry")
    assert late.family_id == str(fixture.families["P8"])
    assert "2026-06-01" in late.message
    assert "2026-07-10" in late.message
    # At the cut-off P8 was not known yet, so neither was the late entry.
    then = esf_report(app, view, "KR", Period.parse("2026-H1"), "cutoff",
                      today=date(2026, 11, 30), details=True)
    assert "late_entry" not in {f.rule for f in then.findings}
    # Those who see figures only get how many each rule finds, not who.
    summary = esf_report(app, view, "KR", Period.parse("2026-H1"), "now",
                         today=date(2026, 11, 30))
    assert sorted((f.rule, f.participants, f.family_id) for f in summary.findings) == [
        ("exit_window_open", 1, None), ("exit_without_status", 1, None),
        ("incomplete_core_data", 1, None), ("late_entry", 1, None)]


def test_results_above_their_outputs_are_an_error(app: FamilyCases) -> None:
    view = EsfParticipants()
    CatchUp(app, view).run_once()
    figures = count([], date(2026, 6, 30))
    figures.figures["EECR04"].total = 1
    assert [(f.rule, f.severity) for f in plausibility(
        app.tables, view, "KR", figures, None, date(2026, 7, 1), listed=True)] == [
        ("result_exceeds_output", "error")]


def test_the_workbook_holds_the_numbers_of_the_json(fixture: Fixture, tmp_path: Path) -> None:
    app = fixture.app
    view = EsfParticipants()
    CatchUp(app, view).run_once()
    programme = ProgrammeFacts()
    CatchUp(app, programme).run_once()
    report = esf_report(app, view, "KR", Period.parse("2026-H1"), "now",
                        today=date(2026, 11, 30), details=True, programme=programme,
                        yearly_target=48)
    path = tmp_path / "esf.xlsx"
    path.write_bytes(report_xlsx(report, details=True))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Indikatoren", "Abweichungen", "Programmkennzahlen",
                               "Plausibilität", "Nachweise"]
    figures = list(book["Programmkennzahlen"].iter_rows(min_row=3, values_only=True))
    assert report.programme is not None
    assert figures == [tuple(r) for r in programme_rows(report.programme)]
    by_key = {(r[0], r[1]): r[4:] for r in figures}
    assert by_key[("families", "reached")] == (8, 8)  # P1-P8, each opened on 5 January
    assert by_key[("target", "period")] == (24, None)  # half of 48
    assert by_key[("consultations", "count")] == (2, 2)
    assert by_key[("hours_by_mode", "home_visit")] == (2.5, 2.5)
    rows = list(book["Indikatoren"].iter_rows(min_row=3, values_only=True))
    as_json = report_json(report, details=True)["indicators"]
    assert [(r[0], r[3], r[4], r[5], r[6], r[7]) for r in rows] == [
        (i["code"], i["total"], i["female"], i["male"], i["non_binary"], i["unknown"])
        for i in as_json]
    assert rows[0][1:3] == ("Teilnehmende insgesamt", "All participants")
    assert {r[0] for r in book["Plausibilität"].iter_rows(min_row=2, values_only=True)} == {
        f.rule for f in report.findings}
    evidence = list(book["Nachweise"].iter_rows(min_row=2, values_only=True))
    assert len(evidence) == sum(len(i["participants"]) for i in as_json)


def test_programme_figures_as_known_now_and_at_the_cutoff(fixture: Fixture) -> None:
    """The backdated consultation counts now, not at the cut-off; the report shows the
    programme figures that differ, and the JSON and CSV carry them."""
    app = fixture.app
    view, programme = EsfParticipants(), ProgrammeFacts()
    CatchUp(app, [view, programme]).run_once()
    h1 = Period.parse("2026-H1")
    now = esf_report(app, view, "KR", h1, "now", today=date(2026, 11, 30),
                     programme=programme, yearly_target=48)
    then = esf_report(app, view, "KR", h1, "cutoff", today=date(2026, 11, 30),
                      programme=programme, yearly_target=48)
    assert now.programme is not None
    assert then.programme is not None
    assert (now.programme.period.consultations.count,
            now.programme.period.consultations.minutes) == (2, 150)
    assert (then.programme.period.consultations.count,
            then.programme.period.consultations.minutes) == (1, 60)
    assert now.programme.period.families == then.programme.period.families == 8
    assert now.programme.period.children == 8  # one child in each family
    assert now.programme.period.persons == 16
    assert now.programme.target.share_percent == then.programme.target.share_percent == 33.3
    changed = {(c.section, c.key, c.window): (c.at_cutoff, c.now)
               for c in now.programme_changes}
    assert changed == {
        ("consultations", "count", "period"): (1, 2),
        ("consultations", "count", "since_start"): (1, 2),
        ("consultations", "hours", "period"): (1.0, 2.5),
        ("consultations", "hours", "since_start"): (1.0, 2.5),
        ("consultations_by_topic", "job_search", "period"): (1, 2),
        ("consultations_by_topic", "job_search", "since_start"): (1, 2),
        ("hours_by_topic", "job_search", "period"): (1.0, 2.5),
        ("hours_by_topic", "job_search", "since_start"): (1.0, 2.5),
        ("consultations_by_mode", "home_visit", "period"): (1, 2),
        ("consultations_by_mode", "home_visit", "since_start"): (1, 2),
        ("hours_by_mode", "home_visit", "period"): (1.0, 2.5),
        ("hours_by_mode", "home_visit", "since_start"): (1.0, 2.5)}
    # For auditors, each difference names the events behind it: the consultation
    # recorded on 12 July (P1's family), nothing else recorded later about H1's activity.
    audited = esf_report(app, view, "KR", h1, "now", today=date(2026, 11, 30),
                         details=True, programme=programme, yearly_target=48)
    assert {c.events for c in audited.programme_changes} == {
        ((str(fixture.families["P1"]), fixture.versions["consultation 2026-06-20"],
          "ConsultationRecorded"),)}
    assert all(kinds_of(row[0]) for row in programme_rows(now.programme))  # (all traced)
    assert report_json(audited, details=True)["programme_differences"][0]["events"] == [
        {"family_id": str(fixture.families["P1"]),
         "version": fixture.versions["consultation 2026-06-20"],
         "event": "ConsultationRecorded"}]
    body = report_json(now, details=False)
    assert body["programme"]["period"]["consultations"]["count"] == 2
    assert {"section": "consultations", "key": "count", "window": "period",
            "at_cutoff": 1, "now": 2} in body["programme_differences"]
    lines = report_csv(then, "programme").splitlines()
    assert lines[0] == "section,key,label_de,label_en,period,since_start"
    assert any(line.startswith("consultations,count,") and line.endswith(",1,1")
               for line in lines)
