"""OAI-PMH 2.0 protocol facts, and reading a request's arguments.

Which arguments each verb takes (section 4 of the protocol):

=======================  ==================================  ============================
verb                     required                            optional
=======================  ==================================  ============================
``Identify``             (none)                              (none)
``ListMetadataFormats``  (none)                              ``identifier``
``ListSets``             (none)                              (none)
``GetRecord``            ``identifier``, ``metadataPrefix``  (none)
``ListIdentifiers``      ``metadataPrefix``                  ``from``, ``until``, ``set``
``ListRecords``          ``metadataPrefix``                  ``from``, ``until``, ``set``
=======================  ==================================  ============================

``resumptionToken`` is the exclusive argument of ListSets, ListIdentifiers and ListRecords.
An exclusive argument comes alone (with the verb) and replaces the required ones.

The error conditions (section 3.6), all answered with HTTP 200:

===========================  ===========================================================
``badVerb``                  the verb is missing, repeated, or not one of the six
``badArgument``              an argument is unknown, missing, repeated, empty, or has an
                             illegal value (a malformed date, from and until of different
                             granularities, from later than until, a malformed set)
``badResumptionToken``       the token is not one this repository gave (or is garbled)
``cannotDisseminateFormat``  the metadataPrefix is not one the repository offers
``idDoesNotExist``           the identifier is unknown or illegal in this repository
``noRecordsMatch``           from, until and set select nothing
===========================  ===========================================================

After badVerb and badArgument the response's ``request`` element holds the base URL
only; after the others it names the request's arguments whose values are well-formed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

__all__ = [
    "ARGUMENTS",
    "DAY",
    "SECONDS",
    "OAIError",
    "Request",
    "Window",
    "datestamp",
    "parse_window",
    "read_request",
]

#: verb -> (required arguments, optional arguments, exclusive argument)
ARGUMENTS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
}

#: The two granularities, as Identify names them.
DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

# The XML Schema's patterns for the values the request element echoes.
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(?::[A-Za-z0-9\-_.!~*'()]+)*")
METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")
# Characters XML 1.0 does not allow anywhere in a document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class OAIError(Exception):
    """An OAI-PMH error condition: its ``code`` and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(slots=True)
class Request:
    """A request whose verb and argument names are valid for that verb."""

    verb: str
    arguments: dict[str, str]
    echo: dict[str, str] = field(default_factory=dict)
    """The arguments (and verb) the response's request element may name."""


def read_request(pairs: Iterable[tuple[str, str]]) -> tuple[Request | None, OAIError | None]:
    """The request in ``pairs`` (name, value; repeats kept), or the badVerb or
    badArgument error it earns."""
    verbs: list[str] = []
    arguments: dict[str, str] = {}
    repeated: list[str] = []
    for name, value in pairs:
        if name == "verb":
            verbs.append(value)
        elif name in arguments:
            repeated.append(name)
        else:
            arguments[name] = value
    if not verbs:
        return None, OAIError("badVerb", "the verb argument is missing")
    if len(verbs) > 1:
        return None, OAIError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    if verb not in ARGUMENTS:
        shown = xml_text(verb)[:100]
        return None, OAIError(
            "badVerb", f"{shown!r} is not an OAI-PMH verb; the verbs are {', '.join(ARGUMENTS)}"
        )
    problem = _argument_problem(verb, arguments, repeated)
    if problem is not None:
        return None, OAIError("badArgument", problem)
    return Request(verb, arguments, echo=_echo(verb, arguments)), None


def _argument_problem(verb: str, arguments: dict[str, str], repeated: list[str]) -> str | None:
    required, optional, exclusive = ARGUMENTS[verb]
    if repeated:
        return f"the argument {repeated[0]!r} is repeated"
    allowed = required | optional | ({exclusive} if exclusive else set())
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) or "no other argument"
        return f"{verb} does not take the argument {xml_text(unknown[0])[:100]!r}; it takes {takes}"
    empty = sorted(name for name, value in arguments.items() if not value.strip())
    if empty:
        return f"the argument {empty[0]!r} has no value"
    if exclusive and exclusive in arguments:
        others = sorted(set(arguments) - {exclusive})
        if others:
            return f"{exclusive} is an exclusive argument: it cannot come with {others[0]!r}"
        return None
    missing = sorted(required - set(arguments))
    if missing:
        return f"{verb} requires the argument {missing[0]!r}"
    return None


def _echo(verb: str, arguments: dict[str, str]) -> dict[str, str]:
    """The arguments whose values the request element can carry (the schema types them)."""
    echo = {"verb": verb}
    for name, value in arguments.items():
        well_formed = _WELL_FORMED.get(name)
        if well_formed is not None and well_formed(value):
            echo[name] = value
    return echo


#: argument -> whether a value fits the type the schema gives the request element's attribute
_WELL_FORMED: dict[str, Callable[[str], bool]] = {
    "metadataPrefix": lambda value: METADATA_PREFIX.fullmatch(value) is not None,
    "set": lambda value: SET_SPEC.fullmatch(value) is not None,
    "from": lambda value: _granularity(value) is not None,
    "until": lambda value: _granularity(value) is not None,
    "identifier": lambda value: _URI.fullmatch(value) is not None,
    "resumptionToken": lambda value: value == xml_text(value),
}


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (control characters, lone
    surrogates, U+FFFE and U+FFFF): what any text put in a response goes through."""
    return _NOT_XML.sub("", value)


# --- datestamps ------------------------------------------------------------------------


def datestamp(moment: datetime) -> str:
    """A moment as an OAI-PMH datestamp (seconds granularity, UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Window:
    """Selective harvesting by datestamp: records changed in [since, until], both
    inclusive (``until`` already extended to the end of its second or day)."""

    since: datetime | None = None
    until: datetime | None = None


def _granularity(value: str) -> str | None:
    if _DAY.fullmatch(value):
        return DAY
    if _SECONDS.fullmatch(value):
        return SECONDS
    return None


def _moment(name: str, value: str) -> tuple[datetime, str]:
    """The start of the day or second ``value`` names, and its granularity."""
    granularity = _granularity(value)
    try:
        if granularity == DAY:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), DAY
        if granularity == SECONDS:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), SECONDS
    except ValueError:
        pass
    raise OAIError(
        "badArgument",
        f"{name} is a date (YYYY-MM-DD) or a UTC time (YYYY-MM-DDThh:mm:ssZ),"
        f" not {xml_text(value)[:40]!r}",
    )


def parse_window(since: str | None, until: str | None) -> Window:
    """``from`` and ``until`` as a :class:`Window`; badArgument for a malformed value,
    two granularities, or ``from`` later than ``until``. ``until`` includes its whole
    second (seconds granularity) or its whole day (day granularity)."""
    start = end = None
    if since is not None:
        start, start_granularity = _moment("from", since)
    if until is not None:
        end, end_granularity = _moment("until", until)
    if start is not None and end is not None:
        if start_granularity != end_granularity:
            raise OAIError(
                "badArgument", "from and until must have the same granularity (day or seconds)"
            )
        if start > end:
            raise OAIError("badArgument", "from is later than until")
    if end is not None:
        step = timedelta(days=1) if end_granularity == DAY else timedelta(seconds=1)
        end = end + step - timedelta(microseconds=1)
    return Window(since=start, until=end)
