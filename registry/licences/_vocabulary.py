"""The licence vocabulary (``vocab/licences.ttl``): loading it, and the lookup tables built from it.

The file is read once per process (:func:`vocabulary`); everything the normaliser knows comes
from it, so a new licence or a new way of writing one is a change to the data, not to the code.
It is parsed with pyoxigraph (the file holds well over a thousand licences; rdflib would take
seconds).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, cast, get_args

import pyoxigraph
from rdflib import Namespace

from registry.licences._keys import text_key, uri_key, without_scope
from registry.models import LicenceRef, ReuseClass

__all__ = [
    "CC",
    "REG",
    "Licence",
    "LicenceFamily",
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

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PREF_LABEL = _SKOS + "prefLabel"
_ALT_LABEL = _SKOS + "altLabel"
_NOTATION = _SKOS + "notation"
_CC = str(CC)
_REG = str(REG)
_LICENSE = _CC + "License"
_JURISDICTION = _CC + "jurisdiction"
_PUBLIC_DOMAIN_TOOL = _REG + "PublicDomainTool"
_LICENCE_FAMILY = _REG + "LicenceFamily"
_NO_LICENCE = _REG + "NoLicenceStatement"
_RIGHTS_STATEMENT = "http://purl.org/dc/terms/RightsStatement"


class VocabularyError(ValueError):
    """The licence vocabulary is malformed (a missing label, an ambiguous alias...)."""


@dataclass(frozen=True)
class Licence:
    """One licence (or rights statement) of the vocabulary.

    ``permits``, ``requires`` and ``prohibits`` hold CC REL term names (``"DerivativeWorks"``,
    ``"Attribution"``, ``"CommercialUse"``...). ``commercial``, ``derivatives``, ``share_alike``
    and ``requires_attribution`` are derived from them and the reuse class. ``codes`` are the
    licence's codes in one source's convention (``"flickr:4"``); ``spdx_deprecated`` the
    deprecated SPDX ids that name it; ``exact_aliases`` identifiers that name it only when
    written exactly so (``"cc_by"``).
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
    spdx_deprecated: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    exact_aliases: tuple[str, ...] = ()
    tagged_alt_labels: tuple[tuple[str, str | None], ...] = field(default=(), compare=False)
    """The alternative labels with their language tags, as the vocabulary states them."""
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
            jurisdiction=self.jurisdiction,
            spdx=self.spdx,
            reuse_class=self.reuse_class,
            commercial=self.commercial,
            derivatives=self.derivatives,
            requires_attribution=self.requires_attribution,
            confidence=confidence,
            raw=raw,
        )


@dataclass(frozen=True)
class LicenceFamily:
    """A licence family (``"CC BY"``): what a statement names when it gives no version.

    Its reuse class is the one its data states, else the one its licences share, else
    "permission". ``commercial``, ``derivatives`` and ``requires_attribution`` hold when they
    hold for every licence of the family in that reuse class.
    """

    name: str
    uri: str
    labels: Mapping[str, str] = field(hash=False)
    reuse_class: ReuseClass
    commercial: bool
    derivatives: bool
    requires_attribution: bool
    members: tuple[str, ...] = ()
    alt_labels: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    alt_uris: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.labels["en"]

    @property
    def open(self) -> bool:
        return self.reuse_class == "open"

    def ref(self, *, confidence: float, raw: str | None) -> LicenceRef:
        """A reference to the family: no URI and no version, the family's terms."""
        return LicenceRef(
            uri=None,
            label=self.label,
            family=self.name,
            version=None,
            reuse_class=self.reuse_class,
            commercial=self.commercial,
            derivatives=self.derivatives,
            requires_attribution=self.requires_attribution,
            confidence=confidence,
            raw=raw,
        )


@dataclass(frozen=True)
class _FamilySpec:
    """A reg:LicenceFamily as the file states it (its terms come from its licences)."""

    name: str
    uri: str
    labels: Mapping[str, str]
    reuse_class: ReuseClass | None = None
    alt_labels: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    alt_uris: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """The licences and the tables the normaliser looks statements up in.

    ``by_code`` is keyed ``"convention:key"`` (the key of the code as :func:`text_key` makes
    it); ``by_exact`` by an exact alias, stripped and case-folded; ``family_by_text`` and
    ``family_by_uri_key`` find families by name and address; ``no_licence_text`` and
    ``no_licence_uri_key`` are the keys of statements known to name no licence.
    """

    licences: tuple[Licence, ...]
    by_uri: Mapping[str, Licence]
    by_uri_key: Mapping[str, Licence]
    by_spdx: Mapping[str, Licence]
    by_text: Mapping[str, Licence]
    families: Mapping[str, LicenceFamily] = field(default_factory=dict)
    family_by_text: Mapping[str, LicenceFamily] = field(default_factory=dict)
    family_by_uri_key: Mapping[str, LicenceFamily] = field(default_factory=dict)
    by_code: Mapping[str, Licence | LicenceFamily] = field(default_factory=dict)
    by_exact: Mapping[str, Licence] = field(default_factory=dict)
    no_licence_text: frozenset[str] = frozenset()
    no_licence_uri_key: frozenset[str] = frozenset()
    conventions: frozenset[str] = frozenset()


