"""The local gateway streams where the emulated integration does: ``faas-bridge serve --stream``.

``faas-bridge serve --platform aws-function-url --stream`` serves the runtime
tests' Starlette app (tests/runtime/functions/stream_apps_function.py) on
127.0.0.1; a real HTTP client reads each reply as it arrives. With
``--stream`` the gateway takes the handler's streamed reply and writes it
chunked (werkzeug's HTTP/1.1 server, no Content-Length) as the app produces
it, with the Function URL's header rules (a repeated header joined with ", ",
each Set-Cookie its own). Without it, the same request comes whole.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator

import pytest

from support.stream_client import Server, start_server

GAP = 0.2
EVENTS = b"".join(f"data: event {n}\n\n".encode() for n in (1, 2, 3, 4))


def serve(
    tmp_path_factory: pytest.TempPathFactory, *flags: str, platform: str = "aws-function-url"
) -> Iterator[Server]:
    log_dir = tmp_path_factory.mktemp("gateway-stream")

    def command(port: int) -> list[str]:
        return [
            *(sys.executable, "-m", "faas_bridge", "serve", "stream_apps_function:starlette_app"),
            *("--platform", platform, "--port", str(port), *flags),
        ]

    env = {"GAP": str(GAP), "TASK_LOG": str(log_dir / "task.log")}
    running = start_server(command, log_dir, env, "gateway")
    running.task_log = log_dir / "task.log"  # type: ignore[attr-defined]
    try:
        running.get("/after")
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def streaming(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory, "--stream")


@pytest.fixture(scope="module")
def http_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An HTTP API cannot stream: its replies come whole, background work after them."""
    yield from serve(tmp_path_factory, "--stream", platform="aws-apigw-v2")


@pytest.fixture(scope="module")
def buffered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve(tmp_path_factory)


def test_with_stream_each_event_reaches_the_client_when_made(streaming: Server) -> None:
    reply = streaming.get("/sse")
    assert reply.status == 200 and not reply.incomplete
    assert reply.body == EVENTS
    times = reply.events_at()
    assert times[0] < GAP / 2, times
    assert all(later - earlier > GAP / 2 for earlier, later in itertools.pairwise(times)), times
    assert reply.header("transfer-encoding") == ["chunked"]
    assert reply.header("content-length") == []
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]
    # A Function URL's rules: one value per name, repeats joined; each cookie its own.
    assert reply.header("x-feed") == ["a, b"]
    assert reply.header("set-cookie") == ["seen=1; Path=/", "feed=news; Path=/"]


def test_without_it_the_reply_comes_whole(buffered: Server) -> None:
    reply = buffered.get("/sse")
    assert reply.status == 200 and reply.body == EVENTS
    assert reply.first > 3 * GAP * 0.9
    assert reply.header("content-length") == [str(len(EVENTS))]


def test_a_failure_mid_stream_cuts_the_body(streaming: Server) -> None:
    reply = streaming.get("/sse?fail_after=2")
    assert reply.status == 200
    assert reply.body == b"data: event 1\n\ndata: event 2\n\n"
    assert reply.incomplete


def test_a_background_task_does_not_delay_the_reply(streaming: Server) -> None:
    reply = streaming.get("/accepted")
    assert (reply.status, reply.body) == (200, b"accepted")
    assert reply.total < 0.5  # the task takes 1 s


def test_a_whole_reply_over_the_limit_is_a_502_and_the_work_after_it_still_runs(
    http_api: Server,
) -> None:
    # An HTTP API takes the whole reply, where Lambda's 6 MB of reply
    # (6,291,556 bytes) applies: 7 MB is refused, and the app's background
    # task still runs once the reply is settled.
    assert http_api.get("/accepted").status == 200  # the same work, within the limit
    reply = http_api.get("/oversized")
    assert reply.status == 502
    assert b"x" * 1000 not in reply.body
    log = http_api.task_log  # type: ignore[attr-defined]
    for _ in range(50):
        if "oversized task done" in log.read_text():
            break
        time.sleep(0.1)
    assert "oversized task done" in log.read_text()
