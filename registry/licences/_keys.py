"""Match keys: how a URI or a free-text licence statement is reduced before it is looked up.

Both the vocabulary (when it is loaded) and the statements to normalise go through the same
functions, so the rules here decide what counts as "the same" URI or name.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

__all__ = [
    "embedded_urls",
    "looks_like_url",
    "parts",
    "strip_lead_in",
    "strip_wording",
    "text_key",
    "text_keys",
    "uri_key",
    "without_scope",
]

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A URL written without its scheme: "creativecommons.org/licenses/by/4.0", "www.example.org/x".
_BARE_HOST = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/\S*$", re.IGNORECASE)
# Last path segments that name a rendering of the licence, not another licence:
# deed.nl, deed.zh-hant, legalcode, legalcode.en, legalcode.txt, rdf, index.html.
_RENDERING = re.compile(
    r"^(?:(?:deed|legalcode)(?:\.[a-z]{2,3}(?:[_-][a-z0-9]+)*)?(?:\.(?:txt|html?))?"
    r"|rdf|index\.(?:html?|php))$"
)
_EXTENSION = re.compile(r"\.(?:html?|json|jsonld|rdf|ttl|txt|xml|php)$")
_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'\])}]+", re.IGNORECASE)
# Everything but letters, digits and "+" ("GPL-2.0+" is not "GPL-2.0").
_NON_WORD = re.compile(r"[^\w+]+|_+")

# Wording around a licence name in a sentence ("This work is licensed under a ... License.",
# "Dit werk valt onder een ...-licentie", "Licence: ..."), in English, Dutch, German and
# French; stripped before matching.
_LEADING = re.compile(
    r"^(?:"
    r"(?:this|the)\s+(?:[\w-]+\s+){0,3}?(?:is|are)\s+"
    r"(?:made\s+available\s+|available\s+|published\s+|distributed\s+|released\s+|shared\s+)?"
    r"(?:licen[cs]ed\s+)?under\s+"
    r"|(?:dit|deze|het)\s+(?:[\w-]+\s+){0,3}?(?:valt|is|wordt|zijn|worden)\s+"
    r"(?:beschikbaar\s+(?:gesteld\s+)?|gepubliceerd\s+|uitgegeven\s+|gelicen[ts]i?eerd\s+)?"
    r"(?:onder|met)\s+"
    r"|(?:dieses|diese|dieser|das|der|die)\s+(?:[\w-]+\s+){0,3}?(?:ist|sind|wird|werden)\s+"
    r"(?:lizenziert\s+|ver(?:ö|oe)ffentlicht\s+|bereitgestellt\s+)?unter\s+"
    r"|(?:cette|cet|ce|ces)\s+(?:[\w'’-]+\s+){0,3}?(?:est|sont)\s+"
    r"(?:mise?s?\s+à\s+disposition|diffus[ée]e?s?|publi[ée]e?s?)\s+"
    r"(?:selon\s+les\s+termes\s+de|sous)\s+"
    r"|(?:[\w'’-]+\s+){1,8}?(?:is|are|zijn|ist|sind|est|sont)\s+"
    r"(?:made\s+available|available|published|released|licen[cs]ed|beschikbaar(?:\s+gesteld)?"
    r"|gepubliceerd|lizenziert|verf(?:ü|ue)gbar|disponibles?|publi[ée]e?s?)\s+"
    r"(?:under|onder|unter|sous)\s+"
    r"|(?:licen[cs]ed|released|available|published|shared)\s+under\s+"
    r"|(?:beschikbaar|gepubliceerd|gelicen[ts]i?eerd)\s+onder\s+"
    r"|soumise?s?\s+(?:à|a)\s+"
    r"|license\s*::\s*(?:osi\s+approved\s*::\s*)?"
    r"|(?:licen[cs]e|licentie|lizenz|rights|rechten|droits|copyright|spdx-license-identifier)"
    r"\s*:\s*"
    r")(?:the\s+terms\s+of\s+)?(?:(?:a|an|the|een|de|einer|einem|der|la|le|une)\s+|l['’]\s*)?",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"[\s-]*(?:licen[cs]e|licentie|lizenz)?[\s.]*$", re.IGNORECASE)
# A parenthesised part of a statement: "Attribution 4.0 International (CC BY 4.0)".
_PARENTHESES = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
# A comma outside parentheses: "... 4.0 International License, CC BY-NC."
_COMMA = re.compile(r",\s+(?![^()]*\))")
# Where a statement of several sentences breaks: "© 2019 X. Licensed under CC BY 4.0."
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=\S)|\s*[;|\n]\s*")

# Key transformations, applied to text keys in order (see text_keys).
_LICENCE_SUFFIXES = (
    "publiclicense",
    "publiclicence",
    "publiekelicentie",
    "license",
    "licence",
    "licentie",
    "lizenz",
)
_LICENCE_PREFIXES = ("license", "licence", "licentie", "lizenz")
_SCOPE_SUFFIXES = (
    "international",
    "internationaal",
    "unported",
    "worldwide",
    "generic",
    "generiek",
    "generisch",
    "generique",
    "universal",
    "universeel",
    "universell",
    "universel",
)
_CC_PREFIX = "creativecommons"


def looks_like_url(text: str) -> bool:
    """Whether a statement is a web address (with or without its scheme)."""
    value = text.strip().strip("<>").strip()
    return bool(_SCHEME.match(value) or _BARE_HOST.match(value))


def uri_key(value: str) -> str | None:
    """The match key of a licence URI, or None when ``value`` is no http(s) URL.

    Ignores the scheme, ``www.``, the port, the query and fragment, a trailing slash, letter
    case, and a last segment that names a rendering (``deed.nl``, ``legalcode``, ``rdf``)
    or a file extension (``MIT.html``)::

        http://www.creativecommons.org/licenses/by/4.0/deed.nl -> creativecommons.org/licenses/by/4.0
    """
    text = value.strip().strip("<>").strip()
    if not _SCHEME.match(text):
        if not _BARE_HOST.match(text):
            return None
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not parts.scheme.lower().startswith("http") or not host:  # "httpss://" is a typo of https
        return None
    host = host.removeprefix("www.")
    segments = [segment for segment in unquote(parts.path).lower().split("/") if segment]
    while segments and _RENDERING.match(segments[-1]):
        segments.pop()
    if segments:
        segments[-1] = _EXTENSION.sub("", segments[-1])
    return "/".join([host, *segments])


def text_key(text: str) -> str:
    """The match key of a name: letters, digits and "+" only, case- and accent-folded.

    ``"Naamsvermelding-GelijkDelen 4.0 Internationaal"`` -> ``"naamsvermeldinggelijkdelen40internationaal"``.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_WORD.sub("", folded)


