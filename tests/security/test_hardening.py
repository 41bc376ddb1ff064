"""Hostile headers, oversized bodies, failing apps: each gets its defined reply.

Every test runs through every adapter (each variant its module's
``build_event`` offers), and reads the reply as the vendor's client would
receive it (``vendor_replies.http_response``): the guarantees hold for all of
them because the handler enforces them once, centrally.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from faas_bridge import FaasBridgeError, MalformedEvent, wrap
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.errors import (
    AppFailure,
    ConfigurationError,
    ReplyRejected,
    ReplyTooLarge,
    RequestTooLarge,
    UnrecognisedEvent,
)
from faas_bridge.http import ReplyShape, Response, check_reply, reply_shape
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES, load_platforms
from faas_bridge.platforms.aws_apigw_v2 import APIGatewayV2
from faas_bridge.platforms.aws_edge import ResponseTriggerEvent, TruncatedBody
from support.fuzz_events import BUILDERS, call_context, materialize
from support.vendor_replies import header_values, http_response

PLATFORMS = {p.name: p for p in load_platforms(Options())}
VARIANTS = [
    pytest.param(name, build, id=f"{name}-{variant}" if variant else name)
    for name in NAMES
    for variant, build in BUILDERS.get(name, [])
]
Build = Callable[[HttpCall], Any]
Reply = tuple[int, list[tuple[str, str]], bytes]


def invoke(
    app: Any, vendor: str, build: Build, call: HttpCall | None = None, **options: Any
) -> Reply:
    """One request through the vendor's event, the handler, and back as the client sees it."""
    handler = wrap(app, **options)
    try:
        event, context = call_context(materialize(build(call or HttpCall())), vendor)
        reply = handler(copy.copy(event), context)
        return http_response(vendor, reply, event, context)
    finally:
        handler.shutdown()


def fixed(status: str, headers: list[Any], body: bytes = b"ok") -> Any:
    """A WSGI app that always answers the same thing (whatever the types)."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        start_response(status, headers)
        return [body]

    return app


class ErrorLines:
    """The faas_bridge log lines at ERROR and above so far."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def lines(self) -> list[str]:
        return [r.getMessage() for r in self.caplog.records if r.levelno >= logging.ERROR]

    def __len__(self) -> int:
        return len(self.lines())

    def __getitem__(self, index: int) -> str:
        return self.lines()[index]


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[ErrorLines]:
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        yield ErrorLines(caplog)


# -- The exception hierarchy --------------------------------------------------------


def test_every_error_is_a_faas_bridge_error_with_its_status() -> None:
    assert issubclass(RequestTooLarge, MalformedEvent)
    assert issubclass(TruncatedBody, RequestTooLarge)
    assert issubclass(ReplyTooLarge, ReplyRejected) and issubclass(ReplyRejected, AppFailure)
    for cls in (
        ConfigurationError,
        UnrecognisedEvent,
        MalformedEvent,
        AppFailure,
        ResponseTriggerEvent,
    ):
        assert issubclass(cls, FaasBridgeError)
    statuses = [(c, c.status) for c in (MalformedEvent, RequestTooLarge, AppFailure, ReplyRejected)]
    assert statuses == [
        (MalformedEvent, 400),
        (RequestTooLarge, 413),
        (AppFailure, 500),
        (ReplyRejected, 502),
    ]
    assert ReplyTooLarge.status == TruncatedBody.status - 413 + 502 == 502


def test_messages_are_short_and_always_encodable() -> None:
    exc = MalformedEvent("x" * 5000, "headers." + "\ud800" * 3000)
    text = str(exc)
    assert len(text) < 1000
    text.encode("utf-8")  # the lone surrogates are escaped
    assert "\\ud800" in text
    unrecognised = str(UnrecognisedEvent({f"k{i}": 1 for i in range(10_000)}, ["a"]))
    assert "(9980 more)" in unrecognised and len(unrecognised) < 1000
    assert UnrecognisedEvent({}, iter(["a", "b"])).tried == ("a", "b")


# -- Header safety in replies: checked once, for every adapter ---------------------

