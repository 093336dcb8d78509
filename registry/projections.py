"""Projections follow the store's change feed from their own checkpoint.

A projection can be dropped and rebuilt at any time (``registry reindex``) and
catches up by itself after a crash: the store still has every change.
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from registry.search import SearchBackend
from registry.store import Store

__all__ = ["SearchIndexer", "StopSignal", "gc_deferred", "gc_paused"]


class StopSignal(Protocol):
    """A ``threading.Event`` or ``multiprocessing.Event``."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one batch (of changes, or of a harvest's
    records): a batch makes many short-lived, acyclic objects (freed by reference counting
    anyway) and collections cost ~20 %. Garbage in cycles waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def gc_deferred(every: int = 16) -> Iterator[Callable[[], None]]:
    """The cyclic garbage collector paused for a long loop of batches (a harvest's pages);
    call what it gives once a batch, after the batch's objects are let go: every ``every``
    batches it collects the young generation only.

    Why not :func:`gc_paused` per batch: when collection resumes, the objects of the batch
    still held are traversed and promoted to older generations, which soon makes the
    collector traverse everything alive (a tenth of a harvest's time). Here nothing is
    promoted but what outlives ``every`` batches, and garbage in cycles waits that long.
    """
    enabled = gc.isenabled()
    gc.disable()
    batches = 0

    def collect() -> None:
        nonlocal batches
        batches += 1
        if batches % every == 0:
            gc.collect(0)

    try:
        yield collect
    finally:
        if enabled:
            gc.enable()


class SearchIndexer:
    """Feeds a search backend from the change feed.

    The checkpoint is kept in the store under a name that includes the index's own
    id (a file in the index folder, or the concrete index behind a distributed engine's
    alias), so a wiped or replaced index starts from zero.
    """

    def __init__(self, store: Store, backend: SearchBackend, index_dir: Path | None = None) -> None:
        self.store = store
        self.backend = backend
        self._lock = threading.Lock()
        self._index_dir = index_dir
        self._checkpoint_name: str | None = None

    @property
    def checkpoint_name(self) -> str:
        """The projection's checkpoint in the store, named on first use (a distributed
        engine is asked for its index then, not when the registry starts: it may be down)."""
        if self._checkpoint_name is None:
            if self._index_dir is not None:
                marker = self._index_dir / "registry-instance"
                if not marker.exists():
                    marker.write_text(uuid.uuid4().hex)
                instance = marker.read_text().strip()
            else:
                instance = str(getattr(self.backend, "instance", "default"))
            self._checkpoint_name = f"search:{self.backend.name}:{instance}"
        return self._checkpoint_name

    @checkpoint_name.setter
    def checkpoint_name(self, name: str) -> None:
        self._checkpoint_name = name

    @property
    def position(self) -> int:
        return self.store.checkpoint(self.checkpoint_name)

    def lag(self) -> int:
        """How many sequence numbers the index is behind the store."""
        return max(0, self.store.last_seq() - self.position)

    def catch_up(self, *, batch: int = 2000, progress: Callable[[int], None] | None = None) -> int:
        """Apply every change after the checkpoint; returns how many were applied."""
        applied = 0
        with self._lock, gc_deferred() as collect:
            after = self.position
            while True:
                changes = self.store.changes(after, batch)
                if not changes:
                    return applied
                self.backend.apply(changes)
                after = changes[-1].seq
                count = len(changes)
                del changes  # let the batch go before the collector looks
                self.store.set_checkpoint(self.checkpoint_name, after)
                applied += count
                collect()
                if progress is not None:
                    progress(count)

    def follow(
        self,
        stop: StopSignal,
        *,
        poll: float = 0.05,
        batch: int = 2000,
        max_delay: float = 1.0,
    ) -> int:
        """Apply changes as they come until ``stop`` is set, then what is left; returns how
        many were applied. What the process that holds the index does while harvests write
        the store (``registry serve``). Changes are applied ``batch`` at a time when that
        many are waiting, else once ``max_delay`` seconds have passed since the first one
        was seen: each commit costs, so a page written every few milliseconds is not
        committed on its own."""
        applied = 0
        waiting_since: float | None = None
        while True:
            done = stop.is_set()  # read before catching up: nothing written before it is missed
            lag = self.lag()
            now = time.monotonic()
            if lag and waiting_since is None:
                waiting_since = now
            if lag and (done or lag >= batch or now - (waiting_since or now) >= max_delay):
                applied += self.catch_up(batch=batch)
                waiting_since = None
            elif done:
                return applied
            else:
                stop.wait(poll)

    def rebuild(self, *, progress: Callable[[int], None] | None = None) -> int:
        """Index the whole store again. A backend that can swap indices builds a new one
        while the old one keeps serving, then swaps them at once (searches never fail nor
        see a half-built index); the others are emptied and filled again."""
        begin = getattr(self.backend, "begin_rebuild", None)
        if begin is not None:
            fresh = begin()
            builder = SearchIndexer(self.store, fresh)
            count = builder.catch_up(progress=progress)
            with self._lock:
                fresh.promote()
                # Changes indexed through the alias into the old index while the new one
                # was built (by a process following the feed) are indexed again here.
                count += builder.catch_up(progress=progress)
                self.checkpoint_name = builder.checkpoint_name
            return count
        with self._lock:
            self.backend.clear()
            self.store.set_checkpoint(self.checkpoint_name, 0)
        return self.catch_up(progress=progress)