# --- reading the Turtle ----------------------------------------------------------------------

_Properties = dict[str, list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal]]


def _read(path: Path | str) -> dict[str, _Properties]:
    """The named subjects of a Turtle file, each with its properties' values."""
    subjects: dict[str, _Properties] = {}
    try:
        for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            subject = quad.subject
            if not isinstance(subject, pyoxigraph.NamedNode):
                continue
            value = quad.object
            if isinstance(value, pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal):
                properties = subjects.setdefault(subject.value, {})
                properties.setdefault(quad.predicate.value, []).append(value)
    except SyntaxError as error:
        raise VocabularyError(f"{path}: not valid Turtle: {error}") from error
    return subjects


def _strings(properties: _Properties, predicate: str) -> list[str]:
    return [value.value for value in properties.get(predicate, ())]


def _optional(subject: str, properties: _Properties, predicate: str) -> str | None:
    values = sorted(_strings(properties, predicate))
    if len(values) > 1:
        raise VocabularyError(f"{subject}: more than one {predicate}: {values}")
    return values[0] if values else None


def _required(subject: str, properties: _Properties, predicate: str) -> str:
    value = _optional(subject, properties, predicate)
    if value is None or not value.strip():
        raise VocabularyError(f"{subject}: no {predicate}")
    return value


def _terms(subject: str, properties: _Properties, predicate: str) -> frozenset[str]:
    names = set()
    for term in properties.get(predicate, ()):
        if not isinstance(term, pyoxigraph.NamedNode) or not term.value.startswith(_CC):
            raise VocabularyError(f"{subject}: {predicate} {term} is not a CC REL term")
        names.add(term.value[len(_CC) :])
    return frozenset(names)


def _literals(properties: _Properties, predicate: str) -> tuple[str, ...]:
    return tuple(sorted(_strings(properties, predicate)))


def _tagged(properties: _Properties, predicate: str) -> tuple[tuple[str, str | None], ...]:
    """The literal values of ``predicate`` with their language tags (``None`` when untagged)."""
    return tuple(
        sorted(
            {
                (term.value, term.language or None)
                for term in properties.get(predicate, ())
                if isinstance(term, pyoxigraph.Literal)
            },
            key=lambda item: (item[0], item[1] or ""),
        )
    )


def _labels(subject: str, properties: _Properties) -> dict[str, str]:
    labels: dict[str, str] = {}
    for label in properties.get(_PREF_LABEL, ()):
        if isinstance(label, pyoxigraph.Literal) and label.language:
            if label.language in labels:
                raise VocabularyError(f"{subject}: two skos:prefLabel in {label.language!r}")
            labels[label.language] = label.value
    missing = [lang for lang in _LANGUAGES if not labels.get(lang, "").strip()]
    if missing:
        raise VocabularyError(f"{subject}: no skos:prefLabel in {', '.join(missing)}")
    return labels


def _reuse(subject: str, value: str) -> ReuseClass:
    if value not in _REUSE_CLASSES:
        raise VocabularyError(
            f"{subject}: reg:reuseClass {value!r} is not one of {sorted(_REUSE_CLASSES)}"
        )
    return cast(ReuseClass, value)


def _licence(subject: str, properties: _Properties) -> Licence:
    labels = _labels(subject, properties)
    reuse = _reuse(subject, _required(subject, properties, _REG + "reuseClass"))
    types = set(_strings(properties, _RDF_TYPE))
    kind: LicenceKind = "licence"
    if _PUBLIC_DOMAIN_TOOL in types:
        kind = "public-domain"
    elif _RIGHTS_STATEMENT in types:
        kind = "rights-statement"
    return Licence(
        uri=subject,
        labels=labels,
        family=_required(subject, properties, _REG + "family"),
        version=_optional(subject, properties, _REG + "version"),
        jurisdiction=_optional(subject, properties, _JURISDICTION),
        spdx=_optional(subject, properties, _REG + "spdx"),
        permits=_terms(subject, properties, _CC + "permits"),
        requires=_terms(subject, properties, _CC + "requires"),
        prohibits=_terms(subject, properties, _CC + "prohibits"),
        reuse_class=reuse,
        kind=kind,
        alt_labels=_literals(properties, _ALT_LABEL),
        tagged_alt_labels=_tagged(properties, _ALT_LABEL),
        aliases=_literals(properties, _REG + "alias") + _literals(properties, _NOTATION),
        alt_uris=_literals(properties, _REG + "altUri"),
        spdx_deprecated=_literals(properties, _REG + "spdxDeprecated"),
        codes=_literals(properties, _REG + "code"),
        exact_aliases=_literals(properties, _REG + "exactAlias"),
    )


