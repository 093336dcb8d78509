"""Demo content shipped with the package."""

from __future__ import annotations

import pathlib

__all__ = ["demo_dir"]


def demo_dir() -> pathlib.Path:
    """The folder that holds the bundled demo feeds (``oai/`` and ``offers.json``)."""
    return pathlib.Path(__file__).parent
