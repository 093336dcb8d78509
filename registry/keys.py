"""Publishers' API keys: made once, shown once, stored hashed, revocable.

A key reads ``reg_<prefix>_<secret>``: the prefix (8 characters) finds the key in the store
and names it in lists and the audit log; the secret (32 random bytes) is never stored,
only its SHA-256 hash (a random 256-bit secret needs no slow hash: there is nothing to
guess), compared in constant time. A key acts for one publisher: on that publisher's
sources and offers only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from registry.errors import InvalidRequest, Unauthorized
from registry.models import ApiKey
from registry.store import Store

__all__ = ["IssuedKey", "create_key", "verify_key"]

_PUBLISHER = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_KEY = re.compile(r"^reg_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str
    """The whole key, to give to the publisher: shown once, never stored."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(store: Store, publisher: str, *, label: str | None = None) -> IssuedKey:
    """A new key for ``publisher`` (a slug, as source names are)."""
    if not _PUBLISHER.match(publisher):
        raise InvalidRequest(
            "a publisher is 1-64 characters of lower-case letters, digits, '-', '_' or '.',"
            " starting with a letter or digit",
            parameter="publisher",
        )
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    while True:
        prefix = "".join(secrets.choice(alphabet) for _ in range(8))
        if store.find_key(prefix) is None:
            break
    secret_part = secrets.token_urlsafe(32)
    key = ApiKey(prefix=prefix, publisher=publisher, label=label, created=datetime.now(UTC))
    store.add_key(key, _digest(secret_part))
    return IssuedKey(key=key, secret=f"reg_{prefix}_{secret_part}")


def verify_key(store: Store, presented: str | None) -> ApiKey:
    """The active key a request presents; :class:`Unauthorized` for a missing, malformed,
    unknown, wrong or revoked one (all alike, so a caller learns nothing from the answer)."""
    if not presented:
        raise Unauthorized("this needs an API key: send `Authorization: Bearer <key>`")
    match = _KEY.match(presented.strip())
    found = store.find_key(match.group(1)) if match else None
    if match is None or found is None:
        raise Unauthorized("the API key is not valid")
    key, digest = found
    if not hmac.compare_digest(digest, _digest(match.group(2))) or not key.active:
        raise Unauthorized("the API key is not valid")
    store.touch_key(key.prefix)
    return key
