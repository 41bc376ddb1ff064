"""Streamed replies through the local gateway (``faas-bridge serve --stream``).

With ``--stream`` the gateway plays a caller that takes a stream, as faas_bridge's
runtime does on Lambda: its context says so (``faas_bridge_runtime``), so a
handler with ``response_stream`` on answers a Function URL or REST API event
with a :class:`~faas_bridge.runtime.client.StreamedReply`, an ASGI app's reply
comes before its background tasks (a :class:`~faas_bridge.runtime.client.Finishing`),
and functions-framework's streamed ``flask.Response`` is passed on as it
comes. The gateway then writes the status and headers at once and each chunk as
the app produces it: werkzeug's server sends a reply without Content-Length
chunked (HTTP/1.1), so a browser's ``EventSource`` sees each event when it is
made. The app's remaining work runs once the body is sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

#: Headers that belong to one connection: the local server sets its own.
_CONNECTION_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
)

StreamedHttp = tuple[int, list[tuple[str, str]], "Body"]


def mark(context: Any) -> Any:
    """Say on the gateway's context that this caller sends streamed replies."""
    context.faas_bridge_runtime = True
    return context


def split(reply: Any) -> tuple[Any, Callable[[], object] | None]:
    """(reply, work left after it): an ASGI app's background tasks come after its reply."""
    from faas_bridge.runtime.client import Finishing

    if isinstance(reply, Finishing):
        return reply.reply, reply.finish
    return reply, None


def open_stream(reply: Any, after: Callable[[], object] | None) -> StreamedHttp | None:
    """(status, headers, body) for a reply that streams; None for a whole reply."""
    from faas_bridge.runtime.client import StreamedReply

    if isinstance(reply, StreamedReply):
        head = reply.head
        if head is None:  # a raw stream: not an HTTP integration's
            return 200, [("Content-Type", reply.content_type)], Body(reply.chunks, after)
        headers = [*head.headers.items(), *(("Set-Cookie", c) for c in head.cookies)]
        return head.status, stream_headers(headers), Body(reply.chunks, after)
    if getattr(reply, "is_streamed", False) and hasattr(reply, "iter_encoded"):
        # functions-framework's streamed flask.Response (the gcp adapter's stream_reply)
        headers = [(str(k), str(v)) for k, v in reply.headers.items()]
        chunks = Closing(reply.iter_encoded(), reply.close)
        return int(reply.status_code), stream_headers(headers), Body(chunks, after)
    return None


def then(
    http: tuple[int, list[tuple[str, str]], bytes], after: Callable[[], object]
) -> StreamedHttp:
    """A whole reply, as the vendor's rules made it, with the app's remaining work after it."""
    status, headers, body = http
    if body:
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
    return status, stream_headers(headers), Body((body,) if body else (), after)


def status_line(status: int) -> str:
    """``200 OK``: what the gateway passes to ``start_response``."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def stream_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers as the local server sends them: its own connection headers, a Date."""
    kept = [(k, v) for k, v in headers if k.lower() not in _CONNECTION_HEADERS]
    if not any(k.lower() == "date" for k, _ in kept):
        kept.append(("Date", formatdate(time.time(), usegmt=True)))
    return kept


class Closing:
    """An iterator with a ``close`` to call when reading stops."""

    def __init__(self, iterator: Iterable[bytes], close: Callable[[], object]) -> None:
        self._iterator = iter(iterator)
        self.close = close

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator


class Body:
    """The body the server writes chunk by chunk; ``close()`` ends the app's part, then its
    remaining work (the server calls it once the body is sent, or the client has gone)."""

    def __init__(self, chunks: Iterable[bytes], after: Callable[[], object] | None) -> None:
        self._chunks = chunks
        self._after = after

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if chunk:
                yield chunk

    def close(self) -> None:
        after, self._after = self._after, None
        try:
            close = getattr(self._chunks, "close", None)
            if close is not None:
                close()
        finally:
            if after is not None:
                after()
