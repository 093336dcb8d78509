"""Resumption tokens that need no server state, so they survive a restart.

A token is the whole state of a listing, written out: the verb, the request's
metadataPrefix, set, from and until (as the harvester wrote them), the sequence number
of the last record sent, how many records were sent before the next page (the
``cursor``) and, when it was cheap to count, the size of the complete list. The store's
change feed lists records in sequence order, so "the records after sequence number N
that match" is the next page however long ago the token was given, and by whichever
process; a record changed in the meantime moves to the end of the list and is met
there, none is skipped.

Format: ``base64url(JSON) "." base64url(check)``, where the check is a keyed BLAKE2b
hash of the JSON under a key derived from the registry's base URI. Tokens give no
privilege (they list what anyone may list), so the check is there to tell a garbled,
forged or foreign token (badResumptionToken) from a good one, not to keep a secret.

=====  ===================================================
key    meaning
=====  ===================================================
``v``  format version (1)
``m``  the verb: ``ListRecords`` or ``ListIdentifiers``
``p``  metadataPrefix
``s``  set, or null
``f``  from, or null
``u``  until, or null
``a``  the sequence number of the last record sent
``c``  cursor: how many records were sent before the next page
``n``  completeListSize, or null when it was not counted
=====  ===================================================
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["ListState", "TokenCodec", "TokenError"]

_VERSION = 1
_CHECK_BYTES = 12


class TokenError(ValueError):
    """A token this repository did not give, or that was damaged on the way."""


@dataclass(frozen=True, slots=True)
class ListState:
    """Where a list request stands: its arguments and how far it got."""

    verb: str
    prefix: str
    set: str | None = None
    since: str | None = None
    until: str | None = None
    after: int = 0
    cursor: int = 0
    size: int | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenCodec:
    """Writes and reads the tokens of one registry (one base URI)."""

    def __init__(self, base_uri: str) -> None:
        self._key = hashlib.blake2b(
            f"oai-pmh resumption token\x1f{base_uri}".encode(), digest_size=32
        ).digest()

    def _check(self, body: str) -> str:
        digest = hashlib.blake2b(body.encode(), key=self._key, digest_size=_CHECK_BYTES)
        return _b64(digest.digest())

    def encode(self, state: ListState) -> str:
        data = {
            "v": _VERSION,
            "m": state.verb,
            "p": state.prefix,
            "s": state.set,
            "f": state.since,
            "u": state.until,
            "a": state.after,
            "c": state.cursor,
            "n": state.size,
        }
        body = _b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{body}.{self._check(body)}"

    def decode(self, token: str) -> ListState:
        """The state a token carries; :class:`TokenError` for any other string."""
        body, dot, check = token.partition(".")
        if not dot or not hmac.compare_digest(check, self._check(body)):
            raise TokenError("the token is not one this repository gave, or it was altered")
        try:
            data: Any = json.loads(_unb64(body))
            state = ListState(
                verb=_text(data["m"]),
                prefix=_text(data["p"]),
                set=_optional(data["s"]),
                since=_optional(data["f"]),
                until=_optional(data["u"]),
                after=_count(data["a"]),
                cursor=_count(data["c"]),
                size=None if data["n"] is None else _count(data["n"]),
            )
            version = data["v"]
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise TokenError(f"the token cannot be read ({exc})") from None
        if version != _VERSION:
            raise TokenError(f"the token is of another version ({version!r})")
        return state


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not text")
    return value


def _optional(value: Any) -> str | None:
    return None if value is None else _text(value)


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("not a count")
    return value
