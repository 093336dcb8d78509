"""Licence compatibility: may works under these licences be combined into one new work, and
under which licences may the result be shared?

Follows Creative Commons' compatibility chart for remixing
(https://wiki.creativecommons.org/wiki/Wiki/cc_license_compatibility) and its list of
compatible licences, read as data:

- each licence has a set of **elements** (:data:`FAMILY_ELEMENTS` for the families the chart
  names, otherwise read from the licence's CC REL terms): ``PD`` (a public-domain tool: no
  conditions), ``BY`` (credit), ``NC`` (non-commercial), ``ND`` (no adaptations), ``SA``
  (share-alike), ``ASK`` (a rights statement: no licence, ask the rights holder) and ``OTHER``
  (restrictions the registry cannot compare);
- an input **allows** a licence for the combined work (:func:`_allows`): public-domain tools
  allow any; NC asks for an NC licence; SA asks for its own family at the same or (where the
  licence says so, :data:`SAME_OR_LATER`) a later version, ports counting as the same
  licence, or for a licence declared compatible with it (:data:`DECLARED`);
- a statement that names no known licence makes the answer unknown; a rights statement
  (``ASK``) or a licence without adaptations (``ND``) makes it "not combinable" (a
  collection that keeps each work intact may still be possible);
- otherwise the works may be combined when some licence is allowed by every input; those
  licences are the answer, most permissive first (public domain, BY, BY-SA, BY-NC,
  BY-NC-SA, BY-ND, BY-NC-ND: Creative Commons' licence spectrum).

Software licences are compared as far as :data:`DECLARED` and :data:`INCOMPATIBLE` say;
weak copyleft is read as share-alike, and two copyleft licences with no declared
compatibility are answered "not combinable": the safe side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from registry.errors import InvalidRequest
from registry.licences._normalise import licence_by_uri, normalise
from registry.licences._vocabulary import Licence, Vocabulary, vocabulary
from registry.models import LicenceRef

__all__ = [
    "DECLARED",
    "FAMILY_ELEMENTS",
    "INCOMPATIBLE",
    "SAME_OR_LATER",
    "Compatibility",
    "Declaration",
    "Element",
    "compatible",
    "elements",
]

Element = Literal["PD", "BY", "NC", "ND", "SA", "ASK", "OTHER"]

_PD: frozenset[Element] = frozenset({"PD"})
_ASK: frozenset[Element] = frozenset({"ASK"})

#: The licence elements of the families Creative Commons' chart names (ports share their
#: family). Families not listed here get theirs from their CC REL terms (:func:`elements`).
FAMILY_ELEMENTS: Mapping[str, frozenset[Element]] = {
    "CC0": _PD,
    "PDM": _PD,
    "CC PDDC": _PD,
    "PDDL": _PD,
    "CC BY": frozenset({"BY"}),
    "CC BY-SA": frozenset({"BY", "SA"}),
    "CC BY-NC": frozenset({"BY", "NC"}),
    "CC BY-ND": frozenset({"BY", "ND"}),
    "CC BY-NC-SA": frozenset({"BY", "NC", "SA"}),
    "CC BY-NC-ND": frozenset({"BY", "NC", "ND"}),
    "ODC-By": frozenset({"BY"}),
    "ODbL": frozenset({"BY", "SA"}),
}

#: Share-alike families whose licences allow a later version of the same licence for
#: adaptations, from the version given on (CC's 1.0 licences allow only themselves).
SAME_OR_LATER: Mapping[str, tuple[int, ...]] = {
    "CC BY-SA": (2, 0),
    "CC BY-NC-SA": (2, 0),
    "CC SA": (2, 0),
    "CC NC-SA": (2, 0),
    "ODbL": (1, 0),
    # "...under the terms of this Licence or of a later version" (EUPL 1.2, article 5).
    "EUPL": (1, 2),
}

#: The Creative Commons licences offered for a combination (their newest international
#: version) when any input is a Creative Commons licence or tool.
CC_SUITE = ("CC BY", "CC BY-SA", "CC BY-NC", "CC BY-NC-SA", "CC BY-ND", "CC BY-NC-ND")
_CC_ZERO = "CC0"
#: Public-domain tools that mark works already free of copyright, never applied to new work.
_MARKS = frozenset({"PDM"})


@dataclass(frozen=True)
class Declaration:
    """A declared compatibility: material under ``source`` may be shared, in an adaptation,
    under ``targets`` (SPDX ids). ``anytime``: on its own, not only when combined with a work
    already under the target licence."""

    source: frozenset[str]
    targets: frozenset[str]
    note: str
    anytime: bool = True


def _ids(*names: str) -> frozenset[str]:
    return frozenset(name.casefold() for name in names)


_GPL2 = ("GPL-2.0-only", "GPL-2.0", "GPL-2.0-or-later", "GPL-2.0+")
_GPL3 = ("GPL-3.0-only", "GPL-3.0", "GPL-3.0-or-later", "GPL-3.0+")
_AGPL3 = ("AGPL-3.0-only", "AGPL-3.0", "AGPL-3.0-or-later")
_LGPL = ("LGPL-2.1-only", "LGPL-2.1", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0")

#: Declared compatibilities (one-way unless both directions are listed).
DECLARED: tuple[Declaration, ...] = (
    Declaration(
        _ids("CC-BY-SA-4.0"),
        _ids("GPL-3.0-only", "GPL-3.0"),
        "CC BY-SA 4.0 is one-way compatible with the GNU GPL version 3 (declared by Creative"
        " Commons in 2015): an adaptation may be shared under GPLv3, but GPLv3 material may"
        " not be shared under CC BY-SA.",
    ),
    Declaration(
        _ids("CC-BY-SA-4.0"),
        _ids("LAL-1.3"),
        "CC BY-SA 4.0 and the Free Art License 1.3 are declared compatible both ways.",
    ),
    Declaration(
        _ids("LAL-1.3"),
        _ids("CC-BY-SA-4.0"),
        "CC BY-SA 4.0 and the Free Art License 1.3 are declared compatible both ways.",
    ),
    Declaration(
        _ids("EUPL-1.2"),
        _ids(
            *_GPL2,
            *_GPL3,
            *_AGPL3,
            *_LGPL,
            "OSL-2.1",
            "OSL-3.0",
            "EPL-1.0",
            "CECILL-2.0",
            "CECILL-2.1",
            "MPL-2.0",
            "CC-BY-SA-3.0",
            "EUPL-1.1",
            "LiLiQ-R-1.1",
            "LiLiQ-Rplus-1.1",
        ),
        "The EUPL 1.2 lists compatible licences (its appendix): a work combined with a work"
        " under one of them may be shared under that licence.",
        anytime=False,
    ),
    Declaration(
        _ids("MPL-2.0"),
        _ids(*_GPL2, *_GPL3, *_AGPL3, *_LGPL),
        "The MPL 2.0 allows a larger work to be shared under the GNU GPL, LGPL or AGPL"
        " (its secondary licences), unless the code is marked incompatible with them.",
        anytime=False,
    ),
    Declaration(
        _ids("LGPL-2.1-only", "LGPL-2.1", "LGPL-2.1-or-later", "LGPL-2.1+"),
        _ids(*_GPL2, *_GPL3),
        "The LGPL 2.1 allows its code to be shared under the GNU GPL version 2 or later.",
    ),
    Declaration(
        _ids("LGPL-3.0-only", "LGPL-3.0", "LGPL-3.0-or-later", "LGPL-3.0+"),
        _ids(*_GPL3),
        "The LGPL 3.0 is the GNU GPL version 3 with extra permissions, so its code may be"
        " shared under GPLv3.",
    ),
    Declaration(
        _ids(*_GPL3),
        _ids(*_AGPL3),
        "The GNU GPL version 3 allows a work to be combined with AGPLv3 code; the combination"
        " is shared under the AGPL's terms.",
        anytime=False,
    ),
)

#: Known incompatibilities of licences that are otherwise permissive: material under the
#: key may not be shared under these (SPDX ids).
INCOMPATIBLE: Mapping[str, tuple[frozenset[str], str]] = {
    "apache-2.0": (
        _ids(*_GPL2),
        "The Apache License 2.0 is not compatible with version 2 of the GNU GPL (only with"
        " version 3).",
    ),
}

# Permissiveness rank of an element set: public domain, BY, BY-SA, BY-NC, BY-NC-SA, BY-ND,
# BY-NC-ND.
_RANK_ORDER: tuple[Element, ...] = ("ND", "NC", "SA")


def elements(licence: Licence) -> frozenset[Element]:
    """A licence's elements: from :data:`FAMILY_ELEMENTS`, else from its kind and terms."""
    known = FAMILY_ELEMENTS.get(licence.family)
    if known is not None:
        return known
    if licence.kind == "public-domain":
        return _PD
    if licence.kind == "rights-statement" or licence.reuse_class == "permission":
        return _ASK
    found: set[Element] = set()
    if licence.requires_attribution or "Notice" in licence.requires:
        found.add("BY")
    if "CommercialUse" in licence.prohibits:
        found.add("NC")
    if not licence.derivatives:
        found.add("ND")
    if licence.share_alike or "LesserCopyleft" in licence.requires:
        # Weak copyleft (LGPL, MPL...) is read as share-alike: the safe side.
        found.add("SA")
    if licence.reuse_class == "restricted" and not found & {"NC", "ND"}:
        # Restricted for a reason the terms do not say (educational use only...).
        found.add("OTHER")
    return frozenset(found)


