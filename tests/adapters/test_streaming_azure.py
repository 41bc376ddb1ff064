"""Streamed replies on Azure Functions: HTTP streams, with the real extension's types and server.

With ``response_stream``, ``function_app`` registers an HTTP streams function:
typed with ``azurefunctions-extensions-http-fastapi``'s ``Request`` and
``StreamingResponse``, which is how the Python worker tells a streams function
(the worker then proxies HTTP through the extension's uvicorn server). The
replies are read by a real HTTP client from that server
(tests/support/azure_streams_server.py: the extension's ``WebApp`` and ``WebServer``,
and the worker's part after its http_v2 module).

Not tested end to end: the Functions host (the .NET process that forwards a
client's request to the worker's server and invokes the function over gRPC)
and the worker itself (``azure_functions_worker``, shipped with the host, not
installable from PyPI for this Python) cannot run here; what the host adds to
the forwarded request (Host, X-Forwarded-*) is therefore not checked.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import azure.functions as func
import pytest
from azurefunctions.extensions.base import HttpV2FeatureChecker
from azurefunctions.extensions.http.fastapi import Request, StreamingResponse

from faas_bridge import ConfigurationError, wrap
from faas_bridge.azure import function_app
from support.stream_client import (
    SUPPORT,
    Server,
    TimedReply,
    assert_cut_after_two_events,
    assert_event_by_event,
    assert_failed_before_the_first_byte,
    assert_task_ran_after_the_reply,
    start_server,
)

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
        return [sys.executable, str(SUPPORT / "azure_streams_server.py"), str(port)]

    running = start_server(command, log_dir, env, "azure-streams")
    try:
        running.get("/api/after", INVOCATION)  # the first request loads what handlers load lazily
        yield running
    finally:
        running.stop()


def get(server: Server, target: str) -> TimedReply:
    return server.get(target, INVOCATION)


def test_a_starlette_sse_reply_reaches_the_client_event_by_event(server: Server) -> None:
    reply = get(server, "/api/sse")
    assert_event_by_event(reply, EVENTS, GAP)
    assert reply.header("content-type") == ["text/event-stream; charset=utf-8"]
    # The buffered Azure reply's rules: a repeated header comma-joined, each cookie its own.
    assert reply.header("x-feed") == ["a, b"]
    assert reply.header("set-cookie") == ["seen=1; Path=/", "feed=news; Path=/"]


def test_a_flask_generator_streams_too(server: Server) -> None:
    assert_event_by_event(get(server, "/api/generator"), EVENTS, GAP)


def test_the_route_prefix_is_the_root_path(server: Server) -> None:
    """``/api/after`` reaches the app's ``/after`` route: the prefix left the path."""
    reply = get(server, "/api/after")
    assert (reply.status, reply.body) == (200, b"next")


def test_a_failure_before_the_first_byte_is_a_500(server: Server) -> None:
    for target in ("/api/broken", "/api/generator?fail_after=0"):
        assert_failed_before_the_first_byte(get(server, target), target)


@pytest.mark.parametrize("target", ["/api/sse?fail_after=2", "/api/generator?fail_after=2"])
def test_a_failure_mid_stream_cuts_the_body(server: Server, target: str) -> None:
    assert_cut_after_two_events(get(server, target))


def test_a_background_task_runs_after_the_reply_is_sent(server: Server) -> None:
    assert_task_ran_after_the_reply(server, lambda: get(server, "/api/accepted"))
