"""Builds the licence vocabulary, ``vocab/licences.ttl``, from the data in ``vocab/data/``.

    python vocab/build_licences.py                      # writes vocab/licences.ttl
    python vocab/build_licences.py --check              # fails when licences.ttl is stale
    python vocab/build_licences.py --spdx licenses.json # another copy of the SPDX License List

Three sources, merged into one list of licences:

- ``data/creativecommons.toml``: the Creative Commons suite. Every licence of every version
  (1.0-4.0) and every port is generated from its code, version and jurisdiction: URI, labels
  in English, Dutch, German and French, family, terms and reuse class.
- ``data/licences.toml``: the hand-checked entries (public-domain tools, rightsstatements.org,
  Open Data Commons, government licences), additions to generated entries, licence families
  and the rules for reading the SPDX list.
- ``data/spdx-licenses.json``: the SPDX License List (CC0 data). Every licence gets an entry
  at its SPDX URI, unless a Creative Commons or hand-checked entry is that licence: then that
  entry carries its SPDX id. Deprecated ids become aliases of their successor.

The output is deterministic (sorted, no dates), so ``tests/test_vocab_build.py`` can assert
that the committed file is what this script writes. The result is checked by loading it with
the registry's own loader before it is written.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry.licences._keys import text_key, uri_key

__all__ = [
    "DEFAULT_OUTPUT",
    "DEFAULT_SPDX",
    "BuildError",
    "Built",
    "Entry",
    "Family",
    "build",
    "generate",
    "main",
    "render",
]

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEFAULT_SPDX = DATA / "spdx-licenses.json"
DEFAULT_OUTPUT = HERE / "licences.ttl"
CC_DATA = DATA / "creativecommons.toml"
CURATED_DATA = DATA / "licences.toml"

CC_LICENCES = "https://creativecommons.org/licenses/"
CC_JURISDICTION = "http://creativecommons.org/international/{}/"
SPDX_LICENCES = "http://spdx.org/licenses/"
FAMILIES = "https://w3id.org/open-registry/licence-families/"
NO_LICENCE = "https://w3id.org/open-registry/vocab#no-licence"

PERMITS = ("Reproduction", "Distribution", "DerivativeWorks", "Sharing")
REQUIRES = ("Notice", "Attribution", "ShareAlike", "SourceCode", "Copyleft", "LesserCopyleft")
PROHIBITS = ("CommercialUse", "HighIncomeNationUse")
OPEN_TERMS = ("Reproduction", "Distribution", "DerivativeWorks")
KINDS = {
    "licence": "cc:License",
    "public-domain": "cc:License, reg:PublicDomainTool",
    "rights-statement": "cc:License, dcterms:RightsStatement",
}
LANGUAGE_ORDER = ("en", "nl", "de", "fr")
# A version in an SPDX id: "GPL-2.0-only" -> GPL 2.0, "LPPL-1.3c" -> LPPL 1.3c.
_EXCEPTION = re.compile(r"^(?P<base>.+?)-with-.+-exception$", re.IGNORECASE)
_SPDX_VERSION = re.compile(r"^(?P<family>.+?)-v?(?P<version>\d+(?:\.\d+)+[a-z]?)(?:[-+].*)?$")


class BuildError(ValueError):
    """The data in vocab/data is inconsistent."""


@dataclass
class Entry:
    """One licence as it will be written (a cc:License)."""

    uri: str
    section: str
    labels: dict[str, str]
    family: str
    reuse: str
    kind: str = "licence"
    version: str | None = None
    jurisdiction: str | None = None
    spdx: str | None = None
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    notation: list[str] = field(default_factory=list)
    spdx_deprecated: list[str] = field(default_factory=list)
    permits: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    prohibits: list[str] = field(default_factory=list)
    alt_uris: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    exact_aliases: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    order: tuple[Any, ...] = ()

    def add_alt_label(self, language: str, label: str) -> None:
        label = _clean(label)
        if label and label not in self.alt_labels.setdefault(language, []):
            self.alt_labels[language].append(label)


@dataclass
class Family:
    """A licence family, for statements that name no version (a reg:LicenceFamily)."""

    name: str
    labels: dict[str, str]
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    alt_uris: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    reuse: str | None = None

    @property
    def uri(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower().replace("+", " plus")).strip("-")
        return FAMILIES + slug

    def add_alt_label(self, language: str, label: str) -> None:
        label = _clean(label)
        if label and label not in self.alt_labels.setdefault(language, []):
            self.alt_labels[language].append(label)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _add(target: list[str], values: Iterable[str]) -> None:
    for value in values:
        if value not in target:
            target.append(value)


# --- Creative Commons ------------------------------------------------------------------------


def _titles(code: str, language: str, cc: Mapping[str, Any], prefer: Sequence[str]) -> list[str]:
    """The names of a licence code in a language: the official one first, then variants."""
    choices = []
    for element in code.split("-"):
        names = list(cc["components"][element][language])
        names.sort(key=lambda name: name not in prefer)  # stable: the preferred one first
        choices.append(names)
    separator = cc["separators"][language]
    return [separator.join(combination) for combination in itertools.product(*choices)]


def _cc_terms(code: str) -> tuple[list[str], list[str], list[str]]:
    elements = code.split("-")
    permits = [term for term in OPEN_TERMS if term != "DerivativeWorks" or "nd" not in elements]
    requires = ["Notice"]
    if "by" in elements:
        requires.append("Attribution")
    if "sa" in elements:
        requires.append("ShareAlike")
    prohibits = ["CommercialUse"] if "nc" in elements else []
    return permits, requires, prohibits


def _short_label(code: str, version: str, jurisdiction: str | None) -> str:
    label = f"CC {code.upper()} {version}"
    return f"{label} {jurisdiction.upper()}" if jurisdiction else label


def _cc_uri(code: str, version: str, jurisdiction: str | None) -> str:
    return f"{CC_LICENCES}{code}/{version}/" + (f"{jurisdiction}/" if jurisdiction else "")


def creative_commons(cc: Mapping[str, Any]) -> tuple[list[Entry], dict[str, Family]]:
    """Every Creative Commons licence of the suite, and the families they belong to."""
    languages: list[str] = cc["languages"]
    jurisdictions: Mapping[str, Mapping[str, str]] = cc["jurisdictions"]
    codes: Mapping[str, Mapping[str, Any]] = cc["codes"]
    wanted: list[tuple[str, str, str | None]] = []
    for version, spec in cc["versions"].items():
        for code in spec["codes"]:
            wanted.append((code, version, None))
        for place in spec["ports"]:
            port_codes = spec.get("port_codes", {}).get(place) or spec.get("port_default")
            for code in port_codes or spec["codes"]:
                wanted.append((code, version, place))
    existing = set(wanted)
    code_order = {code: index for index, code in enumerate(codes)}

    entries: list[Entry] = []
    for code, version, place in wanted:
        if code not in codes:
            raise BuildError(f"creativecommons.toml: unknown code {code!r}")
        if place is not None and place not in jurisdictions:
            raise BuildError(f"creativecommons.toml: no names for jurisdiction {place!r}")
        spec = cc["versions"][version]
        prefer = spec.get("prefer", [])
        permits, requires, prohibits = _cc_terms(code)
        label = _short_label(code, version, place)
        section = f"Creative Commons {version}" + (" ports" if place else "")
        dutch_places = [jurisdictions[place]["nl"]] if place else spec["scope"]["nl"]
        dutch = f"{_titles(code, 'nl', cc, prefer)[0]} {version} {dutch_places[0]} ({label})"
        entry = Entry(
            uri=_cc_uri(code, version, place),
            section=section,
            labels={"en": label, "nl": dutch},
            family=codes[code]["family"],
            reuse=codes[code]["reuse"],
            version=version,
            jurisdiction=CC_JURISDICTION.format(place) if place else None,
            permits=permits,
            requires=requires,
            prohibits=prohibits,
            order=(0, -float(version), place or "", code_order[code]),
        )
        for language in languages:
            places = [jurisdictions[place][language]] if place else spec["scope"][language]
            official, *variants = _titles(code, language, cc, prefer)
            entry.add_alt_label(language, f"{official} {version} {places[0]}")
            if language == "en":
                entry.add_alt_label(language, f"Creative Commons {official} {version} {places[0]}")
            _add(
                entry.aliases,
                (
                    f"{title} {version} {where}"
                    for title in (official, *variants)
                    for where in places
                    if (title, where) != (official, places[0])
                ),
            )
        if place is None and "by" in code.split("-"):
            eu_code = code.replace("-", "").upper()
            eu_version = version.replace(".", "_")
            entry.alt_uris.append(cc["eu_licence"].format(code=eu_code, version=eu_version))
        same_as = codes[code].get("same_as")
        if same_as and (same_as, version, place) not in existing:
            # by-nd-nc 1.0 is what later versions call by-nc-nd.
            entry.aliases.append(_short_label(same_as, version, place))
            entry.alt_uris.append(_cc_uri(same_as, version, place))
        entries.append(entry)

    for name, spec in cc["sampling"].items():
        for place in [None, *spec["ports"]]:
            label = f"CC {spec['label']} 1.0" + (f" {place.upper()}" if place else "")
            entry = Entry(
                uri=_cc_uri(name, "1.0", place),
                section="Creative Commons sampling licences (retired)",
                labels={"en": label, "nl": label},
                family=spec["family"],
                reuse="restricted",
                version="1.0",
                jurisdiction=CC_JURISDICTION.format(place) if place else None,
                permits=list(spec["permits"]),
                requires=list(spec["requires"]),
                prohibits=list(spec["prohibits"]),
                order=(1, name, place or ""),
            )
            for language in languages:
                where = f" {jurisdictions[place][language]}" if place else ""
                title = f"{spec['title'][language]} 1.0{where}"
                entry.add_alt_label(language, title)
                if language == "en":
                    entry.add_alt_label(language, f"Creative Commons {title}")
            entries.append(entry)

    families: dict[str, Family] = {}
    for code, spec in codes.items():
        family = families.setdefault(
            spec["family"], Family(spec["family"], {"en": spec["family"], "nl": spec["family"]})
        )
        family.alt_uris.append(f"{CC_LICENCES}{code}/")
        for language in languages:
            for title in _titles(code, language, cc, prefer=()):
                if text_key(title) != "attribution":  # "Attribution" alone says too little
                    family.add_alt_label(language, title)
                if language == "en":
                    family.add_alt_label(language, f"Creative Commons {title}")
    for name, spec in cc["sampling"].items():
        family = families.setdefault(
            spec["family"], Family(spec["family"], {"en": spec["family"], "nl": spec["family"]})
        )
        family.alt_uris.append(f"{CC_LICENCES}{name}/")
        family.add_alt_label("en", f"Creative Commons {spec['title']['en']}")
    return entries, families


# --- Hand-checked entries --------------------------------------------------------------------


def _terms(spec: Mapping[str, Any], name: str) -> list[str]:
    terms = list(spec.get(name, []))
    allowed = {"permits": PERMITS, "requires": REQUIRES, "prohibits": PROHIBITS}[name]
    unknown = [term for term in terms if term not in allowed]
    if unknown:
        raise BuildError(f"{spec.get('uri') or spec.get('name')}: unknown {name} {unknown}")
    return terms


def curated_entry(spec: Mapping[str, Any], index: int) -> Entry:
    """A hand-checked licence of licences.toml."""
    try:
        entry = Entry(
            uri=spec["uri"],
            section=spec["section"],
            labels=dict(spec["label"]),
            family=spec["family"],
            reuse=spec["reuse"],
            kind=spec.get("kind", "licence"),
            version=spec.get("version"),
            jurisdiction=spec.get("jurisdiction"),
            spdx=spec.get("spdx"),
            notation=[spec["notation"]] if "notation" in spec else [],
            permits=_terms(spec, "permits"),
            requires=_terms(spec, "requires"),
            prohibits=_terms(spec, "prohibits"),
            alt_uris=list(spec.get("alt_uris", [])),
            aliases=list(spec.get("aliases", [])),
            exact_aliases=list(spec.get("exact_aliases", [])),
            codes=list(spec.get("codes", [])),
            order=(2, index),
        )
    except KeyError as missing:
        raise BuildError(f"licences.toml: {spec.get('uri')}: no {missing}") from None
    if entry.kind not in KINDS:
        raise BuildError(f"licences.toml: {entry.uri}: unknown kind {entry.kind!r}")
    for language, labels in spec.get("alt", {}).items():
        for label in labels:
            entry.add_alt_label(language, label)
    return entry


def extend(entry: Entry, spec: Mapping[str, Any]) -> None:
    """Applies an [[extend]] of licences.toml to a generated entry."""
    if "label" in spec:
        for language, label in entry.labels.items():
            if spec["label"].get(language, label) != label:
                entry.add_alt_label("en", label)  # the generated name stays a name
        entry.labels.update(spec["label"])
    for name in ("family", "version", "reuse"):
        if name in spec:
            setattr(entry, name, spec[name])
    for name in ("permits", "requires", "prohibits"):
        if name in spec:
            setattr(entry, name, _terms(spec, name))
    for language, labels in spec.get("alt", {}).items():
        for label in labels:
            entry.add_alt_label(language, label)
    # Hand-checked addresses and aliases go first: where they repeat a generated one, they stay.
    entry.alt_uris[:0] = [uri for uri in spec.get("alt_uris", []) if uri not in entry.alt_uris]
    entry.aliases[:0] = [alias for alias in spec.get("aliases", []) if alias not in entry.aliases]
    _add(entry.exact_aliases, spec.get("exact_aliases", []))
    _add(entry.codes, spec.get("codes", []))


def extend_family(family: Family, spec: Mapping[str, Any]) -> None:
    if "label" in spec:
        family.labels.update(spec["label"])
    for language, labels in spec.get("alt", {}).items():
        for label in labels:
            family.add_alt_label(language, label)
    _add(family.alt_uris, spec.get("alt_uris", []))
    _add(family.aliases, spec.get("aliases", []))
    _add(family.codes, spec.get("codes", []))
    if "reuse" in spec:
        family.reuse = spec["reuse"]


# --- SPDX ------------------------------------------------------------------------------------


def _family_and_version(spdx_id: str) -> tuple[str, str | None]:
    found = _SPDX_VERSION.match(spdx_id)
    if found is None:
        return spdx_id, None
    return found["family"], found["version"]


def _spdx_terms(spdx_id: str, family: str, rules: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    if family in rules["copyleft"]:
        requires = ["Notice", "ShareAlike", "SourceCode", "Copyleft"]
    elif family in rules["weak_copyleft"] or spdx_id in rules["weak_copyleft"]:
        requires = ["Notice", "SourceCode", "LesserCopyleft"]
    elif family in rules["document_copyleft"]:
        requires = ["Notice", "ShareAlike"]
    elif spdx_id in rules["no_notice"]:
        requires = []
    else:
        requires = ["Notice"]
    return list(OPEN_TERMS), requires


def _successor(spdx_id: str, current: set[str], rules: Mapping[str, Any]) -> str | None:
    if spdx_id.endswith("+") and f"{spdx_id[:-1]}-or-later" in current:
        return f"{spdx_id[:-1]}-or-later"
    if f"{spdx_id}-only" in current:
        return f"{spdx_id}-only"
    successor: str | None = rules["successors"].get(spdx_id)
    if successor is not None and successor not in current:
        raise BuildError(f"licences.toml: successor {successor} of {spdx_id} is not in the list")
    return successor


def _reference_urls(licence: Mapping[str, Any]) -> list[str]:
    urls = [*licence.get("seeAlso", []), licence.get("reference", "")]
    return [
        url.strip()
        for url in urls
        if url and "?" not in url and "#" not in url and uri_key(url.strip()) is not None
    ]


def spdx_entries(
    spdx: Mapping[str, Any], entries: dict[str, Entry], rules: Mapping[str, Any]
) -> tuple[list[Entry], str]:
    """SPDX licences not yet in ``entries`` (by URI), and the list's version.

    Links the SPDX ids of Creative Commons licences (by their reference URLs) and of the
    hand-checked entries (by their ``spdx``) to those entries instead.
    """
    licences = sorted(spdx["licenses"], key=lambda item: item["licenseId"].casefold())
    current = {item["licenseId"] for item in licences if not item["isDeprecatedLicenseId"]}
    by_spdx = {entry.spdx: entry for entry in entries.values() if entry.spdx}
    by_key: dict[str, Entry] = {}
    for known in entries.values():
        for uri in (known.uri, *known.alt_uris):
            by_key.setdefault(uri_key(uri) or uri, known)
    for spdx_id in by_spdx:
        if spdx_id not in current:
            raise BuildError(f"{spdx_id} is not a current SPDX id")

    # Reference URLs that name one SPDX licence only, and no other entry.
    owners: dict[str, set[str]] = {}
    for item in licences:
        for url in _reference_urls(item):
            owners.setdefault(uri_key(url) or url, set()).add(item["licenseId"])
    owners = {key: ids for key, ids in owners.items() if key}

    new: list[Entry] = []
    linked: dict[str, Entry] = {}
    for item in licences:
        spdx_id = item["licenseId"]
        if item["isDeprecatedLicenseId"]:
            continue
        name = _clean(item["name"])
        entry: Entry | None = by_spdx.get(spdx_id)
        if entry is None and spdx_id.upper().startswith("CC"):
            for url in _reference_urls(item):
                found = by_key.get(uri_key(url) or url)
                if found is not None and found.uri.startswith("https://creativecommons.org/"):
                    entry = found
                    break
            if entry is None:
                raise BuildError(f"SPDX {spdx_id}: no Creative Commons licence at its URLs")
            if entry.spdx not in (None, spdx_id):
                raise BuildError(f"SPDX {spdx_id}: {entry.uri} is already {entry.spdx}")
            entry.spdx = spdx_id
        if entry is None:
            family, version = _family_and_version(spdx_id)
            is_open = bool(item.get("isOsiApproved") or item.get("isFsfLibre"))
            is_open = is_open or spdx_id in rules["open"]
            permits, requires = _spdx_terms(spdx_id, family, rules) if is_open else ([], [])
            entry = Entry(
                uri=SPDX_LICENCES + spdx_id,
                section="Licences of the SPDX License List",
                labels={"en": name, "nl": name},
                family=family,
                version=version,
                reuse="open" if is_open else "permission",
                spdx=spdx_id,
                permits=permits,
                requires=requires,
                order=(3, spdx_id.casefold()),
            )
            new.append(entry)
            entries[entry.uri] = entry
        else:
            entry.add_alt_label("en", name)
            _add(entry.alt_uris, [SPDX_LICENCES + spdx_id])
        linked[spdx_id] = entry
        own = {uri_key(uri) for uri in (entry.uri, *entry.alt_uris)}
        for url in _reference_urls(item):
            key = uri_key(url) or url
            unique = owners[key] == {spdx_id} and by_key.setdefault(key, entry) is entry
            if unique and key not in own:
                own.add(key)
                entry.alt_uris.append(url)

    for item in licences:
        spdx_id = item["licenseId"]
        if not item["isDeprecatedLicenseId"]:
            continue
        successor = _successor(spdx_id, current, rules)
        if successor is not None:
            entry = linked[successor]
            entry.spdx_deprecated.append(spdx_id)
            entry.alt_uris.append(SPDX_LICENCES + spdx_id)
            continue
        family, version = _family_and_version(spdx_id)
        is_open = bool(item.get("isOsiApproved") or item.get("isFsfLibre"))
        permits, requires = _spdx_terms(spdx_id, family, rules) if is_open else ([], [])
        base = _EXCEPTION.match(spdx_id)
        if base is not None:
            # A licence with an exception grants what the licence does, and more.
            licence = linked.get(base["base"]) or linked.get(f"{base['base']}-only")
            if licence is not None:
                is_open = licence.reuse == "open"
                permits, requires = list(licence.permits), list(licence.requires)
        name = _clean(item["name"])
        entry = Entry(
            uri=SPDX_LICENCES + spdx_id,
            section="Licences of the SPDX License List whose id is deprecated, with no successor",
            labels={"en": name, "nl": name},
            family=family,
            version=version,
            reuse="open" if is_open else "permission",
            spdx_deprecated=[spdx_id],
            permits=permits,
            requires=requires,
            order=(4, spdx_id.casefold()),
        )
        new.append(entry)
        entries[entry.uri] = entry
    return new, str(spdx["licenseListVersion"])


# --- Putting it together ---------------------------------------------------------------------


def _tidy(entry: Entry) -> None:
    """Drops names that repeat another name of the entry (they match the same).

    An alternative label is dropped when it repeats a label in its own language; an alias when
    it repeats any name.
    """
    seen = {text_key(label) for label in entry.labels.values()}
    for language in _languages(entry.alt_labels):
        own = {text_key(entry.labels.get(language, ""))}
        kept = []
        for label in entry.alt_labels[language]:
            if text_key(label) not in own:
                own.add(text_key(label))
                kept.append(label)
        entry.alt_labels[language] = kept
        seen.update(own)
    seen.update(text_key(notation) for notation in entry.notation)
    aliases = []
    for alias in entry.aliases:
        key = text_key(alias)
        if key and key not in seen:
            seen.add(key)
            aliases.append(alias)
    entry.aliases = aliases
    entry.exact_aliases = list(dict.fromkeys(alias.strip() for alias in entry.exact_aliases))
    own = {uri_key(entry.uri) or entry.uri}
    alt_uris = []
    for uri in entry.alt_uris:
        address = uri_key(uri) or uri
        if address not in own:
            own.add(address)
            alt_uris.append(uri)
    entry.alt_uris = alt_uris


def _tidy_family(family: Family) -> None:
    seen = {text_key(label) for label in family.labels.values()}
    for language in _languages(family.alt_labels):
        kept = []
        for label in family.alt_labels[language]:
            if text_key(label) not in seen:
                seen.add(text_key(label))
                kept.append(label)
        family.alt_labels[language] = kept
    family.aliases = [alias for alias in family.aliases if text_key(alias) not in seen]


@dataclass
class Built:
    """Everything the vocabulary holds, ready to be written."""

    entries: list[Entry]
    families: list[Family]
    spdx_version: str
    no_licence: Mapping[str, Any]


def build(spdx_path: Path = DEFAULT_SPDX) -> Built:
    """All entries and families, from the data files; raises :class:`BuildError`."""
    cc = tomllib.loads(CC_DATA.read_text(encoding="utf-8"))
    curated = tomllib.loads(CURATED_DATA.read_text(encoding="utf-8"))
    spdx = json.loads(Path(spdx_path).read_text(encoding="utf-8"))

    generated, families = creative_commons(cc)
    entries: dict[str, Entry] = {}
    for entry in generated:
        entries[entry.uri] = entry
    for index, spec in enumerate(curated.get("licence", [])):
        entry = curated_entry(spec, index)
        if entry.uri in entries:
            raise BuildError(f"licences.toml: {entry.uri} is generated; use [[extend]]")
        entries[entry.uri] = entry
    extends: dict[str, list[Mapping[str, Any]]] = {}
    for spec in curated.get("extend", []):
        extends.setdefault(spec["uri"], []).append(spec)
    for uri in list(extends):
        if uri in entries:  # Creative Commons: before SPDX, so SPDX sees their addresses
            for spec in extends.pop(uri):
                extend(entries[uri], spec)

    _, list_version = spdx_entries(spdx, entries, curated["spdx"])
    for uri, specs in extends.items():
        if uri not in entries:
            raise BuildError(f"licences.toml: [[extend]] of unknown licence {uri}")
        for spec in specs:
            extend(entries[uri], spec)

    for spec in curated.get("family", []):
        family = families.get(spec["name"])
        if family is None:
            if "label" not in spec:
                raise BuildError(f"licences.toml: family {spec['name']} needs a label")
            family = families[spec["name"]] = Family(spec["name"], dict(spec["label"]))
        extend_family(family, spec)

    for entry in entries.values():
        _tidy(entry)
    for family in families.values():
        _tidy_family(family)
    ordered = sorted(entries.values(), key=lambda entry: (entry.order, entry.uri))
    return Built(
        entries=ordered,
        families=sorted(families.values(), key=lambda family: family.name),
        spdx_version=list_version,
        no_licence=curated.get("no_licence", {}),
    )


# --- Turtle ----------------------------------------------------------------------------------

HEADER = """\
# The registry's licence vocabulary.
#
# GENERATED by vocab/build_licences.py from vocab/data/ - do not edit by hand: change the data
# and run `python vocab/build_licences.py` (tests/test_vocab_build.py checks that this file is
# what the script writes).
#
# Sources:
# - vocab/data/creativecommons.toml: every Creative Commons licence of every version and port,
#   after Creative Commons' legal-tools index (creativecommons/cc-legal-tools-data) and
#   cc-archive/cc.licenserdf (MIT);
# - vocab/data/licences.toml: the hand-checked entries (public-domain tools, rightsstatements.org,
#   Open Data Commons, government licences) and additions;
# - vocab/data/spdx-licenses.json: the SPDX License List {spdx_version} (spdx/license-list-data,
#   CC0 1.0), one entry per licence that is not one of the above.
#
# Every licence (and rights statement) the registry knows, identified by its canonical URI:
# the https form for Creative Commons, the publisher's own form elsewhere (rightsstatements.org,
# Open Data Commons, governments), and the SPDX licence-list URI for other licences.
#
# The licence normaliser (registry/licences) is driven by this file alone:
#   skos:prefLabel      the licence's short name, in English and Dutch (both required); the
#                       English one is what the registry displays and cites in attributions
#   skos:altLabel       other names (the licence's full title, translations)
#   skos:notation       a short code (rightsstatements.org)
#   reg:alias           other strings that name the licence in metadata. Labels, notations and
#                       aliases are matched ignoring case, accents, spaces and punctuation
#                       ("CC-BY 4.0" = "cc by 4.0", but "GPL-2.0+" is not "GPL-2.0"), so an
#                       alias is needed only for a new wording
#   reg:exactAlias      a string that names the licence only when written exactly so (ignoring
#                       case): an identifier whose punctuation matters (EPrints' "cc_by" is
#                       CC BY 3.0 where "CC BY" names no version)
#   reg:code            "convention:code": a code that names the licence only in one source's
#                       convention (Flickr's licence ids, CKAN's), when the caller names it
#   reg:spdx            the SPDX licence id, matched ignoring case; reg:spdxDeprecated: a
#                       deprecated SPDX id that names this licence
#   reg:altUri          other addresses of the same licence (http/https, "www.", a missing
#                       trailing slash and deed/legalcode/rdf suffixes need no entry)
#   reg:family, reg:version, cc:jurisdiction
#   cc:permits, cc:requires, cc:prohibits   the licence's terms in CC REL
#   reg:reuseClass      "open" (Open Definition conformant), "restricted" (NC, ND, educational
#                       use, no copyright but other restrictions) or "permission" (in copyright,
#                       not evaluated, unknown: ask the rights holder)
# A public-domain tool (CC0, PDM, PDDL) is also a reg:PublicDomainTool: works are "marked with"
# it, not "licensed under" it. A rightsstatements.org statement is also a dcterms:RightsStatement.
# A reg:LicenceFamily names a family without a version ("CC BY"): a statement that names only
# the family resolves to it, with no URI. The reg:NoLicenceStatement lists statements known to
# name no licence ("Other (Open)"): they resolve to nothing, whatever their words.

