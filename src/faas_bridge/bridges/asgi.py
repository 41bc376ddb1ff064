"""Run an ASGI app on a neutral Request: an ASGI 3 ``http`` scope, one loop.

The scope matches what uvicorn builds for the same HTTP request: ``path`` and
``raw_path`` include ``root_path`` (ASGI spec 2.4 / uvicorn >= 0.26), headers
keep repeats and order, ``receive`` gives the whole body, then
``http.disconnect`` once the reply is complete.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from functools import partial
from typing import Any
from urllib.parse import unquote

from faas_bridge.bridges import CONTEXT_KEY, EVENT_KEY, PLATFORM_KEY
from faas_bridge.bridges._loop import loop_runner
from faas_bridge.http import Chunks, Headers, Request, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("faas_bridge")

_ASGI = {"version": "3.0", "spec_version": "2.4"}
#: asyncio.TimeoutError, where it is not the builtin TimeoutError (before 3.11):
#: the app's own is passed on as the builtin, which the handler answers 504 for.
_ASYNCIO_TIMEOUT: tuple[type[Exception], ...] = (
    () if sys.version_info >= (3, 11) else (asyncio.TimeoutError,)
)


def build_scope(request: Request) -> dict[str, Any]:
    """The ``http`` scope uvicorn would build for the same HTTP request."""
    root = request.root_path
    raw_path = request.raw_path
    return {
        "type": "http",
        "asgi": _ASGI,
        "http_version": request.http_version,
        "method": request.method,
        "scheme": request.scheme,
        # Percent-decoded, its bytes read as UTF-8 (undecodable ones replaced), as uvicorn does.
        "path": root + unquote(raw_path.decode("latin-1")),
        "raw_path": root.encode("utf-8") + raw_path if root else raw_path,
        "query_string": request.query_string,
        "root_path": root,
        "headers": wire_headers(request.headers),
        "client": request.client,
        "server": request.server,
        EVENT_KEY: request.event,
        CONTEXT_KEY: request.context,
        PLATFORM_KEY: request.platform,
    }


def scope_input(request: Request) -> tuple[dict[str, Any], bytes]:
    """What the ASGI bridge runs for a Request: its scope and body."""
    return build_scope(request), request.body


def wire_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    """ASGI's header bytes: a native string's characters are its bytes (latin-1)."""
    return [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]


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
                # Any bytes-like object the app sends (bytes, bytearray, a memoryview).
                (str(name, "latin-1"), str(value, "latin-1"))
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


class _Deadlines:
    """The deadlines of the requests running on one loop, with one timer for them all.

    ``asyncio.timeout()`` builds a context manager and arms a timer for every
    request; here a request costs a dict entry, and the one timer is re-armed
    only for a deadline earlier than the one it waits for. Every method runs
    on the loop, so nothing needs a lock.
    """

    __slots__ = ("_due", "_expired", "_handle", "_loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._handle: asyncio.TimerHandle | None = None

    def watch(self, timeout: float) -> asyncio.Task[Any]:
        """Cancel the current task if it still runs after ``timeout`` s; returns it.

        The caller passes the task to :meth:`forget` when it ends; a
        cancellation that :meth:`forget` owns up to was the deadline's.
        """
        task = asyncio.current_task()
        assert task is not None  # run_until_complete and run_coroutine_threadsafe make one
        due = self._loop.time() + timeout
        self._due[task] = due
        handle = self._handle
        if handle is None or due < handle.when():
            if handle is not None:
                handle.cancel()
            self._handle = self._loop.call_at(due, self._expire)
        return task

    def forget(self, task: asyncio.Task[Any]) -> bool:
        """Stop watching ``task``: True when it was cancelled for its deadline."""
        self._due.pop(task, None)
        if not self._expired or task not in self._expired:
            return False
        self._expired.discard(task)
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+
        if uncancel is not None:
            uncancel()
        return True

    def _expire(self) -> None:
        """Cancel every request past its deadline; re-arm for the next one."""
        assert self._handle is not None
        now = self._handle.when()
        self._handle = None
        late = [task for task, due in self._due.items() if due <= now]
        for task in late:
            del self._due[task]
            self._expired.add(task)
            task.cancel()
        if self._due:
            self._handle = self._loop.call_at(min(self._due.values()), self._expire)


class ASGIBridge:
    """Drives an ASGI 3 app on the process's persistent event loop.

    ``state`` is the lifespan state (None when lifespan did not run); each
    request gets a shallow copy in ``scope["state"]``, as the ASGI spec says.
    """

    __slots__ = ("_deadlines", "app", "runner", "state")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.runner = loop_runner()
        self.state: dict[str, Any] | None = None
        self._deadlines = _Deadlines(self.runner.loop)

    def __call__(self, request: Request, timeout: float | None = None) -> Response:
        return self.runner.run(self.run(build_scope(request), request.body, timeout))

    async def run(
        self,
        scope: Scope,
        body: bytes,
        timeout: float | None = None,
        exchange: _Exchange | None = None,
    ) -> Response:
        """The app's reply; TimeoutError when it is not complete within ``timeout``.

        Returns when the app does (a buffering server's behaviour). ``exchange``
        is :meth:`open`'s, which reads the reply while the app runs.
        """
        if exchange is None:
            exchange = _Exchange(body)
        if self.state is not None:
            scope["state"] = self.state.copy()
        # The deadline is watched here, not in a wrapping coroutine: one frame less.
        task = self._deadlines.watch(timeout) if timeout is not None else None
        try:
            try:
                await self.app(scope, exchange.receive, exchange.send)
            except asyncio.CancelledError:
                if task is None or not self._deadlines.forget(task):
                    raise
                raise TimeoutError from None
            except _ASYNCIO_TIMEOUT as exc:
                raise TimeoutError(*exc.args) from exc
        except Exception:
            if not exchange.complete:
                raise
            # As under uvicorn: the reply was complete (a server has sent it), so
            # it stands; the app's later failure is logged.
            logger.exception("faas_bridge: the ASGI app failed after its complete reply")
        finally:
            if task is not None:
                self._deadlines.forget(task)
            if exchange.done is not None:
                exchange.done.set()  # release any receive() still waiting
        if exchange.status is None or not exchange.complete:
            raise AppReturnedEarly(
                "the ASGI app returned without "
                + ("starting a response" if exchange.status is None else "completing its body")
            )
        return Response(exchange.status, exchange.headers, b"".join(exchange.chunks))

    def open(
        self, scope: Scope, body: bytes, timeout: float | None = None, *, stream: bool = False
    ) -> Response:
        """The app's reply as soon as it can be sent, the app's remaining work in ``after``.

        Without ``stream``: once the reply is complete (the final body message),
        which may be before the app returns (Starlette runs background tasks
        after it). With ``stream``: once the status, headers and first body
        bytes are in (or the whole body, if it comes first); ``stream`` then
        yields each later ``http.response.body`` chunk as the app sends it, and
        raises the app's failure if it fails before completing its body. A
        failure before that point is raised here, as :meth:`run` raises it.

        ``after`` (None when the app has returned already) runs the app to its
        end: the caller calls it once the reply is sent (and the stream read or
        closed). The loop runs only while this bridge is asked for something,
        so the app's remaining work waits for ``after``.
        """
        exchange = _Streaming(body)
        runner = self.runner
        task = runner.run(self._start(scope, exchange, timeout, stream))
        if exchange.ended:
            runner.run(_settled(task))
            task.result()  # the app's failure, if it failed before its reply was ready
            assert exchange.status is not None  # run() raises for an app that never started
            return Response(exchange.status, exchange.headers, b"".join(exchange.chunks))
        assert exchange.status is not None
        if exchange.complete:
            response = Response(exchange.status, exchange.headers, b"".join(exchange.chunks))
        else:
            chunks = Chunks(self._chunks(task, exchange), partial(self._left, exchange))
            response = Response(exchange.status, exchange.headers, stream=chunks)
        response.after = partial(self._finish, task, exchange)
        return response

    async def _start(
        self, scope: Scope, exchange: _Streaming, timeout: float | None, stream: bool
    ) -> asyncio.Task[Response]:
        """Start the app in a task of its own; return it once the reply can be sent."""
        task = asyncio.get_running_loop().create_task(self._serve(scope, exchange, timeout))
        ready = exchange.started if stream else exchange.finished
        while not ready():
            exchange.changed.clear()
            await exchange.changed.wait()
        return task

    async def _serve(self, scope: Scope, exchange: _Streaming, timeout: float | None) -> Response:
        try:
            return await self.run(scope, b"", timeout, exchange)
        finally:
            exchange.ended = True
            exchange.changed.set()

    def _chunks(self, task: asyncio.Task[Response], exchange: _Streaming) -> Iterator[bytes]:
        """The body's chunks as the app sends them; each read runs the loop until one comes."""
        runner = self.runner
        while True:
            pieces = runner.run(exchange.take())
            if not pieces:
                if not exchange.complete:
                    runner.run(_settled(task))
                    exchange.raised = True
                    task.result()  # the app failed (or returned) mid-body
                return
            yield from pieces

    def _left(self, exchange: _Streaming) -> None:
        """The reader stopped: if the body is not complete, the client is gone."""
        if not (exchange.complete or exchange.ended):
            self.runner.run(exchange.leave())

    def _finish(self, task: asyncio.Task[Response], exchange: _Streaming) -> None:
        """Run the app to its end (the work it does after its reply); log a failure not yet told."""
        if not task.done():
            if not (exchange.complete or exchange.ended):
                self.runner.run(exchange.leave())  # the stream was never read to its end
            self.runner.run(_settled(task))
        if task.cancelled():
            return
        failure = task.exception()
        if failure is None or exchange.raised:
            return
        if exchange.gone:
            # As when a client goes away under a server: the app's way of stopping.
            logger.info("faas_bridge: the client went away; the ASGI app ended with %r", failure)
            return
        logger.error(
            "faas_bridge: the ASGI app failed after its reply was sent",
            exc_info=(type(failure), failure, failure.__traceback__),
        )


class ClientGone(OSError):
    """Raised by ``send`` for a body sent after the client went away (ASGI spec 2.4)."""


async def _settled(task: asyncio.Task[Any]) -> None:
    """Wait for ``task`` to end, whatever its outcome (read afterwards)."""
    await asyncio.wait((task,))


class _Streaming(_Exchange):
    """An exchange read while the app runs: every message wakes the reader."""

    __slots__ = ("changed", "ended", "gone", "raised")

    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        #: Set on every message and when the app returns.
        self.changed = asyncio.Event()
        #: The app has returned (or failed).
        self.ended = False
        #: The reader stopped reading: later body chunks are dropped.
        self.gone = False
        #: The app's failure has been raised to the reader.
        self.raised = False

    async def send(self, message: Message) -> None:
        if self.gone and message.get("type") == "http.response.body" and not self.complete:
            # ASGI 2.4: a body sent after the client went away raises an OSError,
            # by which an app streaming for ever learns to stop (Starlette does).
            raise ClientGone("the client went away before the reply was complete")
        await super().send(message)
        self.changed.set()

    def started(self) -> bool:
        """The status and headers are in, and the first body bytes or the whole body."""
        return self.ended or (self.status is not None and (bool(self.chunks) or self.complete))

    def finished(self) -> bool:
        return self.ended or self.complete

    async def take(self) -> list[bytes]:
        """The chunks sent since the last take, waiting for one; [] at the end of the body."""
        while not (self.chunks or self.complete or self.ended):
            self.changed.clear()
            await self.changed.wait()
        pieces, self.chunks = self.chunks, []
        return pieces

    async def leave(self) -> None:
        """The client went away: drop later chunks; a waiting receive() gets ``http.disconnect``."""
        self.gone = True
        self.chunks.clear()
        if self.done is None:
            self.done = asyncio.Event()
        self.done.set()
