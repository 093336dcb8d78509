"""The request bodies Elasticsearch 8 and OpenSearch 2 both understand: one query builder,
no client and no I/O, so both engines index and search exactly alike.

The index mirrors the embedded Tantivy index (:mod:`registry.search.tantivy_backend`) field
for field, with the same analysis, so totals, facet counts, filters and paging agree
between the engines (ranking may differ):

================  ===========================================================================
field             what it holds
================  ===========================================================================
``id``            the record's id (keyword; the tie-breaker of every sort)
facets            one keyword field per facet of :data:`~registry.search.FACETS`
``{f}_{lang}``    title, subjects and description analysed per language (nl, en): split on
                  anything but letters and digits, lower-cased, diacritics folded, stemmed
                  as Tantivy stems (Kraaij-Pohlmann for Dutch, Porter2 for English)
``seq``           the record's place in the change feed (order of an empty search)
``patent``        patent numbers, DOCDB, with and without kind code
``status``        an offer's lifecycle (works are "published")
``review_due_day`` the day an offer is due for review (day number)
``trl_number``    an offer's technology readiness level
``summary``       what a hit shows; stored, not indexed
================  ===========================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from registry.search import (
    FACETS,
    FacetValue,
    Hit,
    SearchQuery,
    SearchResult,
    keyword_filters,
)
from registry.search.documents import (
    LANGUAGES,
    STEM_PASSES,
    WEIGHTS,
    analysed_languages,
    facet_values,
    patent_numbers,
    review_due_day,
    summary,
    texts,
)

__all__ = [
    "HIGHLIGHTED",
    "document",
    "index_body",
    "parse_response",
    "search_body",
    "text_fields",
]

#: The stemmers that stem as Tantivy's do (its "dutch" is Kraaij-Pohlmann; OpenSearch's
#: "english" is the older Porter).
_STEMMERS = {"nl": "dutch_kp", "en": "porter2"}
#: The fields whose matches are shown as highlighted fragments.
HIGHLIGHTED: tuple[str, ...] = ("title", "description")
_HIGHLIGHT_TAGS = ("<em>", "</em>")
_WORD = re.compile(r"[^\W_]")


def text_fields() -> dict[str, float]:
    """Every analysed field with its boost (the weights of the embedded engine)."""
    return {f"{name}_{lang}": weight for name, weight in WEIGHTS.items() for lang in LANGUAGES}


def index_body(*, shards: int = 1, replicas: str = "0-1") -> dict[str, Any]:
    """Settings (analysis) and mappings of a new index. ``replicas``: as many copies as
    the cluster has room for, in that range (none on a single node, one on a cluster)."""
    filters: dict[str, Any] = {
        "registry_long": {"type": "length", "max": 59},
        **{
            f"registry_stem_{lang}": {"type": "stemmer", "language": stemmer}
            for lang, stemmer in _STEMMERS.items()
        },
    }
    analyzers = {
        f"registry_{lang}": {
            "type": "custom",
            "tokenizer": "registry_words",
            "filter": [
                "registry_long",
                "lowercase",
                "asciifolding",
                *[f"registry_stem_{lang}"] * STEM_PASSES[lang],
            ],
        }
        for lang in _STEMMERS
    }
    properties: dict[str, Any] = {
        "id": {"type": "keyword"},
        "seq": {"type": "long"},
        "patent": {"type": "keyword"},
        "status": {"type": "keyword"},
        "review_due_day": {"type": "integer"},
        "trl_number": {"type": "integer"},
        "summary": {"type": "object", "enabled": False},
    }
    for facet in FACETS:
        properties[facet] = {"type": "keyword"}
    for name in WEIGHTS:
        for lang in LANGUAGES:
            field: dict[str, Any] = {"type": "text", "analyzer": f"registry_{lang}"}
            if name in HIGHLIGHTED:
                field["index_options"] = "offsets"  # fast, exact highlighting
            properties[f"{name}_{lang}"] = field
    return {
        "settings": {
            "number_of_shards": shards,
            "auto_expand_replicas": replicas,
            "analysis": {
                "tokenizer": {
                    # Tantivy's "simple" tokenizer: runs of letters and digits.
                    "registry_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
                },
                "filter": filters,
                "analyzer": analyzers,
            },
        },
        "mappings": {"dynamic": "strict", "properties": properties},
    }


def document(seq: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the engine indexes it (the fields of the embedded index)."""
    record = dict(data)
    doc: dict[str, Any] = {"id": record["id"], "seq": seq}
    doc.update(facet_values(record))
    fields = texts(record)
    for lang in analysed_languages(record):
        for name, text in fields.items():
            if text:
                doc[f"{name}_{lang}"] = text
    doc["patent"] = patent_numbers(record)
    doc["status"] = record.get("status") or "published"
    doc["review_due_day"] = review_due_day(record)
    if record.get("trl"):
        doc["trl_number"] = int(record["trl"])
    doc["summary"] = summary(record)
    return doc


