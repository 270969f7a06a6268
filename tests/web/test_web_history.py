"""The Verlauf pages (/verlauf, /verlauf/{case number}) for auditors: both timelines,
recorders by name, corrections with their reasons, the family as known on a day and at
a version, and every view in the read log."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.api.test_api_reads import reads_logged
from tests.integration.test_store_queries import Clock
from tests.support.api import CONSULTATION, Family, fill
from tests.support.world import World
from tests.web.pages import signed_in

PAGE = "GET /verlauf/{case_number}"


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def late_family(world: World, monkeypatch: pytest.MonkeyPatch) -> Family:
    """Opened in March with a consultation; in July a consultation of April recorded late
    and the March one corrected."""
    clock = Clock(monkeypatch)
    clock.set(2026, 3, 2, 9, 0)
    family = Family(world, world.intake())  # versions 1, 2 (opened, consent)
    ids = {"parent": family.parent}
    clock.set(2026, 3, 10, 15, 0)
    held = family.ok("/consultations", fill(CONSULTATION, ids))
    clock.set(2026, 7, 15, 8, 0)
    family.ok("/consultations", fill({**CONSULTATION, "mode": "phone",
                                      "occurred_on": "2026-04-01"}, ids))
    family.ok("/corrections", {"corrected_version": held["version"], "changes": [
        {"field": "duration_minutes", "value": "90"}], "reason": "Dauer falsch eingetragen",
        "occurred_on": "2026-07-15"})
    return family


def test_an_auditor_sees_both_timelines_recorders_by_name_and_a_correction_with_its_reason(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    family = late_family(world, monkeypatch)
    auditor = signed_in(world, "auditor")

    page = auditor.get("/verlauf/KR-2026-0001")

    assert page.status_code == 200, page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    text = text_of(page.text)
    assert "Amira Okonkwo-Brandt, Noah Okonkwo-Brandt KR-2026-0001" in text
    for words in ("Fall eröffnet (Aufnahme)", "Beratung", "Berichtigung", "erfasst am",
                  "10.03.2026, 16:00", "15.07.2026, 10:00", "01.04.2026",
                  "105 Tage nachträglich erfasst", "Dauer falsch eingetragen",
                  "Dauer (Minuten): 90", "berichtigt Version 3 (Beratung)",
                  "berichtigt durch Version 5", "Hausbesuch", "Telefon"):
        assert words in text, words
    assert "case_manager KR" in text  # the recorder, by the directory's name
    assert family.id not in page.text
    assert world.token("case_manager").staff_id not in text
    assert reads_logged(world, family.id) == [
        (world.token("auditor").staff_id, "auditor", PAGE)]


def test_as_known_on_an_earlier_day_hides_what_was_recorded_later(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    late_family(world, monkeypatch)
    auditor = signed_in(world, "auditor")

    then = text_of(auditor.get("/verlauf/KR-2026-0001", params={"stand": "2026-06-30"}).text)
    typed = text_of(auditor.get("/verlauf/KR-2026-0001", params={"stand": "30.06.2026"}).text)
    now = text_of(auditor.get("/verlauf/KR-2026-0001").text)

    assert "So war die Familie am 30.06.2026 bekannt: Version 3 von 5." in then
    assert "2 spätere Einträge sind ausgeblendet." in then
    assert then == typed
    assert "Beratungen 1 (letzter Kontakt: 10.03.2026)" in then
    assert "Dauer falsch eingetragen" not in then
    assert "Telefon" not in then
    assert "Beratungen 2 (letzter Kontakt: 01.04.2026)" in now
    before = text_of(auditor.get("/verlauf/KR-2026-0001", params={"stand": "2026-03-01"}).text)
    assert "Am 01.03.2026 war zu dieser Familie noch nichts erfasst." in before


def test_a_family_at_a_version_shows_the_state_after_that_many_entries(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    late_family(world, monkeypatch)
    auditor = signed_in(world, "auditor")

    at = text_of(auditor.get("/verlauf/KR-2026-0001", params={"version": "4"}).text)
    too_far = auditor.get("/verlauf/KR-2026-0001", params={"version": "9"})
    both = auditor.get("/verlauf/KR-2026-0001", params={"version": "2", "stand": "2026-06-30"})
    bad = auditor.get("/verlauf/KR-2026-0001", params={"stand": "morgen"})

    assert "So stand die Familie nach Version 4 von 5." in at
    assert "Beratungen 2" in at
    assert "Dauer falsch eingetragen" not in at
    assert too_far.status_code == 422
    assert "Diese Version gibt es nicht: die Familie hat 5 Versionen." in text_of(too_far.text)
    assert 'aria-invalid="true" aria-describedby="version-fehler"' in too_far.text
    assert both.status_code == 422
    assert "nicht beides" in text_of(both.text)
    assert bad.status_code == 422
    assert 'aria-describedby="stand-fehler"' in bad.text


def test_an_auditor_finds_a_family_by_name_or_case_number_and_the_search_is_logged(
        world: World) -> None:
    family = Family(world, world.intake())
    auditor = signed_in(world, "auditor")

    by_name = auditor.get("/verlauf", params={"suche": "okonkwo"})
    by_number = auditor.get("/verlauf", params={"suche": "KR-2026-0001"})
    too_short = auditor.get("/verlauf", params={"suche": "ok"})

    for page in (by_name, by_number):
        assert page.status_code == 200
        assert '<a href="/verlauf/KR-2026-0001">Amira Okonkwo-Brandt, Noah Okonkwo-Brandt</a>' \
            in page.text
    assert too_short.status_code == 422
    assert "mindestens drei Buchstaben" in too_short.text
    assert reads_logged(world, family.id) == [
        (world.token("auditor").staff_id, "auditor", "GET /verlauf")] * 2


def test_other_roles_get_403_and_other_projects_families_404(world: World) -> None:
    mine = Family(world, world.intake())
    Family(world, world.intake("GL"))
    for role in ("case_manager", "coordinator", "reporting", "admin"):
        client = signed_in(world, role)
        for path in ("/verlauf", "/verlauf/KR-2026-0001"):
            page = client.get(path)
            assert page.status_code == 403, (role, path)
            assert "Kein Zugriff" in page.text
    auditor = signed_in(world, "auditor")
    assert auditor.get("/verlauf/GL-2026-0001").status_code == 404
    assert auditor.get("/verlauf/KR-2026-9999").status_code == 404
    assert reads_logged(world) == []
    assert "GL-2026" not in auditor.get("/verlauf", params={"suche": "okonkwo"}).text
    assert reads_logged(world) == reads_logged(world, mine.id)


def test_a_signed_out_visitor_is_sent_to_the_sign_in_page(world: World) -> None:
    from tests.web.pages import sign_in_client

    answer = sign_in_client(world).get("/verlauf/KR-2026-0001")

    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/anmelden?weiter=")


def test_a_script_in_a_name_is_shown_as_text(world: World) -> None:
    Family(world, world.intake(members=[
        {"role": "parent", "given_name": "<script>alert(1)</script>", "family_name": "Test",
         "birth_date": "1990-01-01", "gender": "female"}]))
    auditor = signed_in(world, "auditor")

    for page in (auditor.get("/verlauf/KR-2026-0001"),
                 auditor.get("/verlauf", params={"suche": "test"})):
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_a_restricted_and_an_erased_family_stay_readable_for_the_auditor(
        world: World) -> None:
    restricted = Family(world, world.intake())
    restricted.ok("/erasure-request", {"legal_basis": "art17_request", "note": "Brief",
                                       "occurred_on": "2026-11-20"}, "coordinator")
    erased = Family(world, world.intake())
    erased.ok("/consultations", fill(CONSULTATION, {"parent": erased.parent}))
    erased.ok("/erasure", {"legal_basis": "unlawfully_recorded",
                           "note": "recorded for another programme"}, "coordinator")
    auditor = signed_in(world, "auditor")

    first = text_of(auditor.get("/verlauf/KR-2026-0001").text)
    second = auditor.get("/verlauf/KR-2026-0002")

    assert "Verarbeitung eingeschränkt (Löschung beantragt)" in first
    assert "Löschung beantragt" in first
    assert second.status_code == 200
    text = text_of(second.text)
    assert "(Namen gelöscht) KR-2026-0002" in text
    assert "Personenbezogene Daten gelöscht" in text
    assert "unrechtmäßig erhoben" in text
    assert "Notizen (gelöscht)" in text
    assert "Okonkwo" not in text
    assert "Westwall" not in text


def test_recorders_outside_the_staff_directory_are_named_plainly() -> None:
    from api.web.i18n import Texts
    from api.web.pages.history_events import Words

    words = Words(Texts("de"), {"st-1": "Anna Schmidt", "st-2": None}, {})

    assert [words.recorder(r) for r in ("st-1", "st-2", "demo", "cli:maria", "st-9")] == [
        "Anna Schmidt", "Mitarbeiter:in ohne Namen", "Demo-Daten", "Kommandozeile (maria)",
        "nicht im Personalverzeichnis"]
