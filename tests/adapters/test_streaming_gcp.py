"""Streamed replies on Google Cloud Run functions, through the real functions-framework server.

``functions-framework --target handler`` serves tests/support/ff_stream_main.py on
127.0.0.1 (gunicorn with threads, as deployed) and a real HTTP client reads
each reply as it arrives (tests/support/stream_client.py). The apps are the runtime
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

import sys
from collections.abc import Iterator

import pytest

from support.stream_client import (
    SUPPORT,
    Server,
    assert_cut_after_two_events,
    assert_event_by_event,
    assert_failed_before_the_first_byte,
    assert_task_ran_after_the_reply,
    start_server,
)

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
        str(SUPPORT / "ff_stream_main.py"),
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


def test_a_starlette_sse_reply_reaches_the_client_event_by_event(server: Server) -> None:
    reply = server.get("/sse")
    assert_event_by_event(reply, EVENTS, GAP)
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]
    assert reply.header("x-feed") == ["a", "b"]
    assert reply.header("set-cookie") == ["seen=1; Path=/", "feed=news; Path=/"]


def test_a_flask_generator_streams_too(server: Server) -> None:
    reply = server.get("/generator")
    assert_event_by_event(reply, EVENTS, GAP)
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]


def test_without_the_option_the_reply_comes_whole(server: Server) -> None:
    reply = server.get("/sse?buffered=1")
    assert reply.status == 200 and reply.body == EVENTS
    assert reply.first > 3 * GAP * 0.9  # nothing before the app's last event
    assert reply.header("x-feed") == ["a", "b"]


def test_a_failure_before_the_first_byte_is_a_500(server: Server) -> None:
    for target in ("/broken", "/generator?fail_after=0"):
        assert_failed_before_the_first_byte(server.get(target), target)


@pytest.mark.parametrize("target", ["/sse?fail_after=2", "/generator?fail_after=2"])
def test_a_failure_mid_stream_cuts_the_body(server: Server, target: str) -> None:
    assert_cut_after_two_events(server.get(target))


def test_a_background_task_runs_after_the_reply_is_sent(server: Server) -> None:
    assert_task_ran_after_the_reply(server, lambda: server.get("/accepted"))
