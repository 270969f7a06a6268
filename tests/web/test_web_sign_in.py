"""Signing in to the web interface: passwords, sessions, CSRF, slowing down, headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from application.sign_in import SESSIONS, digest
from domain.directory import Role
from tests.support.world import World, intake_body
from tests.web.pages import (
    PASSWORD,
    csrf_of,
    give_password,
    sign_in_client,
    signed_in,
)

CSP = "default-src 'self'"


def test_a_page_without_a_session_sends_the_person_to_the_sign_in_form(world: World) -> None:
    client = sign_in_client(world)
    answer = client.get("/?suche=Okonkwo")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/anmelden?weiter=%2F%3Fsuche%3DOkonkwo"
    form = client.get(answer.headers["location"])
    assert form.status_code == 200
    assert "Benutzername" in form.text
    assert "Hauptnavigation" not in form.text
    assert 'name="weiter" value="/?suche=Okonkwo"' in form.text


def test_signing_in_starts_a_new_session_in_a_strict_http_only_secure_cookie(
        world: World) -> None:
    name = give_password(world, Role.CASE_MANAGER)
    client = sign_in_client(world)
    client.cookies.set("lotse_session", "planted-by-an-attacker", domain="testserver.local")
    form = client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": name, "password": PASSWORD,
                                            "csrf": csrf_of(form), "weiter": "/"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith("lotse_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" in cookie
    assert "planted-by-an-attacker" not in cookie
    session_id = cookie.split(";")[0].split("=", 1)[1]
    assert len(session_id) >= 40
    stored = world.services.cases.tables.fetchall(world.services.cases.tables.sql(
        "SELECT digest FROM {s}", s=SESSIONS))
    assert (digest(session_id),) in [tuple(r) for r in stored]  # (only its digest)
    assert all(session_id not in str(r) for r in stored)


def test_signing_in_again_ends_the_session_the_browser_had(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    before = client.cookies.get("lotse_session")
    form = client.get("/anmelden")
    client.post("/anmelden", data={"user_name": "case-manager-kr", "password": PASSWORD,
                                   "csrf": csrf_of(form), "weiter": "/"})
    after = client.cookies.get("lotse_session")
    assert before
    assert after
    assert before != after
    stale = sign_in_client(world)
    stale.cookies.set("lotse_session", before)
    assert stale.get("/").status_code == 303


def test_a_wrong_password_or_unknown_name_is_refused_alike_and_logged(world: World) -> None:
    name = give_password(world, Role.CASE_MANAGER)
    client = sign_in_client(world)
    answers = []
    for user, password in ((name, "falsch-falsch-falsch"), ("niemand", PASSWORD)):
        form = client.get("/anmelden")
        answers.append(client.post("/anmelden", data={
            "user_name": user, "password": password, "csrf": csrf_of(form)}))
    assert [a.status_code for a in answers] == [401, 401]
    assert all("Benutzername oder Passwort ist falsch." in a.text for a in answers)
    assert "lotse_session" not in client.cookies
    outcomes = [(e.user_name, e.outcome) for e in world.services.sign_ins.log()]
    assert outcomes[:2] == [("niemand", "unknown_user"), (name, "wrong_password")]
    assert f'value="{name}"' in answers[0].text  # (the name typed stays in the form)


def test_repeated_failures_slow_down_even_the_right_password(world: World) -> None:
    name = give_password(world, Role.CASE_MANAGER)
    client = sign_in_client(world)
    for _ in range(5):
        form = client.get("/anmelden")
        client.post("/anmelden", data={"user_name": name, "password": "daneben-daneben",
                                       "csrf": csrf_of(form)})
    form = client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": name, "password": PASSWORD,
                                            "csrf": csrf_of(form)})
    assert answer.status_code == 429
    assert re.search(r"Bitte warten Sie \d+ Sekunden", answer.text)
    assert world.services.sign_ins.log()[0].outcome == "slowed_down"


def test_a_sign_in_without_the_form_token_is_refused(world: World) -> None:
    name = give_password(world, Role.CASE_MANAGER)
    client = sign_in_client(world)
    client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": name, "password": PASSWORD,
                                            "csrf": "forged"})
    assert answer.status_code == 403
    assert "lotse_session" not in client.cookies


def test_signing_out_needs_the_csrf_token_and_then_ends_the_session(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    refused = client.post("/abmelden", data={})
    assert refused.status_code == 403
    assert "Formular abgelaufen" in refused.text
    assert client.get("/").status_code == 200  # (still signed in)
    page = client.get("/")
    session_id = client.cookies.get("lotse_session")
    out = client.post("/abmelden", data={"csrf": csrf_of(page)})
    assert out.status_code == 303
    assert out.headers["location"] == "/anmelden?abgemeldet=1"
    replay = sign_in_client(world)
    replay.cookies.set("lotse_session", session_id or "")
    assert replay.get("/").status_code == 303
    assert world.services.sign_ins.log()[0].outcome == "signed_out"


def _idle(world: World, minutes: int) -> None:
    t = world.services.cases.tables
    t.execute(t.sql("UPDATE {s} SET seen_at = {p}", s=SESSIONS),
              ((datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(),))


def test_a_session_idle_for_30_minutes_ends_with_a_clear_message(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    _idle(world, 29)
    assert client.get("/").status_code == 200
    _idle(world, 31)
    answer = client.get("/")
    assert answer.status_code == 303
    assert "abgelaufen=1" in answer.headers["location"]
    page = client.get(answer.headers["location"])
    assert "nach 30 Minuten ohne Aktivität abgelaufen" in page.text


def test_a_form_sent_after_the_timeout_is_kept_through_the_sign_in(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get("/")
    _idle(world, 45)
    late = client.post("/abmelden", data={"csrf": csrf_of(page), "notiz": "Mutter & Kind"})
    assert late.status_code == 200
    assert "Eingaben sind aufbewahrt" in late.text
    assert 'name="kept:notiz" value="Mutter &amp; Kind"' in late.text
    again = client.post("/anmelden", data={"user_name": "case-manager-kr",
                                           "password": PASSWORD, "csrf": csrf_of(late),
                                           "weiter": "/abmelden",
                                           "kept:notiz": "Mutter & Kind"})
    assert again.status_code == 200
    assert "Jetzt speichern" in again.text
    assert 'action="/abmelden"' in again.text
    assert 'name="notiz" value="Mutter &amp; Kind"' in again.text


def test_every_page_carries_the_content_security_policy_and_no_store(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    for path in ("/", "/anmelden", "/familien/KR-0000-9999"):
        answer = client.get(path)
        assert CSP in answer.headers["content-security-policy"], path
        assert answer.headers["cache-control"] == "no-store", path
        assert answer.headers["x-frame-options"] == "DENY"
    style = client.get("/static/lotse.css")
    assert style.status_code == 200
    assert "cache-control" not in style.headers
    assert "https://" not in client.get("/").text  # (nothing from another host)


def test_a_name_like_a_script_is_shown_as_text_on_mein_tag(world: World) -> None:
    world.intake(members=[{"role": "parent", "given_name": "<script>alert(1)</script>",
                           "family_name": "Test", "birth_date": "1990-01-01",
                           "gender": "female"}])
    page = signed_in(world, Role.CASE_MANAGER).get("/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Test" in page.text


def test_mein_tag_lists_only_the_case_managers_own_open_families(world: World) -> None:
    own = world.intake()
    other = world.add_staff(Role.CASE_MANAGER, name="Dariusz Nowicki")
    theirs = world.intake(case_manager=other.staff_id, **{
        "members": intake_body()["members"][:1]})
    page = signed_in(world, Role.CASE_MANAGER).get("/")
    assert own["case_number"] in page.text
    assert theirs["case_number"] not in page.text
    assert "Amira Okonkwo-Brandt, Noah Okonkwo-Brandt" in page.text
    assert own["family_id"] not in page.text  # (no UUID on a screen)


@pytest.mark.parametrize(("role", "start"), [
    (Role.COORDINATOR, "/team"), (Role.AUDITOR, "/verlauf"),
    (Role.REPORTING, "/programm"), (Role.ADMIN, "/verwaltung")])
def test_other_roles_land_on_their_own_start_page(world: World, role: Role,
                                                  start: str) -> None:
    answer = signed_in(world, role).get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == start


def test_a_person_may_choose_english(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    page = client.get("/")
    client.post("/sprache", data={"csrf": csrf_of(page), "sprache": "en", "zurueck": "/"})
    assert "My day" in client.get("/").text


def test_a_person_whose_roles_were_withdrawn_is_signed_out(world: World) -> None:
    client = signed_in(world, Role.CASE_MANAGER)
    staff_id = world.token(Role.CASE_MANAGER).staff_id
    world.services.directory.withdraw_role(staff_id=staff_id, project="KR", recorded_by="t")
    assert client.get("/").status_code == 303


def test_a_light_test_hash_is_made_again_in_full_at_the_next_sign_in(world: World) -> None:
    from application.sign_in import CREDENTIALS, LIGHT, SignIns

    tables = world.services.cases.tables
    staff_id = world.token(Role.CASE_MANAGER).staff_id
    SignIns(tables, LIGHT).set_password(staff_id, "leicht", PASSWORD, set_by="test")
    assert SignIns(tables).sign_in("leicht", PASSWORD, None) == staff_id
    stored = tables.fetchone(tables.sql("SELECT hash FROM {c} WHERE staff_id = {p}",
                                        c=CREDENTIALS), (staff_id,))
    assert stored is not None
    assert "m=65536,t=3" in str(stored[0])


@pytest.mark.parametrize("elsewhere", ["//evil.example", "/\t/evil.example", "/\\evil.example",
                                       "https://evil.example/", "/a\r\nSet-Cookie: x=1"])
def test_signing_in_never_goes_on_to_another_host(world: World, elsewhere: str) -> None:
    name = give_password(world, Role.CASE_MANAGER)
    client = sign_in_client(world)
    form = client.get("/anmelden")
    answer = client.post("/anmelden", data={"user_name": name, "password": PASSWORD,
                                            "csrf": csrf_of(form), "weiter": elsewhere})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_a_form_posted_without_any_session_is_not_kept_for_sending_again(
        world: World) -> None:
    stranger = sign_in_client(world)  # (another site's form: no cookie comes with it)
    answer = stranger.post("/abmelden", data={"csrf": "x", "notiz": "untergeschoben"})
    assert answer.status_code == 303
    assert "untergeschoben" not in stranger.get(answer.headers["location"]).text
