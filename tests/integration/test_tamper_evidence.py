"""Tamper evidence (issue 13 item 8): someone with write access to the database changes
one byte of a stored event, deletes one, swaps two, cuts the log short, or rewrites a
family's history and re-signs the log with a key of their own. ``lotse audit verify``
detects each and names the first family and version (or checkpoint) that does not
verify; an untouched store with erasures verifies, also against a witness's checkpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from application.cases import FamilyCases
from application.commands import RecordConsultation
from application.integrity import chain, merkle, notes
from application.integrity.findings import Report
from application.integrity.service import Integrity
from application.integrity.split import Helper
from application.integrity.verify import Verifier
from application.settings import Settings, decode_key, new_key_text
from cli.main import app as cli
from domain.values import ErasureBasis
from tests.support.builders import open_case
from tests.support.processes import configure_lotse
from tests.support.tamper import RawStore

CONSULTATIONS = 4  # per family: versions 1 (intake), 2 (assignment), 3-6


@dataclass
class Store:
    settings: Settings
    families: list[UUID]
    erased: UUID
    raw: RawStore
    witness: Path


def consult(app: FamilyCases, family_id: UUID) -> None:
    app.handle(RecordConsultation(family_id=family_id, duration_minutes=45, mode="phone",
                                  topics=["benefits"], notes="Rückruf wegen Mietschulden"),
               recorded_by="cm-anna")


@pytest.fixture
def populated(make_settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Store:
    """Three families with consultations, one of them erased, a checkpoint handed to a
    witness; ``lotse`` configured for the store."""
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        families = [open_case(app)[0].family_id for _ in range(3)]
        for _ in range(CONSULTATIONS):
            for family_id in families:
                consult(app, family_id)
        app.erase_personal_data(families[1], legal_basis=ErasureBasis.ART17_REQUEST,
                                note="Löschantrag Art. 17 DSGVO",
                                occurred_on=date(2026, 4, 1), recorded_by="co-cora")
        witness = tmp_path / "witness.txt"
        assert run("audit", "checkpoint", "--export", str(witness)).exit_code == 0
        consult(app, families[0])  # the log goes on after the witness's checkpoint
        assert Integrity(app).checkpoint() is not None
        events_table = app.recorder.events_table_name  # type: ignore[attr-defined]
    return Store(settings, families, families[1], RawStore(settings, events_table), witness)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "60"})


def first_finding(output: str) -> str:
    """The line that names the first finding (joined where a narrow terminal wrapped)."""
    flat = " ".join(output.split())
    found = re.search(r"First: (.*?)(?: - [a-z]|$)", flat)
    assert found is not None, output
    return found.group(1)


def refused(*args: str) -> str:
    result = run("audit", "verify", *args)
    assert result.exit_code == 1, result.output
    assert "NOT VERIFIED" in result.output
    if "--family" not in args:
        every_split_agrees(Path(args[1]) if args[:1] == ("--against",) else None)
    return first_finding(result.output)


def every_split_agrees(against: Path | None = None) -> None:
    """The whole log's check split in two shares after any position (``split.py``: a
    large log's second share checked by a helper process) reports exactly what the
    single pass reports."""
    with FamilyCases(Settings()) as app:  # (the store ``lotse`` is configured for)
        verifier = Verifier(app, Integrity(app).public_key())
        note = None if against is None else notes.parse(against.read_text(encoding="utf-8"))
        whole = verifier.whole_log(note)  # (a small log: one pass)
        for split in range(1, verifier.log.head()):
            parts = verifier.whole_log(note, split_at=split)
            assert outcome(parts) == outcome(whole), f"split after {split}"


def outcome(report: Report) -> tuple[Any, ...]:
    return (report.findings, report.more, report.events, report.root, report.checkpoints,
            report.aggregates, report.witness)


# ----- what verifies --------------------------------------------------------------------


@pytest.mark.store_independent  # (what the command says; checkpoints on both stores above)
def test_a_log_without_checkpoints_verifies_and_says_how_one_is_signed(
        make_settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings()
    configure_lotse(monkeypatch, settings)
    with FamilyCases(settings) as app:
        open_case(app)

    result = run("audit", "verify")

    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "Checkpoints: none yet (`lotse audit checkpoint` signs one;" in said
    assert "Verified: nothing was altered." in said
    nobody = run("audit", "verify", "--family", "00000000-0000-0000-0000-000000000000")
    assert nobody.exit_code == 2, nobody.output  # (not "verified": there is nothing)
    assert "The log holds no events of family 00000000-0000-0000-0000-000000000000" in \
        " ".join(nobody.output.split())


def test_an_untouched_store_with_an_erased_family_verifies_whole_by_family_and_against_the_witness(
        populated: Store) -> None:
    whole = run("audit", "verify")
    assert whole.exit_code == 0, whole.output
    every_split_agrees()
    every_split_agrees(populated.witness)
    assert "Verified: nothing was altered." in whole.output
    assert "Checkpoints: 2 checked, signatures with the key lotse+" in \
        " ".join(whole.output.split())  # (the key configured: a finding says if one
    # was signed by another)
    erased = run("audit", "verify", "--family", str(populated.erased))
    assert erased.exit_code == 0, erased.output
    against = run("audit", "verify", "--against", str(populated.witness))
    assert against.exit_code == 0, against.output
    assert "the log extends its checkpoint" in " ".join(against.output.split())


def test_the_erased_familys_chain_covers_its_ciphertext_which_stays_while_its_key_is_gone(
        populated: Store) -> None:
    with FamilyCases(populated.settings) as app:
        report = Integrity(app).verify(populated.erased)
        assert report.ok
        assert report.events == 2 + CONSULTATIONS + 1
    _topic, state = populated.raw.event(populated.erased, 3)
    assert b"Mietschulden" not in state  # the notes were sealed; the link covers these bytes


def test_a_store_from_before_the_chain_gets_its_links_at_start_up_and_verifies(
        populated: Store) -> None:
    populated.raw.run(("UPDATE {events} SET {hash} = NULL", ()),
                      ("DELETE FROM {checkpoints}", ()))
    with FamilyCases(populated.settings) as app:  # links every stored event
        consult(app, populated.families[2])  # and goes on from them
        assert Integrity(app).verify().ok
    assert run("audit", "verify").exit_code == 0


def test_a_store_written_with_the_link_table_gets_its_links_into_the_events_rows(
        populated: Store) -> None:
    """Stores from before 2026-12 kept each link in a table of its own: opened, the
    links move into the events' rows and the table goes; an event whose link row was
    gone stays without a link and is named."""
    raw, family = populated.raw, populated.families[0]
    before = raw.rows("SELECT {key}, {hash} FROM {events} ORDER BY {key}")
    old = raw.names["checkpoints"].replace("lotse_checkpoints", "lotse_event_chain")
    raw.run((f"CREATE TABLE {old} (notification_id bigint PRIMARY KEY, originator_id "
             f"{'uuid' if raw.postgres else 'TEXT'} NOT NULL, originator_version bigint "
             f"NOT NULL, hash {'bytea' if raw.postgres else 'BLOB'} NOT NULL)", ()),
            (f"INSERT INTO {old} SELECT {{key}}, originator_id, originator_version, {{hash}} "
             "FROM {events}", ()),
            (f"DELETE FROM {old} WHERE originator_id = {{p}} AND originator_version = 5",
             (raw.oid(family),)),
            ("ALTER TABLE {events} DROP COLUMN {hash}", ()))
    with FamilyCases(populated.settings) as app:
        consult(app, populated.families[2])  # and the chain goes on from them
        report = Integrity(app).verify()
    assert [(f.kind, f.originator, f.version) for f in report.findings] == [
        ("unchained", family.hex, 5)]
    after = raw.rows("SELECT {key}, {hash} FROM {events} ORDER BY {key}")
    assert [(n, None if n == raw.position(family, 5) else bytes(h)) for n, h in before] == [
        (n, None if h is None else bytes(h)) for n, h in after[:len(before)]]
    if raw.postgres:
        [(gone,)] = raw.rows(f"SELECT to_regclass('{old}') IS NULL")
    else:
        [(gone,)] = raw.rows("SELECT COUNT(*) = 0 FROM sqlite_master "
                             "WHERE name = 'lotse_event_chain'")
    assert gone


def test_writers_in_two_processes_chain_one_family_without_a_break(make_settings: Any) -> None:
    settings = make_settings()
    with FamilyCases(settings) as first, FamilyCases(settings) as second:
        family_id = open_case(first)[0].family_id
        for i in range(6):  # each writer's cached head goes stale in turn
            consult(first if i % 2 else second, family_id)
        report = Integrity(first).verify()
        assert report.ok, report.findings
        assert Integrity(second).verify(family_id).events == 8


# ----- what does not ---------------------------------------------------------------------


def test_one_changed_byte_names_the_family_and_version(populated: Store) -> None:
    family, raw = populated.families[2], populated.raw
    _, state = raw.event(family, 4)
    changed = state[:20] + bytes([state[20] ^ 1]) + state[21:]
    raw.run(("UPDATE {events} SET state = {p} WHERE originator_id = {p} AND "
             "originator_version = 4", (changed, raw.oid(family))))
    first = refused()
    assert f"family {family}, version 4" in first
    assert "changed" in first
    assert run("audit", "verify", "--family", str(populated.families[0])).exit_code == 0
    assert f"family {family}, version 4" in refused("--family", str(family))


def test_a_helper_process_checks_a_share_of_the_log_with_the_same_result(
        populated: Store) -> None:
    """``lotse audit verify`` of a large log forks a helper for the log's second share."""
    family, raw = populated.families[1], populated.raw
    _, state = raw.event(family, 5)
    raw.run(("UPDATE {events} SET state = {p} WHERE originator_id = {p} AND "
             "originator_version = 5", (state[:-1] + bytes([state[-1] ^ 1]), raw.oid(family))))
    helper = Helper()
    try:
        with FamilyCases(populated.settings) as app:
            verifier = Verifier(app, Integrity(app).public_key())
            parts = verifier.whole_log(helper=helper, split_at=verifier.log.head() // 3)
            whole = verifier.whole_log()
    finally:
        helper.close()
    assert helper.answered
    assert outcome(parts) == outcome(whole)
    assert [(f.kind, f.version) for f in whole.findings][:1] == [("changed", 5)]


def test_a_deleted_event_and_its_link_name_the_gap(populated: Store) -> None:
    """The link is in the event's row: deleting the event deletes it, and the next
    version's link no longer follows."""
    family, raw = populated.families[0], populated.raw
    raw.run(("DELETE FROM {events} WHERE originator_id = {p} AND originator_version = 3",
             (raw.oid(family),)))
    first = refused()
    assert f"family {family}, version 4" in first
    assert "follows version 2: version 3 is missing" in first


def test_a_deleted_last_event_of_a_family_is_named_by_the_checkpoints(
        populated: Store) -> None:
    """No later version of its own follows it: the signed checkpoints name the loss."""
    family, raw = populated.families[2], populated.raw
    [(size,)] = raw.rows("SELECT COUNT(*) FROM {events}")
    raw.run(("DELETE FROM {events} WHERE originator_id = {p} AND originator_version = {p}",
             (raw.oid(family), 2 + CONSULTATIONS)))
    first = refused()
    assert f"the log's first {size - 1} events no longer hash to the root signed" in first
    flat = " ".join(run("audit", "verify").output.split())
    assert f"the log holds {size - 1} events, fewer than the {size} the checkpoint" in flat


def test_events_whose_links_are_gone_are_named_unchained_and_the_chain_goes_on(
        populated: Store) -> None:
    """Links removed (as if the events were written around Lotse): each such event is
    named, and the events after them are checked against the links they follow."""
    family, raw = populated.families[0], populated.raw
    raw.run(("UPDATE {events} SET {hash} = NULL WHERE originator_id = {p} "
             "AND originator_version IN (3, 4)", (raw.oid(family),)))
    first = refused()
    assert f"family {family}, version 3" in first
    assert "no link: written around Lotse" in first
    with FamilyCases(populated.settings) as app:
        report = Integrity(app).verify()
    assert [(f.kind, f.version) for f in report.findings if f.position is not None] == [
        ("unchained", 3), ("unchained", 4)]


def test_two_swapped_events_name_the_first_moved_one(populated: Store) -> None:
    raw = populated.raw
    a, b = (raw.position(populated.families[0], 3), raw.position(populated.families[2], 5))
    raw.run(("UPDATE {events} SET {key} = -1 WHERE {key} = {p}", (a,)),
            ("UPDATE {events} SET {key} = {p} WHERE {key} = {p}", (a, b)),
            ("UPDATE {events} SET {key} = {p} WHERE {key} = -1", (b,)))
    first = refused()
    assert f"family {populated.families[2]}, version 5 (event {a}) moved" in first
    assert "recorded before its versions 3 to 4" in first
    with FamilyCases(populated.settings) as app:
        report = Integrity(app).verify()
    moved = [(f.originator, f.version, f.position) for f in report.findings
             if f.kind == "moved"]
    assert (populated.families[0].hex, 3, b) in moved  # the other one, at its new place
    assert {f.kind for f in report.findings} == {"moved", "root"}  # (nothing else named)


def test_a_log_cut_short_is_named_by_the_checkpoint(populated: Store) -> None:
    """(Its links go with the events: they are in the events' rows.)"""
    raw = populated.raw
    [(size,)] = raw.rows("SELECT COUNT(*) FROM {events}")
    cut = raw.rows("SELECT {key} FROM {events} ORDER BY {key} DESC LIMIT 2")[-1][0]
    raw.run(("DELETE FROM {events} WHERE {key} >= {p}", (cut,)))
    first = refused()
    assert f"the log holds {size - 2} events, fewer than the {size - 1} the checkpoint" in first
    assert "events were removed" in first  # (the witness's; the latest covers all {size})
    against = run("audit", "verify", "--against", str(populated.witness))
    assert against.exit_code == 1
    assert (f"the witness holds a checkpoint of {size - 1} events, the log only {size - 2}: "
            "events were removed" in " ".join(against.output.split()))


def test_a_rewritten_history_re_signed_with_a_fresh_key_is_refused(populated: Store) -> None:
    """The thorough forger: changes a consultation, recomputes the family's links, drops
    the checkpoints and signs a new one with a key of their own. Every link holds; the
    signature does not, and the witness's checkpoint is no longer extended."""
    raw, family = populated.raw, populated.families[2]
    _, state = raw.event(family, 3)
    raw.run(("UPDATE {events} SET state = {p} WHERE originator_id = {p} AND "
             "originator_version = 3", (state[:-1] + bytes([state[-1] ^ 1]), raw.oid(family))))
    rewrite_links_and_sign(raw, populated.settings.log_origin, decode_key(new_key_text()))
    first = refused()
    assert "not signed by this log's key" in first
    assert "checkpoint" in first
    against = run("audit", "verify", "--against", str(populated.witness))
    assert against.exit_code == 1
    assert "does not extend the witness's checkpoint" in " ".join(against.output.split())


def rewrite_links_and_sign(raw: RawStore, origin: str, seed: bytes) -> None:
    """Every link and a new checkpoint, as Lotse would compute them, signed by ``seed``."""
    events = raw.rows("SELECT {key}, originator_id, originator_version, topic, state "
                      "FROM {events} ORDER BY {key}")
    heads: dict[str, bytes] = {}
    frontier = merkle.Frontier()
    updates = []
    for position, oid, version, topic, state in events:
        key = oid.hex if isinstance(oid, UUID) else oid
        h = chain.link(heads.get(key, chain.GENESIS), key, version, topic, bytes(state))
        heads[key] = h
        frontier.push(h)
        updates.append(("UPDATE {events} SET {hash} = {p} WHERE {key} = {p}",
                        (h, position)))
    note = notes.sign(notes.Checkpoint(origin, frontier.size, frontier.root(),
                                       datetime.now(UTC)), seed)
    raw.run(*updates, ("DELETE FROM {checkpoints}", ()),
            ("INSERT INTO {checkpoints} (tree_size, last_position, root, frontier, note) "
             "VALUES ({p}, {p}, {p}, {p}, {p})",
             (frontier.size, events[-1][0], frontier.root(), frontier.dump(), note)))
