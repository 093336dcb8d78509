"""The query builder shared by Elasticsearch 8 and OpenSearch 2 (pure: no engine needed)."""

from __future__ import annotations

from datetime import date

from registry.search import FACETS, SearchQuery
from registry.search.elastic_dsl import document, index_body, search_body, text_fields
from tests.conftest import make_offer, make_work

TODAY = date(2026, 6, 1)


def _filters(query: SearchQuery) -> list[dict]:  # type: ignore[type-arg]
    return search_body(query, TODAY)["query"]["bool"]["filter"]


def test_default_search_hides_offers_that_are_withdrawn_or_past_review() -> None:
    hidden = _filters(SearchQuery())
    assert {"term": {"status": "published"}} in hidden
    assert {"range": {"review_due_day": {"gte": TODAY.toordinal()}}} in hidden
    assert _filters(SearchQuery(include_expired=True)) == []


def test_filters_are_terms_per_field_and_ranges_for_trl() -> None:
    query = SearchQuery(
        licence=("a", "b"), open=False, kind="ip-offer", trl_min=4, include_expired=True
    )
    assert _filters(query) == [
        {"terms": {"licence": ["a", "b"]}},
        {"terms": {"kind": ["ip-offer"]}},
        {"terms": {"open": ["false"]}},
        {"range": {"trl_number": {"gte": 4}}},
    ]


def test_pages_start_from_the_last_sort_values_when_there_are_some() -> None:
    assert search_body(SearchQuery(offset=40), TODAY)["from"] == 40
    after = search_body(SearchQuery(offset=40, search_after=(1.5, "x")), TODAY)
    assert after["search_after"] == [1.5, "x"] and "from" not in after


def test_text_is_every_word_over_every_language_field_with_the_weights() -> None:
    body = search_body(SearchQuery(q="fiets stad"), TODAY)
    text = body["query"]["bool"]["must"][0]["simple_query_string"]
    assert text["default_operator"] == "and"
    assert sorted(text["fields"]) == sorted(f"{f}^{w:g}" for f, w in text_fields().items())
    assert body["sort"] == [{"_score": "desc"}, {"id": "asc"}]
    assert set(body["highlight"]["fields"]) == {
        "title_nl",
        "title_en",
        "description_nl",
        "description_en",
    }
    empty = search_body(SearchQuery(), TODAY)
    assert empty["query"]["bool"]["must"] == [{"match_all": {}}]
    assert empty["sort"] == [{"seq": "desc"}, {"id": "asc"}]
    assert "highlight" not in empty


def test_every_facet_is_a_keyword_field_and_an_aggregation() -> None:
    mappings = index_body()["mappings"]["properties"]
    aggs = search_body(SearchQuery(facet_size=7), TODAY)["aggs"]
    for facet in FACETS:
        assert mappings[facet] == {"type": "keyword"}
        assert aggs[facet] == {"terms": {"field": facet, "size": 7}}


def test_documents_carry_text_in_their_languages_only() -> None:
    dutch = document(3, make_work("a", title="Fietsen", languages=["nl"]).model_dump(mode="json"))
    assert dutch["title_nl"] == "Fietsen" and "title_en" not in dutch
    unknown = document(4, make_work("b", title="X", languages=[]).model_dump(mode="json"))
    assert unknown["title_nl"] == unknown["title_en"] == "X"
    offer = document(5, make_offer("o", trl=5).model_dump(mode="json"))
    assert offer["trl_number"] == 5
    assert "EP.1000000" in offer["patent"] and offer["status"] == "published"
    assert set(document(3, make_work("a").model_dump(mode="json"))) <= set(
        index_body()["mappings"]["properties"]
    )


def test_highlighted_fragments_are_shown_as_safe_html() -> None:
    from registry.api.web import marked

    fragment = "<em>Water</em> &amp; <script>alert(1)</script> &lt;b&gt;"
    assert str(marked(fragment)) == (
        "<em>Water</em> &amp; &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;"
    )
