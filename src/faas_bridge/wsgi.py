"""Run a WSGI app on a neutral Request: a PEP 3333 environ built directly.

No ASGI detour and no threads: the app is called in the invoking thread and its
output is collected into one Response, as a buffering WSGI server would.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol
from urllib.parse import unquote_to_bytes

from .http import Request, Response, lower_tokens

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

logger = logging.getLogger("faas_bridge")

#: environ / scope keys under which the original invocation is available.
EVENT_KEY = "faas_bridge.event"
CONTEXT_KEY = "faas_bridge.context"
PLATFORM_KEY = "faas_bridge.platform"


#: A request's header names, in order -> (their environ keys, whether a key
#: repeats: values then need joining), or False when a name is not a lower-case
#: HTTP token (only an adapter's fast lane passes names not checked before).
#: Clients send the same few sets of names again and again, so this is worked
#: out once per set. Bounded, never evicted.
_ENVIRON_KEYS: dict[tuple[str, ...], tuple[tuple[str, ...], bool] | Literal[False]] = {}
_MAX_KEYS = 512


#: What every environ holds, the same for every request.
_CONSTANT: dict[str, Any] = {
    "wsgi.version": (1, 0),
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
    "wsgi.input_terminated": True,
}


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
    root = request.root_path
    headers = request.headers
    names, values = zip(*headers, strict=True) if headers else ((), ())
    environ = lane_environ(
        request.method,
        root.encode("utf-8").decode("latin-1") if root else "",
        raw_path.decode("latin-1"),
        request.query_string.decode("latin-1"),
        names,
        values,
        request.body,
        request.scheme,
        request.server,
        request.client,
        request.http_version,
        request.event,
        request.context,
        request.platform,
        unquote_to_bytes(raw_path).decode("latin-1") if b"%" in raw_path else None,
    )
    assert environ is not None, "check_request() vets the names first"
    if errors is not None:
        environ["wsgi.errors"] = errors
    return environ


def lane_environ(
    method: str,
    script: str,
    path: str,
    query: str,
    names: tuple[str, ...],
    values: Sequence[str],
    body: bytes,
    scheme: str,
    server: tuple[str, int] | None,
    client: tuple[str, int] | None,
    http_version: str,
    event: Any,
    context: Any,
    platform: str,
    path_info: str | None = None,
) -> dict[str, Any] | None:
    """The environ from a request's parts, as native strings; None for a bad header name.

    ``path`` is the percent-encoded path below ``script``; ``path_info`` its
    decoded form, when it differs. Adapters' fast lanes (``Platform.lane``)
    call this directly with a clean event's parts, so the names are checked
    here (once per set of names); values are the caller's to check.
    """
    plan = _ENVIRON_KEYS.get(names)
    if plan is None:
        plan = _environ_keys(names)
    if plan is False:
        return None
    keys, repeats = plan
    uri = script + path + "?" + query if query else script + path
    environ = _CONSTANT.copy()  # in C: cheaper than setting the same keys one by one
    environ["REQUEST_METHOD"] = method
    environ["SCRIPT_NAME"] = script
    environ["PATH_INFO"] = path if path_info is None else path_info
    environ["QUERY_STRING"] = query
    environ["RAW_URI"] = environ["REQUEST_URI"] = uri
    environ["SERVER_PROTOCOL"] = "HTTP/" + http_version
    environ["wsgi.url_scheme"] = scheme
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = sys.stderr  # the current one (tests and loggers replace it)
    environ[EVENT_KEY] = event
    environ[CONTEXT_KEY] = context
    environ[PLATFORM_KEY] = platform
    if server is not None:
        environ["SERVER_NAME"], port = server
        environ["SERVER_PORT"] = _PORTS.get(port) or str(port)
    else:
        environ["SERVER_NAME"] = "localhost"
        environ["SERVER_PORT"] = "443" if scheme == "https" else "80"
    if client is not None:
        environ["REMOTE_ADDR"], port = client
        if port:
            environ["REMOTE_PORT"] = str(port)
    if repeats:
        # zip() without keywords: parsing one costs more than the rest of the call.
        _join_repeats(environ, zip(keys, values))  # noqa: B905 (one key per value)
    else:
        environ.update(zip(keys, values))  # noqa: B905
    if body or "CONTENT_LENGTH" in environ:
        # The decoded body's true length: a header copied from the event may
        # describe the base64 form or be missing altogether.
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


#: The usual server ports as text: no number formatted per request.
_PORTS = {443: "443", 80: "80"}


def _environ_keys(names: tuple[str, ...]) -> tuple[tuple[str, ...], bool] | Literal[False]:
    """(the environ key of each header name, whether one repeats); False when one is bad."""
    if lower_tokens(names):
        keys = tuple(map(_environ_key, names))
        plan: tuple[tuple[str, ...], bool] | Literal[False] = (keys, len(set(keys)) != len(keys))
    else:
        plan = False
    if len(_ENVIRON_KEYS) < _MAX_KEYS:
        _ENVIRON_KEYS[names] = plan
    return plan


def _environ_key(name: str) -> str:
    """``HTTP_X_NAME`` for ``x-name``; Content-Type and Content-Length have their own keys."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key


def _join_repeats(environ: dict[str, Any], items: Iterable[tuple[str, str]]) -> None:
    """(environ key, value) pairs into the environ, repeats joined as a server joins them."""
    for key, value in items:
        old = environ.get(key)
        if old is None or key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
            environ[key] = value  # a repeated Content-Type: the last one
        else:
            # RFC 9110 joins repeated fields with ","; Cookie lines with "; " (RFC 6265).
            environ[key] = old + ("; " if key == "HTTP_COOKIE" else ",") + value


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
        code = _STATUS_CODES.get(status) if type(status) is str else None
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


#: Status lines seen before -> their code. Apps send the same few again and
#: again. Bounded, never evicted.
_STATUS_CODES: dict[str, int] = {}


def _status_code(status: Any) -> int:
    """The code of a WSGI status line such as ``"200 OK"``; ValueError for anything else."""
    if not isinstance(status, str) or len(status) < 3 or not status[:3].isdigit():
        raise ValueError(f"WSGI status must be a string like '200 OK', not {status!r}")
    code = int(status[:3])
    if type(status) is str and len(_STATUS_CODES) < 64:
        _STATUS_CODES[status] = code
    return code


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
