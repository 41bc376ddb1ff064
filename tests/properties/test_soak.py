"""Soak and concurrency: nothing grows, nothing leaks between requests.

Sequential invocations (good requests mixed with every kind of failure: an
app raising mid-stream, one never calling start_response, one whose close()
raises, malformed events, unrecognised ones) must leave memory, open files and
threads where they were. Concurrent invocations from many threads on one
handler must each get their own reply.

The default run is short. The long soak is one command::

    FAAS_BRIDGE_SOAK=long python -m pytest tests/properties/test_soak.py -s

(100,000 sequential invocations; 32 threads x 1,000 concurrent ones) and
prints RSS, open files and threads before and after.
"""

from __future__ import annotations

import base64
import gc
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import FaasBridgeError, wrap
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v2, aws_edge, yandex
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.dispatch import Handler
from support.events import reply_body

LONG = os.environ.get("FAAS_BRIDGE_SOAK", "short") == "long"
SEQUENTIAL = 100_000 if LONG else 3_000
THREADS, PER_THREAD = (32, 1_000) if LONG else (32, 25)
#: RSS growth allowed over the run, after warm-up (allocator noise, not leaks).
RSS_SLACK = 8 * 1024 * 1024


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def snapshot() -> dict[str, int]:
    gc.collect()
    return {"rss": rss(), "fds": open_files(), "threads": threading.active_count()}


# -- An app that fails on demand ---------------------------------------------------


class ClosesBadly:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        yield self.body

    def close(self) -> None:
        raise RuntimeError("close() failed")


def app(environ: dict[str, Any], start_response: Any) -> Any:
    """Echoes path and body; ``/fail/<how>`` fails in one of the ways apps fail."""
    path = environ["PATH_INFO"]
    body = environ["wsgi.input"].read()
    if path == "/fail/raise":
        raise RuntimeError("boom")
    if path == "/fail/no-start":
        return [b"never started"]
    if path == "/fail/mid-stream":
        return _mid_stream(start_response)
    if path == "/fail/close":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ClosesBadly(b"x")
    if path == "/fail/header":
        start_response("200 OK", [("X-Evil", "a\r\nb")])
        return [b"x"]
    payload = json.dumps(
        {"path": path, "id": environ.get("HTTP_X_ID"), "body": base64.b64encode(body).decode()}
    ).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [payload]