BAD_REPLY_HEADERS = [
    pytest.param(("X-Evil", "a\r\nSet-Cookie: pwned=1"), id="CRLF in value"),
    pytest.param(("X-Evil", "a\nSet-Cookie: pwned=1"), id="LF in value"),
    pytest.param(("X-Evil", "a\rSet-Cookie: pwned=1"), id="CR in value"),
    pytest.param(("X-Evil", "pwned\x00"), id="NUL in value"),
    pytest.param(("X-Evil\r\nSet-Cookie", "pwned=1"), id="CRLF in name"),
    pytest.param(("Set-Cookie: pwned", "1"), id="colon in name"),
    pytest.param(("X Evil", "pwned"), id="space in name"),
    pytest.param(("", "pwned"), id="empty name"),
    pytest.param(("X-Evil", 12), id="int value"),
    pytest.param((b"X-Evil", "pwned"), id="bytes name"),
    pytest.param(("X-Evil", "pwned \u20ac"), id="beyond latin-1"),
]


@pytest.mark.parametrize("bad", BAD_REPLY_HEADERS)
@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_a_reply_header_that_is_not_http_is_a_500(
    vendor: str, build: Build, bad: tuple[Any, Any], errors: ErrorLines
) -> None:
    app = fixed("200 OK", [("Content-Type", "text/plain"), bad], b"the app's reply")
    status, headers, body = invoke(app, vendor, build)
    assert status == 500
    assert b"the app's reply" not in body and b"pwned" not in body
    for name, value in headers:
        assert "pwned" not in name + value and "evil" not in name.lower()
    assert len(errors) == 1 and "header" in errors[0]
    if "pwned" in str(bad[1]):
        assert "pwned" not in errors[0]  # the value, which may be a secret, is not logged


@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_hop_by_hop_headers_are_dropped(vendor: str, build: Build) -> None:
    # RFC 9110 7.6.1 (Connection, TE, Transfer-Encoding, Upgrade, and the legacy
    # Keep-Alive and Proxy-Connection), and Trailer: what gunicorn drops too.
    hop = [
        ("Connection", "close"),
        ("Keep-Alive", "timeout=5"),
        ("Proxy-Connection", "keep-alive"),
        ("Transfer-Encoding", "chunked"),
        ("TE", "trailers"),
        ("Trailer", "Expires"),
        ("Upgrade", "h2c"),
    ]
    app = fixed("200 OK", [("Content-Type", "text/plain"), *hop, ("X-Kept", "yes")])
    status, headers, body = invoke(app, vendor, build)
    assert (status, body) == (200, b"ok")
    assert header_values(headers, "x-kept") == ["yes"]
    dropped = {name.lower() for name, _ in hop}
    assert not [name for name, _ in headers if name.lower() in dropped]


@pytest.mark.parametrize(
    "lengths",
    # "\u00b2" (superscript two) is latin-1 and str.isdigit() says yes, but it is no
    # DIGIT of RFC 9110's Content-Length = 1*DIGIT: gunicorn's int() refuses it too.
    [["2", "2"], ["2", "3"], ["two"], [" 2x "], ["\u00b2"]],
    ids=["twice", "conflicting", "not digits", "padded junk", "superscript digit"],
)
@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_a_bad_content_length_is_a_500(
    vendor: str, build: Build, lengths: list[str], errors: ErrorLines
) -> None:
    app = fixed("200 OK", [("Content-Length", n) for n in lengths])
    status, _, body = invoke(app, vendor, build)
    assert status == 500 and b"ok" not in body
    assert len(errors) == 1 and "Content-Length" in errors[0]


@pytest.mark.parametrize(
    ("status_line", "expected"),
    [("600 Beyond", 502), ("199 Early", 502), ("099 Tiny", 502), ("abc OK", 500)],
)
def test_a_status_no_vendor_delivers(status_line: str, expected: int) -> None:
    for vendor, build in [("aws-apigw-v2", BUILDERS["aws-apigw-v2"][0][1])]:
        status, _, body = invoke(fixed(status_line, []), vendor, build)
        assert status == expected
        if expected == 502:
            assert f"status {int(status_line[:3])}".encode() in body


