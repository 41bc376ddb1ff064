"""Streamed replies on Google Cloud Run functions, through the real functions-framework server.

``functions-framework --target handler`` serves tests/ff_stream_main.py on
127.0.0.1 (gunicorn with threads, as deployed) and a real HTTP client reads
each reply as it arrives (tests/stream_client.py). The apps are the runtime
tests' (tests/runtime/functions/stream_apps_function.py), wrapped with
``response_stream=True``: their events are produced ``GAP`` seconds apart.

What is checked, against what functions-framework and HTTP/1.1 do for any app:

* each event reaches the client when the app produces it: the first long
  before the last, then one every ``GAP`` (the buffered handler, by contrast,
  sends its first byte only once the whole body is made);
* the reply is chunked (no Content-Length), with the app's headers as it sent
  them, repeats and both Set-Cookie kept (what the buffered reply keeps);
* a Flask generator under ``stream_with_context`` streams too, without
  upsetting functions-framework's own Flask context;
* an app failing before its first byte gets a normal 500; after some bytes,
  the chunked body ends without its last chunk (the client sees a cut body,
  HTTP's only way to say so);
* a Starlette background task of 1 s does not delay the reply: it runs once
  the server has sent it.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator

import pytest

from stream_client import TESTS, Server, TimedReply, start_server

GAP = 0.2
EVENTS = b"".join(f"data: event {n}\n\n".encode() for n in (1, 2, 3, 4))


def command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "functions_framework",
        "--target",
        "handler",
        "--source",
        str(TESTS / "ff_stream_main.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log_dir = tmp_path_factory.mktemp("ff-stream")
    env = {"GAP": str(GAP), "TASK_LOG": str(log_dir / "task.log"), "THREADS": "8"}
    running = start_server(command, log_dir, env, "functions-framework")
    try:
        running.get("/after")  # the first request imports what the handlers load lazily
        yield running
    finally:
        running.stop()


def assert_streamed(reply: TimedReply) -> None:
    """Four events, each when produced: the first at once, then one every GAP."""
    assert reply.status == 200 and not reply.incomplete
    assert reply.body == EVENTS
    times = reply.events_at()
    assert len(times) == 4
    assert times[0] < GAP / 2, times  # long before the last event is even made
    for earlier, later in itertools.pairwise(times):
        assert later - earlier > GAP / 2, times
    assert reply.total > 3 * GAP * 0.9
    assert reply.header("transfer-encoding") == ["chunked"]
    assert reply.header("content-length") == []


def test_a_starlette_sse_reply_reaches_the_client_event_by_event(server: Server) -> None:
    reply = server.get("/sse")
    assert_streamed(reply)
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]
    assert reply.header("x-feed") == ["a", "b"]
    assert reply.header("set-cookie") == ["seen=1; Path=/", "feed=news; Path=/"]


def test_a_flask_generator_streams_too(server: Server) -> None:
    reply = server.get("/generator")
    assert_streamed(reply)
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]


def test_without_the_option_the_reply_comes_whole(server: Server) -> None:
    reply = server.get("/sse?buffered=1")
    assert reply.status == 200 and reply.body == EVENTS
    assert reply.first > 3 * GAP * 0.9  # nothing before the app's last event
    assert reply.header("x-feed") == ["a", "b"]


def test_a_failure_before_the_first_byte_is_a_500(server: Server) -> None:
    for target in ("/broken", "/generator?fail_after=0"):
        reply = server.get(target)
        assert (reply.status, reply.body, reply.incomplete) == (
            500,
            b"Internal Server Error",
            False,
        ), target


@pytest.mark.parametrize("target", ["/sse?fail_after=2", "/generator?fail_after=2"])
def test_a_failure_mid_stream_cuts_the_body(server: Server, target: str) -> None:
    reply = server.get(target)
    assert reply.status == 200
    assert reply.body == b"data: event 1\n\ndata: event 2\n\n"
    assert reply.incomplete  # no last chunk: the client knows the body is not whole


def test_a_background_task_runs_after_the_reply_is_sent(server: Server) -> None:
    log = server.log.parent / "task.log"
    log.unlink(missing_ok=True)
    reply = server.get("/accepted")
    assert (reply.status, reply.body) == (200, b"accepted")
    assert reply.total < 0.5  # not the task's 1 s
    deadline = time.monotonic() + 5
    while "task done" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the background task never ran"
        time.sleep(0.05)
    lines = log.read_text().split("\n")
    accepted = float(lines[0].split()[-1])
    done = float(lines[1].split()[-1])
    assert lines[0].startswith("accepted") and lines[1].startswith("task done")
    assert done - accepted >= 1.0
