"""The views' decoder (``application/facts.py``) returns the events the mapper returns.

Every event type (``build_full_case``), with personal data left sealed, opened, and
opened only in part (as the ESF+ view reads it), for a family whose key exists and for
one whose key was destroyed; and the cases it hands to the mapper: a stored event whose
text contains the sealed marker, a tampered sealed value, an older class version.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson
import pytest
from eventsourcing.persistence import MapperDeserialisationError

from application.cases import FamilyCases
from application.facts import FactDecoder
from tests.conftest import SettingsFactory
from tests.integration.test_store_roundtrip import FAMILY_NAME, build_full_case

OPTIONS: list[dict[str, Any]] = [
    {"unseal": False}, {"unseal": True},
    {"unseal": True, "only": frozenset({"birth_date", "disability", "minority"})},
    {"unseal": True, "only": frozenset()}]


@pytest.fixture
def cases(make_settings: SettingsFactory) -> Iterator[FamilyCases]:
    with FamilyCases(make_settings()) as app:
        build_full_case(app)
        build_full_case(app, family_name="Quastmeier", erase=True)
        yield app


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and list(vars(a).items()) == list(vars(b).items())


def _case_events(app: FamilyCases) -> list[Any]:
    head = app.recorder.max_notification_id() or 0
    return [n for n in app.recorder.select_notifications(0, head + 1)
            if n.topic.startswith(("domain.events:", "domain.family_case:FamilyCase.Case"))]


@pytest.mark.parametrize("options", OPTIONS)
def test_events_equal_the_mappers(cases: FamilyCases, options: dict[str, Any]) -> None:
    decode = FactDecoder(cases.mapper)
    notifications = _case_events(cases)
    assert len({n.topic for n in notifications}) >= 19
    for n in notifications:
        expected = cases.mapper.to_domain_event(n, **options)
        assert _same(decode(n, **options), expected), n.topic


def test_the_sealed_marker_in_plain_text_goes_to_the_mapper(cases: FamilyCases) -> None:
    decode = FactDecoder(cases.mapper)
    n = next(n for n in _case_events(cases) if n.topic.endswith(":ReferralMade"))
    data = orjson.loads(n.state)
    data["institution_name"] = 'Beratung "$sealed"'
    odd = replace(n, state=orjson.dumps(data))
    for options in OPTIONS:
        assert _same(decode(odd, **options), cases.mapper.to_domain_event(odd, **options))


def test_a_tampered_sealed_value_fails_as_in_the_mapper(cases: FamilyCases) -> None:
    decode = FactDecoder(cases.mapper)
    n = next(n for n in _case_events(cases) if n.topic.endswith(":ConsultationRecorded"))
    data = orjson.loads(n.state)
    token = bytearray(base64.b64decode(data["notes"]["$sealed"]))
    token[-1] ^= 1
    data["notes"]["$sealed"] = base64.b64encode(bytes(token)).decode()
    bad = replace(n, state=orjson.dumps(data))
    with pytest.raises(MapperDeserialisationError, match="integrity"):
        decode(bad, unseal=True)
    assert decode(bad, unseal=False).notes is None  # left sealed: never opened


def test_an_older_class_version_is_upcast_by_the_mapper(cases: FamilyCases) -> None:
    decode = FactDecoder(cases.mapper)
    n = next(n for n in _case_events(cases) if n.topic.endswith(":ConsultationRecorded"))
    data = orjson.loads(n.state)
    assert data.pop("class_version") == 2
    topics = data.pop("topics")  # (version 1 had one topic)
    data["topic"] = topics[0]
    old = replace(n, state=orjson.dumps(data))
    for options in OPTIONS:
        assert _same(decode(old, **options), cases.mapper.to_domain_event(old, **options))


def test_family_name_never_opened_when_not_asked(cases: FamilyCases) -> None:
    decode = FactDecoder(cases.mapper)
    for n in _case_events(cases):
        event = decode(n, unseal=True, only=frozenset({"birth_date"}))
        assert FAMILY_NAME not in repr(vars(event))


def test_a_page_reads_the_keys_of_its_families_in_one_query(
        cases: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    notifications = _case_events(cases)
    personal = frozenset(n.topic for n in notifications)
    only = frozenset({"birth_date"})
    expected = [(n.id, cases.mapper.to_domain_event(n, unseal=True, only=only))
                for n in notifications]
    fresh = FamilyCases(cases.settings)  # (nothing cached)
    try:
        decode = FactDecoder(fresh.mapper)  # type: ignore[arg-type]
        table = fresh.mapper.keys.table  # type: ignore[attr-defined]
        queries: list[str] = []
        for name in ("select", "select_many"):
            original = getattr(table, name)
            monkeypatch.setattr(table, name, lambda *a, _o=original, _n=name, **k: (
                queries.append(_n), _o(*a, **k))[1])
        page = decode.page(notifications, personal, only)
    finally:
        fresh.close()
    assert queries == ["select_many"]
    assert [i for i, _ in page] == [i for i, _ in expected]
    assert all(_same(a, b) for (_, a), (_, b) in zip(page, expected, strict=True))
