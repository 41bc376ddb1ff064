"""The bridge contract's streamed body: a Response whose ``stream`` yields the app's chunks.

Asked to stream, the WSGI bridge returns once the status and headers are
final (the app's first non-empty chunk, PEP 3333) and yields the iterable's
items as the app produces them, calling the iterable's ``close()`` at the end,
on failure and when the reader stops early. The ASGI bridge returns after
``http.response.start`` and the first body bytes, and yields each
``http.response.body`` chunk as the app sends it; without streaming, it returns
once the reply is complete and leaves the app's remaining work (background
tasks) to ``after``. Timings are measured against the app's own clock: the
reply comes before the app has produced its last chunk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from faas_bridge.bridges.asgi import ASGIBridge, build_scope
from faas_bridge.bridges.wsgi import WSGIBridge, build_environ
from faas_bridge.http import Request, buffer_stream

GAP = 0.15


def environ(path: str = "/") -> dict[str, Any]:
    return build_environ(Request("GET", path.encode(), headers=[("host", "example.test")]))


# -- WSGI -------------------------------------------------------------------------


class Body:
    """A WSGI iterable that logs what happens to it, with the time of each event."""

    def __init__(self, items: list[bytes | Exception], gap: float = 0.0) -> None:
        self.items = items
        self.gap = gap
        self.log: list[tuple[str, float]] = []
        self.began = time.monotonic()

    def __iter__(self) -> Iterator[bytes]:
        for index, item in enumerate(self.items):
            if index and self.gap:
                time.sleep(self.gap)
            if isinstance(item, Exception):
                self.log.append(("raise", time.monotonic() - self.began))
                raise item
            self.log.append((f"yield {item!r}", time.monotonic() - self.began))
            yield item

    def close(self) -> None:
        self.log.append(("close", time.monotonic() - self.began))

    def events(self) -> list[str]:
        return [event for event, _ in self.log]


def wsgi_app(body: Body, status: str = "200 OK") -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
        start_response(status, [("Content-Type", "text/event-stream")])
        return body

    return app


def test_wsgi_stream_returns_at_the_first_chunk_and_yields_as_produced() -> None:
    body = Body([b"data: 1\n\n", b"data: 2\n\n", b"data: 3\n\n"], gap=GAP)
    began = time.monotonic()
    response = WSGIBridge(wsgi_app(body)).stream(environ())
    returned = time.monotonic() - began
    assert response.status == 200
    assert response.headers == [("Content-Type", "text/event-stream")]
    assert response.body == b"" and response.stream is not None
    assert returned < GAP / 2  # the later items are not produced yet
    assert body.events() == ["yield b'data: 1\\n\\n'"]
    arrived = [(chunk, time.monotonic() - began) for chunk in response.stream]
    assert [chunk for chunk, _ in arrived] == [b"data: 1\n\n", b"data: 2\n\n", b"data: 3\n\n"]
    # Each chunk is handed on as the app yields it, not when the body ends.
    assert arrived[0][1] < GAP / 2
    assert arrived[1][1] >= GAP * 0.9 and arrived[2][1] >= 2 * GAP * 0.9
    assert body.events()[-1] == "close"
    assert body.events().count("close") == 1


def test_wsgi_stream_closes_the_iterable_when_it_fails_midway() -> None:
    body = Body([b"partial", ConnectionError("upstream went away")])
    response = WSGIBridge(wsgi_app(body)).stream(environ())
    assert response.stream is not None
    assert next(response.stream) == b"partial"
    with pytest.raises(ConnectionError, match="upstream went away"):
        next(response.stream)
    assert body.events() == ["yield b'partial'", "raise", "close"]


def test_wsgi_stream_closes_the_iterable_when_the_reader_stops_early() -> None:
    body = Body([b"one", b"two", b"three"])
    response = WSGIBridge(wsgi_app(body)).stream(environ())
    assert response.stream is not None
    assert next(response.stream) == b"one"
    response.stream.close()
    assert body.events() == ["yield b'one'", "close"]  # "two" never produced


def test_wsgi_app_failing_before_its_first_byte_fails_the_call() -> None:
    """The failure comes out of stream() itself: the handler answers 500 as usual."""
    body = Body([b"", PermissionError("no stream for you")])
    with pytest.raises(PermissionError, match="no stream for you"):
        WSGIBridge(wsgi_app(body)).stream(environ())
    assert body.events() == ["yield b''", "raise", "close"]


def test_wsgi_headers_may_change_until_the_first_byte() -> None:
    """PEP 3333: before any body byte, start_response may be called again with exc_info."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/event-stream")])

        def body() -> Iterator[bytes]:
            try:
                raise LookupError("no such feed")
            except LookupError:
                import sys

                start_response("404 Not Found", [("Content-Type", "text/plain")], sys.exc_info())
            yield b"no such feed"

        return body()

    response = WSGIBridge(app).stream(environ())
    assert response.status == 404
    assert response.headers == [("Content-Type", "text/plain")]
    assert response.stream is not None and list(response.stream) == [b"no such feed"]


