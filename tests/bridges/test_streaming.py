"""When a reply streams: the response_stream option, the caller, the integration.

A handler streams a reply only when all three say so: the ``response_stream``
option is on (the function's Function URL is in RESPONSE_STREAM mode, or its
REST API streams), the event comes from an integration that can stream
(Function URL, REST API), and the caller can send a stream (faas_bridge's
runtime, whose context says so by ``faas_bridge_runtime``). Anything else is
answered buffered, as before. The context here is the runtime's own
``LambdaContext``, built from an invocation as the runtime builds it.

The streamed head follows the buffered Function URL reply's header rules;
that is checked by comparing the two for the same app replies, whose expected
values are written out by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from faas_bridge import ConfigurationError, wrap
from faas_bridge.config import load_config
from faas_bridge.options import Options
from faas_bridge.runtime import Finishing, HttpHead, Invocation, LambdaContext, StreamedReply

URL_HOST = "k2j4h6g8f0d1s3a5p7o9i2u4y6t8r0e1.lambda-url.ap-southeast-2.on.aws"


def runtime_context() -> LambdaContext:
    """The context faas_bridge's runtime passes (30 s left)."""
    deadline = int((time.time() + 30) * 1000)
    arn = "arn:aws:lambda:ap-southeast-2:123456789012:function:feed"
    return LambdaContext(Invocation("5e0c7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6", b"{}", deadline, arn))


