"""Azure Functions HTTP streams: a streamed reply through the worker's FastAPI proxy.

With HTTP streams on, the Functions host no longer passes HTTP requests over
its gRPC channel: it forwards each one to a web server the Python worker runs
(uvicorn, from the ``azurefunctions-extensions-http-fastapi`` package), and
the worker hands the function that server's ``fastapi.Request``. The function
returns a FastAPI (Starlette) response, which the server sends as it is
produced. The worker turns this on when the function's parameter and return
types are the extension's (``azurefunctions.extensions.http.fastapi.Request``
and ``StreamingResponse``) and ``PYTHON_ENABLE_INIT_INDEXING`` is ``1``; every
HTTP function of the app then goes this way.

:func:`stream_function` is the function :func:`faas_bridge.azure.function_app`
registers with ``response_stream``: it reads the request's body, builds the
``azure.functions.HttpRequest`` the buffered function would get (URL,
headers with repeats joined with ``,`` as the host joins them, route
parameters), and runs the handler in a thread with a context that says the
caller takes a stream (``faas_bridge_runtime``). The handler's
:class:`~faas_bridge.runtime.client.StreamedReply` becomes a
``StreamingResponse`` whose chunks are read in threads as the server sends
them; work the app has left after its reply (ASGI background tasks) is the
response's background task, run once the body is sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from faas_bridge.errors import ConfigurationError

#: The package that provides the worker's HTTP streams types.
EXTENSION = "azurefunctions-extensions-http-fastapi"


def extension_types() -> tuple[Any, Any]:
    """The extension's ``Request`` and ``StreamingResponse``; a ConfigurationError without it."""
    try:
        from azurefunctions.extensions.http.fastapi import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
            Request,
            StreamingResponse,
        )
    except ImportError as exc:
        raise ConfigurationError(
            f"response_stream on Azure Functions needs the {EXTENSION} package (add it to "
            f"requirements.txt) and the app setting PYTHON_ENABLE_INIT_INDEXING=1 ({exc})"
        ) from None
    return Request, StreamingResponse


class StreamsContext:
    """The worker's context, marked: this caller takes a StreamedReply and a Finishing."""

    faas_bridge_runtime = True

    def __init__(self, context: Any) -> None:
        self._context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def stream_function(target: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    """The HTTP streams function serving ``target`` (a handler), typed as the worker requires."""
    import azure.functions as func

    request_type, response_type = extension_types()

    async def http_app_func(req: Any, context: Any) -> Any:
        event = await function_request(req)
        reply = await asyncio.to_thread(target, event, StreamsContext(context))
        return starlette_reply(reply)

    # The worker binds parameters by name and picks HTTP streams by these types.
    http_app_func.__annotations__ = {
        "req": request_type,
        "context": func.Context,
        "return": response_type,
    }
    return http_app_func


async def function_request(request: Any) -> Any:
    """The ``azure.functions.HttpRequest`` for the proxied ``fastapi.Request``."""
    import azure.functions as func

    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    params = {key: value for key, value in request.query_params.items() if value}
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=headers,
        params=params,
        route_params={str(k): str(v) for k, v in request.path_params.items()},
        body=await request.body(),
    )


def starlette_reply(reply: Any) -> Any:
    """A Starlette response for what the handler returned, streamed when it streams."""
    from starlette.background import BackgroundTask
    from starlette.responses import Response, StreamingResponse

    from faas_bridge.runtime.client import Finishing, StreamedReply

    after = None
    if isinstance(reply, Finishing):
        reply, after = reply.reply, reply.finish
    background = None if after is None else BackgroundTask(after)
    if isinstance(reply, StreamedReply):
        head = reply.head
        assert head is not None  # the azure adapter writes one for every stream
        headers = list(head.headers.items())
        headers += [("set-cookie", cookie) for cookie in head.cookies]
        streamed = StreamingResponse(
            _chunks(reply.chunks), status_code=head.status, background=background
        )
        streamed.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        return streamed
    # An azure.functions.HttpResponse: a reply that was not streamed (a warm-up ping...).
    body = reply.get_body() if hasattr(reply, "get_body") else str(reply).encode()
    whole = Response(body, status_code=getattr(reply, "status_code", 200), background=background)
    whole.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in getattr(reply, "headers", {}).items()
    ] + [(b"content-length", str(len(body)).encode())]
    return whole


async def _chunks(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    """The chunks, each read in a thread (reading runs the app); closed when the server stops."""
    iterator = iter(chunks)
    try:
        while (chunk := await asyncio.to_thread(next, iterator, None)) is not None:
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            await asyncio.to_thread(close)
