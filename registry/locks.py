"""Per-source harvest locks: one harvest of a source at a time, across processes.

Two harvests of one source at once would both resume the same run and write the same
pages. The embedded registry takes an advisory lock on a file in its data directory
(``locks/harvest-NAME.lock``); the operating system releases it when the process ends,
however it ends, so a killed harvest never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.errors import Conflict

__all__ = ["HarvestRunning", "source_lock"]


class HarvestRunning(Conflict):
    """The source is being harvested by another process or thread."""


@contextmanager
def source_lock(data_dir: Path, name: str) -> Iterator[None]:
    """Hold the harvest lock of source ``name``; :class:`HarvestRunning` when it is taken."""
    directory = data_dir / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / f"harvest-{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HarvestRunning(
                f"source {name!r} is being harvested already; try again when that run ends"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
