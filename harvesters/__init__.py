"""Protocol adapters: one harvester per kind of feed, registered as plugins.

Harvesters register in the ``registry.harvesters`` entry-point group; the built-in ones
are listed there too, and are used directly when the package metadata is not installed.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from harvesters.base import Harvester, Page, RawRecord, RecordError
from harvesters.fetch import Fetcher, FetchResponse
from registry.errors import InvalidRequest

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


def _builtin() -> dict[str, type[Harvester]]:
    from harvesters.oaipmh import OAIPMHHarvester
    from harvesters.offers import OffersHarvester

    return {OAIPMHHarvester.kind: OAIPMHHarvester, OffersHarvester.kind: OffersHarvester}


def _registered() -> dict[str, type[Harvester]]:
    found = _builtin()
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in found:
            continue
        plugin = entry.load()
        if isinstance(plugin, type) and issubclass(plugin, Harvester):
            found[entry.name] = plugin
    return found


def harvester_kinds() -> list[str]:
    """The kinds of feed the installed harvesters read."""
    return sorted(_registered())


def get_harvester(kind: str) -> type[Harvester]:
    """The harvester class for a kind of feed."""
    found = _registered()
    if kind not in found:
        raise InvalidRequest(
            f"no harvester for {kind!r}; installed: {', '.join(sorted(found))}", parameter="kind"
        )
    return found[kind]
