"""Streamed replies on Azure Functions: HTTP streams, with the real extension's types and server.

With ``response_stream``, ``function_app`` registers an HTTP streams function:
typed with ``azurefunctions-extensions-http-fastapi``'s ``Request`` and
``StreamingResponse``, which is how the Python worker tells a streams function
(the worker then proxies HTTP through the extension's uvicorn server). The
replies are read by a real HTTP client from that server
(tests/azure_streams_server.py: the extension's ``WebApp`` and ``WebServer``,
and the worker's part after its http_v2 module).

Not tested end to end: the Functions host (the .NET process that forwards a
client's request to the worker's server and invokes the function over gRPC)
and the worker itself (``azure_functions_worker``, shipped with the host, not
installable from PyPI for this Python) cannot run here; what the host adds to
the forwarded request (Host, X-Forwarded-*) is therefore not checked.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest
from azurefunctions.extensions.base import HttpV2FeatureChecker
from azurefunctions.extensions.http.fastapi import Request, StreamingResponse

from faas_bridge import ConfigurationError, wrap
from faas_bridge.azure import function_app
from stream_client import TESTS, Server, TimedReply, start_server

GAP = 0.2
EVENTS = b"".join(f"data: event {n}\n\n".encode() for n in (1, 2, 3, 4))
INVOCATION = {"x-ms-invocation-id": "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"}


def plain_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def user_function(app: Any) -> Any:
    (function,) = app.get_functions()
    return function.get_user_function()


# -- the function the worker indexes ---------------------------------------------------


def test_with_the_option_the_function_is_an_http_streams_function() -> None:
    function = user_function(function_app(plain_app, response_stream=True))
    annotations = function.__annotations__
    assert annotations["req"] is Request and annotations["return"] is StreamingResponse
    assert annotations["context"] is func.Context
    assert HttpV2FeatureChecker.http_v2_enabled()  # what the worker asks of the extension


def test_without_it_the_function_keeps_the_buffered_types() -> None:
    function = user_function(function_app(plain_app))
    annotations = function.__annotations__
    assert annotations["req"] is func.HttpRequest and annotations["return"] is func.HttpResponse


def test_a_handler_built_with_the_option_streams_too() -> None:
    handler = wrap(plain_app, response_stream=True)
    for target in (handler, handler.as_function()):
        assert user_function(function_app(target)).__annotations__["req"] is Request


def test_faas_bridge_handler_follows_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAAS_BRIDGE_RESPONSE_STREAM", "on")
    assert user_function(function_app()).__annotations__["req"] is Request
    monkeypatch.setenv("FAAS_BRIDGE_RESPONSE_STREAM", "off")
    assert user_function(function_app()).__annotations__["req"] is func.HttpRequest


def test_without_the_extension_the_option_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "azurefunctions.extensions.http.fastapi", None)
    with pytest.raises(
        ConfigurationError, match="needs the azurefunctions-extensions-http-fastapi"
    ):
        function_app(plain_app, response_stream=True)


# -- replies, through the extension's server -------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log_dir = tmp_path_factory.mktemp("azure-streams")
    env = {"GAP": str(GAP), "TASK_LOG": str(log_dir / "task.log")}

    def command(port: int) -> list[str]:
        return [sys.executable, str(TESTS / "azure_streams_server.py"), str(port)]

    running = start_server(command, log_dir, env, "azure-streams")
    try:
        running.get("/api/after", INVOCATION)  # the first request loads what handlers load lazily
        yield running
    finally:
        running.stop()


def get(server: Server, target: str) -> TimedReply:
    return server.get(target, INVOCATION)


def assert_streamed(reply: TimedReply) -> None:
    """Four events, each when produced: the first at once, then one every GAP."""
    assert reply.status == 200 and not reply.incomplete
    assert reply.body == EVENTS
    times = reply.events_at()
    assert len(times) == 4
    assert times[0] < GAP / 2, times
    for earlier, later in itertools.pairwise(times):
        assert later - earlier > GAP / 2, times
    assert reply.header("transfer-encoding") == ["chunked"]
    assert reply.header("content-length") == []


def test_a_starlette_sse_reply_reaches_the_client_event_by_event(server: Server) -> None:
    reply = get(server, "/api/sse")
    assert_streamed(reply)
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]
    # The buffered Azure reply's rules: a repeated header comma-joined, each cookie its own.
    assert reply.header("x-feed") == ["a, b"]
    assert reply.header("set-cookie") == ["seen=1; Path=/", "feed=news; Path=/"]


def test_a_flask_generator_streams_too(server: Server) -> None:
    assert_streamed(get(server, "/api/generator"))


def test_the_route_prefix_is_the_root_path(server: Server) -> None:
    """``/api/after`` reaches the app's ``/after`` route: the prefix left the path."""
    reply = get(server, "/api/after")
    assert (reply.status, reply.body) == (200, b"next")


def test_a_failure_before_the_first_byte_is_a_500(server: Server) -> None:
    for target in ("/api/broken", "/api/generator?fail_after=0"):
        reply = get(server, target)
        assert (reply.status, reply.body, reply.incomplete) == (
            500,
            b"Internal Server Error",
            False,
        ), target


@pytest.mark.parametrize("target", ["/api/sse?fail_after=2", "/api/generator?fail_after=2"])
def test_a_failure_mid_stream_cuts_the_body(server: Server, target: str) -> None:
    reply = get(server, target)
    assert reply.status == 200
    assert reply.body == b"data: event 1\n\ndata: event 2\n\n"
    assert reply.incomplete


def test_a_background_task_runs_after_the_reply_is_sent(server: Server) -> None:
    log = server.log.parent / "task.log"
    log.unlink(missing_ok=True)
    reply = get(server, "/api/accepted")
    assert (reply.status, reply.body) == (200, b"accepted")
    assert reply.total < 0.5  # not the task's 1 s
    deadline = time.monotonic() + 5
    while "task done" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the background task never ran"
        time.sleep(0.05)
    first, second = log.read_text().split("\n")[:2]
    assert first.startswith("accepted") and second.startswith("task done")
    assert float(second.split()[-1]) - float(first.split()[-1]) >= 1.0
