"""Run a WSGI app on a neutral Request: a PEP 3333 environ built directly.

No ASGI detour and no threads: the app is called in the invoking thread and its
output is collected into one Response, as a buffering WSGI server would.
"""

from __future__ import annotations

import contextvars
import io
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import unquote_to_bytes

from faas_bridge.bridges import CONTEXT_KEY, EVENT_KEY, PLATFORM_KEY
from faas_bridge.http import COMMON_NAMES, Chunks, Request, Response

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

logger = logging.getLogger("faas_bridge")


#: What every environ holds, the same for every request.
_CONSTANT: dict[str, Any] = {
    "wsgi.version": (1, 0),
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
}


def build_environ(
    request: Request, errors: TextIO | None = None, *, keep_underscores: bool = False
) -> dict[str, Any]:
    """The environ gunicorn would build for the same HTTP request.

    Strings are "native strings": each character one byte of the wire form
    (latin-1), so non-ASCII paths reach the app exactly as a real server sends
    them and frameworks decode them as UTF-8 themselves. ``CONTENT_LENGTH`` is
    the decoded body's length: a header copied from the event may describe the
    base64 form, or be missing.

    A header name holding ``_`` would land on the key of the same name with
    ``-`` (``X_Forwarded_Proto`` on ``HTTP_X_FORWARDED_PROTO``), where proxy
    middleware (werkzeug's ProxyFix, Django's ``SECURE_PROXY_SSL_HEADER``)
    would read the client's value as the proxy's. Such names are dropped, as
    gunicorn (``header_map = "drop"``, its default) and werkzeug's server drop
    them, unless ``keep_underscores`` (gunicorn's ``"dangerous"``).
    """
    if request.environ is not None:
        return _vendor_environ(request)
    environ = _CONSTANT.copy()
    own: dict[str, str] = {}  # this request's names outside the table, each mapped once
    repeated: dict[str, list[str]] = {}
    for name, value in request.headers:
        key = _KEYS.get(name) or own.get(name)
        if key is None:
            if "_" in name and not keep_underscores:
                continue
            key = own[name] = _key_of(name)
        if key in environ:  # a repeat: its values are joined once, after the loop
            found = repeated.get(key)
            if found is None:
                repeated[key] = [environ[key], value]
            else:
                found.append(value)
        environ[key] = value
    if repeated:
        _join_repeats(environ, repeated)
    raw_path = request.raw_path
    root = request.root_path
    script = root if root.isascii() else root.encode("utf-8").decode("latin-1")
    path = raw_path.decode("latin-1")
    query = request.query_string.decode("latin-1")
    uri = script + path + "?" + query if query else script + path
    scheme = request.scheme
    server_name, port = request.server or ("localhost", 443 if scheme == "https" else 80)
    body = request.body
    environ["REQUEST_METHOD"] = request.method
    environ["SCRIPT_NAME"] = script
    environ["PATH_INFO"] = unquote_to_bytes(raw_path).decode("latin-1") if "%" in path else path
    environ["QUERY_STRING"] = query
    environ["RAW_URI"] = environ["REQUEST_URI"] = uri
    environ["SERVER_PROTOCOL"] = "HTTP/" + request.http_version
    environ["SERVER_NAME"] = server_name
    environ["SERVER_PORT"] = "443" if port == 443 else str(port)
    environ["wsgi.url_scheme"] = scheme
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = sys.stderr if errors is None else errors
    environ[EVENT_KEY] = request.event
    environ[CONTEXT_KEY] = request.context
    environ[PLATFORM_KEY] = request.platform
    client = request.client
    if client is not None:
        environ["REMOTE_ADDR"], port = client
        if port:
            environ["REMOTE_PORT"] = str(port)
    if body or "CONTENT_LENGTH" in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _key_of(name: str) -> str:
    """``HTTP_X_NAME`` for ``x-name``; Content-Type and Content-Length have their own keys."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


#: The environ key of each common header name (lower-case, none holds "_").
_KEYS: dict[str, str] = {name: _key_of(name) for name in COMMON_NAMES}


def _join_repeats(environ: dict[str, Any], repeated: dict[str, list[str]]) -> None:
    """Join the values of the keys that repeat, as a server joins repeated headers.

    The environ holds each key's last value already. RFC 9110 joins repeated
    fields with ","; Cookie lines with "; " (RFC 6265). A repeated Content-Type
    or Content-Length counts by its last value, as gunicorn counts it. A
    repeated key's values are gathered first and joined once: adding them to
    the text one by one would take quadratic time.
    """
    for key, found in repeated.items():
        if key != "CONTENT_TYPE" and key != "CONTENT_LENGTH":
            environ[key] = ("; " if key == "HTTP_COOKIE" else ",").join(found)


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
        #: The status code, once start_response() has been called.
        self.status: int | None = None
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
        code = _USUAL_STATUS.get(status) if type(status) is str else None
        self.status = code if code is not None else _status_code(status)
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
        return self.run(build_environ(request))

    def run(self, environ: dict[str, Any]) -> Response:
        """The app's complete reply to ``environ``."""
        collector = _Collector()
        result = self.app(environ, collector.start_response)
        try:
            for chunk in result:
                if chunk:
                    if collector.status is None:
                        raise AssertionError("the app sent a body before start_response()")
                    collector.headers_sent = True
                    collector.body.append(chunk)
        except BaseException:
            _close(result)  # the app's own failure is the one reported
            raise
        _close(result)  # a failure there is logged; the complete reply stands
        if collector.status is None:
            raise AssertionError("the WSGI app returned without calling start_response()")
        return Response(collector.status, collector.headers, b"".join(collector.body))

    def stream(self, environ: dict[str, Any]) -> Response:
        """The app's reply, its body streamed: ``stream`` yields the iterable's items.

        Returns once the status and headers are final: when the app has produced
        its first non-empty chunk (PEP 3333: until then it may call
        ``start_response`` again with ``exc_info`` and change them), or its whole
        body when that comes first (then ``body`` holds it and nothing streams).
        So an app failing before its first byte fails here, and gets a normal
        error reply. The iterable's ``close()`` is called when the stream ends,
        is closed, or fails.

        The app runs, and each later chunk is read, in a context of its own
        (``contextvars``): a generator that holds context it set (Flask's
        ``stream_with_context``) is suspended between reads, and must not leave
        that context in the caller's (functions-framework's own Flask app).
        """
        context = contextvars.copy_context()
        collector = _Collector()
        result = context.run(self.app, environ, collector.start_response)
        status = None
        try:
            items = context.run(iter, result)
            while (chunk := context.run(next, items, _END)) is not _END:
                if chunk:
                    status = collector.status
                    if status is None:
                        raise AssertionError("the app sent a body before start_response()")
                    collector.headers_sent = True
                    collector.body.append(_bytes(chunk))
                    break
        except BaseException:
            context.run(_close, result)
            raise
        if status is not None:
            rest = Chunks(
                _rest(items, collector.body, context), partial(context.run, _close, result)
            )
            return Response(status, collector.headers, stream=rest)
        context.run(_close, result)  # the whole body is in (write() may have taken some)
        if collector.status is None:
            raise AssertionError("the WSGI app returned without calling start_response()")
        return Response(collector.status, collector.headers, b"".join(collector.body))


