"""Google Cloud Functions / Cloud Run functions (Python, functions-framework).

There is no JSON event: functions-framework serves the function with Flask
and calls the target with the current ``flask.Request`` (routes ``/`` and
``/<path:path>``, every method; ``/robots.txt`` and ``/favicon.ico`` answer
404 before the function runs). Recognised without importing Flask: an
object, not a mapping, with a dict ``environ`` and a callable ``get_data``.

The request's ``environ`` is what the framework's server (gunicorn, or
werkzeug's server with ``--debug``) built, so a WSGI app is given a copy of
it, every key kept and the paths intact (``wsgi.input`` replaced by the body,
read once by Flask). An ASGI app gets a scope built from the same environ:
the path from the raw request target (``RAW_URI`` / ``REQUEST_URI``) so
``%2F`` survives, the raw query, every header, and ``REMOTE_ADDR`` as the
client. That is the server's peer, Google's front end: which
``X-Forwarded-For`` entry is the client depends on the path in (Cloud Run's
own URL, a load balancer), so it is left to the app (Werkzeug's ``ProxyFix``,
Starlette's ``ProxyHeadersMiddleware``), as behind any server.

1st-gen URLs (``https://REGION-PROJECT.cloudfunctions.net/NAME/path``) reach
the function with ``/NAME`` removed from the path (functions-framework
issue #54), so URLs the app builds would lack it. On a request whose Host is
``*.cloudfunctions.net``, ``/NAME`` (``K_SERVICE``, else ``FUNCTION_NAME``) is
made the root path (``SCRIPT_NAME``), taken off the path when the path still
carries it. ``FUNCTION_TARGET`` is the Python name of the target, not the
URL's, so it is not used. The ``base_path`` option overrides this. Cloud Run
URLs (``*.run.app``) carry no prefix.

The reply is a ``flask.Response`` built from the app's status, every header
as sent (repeats kept, so every Set-Cookie) and the body bytes, byte-exact.
Flask's default Content-Type is removed when the app set none, and no
Content-Length is added that the app did not send: the server then frames
the body as it would for the app itself. The request carries no deadline.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response
from faas_bridge.platforms import _markers
from faas_bridge.platforms._environ import from_environ
from faas_bridge.platforms.base import Platform, split_prefix

#: Hosts whose URLs carry the function's name as the first path segment.
_NAMED_HOST_SUFFIX = ".cloudfunctions.net"


class CloudFunctions(Platform):
    name = "gcp"
    #: The largest HTTP request Cloud Run functions (2nd gen) accept: 32 MiB.
    request_limit = 32 * 1024 * 1024

    __slots__ = ("function_name",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        #: The deployed function's name, as it appears in 1st-gen URLs.
        self.function_name = os.environ.get("K_SERVICE") or os.environ.get("FUNCTION_NAME") or ""

    def matches(self, event: Any) -> bool:
        return _markers.gcp(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        environ: dict[str, Any] = event.environ
        body = _body(event)
        request = from_environ(environ, body)
        prefix = self.options.base_path or self._url_prefix(request)
        if prefix and not request.root_path:
            rest = split_prefix(request.raw_path, prefix)
            request.root_path = prefix
            environ = dict(environ)
            environ["SCRIPT_NAME"] = _native(prefix)
            if rest is not None:
                request.raw_path = rest
                path_info = str(environ.get("PATH_INFO") or "")
                environ["PATH_INFO"] = path_info[len(_native(prefix)) :] or "/"
        request.environ = environ
        request.event = event
        request.context = context
        request.platform = self.name
        return request

    def _url_prefix(self, request: Request) -> str:
        """``/NAME`` for a 1st-gen URL (Host ``*.cloudfunctions.net``), else ``""``."""
        if not self.function_name or request.server is None:
            return ""
        if not request.server[0].lower().endswith(_NAMED_HOST_SUFFIX):
            return ""
        return "/" + self.function_name

    def encode(self, response: Response, event: Any, context: Any) -> Any:
        from flask import Response as FlaskResponse

        reply = FlaskResponse(
            [response.body] if response.body else [],
            status=response.status,
            headers=response.headers,
        )
        if response.header("content-type") is None:
            del reply.headers["Content-Type"]
        reply.automatically_set_content_length = False
        return reply

    def stream_reply(self, response: Response, chunks: Iterable[bytes]) -> Any:
        """A streamed reply (``response_stream``): a ``flask.Response`` over the app's chunks.

        functions-framework returns it as it is, and its server (gunicorn's
        threads) writes each chunk as it comes, chunked when the app set no
        Content-Length; Cloud Run passes the stream on. The server closes the
        reply, sent or not, and werkzeug then closes the chunks: the app's part ends.
        """
        from flask import Response as FlaskResponse

        reply = FlaskResponse(chunks, status=response.status, headers=response.headers)
        if response.header("content-type") is None:
            del reply.headers["Content-Type"]
        reply.automatically_set_content_length = False
        return reply

    def run_after(self, reply: Any, after: Callable[[], None]) -> Any:
        """The app's work left after its reply (ASGI background tasks) runs once the
        server has sent the reply and closed it, as behind any WSGI server."""
        reply.call_on_close(after)
        return reply

    def request_id(self, event: Any, context: Any) -> str | None:
        headers = getattr(event, "headers", None)
        try:
            value = headers.get("Function-Execution-Id") if headers is not None else None
        except (AttributeError, TypeError):
            return None
        return str(value) if value else None


def _body(event: Any) -> bytes:
    """The request body, read once through Flask (which caches it)."""
    try:
        data = event.get_data(cache=True)
    except Exception as exc:  # werkzeug's ClientDisconnected, RequestEntityTooLarge...
        error = MalformedEvent(f"the body could not be read ({exc})", "body")
        code = getattr(exc, "code", None)
        if code == 413:
            error.status = 413
        raise error from None
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedEvent(f"expected bytes, got {type(data).__name__}", "get_data()")
    return bytes(data)


def _native(text: str) -> str:
    """A WSGI native string: the UTF-8 bytes of ``text`` as latin-1 code points."""
    return text.encode("utf-8").decode("latin-1")
