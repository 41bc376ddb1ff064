"""Apps streamed through faas_bridge's runtime: a Function URL in RESPONSE_STREAM mode, end to end.

The runtime process runs ``functions/stream_apps_function.py`` (Starlette and
Flask apps wrapped with ``response_stream=True``) against the local emulator,
which records each chunk of the Runtime API's streamed response as it arrives.
What is checked, against what AWS documents for the HTTP integration response:

* events produced ``GAP`` seconds apart arrive ``GAP`` seconds apart, the first
  long before the last (time to first byte far below the whole);
* the prelude, byte for byte: the status, headers and cookies JSON written out
  here by hand from the buffered Function URL reply's rules (one value per
  name, repeats joined with ", ", each Set-Cookie in ``cookies``), then eight
  NUL bytes;
* an app failing before its first byte gets a normal 500 reply; after some
  bytes, the documented mid-stream error (the two trailers);
* a Starlette background task of 1 s does not delay the reply, and the next
  event is taken only once it has finished;
* under awslambdaric (the managed loop, which cannot stream) the same handler
  answers buffered, and says once why.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from faas_bridge.devtools.lambda_emulator import LambdaEmulator
from support.runtime_events import http_api_event

GAP = 0.2
NUL8 = b"\0" * 8
HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"


def function_url_event(path: str, query: str = "") -> dict[str, Any]:
    """A Function URL GET event (payload 2.0 from a *.lambda-url.* domain), ours."""
    domain = "q4w7e2r9t5y1u8i3o6p0a2s4d7f9g1h3.lambda-url.eu-west-1.on.aws"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": domain, "accept": "text/event-stream", "user-agent": "curl/8.5.0"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "q4w7e2r9t5y1u8i3o6p0a2s4d7f9g1h3",
            "domainName": domain,
            "domainPrefix": "q4w7e2r9t5y1u8i3o6p0a2s4d7f9g1h3",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.41",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "3f2b9c1e-5a7d-4e8f-9b0c-1d2e3f4a5b6c",
            "routeKey": "$default",
            "stage": "$default",
            "time": "07/Dec/2025:06:00:00 +0000",
            "timeEpoch": 1765087200000,
        },
        "isBase64Encoded": False,
    }


def environment(tmp: Path) -> dict[str, str]:
    return {"GAP": str(GAP), "TASK_LOG": str(tmp / "task.log")}


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stream-apps")


@pytest.fixture(scope="module")
def starlette(start_module_function: Any, log_dir: Path) -> LambdaEmulator:
    emulator: LambdaEmulator = start_module_function(
        "faas_bridge", "stream_apps_function.starlette_handler", env=environment(log_dir)
    )
    return emulator


@pytest.fixture(scope="module")
def flask(start_module_function: Any, log_dir: Path) -> LambdaEmulator:
    emulator: LambdaEmulator = start_module_function(
        "faas_bridge", "stream_apps_function.flask_handler", env=environment(log_dir)
    )
    return emulator


#: The prelude of the Starlette SSE reply, by hand: StreamingResponse's
#: content type (Starlette adds the charset to text/ types), the two X-Feed
#: values joined, the two Set-Cookie values in cookies, in the app's order.
STARLETTE_PRELUDE = (
    b'{"statusCode":200,"headers":{"content-type":"text/event-stream; charset=utf-8",'
    b'"x-feed":"a, b"},"cookies":["seen=1; Path=/","feed=news; Path=/"]}' + NUL8
)
#: Flask's (werkzeug adds the charset as well, and spells the name Content-Type).
FLASK_PRELUDE = (
    b'{"statusCode":200,"headers":{"Content-Type":"text/event-stream; charset=utf-8"},'
    b'"cookies":[]}' + NUL8
)
EVENTS = [f"data: event {n}\n\n".encode() for n in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    ("app", "path", "prelude"),
    [("starlette", "/sse", STARLETTE_PRELUDE), ("flask", "/generator", FLASK_PRELUDE)],
    ids=["starlette", "flask"],
)
def test_events_reach_the_client_as_the_app_produces_them(
    request: pytest.FixtureRequest, app: str, path: str, prelude: bytes
) -> None:
    emulator: LambdaEmulator = request.getfixturevalue(app)
    pending = emulator.submit(function_url_event(path))
    arrived = list(pending.chunks(timeout=5))
    reply = pending.result(5)
    assert reply.outcome == "response" and reply.streamed, emulator.output()
    assert reply.content_type == HTTP_INTEGRATION
    assert reply.headers["Lambda-Runtime-Function-Response-Mode"] == "streaming"
    assert reply.prelude_bytes == prelude
    assert [data for _, data in arrived] == EVENTS
    times = [at for at, _ in arrived]
    first, total = times[0], reply.seconds
    # Produced GAP apart: the whole takes >= 3 GAP; the first comes at once.
    assert total >= 3 * GAP * 0.9
    assert first < total / 4, (first, total)
    assert all(later - earlier >= GAP * 0.7 for earlier, later in itertools.pairwise(times))
    assert reply.error is None and reply.trailers == {}
    print(f"{app}: first event after {first * 1000:.0f} ms, whole reply {total * 1000:.0f} ms")


@pytest.mark.parametrize(("app", "path"), [("starlette", "/sse"), ("flask", "/generator")])
def test_a_failure_after_some_bytes_is_the_documented_mid_stream_error(
    request: pytest.FixtureRequest, app: str, path: str
) -> None:
    emulator: LambdaEmulator = request.getfixturevalue(app)
    reply = emulator.invoke(function_url_event(path, "fail_after=2"))
    # Lambda counts it a response and passes the trailers on to the client.
    assert reply.outcome == "response" and reply.streamed
    assert reply.body == EVENTS[0] + EVENTS[1]
    assert reply.error_type == "LookupError"
    assert reply.error is not None
    assert (reply.error["errorType"], reply.error["errorMessage"]) == (
        "LookupError",
        "the feed ended early",
    )
    assert "stream_apps_function.py" in "".join(reply.error["stackTrace"])


def test_a_flask_generator_failing_before_its_first_byte_is_a_normal_500(
    flask: LambdaEmulator,
) -> None:
    reply = flask.invoke(function_url_event("/generator", "fail_after=0"))
    assert reply.outcome == "response" and reply.streamed
    assert reply.prelude_bytes == (
        b'{"statusCode":500,"headers":{"Content-Type":"text/plain; charset=utf-8"},'
        b'"cookies":[]}' + NUL8
    )
    assert reply.body == b"Internal Server Error"
    assert reply.error is None and reply.trailers == {}


def test_a_starlette_failure_before_its_reply_is_starlettes_own_500(
    starlette: LambdaEmulator,
) -> None:
    reply = starlette.invoke(function_url_event("/broken"))
    assert reply.outcome == "response" and reply.streamed
    assert reply.prelude == {
        "statusCode": 500,
        "headers": {"content-length": "21", "content-type": "text/plain; charset=utf-8"},
        "cookies": [],
    }
    assert reply.body == b"Internal Server Error"
    assert reply.error is None


def notes(path: Path) -> list[str]:
    """What the function noted, in order, without the times."""
    return [line.rsplit(" ", 1)[0] for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    "event", [http_api_event("/accepted"), function_url_event("/accepted")], ids=["v2", "url"]
)
def test_a_background_task_runs_after_the_reply_and_before_the_next_event(
    starlette: LambdaEmulator, log_dir: Path, event: dict[str, Any]
) -> None:
    """Buffered (HTTP API) and streamed (Function URL) alike: reply first, then finish."""
    log = log_dir / "task.log"
    log.unlink(missing_ok=True)
    first = starlette.submit(event)
    reply = first.result(5)
    assert reply.outcome == "response", starlette.output()
    body = reply.body if reply.streamed else json.loads(reply.body)["body"].encode()
    assert body == b"accepted"
    assert reply.seconds < 0.5, reply.seconds  # the task takes 1 s
    second = starlette.submit(http_api_event("/after"))
    after = second.result(5)
    assert json.loads(after.body)["body"] == "next"
    # Asked for only once the task was over: the next event waited for it.
    assert reply.seconds + after.seconds >= 0.9
    assert notes(log) == ["accepted", "task done", "next request"]
    print(f"reply after {reply.seconds * 1000:.0f} ms; next event answered {after.seconds:.2f} s")


def test_the_managed_loop_cannot_stream_and_answers_buffered(
    start_function: Any, tmp_path: Path
) -> None:
    emulator = start_function(
        "awslambdaric", "stream_apps_function.starlette_handler", env=environment(tmp_path)
    )
    reply = emulator.invoke(function_url_event("/sse", "count=2"))
    assert reply.outcome == "response" and not reply.streamed
    document = reply.json()
    assert document["statusCode"] == 200
    assert document["body"] == "data: event 1\n\ndata: event 2\n\n"
    assert document["cookies"] == ["seen=1; Path=/", "feed=news; Path=/"]
    assert emulator.wait_output("response_stream is on, but this runtime cannot stream")
