"""CKAN packages (action API) as works (format ``ckan``).

The payload is ``{"site": root URL, "package": the package as package_search gave it}``.
Fields that a site's schema puts at the top level (ckanext-scheming, DCAT-AP profiles)
are also read from ``extras`` (``[{"key", "value"}]``), where the default schema keeps them.

| work field | from the package |
| --- | --- |
| title | ``title``, else ``name`` |
| description | ``notes`` (Markdown, as plain text) |
| creators | ``author``, else ``maintainer`` |
| publisher | ``organization.title`` (else its ``name``) |
| subjects | ``tags`` (display name), ``groups`` (title) |
| language | ``language`` (codes, names or EU authority URIs; a list, a JSON list or one value) |
| issued | ``issued``, else the date of ``metadata_created`` |
| landing page | ``{site}/dataset/{name}`` |
| identifiers | the landing page, ``url`` (the source's own page), ``identifier`` |
| formats | each resource's ``format``, else its ``mimetype`` |
| licence | ``license_id`` (CKAN's codes: ``uk-ogl``, ``cc-nc``...), ``license_url``, ``license_title``, ``rights``; the best one wins |
| rights holder | ``rights_holder`` / ``rightsHolder`` / ``copyright_holder`` |
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from harvesters.base import RawRecord
from registry.models import Source, Work
from registry.normalise._common import Mapper, NormaliseError, build_work
from registry.normalise._feeds import html_to_text

__all__ = ["MAPPERS", "map_ckan_package", "markdown_to_text"]

#: Markdown constructs and what of them is text, in the order they are undone.
_MARKDOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*(```|~~~).*$", re.MULTILINE), ""),  # code fences
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # inline links: their text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE), ""),  # link definitions
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE), ""),  # list markers
    (re.compile(r"^\s*(?:[-*_]\s*){3,}$", re.MULTILINE), ""),  # horizontal rules
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])"), r"\2"),  # emphasis
    (re.compile(r"~~(.+?)~~"), r"\1"),  # strike-through
    (re.compile(r"`([^`]*)`"), r"\1"),  # inline code
)
#: Extras that name the rights holder.
_RIGHTS_HOLDER_KEYS = ("rights_holder", "rightsHolder", "rightsholder", "copyright_holder")
#: EU language authority URIs end in the ISO 639-2 code: .../language/NLD.
_LANGUAGE_URI = re.compile(r"/language/([A-Za-z]{2,3})/?$")


def markdown_to_text(markdown: str) -> str:
    """The text of a Markdown description (CKAN's ``notes``), whitespace collapsed; HTML
    in it is read as HTML (tags dropped, script content removed)."""
    text = markdown.replace("\r\n", "\n")
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    if "<" in text or "&" in text:
        return html_to_text(text)
    return " ".join(text.split())


def _extras(package: dict[str, Any]) -> dict[str, Any]:
    extras = package.get("extras")
    if not isinstance(extras, list):
        return {}
    return {
        e["key"]: e.get("value")
        for e in extras
        if isinstance(e, dict) and isinstance(e.get("key"), str)
    }


def _field(package: dict[str, Any], extras: dict[str, Any], *names: str) -> Any:
    """The first non-empty value of a field, at the top level or among the extras."""
    for name in names:
        for value in (package.get(name), extras.get(name)):
            if value not in (None, "", [], {}):
                return value
    return None


def _text(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _values(value: Any) -> list[str]:
    """A field that may hold one value, a list, or a list written as JSON or with commas."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError:
                value = stripped.strip("[]").split(",")
        else:
            value = stripped.split(",") if "," in stripped else [stripped]
    if not isinstance(value, list):
        return []
    return [v.strip().strip("\"'") for v in value if isinstance(v, str) and v.strip()]


def _language(value: str) -> str:
    match = _LANGUAGE_URI.search(value)
    return match.group(1).lower() if match else value


def _names(items: Any, *keys: str) -> list[str]:
    """The first non-empty of ``keys`` of each dict in a list (tags, groups)."""
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            name = next((item[k] for k in keys if isinstance(item.get(k), str) and item[k]), None)
            if name:
                out.append(name)
    return out


def _formats(resources: Any) -> list[str]:
    out = []
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict):
            value = _text(resource.get("format")) or _text(resource.get("mimetype"))
            if value:
                out.append(value)
    return out


def map_ckan_package(source: Source, raw: RawRecord, base_uri: str) -> Work:
    """A CKAN package (see the module docstring for what comes from where)."""
    payload = raw.payload or {}
    package = payload.get("package")
    if not isinstance(package, dict):
        raise NormaliseError("the record holds no CKAN package")
    site = str(payload.get("site") or "").rstrip("/")
    extras = _extras(package)
    name = _text(package.get("name"))
    landing = f"{site}/dataset/{quote(name, safe='')}" if site and name else None
    organization = package.get("organization")
    publisher = None
    if isinstance(organization, dict):
        publisher = _text(organization.get("title")) or _text(organization.get("name"))
    notes = package.get("notes")
    issued = _text(_field(package, extras, "issued"))
    if issued is None and isinstance(package.get("metadata_created"), str):
        issued = package["metadata_created"][:10] or None
    rights = [
        _text(package.get("license_id")),
        _text(package.get("license_url")),
        _text(package.get("license_title")),
        *_values(_field(package, extras, "rights")),
    ]
    identifier = _field(package, extras, "identifier")
    return build_work(
        source,
        raw,
        base_uri,
        title=_text(package.get("title")) or name,
        rights=rights,
        licence_convention="ckan",
        description=markdown_to_text(notes) if isinstance(notes, str) else None,
        creators=[_text(package.get("author")) or _text(package.get("maintainer"))],
        publisher=publisher,
        subjects=[
            *_names(package.get("tags"), "display_name", "name"),
            *_names(package.get("groups"), "title", "display_name", "name"),
        ],
        language_values=[_language(v) for v in _values(_field(package, extras, "language"))],
        identifiers=[landing, _text(package.get("url")), _text(identifier)],
        landing=landing,
        issued=issued,
        types=[_text(package.get("type"))],
        formats=_formats(package.get("resources")),
        rights_holder=_text(_field(package, extras, *_RIGHTS_HOLDER_KEYS)),
    )


MAPPERS: dict[str, Mapper] = {"ckan": map_ckan_package}
