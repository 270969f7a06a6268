"""The family search index on both stores: staff find a family by case number or by part
of a member's name, within their projects and their own caseload; names stay sealed and
are matched only through keyed hashes; several threads and application instances
catch up the same index without losing or doubling a page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from application.cases import FamilyCases
from application.commands import AssignCaseManager, ChangeMemberDetails, CloseCase
from domain.errors import InvalidInput
from domain.records import MemberData
from domain.values import ClosureReason, ErasureBasis
from projections.views import family_index
from projections.views.family_index import TOPICS, FamilyIndex, name_tokens, words
from tests.conftest import SettingsFactory
from tests.support.builders import INTAKE, child, open_case, parent

KEY = bytes(range(32))
LATER = date(2026, 4, 14)  # a business date after the builders' intake, not in the future
JOIN_TIMEOUT = 120


@pytest.fixture
def index(app: FamilyCases) -> FamilyIndex:
    return FamilyIndex(app, KEY)


def family(given: str, name: str) -> list[MemberData]:
    return [parent(given, name), child("Noah", name)]


def found(index: FamilyIndex, query: str | None = None, **scope: Any) -> list[str]:
    scope.setdefault("projects", ["KR"])
    return [f.case_number for f in index.search(query=query, **scope).items]


def raw(app: FamilyCases, table: str) -> list[tuple[Any, ...]]:
    return app.tables.fetchall(app.tables.sql("SELECT * FROM {t}", t=table))


def tokens_of(app: FamilyCases, family_id: UUID) -> set[bytes]:
    return {bytes(r[0]) for r in app.tables.fetchall(app.tables.sql(
        "SELECT token FROM {t} WHERE family_id = {p}", t=family_index.TOKENS),
        (family_id.hex,))}


# ----- normalisation (no store) ------------------------------------------------------------


def test_names_are_normalised_and_cut_into_prefixes() -> None:
    assert words("Müßig-ÇELİK, O'Brien_2") == ["mussig", "celik", "o", "brien", "2"]
    assert words("Y\u0131lmaz Łukasz Søren Ærø") == ["yilmaz", "lukasz", "soren", "aero"]
    assert name_tokens("Hoffmann") == {"hoffmann", "hof", "hoff", "hoffm", "hoffma", "hoffman"}
    assert {"muller", "mueller", "mull", "muel"} <= name_tokens("Müller")
    assert name_tokens("Okonkwo-Brandt") >= {"okonkwo", "brandt", "okon", "bra"}
    assert name_tokens("Li") == {"li"}


# ----- search ------------------------------------------------------------------------------


def test_search_by_case_number_exact_prefix_and_any_case(index: FamilyIndex,
                                                        app: FamilyCases) -> None:
    numbers = [open_case(app)[0].case_number for _ in range(3)]
    assert numbers == ["KR-2026-0001", "KR-2026-0002", "KR-2026-0003"]
    assert found(index, "KR-2026-0002") == ["KR-2026-0002"]
    assert found(index, "kr-2026-0003") == ["KR-2026-0003"]
    assert found(index, " KR-2026-00 ") == numbers
    assert found(index, "KR-2025") == []
    assert found(index) == numbers


def test_search_by_name_prefix_every_word_must_match(index: FamilyIndex,
                                                     app: FamilyCases) -> None:
    hoffmann = open_case(app, family("Greta", "Hoffmann"))[0].case_number
    okonkwo = open_case(app)[0].case_number
    assert found(index, "hoff") == [hoffmann]
    assert found(index, "HOFFMANN") == [hoffmann]
    assert found(index, "okon") == [okonkwo]
    assert found(index, "Brandt") == [okonkwo]
    assert found(index, "noah") == [hoffmann, okonkwo]
    assert found(index, "Amira Okonkwo-Brandt") == [okonkwo]
    assert found(index, "Amira Hoffmann") == []
    assert found(index, "hoffmannx") == []
    page = index.search(projects=["KR"], query="greta")
    assert page.items[0].names == ["Greta Hoffmann", "Noah Hoffmann"]


def test_umlauts_and_sharp_s_match_as_people_type_them(index: FamilyIndex,
                                                       app: FamilyCases) -> None:
    mueller = open_case(app, family("Jürgen", "Müller"))[0].case_number
    strauss = open_case(app, family("Ömer", "Strauß"))[0].case_number
    for query in ("müll", "mull", "MÜLLER", "muller", "mueller", "muell", "jurgen", "juergen"):
        assert found(index, query) == [mueller], query
    for query in ("strauß", "strauss", "STRAUSS", "strau", "omer", "oemer"):
        assert found(index, query) == [strauss], query
    assert index.search(projects=["KR"], query="mull").items[0].names == [
        "Jürgen Müller", "Noah Müller"]


@pytest.mark.parametrize("query", ["ab", "Amira ab", "O'", "--"])
def test_too_short_search_words_are_refused(index: FamilyIndex, query: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        index.search(projects=["KR"], query=query)
    assert (refused.value.rule, refused.value.field) == ("query_too_short", "q")


def test_search_stays_within_projects_case_manager_and_status(index: FamilyIndex,
                                                              app: FamilyCases) -> None:
    anna = open_case(app)[0].case_number
    bernd_case = open_case(app, case_manager="cm-bernd")[0]
    bernd = bernd_case.case_number
    gladbeck = open_case(app, project="GB")[0].case_number
    assert found(index, "okonkwo") == [anna, bernd]
    assert found(index, "okonkwo", projects=["GB"]) == [gladbeck]
    assert found(index, "okonkwo", projects=["KR", "GB"]) == [gladbeck, anna, bernd]
    assert found(index, "okonkwo", projects=[]) == []
    assert found(index, "okonkwo", case_manager="cm-bernd") == [bernd]
    assert found(index, gladbeck) == []
    app.handle(CloseCase(family_id=bernd_case.family_id, reason=ClosureReason.NO_CONTACT,
        note=None, occurred_on=LATER),
        recorded_by="cm-bernd")
    assert found(index, status="open") == [anna]
    assert found(index, status="closed") == [bernd]
    with pytest.raises(InvalidInput):
        index.search(projects=["KR"], status="lost")
    with pytest.raises(TypeError):
        index.search(projects="KR")


def test_pagination_counts_all_and_returns_a_page_in_case_number_order(
        index: FamilyIndex, app: FamilyCases) -> None:
    numbers = [open_case(app)[0].case_number for _ in range(7)]
    pages = [index.search(projects=["KR"], query="amira", limit=3, offset=o)
             for o in (0, 3, 6, 9)]
    assert [p.total for p in pages] == [7, 7, 7, 7]
    assert [[f.case_number for f in p.items] for p in pages] == [
        numbers[:3], numbers[3:6], numbers[6:], []]
    for limit, offset, field in ((0, 0, "limit"), (10_000, 0, "limit"), (3, -1, "offset")):
        with pytest.raises(InvalidInput) as refused:
            index.search(projects=["KR"], limit=limit, offset=offset)
        assert refused.value.field == field


# ----- the index follows the families ------------------------------------------------------


def test_a_transfer_moves_the_family_to_the_new_case_manager(index: FamilyIndex,
                                                             app: FamilyCases) -> None:
    opened, _ = open_case(app)
    assert found(index, case_manager="cm-anna") == [opened.case_number]
    moved = app.handle(AssignCaseManager(family_id=opened.family_id, case_manager="cm-bernd",
        reason=None, occurred_on=LATER),
        recorded_by="lead")
    assert found(index, case_manager="cm-anna") == []
    [summary] = index.search(projects=["KR"], case_manager="cm-bernd").items
    assert (summary.case_manager, summary.version) == ("cm-bernd", moved.version)
    assert (summary.project, summary.status, summary.opened_on) == ("KR", "open", INTAKE)


def test_a_name_change_replaces_the_name_tokens(index: FamilyIndex, app: FamilyCases) -> None:
    opened, members = open_case(app, [parent("Amira", "Okonkwo")])
    assert found(index, "okonkwo") == [opened.case_number]
    app.handle(ChangeMemberDetails(family_id=opened.family_id, member_id=members[0].member_id,
        family_name="Schmidt", occurred_on=LATER),
        recorded_by="cm-anna")
    assert found(index, "okonkwo") == []
    assert found(index, "schmi") == [opened.case_number]
    assert index.search(projects=["KR"], query="amira").items[0].names == ["Amira Schmidt"]


def test_erasure_removes_names_and_tokens(index: FamilyIndex, app: FamilyCases) -> None:
    erased, _ = open_case(app)
    kept, _ = open_case(app)
    assert found(index, "okonkwo") == [erased.case_number, kept.case_number]
    app.erase_personal_data(erased.family_id, legal_basis=ErasureBasis.ART17_REQUEST,
                            note="Art. 17 GDPR", occurred_on=LATER,
                            recorded_by="lead")
    assert found(index, "okonkwo") == [kept.case_number]
    [summary] = index.search(projects=["KR"], query=erased.case_number).items
    assert (summary.status, summary.names) == ("erased", None)
    assert tokens_of(app, erased.family_id) == set()
    assert tokens_of(app, kept.family_id) != set()
    rows = {r[0]: r for r in raw(app, family_index.INDEX)}
    assert rows[erased.family_id.hex][7] is None
    assert rows[kept.family_id.hex][7] is not None


def test_the_index_tables_hold_no_plaintext_names(index: FamilyIndex,
                                                  app: FamilyCases) -> None:
    opened, _ = open_case(app, family("Jürgen", "Hoffmann-Müller"))
    index.catch_up()
    cells = [c for t in (family_index.INDEX, family_index.TOKENS) for r in raw(app, t)
             for c in r]
    text = b"|".join(c if isinstance(c, bytes) else bytes(c) if isinstance(c, memoryview)
                     else str(c).encode() for c in cells)
    for secret in ("Jürgen", "Hoffmann", "Müller", "Noah", "hoffmann", "hoff", "jurgen",
                   "muller", "mueller"):
        assert secret.encode() not in text.lower(), secret
    tokens = tokens_of(app, opened.family_id)
    assert {len(t) for t in tokens} == {32}
    assert len(tokens) == len(set().union(*(name_tokens(n) for n in (
        "Jürgen", "Hoffmann-Müller", "Noah"))))


def test_every_event_of_a_family_is_read_under_its_stored_topic(app: FamilyCases) -> None:
    opened, _ = open_case(app)
    stored = {n.topic for n in app.recorder.select_notifications(0, 100)
              if n.originator_id == opened.family_id}
    assert stored <= set(TOPICS)
    assert any(t.endswith("CaseOpened") for t in stored)


# ----- catch-up ----------------------------------------------------------------------------


def family_notifications(app: FamilyCases) -> list[int]:
    return [n.id for n in app.recorder.select_notifications(0, 100_000, topics=TOPICS)]


def test_catch_up_continues_from_the_stored_position_after_a_restart(
        make_settings: SettingsFactory, app: FamilyCases, index: FamilyIndex) -> None:
    opened, _ = open_case(app)
    assert index.catch_up() == len(family_notifications(app))
    assert index.catch_up() == 0
    restarted = FamilyCases(make_settings())
    try:
        again = FamilyIndex(restarted, KEY)
        assert again.catch_up() == 0
        app.handle(AssignCaseManager(family_id=opened.family_id, case_manager="cm-bernd",
            reason=None, occurred_on=LATER),
            recorded_by="lead")
        assert again.catch_up() == 1
        assert again.position() == family_notifications(app)[-1]
        assert found(again, case_manager="cm-bernd") == [opened.case_number]
    finally:
        restarted.close()


def test_a_page_another_process_applied_first_is_not_written_again(
        app: FamilyCases, index: FamilyIndex) -> None:
    opened, _ = open_case(app)
    index.catch_up()
    stale = (opened.family_id.hex, "KR", "KR-2026-9999", "intruder", "open",
             INTAKE.isoformat(), 1, None)
    assert not index._commit(0, 99, [opened.family_id], [(stale, set())])
    assert found(index, case_manager="intruder") == []
    assert found(index, "okonkwo") == [opened.case_number]


def test_a_write_through_another_instance_is_found_at_once(
        app: FamilyCases, second_app: FamilyCases, index: FamilyIndex) -> None:
    assert found(index, "yilmaz") == []
    opened, _ = open_case(second_app, family("Elif", "Y\u0131lmaz"))
    assert found(index, "yilmaz") == [opened.case_number]
    second_app.handle(AssignCaseManager(family_id=opened.family_id, case_manager="cm-bernd",
        reason=None, occurred_on=LATER),
        recorded_by="lead")
    assert found(index, "elif yilmaz", case_manager="cm-bernd") == [opened.case_number]


@pytest.fixture
def second_app(make_settings: SettingsFactory) -> Iterator[FamilyCases]:
    other = FamilyCases(make_settings())
    yield other
    other.close()


def test_concurrent_catch_ups_apply_every_page_exactly_once(
        app: FamilyCases, second_app: FamilyCases, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(family_index, "PAGE_SIZE", 3)
    indexes = [FamilyIndex(app, KEY), FamilyIndex(second_app, KEY)]
    opened = [open_case(app)[0] for _ in range(4)]
    applied: list[int] = []
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def write() -> None:
        try:
            for i in range(8):
                writer = (app, second_app)[i % 2]
                opened.append(open_case(writer, family(f"Kind{i}", "Yilmaz"))[0])
                writer.handle(AssignCaseManager(family_id=opened[i % 4].family_id,
                    case_manager=f"cm-{i}", reason=None, occurred_on=LATER),
                    recorded_by="lead")
        except BaseException as e:
            errors.append(e)
        finally:
            writing.clear()

    def follow(index: FamilyIndex) -> None:
        try:
            while writing.is_set():
                applied.append(index.catch_up())
            applied.append(index.catch_up())
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write)] + [
        threading.Thread(target=follow, args=(indexes[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not errors
    assert sum(applied) == len(family_notifications(app))
    assert indexes[0].position() == family_notifications(app)[-1]
    rows = {r[0]: r for r in raw(app, family_index.INDEX)}
    assert set(rows) == {o.family_id.hex for o in opened}
    for o in opened:
        case = app.get_case(o.family_id)
        row = rows[o.family_id.hex]
        assert (row[2], row[3], row[6]) == (o.case_number, case.state.case_manager,
                                            case.version)
        names = {n for m in case.state.members.values()
                 for n in (m.given_name, m.family_name) if n}
        assert tokens_of(app, o.family_id) == {
            indexes[0]._hmac(t) for n in names for t in name_tokens(n)}
    assert len(found(indexes[1], "yilmaz")) == 8
