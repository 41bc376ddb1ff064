"""Run a WSGI app on a neutral Request: a PEP 3333 environ built directly.

No ASGI detour and no threads: the app is called in the invoking thread and its
output is collected into one Response, as a buffering WSGI server would.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes

from .http import Request, Response

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

#: environ / scope keys under which the original invocation is available.
EVENT_KEY = "faas_bridge.event"
CONTEXT_KEY = "faas_bridge.context"
PLATFORM_KEY = "faas_bridge.platform"


class _Writable(Protocol):
    def write(self, s: str, /) -> int: ...
    def flush(self) -> None: ...


def build_environ(request: Request, errors: _Writable | None = None) -> dict[str, Any]:
    """The environ gunicorn would build for the same HTTP request.

    Strings are "native strings": each character one byte of the wire form
    (latin-1), so non-ASCII paths reach the app exactly as a real server sends
    them and frameworks decode them as UTF-8 themselves.
    """
    if request.environ is not None:
        return _vendor_environ(request)
    raw_path = request.raw_path
    root = request.root_path.encode("utf-8")
    query = request.query_string
    uri = root + raw_path + (b"?" + query if query else b"")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": root.decode("latin-1"),
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "RAW_URI": uri.decode("latin-1"),
        "REQUEST_URI": uri.decode("latin-1"),
        "SERVER_PROTOCOL": "HTTP/" + request.http_version,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.scheme,
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.errors": errors if errors is not None else sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        EVENT_KEY: request.event,
        CONTEXT_KEY: request.context,
        PLATFORM_KEY: request.platform,
    }
    if request.server is not None:
        environ["SERVER_NAME"], port = request.server
        environ["SERVER_PORT"] = str(port)
    else:
        environ["SERVER_NAME"] = "localhost"
        environ["SERVER_PORT"] = "443" if request.scheme == "https" else "80"
    if request.client is not None:
        environ["REMOTE_ADDR"], port = request.client
        if port:
            environ["REMOTE_PORT"] = str(port)

    has_length = bool(request.body)
    for name, value in request.headers:
        if name == b"content-type":
            environ["CONTENT_TYPE"] = value.decode("latin-1")
            continue
        if name == b"content-length":
            has_length = True
            continue
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in environ:
            # RFC 9110 joins repeated fields with ","; Cookie lines with "; " (RFC 6265).
            sep = "; " if key == "HTTP_COOKIE" else ","
            environ[key] = environ[key] + sep + text
        else:
            environ[key] = text
    if has_length:
        # The decoded body's true length: a header copied from the event may
        # describe the base64 form or be missing altogether.
        environ["CONTENT_LENGTH"] = str(len(request.body))
    return environ


def _vendor_environ(request: Request) -> dict[str, Any]:
    """A copy of the environ the vendor built, with the body and our keys set."""
    assert request.environ is not None
    environ = dict(request.environ)
    environ["wsgi.input"] = io.BytesIO(request.body)
    environ["CONTENT_LENGTH"] = str(len(request.body))
    environ.setdefault("wsgi.input_terminated", True)
    environ[EVENT_KEY] = request.event
    environ[CONTEXT_KEY] = request.context
    environ[PLATFORM_KEY] = request.platform
    return environ


class _Collector:
    """start_response and write() for one call, collecting the reply."""

    __slots__ = ("body", "headers", "headers_sent", "status")

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.headers_sent = False

    def start_response(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: ExcInfo | None = None,
    ) -> Callable[[bytes], None]:
        if exc_info is not None:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None  # break the traceback reference cycle (PEP 3333)
        elif self.status is not None:
            raise AssertionError("start_response called a second time without exc_info")
        if not isinstance(status, str) or len(status) < 3 or not status[:3].isdigit():
            raise ValueError(f"WSGI status must be a string like '200 OK', not {status!r}")
        self.status = status
        self.headers = list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        if self.status is None:
            raise AssertionError("write() called before start_response()")
        if data:
            self.headers_sent = True
            self.body.append(data)


class WSGIBridge:
    """Calls a WSGI app with an environ built from each Request."""

    __slots__ = ("app",)

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, request: Request) -> Response:
        collector = _Collector()
        result = self.app(build_environ(request), collector.start_response)
        try:
            for chunk in result:
                if chunk:
                    if collector.status is None:
                        raise AssertionError("the app sent a body before start_response()")
                    collector.headers_sent = True
                    collector.body.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()  # Django's request_finished signal depends on this
        if collector.status is None:
            raise AssertionError("the WSGI app returned without calling start_response()")
        return Response(int(collector.status[:3]), collector.headers, b"".join(collector.body))
