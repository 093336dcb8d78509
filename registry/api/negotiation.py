"""Content negotiation: one Accept parser, with q-values and wildcards (RFC 9110 §12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["choose", "content_type", "parse_accept"]


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """The media ranges of an Accept header as (range, q, position); malformed parts skipped."""
    if header is None or not header.strip():
        return [("*/*", 1.0, 0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    return ranges


def _specificity(media_range: str, offered: str) -> int | None:
    """How closely a range matches an offered type (higher is closer); None: no match."""
    if media_range == offered:
        return 2
    kind, _, sub = media_range.partition("/")
    offered_kind = offered.partition("/")[0]
    if sub == "*" and kind == offered_kind:
        return 1
    if media_range == "*/*":
        return 0
    return None


def choose(header: str | None, offered: Sequence[str]) -> str | None:
    """The offered type the client prefers; ties go to the earlier offered type.
    ``None`` when the client accepts none of them (answer 406)."""
    ranges = parse_accept(header)
    best: tuple[float, int, str] | None = None
    for rank, media in enumerate(offered):
        matched: tuple[int, float] | None = None
        for media_range, q, _ in ranges:
            specificity = _specificity(media_range, media)
            if specificity is not None and (matched is None or specificity > matched[0]):
                matched = (specificity, q)
        if matched is None or matched[1] <= 0:
            continue
        key = (matched[1], -rank, media)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


# Text formats whose media type names no charset of its own: UTF-8 is said explicitly.
_TEXT = ("text/", "application/n-triples")


def content_type(media_type: str) -> str:
    """The Content-Type for a body in ``media_type``: with ``charset=utf-8`` for text."""
    return f"{media_type}; charset=utf-8" if media_type.startswith(_TEXT) else media_type
