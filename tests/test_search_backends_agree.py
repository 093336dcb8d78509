"""Tantivy and OpenSearch answer the same searches alike: totals, facet counts, filters and
the records paged through (ranking may differ). One corpus of works and offers, indexed
into both; every query asked of both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from registry.search import SearchBackend, SearchQuery
from registry.search.elastic import OpenSearchBackend
from registry.search.tantivy_backend import TantivyBackend
from registry.store import Change
from tests.conftest import CC_BY, CC_BY_NC, engine_url, make_offer, make_work

CC0 = CC_BY.model_copy(
    update={
        "uri": "https://creativecommons.org/publicdomain/zero/1.0/",
        "label": "CC0 1.0",
        "family": "CC0",
        "requires_attribution": False,
    }
)
ALL_RIGHTS = CC_BY.model_copy(
    update={
        "uri": None,
        "label": "All rights reserved",
        "family": None,
        "reuse_class": "permission",
        "commercial": False,
        "derivatives": False,
    }
)

_TITLES_NL = [
    "Fietsen en fietspaden in de stad",
    "Coöperaties voor duurzame energie",
    "Onderzoek naar waterbeheer in polders",
    "Vrijwilligers en burgerinitiatieven",
    "Ideeën voor circulaire bouw",
]
_TITLES_EN = [
    "Cycling infrastructure in cities",
    "Community energy cooperatives",
    "Water management research",
    "Volunteering and civic initiatives",
    "Circular construction ideas",
]
_LICENCES = [CC_BY, CC_BY_NC, CC0, ALL_RIGHTS]
_CHALLENGES = ["climate-change", "food-water-energy", "active-citizenship", "ageing-population"]


def _corpus() -> list[Any]:
    records: list[Any] = []
    for i in range(40):
        dutch = i % 2 == 0
        titles = _TITLES_NL if dutch else _TITLES_EN
        records.append(
            make_work(
                f"w{i}",
                source="library" if i % 3 else "museum",
                title=f"{titles[i % 5]} {i}",
                description=("Een studie." if dutch else "A study of the subject.")
                + (" Water en energie." if i % 4 == 0 else ""),
                languages=(["nl"] if dutch else ["en"]) if i % 7 else [],
                licence=_LICENCES[i % 4],
                challenges=[_CHALLENGES[i % 4]] if i % 5 else [],
                subjects=["energie"] if i % 6 == 0 else [],
            )
        )
    today = date.today()
    for i in range(12):
        fields: dict[str, Any] = {
            "title": f"Warmtepomp octrooi {i}" if i % 2 else f"Water purification patent {i}",
            "languages": ["nl"] if i % 2 else ["en"],
            "trl": 2 + i % 8,
            "assets": [{"type": "patent", "patents": [f"EP{3000000 + i}"]}]
            if i % 3
            else [{"type": "software"}],
            "terms": {
                "licensing_mode": "royalty-free-pledge" if i % 4 == 0 else "non-exclusive-licence",
                "territory": ["NL"] if i % 2 else ["NL", "BE"],
                "summary": "A licence on request.",
            },
        }
        if i % 5 == 0:
            fields["review_due"] = today - timedelta(days=1)  # past due: hidden by default
        if i == 7:
            fields["status"] = "withdrawn"
        records.append(make_offer(f"o{i}", **fields))
    return records


QUERIES: list[SearchQuery] = [
    SearchQuery(),
    SearchQuery(q="fiets"),
    SearchQuery(q="fietspad"),
    SearchQuery(q="cooperatie"),  # diacritics folded
    SearchQuery(q="cycling cities"),
    SearchQuery(q="energy"),
    SearchQuery(q="energie"),
    SearchQuery(q="water"),
    SearchQuery(q="onderzoek"),
    SearchQuery(q='"water management"'),
    SearchQuery(q="water -research"),
    SearchQuery(q="(("),  # a syntax error is searched as words (none here)
    SearchQuery(open=True),
    SearchQuery(open=False, commercial=False),
    SearchQuery(family=("CC BY", "CC0")),
    SearchQuery(source=("museum",), language=("nl",)),
    SearchQuery(language=("und",)),
    SearchQuery(challenge=("climate-change", "active-citizenship"), derivatives=True),
    SearchQuery(kind="ip-offer"),
    SearchQuery(kind="ip-offer", include_expired=True),
    SearchQuery(ip_type=("patent",), royalty_free=True),
    SearchQuery(licensing_mode=("non-exclusive-licence",), territory=("BE",)),
    SearchQuery(trl_min=4, trl_max=6),
    SearchQuery(trl_min=7, include_expired=True),
    SearchQuery(patent=("EP.3000001",)),
    SearchQuery(q="warmtepomp", include_expired=True),
    SearchQuery(reuse=("permission",), q="water"),
]


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[SearchBackend]]:
    url = engine_url("opensearch")
    corpus = _corpus()
    changes = [Change(seq=i + 1, id=r.id, deleted=False, record=r) for i, r in enumerate(corpus)]
    tantivy = TantivyBackend(Path(tmp_path_factory.mktemp("agree")) / "index")
    remote = OpenSearchBackend(url, alias=f"agree-{uuid.uuid4().hex[:10]}")
    try:
        for backend in (tantivy, remote):
            backend.apply(changes)
        yield [tantivy, remote]
    finally:
        tantivy.close()
        remote.delete_all_indices()
        remote.close()


def _answer(backend: SearchBackend, query: SearchQuery) -> dict[str, Any]:
    """Total, facet counts, and every id over all pages (3 a page, as the API pages)."""
    first = backend.search(query)
    ids: list[str] = []
    offset, after = 0, None
    while True:
        fields = {f: getattr(query, f) for f in query.__dataclass_fields__}
        page = backend.search(
            SearchQuery(**{**fields, "page_size": 3, "offset": offset, "search_after": after})
        )
        if not page.hits:
            break
        ids.extend(h.id for h in page.hits)
        offset += len(page.hits)
        after = page.next_after
    facets = {name: {v.value: v.count for v in values} for name, values in first.facets.items()}
    return {"total": first.total, "facets": facets, "ids": sorted(ids), "pages_unique": True}


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr(q.fingerprint())[:60])
def test_both_engines_answer_alike(backends: list[SearchBackend], query: SearchQuery) -> None:
    tantivy, remote = (_answer(b, query) for b in backends)
    assert remote == tantivy
    assert len(set(tantivy["ids"])) == len(tantivy["ids"]) == tantivy["total"]


def test_the_corpus_exercises_what_the_queries_ask(backends: list[SearchBackend]) -> None:
    """The queries above are not vacuous: most of them match something, some not all."""
    tantivy = backends[0]
    totals = [tantivy.search(q).total for q in QUERIES]
    everything = totals[0]
    assert sum(1 for t in totals if 0 < t < everything) >= len(QUERIES) - 4
