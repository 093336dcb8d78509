"""Running a harvest: source → harvester → normalise → store, one page at a time.

Each page is written in one transaction together with the run's checkpoint, so a
crash leaves the store consistent and running the harvest again resumes after the
last page that was written.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from harvesters import Fetcher, get_harvester
from harvesters.base import Page, snippet
from registry.errors import RegistryError
from registry.models import HarvestError, HarvestRun, IPOffer, Source, Work, record_id
from registry.normalise import NormaliseError, to_record
from registry.projections import gc_deferred, gc_paused
from registry.store import Store, WriteCounts

__all__ = ["OVERLAP", "MappedPage", "PageCallback", "map_page", "run_harvest"]

#: How far before the last datestamp seen an incremental harvest starts again.
OVERLAP = timedelta(minutes=5)

PageCallback = Callable[[HarvestRun, WriteCounts], None]


def _error_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}"
            for err in exc.errors()
        ]
        return "; ".join(parts)
    return str(exc)


def _payload_snippet(payload: dict[str, Any] | None) -> str | None:
    if not payload:
        return None
    text = payload.get("xml")
    if not isinstance(text, str):
        text = json.dumps(payload, ensure_ascii=False, default=str)
    return snippet(text)


@dataclass(slots=True)
class MappedPage:
    """A harvested page as the store takes it."""

    records: list[Work | IPOffer] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    """The ids of records the source deleted."""
    errors: list[HarvestError] = field(default_factory=list)
    """Records that could not be read (from the harvester) or mapped."""
    newest: datetime | None = None
    """The newest datestamp on the page."""


def map_page(source: Source, page: Page, base_uri: str) -> MappedPage:
    """A page's raw records mapped to domain records (the cyclic garbage collector paused:
    a page makes many small objects, none in a cycle); a record that cannot be mapped
    becomes an error of stage ``map``."""
    mapped = MappedPage(
        errors=[
            HarvestError(
                identifier=e.identifier, message=e.message, stage=e.stage, snippet=e.snippet
            )
            for e in page.errors
        ]
    )
    records, deleted, errors = mapped.records, mapped.deleted, mapped.errors
    newest: datetime | None = None
    with gc_paused():
        for raw in page.records:
            if raw.datestamp is not None and (newest is None or raw.datestamp > newest):
                newest = raw.datestamp
            if raw.deleted:
                deleted.append(record_id(source.name, raw.identifier))
                continue
            try:
                records.append(to_record(source, raw, base_uri))
            except (NormaliseError, ValidationError, ValueError, TypeError, KeyError) as exc:
                errors.append(
                    HarvestError(
                        identifier=raw.identifier,
                        message=_error_message(exc),
                        stage="map",
                        snippet=_payload_snippet(raw.payload),
                    )
                )
    mapped.newest = newest
    return mapped


def _save_page(
    store: Store, run: HarvestRun, source: Source, page: Page, base_uri: str
) -> WriteCounts:
    """Map one page's records and write them, their errors and the checkpoint."""
    mapped = map_page(source, page, base_uri)
    # failed records are still at the source: seen, so never tombstoned for it
    seen = [record_id(source.name, e.identifier) for e in mapped.errors if e.identifier]
    with gc_paused():
        return store.save_page(
            run,
            mapped.records,
            mapped.deleted,
            mapped.errors,
            page.checkpoint,
            mapped.newest,
            seen_ids=seen,
        )


def run_harvest(
    store: Store,
    source: Source,
    fetcher: Fetcher,
    *,
    base_uri: str,
    full: bool = False,
    on_page: PageCallback | None = None,
    stop: threading.Event | None = None,
) -> HarvestRun:
    """Harvest ``source`` into ``store`` and return the finished run.

    Resumes the source's last run when it did not finish; otherwise starts a new
    one, incremental from the last datestamp seen unless ``full``. When ``stop`` is set
    the run ends after the page being written, as "interrupted" (it resumes next time).
    """
    harvester_class = get_harvester(source.kind)  # an unknown kind fails before any run starts
    run = store.resumable_run(source.name)
    resume = None
    if run is not None and (run.full or not full):
        resume = run.checkpoint
    else:
        since: datetime | None = None
        if not full and source.last_datestamp is not None:
            since = source.last_datestamp - OVERLAP
        run = store.start_run(source.name, full=full, since=since)
    # A resumed run asks what it first asked: its own pages have moved last_datestamp on.
    since = run.since
    # --full asks every document afresh: no validators, so no 304 can hide a change.
    validators = None if run.full else source.http_cache
    harvester = harvester_class(source, fetcher, validators=validators)
    pages = harvester.pages(since=since, resume=resume)
    try:
        with gc_deferred() as collect:
            for page in pages:
                counts = _save_page(store, run, source, page, base_uri)
                collect()
                if on_page is not None:
                    on_page(run, counts)
                if stop is not None and stop.is_set() and page.checkpoint is not None:
                    return store.finish_run(
                        run, status="interrupted", message="stopped; harvest again to resume"
                    )
    except KeyboardInterrupt:
        store.finish_run(run, status="interrupted", message="interrupted; harvest again to resume")
        raise
    except RegistryError as exc:
        store.finish_run(run, status="failed", message=exc.message)
        raise
    except Exception as exc:  # a bug in a harvester must not leave the run "running"
        store.finish_run(run, status="failed", message=f"unexpected error: {_error_message(exc)}")
        raise
    finally:
        close = getattr(pages, "close", None)
        if close is not None:  # a generator: stop its prefetching and free its resources
            close()
    finished = store.finish_run(
        run,
        status="partial" if run.failed else "succeeded",
        tombstone_unseen=harvester.listed_all,
    )
    if harvester.validators != source.http_cache:
        current = store.get_source(source.name)
        store.update_source(current.model_copy(update={"http_cache": harvester.validators}))
    return finished
