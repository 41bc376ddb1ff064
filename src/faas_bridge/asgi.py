"""Run an ASGI app on a neutral Request: an ASGI 3 ``http`` scope, one loop.

The scope matches what uvicorn builds for the same HTTP request: ``path`` and
``raw_path`` include ``root_path`` (ASGI spec 2.4 / uvicorn >= 0.26), headers
keep repeats and order, ``receive`` gives the whole body, then
``http.disconnect`` once the reply is complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_to_bytes

from ._loop import loop_runner
from .http import Request, Response
from .wsgi import CONTEXT_KEY, EVENT_KEY, PLATFORM_KEY

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_ASGI = {"version": "3.0", "spec_version": "2.4"}
_timeout = getattr(asyncio, "timeout", None)  # Python 3.11+


def build_scope(request: Request) -> dict[str, Any]:
    """The ``http`` scope uvicorn would build for the same HTTP request."""
    root = request.root_path
    return {
        "type": "http",
        "asgi": _ASGI,
        "http_version": request.http_version,
        "method": request.method,
        "scheme": request.scheme,
        "path": root + unquote_to_bytes(request.raw_path).decode("utf-8", "replace"),
        "raw_path": root.encode("utf-8") + request.raw_path,
        "query_string": request.query_string,
        "root_path": root,
        "headers": request.headers,
        "client": request.client,
        "server": request.server,
        EVENT_KEY: request.event,
        CONTEXT_KEY: request.context,
        PLATFORM_KEY: request.platform,
    }


class AppReturnedEarly(RuntimeError):
    """The ASGI app returned (or failed) without completing its response."""


class _Exchange:
    """receive() and send() for one request, collecting the reply."""

    __slots__ = ("body", "chunks", "complete", "done", "headers", "status")

    def __init__(self, body: bytes) -> None:
        self.body: bytes | None = body
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.complete = False
        self.done: asyncio.Event | None = None

    async def receive(self) -> Message:
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        if not self.complete:
            # A second receive() waits for the client to "go away": after the reply.
            if self.done is None:
                self.done = asyncio.Event()
            await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("http.response.start sent twice")
            self.status = int(message["status"])
            self.headers = [
                (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
                for name, value in message.get("headers", ())
            ]
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError("http.response.body sent before http.response.start")
            if self.complete:
                return  # the client is gone; a server ignores late chunks
            chunk = message.get("body", b"")
            if chunk:
                self.chunks.append(bytes(chunk))
            if not message.get("more_body", False):
                self.complete = True
                if self.done is not None:
                    self.done.set()
        elif kind == "http.response.trailers":
            pass  # no vendor reply format carries trailers
        else:
            raise RuntimeError(f"unexpected ASGI message type {kind!r} in an http scope")


class ASGIBridge:
    """Drives an ASGI 3 app on the process's persistent event loop.

    ``state`` is the lifespan state (None when lifespan did not run); each
    request gets a shallow copy in ``scope["state"]``, as the ASGI spec says.
    """

    __slots__ = ("app", "runner", "state")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.runner = loop_runner()
        self.state: dict[str, Any] | None = None

    def __call__(self, request: Request, timeout: float | None = None) -> Response:
        return self.runner.run(self.run(request, timeout))

    async def run(self, request: Request, timeout: float | None = None) -> Response:
        """The app's reply; TimeoutError when it is not complete within ``timeout``."""
        exchange = _Exchange(request.body)
        scope = build_scope(request)
        if self.state is not None:
            scope["state"] = self.state.copy()
        call = self.app(scope, exchange.receive, exchange.send)
        try:
            if timeout is None:
                await call
            elif _timeout is not None:
                async with _timeout(timeout):  # no extra task, unlike wait_for
                    await call
            else:
                await asyncio.wait_for(call, timeout)
        finally:
            if exchange.done is not None:
                exchange.done.set()  # release any receive() still waiting
        if exchange.status is None or not exchange.complete:
            raise AppReturnedEarly(
                "the ASGI app returned without "
                + ("starting a response" if exchange.status is None else "completing its body")
            )
        return Response(exchange.status, exchange.headers, b"".join(exchange.chunks))
