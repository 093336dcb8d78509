"""The embedded search backend: Tantivy, in the data directory.

Tantivy allows one writer per index. The writer is taken lazily, on the first
:meth:`TantivyBackend.apply`; when another process holds it, :class:`IndexBusy` is
raised and that process (the one following the change feed) indexes the change instead.
Readers never need the lock.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import tantivy
from pydantic_core import from_json, to_json
from tantivy import FieldType, Filter, Occur, Query, TextAnalyzerBuilder, Tokenizer

from registry.errors import IndexBusy
from registry.search import (
    FACETS,
    FacetValue,
    Hit,
    SearchQuery,
    SearchResult,
    keyword_filters,
)
from registry.search.documents import (
    STEM_PASSES,
    WEIGHTS,
    analysed_languages,
    facet_values,
    patent_numbers,
    review_due_day,
    summary,
    texts,
)
from registry.store import Change

_STEMMERS = {"nl": "dutch", "en": "english"}
_TEXT_FIELDS = tuple(WEIGHTS)
# Characters with a meaning in Tantivy's query language; dropped when a query fails to parse.
_SYNTAX = re.compile(r"[+\-&|!(){}\[\]^\"~*?:\\/<>=']")
_SCHEMA_VERSION = "3"


def _analyzer(language: str) -> tantivy.TextAnalyzer:
    builder = (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(60))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
    )
    for _ in range(STEM_PASSES[language]):
        builder = builder.filter(Filter.stemmer(_STEMMERS[language]))
    return builder.build()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    for facet in FACETS:
        builder.add_text_field(facet, tokenizer_name="raw", fast=True)
    for name in _TEXT_FIELDS:
        for lang in _STEMMERS:
            builder.add_text_field(f"{name}_{lang}", tokenizer_name=f"text_{lang}")
    builder.add_integer_field("seq", stored=False, indexed=True, fast=True)
    # Offers: patent numbers (DOCDB), lifecycle status, review day and TRL for filters.
    builder.add_text_field("patent", tokenizer_name="raw", fast=False)
    builder.add_text_field("status", tokenizer_name="raw", fast=True)
    builder.add_integer_field("review_due_day", stored=False, indexed=True, fast=True)
    builder.add_integer_field("trl_number", stored=False, indexed=True, fast=True)
    builder.add_bytes_field("summary", stored=True)
    return builder.build()


class TantivyBackend:
    """:class:`~registry.search.SearchBackend` on a Tantivy index."""

    name = "tantivy"

    def __init__(self, path: str | Path, *, heap_size: int = 100_000_000) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        marker = self.path / "registry-schema"
        if marker.exists() and marker.read_text().strip() != _SCHEMA_VERSION:
            self._drop_stale_index()
        self.index = tantivy.Index(self.schema, path=str(self.path))
        marker.write_text(_SCHEMA_VERSION)
        for lang in _STEMMERS:
            self.index.register_tokenizer(f"text_{lang}", _analyzer(lang))
        self._heap_size = heap_size
        self._writer: tantivy.IndexWriter | None = None
        self._write_lock = threading.Lock()
        self._reloaded = 0.0
        self._fields = [f"{name}_{lang}" for name in _TEXT_FIELDS for lang in _STEMMERS]
        self._boosts = {
            f"{name}_{lang}": WEIGHTS[name] for name in _TEXT_FIELDS for lang in _STEMMERS
        }

    def _drop_stale_index(self) -> None:
        """Remove an index of another layout: it is a projection, rebuilt from the store
        (its instance id goes with it, so indexing starts again at zero). Refused while
        another process writes to it."""
        try:
            old = tantivy.Index.open(str(self.path))
            writer = old.writer(heap_size=15_000_000, num_threads=1)
        except ValueError as exc:
            if "lock" in str(exc).lower():
                raise IndexBusy(
                    f"the search index in {self.path} has an older layout and another process"
                    " is using it; stop that process and start again to rebuild it"
                ) from None
        else:
            del writer, old  # releases the lock
        shutil.rmtree(self.path)
        self.path.mkdir(parents=True)

    # writing ---------------------------------------------------------------------

    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self.index.writer(heap_size=self._heap_size, num_threads=1)
            except ValueError as exc:
                if "lock" in str(exc).lower():
                    raise IndexBusy(
                        "another process holds the search index's writer; it indexes the change"
                    ) from None
                raise
        return self._writer

    @property
    def holds_writer(self) -> bool:
        return self._writer is not None

    def acquire_writer(self) -> None:
        """Take the index's one writer now (raises :class:`IndexBusy` when it is taken)."""
        with self._write_lock:
            self._get_writer()

    @staticmethod
    def _document(seq: int, data: dict[str, Any]) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("id", data["id"])
        for facet, values in facet_values(data).items():
            for value in values:
                doc.add_text(facet, value)
        fields = texts(data)
        for lang in analysed_languages(data):
            for name, text in fields.items():
                if text:
                    doc.add_text(f"{name}_{lang}", text)
        doc.add_integer("seq", seq)
        for number in patent_numbers(data):
            doc.add_text("patent", number)
        doc.add_text("status", data.get("status") or "published")
        doc.add_integer("review_due_day", review_due_day(data))
        if data.get("trl"):
            doc.add_integer("trl_number", int(data["trl"]))
        doc.add_bytes("summary", to_json(summary(data)))
        return doc

    def apply(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        with self._write_lock:
            writer = self._get_writer()
            for change in changes:
                writer.delete_documents_by_term("id", change.id)
                data = None if change.deleted else change.data
                if data is not None:
                    writer.add_document(self._document(change.seq, data))
            writer.commit()
        self._reload(force=True)

    def clear(self) -> None:
        with self._write_lock:
            writer = self._get_writer()
            writer.delete_all_documents()
            writer.commit()
        self._reload(force=True)

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
                self._writer = None

    # reading ---------------------------------------------------------------------

    def _reload(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._reloaded > 0.5:
            self.index.reload()
            self._reloaded = now

    def count(self) -> int:
        self._reload()
        return int(self.index.searcher().num_docs)

    def health(self) -> dict[str, Any]:
        try:
            documents = self.count()
        except (OSError, ValueError) as exc:
            return {"engine": self.name, "status": "down", "error": str(exc)}
        return {"engine": self.name, "status": "ok", "documents": documents}

    def _text_query(self, text: str) -> Query:
        text = text.strip()
        if not text:
            return Query.all_query()
        try:
            return self.index.parse_query(
                text, self._fields, field_boosts=self._boosts, conjunction_by_default=True
            )
        except ValueError:
            # A syntax error in what a user typed is not their problem: search the words.
            words = _SYNTAX.sub(" ", text).split()
            if not words:
                return Query.all_query()
            query, _errors = self.index.parse_query_lenient(
                " ".join(words),
                self._fields,
                field_boosts=self._boosts,
                conjunction_by_default=True,
            )
            return query

    def _filters(self, query: SearchQuery) -> list[Query]:
        filters: list[Query] = []
        for field_name, values in keyword_filters(query).items():
            filters.append(Query.term_set_query(self.schema, field_name, list(values)))
        if query.trl_min is not None or query.trl_max is not None:
            filters.append(
                Query.range_query(
                    self.schema, "trl_number", FieldType.Integer, query.trl_min, query.trl_max
                )
            )
        if not query.include_expired:
            # Works are always "published" and never due; offers leave default search when
            # withdrawn, drafted or past their review day.
            filters.append(Query.term_query(self.schema, "status", "published"))
            today = date.today().toordinal()
            filters.append(
                Query.range_query(self.schema, "review_due_day", FieldType.Integer, today, None)
            )
        return filters

    def search(self, query: SearchQuery) -> SearchResult:
        self._reload()
        searcher = self.index.searcher()
        text = self._text_query(query.q)
        filters = self._filters(query)
        full: Query = (
            Query.boolean_query([(Occur.Must, text)] + [(Occur.Must, f) for f in filters])
            if filters
            else text
        )
        kwargs: dict[str, Any] = {}
        if not query.q.strip():
            kwargs["order_by_field"] = "seq"
        result = searcher.search(full, query.page_size, count=True, offset=query.offset, **kwargs)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            stored = from_json(bytes(doc["summary"][0]))
            hits.append(Hit(id=stored["id"], score=float(score), summary=stored))
        aggs = {facet: {"terms": {"field": facet, "size": query.facet_size}} for facet in FACETS}
        raw = searcher.aggregate(full, aggs)
        facets = {
            facet: [
                FacetValue(value=str(b["key"]), count=int(b["doc_count"]))
                for b in raw.get(facet, {}).get("buckets", [])
            ]
            for facet in FACETS
        }
        # ``count`` is missing from the bindings' type stubs, not from the object.
        total = int(getattr(result, "count", 0) or 0)
        return SearchResult(total=total, hits=hits, facets=facets)