def test_check_reply_refuses_what_no_bridge_should_pass() -> None:
    with pytest.raises(AppFailure, match="integer"):
        check_reply(Response("200", []))  # type: ignore[arg-type]
    with pytest.raises(AppFailure, match="integer"):
        check_reply(Response(True, []))
    with pytest.raises(AppFailure, match="pairs of strings"):
        check_reply(Response(200, [("a", "b", "c")]))  # type: ignore[list-item]
    with pytest.raises(AppFailure, match="pairs of strings: one is a tuple"):
        check_reply(Response(200, [("a", "b"), ("c", "d", "e")]))  # type: ignore[list-item]
    with pytest.raises(AppFailure, match="the value of 'x' is a int"):
        check_reply(Response(200, [("a", "b"), ("x", 1)]))  # type: ignore[list-item]
    with pytest.raises(AppFailure, match="one is a int"):
        check_reply(Response(200, [("a", "b"), 7]))  # type: ignore[list-item]
    # A newline inside a name would pass for two names once they are joined.
    with pytest.raises(AppFailure, match="not an HTTP token"):
        check_reply(Response(200, [("X\nSet-Cookie", "pwned=1")]))
    response = Response(200, [("Connection", "close"), ("X", "1"), ("Content-Length", "1")])
    assert check_reply(response) == len("Connection\nX\nContent-Length") + len("close11")
    assert response.headers == [("X", "1"), ("Content-Length", "1")]


def test_a_reply_shape_groups_names_without_case_and_finds_the_headers_that_matter() -> None:
    headers = [
        ("Set-Cookie", "a=1"),
        ("content-type", "text/plain"),
        ("X-Trace", "t"),
        ("SET-COOKIE", "b=2"),
        ("Content-Encoding", "gzip"),
        ("Content-Type", "text/html"),
        ("Content-Length", "3"),
    ]
    response = Response(200, list(headers), b"abc")
    check_reply(response)
    assert response.shape == ReplyShape(
        length_at=6,
        hop_by_hop=False,
        type_at=1,
        encoding_at=4,
        groups=(
            ("Set-Cookie", (0, 3)),
            ("content-type", (1, 5)),
            ("X-Trace", (2,)),
            ("Content-Encoding", (4,)),
            ("Content-Length", (6,)),
        ),
    )
    # A reply faas_bridge did not check (its own) gets its shape on demand.
    assert reply_shape(Response(200, list(headers))) == response.shape
    assert reply_shape(Response(204)) == ReplyShape()
    # Hop-by-hop headers dropped: the shape is that of what is left.
    response = Response(200, [("Connection", "close"), ("Content-Type", "text/plain")])
    check_reply(response)
    assert response.shape == ReplyShape(type_at=0, distinct=("Content-Type",))
    # Names that neither repeat (in any case) nor set a cookie map one to one.
    response = Response(200, [("Content-Type", "a"), ("X-A", "b"), ("x-b", "c")])
    check_reply(response)
    assert response.shape is not None
    assert response.shape.distinct == ("Content-Type", "X-A", "x-b")
    for names in (["X-A", "x-a"], ["Set-Cookie"], ["set-cookie", "X-A"]):
        response = Response(200, [(name, "v") for name in names])
        check_reply(response)
        assert response.shape is not None and response.shape.distinct is None, names


#: Vendors whose own WSGI server writes the reply's headers (as it writes them).
SERVER_WRITTEN = {"gcp", "aliyun-fc2"}


@pytest.mark.parametrize(
    ("vendor", "build"), [v for v in VARIANTS if v.values[0] not in SERVER_WRITTEN]
)
def test_distinct_reply_headers_arrive_trimmed_one_value_each(vendor: str, build: Build) -> None:
    headers = [("Content-Type", "text/plain "), ("X-Pad", " padded \t"), ("x-other", "v")]
    status, got, body = invoke(fixed("200 OK", headers), vendor, build)
    assert status == 200 and body == b"ok"
    assert header_values(got, "x-pad") == ["padded"]
    assert header_values(got, "x-other") == ["v"]
    assert header_values(got, "content-type") == ["text/plain"]