def _family_spec(subject: str, properties: _Properties) -> _FamilySpec:
    reuse = _optional(subject, properties, _REG + "reuseClass")
    return _FamilySpec(
        name=_required(subject, properties, _REG + "family"),
        uri=subject,
        labels=_labels(subject, properties),
        reuse_class=_reuse(subject, reuse) if reuse is not None else None,
        alt_labels=_literals(properties, _ALT_LABEL),
        aliases=_literals(properties, _REG + "alias"),
        alt_uris=_literals(properties, _REG + "altUri"),
        codes=_literals(properties, _REG + "code"),
    )


# --- the lookup tables -----------------------------------------------------------------------

_Target = Licence | LicenceFamily


def _index(table: dict[str, _Target], key: str | None, target: _Target, what: str) -> None:
    if not key:
        raise VocabularyError(f"{target.uri}: {what} gives an empty match key")
    other = table.setdefault(key, target)
    if other.uri != target.uri:
        raise VocabularyError(
            f"{what} {key!r} is ambiguous: both {other.uri} and {target.uri} have it"
        )


def _code_key(code: str, owner: str) -> tuple[str, str]:
    convention, separator, value = code.partition(":")
    if not separator or not convention.strip() or not text_key(value):
        raise VocabularyError(f"{owner}: reg:code {code!r} is not 'convention:code'")
    convention = convention.strip().casefold()
    return convention, f"{convention}:{text_key(value)}"


def _family(spec: _FamilySpec, members: Sequence[Licence]) -> LicenceFamily:
    classes = {licence.reuse_class for licence in members}
    reuse: ReuseClass = spec.reuse_class or (classes.pop() if len(classes) == 1 else "permission")
    alike = [licence for licence in members if licence.reuse_class == reuse]
    if alike:
        commercial = all(licence.commercial for licence in alike)
        derivatives = all(licence.derivatives for licence in alike)
        attribution = all(licence.requires_attribution for licence in alike)
    else:
        commercial = derivatives = reuse == "open"
        attribution = False
    return LicenceFamily(
        name=spec.name,
        uri=spec.uri,
        labels=spec.labels,
        reuse_class=reuse,
        commercial=commercial,
        derivatives=derivatives,
        requires_attribution=attribution,
        members=tuple(licence.uri for licence in members),
        alt_labels=spec.alt_labels,
        aliases=spec.aliases,
        alt_uris=spec.alt_uris,
        codes=spec.codes,
    )