def _filters(query: SearchQuery, today: date) -> list[dict[str, Any]]:
    """The query's filters, each as the embedded engine applies them."""
    filters: list[dict[str, Any]] = [
        {"terms": {name: list(values)}} for name, values in keyword_filters(query).items()
    ]
    if query.trl_min is not None or query.trl_max is not None:
        bounds: dict[str, int] = {}
        if query.trl_min is not None:
            bounds["gte"] = query.trl_min
        if query.trl_max is not None:
            bounds["lte"] = query.trl_max
        filters.append({"range": {"trl_number": bounds}})
    if not query.include_expired:
        # Works are always "published" and never due; offers leave default search when
        # withdrawn, drafted or past their review day.
        filters.append({"term": {"status": "published"}})
        filters.append({"range": {"review_due_day": {"gte": today.toordinal()}}})
    return filters


def search_body(query: SearchQuery, today: date | None = None) -> dict[str, Any]:
    """The search request for a query: text over the analysed fields (every word required,
    in some field; the user's syntax never fails), filters, facets, highlights, and the
    page (``search_after`` when the query carries one, else ``from``)."""
    today = today or date.today()
    text = query.q.strip()
    must: dict[str, Any]
    if text and not _WORD.search(text):
        # Nothing but syntax ("((", "*"): the embedded engine lists everything; so do we.
        must = {"match_all": {}}
        sort: list[Any] = [{"_score": "desc"}, {"id": "asc"}]
    elif text:
        must = {
            "simple_query_string": {
                "query": text,
                "fields": [f"{name}^{boost:g}" for name, boost in text_fields().items()],
                "default_operator": "and",
                "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE|ESCAPE",
            }
        }
        sort = [{"_score": "desc"}, {"id": "asc"}]
    else:
        must = {"match_all": {}}
        sort = [{"seq": "desc"}, {"id": "asc"}]
    body: dict[str, Any] = {
        "query": {"bool": {"must": [must], "filter": _filters(query, today)}},
        "size": query.page_size,
        "sort": sort,
        "track_total_hits": True,
        "track_scores": True,
        "_source": ["summary"],
        "aggs": {facet: {"terms": {"field": facet, "size": query.facet_size}} for facet in FACETS},
    }
    if query.search_after is not None:
        body["search_after"] = list(query.search_after)
    elif query.offset:
        body["from"] = query.offset
    if text and _WORD.search(text) and query.page_size:
        body["highlight"] = {
            "pre_tags": [_HIGHLIGHT_TAGS[0]],
            "post_tags": [_HIGHLIGHT_TAGS[1]],
            "encoder": "html",
            "fields": {
                # A title whole, the rest in up to two fragments.
                f"{name}_{lang}": (
                    {"number_of_fragments": 0}
                    if name == "title"
                    else {"number_of_fragments": 2, "fragment_size": 160}
                )
                for name in HIGHLIGHTED
                for lang in LANGUAGES
            },
        }
    return body


def _highlights(raw: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Fragments per field (``title``, ``description``), whichever language matched."""
    out: dict[str, list[str]] = {}
    for field, fragments in (raw or {}).items():
        name = field.rsplit("_", 1)[0]
        for fragment in fragments:
            if fragment not in out.setdefault(name, []):
                out[name].append(fragment)
    return out


def parse_response(raw: Mapping[str, Any]) -> SearchResult:
    """A search response as the registry's result."""
    hits_part = raw.get("hits") or {}
    total_part = hits_part.get("total") or {}
    total = int(total_part.get("value", 0) if isinstance(total_part, Mapping) else total_part)
    hits: list[Hit] = []
    last_sort: tuple[Any, ...] | None = None
    for item in hits_part.get("hits") or []:
        stored = item["_source"]["summary"]
        hits.append(
            Hit(
                id=stored["id"],
                score=float(item.get("_score") or 0.0),
                summary=stored,
                highlights=_highlights(item.get("highlight")),
            )
        )
        if item.get("sort") is not None:
            last_sort = tuple(item["sort"])
    aggregations = raw.get("aggregations") or {}
    facets = {
        facet: [
            FacetValue(value=str(bucket["key"]), count=int(bucket["doc_count"]))
            for bucket in (aggregations.get(facet) or {}).get("buckets", [])
        ]
        for facet in FACETS
    }
    return SearchResult(total=total, hits=hits, facets=facets, next_after=last_sort)