def v2_event(path: str, *, host: str, method: str = "GET") -> dict[str, Any]:
    """A payload 2.0 event: a Function URL's when ``host`` is a lambda-url domain."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": host, "user-agent": "curl/8.5.0"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": host.split(".")[0],
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.23",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Dec/2025:06:00:00 +0000",
            "timeEpoch": 1765087200000,
        },
        "isBase64Encoded": False,
    }


def url_event(path: str = "/", method: str = "GET") -> dict[str, Any]:
    return v2_event(path, host=URL_HOST, method=method)


def http_api_event(path: str = "/") -> dict[str, Any]:
    return v2_event(path, host="m3n5b7v9c1.execute-api.ap-southeast-2.amazonaws.com")


def rest_event(path: str = "/") -> dict[str, Any]:
    """A REST API (payload 1.0) event, its stage on the execute-api host."""
    host = "z8x6c4v2b0.execute-api.ap-southeast-2.amazonaws.com"
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": host, "User-Agent": "curl/8.5.0"},
        "multiValueHeaders": {"Host": [host], "User-Agent": ["curl/8.5.0"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3",
            "resourcePath": "/{proxy+}",
            "httpMethod": "GET",
            "path": "/live" + path,
            "accountId": "123456789012",
            "stage": "live",
            "domainName": host,
            "apiId": "z8x6c4v2b0",
            "requestId": "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
            "identity": {"sourceIp": "198.51.100.23", "userAgent": "curl/8.5.0"},
            "protocol": "HTTP/1.1",
        },
        "body": None,
        "isBase64Encoded": False,
    }


class Feed:
    """A WSGI app whose body is a generator; it notes each item produced and its close()."""

    def __init__(self, headers: list[tuple[str, str]] | None = None) -> None:
        self.headers = headers or [("Content-Type", "text/event-stream")]
        self.log: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        start_response("200 OK", self.headers)
        return self.Body(self.log)

    class Body:
        def __init__(self, log: list[str]) -> None:
            self.log = log

        def __iter__(self) -> Iterator[bytes]:
            for n in (1, 2, 3):
                self.log.append(f"event {n}")
                yield f"data: {n}\n\n".encode()

        def close(self) -> None:
            self.log.append("close")


# -- the option ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("on", True), ("TRUE", True), ("1", True), ("yes", True), ("off", False), ("0", False)],
)
def test_the_variable_reads_on_and_off(text: str, expected: bool) -> None:
    assert Options.from_environ({"FAAS_BRIDGE_RESPONSE_STREAM": text}).response_stream is expected


def test_a_bad_variable_or_value_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="FAAS_BRIDGE_RESPONSE_STREAM must be on or off"):
        Options.from_environ({"FAAS_BRIDGE_RESPONSE_STREAM": "sometimes"})
    with pytest.raises(ConfigurationError, match="response_stream must be True or False"):
        Options(response_stream="yes")  # type: ignore[arg-type]


def test_faas_yml_takes_the_option_and_refuses_a_non_boolean(tmp_path: Path) -> None:
    path = tmp_path / "faas.yml"
    path.write_text("options:\n  response_stream: true\n")
    config = load_config(path)
    assert config.options["response_stream"] is True
    path.write_text("options:\n  response_stream: sometimes\n")
    with pytest.raises(ConfigurationError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:2: options.response_stream: this is text ('sometimes'); expected true or false"
    )


# -- when a reply streams -----------------------------------------------------------


def test_a_function_url_reply_streams_under_the_runtime_with_the_option() -> None:
    feed = Feed()
    reply = wrap(feed, response_stream=True)(url_event("/feed"), runtime_context())
    assert isinstance(reply, StreamedReply)
    assert reply.head == HttpHead(200, {"Content-Type": "text/event-stream"}, [])
    assert feed.log == ["event 1"]  # returned at the first chunk; the rest not produced
    assert list(reply.chunks) == [b"data: 1\n\n", b"data: 2\n\n", b"data: 3\n\n"]
    assert feed.log == ["event 1", "event 2", "event 3", "close"]


def test_a_rest_api_reply_streams_too() -> None:
    reply = wrap(Feed(), response_stream=True)(rest_event("/feed"), runtime_context())
    assert isinstance(reply, StreamedReply)
    assert reply.head == HttpHead(200, {"Content-Type": "text/event-stream"}, [])
    assert b"".join(reply.chunks) == b"data: 1\n\ndata: 2\n\ndata: 3\n\n"


def buffered_body(reply: Any) -> Any:
    assert isinstance(reply, dict), reply
    return reply["body"]


def test_nothing_streams_without_the_option() -> None:
    feed = Feed()
    reply = wrap(feed)(url_event("/feed"), runtime_context())
    assert buffered_body(reply) == "data: 1\n\ndata: 2\n\ndata: 3\n\n"
    assert feed.log[-1] == "close"


def test_nothing_streams_where_the_caller_cannot_send_a_stream(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The managed runtime's context lacks the mark: buffered, and said once."""
    handler = wrap(Feed(), response_stream=True)
    for _ in range(2):
        assert buffered_body(handler(url_event("/feed"), None)).startswith("data: 1")
    said = [r for r in caplog.records if "cannot stream" in r.getMessage()]
    assert len(said) == 1 and "aws-function-url replies are buffered" in said[0].getMessage()


def test_nothing_streams_from_an_integration_that_cannot(caplog: pytest.LogCaptureFixture) -> None:
    """An HTTP API cannot stream: its reply is buffered whatever the option, said once."""
    handler = wrap(Feed(), response_stream=True)
    for _ in range(2):
        reply = handler(http_api_event("/feed"), runtime_context())
        assert buffered_body(reply) == "data: 1\n\ndata: 2\n\ndata: 3\n\n"
    said = [r.getMessage() for r in caplog.records if "cannot stream" in r.getMessage()]
    assert said == [
        "faas_bridge: response_stream is on, but aws-apigw-v2 cannot stream a reply: replies "
        "are buffered (README: Streaming)"
    ]


def test_a_head_request_streams_no_body_and_closes_the_apps_iterable() -> None:
    feed = Feed()
    reply = wrap(feed, response_stream=True)(url_event("/feed", "HEAD"), runtime_context())
    assert isinstance(reply, StreamedReply)
    assert reply.head.status == 200 and list(reply.chunks) == []
    assert feed.log == ["event 1", "close"]


