"""OAI-PMH metadata formats beyond Dublin Core: DataCite, EDM, MODS, DIDL, qualified DC."""

from __future__ import annotations

from registry.normalise._common import Mapper

__all__ = ["MAPPERS"]

MAPPERS: dict[str, Mapper] = {}