def _mid_stream(start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"half"
    raise RuntimeError("mid-stream")


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    message = await receive()
    if scope["path"] == "/fail/raise":
        raise RuntimeError("boom")
    if scope["path"] == "/fail/no-start":
        return
    headers = dict(scope["headers"])
    payload = json.dumps(
        {
            "path": scope["path"],
            "id": headers.get(b"x-id", b"").decode() or None,
            "body": base64.b64encode(message.get("body", b"")).decode(),
        }
    ).encode()
    if scope["path"] == "/fail/header":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x", b"a\nb")]})
        await send({"type": "http.response.body", "body": b"x"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    if scope["path"] == "/fail/close":  # the reply is complete, then the app fails
        await send({"type": "http.response.body", "body": b"x"})
        raise RuntimeError("after the reply")
    if scope["path"] == "/fail/mid-stream":
        await send({"type": "http.response.body", "body": b"half", "more_body": True})
        raise RuntimeError("mid-stream")
    await send({"type": "http.response.body", "body": payload})


CONTEXT = SimpleNamespace(aws_request_id="soak", get_remaining_time_in_millis=lambda: 30_000)
BUILDS = [
    aws_apigw_v2.build_event,
    aws_alb.build_event,
    lambda call: aws_alb.build_event(call, multi_value=True),
    aws_edge.build_event,
    lambda call: yandex.build_event(call, form="0.1"),
]
FAILURES = ["/fail/raise", "/fail/no-start", "/fail/mid-stream", "/fail/close", "/fail/header"]


def one(handler: Handler, i: int) -> None:
    """Invocation ``i`` of the mix, checked."""
    kind = i % 10
    build = BUILDS[i % len(BUILDS)]
    if kind < 5:
        path = f"/ok/{i}"
        event = build(HttpCall("POST", path, [("X-Id", str(i))], f"body {i}".encode()))
        reply = handler(event, CONTEXT)
        seen = json.loads(_body(reply))
        assert (seen["path"], seen["id"], base64.b64decode(seen["body"])) == (
            path,
            str(i),
            f"body {i}".encode(),
        )
    elif kind < 8:
        path = FAILURES[i // 10 % len(FAILURES)]
        reply = handler(build(HttpCall("GET", path)), CONTEXT)
        if path == "/fail/close":  # complete before the failure: the reply stands
            assert (_status(reply), _body(reply)) == (200, b"x"), reply
        else:
            assert _status(reply) == 500, reply
    elif kind == 8:
        event = build(HttpCall("GET", "/"))
        _break(event)
        assert _status(handler(event, CONTEXT)) == 400
    else:
        with pytest.raises(FaasBridgeError):
            handler({"not": "an http event", "n": i}, CONTEXT)


def _break(event: dict[str, Any]) -> None:
    """Make a built event malformed: an invalid base64 body, wherever the vendor keeps it."""
    if "Records" in event:
        event["Records"][0]["cf"]["request"]["body"] = {"data": "*", "encoding": "base64"}
    else:
        event["body"], event["isBase64Encoded"] = "not*base64", True


def _status(reply: dict[str, Any]) -> int:
    return int(reply.get("statusCode") or reply["status"])


def _body(reply: dict[str, Any]) -> bytes:
    if "bodyEncoding" in reply:
        data = reply.get("body", "")
        return base64.b64decode(data) if reply["bodyEncoding"] == "base64" else data.encode()
    return reply_body(reply)


@pytest.fixture
def quiet() -> Iterator[None]:
    """Failures are logged with tracebacks; kept records would look like a leak."""
    logger = logging.getLogger("faas_bridge")
    saved = (logger.handlers, logger.propagate)
    logger.handlers, logger.propagate = [logging.NullHandler()], False
    yield
    logger.handlers, logger.propagate = saved


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_sequential_invocations_leak_nothing(interface: str, quiet: None) -> None:
    handler = wrap(app if interface == "wsgi" else asgi_app)
    try:
        for i in range(500):  # warm-up: imports, caches, the loop and watch threads
            one(handler, i)
        before = snapshot()
        began = time.perf_counter()
        for i in range(SEQUENTIAL):
            one(handler, i)
        seconds = time.perf_counter() - began
        after = snapshot()
    finally:
        handler.shutdown()
    print(
        f"\n{interface}: {SEQUENTIAL} invocations in {seconds:.1f} s "
        f"({seconds / SEQUENTIAL * 1e6:.0f} us each): "
        f"RSS {before['rss'] / 2**20:.1f} -> {after['rss'] / 2**20:.1f} MiB, "
        f"fds {before['fds']} -> {after['fds']}, threads {before['threads']} -> {after['threads']}"
    )
    assert after["fds"] == before["fds"]
    assert after["threads"] == before["threads"]
    assert after["rss"] - before["rss"] < RSS_SLACK


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
def test_concurrent_invocations_never_cross(interface: str, quiet: None) -> None:
    handler = wrap(app if interface == "wsgi" else asgi_app)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(t: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                # Good requests only (i % 10 < 5), each with an id of its own.
                one(handler, (t * PER_THREAD + i) * 10 + i % 5)
        except BaseException as exc:  # reported below, with the thread's number
            errors.append(exc)

    before = snapshot()
    threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
    began = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    finally:
        handler.shutdown()
    seconds = time.perf_counter() - began
    after = snapshot()
    print(
        f"\n{interface}: {THREADS} threads x {PER_THREAD} in {seconds:.1f} s; "
        f"threads {before['threads']} -> {after['threads']}, fds {before['fds']} -> {after['fds']}"
    )
    assert not errors, errors[:3]
    assert not [t for t in threads if t.is_alive()]
