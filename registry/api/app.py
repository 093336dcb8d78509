"""The HTTP API and web page: an app factory over one :class:`~registry.core.Registry`."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.api import licences, linked_data, oai, offers, routes, sparql, web
from registry.core import Registry
from registry.errors import (
    Conflict,
    EngineUnavailable,
    Forbidden,
    IndexBusy,
    InvalidContent,
    InvalidRequest,
    NotFound,
    RegistryError,
    TooManyRequests,
    Unauthorized,
    UnsafeURL,
    Withdrawn,
)
from registry.settings import Settings, get_settings

__all__ = ["create_app"]

log = logging.getLogger("registry.api")

_STATUS: dict[type[RegistryError], int] = {
    Withdrawn: 410,
    InvalidContent: 422,
    TooManyRequests: 429,
    InvalidRequest: 400,
    UnsafeURL: 400,
    NotFound: 404,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    IndexBusy: 503,
    EngineUnavailable: 503,
}


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem-details response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


class IndexFollower:
    """Keeps the search index up to date with the store, in a background thread.

    It holds the index's one writer; harvests run by other processes only write the
    store, and this thread indexes their changes within ``index_poll_seconds``.
    """

    def __init__(self, registry: Registry, interval: float) -> None:
        self.registry = registry
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
        self._warned = False

    def start(self) -> None:
        self._take_writer()
        self._thread.start()

    def _take_writer(self) -> bool:
        backend = self.registry.search_backend
        if backend.holds_writer:
            return True
        try:
            backend.acquire_writer()
        except IndexBusy:
            if not self._warned:
                log.warning("another process holds the search index writer; waiting for it")
                self._warned = True
            return False
        return True

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._take_writer():
                    self.registry.refresh_index()
            except Exception:  # a broken change must not kill the follower; it is logged
                log.exception("indexing the change feed failed; retrying")
            self._wake.wait(self.interval)
            self._wake.clear()


def create_app(
    settings: Settings | None = None,
    *,
    registry: Registry | None = None,
    follow_changes: bool | None = None,
    schedule_harvests: bool | None = None,
) -> FastAPI:
    """The application. Pass a ``registry`` to share one (tests, ``registry demo``);
    otherwise one is opened from ``settings`` when the app starts.

    ``follow_changes`` (default: the ``follow_changes`` setting): index the store's changes
    in the background (holding the index writer). ``schedule_harvests`` (default: the ``harvest_scheduler`` setting, when
    following changes): run due harvests in the background.
    """
    settings = settings or (registry.settings if registry else get_settings())
    owns_registry = registry is None
    follow = settings.follow_changes if follow_changes is None else follow_changes

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reg = app.state.registry if app.state.registry is not None else Registry(settings)
        app.state.registry = reg
        follower = None
        if follow:
            follower = IndexFollower(reg, settings.index_poll_seconds)
            follower.start()
        app.state.follower = follower
        scheduler = None
        schedule = schedule_harvests
        if schedule is None:
            schedule = follow and settings.harvest_scheduler
        if schedule:
            poke = follower.poke if follower is not None else None
            scheduler = reg.scheduler(on_harvest=(lambda run: poke()) if poke else None)
            scheduler.start()
        app.state.scheduler = scheduler
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            if follower is not None:
                follower.stop()
            if owns_registry:
                reg.close()
                app.state.registry = None

    app = FastAPI(
        title="Open knowledge and IP registry",
        version="0.1.0",
        description=(
            "Rights-free knowledge and open-innovation IP, harvested from institutions' feeds,"
            " with every licence normalised and the attribution it asks for."
        ),
        lifespan=lifespan,
    )
    app.state.registry = registry
    app.state.settings = settings

    @app.exception_handler(RegistryError)
    async def _registry_error(request: Request, exc: RegistryError) -> JSONResponse:
        status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 500)
        extra: dict[str, Any] = {}
        if isinstance(exc, InvalidRequest) and exc.parameter:
            extra["parameter"] = exc.parameter
        if isinstance(exc, Withdrawn):
            extra.update(id=exc.key, withdrawn=exc.withdrawn)
        if isinstance(exc, InvalidContent):
            extra["errors"] = exc.errors
        headers = {"WWW-Authenticate": 'Bearer realm="registry"'} if status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        if isinstance(exc, EngineUnavailable):
            headers = {"Retry-After": "10"}
        if status >= 500:
            log.error("request failed: %s", exc.message)
        response = problem(status, _title(status), exc.message, **extra)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "parameter": ".".join(
                    str(p) for p in err["loc"] if p not in ("query", "path", "body")
                ),
                "detail": err["msg"],
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors)
        return problem(400, "Bad Request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, _title(exc.status_code), str(exc.detail))

    app.include_router(routes.router)
    app.include_router(licences.router)
    app.include_router(linked_data.router)
    app.include_router(oai.router)
    app.include_router(offers.router)
    app.include_router(sparql.router)
    app.include_router(web.router)
    return app


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
