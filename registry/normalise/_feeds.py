"""RSS 2.0, RSS 1.0 and Atom entries as works."""

from __future__ import annotations

from registry.normalise._common import Mapper

__all__ = ["MAPPERS"]

MAPPERS: dict[str, Mapper] = {}