@prefix cc: <http://creativecommons.org/ns#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix reg: <https://w3id.org/open-registry/vocab#> .

# The registry's own terms

reg:family a owl:DatatypeProperty ;
    rdfs:label "family"@en, "familie"@nl ;
    rdfs:comment "The licence family, without version or jurisdiction: \\"CC BY-SA\\", \\"CC0\\", \\"InC\\"."@en ;
    rdfs:domain cc:License .

reg:version a owl:DatatypeProperty ;
    rdfs:label "version"@en, "versie"@nl ;
    rdfs:comment "The licence version: \\"4.0\\"."@en ;
    rdfs:domain cc:License .

reg:spdx a owl:DatatypeProperty ;
    rdfs:label "SPDX licence id"@en, "SPDX-licentie-id"@nl ;
    rdfs:comment "The licence's identifier in the SPDX License List: \\"CC-BY-4.0\\"."@en ;
    rdfs:domain cc:License .

reg:spdxDeprecated a owl:DatatypeProperty ;
    rdfs:label "deprecated SPDX licence id"@en, "verouderd SPDX-licentie-id"@nl ;
    rdfs:comment "A deprecated identifier of the SPDX License List that names the licence: \\"GPL-2.0\\"."@en ;
    rdfs:domain cc:License .

reg:reuseClass a owl:DatatypeProperty ;
    rdfs:label "reuse class"@en, "hergebruiksklasse"@nl ;
    rdfs:comment "\\"open\\", \\"restricted\\" or \\"permission\\"."@en ;
    rdfs:domain cc:License .