def strip_lead_in(text: str) -> str:
    """A statement without the words that lead in to a licence name ("Licence:", "Licensed under")."""
    return _LEADING.sub("", text.strip(), count=1)


def strip_wording(text: str) -> str:
    """A statement without the sentence around a licence name ("This work is licensed under")."""
    return _TRAILING.sub("", strip_lead_in(text))


def without_scope(key: str) -> str:
    """A text key without a trailing scope: "international", "unported", "generic", "universal".

    ``"naamsvermelding40internationaal"`` -> ``"naamsvermelding40"``: a name is often written
    without the scope of the licence.
    """
    for suffix in _SCOPE_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def text_keys(text: str) -> list[str]:
    """The keys to look a free-text statement up by, most literal first.

    The statement as written; without the sentence around it; then each of those without a
    leading or trailing "license"/"licentie", without a trailing "international"/"unported",
    and with a leading "Creative Commons" read as "CC" or dropped.
    """
    keys: list[str] = []

    def add(key: str) -> None:
        if key and key not in keys:
            keys.append(key)

    bases = [text_key(text), text_key(strip_wording(text))]
    for base in list(bases):
        for prefix in _LICENCE_PREFIXES:
            if base.startswith(prefix) and len(base) > len(prefix):
                bases.append(base[len(prefix) :])
                break
    for base in bases:
        stems = [base]
        for suffix in _LICENCE_SUFFIXES:
            if base.endswith(suffix) and len(base) > len(suffix):
                stems.append(base[: -len(suffix)])
                break
        for stem in list(stems):
            unscoped = without_scope(stem)
            if unscoped != stem:
                stems.append(unscoped)
        for stem in stems:
            add(stem)
            if stem.startswith(_CC_PREFIX) and len(stem) > len(_CC_PREFIX):
                add("cc" + stem[len(_CC_PREFIX) :])
                add(stem[len(_CC_PREFIX) :])
    return keys


def parts(text: str) -> list[str]:
    """The parts of a statement that may name a licence on their own, when it has several.

    Text in parentheses and the rest (``"Attribution 4.0 International (CC BY 4.0)"`` ->
    ``"Attribution 4.0 International"``, ``"CC BY 4.0"``), and the sentences of a statement of
    several (``"© 2019 X. Licensed under CC BY 4.0."``). Empty when there is only one part.
    """
    found: list[str] = []

    def add(part: str) -> None:
        part = " ".join(part.split()).strip(" .,:;-")
        if part and part != text and part not in found:
            found.append(part)

    inner = [first or second for first, second in _PARENTHESES.findall(text)]
    if inner:
        add(_PARENTHESES.sub(" ", text))
        for part in inner:
            add(part)
    for sentence in _SENTENCE_BREAK.split(text):
        add(sentence)
        if inner and _PARENTHESES.search(sentence):
            add(_PARENTHESES.sub(" ", sentence))
        for clause in _COMMA.split(sentence):
            add(clause)
    return found


def embedded_urls(text: str) -> list[str]:
    """The http(s) URLs in a sentence, in order, without trailing punctuation."""
    return [url.rstrip(".,;:!?") for url in _URL_IN_TEXT.findall(text)]
