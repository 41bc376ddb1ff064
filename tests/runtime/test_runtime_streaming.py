"""Streamed replies: the Runtime API's streaming mode, chunk by chunk, prelude and trailers.

Two oracles. End to end, a runtime process returns :class:`StreamedReply`
objects and the emulator records each chunk as it arrives (its time since the
invocation): chunks produced 0.25 s apart must arrive 0.25 s apart, the first
long before the last. On the wire, :meth:`RuntimeClient.send_streamed` writes
to a socket read by h11 (an HTTP/1.1 implementation that is not ours): the
request line and headers AWS documents, the chunked body, and the trailers of a
mid-stream error.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import h11
import pytest

from faas_bridge.devtools.lambda_emulator import LambdaEmulator
from faas_bridge.runtime import HttpHead, RuntimeClient

GAP = 0.25

#: The prelude for HttpHead(200, {"content-type": "text/event-stream"}, ["session=s1; Path=/"]),
#: written out by hand: the JSON (compact), then eight NUL bytes.
PRELUDE = (
    b'{"statusCode":200,"headers":{"content-type":"text/event-stream"},'
    b'"cookies":["session=s1; Path=/"]}' + b"\0" * 8
)


@pytest.fixture(scope="module")
def streaming(start_module_function: Any) -> LambdaEmulator:
    emulator: LambdaEmulator = start_module_function("faas_bridge", "streaming_function.handler")
    return emulator


def test_chunks_arrive_as_they_are_produced(streaming: LambdaEmulator) -> None:
    pending = streaming.submit({"case": "sse", "count": 4, "gap": GAP})
    arrived = list(pending.chunks(timeout=5))
    reply = pending.result(5)
    assert reply.outcome == "response" and reply.streamed
    assert [data for _, data in arrived] == [f"data: event {n}\n\n".encode() for n in (1, 2, 3, 4)]
    times = [at for at, _ in arrived]
    first, total = times[0], reply.seconds
    # Produced 0.25 s apart: the whole takes >= 0.75 s, the first chunk comes at once.
    assert total >= 3 * GAP
    assert first < total / 4, (first, total)
    assert all(later - earlier >= GAP * 0.8 for earlier, later in itertools.pairwise(times))
    assert reply.content_type == "application/vnd.awslambda.http-integration-response"
    assert reply.headers["Lambda-Runtime-Function-Response-Mode"] == "streaming"
    assert reply.prelude_bytes == PRELUDE
    assert reply.prelude == {
        "statusCode": 200,
        "headers": {"content-type": "text/event-stream"},
        "cookies": ["session=s1; Path=/"],
    }
    assert reply.error is None and reply.trailers == {}


def test_a_failure_after_the_first_bytes_goes_in_the_trailers(streaming: LambdaEmulator) -> None:
    reply = streaming.invoke({"case": "fails-midway", "gap": 0.05})
    # Lambda counts it a response, and passes the error on to the client.
    assert reply.outcome == "response"
    assert reply.body == b"data: event 1\n\ndata: event 2\n\n"
    assert reply.prelude_bytes == PRELUDE
    assert reply.error_type == "ConnectionError"
    assert reply.error is not None
    assert reply.error["errorType"] == "ConnectionError"
    assert reply.error["errorMessage"] == "upstream went away"
    assert "streaming_function.py" in reply.error["stackTrace"][0]
    assert "raise ConnectionError" in reply.error["stackTrace"][-1]
    assert streaming.wait_output("[ERROR] ConnectionError: upstream went away"), streaming.output()


def test_a_failure_before_the_first_byte_is_a_plain_error(streaming: LambdaEmulator) -> None:
    reply = streaming.invoke({"case": "fails-first"})
    assert reply.outcome == "error" and not reply.streamed
    assert reply.error is not None
    assert (reply.error["errorType"], reply.error["errorMessage"]) == (
        "PermissionError",
        "no stream for you",
    )


def test_a_stream_without_head_is_the_bare_payload(streaming: LambdaEmulator) -> None:
    reply = streaming.invoke({"case": "octets"})
    assert reply.outcome == "response" and reply.streamed
    assert reply.content_type == "application/x-raw"
    assert reply.prelude_bytes is None
    assert reply.body == b"\x00\x01\x02"  # the empty chunk is skipped, not an end
    assert [data for _, data in reply.chunks] == [b"\x00\x01", b"\x02"]


# -- the wire, read by h11 ---------------------------------------------------------


class Capture:
    """A one-connection HTTP/1.1 server on 127.0.0.1 that reads the request with h11."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.events: list[Any] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            parser = h11.Connection(h11.SERVER)
            while True:
                event = parser.next_event()
                if event is h11.NEED_DATA:
                    parser.receive_data(connection.recv(65536))
                    continue
                self.events.append(event)
                if isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                    break
            reply = h11.Response(status_code=202, headers=[("Content-Length", "2")])
            connection.sendall(parser.send(reply) + parser.send(h11.Data(data=b"{}")))
            connection.sendall(parser.send(h11.EndOfMessage()))

    def close(self) -> None:
        self.thread.join(5)
        self.listener.close()

    def request(self) -> h11.Request:
        return next(e for e in self.events if isinstance(e, h11.Request))

    def body(self) -> bytes:
        return b"".join(bytes(e.data) for e in self.events if isinstance(e, h11.Data))

    def trailers(self) -> dict[bytes, bytes]:
        end = next(e for e in self.events if isinstance(e, h11.EndOfMessage))
        return dict(end.headers)


