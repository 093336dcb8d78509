"""The licence vocabulary (``vocab/licences.ttl``): loading it, and the lookup tables built from it.

The file is read once per process (:func:`vocabulary`); everything the normaliser knows comes
from it, so a new licence or a new way of writing one is a change to the data, not to the code.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, cast, get_args

from rdflib import Graph, Namespace, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import DCTERMS, RDF, SKOS

from registry.licences._keys import text_key, uri_key, without_scope
from registry.models import LicenceRef, ReuseClass

__all__ = [
    "CC",
    "REG",
    "Licence",
    "LicenceKind",
    "Vocabulary",
    "VocabularyError",
    "load_vocabulary",
    "vocabulary",
]

CC = Namespace("http://creativecommons.org/ns#")
REG = Namespace("https://w3id.org/open-registry/vocab#")

LicenceKind = Literal["licence", "public-domain", "rights-statement"]
_REUSE_CLASSES: frozenset[str] = frozenset(get_args(ReuseClass))
_LANGUAGES = ("en", "nl")


class VocabularyError(ValueError):
    """The licence vocabulary is malformed (a missing label, an ambiguous alias...)."""


@dataclass(frozen=True)
class Licence:
    """One licence (or rights statement) of the vocabulary.

    ``permits``, ``requires`` and ``prohibits`` hold CC REL term names (``"DerivativeWorks"``,
    ``"Attribution"``, ``"CommercialUse"``...). ``commercial``, ``derivatives``, ``share_alike``
    and ``requires_attribution`` are derived from them and the reuse class.
    """

    uri: str
    labels: Mapping[str, str] = field(hash=False)
    family: str
    version: str | None
    jurisdiction: str | None
    spdx: str | None
    permits: frozenset[str]
    requires: frozenset[str]
    prohibits: frozenset[str]
    reuse_class: ReuseClass
    kind: LicenceKind = "licence"
    alt_labels: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    alt_uris: tuple[str, ...] = ()
    commercial: bool = field(init=False)
    derivatives: bool = field(init=False)
    share_alike: bool = field(init=False)
    requires_attribution: bool = field(init=False)

    def __post_init__(self) -> None:
        derived = {
            "commercial": "CommercialUse" not in self.prohibits
            and self.reuse_class != "permission",
            "derivatives": "DerivativeWorks" in self.permits,
            "share_alike": bool({"ShareAlike", "Copyleft"} & self.requires),
            "requires_attribution": "Attribution" in self.requires,
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def label(self) -> str:
        """The English label: the licence's short name ("CC BY 4.0")."""
        return self.labels["en"]

    @property
    def open(self) -> bool:
        return self.reuse_class == "open"

    def ref(self, *, confidence: float, raw: str | None) -> LicenceRef:
        """The :class:`~registry.models.LicenceRef` a record carries for this licence."""
        return LicenceRef(
            uri=self.uri,
            label=self.label,
            family=self.family,
            version=self.version,
            reuse_class=self.reuse_class,
            commercial=self.commercial,
            derivatives=self.derivatives,
            requires_attribution=self.requires_attribution,
            confidence=confidence,
            raw=raw,
        )


@dataclass(frozen=True)
class Vocabulary:
    """The licences and the tables the normaliser looks statements up in."""

    licences: tuple[Licence, ...]
    by_uri: Mapping[str, Licence]
    by_uri_key: Mapping[str, Licence]
    by_spdx: Mapping[str, Licence]
    by_text: Mapping[str, Licence]


def _optional(graph: Graph, subject: URIRef, predicate: URIRef) -> str | None:
    values = sorted(str(v) for v in graph.objects(subject, predicate))
    if len(values) > 1:
        raise VocabularyError(f"{subject}: more than one {predicate}: {values}")
    return values[0] if values else None


def _required(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    value = _optional(graph, subject, predicate)
    if value is None or not value.strip():
        raise VocabularyError(f"{subject}: no {predicate}")
    return value


def _terms(graph: Graph, subject: URIRef, predicate: URIRef) -> frozenset[str]:
    names = set()
    for term in graph.objects(subject, predicate):
        if not str(term).startswith(str(CC)):
            raise VocabularyError(f"{subject}: {predicate} {term} is not a CC REL term")
        names.add(str(term)[len(str(CC)) :])
    return frozenset(names)


def _literals(graph: Graph, subject: URIRef, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(v) for v in graph.objects(subject, predicate)))