reg:alias a owl:DatatypeProperty ;
    rdfs:subPropertyOf skos:hiddenLabel ;
    rdfs:label "alias"@en, "alias"@nl ;
    rdfs:comment "A string that names the licence in metadata (matched ignoring case, accents, spaces and punctuation)."@en .

reg:exactAlias a owl:DatatypeProperty ;
    rdfs:label "exact alias"@en, "exacte alias"@nl ;
    rdfs:comment "A string that names the licence only when written exactly so, ignoring case: \\"cc_by\\" (EPrints)."@en .

reg:code a owl:DatatypeProperty ;
    rdfs:label "code"@en, "code"@nl ;
    rdfs:comment "A code that names the licence in one source's convention, as \\"convention:code\\": \\"flickr:4\\", \\"ckan:uk-ogl\\"."@en .

reg:altUri a owl:ObjectProperty ;
    rdfs:label "alternative URI"@en, "alternatieve URI"@nl ;
    rdfs:comment "Another address of the same licence."@en .

reg:PublicDomainTool a owl:Class ;
    rdfs:subClassOf cc:License ;
    rdfs:label "public-domain tool"@en, "publiek-domeininstrument"@nl ;
    rdfs:comment "A waiver or mark that puts or declares a work in the public domain (CC0, PDM, PDDL)."@en .

