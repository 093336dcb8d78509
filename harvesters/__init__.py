"""Protocol adapters: one harvester per kind of feed, registered as plugins.

Harvesters register in the ``registry.harvesters`` entry-point group; the built-in ones
are listed there too, and are used directly when the package metadata is not installed.
A plugin is imported only when its kind is asked for, so one broken plugin does not stop
the others.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

from harvesters.base import Harvester, Page, RawRecord, RecordError
from harvesters.fetch import Fetcher, FetchResponse
from registry.errors import ConfigurationError, InvalidRequest

__all__ = [
    "FetchResponse",
    "Fetcher",
    "Harvester",
    "Page",
    "RawRecord",
    "RecordError",
    "get_harvester",
    "harvester_kinds",
]

ENTRY_POINT_GROUP = "registry.harvesters"


#: The built-in harvesters, as their entry points name them (used without package metadata).
BUILTIN: dict[str, str] = {
    "oai-pmh": "harvesters.oaipmh:OAIPMHHarvester",
    "dcat": "harvesters.dcat:DCATHarvester",
    "rss": "harvesters.feeds:FeedHarvester",
    "ckan": "harvesters.ckan:CKANHarvester",
    "offers": "harvesters.offers:OffersHarvester",
}


def _builtin() -> dict[str, EntryPoint]:
    return {
        kind: EntryPoint(name=kind, value=value, group=ENTRY_POINT_GROUP)
        for kind, value in BUILTIN.items()
    }


def _plugins() -> dict[str, EntryPoint]:
    return {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}


def harvester_kinds() -> list[str]:
    """The kinds of feed the installed harvesters read."""
    return sorted(_builtin().keys() | _plugins().keys())


def get_harvester(kind: str) -> type[Harvester]:
    """The harvester class for a kind of feed (:class:`InvalidRequest` for an unknown one)."""
    entry = _plugins().get(kind) or _builtin().get(kind)  # built-ins: metadata not installed
    if entry is None:
        raise InvalidRequest(
            f"no harvester for {kind!r}; installed: {', '.join(harvester_kinds())}",
            parameter="kind",
        )
    try:
        plugin = entry.load()
    except Exception as exc:  # a plugin that cannot be imported is a deployment problem
        raise ConfigurationError(
            f"the harvester plugin {kind!r} ({entry.value}) cannot be loaded: {exc}"
        ) from exc
    if not (isinstance(plugin, type) and issubclass(plugin, Harvester)):
        raise ConfigurationError(
            f"the harvester plugin {kind!r} ({entry.value}) is not a Harvester subclass"
        )
    return plugin