@dataclass(frozen=True)
class Compatibility:
    """The answer: may the works be combined, and under which licences may the result be
    shared (URIs, most permissive first). ``combinable`` is None when the registry cannot
    tell (a statement it could not resolve). ``licences`` are the inputs as resolved, in
    order (``raw`` is the input)."""

    combinable: bool | None
    result_licences: list[str]
    reason: str
    licences: list[LicenceRef]

    def as_dict(self) -> dict[str, Any]:
        """The answer as JSON (``registry licence compatible --json`` and the API)."""
        inputs = []
        for ref in self.licences:
            found = licence_by_uri(ref.uri)
            inputs.append(
                {
                    "input": ref.raw,
                    "uri": ref.uri,
                    "label": ref.label,
                    "family": ref.family,
                    "version": ref.version,
                    "open": ref.open,
                    "confidence": ref.confidence,
                    "elements": _element_list(elements(found)) if found else [],
                }
            )
        results = []
        for uri in self.result_licences:
            found = licence_by_uri(uri)
            results.append({"uri": uri, "label": found.label if found else uri})
        return {
            "combinable": self.combinable,
            "reason": self.reason,
            "result_licences": list(self.result_licences),
            "results": results,
            "licences": inputs,
        }


_ELEMENT_ORDER: tuple[Element, ...] = ("PD", "BY", "NC", "ND", "SA", "ASK", "OTHER")


