"""The registry's SKOS scheme of resource types, and how the types sources write map to it.

Sources write types every way there is ("Text", "info:eu-repo/semantics/article",
"IMAGE", "Dataset", "learning object"). Each record keeps what its source wrote
(``schema:genre``) and, where a type is recognised, points at one concept of this
scheme (``dct:type``), which matches a DCMI Type (``skos:exactMatch``).
``vocab/types.ttl`` is this table as Turtle; a test keeps the two in step.
"""

from __future__ import annotations

import re

__all__ = ["TYPES", "type_slug"]

#: slug -> (English label, Dutch label, DCMI Type local name; "" when none matches)
TYPES: dict[str, tuple[str, str, str]] = {
    "text": ("Text", "Tekst", "Text"),
    "dataset": ("Dataset", "Dataset", "Dataset"),
    "image": ("Image", "Afbeelding", "Image"),
    "moving-image": ("Moving image", "Bewegend beeld", "MovingImage"),
    "sound": ("Sound", "Geluid", "Sound"),
    "software": ("Software", "Software", "Software"),
    "interactive-resource": ("Interactive resource", "Interactieve bron", "InteractiveResource"),
    "collection": ("Collection", "Collectie", "Collection"),
    "event": ("Event", "Evenement", "Event"),
    "physical-object": ("Physical object", "Fysiek object", "PhysicalObject"),
    "service": ("Service", "Dienst", "Service"),
    "other": ("Other or unknown type", "Ander of onbekend soort", ""),
}

# Words that tell a type, checked in order on the lower-cased type with its namespace
# (info:eu-repo/semantics/, http://purl.org/dc/dcmitype/, ...) cut off.
_WORDS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^(text|article|journal ?article|book|book ?part|bookpart|chapter|thesis|"
            r"doctoral ?thesis|master ?thesis|bachelor ?thesis|report|preprint|working ?paper|"
            r"conference ?(paper|object|proceedings)|review|lecture|annotation|"
            r"contribution ?to ?periodical|periodical|manuscript|letter|tekst|artikel|boek|"
            r"proefschrift|rapport|scriptie|publication|document|other ?text)$"
        ),
        "text",
    ),
    (re.compile(r"^(dataset|data ?set|data|database|research ?data|datasets?)$"), "dataset"),
    (
        re.compile(
            r"^(image|still ?image|photo(graph)?|picture|drawing|map|cartographic( material)?|"
            r"painting|print|poster|afbeelding|foto|kaart|prent|tekening)$"
        ),
        "image",
    ),
    (re.compile(r"^(moving ?image|video|film|movie|audiovisual|animation)$"), "moving-image"),
    (re.compile(r"^(sound|audio|music|recording|podcast|geluid|muziek)$"), "sound"),
    (re.compile(r"^(software|code|computer ?program|source ?code|model)$"), "software"),
    (
        re.compile(r"^(interactive ?resource|learning ?(object|material|resource)|course)$"),
        "interactive-resource",
    ),
    (re.compile(r"^(collection|series|collectie)$"), "collection"),
    (re.compile(r"^(event|exhibition|workshop)$"), "event"),
    (re.compile(r"^(physical ?object|object|3d|artefact|artifact)$"), "physical-object"),
    (re.compile(r"^(service|web ?service|api|dataservice|data ?service)$"), "service"),
]

_NAMESPACE = re.compile(r"^.*[/#:]")


def type_slug(value: str) -> str | None:
    """The concept of the scheme a type names, or None when it names none we know."""
    word = _NAMESPACE.sub("", value.strip()).replace("_", " ").replace("-", " ").lower()
    word = word.strip()
    if not word:
        return None
    for pattern, slug in _WORDS:
        if pattern.match(word):
            return slug
    return None