def test_a_reply_that_is_not_valid_http_is_a_streamed_500(caplog: pytest.LogCaptureFixture) -> None:
    feed = Feed([("Content-Type", "text/event-stream"), ("X-Bad", "a\r\nSet-Cookie: forged=1")])
    reply = wrap(feed, response_stream=True)(url_event("/feed"), runtime_context())
    assert isinstance(reply, StreamedReply)
    assert reply.head == HttpHead(500, {"Content-Type": "text/plain; charset=utf-8"}, [])
    assert list(reply.chunks) == [b"Internal Server Error"]
    assert feed.log == ["event 1", "close"]
    assert "X-Bad header holds a control character" in caplog.text


def test_a_malformed_function_url_event_gets_a_streamed_400() -> None:
    event = url_event("/feed")
    event["requestContext"]["http"]["method"] = "G E T"
    reply = wrap(Feed(), response_stream=True)(event, runtime_context())
    assert isinstance(reply, StreamedReply)
    assert reply.head.status == 400
    assert b"".join(reply.chunks).startswith(b"Bad Request: ")


# -- the head follows the buffered reply's header rules --------------------------------

HEAD_CASES = [
    # (the app's headers, the headers and cookies a Function URL reply carries), by hand
    ([("Content-Type", "text/plain")], {"Content-Type": "text/plain"}, []),
    (
        [("Vary", "Accept"), ("vary", "Cookie"), ("Content-Type", "text/plain")],
        {"Vary": "Accept, Cookie", "Content-Type": "text/plain"},
        [],
    ),
    (
        [("Set-Cookie", "a=1; Path=/"), ("Content-Type", "text/html"), ("set-cookie", "b=2")],
        {"Content-Type": "text/html"},
        ["a=1; Path=/", "b=2"],
    ),
    ([("X-Padded", "  kept inside  ")], {"X-Padded": "kept inside"}, []),
]


@pytest.mark.parametrize(("headers", "expected", "cookies"), HEAD_CASES)
def test_the_streamed_head_has_the_buffered_replys_headers_and_cookies(
    headers: list[tuple[str, str]], expected: dict[str, str], cookies: list[str]
) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("201 Created", headers)
        return [b"made"]

    buffered = wrap(app)(url_event("/"), None)
    assert buffered["statusCode"] == 201
    assert buffered["headers"] == expected and buffered.get("cookies", []) == cookies
    streamed = wrap(app, response_stream=True)(url_event("/"), runtime_context())
    assert isinstance(streamed, StreamedReply)
    assert streamed.head == HttpHead(201, expected, cookies)
    assert list(streamed.chunks) == [b"made"]


# -- ASGI under the runtime: the reply before the app's remaining work --------------------


def test_an_asgi_reply_comes_before_the_apps_remaining_work() -> None:
    import asyncio

    done: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 202, "headers": headers})
        await send({"type": "http.response.body", "body": b"accepted"})
        await asyncio.sleep(0.3)
        done.append("cleanup")

    handler = wrap(app, lifespan="off")
    began = time.monotonic()
    reply = handler(http_api_event("/jobs"), runtime_context())
    assert time.monotonic() - began < 0.2
    assert isinstance(reply, Finishing) and done == []
    assert (reply.reply["statusCode"], reply.reply["body"]) == (202, "accepted")
    reply.finish()
    assert done == ["cleanup"]
    # Without the runtime's mark the handler returns only once the app has.
    began = time.monotonic()
    plain = handler(http_api_event("/jobs"), None)
    assert time.monotonic() - began >= 0.3 and done == ["cleanup", "cleanup"]
    assert plain["body"] == "accepted"


def test_respond_returns_the_whole_run_even_under_the_runtime() -> None:
    """Trigger routes take an app's reply through respond(): the app has finished by then."""
    import asyncio

    done: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stored"})
        await asyncio.sleep(0.2)
        done.append("cleanup")

    handler = wrap(app, lifespan="off", response_stream=True)
    event, context = url_event("/store"), runtime_context()
    platform = handler.detect(event)
    response = handler.respond(platform.decode(event, context), platform, context)
    assert (response.status, response.body, response.stream, response.after) == (
        200,
        b"stored",
        None,
        None,
    )
    assert done == ["cleanup"]