def test_asgi_header_bytes_with_crlf_are_a_500() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"x-evil", b"1\r\nSet-Cookie: pwned=1")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok"})

    status, headers, _ = invoke(app, "aws-alb", BUILDERS["aws-alb"][0][1], lifespan="off")
    assert status == 500 and not header_values(headers, "set-cookie")


# -- Request headers and methods that no HTTP client can send ---------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (("X-Evil", "a\r\nb"), b"X-Evil"),
        (("X-Evil", "a\x00b"), b"X-Evil"),
    ],
    ids=["CRLF", "NUL"],
)
@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_request_header_values_with_crlf_or_nul_are_a_400(
    vendor: str, build: Build, header: tuple[str, str], message: bytes
) -> None:
    from support.echo_apps import wsgi_app

    call = HttpCall("GET", "/", [header])
    try:
        status, _, body = invoke(wsgi_app, vendor, build, call)
    except ValueError:
        # Werkzeug, under Google's functions-framework, refuses to build a request
        # with a newline in a header value: such a request never reaches us there.
        assert vendor == "gcp" and "\n" in header[1]
        return
    assert status == 400
    assert message.lower() in body.lower() and b"NUL, CR or LF" in body


def test_a_method_that_is_not_a_token_is_a_400() -> None:
    from support.echo_apps import wsgi_app

    build = BUILDERS["aws-apigw-v2"][0][1]
    status, _, body = invoke(wsgi_app, "aws-apigw-v2", build, HttpCall("GET /x HTTP/1.1"))
    assert status == 400 and b"method: expected an HTTP method" in body


# -- Size limits -------------------------------------------------------------------


def length_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers the body's length only, so a big request makes a small reply."""
    size = len(environ["wsgi.input"].read())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(size).encode()]


#: The largest request body each vendor passes to a function, in bytes, written
#: from the vendors' documents (never read from the adapters: a wrong constant
#: there must fail here). "MB" is 1024 * 1024 bytes where the vendor's own
#: messages give the figure.
REQUEST_LIMITS: dict[str, tuple[int, str]] = {
    # Lambda quotas, "Invocation payload (request and response)": 6 MB synchronous;
    # the Invoke API's error message: "Request must be smaller than 6291456 bytes".
    "aws-apigw-v1": (6_291_456, "Lambda quotas, synchronous invocation payload"),
    "aws-apigw-v2": (6_291_456, "Lambda quotas, synchronous invocation payload"),
    "aws-function-url": (6_291_456, "Lambda quotas, synchronous invocation payload"),
    # ELB guide, "Lambda functions as targets": "The maximum size of the request body
    # that you can send to a Lambda function is 1 MB."
    "aws-alb": (1_048_576, "ELB guide, Lambda functions as targets"),
    # VPC Lattice guide, Lambda targets, limitations: request body 6 MB.
    "aws-lattice": (6_291_456, "VPC Lattice guide, Lambda functions as targets"),
    # Yandex Cloud Functions limits: "JSON structure of a request and response: 3.5 MB".
    "yandex": (3_670_016, "Yandex Cloud Functions quotas and limits"),
    # OpenWhisk docs/reference.md: activation payload 1 MB (ByteSize: 1024 * 1024).
    "openwhisk": (1_048_576, "OpenWhisk system limits, payload"),
    # Function Compute limits: synchronous invocation payload 32 MB.
    "aliyun-fc3": (33_554_432, "Function Compute limits, synchronous invocation"),
    "aliyun-apigw": (33_554_432, "Function Compute limits, synchronous invocation"),
    "aliyun-fc2": (33_554_432, "Function Compute limits, synchronous invocation"),
    # SCF: synchronous invocation 6 MB; CloudBase's EXCEED_MAX_PAYLOAD_SIZE (6 MB).
    "tencent-scf-apigw": (6_291_456, "SCF limits, synchronous invocation"),
    "tencent-cloudbase": (6_291_456, "CloudBase error codes, EXCEED_MAX_PAYLOAD_SIZE"),
    # Scaleway's function emulator warns above 6291456 bytes, as the platform refuses.
    "scaleway": (6_291_456, "scaleway_functions_python, local emulator"),
    # Azure Functions HTTP trigger limits: request length 100 MB (104,857,600 bytes).
    "azure": (104_857_600, "Azure Functions HTTP trigger limits"),
    # Cloud Run functions quotas: 32 MB HTTP request (2nd gen).
    "gcp": (33_554_432, "Cloud Run functions quotas, 2nd gen"),
    # FunctionGraph notes and constraints: synchronous invocation request body 6 MB.
    "huawei-fg-apig": (6_291_456, "FunctionGraph notes and constraints"),
}
#: No documented request limit: OpenFaaS and kubeless (the cluster's own ingress
#: decides); Lambda@Edge cuts the body itself (tests/adapters/aws/test_edge.py checks that).
UNLIMITED = {"openfaas", "kubeless", "aws-edge"}

