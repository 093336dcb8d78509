"""The licence normaliser against a labelled corpus of licence strings seen in real metadata.

The corpus and how it was built: ``tests/fixtures/licence-corpus/README.md``. The loading and
scoring are those of ``bench/licence_corpus.py`` (which also reports speed), so the test and
the benchmark always agree on what counts as a hit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from registry.licences import licence_by_uri

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "licence-corpus" / "corpus.tsv"
EXACT_ACCURACY = 0.98
OPEN_ACCURACY = 0.99


def _bench() -> ModuleType:
    name = "bench_licence_corpus"
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "licence_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the classes are built
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.fixture(scope="module")
def rows() -> list[Any]:
    return bench.load_corpus(CORPUS)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def results(rows: list[Any]) -> list[Any]:
    return bench.score(rows)  # type: ignore[no-any-return]


def _misses(results: list[Any], wrong: str) -> str:
    missed = [r for r in results if not (r.exact if wrong == "licence" else r.open_ok)]
    return f"{len(missed)} misses:\n" + "\n".join(bench.describe_miss(r) for r in missed)


def test_the_corpus_is_large_enough(rows: list[Any]) -> None:
    assert len(rows) >= 400


def test_every_row_says_where_it_was_seen(rows: list[Any]) -> None:
    unsourced = [row.line for row in rows if not row.source.strip()]
    assert not unsourced, f"rows without a source on lines {unsourced}"


def test_every_row_has_an_input(rows: list[Any]) -> None:
    empty = [row.line for row in rows if not row.input.strip()]
    assert not empty, f"rows without an input on lines {empty}"


def test_every_expected_licence_is_in_the_vocabulary(rows: list[Any]) -> None:
    unknown = sorted(
        {
            row.expected_uri
            for row in rows
            if row.expected_uri and licence_by_uri(row.expected_uri) is None
        }
    )
    assert not unknown, f"{len(unknown)} expected URIs not in vocab/licences.ttl:\n" + "\n".join(
        unknown
    )


def test_the_normaliser_names_the_expected_licence(results: list[Any]) -> None:
    accuracy = bench.accuracy(results, lambda r: r.exact)
    assert accuracy >= EXACT_ACCURACY, (
        f"exact-licence accuracy {accuracy:.3f} < {EXACT_ACCURACY}; " + _misses(results, "licence")
    )


def test_the_normaliser_tells_open_from_not_open(results: list[Any]) -> None:
    accuracy = bench.accuracy(results, lambda r: r.open_ok)
    assert accuracy >= OPEN_ACCURACY, (
        f"open/not-open accuracy {accuracy:.3f} < {OPEN_ACCURACY}; " + _misses(results, "open")
    )
