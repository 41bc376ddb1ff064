"""The emulator's own rules, driven over HTTP by hand (h11 as an independent HTTP/1.1 client).

What it must do as Lambda documents: read a chunked streamed response written
by another HTTP implementation (the prelude split at the eight NULs even when
they straddle chunks, the error trailers decoded); refuse an internal
extension's SHUTDOWN subscription and any registration after init; deliver
SHUTDOWN to an external extension within the 2,000 ms phase; refuse replies to
unknown or answered invocations; refuse a buffered reply over 6 MB.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import h11
import pytest

from faas_bridge.devtools.lambda_emulator import LambdaEmulator

ERROR_TYPE = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY = "Lambda-Runtime-Function-Error-Body"


@pytest.fixture
def emulator() -> Iterator[LambdaEmulator]:
    with LambdaEmulator(external_extensions=["watcher"]) as running:
        yield running


def call(
    emulator: LambdaEmulator,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    host, port = emulator.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        data = None if body is None else body if isinstance(body, bytes) else json.dumps(body)
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        text = json.loads(payload) if payload[:1] in (b"{", b"[") else payload
        return response.status, dict(response.headers), text
    finally:
        connection.close()


def register(emulator: LambdaEmulator, name: str, *events: str) -> tuple[int, dict[str, str], Any]:
    """An extension named ``name`` registers for ``events``, as the Extensions API takes it."""
    return call(
        emulator,
        "POST",
        "/2020-01-01/extension/register",
        {"events": list(events)},
        {"Lambda-Extension-Name": name},
    )


def next_event(emulator: LambdaEmulator) -> str:
    status, headers, _ = call(emulator, "GET", "/2018-06-01/runtime/invocation/next")
    assert status == 200
    return headers["Lambda-Runtime-Aws-Request-Id"]


def test_reads_h11_chunks_with_the_prelude_split_across_them(emulator: LambdaEmulator) -> None:
    pending = emulator.submit({"stream": True})
    request_id = next_event(emulator)
    prelude = b'{"statusCode":201,"headers":{"x-a":"1"},"cookies":[]}'
    error = base64.b64encode(b'{"errorMessage":"cut","errorType":"Cut"}').decode()
    client = h11.Connection(h11.CLIENT)
    wire = client.send(
        h11.Request(
            method="POST",
            target=f"/2018-06-01/runtime/invocation/{request_id}/response",
            headers=[
                ("Host", emulator.address),
                ("Lambda-Runtime-Function-Response-Mode", "streaming"),
                ("Content-Type", "application/vnd.awslambda.http-integration-response"),
                ("Transfer-Encoding", "chunked"),
                (
                    "Trailer",
                    "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
                ),
            ],
        )
    )
    # Three NULs end one chunk, five begin the next: the prelude ends in the second.
    for piece in (prelude + b"\0\0\0", b"\0\0\0\0\0first", b"second"):
        wire += client.send(h11.Data(data=piece))
    wire += client.send(
        h11.EndOfMessage(
            headers=[
                (ERROR_TYPE, "Cut"),
                (ERROR_BODY, error),
            ]
        )
    )
    host, port = emulator.address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(wire)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 202")
    reply = pending.result(5)
    assert reply.prelude_bytes == prelude + b"\0" * 8
    assert reply.prelude == {"statusCode": 201, "headers": {"x-a": "1"}, "cookies": []}
    assert reply.body == b"firstsecond"
    assert [data for _, data in reply.chunks] == [b"first", b"second"]
    assert (reply.outcome, reply.error_type, reply.error) == (
        "response",
        "Cut",
        {"errorMessage": "cut", "errorType": "Cut"},
    )


def test_an_internal_extension_may_not_take_shutdown(emulator: LambdaEmulator) -> None:
    status, _, body = register(emulator, "inside", "INVOKE", "SHUTDOWN")
    assert status == 400 and body["errorType"] == "ShutdownEventNotSupportedForInternalExtension"
    status, headers, body = register(emulator, "inside", "INVOKE")
    assert status == 200 and headers["Lambda-Extension-Identifier"]
    assert body == {
        "functionName": "faas-bridge-local",
        "functionVersion": "$LATEST",
        "handler": "",
    }


def test_no_registration_after_init(emulator: LambdaEmulator) -> None:
    emulator.submit({})
    next_event(emulator)
    status, _, _ = register(emulator, "late")
    assert status == 403
    status, _, _ = call(emulator, "POST", "/2018-06-01/runtime/init/error", {"errorType": "X"})
    assert status == 403


def test_external_extension_gets_invoke_and_shutdown(emulator: LambdaEmulator) -> None:
    status, headers, _ = register(emulator, "watcher", "INVOKE", "SHUTDOWN")
    assert status == 200
    identifier = {"Lambda-Extension-Identifier": headers["Lambda-Extension-Identifier"]}
    pending = emulator.submit({}, trace_id="Root=1-00000000-000000000000000000000001")
    request_id = next_event(emulator)
    _, _, event = call(emulator, "GET", "/2020-01-01/extension/event/next", headers=identifier)
    assert event["eventType"] == "INVOKE" and event["requestId"] == request_id
    assert event["tracing"] == {
        "type": "X-Amzn-Trace-Id",
        "value": "Root=1-00000000-000000000000000000000001",
    }
    assert (
        call(emulator, "POST", f"/2018-06-01/runtime/invocation/{request_id}/response", {})[0]
        == 202
    )
    assert pending.result(5).json() == {}
    got: list[Any] = []
    waiter = threading.Thread(
        target=lambda: got.append(
            call(emulator, "GET", "/2020-01-01/extension/event/next", headers=identifier)
        )
    )
    waiter.start()
    report = emulator.shutdown()  # no runtime process here: nothing to signal
    waiter.join(5)
    assert report.limit == 2.0 and report.signals == ()
    event = got[0][2]
    assert event["eventType"] == "SHUTDOWN" and event["shutdownReason"] == "SPINDOWN"
    assert isinstance(event["deadlineMs"], int)
    status, _, _ = call(
        emulator,
        "GET",
        "/2020-01-01/extension/event/next",
        headers={"Lambda-Extension-Identifier": "not-registered"},
    )
    assert status == 403


def test_replies_to_unknown_or_answered_invocations_are_refused(emulator: LambdaEmulator) -> None:
    emulator.submit({})
    request_id = next_event(emulator)
    path = f"/2018-06-01/runtime/invocation/{request_id}/response"
    assert call(emulator, "POST", "/2018-06-01/runtime/invocation/nope/response", {})[0] == 400
    assert call(emulator, "POST", path, {"a": 1})[0] == 202
    status, _, body = call(emulator, "POST", path, {"a": 2})
    assert (status, body["errorType"]) == (400, "InvalidRequestID")


def test_a_reply_over_six_megabytes_is_refused(emulator: LambdaEmulator) -> None:
    pending = emulator.submit({})
    request_id = next_event(emulator)
    path = f"/2018-06-01/runtime/invocation/{request_id}/response"
    status, _, _ = call(emulator, "POST", path, b"x" * (6 * 1024 * 1024 + 1))
    assert status == 413
    reply = pending.result(5)
    assert (reply.outcome, reply.error_type) == ("error", "Function.ResponseSizeTooLarge")


def test_our_runtime_goes_on_after_a_refused_reply(start_function: Any) -> None:
    emulator = start_function("faas_bridge", "echo_function.handler")
    too_big = emulator.invoke({"case": "context", "padding": "x" * (6 * 1024 * 1024)})
    assert too_big.outcome == "error"
    assert emulator.invoke({"case": "unicode"}).json() == {"text": "h\u00e9llo \u2713"}