#: The largest reply each vendor accepts, in bytes of the reply JSON the function's
#: runtime sends (awslambdaric serialises with simplejson's default separators,
#: as ``json.dumps`` does; the replies here are ASCII, so both agree byte for byte).
REPLY_LIMITS: dict[str, tuple[int, str]] = {
    # Lambda's Function.ResponseSizeTooLarge error: "Response payload size exceeded
    # maximum allowed payload size (6291556 bytes)" (the quotas page says 6 MB).
    "aws-apigw-v1": (6_291_556, "Lambda quotas; the Invoke API's error message"),
    "aws-apigw-v2": (6_291_556, "Lambda quotas; the Invoke API's error message"),
    "aws-function-url": (6_291_556, "Lambda quotas; the Invoke API's error message"),
    # ELB guide: "The maximum size of the response JSON that the Lambda function can
    # send is 1 MB."
    "aws-alb": (1_048_576, "ELB guide, Lambda functions as targets"),
    # VPC Lattice guide, Lambda targets, limitations: response JSON 6 MB.
    "aws-lattice": (6_291_456, "VPC Lattice guide, Lambda functions as targets"),
    "yandex": (3_670_016, "Yandex Cloud Functions quotas and limits"),
    # OpenWhisk docs/reference.md: result 1 MB.
    "openwhisk": (1_048_576, "OpenWhisk system limits, result"),
    # FunctionGraph notes and constraints: synchronous invocation response body 6 MB.
    "huawei-fg-apig": (6_291_456, "FunctionGraph notes and constraints"),
}


def test_every_adapter_has_its_documented_request_limit_or_none() -> None:
    assert set(REQUEST_LIMITS) | UNLIMITED == set(NAMES)
    for name in UNLIMITED:
        assert PLATFORMS[name].request_limit is None, name


@pytest.mark.parametrize("vendor", sorted(REQUEST_LIMITS))
def test_a_body_over_the_vendors_limit_is_a_413(vendor: str) -> None:
    limit, source = REQUEST_LIMITS[vendor]
    build = BUILDERS[vendor][0][1]
    octets = [("Content-Type", "application/octet-stream")]
    status, _, body = invoke(
        length_app, vendor, build, HttpCall("POST", "/", octets, b"\x00" * limit)
    )
    assert (status, body) == (200, str(limit).encode()), f"{limit} bytes is within {source}"
    over = HttpCall("POST", "/", octets, b"\x00" * (limit + 1))
    status, _, body = invoke(length_app, vendor, build, over)
    assert status == 413, f"{limit + 1} bytes is over {source}"
    assert f"at most {limit}".encode() in body


def reply_json_size(reply: Any) -> int:
    """The bytes of the reply as the function's runtime sends it (ASCII replies)."""
    return len(json.dumps(reply).encode("utf-8"))


