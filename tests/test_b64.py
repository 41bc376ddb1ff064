"""Body base64 (faas_bridge.b64): the standard library's results, with pybase64 or without it.

The standard library is the oracle: every text is decoded by both, and both
must accept it with the same bytes or both refuse it. pybase64 is stricter
about padding than ``base64.b64decode(validate=True)``; those texts must still
be accepted as the standard library accepts them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pybase64
import pytest

from faas_bridge import b64, wrap
from faas_bridge.devtools.emulators import aws_apigw_v2
from faas_bridge.devtools.emulators.base import HttpCall

LARGE = b64.LARGE
SIZES = [0, 1, 2, 3, 4, 57, 100, LARGE - 1, LARGE, LARGE + 1, LARGE + 2, 65_537, 1 << 20]


@pytest.fixture(params=["pybase64", "standard library"])
def codec(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with pybase64 loaded, then as if it were not installed."""
    monkeypatch.setattr(b64, "_fast", pybase64 if request.param == "pybase64" else False)
    return str(request.param)


def outcome(decode: Callable[[Any], bytes], text: str | bytes) -> tuple[str, bytes | None]:
    try:
        return "accepted", decode(text)
    except ValueError:
        return "refused", None


def stdlib_decode(text: str | bytes) -> bytes:
    """The oracle: the standard library's strict decode, refusing excess padding as
    RFC 4648 and ``binascii.a2b_base64(strict_mode=True)``'s documentation say
    (Python 3.13 does; 3.11 and 3.12 let ``"AAAA="`` through)."""
    ascii_text = text.encode("ascii") if isinstance(text, str) and text.isascii() else text
    if isinstance(ascii_text, bytes):
        data = ascii_text.rstrip(b"=")
        padding = len(ascii_text) - len(data)
        if padding > 2 or (padding and len(ascii_text) % 4):
            raise binascii.Error("Excess padding not allowed")
    return base64.b64decode(text, validate=True)


def mutations(seed: int, count: int) -> Iterator[str]:
    """Valid base64 of large bodies, with a few characters inserted, dropped or changed."""
    rng = random.Random(seed)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    odd = "=-_ \n\r\t.\x00\x7f\u00e9"
    for _ in range(count):
        text = base64.b64encode(rng.randbytes(rng.randint(LARGE, LARGE + 300))).decode()
        for _ in range(rng.randint(0, 3)):
            at = rng.randrange(len(text) + 1)
            char = rng.choice(odd + alphabet)
            kind = rng.random()
            if kind < 0.4:
                text = text[:at] + char + text[at:]
            elif kind < 0.7:
                text = text[:at] + text[at + 1 :]
            else:
                text = text[:at] + char + text[at + 1 :]
        yield text


@pytest.mark.parametrize("size", SIZES)
def test_encode_gives_the_standard_librarys_text(codec: str, size: int) -> None:
    data = random.Random(size).randbytes(size)
    assert b64.encode(data) == base64.b64encode(data).decode("ascii")
    assert b64.encode(bytearray(data)) == base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize("size", SIZES)
def test_decode_gives_back_what_was_encoded(codec: str, size: int) -> None:
    data = random.Random(size).randbytes(size)
    text = base64.b64encode(data).decode("ascii")
    assert b64.decode(text) == data
    assert b64.decode(text.encode("ascii")) == data


def test_decode_accepts_and_refuses_what_the_standard_library_does(codec: str) -> None:
    seen = {"accepted": 0, "refused": 0}
    for text in mutations(seed=6, count=600):
        expected = outcome(stdlib_decode, text)
        assert outcome(b64.decode, text) == expected, text[:40]
        seen[expected[0]] += 1
    assert min(seen.values()) > 50  # both verdicts were exercised


@pytest.mark.parametrize(
    "tail",
    [
        "=",  # padding after a complete group: accepted by the standard library
        "====",
        "QQ",  # a group missing its padding: refused
        "QQ=",
        " ",
        "\n",
        "\u00e9",  # not ASCII: refused (ValueError)
    ],
)
def test_padding_and_stray_characters_at_the_end(codec: str, tail: str) -> None:
    text = base64.b64encode(bytes(range(256)) * 33).decode() + tail  # 8448 bytes: no padding
    assert len(text) >= LARGE
    assert outcome(b64.decode, text) == outcome(stdlib_decode, text)


@pytest.mark.parametrize("extra", ["=", "==", "==="])
def test_excess_padding_is_refused_on_every_python(extra: str) -> None:
    # 8193 bytes encode with two '=' of their own; 8194 with one; 8196 with none.
    for size in (LARGE + 1, LARGE + 2, LARGE + 4, 1, 2, 3):
        text = base64.b64encode(bytes(size)).decode() + extra
        with pytest.raises(ValueError, match="Excess padding"):
            b64.decode(text)
        with pytest.raises(ValueError, match="Excess padding"):
            b64.decode(text.encode())
        assert b64.decode(text[: -len(extra)]) == bytes(size)


def test_pybase64_is_loaded_only_for_a_large_body(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(b64, "_fast", None)
    b64.encode(bytes(LARGE - 1))
    b64.decode(base64.b64encode(bytes(100)))
    assert b64._fast is None
    b64.encode(bytes(LARGE))
    assert b64._fast is pybase64


def test_without_pybase64_installed_the_standard_library_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(b64, "_fast", None)
    monkeypatch.setitem(sys.modules, "pybase64", None)  # import pybase64 -> ImportError
    data = bytes(range(256)) * 100
    assert b64.encode(data) == base64.b64encode(data).decode("ascii")
    assert b64._fast is False
    assert b64.decode(base64.b64encode(data)) == data


# -- Through the handler: large binary bodies both ways ---------------------------------


def digest_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers the SHA-256 of the request body, or 1 MiB of binary for GET /binary."""
    if environ["PATH_INFO"] == "/binary":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [random.Random(1).randbytes(1 << 20)]
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [hashlib.sha256(body).hexdigest().encode()]


def test_a_large_binary_reply_is_byte_exact(codec: str) -> None:
    handler = wrap(digest_app)
    reply = handler(aws_apigw_v2.build_event(HttpCall("GET", "/binary")), None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"], validate=True) == random.Random(1).randbytes(1 << 20)


def test_a_large_binary_request_reaches_the_app_byte_exact(codec: str) -> None:
    body = random.Random(2).randbytes(300_000)
    call = HttpCall("POST", "/upload", [("Content-Type", "application/octet-stream")], body)
    event = aws_apigw_v2.build_event(call)
    assert event["isBase64Encoded"] is True
    handler = wrap(digest_app)
    for _ in range(2):  # the general way, then the fast lane
        reply = handler(event, None)
        assert (reply["statusCode"], reply["body"]) == (200, hashlib.sha256(body).hexdigest())


def test_a_large_body_that_is_not_base64_is_answered_400(codec: str) -> None:
    call = HttpCall("POST", "/upload", [("Content-Type", "application/octet-stream")], bytes(LARGE))
    event = aws_apigw_v2.build_event(call)
    event["body"] = event["body"][:100] + "*" + event["body"][100:]
    handler = wrap(digest_app)
    for _ in range(2):
        reply = handler(event, None)
        assert reply["statusCode"] == 400
        assert "not valid base64" in reply["body"]