def _rest(
    items: Iterator[bytes], written: list[bytes], context: contextvars.Context
) -> Iterator[bytes]:
    """The body from its first chunk on: what write() took, then the iterable's items.

    ``written`` is the collector's list, which ``write()`` keeps appending to
    while the app runs; each piece goes out in the order the app produced it.
    Each item is read in the app's ``context``.
    """
    while True:
        while written:
            yield written.pop(0)
        chunk = context.run(next, items, _END)
        if chunk is _END:
            return
        if chunk:
            written.append(_bytes(chunk))  # after what write() took meanwhile


_END: Any = object()


def _bytes(chunk: Any) -> bytes:
    """A body item as bytes; TypeError for anything else (PEP 3333 allows only bytestrings)."""
    if type(chunk) is bytes:
        return chunk
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"a WSGI app's body items must be bytes, not {type(chunk).__name__}")


#: The status lines apps send nearly every time (a fixed table, not one that grows).
_USUAL_STATUS = {
    "200 OK": 200,
    "201 Created": 201,
    "204 No Content": 204,
    "301 Moved Permanently": 301,
    "302 Found": 302,
    "304 Not Modified": 304,
    "400 Bad Request": 400,
    "404 Not Found": 404,
}


def _status_code(status: Any) -> int:
    """The code of a WSGI status line such as ``"200 OK"``; ValueError for anything else."""
    if isinstance(status, str):
        code = status[:3]
        if len(code) == 3 and code.isascii() and code.isdigit():
            return int(code)
    raise ValueError(f"WSGI status must be a string like '200 OK', not {status!r}")


def _close(result: Iterable[bytes]) -> bool:
    """Call the iterable's ``close()`` (Django's request_finished depends on it).

    A failing ``close()`` is logged, not raised: by then a server has sent the
    reply, so the client still gets it. Returns whether it went through.
    """
    close = getattr(result, "close", None)
    if close is None:
        return True
    try:
        close()
    except Exception:
        logger.exception("faas_bridge: the WSGI app's close() failed after its reply")
        return False
    return True