@pytest.mark.parametrize("vendor", sorted(REPLY_LIMITS))
def test_a_reply_of_exactly_the_limit_passes_and_one_byte_more_is_a_502(
    vendor: str, errors: ErrorLines
) -> None:
    limit, source = REPLY_LIMITS[vendor]
    build = BUILDERS[vendor][0][1]
    event, context = call_context(materialize(build(HttpCall())), vendor)

    def answer(app: Any) -> Any:
        handler = wrap(app)
        try:
            return handler(copy.copy(event), context)
        finally:
            handler.shutdown()

    text = [("Content-Type", "text/plain")]
    # The JSON around the body is a few hundred bytes: measured once, then the body
    # is filled so that the whole reply is exactly the limit.
    probe = limit - 4096
    size = probe + limit - reply_json_size(answer(fixed("200 OK", text, b"a" * probe)))
    fits = answer(fixed("200 OK", text, b"a" * size))
    assert reply_json_size(fits) == limit
    status, _, body = http_response(vendor, fits, event, context)
    assert (status, len(body)) == (200, size), f"{limit} bytes is within {source}"
    assert not errors.lines()
    status, _, body = http_response(
        vendor, answer(fixed("200 OK", text, b"a" * (size + 1))), event, context
    )
    assert status == 502, f"{limit + 1} bytes is over {source}"
    assert str(limit).encode() in body
    assert len(errors) == 1 and str(limit) in errors[0]