def test_wsgi_write_and_items_keep_the_apps_order() -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        write = start_response("200 OK", [])
        write(b"w1")

        def body() -> Iterator[bytes]:
            yield b"i1"
            write(b"w2")
            yield b""
            yield b"i2"

        return body()

    response = WSGIBridge(app).stream(environ())
    assert response.stream is not None
    assert list(response.stream) == [b"w1", b"i1", b"w2", b"i2"]


def test_wsgi_body_complete_before_a_byte_is_not_streamed() -> None:
    body = Body([b"", b""])
    response = WSGIBridge(wsgi_app(body, "204 No Content")).stream(environ())
    assert (response.status, response.body, response.stream) == (204, b"", None)
    assert body.events() == ["yield b''", "yield b''", "close"]


def test_wsgi_body_items_must_be_bytes_in_a_stream_too() -> None:
    body = Body([b"ok", "text"])  # type: ignore[list-item]
    response = WSGIBridge(wsgi_app(body)).stream(environ())
    assert response.stream is not None
    assert next(response.stream) == b"ok"
    with pytest.raises(TypeError, match="must be bytes, not str"):
        next(response.stream)
    assert body.events()[-1] == "close"


def test_buffer_stream_reads_the_whole_body_and_closes() -> None:
    body = Body([b"a", b"b"])
    response = WSGIBridge(wsgi_app(body)).stream(environ())
    buffer_stream(response)
    assert (response.body, response.stream) == (b"ab", None)
    assert body.events()[-1] == "close"


# -- ASGI -------------------------------------------------------------------------

produced: list[tuple[str, float]] = []


async def sse(request: StarletteRequest) -> StreamingResponse:
    began = time.monotonic()

    async def events() -> Any:
        for n in (1, 2, 3):
            if n > 1:
                await asyncio.sleep(GAP)
            produced.append((f"event {n}", time.monotonic() - began))
            yield f"data: event {n}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


async def failing(request: StarletteRequest) -> StreamingResponse:
    async def events() -> Any:
        yield "data: event 1\n\n"
        await asyncio.sleep(GAP / 3)  # the first event is out by then
        # Not an OSError: Starlette takes any OSError for the client going away.
        raise LookupError("upstream went away")

    return StreamingResponse(events(), media_type="text/event-stream")


async def endless(request: StarletteRequest) -> StreamingResponse:
    async def events() -> Any:
        n = 0
        while True:
            n += 1
            produced.append((f"event {n}", 0.0))
            yield f"data: {n}\n\n"
            await asyncio.sleep(0.01)

    return StreamingResponse(events(), media_type="text/event-stream")


async def background(request: StarletteRequest) -> PlainTextResponse:
    async def task() -> None:
        await asyncio.sleep(4 * GAP)
        produced.append(("background done", time.monotonic()))

    return PlainTextResponse("accepted", background=BackgroundTask(task))


async def broken(request: StarletteRequest) -> PlainTextResponse:
    raise KeyError("missing")


starlette_app = Starlette(
    routes=[
        Route("/sse", sse),
        Route("/failing", failing),
        Route("/endless", endless),
        Route("/background", background),
        Route("/broken", broken),
    ]
)


