"""Scheduled harvests: every source is harvested again when its schedule says so.

:class:`Scheduler` looks at the registered sources and their last runs, and harvests
those that are due, several at once on a small thread pool. Per-host politeness holds
across them: all harvests share one :class:`~harvesters.fetch.HostPacer`, and one source
is never harvested twice at once (:func:`~registry.locks.source_lock`). ``registry serve``
runs it in the background; ``registry worker`` runs it on its own.

When a source is due:
- never harvested, or its last run was interrupted or died mid-way: now (it resumes);
- its last run succeeded or was partial: ``schedule_hours`` after that run started;
- its last run failed: after a back-off that doubles with each failure in a row, from
  15 minutes up to the schedule itself, so a broken feed is not hammered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from registry.errors import RegistryError
from registry.locks import HarvestRunning
from registry.models import HarvestRun, Source

__all__ = ["FAILURE_BACKOFF", "Scheduler", "due_at"]

log = logging.getLogger("registry.scheduler")

#: The first wait after a failed run; it doubles with every further failure in a row.
FAILURE_BACKOFF = timedelta(minutes=15)


def due_at(source: Source, runs: Sequence[HarvestRun]) -> datetime | None:
    """When ``source`` should next be harvested (``runs``: its latest runs, newest first);
    ``None`` when it has no schedule."""
    if source.schedule_hours is None:
        return None
    if not runs:
        return source.created or datetime.min.replace(tzinfo=UTC)
    last = runs[0]
    if last.status in ("running", "interrupted"):
        return last.started  # resume it
    period = timedelta(hours=source.schedule_hours)
    if last.status == "failed":
        failures = 0
        for run in runs:
            if run.status != "failed":
                break
            failures += 1
        wait: timedelta = min(FAILURE_BACKOFF * 2 ** (failures - 1), period)
        ended: datetime = last.finished or last.started
        return ended + wait
    return last.started + period


class Scheduler:
    """Runs due harvests with ``harvest(name, stop)`` on up to ``workers`` threads.

    ``stop`` is set when the scheduler stops: a harvest checks it after every page and
    ends as "interrupted", to resume from its checkpoint next time.
    """

    def __init__(
        self,
        list_sources: Callable[[], list[Source]],
        list_runs: Callable[[str, int], list[HarvestRun]],
        harvest: Callable[[str, threading.Event], HarvestRun],
        *,
        workers: int = 2,
        interval: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_harvest: Callable[[HarvestRun], None] | None = None,
        housekeeping: Callable[[], object] | None = None,
        housekeeping_every: float = 3600.0,
    ) -> None:
        self._list_sources = list_sources
        self._housekeeping = housekeeping
        self._housekeeping_every = housekeeping_every
        self._housekept: float | None = None
        self._list_runs = list_runs
        self._harvest = harvest
        self.interval = interval
        self._clock = clock
        self._on_harvest = on_harvest
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="harvest")
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> list[Source]:
        """The sources due now, the longest overdue first."""
        now = self._clock()
        due: list[tuple[datetime, Source]] = []
        for source in self._list_sources():
            when = due_at(source, self._list_runs(source.name, 8))
            if when is not None and when <= now:
                due.append((when, source))
        due.sort(key=lambda item: item[0])
        return [source for _, source in due]

    def run_once(self, *, wait: bool = False) -> list[str]:
        """Start the due harvests that are not running yet; returns their source names.
        With ``wait``, return only when they have finished."""
        started = []
        futures = []
        for source in self.due():
            with self._lock:
                if source.name in self._busy:
                    continue
                self._busy.add(source.name)
            started.append(source.name)
            futures.append(self._pool.submit(self._run, source.name))
        if wait:
            for future in futures:
                future.result()
        self._keep_house()
        return started

    def _keep_house(self) -> None:
        """Periodic chores besides harvesting (offers due for review), at most once per
        ``housekeeping_every`` seconds; a failing chore is logged, never fatal."""
        if self._housekeeping is None:
            return
        now = time.monotonic()
        if self._housekept is not None and now - self._housekept < self._housekeeping_every:
            return
        self._housekept = now
        try:
            self._housekeeping()
        except Exception:
            log.exception("housekeeping failed; trying again later")

    def _run(self, name: str) -> None:
        try:
            run = self._harvest(name, self._stop)
            log.info("harvested %s: %s", name, run.summary())
            if self._on_harvest is not None:
                self._on_harvest(run)
        except HarvestRunning:
            log.info("%s is being harvested elsewhere; skipped", name)
        except RegistryError as exc:
            log.warning("harvest of %s failed: %s", name, exc.message)
        except Exception:  # one source's bug must not stop the schedule
            log.exception("harvest of %s failed", name)
        finally:
            with self._lock:
                self._busy.discard(name)

    # running in the background ------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="harvest-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # e.g. the store is briefly unavailable
                log.exception("checking for due harvests failed; trying again")
            self._stop.wait(self.interval)

    def run_forever(self) -> None:
        """Check for due harvests every ``interval`` seconds until :meth:`stop`."""
        self._loop()

    def stop(self, *, wait: bool = True) -> None:
        """Stop checking; running harvests end after their current page."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=wait, cancel_futures=True)