@pytest.mark.parametrize("vendor", sorted(REPLY_LIMITS))
def test_a_binary_reply_is_counted_after_base64(vendor: str, errors: ErrorLines) -> None:
    """3/4 of the limit fits as bytes, not as the base64 text the reply carries."""
    limit, _ = REPLY_LIMITS[vendor]
    build = BUILDERS[vendor][0][1]
    binary = [("Content-Type", "application/octet-stream")]
    status, _, body = invoke(fixed("200 OK", binary, b"\xff" * (limit * 3 // 4)), vendor, build)
    assert status == 502
    assert str(limit).encode() in body
    assert len(errors) == 1 and str(limit) in errors[0]


@pytest.mark.parametrize("vendor", sorted(REPLY_LIMITS))
def test_a_reply_json_escapes_is_counted_as_escaped(vendor: str, errors: ErrorLines) -> None:
    """Quotes and control characters take 2 to 6 bytes of JSON each: counted as such."""
    limit, _ = REPLY_LIMITS[vendor]
    build = BUILDERS[vendor][0][1]
    text = [("Content-Type", "text/plain")]
    # '"' is 2 bytes of JSON ('\\"'), U+0001 is 6 ('\\u0001'): under the limit as
    # bytes, over it as JSON.
    escaped = b'"\x01' * (limit // 5)
    status, _, body = invoke(fixed("200 OK", text, escaped), vendor, build)
    assert len(escaped) < limit and status == 502
    assert str(limit).encode() in body


# -- Apps that fail in every way a WSGI or ASGI app can ----------------------------


def raises_mid_stream(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"first half, "
    raise RuntimeError("the database went away")


def never_starts(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    return [b"no start_response"]


class RaisesOnClose:
    """A complete reply whose close() fails (Django's request_finished handlers may)."""

    def __init__(self, environ: dict[str, Any], start_response: Any) -> None:
        start_response("200 OK", [("Content-Type", "text/plain")])

    def __iter__(self) -> Iterator[bytes]:
        yield b"complete"

    def close(self) -> None:
        raise RuntimeError("close failed")


def raises_before_start(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise ValueError("secret connection string")


def writes_then_raises(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written")
    raise RuntimeError("after write()")


async def asgi_raises_mid_body(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"half", "more_body": True})
    raise RuntimeError("mid body")


async def asgi_never_starts(scope: Any, receive: Any, send: Any) -> None:
    return None


async def asgi_never_finishes_body(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"half", "more_body": True})


FAILING_APPS = [
    raises_mid_stream,
    never_starts,
    raises_before_start,
    writes_then_raises,
    asgi_raises_mid_body,
    asgi_never_starts,
    asgi_never_finishes_body,
]


@pytest.mark.parametrize("app", FAILING_APPS, ids=lambda app: app.__name__)
@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_a_failing_app_is_a_500_and_the_next_request_works(
    vendor: str, build: Build, app: Any, errors: ErrorLines
) -> None:
    from support.echo_apps import wsgi_app

    failing = wrap(app, lifespan="off")
    healthy = wrap(wsgi_app)
    try:
        event, context = call_context(materialize(build(HttpCall())), vendor)
        reply = failing(copy.copy(event), context)
        status, _, body = http_response(vendor, reply, event, context)
        assert status == 500
        assert body in (b"Internal Server Error", b"")  # kubeless without bottle: no body
        assert b"secret" not in body and b"Traceback" not in body
        event, context = call_context(materialize(build(HttpCall())), vendor)
        reply = healthy(copy.copy(event), context)
        assert http_response(vendor, reply, event, context)[0] == 200
    finally:
        failing.shutdown()
        healthy.shutdown()
    assert len(errors) == 1  # logged once, with the request id where the vendor has one


@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_a_failing_close_keeps_the_complete_reply_and_is_logged(
    vendor: str, build: Build, errors: ErrorLines
) -> None:
    """As under gunicorn: the reply was complete, so the client gets it; close() is logged."""
    handler = wrap(RaisesOnClose, lifespan="off")
    try:
        for _ in range(2):
            event, context = call_context(materialize(build(HttpCall())), vendor)
            status, _, body = http_response(
                vendor, handler(copy.copy(event), context), event, context
            )
            assert (status, body) == (200, b"complete")
    finally:
        handler.shutdown()
    assert len(errors) == 2  # one line per failing close()


def test_an_adapter_that_cannot_encode_the_reply_gives_a_500(
    monkeypatch: pytest.MonkeyPatch, errors: ErrorLines
) -> None:
    from support.echo_apps import wsgi_app

    handler = wrap(wsgi_app)
    real = APIGatewayV2.encode

    def fragile(self: APIGatewayV2, response: Response, event: Any, context: Any) -> Any:
        if response.status == 200:
            raise KeyError("an adapter bug")
        return real(self, response, event, context)

    monkeypatch.setattr(APIGatewayV2, "encode", fragile)
    reply = handler(BUILDERS["aws-apigw-v2"][0][1](HttpCall()), None)
    assert reply["statusCode"] == 500 and reply["body"] == "Internal Server Error"
    assert errors and "could not encode" in errors[0]


def test_an_adapter_failing_to_decode_is_a_logged_400(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The safety net: an adapter bug is a 400 (never a crash), logged with its traceback."""
    from support.echo_apps import wsgi_app

    handler = wrap(wsgi_app)

    def broken(self: APIGatewayV2, event: Any, context: Any) -> Any:
        raise OverflowError("an adapter bug")

    monkeypatch.setattr(APIGatewayV2, "decode", broken)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        reply = handler(BUILDERS["aws-apigw-v2"][0][1](HttpCall()), None)
    assert reply["statusCode"] == 400
    assert reply["body"] == "Bad Request: OverflowError: an adapter bug"
    assert any(r.exc_info for r in caplog.records)


# -- What the fuzzer found: each now a 400 that names the key ----------------------


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Any], Any]:
    """A mutation: ``value`` at ``path`` of a built event."""

    def apply(event: Any) -> Any:
        target = event
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return event

    return apply


FOUND = [
    # (vendor, variant index, mutation, the 400 body's start)
    (
        "aws-apigw-v2",
        0,
        _set(("headers", "x\ud800"), "1"),
        b"Bad Request: headers.x\\ud800: not valid Unicode text",
    ),
    ("aws-apigw-v2", 0, _set(("headers", "accept"), "a\udcffb"), b"Bad Request: headers.accept: "),
    ("aws-apigw-v2", 0, _set(("headers", "accept"), {"a": 1}), b"Bad Request: headers.accept: "),
    ("aws-apigw-v2", 0, _set(("cookies",), 5), b"Bad Request: cookies: expected a list"),
    ("aws-apigw-v2", 0, _set(("rawPath",), [None]), b"Bad Request: rawPath: expected a string"),
    ("aws-apigw-v2", 0, _set(("rawQueryString",), "a=\ud800"), b"Bad Request: rawQueryString: "),
    (
        "aws-apigw-v2",
        0,
        _set(("requestContext", "http"), None),
        b"Bad Request: requestContext.http.",
    ),
    ("aws-alb", 0, _set(("path",), 1.5), b"Bad Request: path: expected a string, got float"),
    (
        "aws-alb",
        0,
        _set(("queryStringParameters", "q"), "\ud800"),
        b"Bad Request: queryStringParameters: ",
    ),
    ("aws-alb", 0, _set(("isBase64Encoded",), "yes"), b"Bad Request: isBase64Encoded: expected"),
    ("aws-apigw-v1", 0, _set(("path",), True), b"Bad Request: path: expected a string"),
    (
        "aws-edge",
        0,
        _set(("Records", 0, "cf", "request", "headers", "x\ud800"), [{"value": "\ud800"}]),
        b"Bad Request: Records[0].cf.request.headers.x\\ud800: ",
    ),
    ("openwhisk", 0, _set(("__ow_body",), "\ud800"), b"Bad Request: __ow_body: "),
    ("openwhisk", 1, _set(("name",), b"bytes"), b"Bad Request: name: not JSON data"),
    (
        "openfaas",
        0,
        _set(("openfaas", "CONTENT_TYPE"), "text/\u20ac"),
        b"Bad Request: CONTENT_TYPE: not a WSGI native string",
    ),
    ("kubeless", 0, _set(("kubeless", "QUERY_STRING"), "\ud800"), b"Bad Request: QUERY_STRING: "),
    ("huawei-fg-apig", 0, _set(("queryStringParameters", "\ud800"), "1"), b"Bad Request: "),
]


@pytest.mark.parametrize(("vendor", "index", "mutation", "start"), FOUND)
def test_what_the_fuzzer_found_is_a_400_naming_the_key(
    vendor: str, index: int, mutation: Callable[[Any], Any], start: bytes
) -> None:
    from support.echo_apps import wsgi_app

    build = BUILDERS[vendor][index][1]
    handler = wrap(wsgi_app)
    event, context = call_context(
        materialize(mutation(build(HttpCall("POST", "/?a=1", [], b"x")))), vendor
    )
    status, _, body = http_response(vendor, handler(event, context), event, context)
    assert status == 400
    assert body.startswith(start), body
    assert b"Error:" not in body  # not the safety net's "TypeError: ..."


def test_a_huge_content_length_in_a_wsgi_environ_reads_the_body() -> None:
    """Alibaba FC 2.0: int(CONTENT_LENGTH) beyond any size overflowed read()."""
    from support.echo_apps import wsgi_app

    spec = BUILDERS["aliyun-fc2"][0][1](HttpCall("POST", "/", [], b"body"))
    spec["fc2"]["CONTENT_LENGTH"] = str(2**64)
    event, context = call_context(materialize(spec), "aliyun-fc2")
    status, _, body = http_response("aliyun-fc2", wrap(wsgi_app)(event, context), event, context)
    assert status == 200
    assert base64.b64decode(json.loads(body)["body"]) == b"body"


def test_a_newline_inside_a_header_name_is_refused_after_its_halves_were_seen() -> None:
    # Names are checked once per set, joined by newlines: "a\nb" as one name
    # must not pass because the set "a", "b" was checked before.
    from faas_bridge.errors import MalformedEvent
    from faas_bridge.http import Request, check_request

    check_request(Request("GET", b"/", headers=[("a", "1"), ("b", "2")]))
    with pytest.raises(MalformedEvent, match="not a valid header name"):
        check_request(Request("GET", b"/", headers=[("a\nb", "1")]))
    with pytest.raises(MalformedEvent, match="NUL, CR or LF"):
        check_request(Request("GET", b"/", headers=[("a", "1\r\n")]))
    with pytest.raises(MalformedEvent, match="NUL, CR or LF"):
        check_request(Request("GET", b"/", headers=[("a", "\u0100")]))


def test_request_header_values_refuse_exactly_nul_cr_lf_and_beyond_latin1() -> None:
    """Every code point up to U+03FF and a spread above: refused iff NUL, CR, LF or > U+00FF."""
    from faas_bridge.errors import MalformedEvent
    from faas_bridge.http import Request, check_request

    points = [*range(0x400), *range(0x400, 0x110000, 251), 0xFFFF, 0x10000, 0x10FFFF]
    points = [p for p in points if not 0xD800 <= p <= 0xDFFF]  # adapters refuse lone surrogates
    refused = []
    for point in points:
        try:
            check_request(Request("GET", b"/", headers=[("x", "a" + chr(point) + "b")]))
        except MalformedEvent:
            refused.append(point)
    assert refused == [p for p in points if p in (0, 10, 13) or p > 0xFF]
