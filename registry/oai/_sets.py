"""The provider's sets: one per source and one per licence family.

==========================  ===========================================================
setSpec                     holds
==========================  ===========================================================
``source``                  every record, by source (the parent of the next row)
``source:{name}``           the records of one source, tombstones included
``licence``                 every live record whose licence has a family
``licence:{family}``        the live records under one licence family (``CC BY-SA``
                            is ``licence:CC_BY-SA``)
==========================  ===========================================================

A licence family is written in the characters a setSpec allows: letters, digits,
``-`` and ``.`` as they are, a space as ``_``, every other character as ``~`` and the
hex digits of each of its UTF-8 bytes (``CC Sampling+`` is ``CC_Sampling~2B``). The
spelling can be read back, so no table is needed to find the family of a setSpec.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from registry.oai._protocol import SET_SPEC

__all__ = [
    "LICENCE",
    "SOURCE",
    "SetQuery",
    "family_of",
    "licence_spec",
    "parse_set",
    "source_spec",
]

SOURCE = "source"
LICENCE = "licence"
_KEPT = frozenset(string.ascii_letters + string.digits + "-.")
_HEX = frozenset(string.hexdigits.upper())


def _encode(family: str) -> str:
    out = []
    for char in family:
        if char in _KEPT:
            out.append(char)
        elif char == " ":
            out.append("_")
        else:
            out.extend(f"~{byte:02X}" for byte in char.encode())
    return "".join(out)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and set(pair) <= _HEX


def family_of(encoded: str) -> str | None:
    """The licence family a setSpec's last part spells, ``None`` when it spells none."""
    data = bytearray()
    index = 0
    while index < len(encoded):
        char = encoded[index]
        if char in _KEPT:
            data.extend(char.encode())
        elif char == "_":
            data.append(0x20)
        elif char == "~" and _is_hex(encoded[index + 1 : index + 3]):
            data.append(int(encoded[index + 1 : index + 3], 16))
            index += 2
        else:
            return None
        index += 1
    try:
        family = data.decode()
    except UnicodeDecodeError:
        return None
    return family if family and _encode(family) == encoded else None


def licence_spec(family: str) -> str:
    return f"{LICENCE}:{_encode(family)}"


def source_spec(source: str) -> str | None:
    """The setSpec of a source, ``None`` for a name a setSpec cannot hold."""
    spec = f"{SOURCE}:{source}"
    return spec if SET_SPEC.fullmatch(spec) else None


@dataclass(frozen=True, slots=True)
class SetQuery:
    """What a set selects, in the terms of the store's change feed."""

    source: str | None = None
    family: str | None = None
    any_family: bool = False
    """Live records whose licence has a family (the ``licence`` parent set)."""

    @property
    def include_deleted(self) -> bool:
        return self.family is None and not self.any_family


def parse_set(spec: str | None) -> SetQuery | None:
    """The records ``spec`` selects; ``None`` when the repository has no such set (the
    caller has checked the spec's syntax)."""
    if spec is None or spec == SOURCE:
        return SetQuery()
    if spec == LICENCE:
        return SetQuery(any_family=True)
    head, _, rest = spec.partition(":")
    if not rest or ":" in rest:
        return None
    if head == SOURCE:
        return SetQuery(source=rest)
    if head == LICENCE:
        family = family_of(rest)
        return SetQuery(family=family) if family is not None else None
    return None