def _element_list(found: frozenset[Element]) -> list[str]:
    return [e for e in _ELEMENT_ORDER if e in found]


# --- the rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    licence: Licence
    elements: frozenset[Element]

    @property
    def label(self) -> str:
        return self.licence.label


def _version(value: str | None) -> tuple[int, ...] | None:
    if not value:
        return None
    numbers = re.findall(r"\d+", value)
    return tuple(int(n) for n in numbers) if numbers else None


def _spdx(licence: Licence) -> str:
    return (licence.spdx or "").casefold()


def _or_later(licence: Licence) -> bool:
    spdx = _spdx(licence)
    return spdx.endswith(("-or-later", "+")) or licence.uri.rstrip("/").endswith("-or-later")


def _later_allowed(licence: Licence) -> bool:
    if _or_later(licence):
        return True
    since = SAME_OR_LATER.get(licence.family)
    version = _version(licence.version)
    return since is not None and version is not None and version >= since


def _declared(
    source: Licence, target: Licence, present: frozenset[str] = frozenset()
) -> Declaration | None:
    """The declaration that lets ``source`` material go out under ``target``, if any. A
    declaration that holds only in combination needs a work under one of its target
    licences among the inputs (``present``: their SPDX ids, case-folded)."""
    spdx, target_spdx = _spdx(source), _spdx(target)
    if not spdx or not target_spdx:
        return None
    return next(
        (
            d
            for d in DECLARED
            if spdx in d.source
            and target_spdx in d.targets
            and (d.anytime or not present.isdisjoint(d.targets))
        ),
        None,
    )


def _same_lineage(source: Licence, target: Licence) -> bool:
    """Whether ``target`` is ``source`` at a version the source allows (ports count as the
    same licence)."""
    have, want = _version(source.version), _version(target.version)
    if have is None or want is None or want < have:
        return False
    if want == have:
        # "GPL-3.0-only" material cannot go out as "GPL-3.0-or-later".
        return _or_later(source) or not _or_later(target)
    return _later_allowed(source)


