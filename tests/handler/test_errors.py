"""Bad input and failing apps: each gets a defined reply in the vendor's format."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import MalformedEvent, UnrecognisedEvent, wrap
from support.echo_apps import flask_app
from support.events import load_event, reply_body

SAMPLES = {
    "aws-apigw-v1": "aws-apigw-v1/rest-post-base64-body.json",
    "aws-apigw-v2": "aws-apigw-v2/post-base64-body-with-cookies.json",
    "aws-function-url": "aws-function-url/post-iam.json",
    "aws-alb": "aws-alb/post-base64-body.json",
}


def failing_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise ValueError("secret database password in this message")


@pytest.mark.parametrize("platform", sorted(SAMPLES))
def test_broken_base64_gets_a_400_in_the_vendor_format(
    platform: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = load_event(SAMPLES[platform])
    event["body"] = "not*base64!"
    event["isBase64Encoded"] = True
    reply = wrap(flask_app)(event, SimpleNamespace(aws_request_id="req-123"))
    assert reply["statusCode"] == 400
    assert reply["isBase64Encoded"] is False
    assert reply_body(reply).startswith(b"Bad Request: body: flagged base64 but not valid base64")
    if platform == "aws-alb":
        assert reply["statusDescription"] == "400 Bad Request"
    assert any("req-123" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("platform", sorted(SAMPLES))
def test_missing_method_gets_a_400(platform: str) -> None:
    event = load_event(SAMPLES[platform])
    if platform in ("aws-apigw-v2", "aws-function-url"):
        del event["requestContext"]["http"]["method"]
    else:
        del event["httpMethod"]
        event["resource"] = "/{proxy+}"  # keep it recognisable as REST
    reply = wrap(flask_app)(event, None)
    assert reply["statusCode"] == 400
    assert b"ethod: expected a non-empty string, got None" in reply_body(reply)


def test_wrong_types_in_a_recognised_event_get_a_400() -> None:
    event = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    event["headers"] = ["not", "a", "dict"]
    reply = wrap(flask_app)(event, None)
    assert reply["statusCode"] == 400
    assert reply_body(reply) == b"Bad Request: headers: expected an object, got list"


@pytest.mark.parametrize("platform", sorted(SAMPLES))
def test_app_exception_is_a_500_without_traceback_logged_once(
    platform: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = load_event(SAMPLES[platform])
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        reply = wrap(failing_app)(event, SimpleNamespace(aws_request_id="req-500"))
    assert reply["statusCode"] == 500
    body = reply_body(reply)
    assert body == b"Internal Server Error"
    assert b"secret" not in body and b"Traceback" not in body
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "req-500" in errors[0].getMessage()
    assert errors[0].exc_info is not None and "secret" in str(errors[0].exc_info[1])


def test_asgi_app_exception_is_a_500() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    reply = wrap(app)(load_event("aws-apigw-v2/get-with-query-and-cookies.json"), None)
    assert reply["statusCode"] == 500
    assert reply_body(reply) == b"Internal Server Error"


def test_request_id_falls_back_to_the_event(caplog: pytest.LogCaptureFixture) -> None:
    event = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        wrap(failing_app)(event, None)
    assert event["requestContext"]["requestId"] in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"eventSource": "aws:sqs", "body": "hi"}]},
        {"hello": "world"},
        [1, 2, 3],
        None,
        "just a string",
    ],
)
def test_unrecognised_events_raise_a_clear_error(event: Any) -> None:
    with pytest.raises(UnrecognisedEvent) as info:
        wrap(flask_app)(event, None)
    message = str(info.value)
    assert "aws-apigw-v2" in message and "aws-alb" in message  # the platforms tried
    if isinstance(event, dict):
        for key in event:
            assert key in message  # the keys seen


def test_websocket_events_are_not_mistaken_for_rest() -> None:
    event = load_event("aws-apigw-v1/rest-post-json-with-query.json")
    event["requestContext"]["connectionId"] = "abc="
    event["requestContext"]["eventType"] = "MESSAGE"
    with pytest.raises(UnrecognisedEvent):
        wrap(flask_app)(event, None)


def test_forcing_a_platform_skips_detection() -> None:
    handler = wrap(flask_app, platform="aws-alb")
    with pytest.raises(UnrecognisedEvent, match="platforms tried: aws-alb"):
        handler(load_event("aws-apigw-v2/get-with-query-and-cookies.json"), None)


def test_malformed_event_is_a_faas_bridge_error() -> None:
    from faas_bridge import FaasBridgeError

    assert issubclass(MalformedEvent, FaasBridgeError)
    assert issubclass(UnrecognisedEvent, FaasBridgeError)


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_an_ordinary_invocation_raises_nothing_inside_faas_bridge(interface: str) -> None:
    """A raised exception costs an invocation time, and stops debuggers set to break on them.

    Coroutines end by StopIteration, which is how they return, not an error.
    """
    import sys
    from pathlib import Path

    import faas_bridge
    from support.echo_apps import asgi_app, wsgi_app

    package = str(Path(faas_bridge.__file__).parent)
    handler = wrap(asgi_app if interface == "asgi" else wsgi_app)
    event = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    handler(event, None)  # the cold start: adapters loaded, the loop made
    raised: list[str] = []

    def trace(frame: Any, event: str, arg: Any) -> Any:
        ours = frame.f_code.co_filename.startswith(package)
        if event == "exception" and ours and arg[0] is not StopIteration:
            raised.append(f"{arg[0].__name__} at {frame.f_code.co_filename}:{frame.f_lineno}")
        return trace

    sys.settrace(trace)
    try:
        reply = handler(event, None)
    finally:
        sys.settrace(None)
    assert reply["statusCode"] == 200
    assert raised == []