def _licence(graph: Graph, subject: URIRef) -> Licence:
    labels: dict[str, str] = {}
    for label in graph.objects(subject, SKOS.prefLabel):
        if isinstance(label, RDFLiteral) and label.language:
            if label.language in labels:
                raise VocabularyError(f"{subject}: two skos:prefLabel in {label.language!r}")
            labels[label.language] = str(label)
    missing = [lang for lang in _LANGUAGES if not labels.get(lang, "").strip()]
    if missing:
        raise VocabularyError(f"{subject}: no skos:prefLabel in {', '.join(missing)}")
    reuse = _required(graph, subject, REG.reuseClass)
    if reuse not in _REUSE_CLASSES:
        raise VocabularyError(f"{subject}: reg:reuseClass {reuse!r} is not one of {_REUSE_CLASSES}")
    types = set(graph.objects(subject, RDF.type))
    kind: LicenceKind = "licence"
    if REG.PublicDomainTool in types:
        kind = "public-domain"
    elif DCTERMS.RightsStatement in types:
        kind = "rights-statement"
    return Licence(
        uri=str(subject),
        labels=labels,
        family=_required(graph, subject, REG.family),
        version=_optional(graph, subject, REG.version),
        jurisdiction=_optional(graph, subject, CC.jurisdiction),
        spdx=_optional(graph, subject, REG.spdx),
        permits=_terms(graph, subject, CC.permits),
        requires=_terms(graph, subject, CC.requires),
        prohibits=_terms(graph, subject, CC.prohibits),
        reuse_class=cast(ReuseClass, reuse),
        kind=kind,
        alt_labels=_literals(graph, subject, SKOS.altLabel),
        aliases=_literals(graph, subject, REG.alias) + _literals(graph, subject, SKOS.notation),
        alt_uris=_literals(graph, subject, REG.altUri),
    )


def _index(table: dict[str, Licence], key: str | None, licence: Licence, what: str) -> None:
    if not key:
        raise VocabularyError(f"{licence.uri}: {what} gives an empty match key")
    other = table.setdefault(key, licence)
    if other.uri != licence.uri:
        raise VocabularyError(
            f"{what} {key!r} is ambiguous: both {other.uri} and {licence.uri} have it"
        )


def build_vocabulary(licences: Iterable[Licence]) -> Vocabulary:
    """The lookup tables for some licences; raises :class:`VocabularyError` on an ambiguity."""
    ordered = tuple(sorted(licences, key=lambda item: item.uri))
    by_uri: dict[str, Licence] = {}
    by_uri_key: dict[str, Licence] = {}
    by_spdx: dict[str, Licence] = {}
    by_text: dict[str, Licence] = {}
    for licence in ordered:
        _index(by_uri, licence.uri, licence, "URI")
        for uri in (licence.uri, *licence.alt_uris):
            _index(by_uri_key, uri_key(uri), licence, f"URI {uri}")
        if licence.spdx:
            _index(by_spdx, licence.spdx.casefold(), licence, "SPDX id")
        names = (*licence.labels.values(), *licence.alt_labels, *licence.aliases)
        for name in names:
            _index(by_text, text_key(name), licence, f"name {name!r}")
    # Names without their scope ("Naamsvermelding 4.0" for "... 4.0 Internationaal"), where
    # that names one licence only and no name given in the data says otherwise.
    unscoped: dict[str, set[str]] = {}
    for key, licence in by_text.items():
        short = without_scope(key)
        if short != key:
            unscoped.setdefault(short, set()).add(licence.uri)
    for short, uris in unscoped.items():
        if len(uris) == 1 and short not in by_text:
            by_text[short] = by_uri[uris.pop()]
    return Vocabulary(
        licences=ordered, by_uri=by_uri, by_uri_key=by_uri_key, by_spdx=by_spdx, by_text=by_text
    )


def default_path() -> Path:
    """Where the bundled vocabulary is (``vocab/licences.ttl``)."""
    return Path(str(resources.files("vocab").joinpath("licences.ttl")))


def load_vocabulary(path: Path | str | None = None) -> Vocabulary:
    """Reads and checks a licence vocabulary in Turtle (the bundled one by default)."""
    graph = Graph()
    graph.parse(str(path or default_path()), format="turtle")
    subjects = sorted(
        {s for s in graph.subjects(RDF.type, CC.License) if isinstance(s, URIRef)}, key=str
    )
    if not subjects:
        raise VocabularyError("the vocabulary has no cc:License")
    return build_vocabulary(_licence(graph, subject) for subject in subjects)


@functools.cache
def vocabulary() -> Vocabulary:
    """The bundled vocabulary, read once per process."""
    return load_vocabulary()