def _allows(
    source: _Input,
    target: Licence,
    target_elements: frozenset[Element],
    present: frozenset[str] = frozenset(),
) -> bool:
    """Whether material under ``source`` may be shared, in a combination with works under
    ``present`` (SPDX ids), under ``target``."""
    if source.licence.uri == target.uri:
        return True
    if "PD" in source.elements:
        return True
    if "PD" in target_elements or "ASK" in target_elements or "OTHER" in target_elements:
        return False
    refused = INCOMPATIBLE.get(_spdx(source.licence))
    if refused is not None and _spdx(target) in refused[0]:
        return False
    if "NC" in source.elements and "NC" not in target_elements:
        return False
    if "SA" in source.elements:
        if target.family == source.licence.family:
            return _same_lineage(source.licence, target)
        return _declared(source.licence, target, present) is not None
    return True


# --- candidate licences for the result ------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    vocabulary: Vocabulary
    by_family: Mapping[str, tuple[Licence, ...]]


_cached: list[_Index] = []


def _index() -> _Index:
    tables = vocabulary()
    if _cached and _cached[0].vocabulary is tables:
        return _cached[0]
    by_family: dict[str, list[Licence]] = {}
    for licence in tables.licences:
        by_family.setdefault(licence.family, []).append(licence)
    index = _Index(tables, {k: tuple(v) for k, v in by_family.items()})
    _cached[:] = [index]
    return index


def _offered(licence: Licence) -> bool:
    """Whether to offer a licence for a combination: not a deprecated SPDX entry (one with
    no current SPDX id, or a "GPL-2.0-with-...-exception" variant)."""
    host = (urlsplit(licence.uri).hostname or "").removeprefix("www.")
    if host != "spdx.org":
        return True
    return licence.spdx is not None and "-with-" not in licence.spdx.casefold()


def _is_cc(licence: Licence) -> bool:
    host = (urlsplit(licence.uri).hostname or "").removeprefix("www.")
    return host == "creativecommons.org"


def _newest(licences: Iterable[Licence]) -> Licence | None:
    best: tuple[tuple[int, ...], Licence] | None = None
    for licence in licences:
        if licence.jurisdiction is not None:
            continue
        version = _version(licence.version) or ()
        if best is None or version > best[0]:
            best = (version, licence)
    return best[1] if best else None


def _candidates(inputs: Sequence[_Input]) -> list[tuple[Licence, int]]:
    """Licences the result might be shared under, each with a rank of where it came from:
    the inputs' own families (at the highest version among them, or later), licences
    declared compatible with an input, then Creative Commons' current licences."""
    index = _index()
    found: dict[str, tuple[Licence, int]] = {}

    def add(licence: Licence, origin: int) -> None:
        if licence.uri not in found or found[licence.uri][1] > origin:
            found[licence.uri] = (licence, origin)

    families: list[str] = []
    for item in inputs:
        if item.licence.family not in families:
            families.append(item.licence.family)
    given = {item.licence.uri for item in inputs}
    for position, family in enumerate(families):
        members = [item.licence for item in inputs if item.licence.family == family]
        if any(m.family in _MARKS for m in members):
            continue
        floor = max((_version(m.version) or () for m in members), default=())
        if not any("SA" in elements(m) for m in members):
            # No share-alike: the inputs' own licence at their highest version, or the newest.
            for member in members:
                if (_version(member.version) or ()) >= floor:
                    add(member, position)
            newest = _newest(x for x in index.by_family.get(family, ()) if _offered(x))
            if newest is not None:
                add(newest, position)
            continue
        # Share-alike: the highest version among the inputs, or a later one (where the
        # licences allow it), international or in the inputs' jurisdictions.
        places = {None} | {m.jurisdiction for m in members}
        for licence in index.by_family.get(family, ()):
            if licence.kind == "rights-statement" or licence.jurisdiction not in places:
                continue
            if licence.uri not in given and not _offered(licence):
                continue
            if (_version(licence.version) or ()) >= floor:
                add(licence, position)
    declared_rank = len(families)
    for item in inputs:
        spdx = _spdx(item.licence)
        for declaration in DECLARED:
            if not declaration.anytime or spdx not in declaration.source:
                continue
            for target in sorted(declaration.targets):
                declared = index.vocabulary.by_spdx.get(target)
                if declared is not None:
                    add(declared, declared_rank)
    suite_rank = declared_rank + 1
    if any(_is_cc(item.licence) for item in inputs):
        for family in CC_SUITE:
            newest = _newest(index.by_family.get(family, ()))
            if newest is not None:
                add(newest, suite_rank)
    if all("PD" in item.elements for item in inputs):
        zero = _newest(index.by_family.get(_CC_ZERO, ()))
        if zero is not None:
            add(zero, -1)
    return list(found.values())


def _rank(found: frozenset[Element]) -> tuple[bool, ...]:
    return ("PD" not in found, *(e in found for e in _RANK_ORDER))