def send(chunks: Iterator[bytes], head: HttpHead | None) -> tuple[Capture, Any]:
    capture = Capture()
    try:
        outcome = RuntimeClient(f"127.0.0.1:{capture.port}").send_streamed(
            "8f5c1f4e-3b0a-4f8e-9a57-2f1d5f0e6a11", chunks, head
        )
    finally:
        capture.close()
    return capture, outcome


def test_the_request_is_the_documented_streaming_post() -> None:
    head = HttpHead(200, {"content-type": "text/event-stream"}, ["session=s1; Path=/"])
    capture, outcome = send(iter([b"data: 1\n\n", b"data: 2\n\n"]), head)
    request = capture.request()
    assert request.method == b"POST"
    assert request.target == (
        b"/2018-06-01/runtime/invocation/8f5c1f4e-3b0a-4f8e-9a57-2f1d5f0e6a11/response"
    )
    headers = dict(request.headers)
    assert headers[b"lambda-runtime-function-response-mode"] == b"streaming"
    assert headers[b"transfer-encoding"] == b"chunked"
    assert headers[b"content-type"] == b"application/vnd.awslambda.http-integration-response"
    assert headers[b"trailer"] == (
        b"Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    )
    assert capture.body() == PRELUDE + b"data: 1\n\ndata: 2\n\n"
    assert capture.trailers() == {}
    assert (outcome.sent, outcome.error) == (len(PRELUDE) + 18, None)


def test_a_mid_stream_error_is_sent_as_base64_json_trailers() -> None:
    closed = []

    def chunks() -> Iterator[bytes]:
        try:
            yield b"partial"
            raise TimeoutError("the model stopped answering")
        finally:
            closed.append(True)

    capture, outcome = send(chunks(), None)
    assert dict(capture.request().headers)[b"content-type"] == b"application/octet-stream"
    assert capture.body() == b"partial"
    trailers = capture.trailers()
    assert trailers[b"lambda-runtime-function-error-type"] == b"TimeoutError"
    document = json.loads(base64.b64decode(trailers[b"lambda-runtime-function-error-body"]))
    assert document == {
        "errorMessage": "the model stopped answering",
        "errorType": "TimeoutError",
        "stackTrace": [],
    }
    assert outcome.error is not None and outcome.error.type == "TimeoutError"
    assert closed == [True]  # the generator was closed: its finally ran


def test_nothing_is_sent_when_the_first_chunk_fails() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.2)

    def chunks() -> Iterator[bytes]:
        raise LookupError("no such feed")
        yield b""

    try:
        with pytest.raises(LookupError):
            RuntimeClient(f"127.0.0.1:{port}").send_streamed("id-1", chunks())
        with pytest.raises(TimeoutError):
            listener.accept()  # no connection was ever made
    finally:
        listener.close()


def test_a_chunk_that_is_not_bytes_is_reported_midstream() -> None:
    capture, outcome = send(iter([b"ok", 42]), None)  # type: ignore[list-item]
    assert capture.body() == b"ok"
    assert outcome.error is not None and outcome.sent == 2
    assert capture.trailers()[b"lambda-runtime-function-error-type"] == b"TypeError"