@pytest.fixture(scope="module")
def bridge() -> ASGIBridge:
    return ASGIBridge(starlette_app)


@pytest.fixture(autouse=True)
def fresh() -> None:
    produced.clear()


def scope(path: str) -> dict[str, Any]:
    return build_scope(Request("GET", path.encode(), headers=[("host", "example.test")]))


def test_asgi_stream_yields_each_body_message_as_sent(bridge: ASGIBridge) -> None:
    began = time.monotonic()
    response = bridge.open(scope("/sse"), b"", stream=True)
    returned = time.monotonic() - began
    assert response.status == 200
    assert ("content-type", "text/event-stream; charset=utf-8") in response.headers
    assert response.stream is not None and response.after is not None
    assert returned < GAP / 2
    assert [name for name, _ in produced] == ["event 1"]  # the rest not produced yet
    arrived = [(chunk, time.monotonic() - began) for chunk in response.stream]
    assert [chunk for chunk, _ in arrived] == [
        b"data: event 1\n\n",
        b"data: event 2\n\n",
        b"data: event 3\n\n",
    ]
    assert arrived[0][1] < GAP / 2 < GAP * 0.9 <= arrived[1][1]
    assert arrived[2][1] >= 2 * GAP * 0.9
    response.after()


def test_asgi_stream_raises_the_apps_failure_midway(
    bridge: ASGIBridge, caplog: pytest.LogCaptureFixture
) -> None:
    response = bridge.open(scope("/failing"), b"", stream=True)
    assert response.stream is not None and response.after is not None
    assert next(response.stream) == b"data: event 1\n\n"
    with pytest.raises(LookupError, match="upstream went away"):
        next(response.stream)
    response.after()
    # Raised to the reader (the runtime reports it); not logged a second time.
    assert "failed after its reply" not in caplog.text


def test_asgi_app_failing_before_its_reply_fails_the_call() -> None:
    """Nothing sent yet: the failure comes out of open(), for a normal error reply."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        ASGIBridge(app).open(scope("/"), b"", stream=True)


def test_starlette_error_page_is_its_reply(bridge: ASGIBridge) -> None:
    """Starlette answers 500 itself, then re-raises: the complete reply stands, as under uvicorn."""
    response = bridge.open(scope("/broken"), b"", stream=True)
    assert (response.status, response.body) == (500, b"Internal Server Error")


def test_asgi_reader_stopping_early_stops_an_endless_stream(bridge: ASGIBridge) -> None:
    """ASGI 2.4: once the client is gone, send raises OSError, and Starlette stops."""
    # The deadline ends it in 2 s if it does not stop (and the test fails then).
    response = bridge.open(scope("/endless"), b"", 2.0, stream=True)
    assert response.stream is not None and response.after is not None
    assert next(response.stream) == b"data: 1\n\n"
    response.stream.close()
    began = time.monotonic()
    response.after()  # returns only once the app has: it stopped
    assert time.monotonic() - began < 1
    assert len(produced) <= 3  # the event it was sending when it learnt, at most


def test_asgi_reply_comes_before_its_background_task(bridge: ASGIBridge) -> None:
    began = time.monotonic()
    response = bridge.open(scope("/background"), b"")
    replied = time.monotonic() - began
    assert (response.status, response.body, response.stream) == (200, b"accepted", None)
    assert replied < GAP, replied  # the task takes 4 * GAP
    assert produced == []
    assert response.after is not None
    response.after()
    finished = time.monotonic() - began
    assert [name for name, _ in produced] == ["background done"]
    assert finished >= 4 * GAP * 0.9


def test_asgi_app_done_with_its_reply_leaves_nothing_after(bridge: ASGIBridge) -> None:
    response = bridge.open(scope("/sse"), b"")
    assert response.body == b"data: event 1\n\ndata: event 2\n\ndata: event 3\n\n"
    # StreamingResponse returns once its body is sent: at most a step of the loop left.
    if response.after is not None:
        response.after()
    assert response.stream is None
