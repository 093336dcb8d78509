"""Benchmark: the licence normaliser against a labelled corpus of real-world licence strings.

Reads ``tests/fixtures/licence-corpus/corpus.tsv`` (see the README beside it), normalises every
``input`` with :func:`registry.licences.normalise` and reports:

* exact-licence accuracy: the canonical URI is the expected one; for a row that names a licence
  family without a version ("CC BY", "cc-by" in CKAN) the URI is None and the family is the
  expected one; for a string that names no licence the URI is None;
* open/not-open accuracy: ``reuse_class == "open"`` against ``expected_open``;
* both per category, and the misses (the first 20, or all with ``--show-misses``);
* speed: normalisations/s for repeated strings (the corpus 20 times over, caches warm) and for
  distinct strings (the normaliser's own caches cleared before each pass).

Rows whose source is Flickr are normalised with ``convention="flickr"`` when ``normalise``
accepts that keyword (Flickr's numeric licence ids only make sense under Flickr's convention).

Not a test: it asserts nothing and always exits 0 (``tests/test_licence_corpus.py`` holds the
thresholds). Run: ``python bench/licence_corpus.py [--corpus PATH] [--show-misses]``.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.licences import normalise
from registry.models import LicenceRef

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "tests/fixtures/licence-corpus/corpus.tsv"
COLUMNS = ("input", "expected_uri", "expected_open", "source", "expected_family")
REPEATS = 20
DISTINCT_ROUNDS = 5
_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


@dataclass(frozen=True)
class Row:
    """One labelled licence string of the corpus."""

    line: int
    input: str
    expected_uri: str | None
    expected_open: bool
    source: str
    expected_family: str | None

    @property
    def flickr(self) -> bool:
        """Whether the string was seen on Flickr (and follows Flickr's licence-id convention)."""
        return self.source.lower().startswith("flickr")


@dataclass(frozen=True)
class Result:
    row: Row
    ref: LicenceRef | None
    error: str | None = None

    @property
    def exact(self) -> bool:
        if self.ref is None:
            return False
        if self.row.expected_uri:
            return self.ref.uri == self.row.expected_uri
        if self.row.expected_family:
            return self.ref.uri is None and self.ref.family == self.row.expected_family
        return self.ref.uri is None

    @property
    def open_ok(self) -> bool:
        return self.ref is not None and (self.ref.reuse_class == "open") == self.row.expected_open


def unescape(value: str) -> str:
    """A field as written in the corpus -> the string itself (``\\t``, ``\\n``, ``\\r``, ``\\\\``)."""
    if "\\" not in value:
        return value
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        if following not in _ESCAPES:
            raise ValueError(f"unknown escape \\{following}")
        out.append(_ESCAPES[following])
    return "".join(out)


def load_corpus(path: Path = DEFAULT_CORPUS) -> list[Row]:
    """The corpus rows; raises ValueError (naming the line) on a malformed row."""
    rows: list[Row] = []
    with path.open(encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        if tuple(header) != COLUMNS:
            raise ValueError(f"{path}: header must be {'/'.join(COLUMNS)}, not {'/'.join(header)}")
        for number, line in enumerate(handle, start=2):
            line = line.rstrip("\r\n")
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != len(COLUMNS):
                raise ValueError(f"{path}:{number}: {len(fields)} fields, expected {len(COLUMNS)}")
            text, uri, is_open, source, family = (unescape(field) for field in fields)
            if is_open not in ("true", "false"):
                raise ValueError(f"{path}:{number}: expected_open must be true or false")
            if uri and family:
                raise ValueError(f"{path}:{number}: expected_uri and expected_family both set")
            rows.append(Row(number, text, uri or None, is_open == "true", source, family or None))
    return rows


def normaliser() -> Callable[[Row], LicenceRef]:
    """``normalise`` for a corpus row, with Flickr's convention where the normaliser has one."""
    try:
        parameters = inspect.signature(normalise).parameters
    except (TypeError, ValueError):
        parameters = {}  # type: ignore[assignment]
    if "convention" in parameters:
        call: Any = normalise

        def with_convention(row: Row) -> LicenceRef:
            if row.flickr:
                return call(row.input, convention="flickr")  # type: ignore[no-any-return]
            return normalise(row.input)

        return with_convention
    return lambda row: normalise(row.input)


def score(rows: Iterable[Row]) -> list[Result]:
    """Every row normalised; a normaliser error is a miss, not a crash."""
    run = normaliser()
    results = []
    for row in rows:
        try:
            results.append(Result(row, run(row)))
        except Exception as exc:  # a benchmark reports, it does not stop
            results.append(Result(row, None, f"{type(exc).__name__}: {exc}"))
    return results


def category(row: Row) -> str:
    """The kind of licence a row names, for the per-category report."""
    uri = row.expected_uri or ""
    text = row.input.lower()
    if row.expected_family:
        return "family only"
    if not uri:
        return "no licence"
    if "creativecommons.org" in uri:
        return "Creative Commons"
    if "rightsstatements.org" in uri:
        if "europeana" in text:
            return "Europeana legacy"
        notice = (
            "copyright" in text or "rights reserved" in text or "©" in text
        ) and text != "in copyright"
        if uri.endswith("/InC/1.0/") and notice and "rightsstatements" not in text:
            return "copyright notice"
        return "rightsstatements.org"
    if "opendatacommons.org" in uri:
        return "Open Data Commons"
    if "nationalarchives.gov.uk" in uri:
        return "OGL"
    if "etalab" in uri:
        return "Etalab"
    if "govdata.de" in uri:
        return "Datenlizenz Deutschland"
    if "data.norge.no" in uri:
        return "NLOD"
    if "spdx.org" in uri:
        return "SPDX"
    return "other"


def accuracy(results: Sequence[Result], key: Callable[[Result], bool]) -> float:
    return sum(1 for result in results if key(result)) / len(results) if results else 0.0


def misses(results: Iterable[Result]) -> list[Result]:
    return [result for result in results if not (result.exact and result.open_ok)]


def describe_miss(result: Result) -> str:
    row, ref = result.row, result.ref
    expected = row.expected_uri or (
        f"family {row.expected_family}" if row.expected_family else "no licence"
    )
    if ref is None:
        got = f"error {result.error}"
    elif ref.uri:
        got = ref.uri
    elif ref.family:
        got = f"family {ref.family}"
    else:
        got = "no licence"
    wrong = []
    if not result.exact:
        wrong.append("licence")
    if not result.open_ok:
        wrong.append("open")
    if ref is not None:
        got += f" (open={str(ref.reuse_class == 'open').lower()})"
    shown = row.input if len(row.input) <= 100 else row.input[:97] + "..."
    return (
        f"  line {row.line} [{'+'.join(wrong)}] {shown!r}\n"
        f"      expected {expected} (open={str(row.expected_open).lower()}), got {got}\n"
        f"      source: {row.source}"
    )


def _caches() -> list[Callable[[], None]]:
    """``cache_clear`` of the normaliser's own caches (not of the vocabulary loader)."""
    clearers: list[Callable[[], None]] = []
    direct = getattr(normalise, "cache_clear", None)
    if callable(direct):
        clearers.append(direct)
    module = inspect.getmodule(normalise)
    for name, obj in vars(module).items() if module else ():
        clear = getattr(obj, "cache_clear", None)
        if (
            callable(clear)
            and getattr(obj, "__module__", None) == module.__name__  # type: ignore[union-attr]
            and "vocab" not in name.lower()
            and clear not in clearers
        ):
            clearers.append(clear)
    return clearers


def speed(rows: Sequence[Row]) -> dict[str, float]:
    """Normalisations/s for repeated strings and for distinct strings (caches cleared)."""
    run = normaliser()
    for row in rows:  # warm up: the vocabulary is read once per process
        run(row)
    started = time.perf_counter()
    for _ in range(REPEATS):
        for row in rows:
            run(row)
    repeated = REPEATS * len(rows) / (time.perf_counter() - started)

    distinct = list({(row.input, row.flickr): row for row in rows}.values())
    clearers = _caches()
    rates = []
    for _ in range(DISTINCT_ROUNDS):
        for clear in clearers:
            clear()
        started = time.perf_counter()
        for row in distinct:
            run(row)
        rates.append(len(distinct) / (time.perf_counter() - started))
    return {
        "repeated": repeated,
        "distinct": statistics.median(rates),
        "distinct_strings": float(len(distinct)),
        "caches_cleared": float(len(clearers)),
    }


def report(path: Path, show_all: bool) -> None:
    rows = load_corpus(path)
    results = score(rows)
    print(f"corpus: {len(rows)} rows ({path})")
    print(f"exact licence:  {accuracy(results, lambda r: r.exact):.3f}")
    print(f"open/not open:  {accuracy(results, lambda r: r.open_ok):.3f}")

    by_category: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_category[category(result.row)].append(result)
    print(f"\n{'category':<26}{'rows':>6}{'exact':>8}{'open':>8}")
    for name, group in sorted(by_category.items(), key=lambda item: -len(item[1])):
        exact = accuracy(group, lambda r: r.exact)
        is_open = accuracy(group, lambda r: r.open_ok)
        print(f"{name:<26}{len(group):>6}{exact:>8.3f}{is_open:>8.3f}")

    missed = misses(results)
    print(f"\nmisses: {len(missed)}")
    counts = Counter(category(result.row) for result in missed)
    for name, count in counts.most_common():
        print(f"  {name}: {count}")
    shown = missed if show_all else missed[:20]
    current = None
    for result in sorted(shown, key=lambda r: (category(r.row), r.row.line)):
        if category(result.row) != current:
            current = category(result.row)
            print(f"\n{current}:")
        print(describe_miss(result))
    if len(shown) < len(missed):
        print(f"\n... {len(missed) - len(shown)} more (--show-misses lists them all)")

    rates = speed(rows)
    print("\nspeed")
    print(
        f"  repeated strings ({REPEATS} x {len(rows)}):  {rates['repeated']:,.0f} normalisations/s"
    )
    print(
        f"  distinct strings ({rates['distinct_strings']:.0f}, "
        f"{rates['caches_cleared']:.0f} cache(s) cleared per pass, median of {DISTINCT_ROUNDS}):"
        f"  {rates['distinct']:,.0f} normalisations/s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the corpus TSV")
    parser.add_argument("--show-misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    try:
        report(args.corpus, args.show_misses)
    except (OSError, ValueError) as exc:
        print(f"licence_corpus: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
