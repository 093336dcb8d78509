"""The SearchBackend contract, run against every implementation (embedded Tantivy always)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.errors import IndexBusy
from registry.search import SearchBackend, SearchQuery
from registry.search.elastic import OpenSearchBackend
from registry.search.tantivy_backend import TantivyBackend
from registry.store import Change
from tests.conftest import CC_BY_NC, engine_url, make_offer, make_work


@pytest.fixture(params=["tantivy", "opensearch"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    if request.param == "tantivy":
        implementation: SearchBackend = TantivyBackend(tmp_path / "index")
        yield implementation
        implementation.close()
        return
    remote = OpenSearchBackend(engine_url("opensearch"), alias=f"test-{uuid.uuid4().hex[:12]}")
    try:
        yield remote
    finally:
        remote.delete_all_indices()
        remote.close()


def _index(backend: SearchBackend, records: list) -> None:  # type: ignore[type-arg]
    backend.apply(
        [Change(seq=i + 1, id=r.id, deleted=False, record=r) for i, r in enumerate(records)]
    )


CORPUS = [
    make_work(
        "nl1",
        title="Oude boeken over fietspaden",
        languages=["nl"],
        subjects=["mobiliteit"],
        challenges=["climate-change"],
    ),
    make_work(
        "nl2",
        title="Coöperatie en ideeën voor het café",
        languages=["nl"],
        description="Een verslag over de reünie.",
        challenges=["active-citizenship"],
    ),
    make_work(
        "en1",
        title="Bicycles and city planning",
        languages=["en"],
        licence=CC_BY_NC,
        description="A study of cycling.",
    ),
    make_work(
        "en2",
        title="Energy storage",
        languages=["en"],
        subjects=["bicycle"],
        challenges=["food-water-energy"],
    ),
    make_work(
        "x1",
        title="Planning en ruimte",
        languages=[],
        source="other",
        description="planning appears in the description only",
    ),
    make_offer("o1", title="Heat pump patent", languages=["en"]),
]


@pytest.fixture
def indexed(backend: SearchBackend) -> SearchBackend:
    _index(backend, CORPUS)
    return backend


def ids(backend: SearchBackend, **query: object) -> list[str]:
    return [h.id for h in backend.search(SearchQuery(**query)).hits]  # type: ignore[arg-type]


def test_empty_query_lists_everything(indexed: SearchBackend) -> None:
    result = indexed.search(SearchQuery(page_size=100))
    assert result.total == len(CORPUS)
    assert indexed.count() == len(CORPUS)


def test_dutch_stemming_and_folded_diacritics(indexed: SearchBackend) -> None:
    assert ids(indexed, q="boek") == [CORPUS[0].id]
    assert ids(indexed, q="cooperatie") == [CORPUS[1].id]
    assert ids(indexed, q="ideeen cafe") == [CORPUS[1].id]
    assert ids(indexed, q="reunie") == [CORPUS[1].id]


def test_dutch_singular_and_plural_find_each_other(backend: SearchBackend) -> None:
    bikes = make_work("f1", title="Fietsen in de stad", languages=["nl"])
    bike = make_work("f2", title="Een fiets voor iedereen", languages=["nl"])
    places = make_work("k1", title="Kansen voor plaatsen op het platteland", languages=["nl"])
    _index(backend, [bikes, bike, places])
    for q in ("fiets", "fietsen"):
        assert set(ids(backend, q=q)) == {bikes.id, bike.id}, q
    assert ids(backend, q="kans") == [places.id]
    assert ids(backend, q="plaats") == [places.id]


def test_english_stemming(indexed: SearchBackend) -> None:
    assert set(ids(indexed, q="bicycle")) == {CORPUS[2].id, CORPUS[3].id}


def test_title_outranks_subjects_outranks_description(indexed: SearchBackend) -> None:
    found = ids(indexed, q="planning")
    # en1 and x1 have it in their titles; x1 also in its description
    assert set(found[:2]) == {CORPUS[2].id, CORPUS[4].id}
    ranked = ids(indexed, q="bicycle")
    assert ranked[0] == CORPUS[2].id  # title (stemmed) before subject


def test_syntax_errors_are_never_errors(indexed: SearchBackend) -> None:
    for text in ['"unterminated', "title:(", "AND OR", "((((", "a:b:c", "***", "fiets)"]:
        result = indexed.search(SearchQuery(q=text))
        assert result.total >= 0
    assert ids(indexed, q="boeken)") == [CORPUS[0].id]


def test_filters_combine_with_and_values_with_or(indexed: SearchBackend) -> None:
    assert set(ids(indexed, kind="ip-offer")) == {CORPUS[5].id}
    not_open = set(ids(indexed, open=False, page_size=50))
    assert not_open == {CORPUS[2].id, CORPUS[5].id}
    assert set(ids(indexed, licence=(CC_BY_NC.uri,), page_size=50)) == {CORPUS[2].id}
    assert set(ids(indexed, source=("other",))) == {CORPUS[4].id}
    assert set(ids(indexed, language=("nl",), page_size=50)) == {CORPUS[0].id, CORPUS[1].id}
    both = set(ids(indexed, challenge=("climate-change", "active-citizenship"), page_size=50))
    assert both == {CORPUS[0].id, CORPUS[1].id, CORPUS[5].id}
    assert ids(indexed, q="boeken", language=("en",)) == []


def test_facets_count_the_matching_records(indexed: SearchBackend) -> None:
    result = indexed.search(SearchQuery(language=("en",)))
    kinds = {f.value: f.count for f in result.facets["kind"]}
    assert kinds == {"work": 2, "ip-offer": 1}
    opened = {f.value: f.count for f in result.facets["open"]}
    assert opened == {"true": 1, "false": 2}
    languages = {f.value: f.count for f in result.facets["language"]}
    assert languages == {"en": 3}
    everything = indexed.search(SearchQuery())
    assert {f.value: f.count for f in everything.facets["language"]}["und"] == 1


def test_an_empty_search_lists_the_newest_change_first(indexed: SearchBackend) -> None:
    """Without words to rank by, the latest changes come first (by sequence number)."""
    assert ids(indexed, page_size=100) == [r.id for r in reversed(CORPUS)]
    assert ids(indexed, page_size=2, offset=2) == [CORPUS[3].id, CORPUS[2].id]


def test_facet_size_keeps_the_most_frequent_values(indexed: SearchBackend) -> None:
    result = indexed.search(SearchQuery(facet_size=1))
    assert [(f.value, f.count) for f in result.facets["language"]] == [("en", 3)]
    assert [(f.value, f.count) for f in result.facets["source"]] == [("src", 4)]
    assert result.total == len(CORPUS)  # facets are cut, not the results


def test_paging_walks_every_result_once(indexed: SearchBackend) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = indexed.search(SearchQuery(page_size=4, offset=offset))
        if not page.hits:
            break
        seen.extend(h.id for h in page.hits)
        offset += len(page.hits)
    assert sorted(seen) == sorted(r.id for r in CORPUS)


@pytest.mark.parametrize("q", ["", "planning"])
def test_cursor_paging_walks_every_result_once(indexed: SearchBackend, q: str) -> None:
    """Paging as the search API does: the offset advances and the last hit's sort values go
    along (engines that page by sort values use them; the others the offset)."""
    seen: list[str] = []
    offset, after = 0, None
    total = indexed.search(SearchQuery(q=q)).total
    while True:
        page = indexed.search(SearchQuery(q=q, page_size=2, offset=offset, search_after=after))
        if not page.hits:
            break
        seen.extend(h.id for h in page.hits)
        offset += len(page.hits)
        after = page.next_after
    assert len(seen) == len(set(seen)) == total > 1


def test_matches_are_highlighted(indexed: SearchBackend) -> None:
    hit = indexed.search(SearchQuery(q="cycling")).hits[0]
    if indexed.name == "tantivy":
        assert hit.highlights == {}  # the embedded engine does not highlight
        return
    assert hit.highlights["description"] == ["A study of <em>cycling</em>."]
    assert indexed.search(SearchQuery()).hits[0].highlights == {}  # nothing was searched


def test_health_says_the_engine_answers(indexed: SearchBackend) -> None:
    health = indexed.health()
    assert (health["engine"], health["status"]) == (indexed.name, "ok")
    assert health["documents"] == len(CORPUS)


def test_a_stale_change_never_replaces_a_newer_one(indexed: SearchBackend) -> None:
    """Two processes following the change feed may apply the same record's changes out of
    order; the newest (highest sequence number) stays."""
    newer = make_work("nl1", title="Wandelen in het bos", languages=["nl"])
    older = make_work("nl1", title="Fietsen door de duinen", languages=["nl"])
    indexed.apply([Change(seq=200, id=newer.id, deleted=False, record=newer)])
    indexed.apply([Change(seq=150, id=older.id, deleted=False, record=older)])
    if indexed.name == "tantivy":
        return  # one writer per index: changes arrive in order
    assert ids(indexed, q="wandelen") == [newer.id]
    assert ids(indexed, q="duinen") == []


def test_a_rebuild_is_swapped_in_at_once(indexed: SearchBackend) -> None:
    swappable = getattr(indexed, "begin_rebuild", None)
    if swappable is None:
        assert indexed.name == "tantivy"  # rebuilds in place: one process holds the index
        return
    before = indexed.instance  # type: ignore[attr-defined]
    fresh = swappable()
    assert fresh.instance != before
    _index(fresh, CORPUS[:2])
    # Searches see the serving index until the swap...
    assert indexed.search(SearchQuery()).total == len(CORPUS)
    fresh.promote()
    # ... and the new one after it; the old index is gone.
    assert indexed.search(SearchQuery()).total == 2
    assert fresh.count() == 2
    assert fresh.health()["index"] == fresh.instance
    if indexed.name == "opensearch":
        assert httpx.head(f"{engine_url('opensearch')}/{before}").status_code == 404


def test_updates_replace_and_deletes_remove(indexed: SearchBackend) -> None:
    changed = make_work("nl1", title="Wandelen in het bos", languages=["nl"])
    indexed.apply([Change(seq=100, id=changed.id, deleted=False, record=changed)])
    assert ids(indexed, q="boeken") == []
    assert ids(indexed, q="wandelen") == [changed.id]
    indexed.apply([Change(seq=101, id=changed.id, deleted=True, record=None)])
    assert ids(indexed, q="wandelen") == []
    assert indexed.count() == len(CORPUS) - 1


def test_hits_carry_the_stored_summary(indexed: SearchBackend) -> None:
    hit = indexed.search(SearchQuery(q="bicycles city")).hits[0]
    assert hit.summary["title"] == "Bicycles and city planning"
    assert hit.summary["licence"] == {
        "uri": CC_BY_NC.uri,
        "label": "CC BY-NC 4.0",
        "open": False,
        "reuse_class": "restricted",
        "family": "CC BY-NC",
        "commercial": False,
        "derivatives": True,
    }
    assert hit.summary["attribution"]["html"].startswith("<i>")


def test_clear_empties_the_index(indexed: SearchBackend) -> None:
    indexed.clear()
    assert indexed.count() == 0


def test_one_writer_per_index(tmp_path: Path) -> None:
    first = TantivyBackend(tmp_path / "shared")
    first.acquire_writer()
    second = TantivyBackend(tmp_path / "shared")
    record = make_work("w")
    with pytest.raises(IndexBusy):
        second.apply([Change(seq=1, id=record.id, deleted=False, record=record)])
    first.apply([Change(seq=1, id=record.id, deleted=False, record=record)])
    # readers in another process (here: another instance) see the writer's commits
    assert [h.id for h in second.search(SearchQuery(q="work")).hits] == [record.id]
    first.close()
    second.close()


def test_an_index_of_another_layout_is_dropped_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "old"
    first = TantivyBackend(path)
    _index(first, CORPUS[:2])
    first.close()
    (path / "registry-schema").write_text("0")  # as an older release left it
    second = TantivyBackend(path)
    assert second.count() == 0
    _index(second, CORPUS[:1])
    assert second.count() == 1
    second.close()


def test_a_stale_index_in_use_by_another_process_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "busy"
    first = TantivyBackend(path)
    first.acquire_writer()
    (path / "registry-schema").write_text("0")
    with pytest.raises(IndexBusy, match="older layout"):
        TantivyBackend(path)
    assert (path / "registry-schema").exists()
    first.close()