reg:NoLicenceStatement a owl:Class ;
    rdfs:label "statement naming no licence"@en, "uitspraak zonder licentie"@nl ;
    rdfs:comment "Statements known to name no licence: catch-alls (\\"Other (Open)\\"), access rights (\\"Open Access\\")."@en .

reg:LicenceFamily a owl:Class ;
    rdfs:label "licence family"@en, "licentiefamilie"@nl ;
    rdfs:comment "The licences of one family (reg:family) in any version: what a statement names when it gives no version (\\"CC BY\\")."@en .
"""


def _literal(value: str, language: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"' + (f"@{language}" if language else "")


def _iri(value: str) -> str:
    if re.search(r'[\s<>"{}|^`\\]', value):
        raise BuildError(f"not an IRI: {value!r}")
    return f"<{value}>"


def _languages(values: Mapping[str, Any]) -> list[str]:
    order = {language: index for index, language in enumerate(LANGUAGE_ORDER)}
    return sorted(values, key=lambda language: (order.get(language, len(order)), language))


def _statement(predicate: str, objects: Sequence[str]) -> str:
    indent = " " * (4 + len(predicate) + 1)
    if sum(len(item) + 2 for item in objects) + len(indent) <= 100:
        return f"    {predicate} {', '.join(objects)}"
    return f"    {predicate} " + f",\n{indent}".join(objects)


def _ordered_terms(terms: Iterable[str], order: Sequence[str]) -> list[str]:
    return [f"cc:{term}" for term in sorted(set(terms), key=order.index)]


def _label_statements(
    labels: Mapping[str, str], alt_labels: Mapping[str, Sequence[str]]
) -> list[str]:
    """skos:prefLabel (one per language) and skos:altLabel statements."""
    statements = [
        _statement("skos:prefLabel", [_literal(labels[lang], lang) for lang in _languages(labels)])
    ]
    alt = [_literal(label, lang) for lang in _languages(alt_labels) for label in alt_labels[lang]]
    if alt:
        statements.append(_statement("skos:altLabel", alt))
    return statements


def _render_entry(entry: Entry) -> str:
    lines = [f"{_iri(entry.uri)} a {KINDS[entry.kind]}"]
    lines.extend(_label_statements(entry.labels, entry.alt_labels))
    if entry.notation:
        lines.append(_statement("skos:notation", [_literal(n) for n in entry.notation]))
    lines.append(_statement("reg:family", [_literal(entry.family)]))
    if entry.version:
        lines.append(_statement("reg:version", [_literal(entry.version)]))
    if entry.jurisdiction:
        lines.append(_statement("cc:jurisdiction", [_iri(entry.jurisdiction)]))
    if entry.spdx:
        lines.append(_statement("reg:spdx", [_literal(entry.spdx)]))
    if entry.spdx_deprecated:
        lines.append(
            _statement("reg:spdxDeprecated", [_literal(i) for i in sorted(entry.spdx_deprecated)])
        )
    for predicate, terms, order in (
        ("cc:permits", entry.permits, PERMITS),
        ("cc:requires", entry.requires, REQUIRES),
        ("cc:prohibits", entry.prohibits, PROHIBITS),
    ):
        if terms:
            lines.append(_statement(predicate, _ordered_terms(terms, order)))
    lines.append(_statement("reg:reuseClass", [_literal(entry.reuse)]))
    if entry.alt_uris:
        lines.append(_statement("reg:altUri", [_iri(uri) for uri in entry.alt_uris]))
    if entry.aliases:
        lines.append(_statement("reg:alias", [_literal(alias) for alias in entry.aliases]))
    if entry.exact_aliases:
        lines.append(
            _statement("reg:exactAlias", [_literal(alias) for alias in entry.exact_aliases])
        )
    if entry.codes:
        lines.append(_statement("reg:code", [_literal(code) for code in entry.codes]))
    return " ;\n".join(lines) + " .\n"


def _render_no_licence(spec: Mapping[str, Any]) -> str:
    lines = [f"{_iri(NO_LICENCE)} a reg:NoLicenceStatement"]
    lines.append(
        _statement(
            "skos:prefLabel",
            [_literal("No licence", "en"), _literal("Geen licentie", "nl")],
        )
    )
    if spec.get("alt_uris"):
        lines.append(_statement("reg:altUri", [_iri(uri) for uri in spec["alt_uris"]]))
    if spec.get("aliases"):
        lines.append(_statement("reg:alias", [_literal(alias) for alias in spec["aliases"]]))
    return " ;\n".join(lines) + " .\n"


def _render_family(family: Family) -> str:
    lines = [f"{_iri(family.uri)} a reg:LicenceFamily"]
    lines.extend(_label_statements(family.labels, family.alt_labels))
    lines.append(_statement("reg:family", [_literal(family.name)]))
    if family.reuse:
        lines.append(_statement("reg:reuseClass", [_literal(family.reuse)]))
    if family.alt_uris:
        lines.append(_statement("reg:altUri", [_iri(uri) for uri in family.alt_uris]))
    if family.aliases:
        lines.append(_statement("reg:alias", [_literal(alias) for alias in family.aliases]))
    if family.codes:
        lines.append(_statement("reg:code", [_literal(code) for code in family.codes]))
    return " ;\n".join(lines) + " .\n"


def render(
    entries: Sequence[Entry],
    families: Sequence[Family],
    spdx_version: str,
    no_licence: Mapping[str, Any] | None = None,
) -> str:
    """The Turtle text of the vocabulary."""
    parts = [HEADER.format(spdx_version=spdx_version)]
    section = None
    for entry in entries:
        if entry.section != section:
            section = entry.section
            parts.append(f"\n# {section}\n")
        parts.append("\n" + _render_entry(entry))
    parts.append("\n# Licence families (statements that name no version)\n")
    for family in families:
        parts.append("\n" + _render_family(family))
    if no_licence:
        parts.append("\n# Statements known to name no licence (catch-alls, access rights)\n")
        parts.append("\n" + _render_no_licence(no_licence))
    return "".join(parts)


def _sections(entries: Sequence[Entry]) -> Iterator[str]:
    seen: set[str] = set()
    for entry in entries:
        if entry.section not in seen:
            seen.add(entry.section)
            yield entry.section


def generate(spdx_path: Path = DEFAULT_SPDX) -> str:
    """The vocabulary's Turtle text, checked by loading it with the registry's loader."""
    from registry.licences._vocabulary import load_vocabulary

    built = build(spdx_path)
    text = render(built.entries, built.families, built.spdx_version, built.no_licence)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "licences.ttl"
        path.write_text(text, encoding="utf-8")
        load_vocabulary(path)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spdx", type=Path, default=DEFAULT_SPDX, help="the SPDX licenses.json")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the Turtle to write")
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    text = generate(args.spdx)
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run python vocab/build_licences.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
    built = build(args.spdx)
    sections = len(list(_sections(built.entries)))
    print(
        f"{args.output.name}: {len(built.entries)} licences in {sections} sections,"
        f" {len(built.families)} families"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
