"""The open knowledge and IP registry.

Harvests institutions' feeds, normalises every licence statement, and serves the
result as search, linked data and feeds. The public names are re-exported here.
"""

from registry.errors import (
    ConfigurationError,
    Conflict,
    FeedError,
    FetchError,
    IndexBusy,
    InvalidRequest,
    NotFound,
    RegistryError,
    UnsafeURL,
    Withdrawn,
)
from registry.models import (
    CHALLENGES,
    Attribution,
    HarvestRun,
    IPOffer,
    LicenceRef,
    Source,
    Work,
    record_id,
)
from registry.settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "CHALLENGES",
    "Attribution",
    "ConfigurationError",
    "Conflict",
    "FeedError",
    "FetchError",
    "HarvestRun",
    "IPOffer",
    "IndexBusy",
    "InvalidRequest",
    "LicenceRef",
    "NotFound",
    "RegistryError",
    "Settings",
    "Source",
    "UnsafeURL",
    "Withdrawn",
    "Work",
    "__version__",
    "get_settings",
    "record_id",
]