def build_vocabulary(
    licences: Iterable[Licence],
    families: Iterable[_FamilySpec] = (),
    no_licence: Iterable[tuple[str, str]] = (),
) -> Vocabulary:
    """The lookup tables for some licences; raises :class:`VocabularyError` on an ambiguity.

    ``no_licence`` holds ``(kind, value)`` pairs of statements known to name no licence, kind
    ``"name"`` or ``"uri"``.
    """
    ordered = tuple(sorted(licences, key=lambda item: item.uri))
    by_uri: dict[str, _Target] = {}
    by_uri_key: dict[str, _Target] = {}
    by_spdx: dict[str, _Target] = {}
    by_text: dict[str, _Target] = {}
    by_code: dict[str, _Target] = {}
    by_exact: dict[str, _Target] = {}
    conventions: set[str] = set()
    members: dict[str, list[Licence]] = {}
    for licence in ordered:
        _index(by_uri, licence.uri, licence, "URI")
        for uri in (licence.uri, *licence.alt_uris):
            _index(by_uri_key, uri_key(uri), licence, f"URI {uri}")
        for spdx in (licence.spdx, *licence.spdx_deprecated):
            if spdx:
                _index(by_spdx, spdx.casefold(), licence, "SPDX id")
        names = (*licence.labels.values(), *licence.alt_labels, *licence.aliases)
        for name in names:
            _index(by_text, text_key(name), licence, f"name {name!r}")
        for code in licence.codes:
            convention, key = _code_key(code, licence.uri)
            conventions.add(convention)
            _index(by_code, key, licence, f"code {code!r}")
        for alias in licence.exact_aliases:
            _index(by_exact, alias.strip().casefold(), licence, f"exact alias {alias!r}")
        members.setdefault(licence.family, []).append(licence)
    for alias, target in by_exact.items():
        other = by_spdx.get(alias)
        if other is not None and other.uri != target.uri:
            raise VocabularyError(
                f"exact alias {alias!r} of {target.uri} is the SPDX id of {other.uri}"
            )

    family_by_name: dict[str, LicenceFamily] = {}
    family_by_text: dict[str, _Target] = {}
    family_by_uri_key: dict[str, _Target] = {}
    for spec in sorted(families, key=lambda item: item.name):
        if spec.name in family_by_name:
            raise VocabularyError(f"family {spec.name!r} is described twice")
        family = _family(spec, members.get(spec.name, ()))
        family_by_name[spec.name] = family
        for name in (*family.labels.values(), *family.alt_labels, *family.aliases):
            key = text_key(name)
            if key in by_text:
                raise VocabularyError(
                    f"name {name!r} is ambiguous: both {by_text[key].uri} and {family.uri} have it"
                )
            _index(family_by_text, key, family, f"name {name!r}")
        for uri in (family.uri, *family.alt_uris):
            address = uri_key(uri)
            if address in by_uri_key:
                raise VocabularyError(
                    f"URI {uri} is ambiguous: both {by_uri_key[address].uri} and {family.uri}"
                    " have it"
                )
            _index(family_by_uri_key, address, family, f"URI {uri}")
        for code in family.codes:
            convention, key = _code_key(code, family.uri)
            conventions.add(convention)
            _index(by_code, key, family, f"code {code!r}")

    no_text: set[str] = set()
    no_uri: set[str] = set()
    for kind, value in no_licence:
        is_uri = kind == "uri"
        statement = uri_key(value) if is_uri else text_key(value)
        if not statement:
            raise VocabularyError(f"no-licence statement {value!r} gives an empty match key")
        taken = (by_uri_key if is_uri else by_text).get(statement) or (
            family_by_uri_key if is_uri else family_by_text
        ).get(statement)
        if taken is not None:
            raise VocabularyError(
                f"{value!r} is ambiguous: it names no licence, but {taken.uri} has it"
            )
        (no_uri if is_uri else no_text).add(statement)

    # Names without their scope ("Naamsvermelding 4.0" for "... 4.0 Internationaal"), where
    # that names one licence only and no name given in the data says otherwise.
    unscoped: dict[str, set[str]] = {}
    for key, target in by_text.items():
        short = without_scope(key)
        if short != key:
            unscoped.setdefault(short, set()).add(target.uri)
    for short, uris in unscoped.items():
        if len(uris) == 1 and short not in by_text and short not in family_by_text:
            by_text[short] = by_uri[uris.pop()]
    return Vocabulary(
        licences=ordered,
        by_uri=cast(dict[str, Licence], by_uri),
        by_uri_key=cast(dict[str, Licence], by_uri_key),
        by_spdx=cast(dict[str, Licence], by_spdx),
        by_text=cast(dict[str, Licence], by_text),
        families=family_by_name,
        family_by_text=cast(dict[str, LicenceFamily], family_by_text),
        family_by_uri_key=cast(dict[str, LicenceFamily], family_by_uri_key),
        by_code=by_code,
        by_exact=cast(dict[str, Licence], by_exact),
        no_licence_text=frozenset(no_text),
        no_licence_uri_key=frozenset(no_uri),
        conventions=frozenset(conventions),
    )


def default_path() -> Path:
    """Where the bundled vocabulary is (``vocab/licences.ttl``)."""
    return Path(str(resources.files("vocab").joinpath("licences.ttl")))


def load_vocabulary(path: Path | str | None = None) -> Vocabulary:
    """Reads and checks a licence vocabulary in Turtle (the bundled one by default)."""
    subjects = _read(path or default_path())
    licences = []
    families = []
    no_licence: list[tuple[str, str]] = []
    for subject, properties in sorted(subjects.items()):
        types = _strings(properties, _RDF_TYPE)
        if _LICENSE in types:
            licences.append(_licence(subject, properties))
        elif _LICENCE_FAMILY in types:
            families.append(_family_spec(subject, properties))
        elif _NO_LICENCE in types:
            no_licence.extend(("name", alias) for alias in _strings(properties, _REG + "alias"))
            no_licence.extend(("uri", uri) for uri in _strings(properties, _REG + "altUri"))
    if not licences:
        raise VocabularyError("the vocabulary has no cc:License")
    return build_vocabulary(licences, families, no_licence)


@functools.cache
def vocabulary() -> Vocabulary:
    """The bundled vocabulary, read once per process."""
    return load_vocabulary()
