"""The Accept parser, with real clients' headers."""

from __future__ import annotations

import pytest

from registry.api.negotiation import choose, parse_accept

OFFERED = ("application/json", "text/html")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Firefox and Chromium navigating to a page
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
            "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            "text/html",
        ),
        ("application/json", "application/json"),
        ("application/json, text/plain, */*", "application/json"),  # axios
        ("*/*", "application/json"),  # curl: ties go to the first offered type
        (None, "application/json"),
        ("", "application/json"),
        ("text/*", "text/html"),
        ("application/json;q=0.5, text/html;q=0.9", "text/html"),
        ("text/html;q=0, */*", "application/json"),
        ("text/turtle", None),
        ("application/json;q=0", None),
        ("garbage", None),
        ("text/html;q=abc, application/json", "application/json"),
    ],
)
def test_choose(header: str | None, expected: str | None) -> None:
    assert choose(header, OFFERED) == expected


def test_parse_accept_keeps_q_and_order() -> None:
    assert parse_accept("a/b;q=0.5, c/d") == [("a/b", 0.5, 0), ("c/d", 1.0, 1)]
    assert parse_accept("a/b;q=7") == [("a/b", 1.0, 0)]
