"""RSS 2.0, RSS 1.0 and Atom entries as works (format ``rss``).

The payload is what :mod:`harvesters.feeds` read from an item, with its channel's metadata
under ``"channel"``. Texts are ``{"type": "text"|"html", "value"}``; HTML becomes plain
text here (script and style content dropped).

| work field | from the item | else from the channel |
| --- | --- | --- |
| title | title; else the start of its description | |
| description | summary / description; else content (first 5,000 characters) | |
| creators | Atom authors, RSS ``author`` (the name in ``mail (Name)``), ``dc:creator`` | Atom: the ``source``'s, then the feed's authors (RFC 4287 4.2.1) |
| publisher | ``dc:publisher`` | ``dc:publisher``, else the channel's title |
| subjects | categories (label, else term), ``dc:subject`` | |
| language | ``xml:lang``, ``dc:language`` | ``language``, ``dc:language``, ``xml:lang`` |
| landing page | link (Atom ``alternate``) | |
| formats | enclosure media types | |
| licence | its own statements, when it has any | the channel's statements (RFC 4287 4.2.10 for Atom) |

An item-level licence always wins over the channel's: the channel's statements are passed
only for items that make none.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from harvesters.base import RawRecord
from harvesters.feeds import parse_date
from registry.models import Source, Work
from registry.normalise._common import Mapper, NormaliseError, build_work

__all__ = ["MAPPERS", "html_to_text", "map_feed_item"]

#: Elements whose content is not text to show.
_HIDDEN = ("script", "style", "template", "noscript", "head", "object", "iframe")
#: Elements that separate words (their text is not glued to the next).
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 "  # noqa: SIM905
    "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
#: How much of an item's full content serves as its description.
MAX_DESCRIPTION = 5000
#: How much of a description serves as the title of an item without one.
MAX_DERIVED_TITLE = 120
#: Identifiers the harvester made up for items without one: not worth showing.
_DIGEST_PREFIX = "urn:feed-item:"


def html_to_text(markup: str) -> str:
    """The text of an HTML fragment, whitespace collapsed: tags dropped, character
    references decoded, script and style content removed, blocks kept apart."""
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    parser = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(f"<html><body><div>{markup}</div></body></html>", parser)
    if root is None:
        return ""
    for element in list(root.iter(*_HIDDEN)):
        _remove_keeping_tail(element)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = " " + (element.tail or "")
            element.text = " " + (element.text or "")
    return " ".join("".join(str(t) for t in root.itertext()).split())


def _remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _plain(text: Any) -> str | None:
    """A payload text as plain text (None when empty or not a text)."""
    if not isinstance(text, dict) or not isinstance(text.get("value"), str):
        return None
    value = text["value"]
    plain = html_to_text(value) if text.get("type") == "html" else " ".join(value.split())
    return plain or None


def _shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def _issued(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    moment = parse_date(value)
    return moment.date().isoformat() if moment is not None else value.strip()


def map_feed_item(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """An item of an RSS or Atom feed (see the module docstring for what comes from where)."""
    payload = raw.payload
    if not isinstance(payload, dict):
        raise NormaliseError("the feed item has no content")
    channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
    assert isinstance(channel, dict)
    summary = _plain(payload.get("summary"))
    content = _plain(payload.get("content"))
    description = summary or (_shorten(content, MAX_DESCRIPTION) if content else None)
    title = _plain(payload.get("title"))
    if not title and description:
        title = _shorten(description, MAX_DERIVED_TITLE)
    rights = _strings(payload.get("rights")) or _strings(channel.get("rights"))
    creators = _strings(payload.get("authors"))
    if not creators and channel.get("feed") == "atom":
        creators = _strings(channel.get("authors"))
    link = payload.get("link") if isinstance(payload.get("link"), str) else None
    identifiers = [] if raw.identifier.startswith(_DIGEST_PREFIX) else [raw.identifier]
    enclosures = payload.get("enclosures")
    if not isinstance(enclosures, list):
        enclosures = []
    return build_work(
        source,
        raw,
        base_uri,
        title=title,
        rights=rights,
        description=description,
        creators=creators,
        publisher=payload.get("publisher")
        or channel.get("publisher")
        or _plain(channel.get("title")),
        subjects=_strings(payload.get("categories")),
        language_values=[payload.get("language") or channel.get("language")],
        identifiers=[*identifiers, link],
        landing=link,
        issued=_issued(payload.get("published")),
        formats=[e.get("type") for e in enclosures if isinstance(e, dict)],
    )


MAPPERS: dict[str, Mapper] = {"rss": map_feed_item}
