"""What every mapper shares: reading values, recognising challenges, building a work.

A mapper turns one :class:`~harvesters.base.RawRecord` into a domain record. Mappers of
descriptive formats (Dublin Core, DataCite, DCAT, feeds, CKAN) collect plain fields and
hand them to :func:`build_work`, which resolves the licence and computes the attribution
the same way for all of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from harvesters.base import RawRecord
from registry.licences import attribution, normalise_many
from registry.licences._attribution import _names_of, _source, credit
from registry.models import CHALLENGES, Attribution, IPOffer, LicenceRef, Source, Work, record_id
from registry.search.documents import language_code

__all__ = [
    "Mapper",
    "NormaliseError",
    "build_work",
    "challenges_in",
    "first",
    "landing_page",
    "languages",
    "split_rights",
    "values",
]

Mapper = Callable[[Source, RawRecord, str], Work | IPOffer]


class NormaliseError(ValueError):
    """A raw record that cannot become a domain record; the harvest logs it and goes on."""


# Challenge labels (en and nl, lower-cased) and ids, to recognise them among subjects.
_CHALLENGE_BY_LABEL: dict[str, str] = {
    label.lower(): key for key, labels in CHALLENGES.items() for label in labels.values()
} | {key: key for key in CHALLENGES}

# A rights value that tells how to attribute rather than which licence applies.
_INSTRUCTION = re.compile(
    r"^\s*(naamsvermelding|attribution|credit|credits|bronvermelding|please cite|cite as)\s*:\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)


def values(metadata: dict[str, Any], element: str) -> list[str]:
    """The non-empty values of ``element`` (items are strings or ``{"value": ...}``), with
    their white space collapsed."""
    items = metadata.get(element)
    out: list[str] = []
    if not items:
        return out
    for item in items:
        value = item.get("value") if isinstance(item, dict) else item
        if type(value) is not str:
            if not isinstance(value, str):
                continue
            value = str(value)  # a subclass (lxml's smart strings): a plain one, as a model keeps
        if value:
            if not (
                value.isprintable() and "  " not in value and value[0] != " " and value[-1] != " "
            ):
                value = " ".join(value.split())
                if not value:
                    continue
            out.append(value)
    return out


def _is_collapsed(text: str) -> bool:
    """Whether ``text`` has no white space to collapse (checked in C, without splitting);
    ``isprintable`` is False for every white-space character but the plain space."""
    return text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " "


def first(items: list[str]) -> str | None:
    return items[0] if items else None


#: Caches of what the helpers below compute per distinct value (a harvest repeats few
#: languages, subjects and rights statements); each is emptied when it grows past its size.
_CACHE_SIZE = 16384
_LANGUAGE_CODES: dict[str, str] = {}
_CHALLENGE_OF: dict[str, str | None] = {}


def _cached(cache: dict[str, Any], key: str, compute: Callable[[str], Any]) -> Any:
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    value = cache[key] = compute(key)
    return value


def languages(items: Iterable[str]) -> list[str]:
    """Language values as ISO 639-1 codes where known, without repeats."""
    codes = _LANGUAGE_CODES
    found: dict[str, None] = {}
    for value in items:
        if value.strip():
            code = codes.get(value)
            if code is None:
                code = _cached(codes, value, language_code)
            found[code] = None
    return list(found)


def _challenge(subject: str) -> str | None:
    return _CHALLENGE_BY_LABEL.get(subject.strip().lower())


def challenges_in(subjects: Iterable[str]) -> list[str]:
    """The societal challenges named among subjects (by id or by English or Dutch label)."""
    known = _CHALLENGE_OF
    found: dict[str, None] = {}
    for subject in subjects:
        challenge = known.get(subject, "")
        if challenge == "":
            challenge = _cached(known, subject, _challenge)
        if challenge:
            found[challenge] = None
    return list(found)


def landing_page(identifiers: Iterable[str]) -> str | None:
    """The first web link among identifiers, preferring one that is not a DOI resolver."""
    links = [i for i in identifiers if i.startswith(("http://", "https://"))]
    for link in links:
        if "doi.org/" not in link:
            return link
    return first(links)


def split_rights(statements: Iterable[str]) -> tuple[list[str], str | None]:
    """Rights values split into licence statements and an attribution instruction
    ("Naamsvermelding: ...", "Credit: ...")."""
    instruction = None
    licences: list[str] = []
    for value in statements:
        match = _INSTRUCTION.match(value)
        if match:
            instruction = match.group(2).strip()
        else:
            licences.append(value)
    return licences, instruction


def _clean(items: Iterable[str | None]) -> list[str]:
    """Non-empty values, white space collapsed, each once, in order."""
    out: dict[str, None] = {}
    for value in items:
        if value:
            if not _is_collapsed(value):
                value = " ".join(value.split())
                if not value:
                    continue
            out[value] = None
    return list(out)


def _collapse(text: str) -> str:
    return text if text and _is_collapsed(text) else " ".join(text.split())


#: The licence and attribution instruction of each distinct list of rights statements.
_RIGHTS: dict[tuple[tuple[str, ...], str | None], tuple[LicenceRef, str | None]] = {}


def _rights(statements: list[str], convention: str | None) -> tuple[LicenceRef, str | None]:
    """The licence the statements resolve to (a copy of its own) and the attribution
    instruction among them."""
    key = (tuple(statements), convention)
    found = _RIGHTS.get(key)
    if found is None:
        licences, instruction = split_rights(statements)
        found = (normalise_many(licences, convention=convention), instruction)
        if len(_RIGHTS) >= _CACHE_SIZE:
            _RIGHTS.clear()
        _RIGHTS[key] = found
    licence, instruction = found
    return _copy(licence), instruction


# --- building models without validating again ----------------------------------------
#
# build_work makes every field itself, of the type the model declares, so pydantic's
# validation (a third of the cost of a record) proves nothing new. Where every value is
# known to be of its declared type (plain strings from :func:`values`, a datetime or None)
# the model is built as ``model_construct`` builds one, without its per-field loop; the
# fields are then set in the model's own order, as validation sets them, and the fields
# given are those a validated build_work gives. Anything else is validated as before.
# Tests compare both on every fixture.

_setattr = object.__setattr__
_Model = TypeVar("_Model", bound=BaseModel)


def _simple(model: type[BaseModel], validators: frozenset[str] = frozenset()) -> bool:
    """Whether instances of ``model`` are plain field dicts (no aliases, extras, private
    attributes or post-init hook) checked by no validator but ``validators`` (which the
    values built here satisfy), so that building them without validation is safe."""
    checks = model.__pydantic_decorators__
    return (
        model.model_config.get("extra") != "allow"
        and not model.__private_attributes__
        and not model.__pydantic_post_init__
        and all(f.alias is None and f.validation_alias is None for f in model.model_fields.values())
        and set(checks.field_validators) <= validators
        and not (checks.model_validators or checks.validators or checks.root_validators)
    )


def _construct(model: type[_Model], fields: dict[str, Any], given: frozenset[str]) -> _Model:
    """``model`` holding ``fields`` (complete, in the model's order), unvalidated."""
    instance = model.__new__(model)
    _setattr(instance, "__dict__", fields)
    _setattr(instance, "__pydantic_fields_set__", set(given))
    _setattr(instance, "__pydantic_extra__", None)
    _setattr(instance, "__pydantic_private__", None)
    return instance


def _copy(licence: LicenceRef) -> LicenceRef:
    """A copy of a licence reference, each record owning its own."""
    if not _FAST_LICENCE:
        return licence.model_copy()
    return _construct(LicenceRef, dict(licence.__dict__), frozenset(licence.model_fields_set))


_WORK_ORDER = (
    "id",
    "source",
    "source_identifier",
    "title",
    "description",
    "creators",
    "publisher",
    "subjects",
    "languages",
    "challenges",
    "identifiers",
    "landing_page",
    "issued",
    "modified",
    "licence",
    "attribution_instruction",
    "attribution",
    "kind",
    "types",
    "formats",
    "rights_holder",
)
#: The fields a validated :func:`build_work` gives (all but ``kind``; ``attribution`` set after).
_WORK_GIVEN = frozenset(_WORK_ORDER) - {"kind"}
_ATTRIBUTION_GIVEN = frozenset({"text", "html"})
_FAST_LICENCE = _simple(LicenceRef)
_FAST_WORK = (
    tuple(Work.model_fields) == _WORK_ORDER
    and Work.model_fields["kind"].default == "work"
    and _simple(Work, frozenset({"_known_challenges"}))  # challenges_in gives known ones
    and _simple(LicenceRef)
    and _simple(Attribution)
    and tuple(Attribution.model_fields) == ("text", "html")
)
_NONE = type(None)


def _plain(*scalars: object) -> bool:
    """Whether each value is a plain string or None (what validation would keep as is)."""
    for value in scalars:
        kind = type(value)
        if kind is not str and kind is not _NONE:
            return False
    return True


def build_work(
    source: Source,
    raw: RawRecord,
    base_uri: str,
    *,
    title: str | None,
    rights: Iterable[str | None] = (),
    licence_convention: str | None = None,
    description: str | None = None,
    creators: Iterable[str | None] = (),
    publisher: str | None = None,
    subjects: Iterable[str | None] = (),
    language_values: Iterable[str | None] = (),
    identifiers: Iterable[str | None] = (),
    landing: str | None = None,
    issued: str | None = None,
    modified: datetime | None = None,
    types: Iterable[str | None] = (),
    formats: Iterable[str | None] = (),
    rights_holder: str | None = None,
    attribution_instruction: str | None = None,
) -> Work:
    """A :class:`Work` from a mapper's fields, its licence resolved from the ``rights``
    statements (URIs, codes or sentences; the best one wins) and its attribution computed.

    Raises :class:`NormaliseError` without a title.
    """
    return _build_work(
        source,
        raw,
        base_uri,
        collapsed=False,
        title=title,
        rights=rights,
        licence_convention=licence_convention,
        description=description,
        creators=creators,
        publisher=publisher,
        subjects=subjects,
        language_values=language_values,
        identifiers=identifiers,
        landing=landing,
        issued=issued,
        modified=modified,
        types=types,
        formats=formats,
        rights_holder=rights_holder,
        attribution_instruction=attribution_instruction,
    )


def _build_work(
    source: Source,
    raw: RawRecord,
    base_uri: str,
    *,
    collapsed: bool,
    title: str | None,
    rights: Iterable[str | None] = (),
    licence_convention: str | None = None,
    description: str | None = None,
    creators: Iterable[str | None] = (),
    publisher: str | None = None,
    subjects: Iterable[str | None] = (),
    language_values: Iterable[str | None] = (),
    identifiers: Iterable[str | None] = (),
    landing: str | None = None,
    issued: str | None = None,
    modified: datetime | None = None,
    types: Iterable[str | None] = (),
    formats: Iterable[str | None] = (),
    rights_holder: str | None = None,
    attribution_instruction: str | None = None,
) -> Work:
    """:func:`build_work`; ``collapsed`` says that every text is a plain string whose white
    space is collapsed and every list a new list of such strings, none empty (as
    :func:`values` gives them): lists are then only rid of repeats, and the work is built
    without validating again."""
    if collapsed:
        clean = _dedupe
        title = title or ""
    else:
        clean = _clean
        title = _collapse(title or "")
        description = _collapse(description) if description else None
        publisher = _collapse(publisher) if publisher and publisher.strip() else None
    if not title:
        raise NormaliseError("the record has no title")
    statements = clean(rights)
    subject_list = clean(subjects)
    identifier_list = clean(identifiers)
    creator_list = clean(creators)
    licence, instruction = _rights(statements, licence_convention)
    if modified is None:
        modified = raw.datestamp
    fields: dict[str, Any] = {
        "id": record_id(source.name, raw.identifier),
        "source": source.name,
        "source_identifier": raw.identifier,
        "title": title,
        "description": description or None,
        "creators": creator_list,
        "publisher": publisher,
        "subjects": subject_list,
        "languages": languages(clean(language_values)),
        "challenges": challenges_in(subject_list),
        "identifiers": identifier_list,
        "landing_page": landing or landing_page(identifier_list),
        "issued": issued,
        "modified": modified,
        "licence": licence,
        "attribution_instruction": attribution_instruction or instruction,
        "attribution": None,
        "kind": "work",
        "types": clean(types),
        "formats": clean(formats),
        "rights_holder": rights_holder,
    }
    if not (
        collapsed
        and _FAST_WORK
        and _plain(
            raw.identifier,
            source.name,
            fields["landing_page"],
            issued,
            fields["attribution_instruction"],
            rights_holder,
        )
        and (modified is None or type(modified) is datetime)
    ):
        del fields["attribution"], fields["kind"]
        work = Work(**fields)
        work.attribution = attribution(work, base_uri=base_uri)
        return work
    text, html = credit(
        licence,
        title=title,
        names=_names_of(creator_list, publisher, collapsed=True),
        instruction=fields["attribution_instruction"],
        source=_source(fields["landing_page"], identifier_list, fields["id"], base_uri),
        collapsed=True,
    )
    fields["attribution"] = _construct(
        Attribution, {"text": text, "html": html}, _ATTRIBUTION_GIVEN
    )
    return _construct(Work, fields, _WORK_GIVEN)


def _dedupe(items: Iterable[str | None]) -> list[str]:
    """Collapsed values without repeats (see :func:`_build_work`): the list itself when it
    has none."""
    if type(items) is list and len(items) < 2:
        return items
    return list(dict.fromkeys(items))  # type: ignore[arg-type]