def _outlets(inputs: Sequence[_Input]) -> list[Licence]:
    """The licences every input allows for the combination, most permissive first."""
    present = frozenset(_spdx(item.licence) for item in inputs) - {""}
    allowed = []
    for licence, origin in _candidates(inputs):
        found = elements(licence)
        if all(_allows(item, licence, found, present) for item in inputs):
            key = (
                _rank(found),
                origin,
                _version(licence.version) or (),
                licence.jurisdiction is not None,
                licence.uri,
            )
            allowed.append((key, licence))
    return [licence for _, licence in sorted(allowed, key=lambda pair: pair[0])]


# --- the reasons ----------------------------------------------------------------------------


def _names(items: Sequence[_Input]) -> str:
    labels = list(dict.fromkeys(item.label for item in items))
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + f" and {labels[-1]}"


def _verb(items: Sequence[_Input], singular: str, plural: str) -> str:
    return singular if len({item.label for item in items}) == 1 else plural


def _sa_word(items: Sequence[_Input]) -> str:
    """The word for such licences: "share-alike" where they all say so (Creative Commons,
    ODC), else "copyleft"."""
    if all("ShareAlike" in item.licence.requires for item in items):
        return "share-alike"
    return "copyleft"


def _conflict(a: _Input, b: _Input) -> str:
    """Why two inputs have no licence in common."""
    for first, second in ((a, b), (b, a)):
        refused = INCOMPATIBLE.get(_spdx(first.licence))
        if refused is not None and _spdx(second.licence) in refused[0]:
            return refused[1]
    if "SA" in a.elements and "SA" in b.elements:
        if a.licence.family == b.licence.family:
            return (
                f"{a.label} and {b.label} are versions of one {_sa_word([a, b])} licence, but"
                " neither allows adaptations under the other's version."
            )
        sentences = [
            f"{a.label} and {b.label} are both {_sa_word([a, b])} licences: {a.label} requires"
            f" adaptations to be shared under {a.licence.family}, {b.label} under"
            f" {b.licence.family}, and no compatibility between them is declared."
        ]
        if "ODbL" in (a.licence.family, b.licence.family):
            sentences.append("ODbL is its own share-alike licence.")
        for item in (a, b):
            targets = _declared_targets(item.licence)
            if targets:
                sentences.append(
                    f"{item.label} is declared compatible only with {', '.join(targets)}."
                )
        return " ".join(sentences)
    for sa, nc in ((a, b), (b, a)):
        if "SA" in sa.elements and "NC" not in sa.elements and "NC" in nc.elements:
            return (
                f"{sa.label} requires the combination to be shared under {sa.licence.family},"
                f" which allows commercial use, while {nc.label} forbids commercial use."
            )
    for sa, other in ((a, b), (b, a)):
        if "SA" in sa.elements:
            return (
                f"{sa.label} requires adaptations to be shared under {sa.licence.family},"
                f" which {other.label} does not allow."
            )
    return f"No licence satisfies the terms of both {a.label} and {b.label}."


def _declared_targets(licence: Licence) -> list[str]:
    """The labels of the licences ``licence`` is declared compatible with (on its own)."""
    spdx = _spdx(licence)
    by_spdx = _index().vocabulary.by_spdx
    labels = [
        by_spdx[target].label
        for declaration in DECLARED
        if declaration.anytime and spdx in declaration.source
        for target in sorted(declaration.targets)
        if target in by_spdx
    ]
    return list(dict.fromkeys(labels))


def _permission_sentence(item: _Input) -> str:
    if item.licence.reuse_class == "permission":
        return (
            f"{item.label} grants no licence: combining the work with others needs the"
            " rights holder's permission."
        )
    return (
        f"{item.label} is a rights statement, not a licence that allows adaptations:"
        " combining the work needs the rights holder's permission, or a check of its"
        " restrictions."
    )


_COLLECTION = (
    "A collection that keeps each work intact and under its own licence may still be possible."
)


