"""DCAT datasets (DCAT-AP, DCAT-AP-NL) as works."""

from __future__ import annotations

from registry.normalise._common import Mapper

__all__ = ["MAPPERS"]

MAPPERS: dict[str, Mapper] = {}
