"""The reply check reads the usual reply in one pass and hands anything else to the general one.

Both must reach the same verdict on every reply: the same refusal with the
same message, or the same headers (hop-by-hop ones dropped), size and shape.
The general reading (``_check_headers``) is the oracle: it is what the check
did for every reply before the one-pass reading existed.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faas_bridge.errors import AppFailure
from faas_bridge.http import ReplyShape, Response, _check_headers, check_reply

NAMES = [
    "Content-Type",
    "content-type",
    "CONTENT-TYPE",
    "Content-Length",
    "content-length",
    "Content-Encoding",
    "Set-Cookie",
    "set-cookie",
    "Connection",
    "Transfer-Encoding",
    "Vary",
    "X-Trace",
    "x-trace",
    "X\nSet-Cookie",  # a newline: two names once written out
    "\u212a-Type",  # the Kelvin sign, which lower-cases to a token's "k"
    "",
    "a b",
    "caf\xe9",
]
VALUE_CHARS = "ab 09\t\r\n\x00\x7f\xe9\xb2\u0100"


def _pair(kind: str, name: Any, value: Any) -> Any:
    if kind == "list":
        return [name, value]
    if kind == "triple":
        return (name, value, value)
    if kind == "bare":
        return name
    return (name, value)


names = st.one_of(st.sampled_from(NAMES), st.just(7), st.just(b"Vary"))
values = st.one_of(st.text(VALUE_CHARS, max_size=6), st.just(5), st.sampled_from(["12", " 3 "]))
kinds = st.sampled_from(["tuple"] * 12 + ["list", "triple", "bare"])
pairs = st.builds(_pair, kinds, names, values)


def _outcome(check: Any, headers: list[Any]) -> tuple[Any, ...]:
    response = Response(200, list(headers), b"body")
    try:
        size = check(response)
    except AppFailure as exc:
        return ("refused", type(exc), str(exc))
    return ("sent", size, response.headers, response.shape)


@settings(max_examples=400, deadline=None)
@given(st.lists(pairs, min_size=1, max_size=6))
def test_the_one_pass_reading_reaches_the_general_readings_verdict(headers: list[Any]) -> None:
    assert _outcome(check_reply, headers) == _outcome(_check_headers, headers)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([("X\nSet-Cookie", "pwned=1")], "the header name 'X\\nSet-Cookie' is not an HTTP token"),
        ([("\u212a-Type", "x")], "the header name '\u212a-Type' is not an HTTP token"),
        ([("Vary", "a"), (7, "b")], "pairs of strings: a name is a int"),
        ([("Vary", "a"), ("X", "b", "c")], "pairs of strings: one is a tuple"),
        ([("Vary", "a"), ("X", 1)], "pairs of strings: the value of 'X' is a int"),
        ([("X-A", "a\nb")], "the value of the X-A header holds a control character"),
        ([("Content-Length", "1"), ("content-length", "1")], "Content-Length is given 2 times"),
        ([("Content-Length", "\xb2")], "Content-Length must be digits"),
        ([("Content-Length", "")], "Content-Length must be digits"),
    ],
)
def test_what_the_one_pass_reading_passes_on_is_refused_as_before(
    headers: list[Any], message: str
) -> None:
    with pytest.raises(AppFailure) as caught:
        check_reply(Response(200, headers))
    assert message in str(caught.value)


def test_the_usual_reply_is_read_in_one_pass_with_its_facts() -> None:
    # Counted by hand: names 12+14+4 characters, two newlines, values 9+1+6.
    response = Response(
        200, [("Content-Type", "text/html"), ("Content-Length", "2"), ("Vary", "Cookie")]
    )
    assert check_reply(response) == 12 + 14 + 4 + 2 + 9 + 1 + 6
    assert response.shape == ReplyShape(
        length_at=1, type_at=0, distinct=("Content-Type", "Content-Length", "Vary")
    )


def test_what_the_general_reading_accepts_is_sent_as_before() -> None:
    # A tab and latin-1 in a value, a padded Content-Length, list pairs, a
    # hop-by-hop header to drop: each sent, none read in one pass.
    headers: list[Any] = [
        ["Content-Type", "text/plain"],
        ("X-Note", "caf\xe9\tbar"),
        ("Content-Length", " 4 "),
        ("Keep-Alive", "timeout=5"),
    ]
    response = Response(200, headers)
    assert check_reply(response) > 0
    assert response.headers == [  # rebuilt without the hop-by-hop one, as tuples
        ("Content-Type", "text/plain"),
        ("X-Note", "caf\xe9\tbar"),
        ("Content-Length", " 4 "),
    ]
    assert response.shape is not None and response.shape.length_at == 2
