"""The registry's exceptions.

::

    RegistryError                 one base class to catch
    ├── ConfigurationError        settings that cannot work
    ├── NotFound                  an unknown record, source or run
    │   └── Withdrawn             a record its source withdrew (a tombstone)
    ├── Unauthorized              no credentials, or unknown ones
    ├── Forbidden                 credentials that do not allow the request
    ├── Conflict                  a source name already taken, a harvest already running
    ├── InvalidRequest            bad input from a user (a filter, a page size, a cursor)
    ├── UnsafeURL                 a feed URL that points at a private address or a refused scheme
    ├── FetchError                a feed could not be fetched (after retries)
    ├── FeedError                 a feed answered with something the harvester cannot read
    ├── IndexBusy                 another process holds the search index's writer
    └── EngineUnavailable         a distributed engine (PostgreSQL, OpenSearch...) does not answer

Each carries its context in keyword-only fields next to the message.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every error the registry raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(RegistryError):
    pass


class NotFound(RegistryError):
    def __init__(self, message: str, *, kind: str, key: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.key = key


class Withdrawn(NotFound):
    def __init__(self, message: str, *, key: str, withdrawn: str) -> None:
        super().__init__(message, kind="record", key=key)
        self.withdrawn = withdrawn


class Unauthorized(RegistryError):
    """The request carries no credentials, or ones the registry does not know (HTTP 401)."""


class Forbidden(RegistryError):
    """The credentials do not allow this (HTTP 403)."""


class Conflict(RegistryError):
    pass


class InvalidRequest(RegistryError):
    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class InvalidContent(InvalidRequest):
    """A request body that breaks the rules of its format; ``errors`` lists every field
    error as ``{field, message}`` (HTTP 422)."""

    def __init__(self, what: str, errors: list[dict[str, str]]) -> None:
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{what} is not valid: {summary}{more}")
        self.errors = errors


class TooManyRequests(RegistryError):
    """Over a rate limit (HTTP 429); ``retry_after`` says how many seconds to wait."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnsafeURL(RegistryError):
    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class FetchError(RegistryError):
    """``body``: the start of an HTTP error answer (some feeds explain themselves there:
    Zenodo sends OAI-PMH errors with status 422, CKAN its validation messages)."""

    def __init__(
        self, message: str, *, url: str, status: int | None = None, body: bytes | None = None
    ) -> None:
        super().__init__(message)
        self.body = body
        self.url = url
        self.status = status


class FeedError(RegistryError):
    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class IndexBusy(RegistryError):
    pass


class EngineUnavailable(RegistryError):
    """A distributed engine does not answer or refuses the request (HTTP 503): the store
    keeps every change and the projections catch up when it is back."""

    def __init__(self, message: str, *, engine: str) -> None:
        super().__init__(message)
        self.engine = engine