def _combined_reason(inputs: Sequence[_Input], outlets: Sequence[Licence]) -> str:
    if all("PD" in item.elements for item in inputs):
        return (
            f"{_names(inputs)} {_verb(inputs, 'is a public-domain tool', 'are public-domain tools')}"
            " that impose no conditions: the works may be combined freely, and the result"
            " shared under any terms."
        )
    sentences = ["The works may be combined."]
    share_alike = [item for item in inputs if "SA" in item.elements]
    if share_alike:
        lineage = [o for o in outlets if o.family in {i.licence.family for i in share_alike}]
        target = lineage[0] if lineage else outlets[0]
        same = [i.licence for i in share_alike if i.licence.family == target.family]
        later = bool(same) and all(_later_allowed(licence) for licence in same)
        sentences.append(
            f"{_names(share_alike)} {_verb(share_alike, 'is', 'are')} {_sa_word(share_alike)},"
            " so the result"
            f" must be shared under {target.label}{' or a later version' if later else ''}."
        )
    non_commercial = [item for item in inputs if "NC" in item.elements]
    if non_commercial:
        sentences.append(
            f"{_names(non_commercial)} {_verb(non_commercial, 'forbids', 'forbid')} commercial"
            " use, so the result must be non-commercial too."
        )
    free = [item for item in inputs if "PD" in item.elements]
    if free:
        sentences.append(f"{_names(free)} {_verb(free, 'imposes', 'impose')} no conditions.")
    if any("BY" in item.elements for item in inputs):
        sentences.append("Credit every work as its licence asks.")
    # Declared compatibilities that this answer uses.
    notes = [
        declaration.note
        for item in inputs
        for declaration in DECLARED
        if _spdx(item.licence) in declaration.source
        and any(_spdx(o) in declaration.targets for o in outlets)
    ]
    present = {_spdx(item.licence) for item in inputs}
    notes += [
        refused[1]
        for item in inputs
        if (refused := INCOMPATIBLE.get(_spdx(item.licence))) is not None
        and not present.isdisjoint(refused[0])
    ]
    sentences.extend(dict.fromkeys(notes))
    listed = ", ".join(o.label for o in outlets)
    more = " (most permissive first)" if len(outlets) > 1 else ""
    sentences.append(f"It may be shared under {listed}{more}.")
    return " ".join(sentences)


def _unknown_sentence(ref: LicenceRef) -> str:
    text = " ".join((ref.raw or "").split())
    if text and ref.family:
        return (
            f'"{text}" names the licence family {ref.family} but not which version, so whether'
            " the works may be combined is unknown."
        )
    if not text:
        return (
            "An empty statement names no licence, so whether the works may be combined is unknown."
        )
    return (
        f'"{text}" does not name a licence the registry knows, so whether the works may be'
        " combined is unknown."
    )


def compatible(licences: Sequence[str]) -> Compatibility:
    """Whether works under ``licences`` (two or more statements, each resolved with
    :func:`normalise`) may be combined into one new work, and under which licences the
    result may be shared, with the reason in plain English."""
    if isinstance(licences, str):
        raise TypeError("compatible() takes a sequence of licence statements, not one string")
    if len(licences) < 2:
        raise InvalidRequest("give at least two licences to compare", parameter="licence")
    refs = [normalise(text) for text in licences]
    resolved: list[_Input] = []
    unknown: list[str] = []
    for ref in refs:
        licence = licence_by_uri(ref.uri)
        if licence is None:
            unknown.append(_unknown_sentence(ref))
            continue
        resolved.append(_Input(licence, elements(licence)))
    unclear = [
        f"{item.label} has restrictions the registry cannot compare; read its terms."
        for item in resolved
        if "OTHER" in item.elements
    ]
    if unknown or unclear:
        return Compatibility(None, [], " ".join(dict.fromkeys([*unknown, *unclear])), refs)

    blocked = [_permission_sentence(item) for item in resolved if "ASK" in item.elements]
    no_adaptations = [item for item in resolved if "ND" in item.elements]
    if no_adaptations:
        blocked.append(
            f"{_names(no_adaptations)} {_verb(no_adaptations, 'does', 'do')} not allow"
            " adaptations, so the works cannot be combined into a new work. " + _COLLECTION
        )
    if blocked:
        return Compatibility(False, [], " ".join(dict.fromkeys(blocked)), refs)

    outlets = _outlets(resolved)
    if outlets:
        return Compatibility(
            True, [o.uri for o in outlets], _combined_reason(resolved, outlets), refs
        )
    reasons = []
    for i, first in enumerate(resolved):
        for second in resolved[i + 1 :]:
            if not _outlets([first, second]):
                reasons.append(_conflict(first, second))
    if not reasons:
        reasons.append("No licence satisfies the terms of all of them together.")
    reasons.append("The works cannot be combined into one new work. " + _COLLECTION)
    return Compatibility(False, [], " ".join(dict.fromkeys(reasons)), refs)
