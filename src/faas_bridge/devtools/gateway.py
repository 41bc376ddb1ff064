"""The local gateway behind ``faas-bridge serve``, and the event builders it shares.

``serve`` is a real HTTP server on 127.0.0.1 (werkzeug's) that does to every
request what the emulated vendor does before and after a deployed function:

1. the platform's emulator (:mod:`faas_bridge.devtools.emulators`, the same one
   ``faas-bridge events new`` prints with) turns the HTTP request into the
   vendor's event, or the call objects its runtime passes;
2. one :class:`~faas_bridge.Handler`, built once per process and warm across
   requests like one Lambda instance, answers it; requests take turns, as an
   instance serves one invocation at a time;
3. the emulator turns the reply into HTTP as the vendor does: base64 decoded,
   every Set-Cookie the vendor keeps, a malformed reply answered 502 (or the
   vendor's own status).

The vendor's limits apply as the vendor applies them (payload sizes, header
rules, REST binary media types), answered with the vendor's own error replies.

The app sees the URL the client used, as under ``sam local``: the event carries
the client's Host with ``X-Forwarded-Proto: http`` and the local port, so links,
redirects and CSRF origin checks work locally. Where the vendor mounts the app
below a path (a REST stage, OpenWhisk's action URL, Azure's ``/api``,
``--base-path``), URLs start with it.

Everything the gateway needs of a vendor is declared by its emulator class
(:class:`faas_bridge.devtools.emulators.base.Emulator`), found by name in
:data:`faas_bridge.devtools.emulators.REGISTRY`.

werkzeug (the ``serve`` extra) is imported by :func:`serve` only.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from faas_bridge.devtools.emulators import REGISTRY as EMULATORS
from faas_bridge.devtools.emulators import emulator_class, emulator_classes
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    phrase,
    set_header,
)
from faas_bridge.errors import ConfigurationError
from faas_bridge.platforms import NAMES

if TYPE_CHECKING:
    from faas_bridge.config import FunctionSet
    from faas_bridge.dispatch import Handler

logger = logging.getLogger("faas_bridge")

#: The most request body the gateway reads for a vendor that states no limit.
_DEFAULT_BODY_CAP = 64 * 1024 * 1024
#: Reply headers about the connection: the local server writes its own.
_CONNECTION_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "trailer"}
)
#: A request body arrives complete in the event: it no longer has a transfer coding.
_REQUEST_CONNECTION_HEADERS = frozenset({"transfer-encoding"})
#: Characters a request target keeps: printable ASCII but space.
_TARGET_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))


# -- Which platforms can do what --------------------------------------------------------


def platform_support() -> tuple[type[Emulator], ...]:
    """Every registered platform's emulator, in :data:`REGISTRY` order."""
    return emulator_classes()


def support(name: str) -> type[Emulator]:
    """The emulator of platform ``name``; ConfigurationError for an unknown name."""
    if name in EMULATORS:
        return emulator_class(name)
    close = difflib.get_close_matches(name, NAMES, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigurationError(
        f"unknown platform {name!r}: {hint}choose one of {', '.join(NAMES)} "
        "(faas-bridge events list describes them)"
    )


# -- One platform's gateway behaviour ------------------------------------------------------


class Emulation:
    """What one vendor does around the function, with the settings the user chose."""

    def __init__(
        self, platform: type[Emulator], settings: Mapping[str, Any], *, base_path: str = ""
    ) -> None:
        self.platform = platform
        #: The vendor's emulator, with the settings given (ConfigurationError for one it lacks).
        self.emulator = platform(**settings)
        self.settings = self.emulator.chosen
        emulator = self.emulator
        self.request_limit = emulator.request_limit
        self.body_limit = emulator.body_limit
        self.reply_limit = emulator.reply_limit
        self.reject_upgrade = emulator.reject_upgrade
        self.dropped = emulator.dropped_request_headers | _REQUEST_CONNECTION_HEADERS
        base = base_path.strip().strip("/")
        self.base_path = "/" + base if base else ""
        #: The path every URL starts with: the app's mount point.
        self.mount: str = self.base_path or emulator.url_prefix().rstrip("/")
        #: The ``base_path`` the app is given: the mount, unless the event says it.
        self.app_base_path = self.mount if self.base_path or emulator.mount_option else ""

    @property
    def name(self) -> str:
        return self.platform.name

    def body_cap(self) -> tuple[int, str]:
        """(bytes, what sets it): the most body worth reading; more is refused unread."""
        limits = []
        if self.body_limit:
            limits.append((self.body_limit, f"{self.name} accepts"))
        if self.request_limit:
            limits.append((self.request_limit, "an invocation event can carry"))
        return min(limits) if limits else (_DEFAULT_BODY_CAP, "the local gateway reads")

    def within_mount(self, path: str) -> bool:
        mount = self.mount
        return not mount or path == mount or path.startswith(mount + "/")

    def event(self, call: HttpCall, host: str, port: int) -> Any:
        """The vendor's event for a request that reached ``host`` on local ``port``.

        Built for the local host when the vendor's event can say so; where the
        vendor's domain is how the adapter knows its events (Function URLs),
        the event keeps that domain and only its Host header is local.
        """
        call = call._replace(headers=[h for h in call.headers if h[0].lower() not in self.dropped])
        emulator = self.emulator
        local = emulator.local_host
        event = emulator.build_local(call, host if local else None, port)
        if not local:
            set_header(event, "host", host)
        return event

    def invoke(self, handler: Any, event: Any, context: Any) -> Any:
        """Call the function as the vendor's runtime does."""
        return self.emulator.invoke(handler, event, context)

    def reply(self, reply: Any, event: Any) -> HttpReply:
        """The vendor's HTTP for the function's reply; ValueError when it rejects it."""
        status, headers, body = self.emulator.http_reply(reply, event)
        return int(status), [(str(k), str(v)) for k, v in headers], bytes(body)

    def error(self, status: int) -> HttpReply:
        """The vendor's own error reply."""
        code, headers, body = self.emulator.error_reply(status)
        return int(code), list(headers), bytes(body)

    def describe_limits(self) -> str:
        parts = []
        if self.body_limit:
            parts.append(f"request body {megabytes(self.body_limit)}")
        if self.request_limit:
            parts.append(f"event {megabytes(self.request_limit)}")
        if self.reply_limit:
            parts.append(f"reply {megabytes(self.reply_limit)}")
        return ", ".join(parts) or "none stated"


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB".replace(".0 MB", " MB")


# -- What Lambda passes beside the event ---------------------------------------------------


class LocalContext:
    """A stand-in for Lambda's context object: a request id and a deadline."""

    function_name = "faas-bridge-local"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:faas-bridge-local"
    memory_limit_in_mb = 512
    log_group_name = "/aws/lambda/faas-bridge-local"
    log_stream_name = "local"

    def __init__(self, timeout: float = 30.0) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


# -- The gateway: a WSGI app served by werkzeug ---------------------------------------------


class RequestLog:
    """One line per request: readable, or one JSON object per line."""

    def __init__(self, stream: TextIO, *, json_lines: bool = False) -> None:
        self.stream = stream
        self.json_lines = json_lines
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        if self.json_lines:
            line = json.dumps(entry, ensure_ascii=False)
        else:
            start = entry["start"] or "not invoked"
            where = f"{start}, {entry['platform']}"
            if entry.get("legacy"):
                where = f"legacy server {entry['legacy']}"
            elif entry.get("function"):
                where += f", function {entry['function']}"
            line = (
                f"{entry['time'][11:19]} {entry['method']} {entry['path']} -> {entry['status']} "
                f"({entry['duration_ms']:.1f} ms, {where})"
            )
            if entry.get("note"):
                line += f": {entry['note']}"
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class _Refused(Exception):
    """The vendor answers this request itself, without invoking the function."""

    def __init__(self, status: int, note: str) -> None:
        super().__init__(note)
        self.status = status
        self.note = note


class Gateway:
    """The WSGI app the local server runs: HTTP in, the vendor's event to the handler, HTTP out."""

    def __init__(
        self,
        handler: Handler | FunctionSet,
        emulation: Emulation,
        log: RequestLog,
        *,
        timeout: float = 30.0,
        legacy: str | None = None,
        stream: bool = False,
    ) -> None:
        from faas_bridge.config import FunctionSet

        #: The functions of a faas.yml, each serving the routes it owns.
        self.functions = handler if isinstance(handler, FunctionSet) else None
        self.handler = handler
        self.emulation = emulation
        self.log = log
        self.timeout = timeout
        #: The old server, for requests no function serves (strangler-fig migration).
        self.legacy = legacy
        #: One instance serves one invocation at a time.
        self._instance = threading.Lock()
        #: Whether replies may stream (``--stream``: devtools/streaming.py).
        self.stream = stream

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        began = time.perf_counter()
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime()),
            "method": environ.get("REQUEST_METHOD", "GET"),
            "path": request_target(environ),
            "status": 0,
            "duration_ms": 0.0,
            "start": None,
            "platform": self.emulation.name,
            "client": environ.get("REMOTE_ADDR"),
            "request_id": None,
        }
        try:
            status, headers, body = self._answer(environ, entry)
        except _Refused as refused:
            status, headers, body = self.emulation.error(refused.status)
            entry["note"] = refused.note
        except Exception as exc:
            logger.exception("faas-bridge serve: the gateway failed on %s", entry["path"])
            status, headers, body = self.emulation.error(502)
            entry["note"] = f"gateway error: {type(exc).__name__}: {exc}"
        if not isinstance(body, bytes):  # streamed: written as the app produces it
            from faas_bridge.devtools.streaming import status_line

            start_response(status_line(status), headers)
            entry["status"] = status
            entry["duration_ms"] = round((time.perf_counter() - began) * 1000, 1)
            entry["note"] = "streamed"
            self.log.write(entry)
            return body
        if entry["method"] == "HEAD":
            body = b""
        headers = finish_headers(headers, body, entry["method"], status)
        start_response(f"{status} {phrase(status)}", headers)
        entry["status"] = status
        entry["duration_ms"] = round((time.perf_counter() - began) * 1000, 1)
        self.log.write(entry)
        return [body]

    def _answer(self, environ: dict[str, Any], entry: dict[str, Any]) -> HttpReply:
        emulation = self.emulation
        call = http_call(environ, emulation.body_cap())
        if emulation.reject_upgrade and call.header("upgrade"):
            raise _Refused(emulation.reject_upgrade, "Upgrade requests are not passed to Lambda")
        if not emulation.within_mount(call.path):
            raise _Refused(404, f"outside the emulated API: its URLs start with {emulation.mount}/")
        if call.path[len(emulation.mount) :] in emulation.emulator.refused_paths:
            raise _Refused(404, f"{emulation.name} answers {call.path} itself")
        if emulation.body_limit and len(call.body) > emulation.body_limit:
            raise _Refused(
                413,
                f"request body of {megabytes(len(call.body))}; "
                f"{emulation.name} accepts {megabytes(emulation.body_limit)}",
            )
        handler, entry["function"] = self._owner(call)
        if handler is None:
            assert self.legacy is not None
            entry["legacy"] = self.legacy
            return forward(call, self.legacy, self.timeout, emulation.mount)
        host = call.header("host") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        event = emulation.event(call, host, int(environ.get("SERVER_PORT") or 0))
        size = emulation.emulator.event_size(event) or 0
        if emulation.request_limit and size > emulation.request_limit:
            raise _Refused(
                413,
                f"the event would be {megabytes(size)}; "
                f"Lambda accepts {megabytes(emulation.request_limit)}",
            )
        context = LocalContext(self.timeout)
        entry["request_id"] = context.aws_request_id
        if self.stream:  # a caller that takes a stream (devtools/streaming.py)
            from faas_bridge.devtools import streaming

            streaming.mark(context)
        with self._instance:
            entry["start"] = "cold" if handler.cold else "warm"
            reply = emulation.invoke(handler, event, context)
        after = None
        if self.stream:
            reply, after = streaming.split(reply)
            opened = streaming.open_stream(reply, after)
            if opened is not None:
                return opened  # type: ignore[return-value]
        try:
            whole = self._whole(reply, event)
        except BaseException:
            if after is not None:
                after()  # the app's remaining work runs whatever became of its reply
            raise
        if after is not None:
            return streaming.then(whole, after)  # type: ignore[return-value]
        return whole

    def _whole(self, reply: Any, event: Any) -> HttpReply:
        """The HTTP the vendor makes of a whole reply: its size limit, then its rules."""
        emulation = self.emulation
        if emulation.reply_limit:
            size = emulation.emulator.reply_size(reply) or 0
            if size > emulation.reply_limit:
                raise _Refused(
                    502,
                    f"the reply is {megabytes(size)}; "
                    f"{emulation.name} accepts {megabytes(emulation.reply_limit)}",
                )
        try:
            return emulation.reply(reply, event)
        except (ValueError, TypeError, KeyError) as exc:
            status = emulation.emulator.bad_reply_status
            raise _Refused(status, f"{emulation.name} cannot use the reply: {exc}") from None

    def _owner(self, call: HttpCall) -> tuple[Handler | None, str | None]:
        """(handler, function name) serving the request; (None, None): the legacy server."""
        from faas_bridge.config import FunctionSet
        from faas_bridge.routing.routes import app_path

        path = app_path(call.path[len(self.emulation.mount) :].encode("latin-1") or b"/")
        if self.functions is not None:
            found = self.functions.pick(call.method, path)
            if found is not None:
                return found[1], found[0]
            if self.legacy is None:
                raise _Refused(
                    404, f"no function of {self.functions.config.path} serves {call.method} {path}"
                )
            return None, None
        handler = self.handler
        assert not isinstance(handler, FunctionSet)
        routes = handler.routes
        if self.legacy is None or routes is None or routes.owns(call.method, path):
            return handler, routes.function if routes is not None else None
        return None, None


#: Request headers a proxy sets itself: the client's own are never passed on.
_FORWARDED_HEADERS = frozenset(
    {"x-forwarded-host", "x-forwarded-proto", "x-forwarded-for", "x-forwarded-prefix"}
)


def forward(call: HttpCall, base: str, timeout: float, mount: str = "") -> HttpReply:
    """The legacy server's answer to ``call``, proxied as a reverse proxy does.

    The request goes to ``base`` (``http://127.0.0.1:8000``, a path prefix
    allowed) with its method, headers and body, and its target without the
    emulated mount point (a stage): the old server receives what it did
    before the gateway was put in front of it. Host names the old server;
    ``X-Forwarded-Host``/``-Proto``/``-Prefix`` say what the client used (set,
    never added to what the client sent), ``X-Forwarded-For`` the chain with
    the client's address last.
    """
    import http.client
    from urllib.parse import urlsplit

    target = call.target
    if mount and (target == mount or target.startswith((mount + "/", mount + "?"))):
        target = target[len(mount) :]
        target = target if target.startswith("/") else "/" + target
    else:
        mount = ""
    parts = urlsplit(base)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=timeout)
    try:
        connection.putrequest(
            call.method,
            parts.path.rstrip("/") + target,
            skip_host=True,
            skip_accept_encoding=True,
        )
        connection.putheader("Host", parts.netloc)
        chain = []
        for name, value in call.headers:
            key = name.lower()
            if key == "x-forwarded-for":
                chain.append(value)
            if key in _CONNECTION_HEADERS or key in _FORWARDED_HEADERS:
                continue
            if key not in ("host", "content-length", "expect"):
                connection.putheader(name, value)
        client_host = call.header("host")
        if client_host:
            connection.putheader("X-Forwarded-Host", client_host)
        connection.putheader("X-Forwarded-Proto", "http")
        if mount:
            connection.putheader("X-Forwarded-Prefix", mount)
        connection.putheader("X-Forwarded-For", ", ".join([*chain, call.client_ip]))
        if call.body or call.method not in ("GET", "HEAD", "DELETE", "OPTIONS"):
            connection.putheader("Content-Length", str(len(call.body)))
        connection.endheaders(call.body or None)
        response = connection.getresponse()
        body = response.read()
        return response.status, [(k, v) for k, v in response.getheaders()], body
    except (OSError, http.client.HTTPException) as exc:
        raise _Refused(502, f"the legacy server {base} did not answer: {exc}") from None
    finally:
        connection.close()


def request_target(environ: Mapping[str, Any]) -> str:
    """The request target as the client sent it: path and query, percent-encoded.

    Anything outside printable ASCII is percent-encoded; an absolute-form
    target (``http://host/path``) keeps only its path and query.
    """
    raw = environ.get("faas_bridge.target") or environ.get("REQUEST_URI") or "/"
    if "://" in raw.split("?", 1)[0]:
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    target = quote(raw.encode("latin-1", "replace"), safe=_TARGET_SAFE)
    return target if target.startswith("/") else "/" + target


def http_call(environ: Mapping[str, Any], cap: tuple[int, str]) -> HttpCall:
    """The client's request; a body over the cap (bytes, reason) is refused (413) unread."""
    headers = environ.get("faas_bridge.headers")
    if headers is None:
        headers = [
            (key[5:].replace("_", "-").title(), str(value))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
            if environ.get(key):
                headers.append((name, str(environ[key])))
    return HttpCall(
        method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
        target=request_target(environ),
        headers=[(str(k), str(v).replace("\r", "").replace("\n", "")) for k, v in headers],
        body=_read_body(environ, cap),
        client_ip=str(environ.get("REMOTE_ADDR") or "127.0.0.1"),
    )


def _read_body(environ: Mapping[str, Any], limit: tuple[int, str]) -> bytes:
    stream = environ["wsgi.input"]
    cap, reason = limit
    if environ.get("wsgi.input_terminated"):
        wanted = cap + 1
    else:
        try:
            wanted = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise _Refused(400, "Content-Length is not a number") from None
        if wanted > cap:
            raise _Refused(413, f"request body of {megabytes(wanted)}; {reason} {megabytes(cap)}")
    chunks: list[bytes] = []
    read = 0
    while read < wanted:
        chunk = stream.read(min(wanted - read, 1_048_576))
        if not chunk:
            break
        chunks.append(chunk)
        read += len(chunk)
    if read > cap:
        raise _Refused(413, f"request body over {megabytes(cap)}; {reason} {megabytes(cap)}")
    return b"".join(chunks)


def finish_headers(
    headers: Iterable[tuple[str, str]], body: bytes, method: str, status: int
) -> list[tuple[str, str]]:
    """The reply headers as the local server sends them.

    Connection headers are the server's own. Content-Length is the body's,
    except where no body is sent (HEAD, 304), where the app's value passes
    through, and for 1xx and 204, which have none. A Date is added when the
    reply has none.
    """
    kept: list[tuple[str, str]] = []
    declared = None
    for name, value in headers:
        key = name.lower()
        value = value.replace("\r", " ").replace("\n", " ")
        value = value.encode("latin-1", "replace").decode("latin-1")
        if key == "content-length":
            declared = value
        elif key not in _CONNECTION_HEADERS:
            kept.append((name, value))
    if status < 200 or status == 204:
        pass
    elif method == "HEAD" or status == 304:
        if declared is not None:
            kept.append(("Content-Length", declared))
    else:
        kept.append(("Content-Length", str(len(body))))
    if not any(name.lower() == "date" for name, _ in kept):
        kept.append(("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())))
    return kept


# -- Serving -----------------------------------------------------------------------------------


def serve(
    build_handler: Callable[[], Handler | FunctionSet],
    emulation: Emulation,
    *,
    host: str = "127.0.0.1",
    port: int = 3000,
    reload: bool = False,
    log_json: bool = False,
    timeout: float = 30.0,
    announce: Callable[[Any, str], None] | None = None,
    out: TextIO | None = None,
    legacy: str | None = None,
    stream: bool = False,
) -> int:
    """Serve ``emulation`` on ``host``:``port`` until Ctrl-C or SIGTERM; 0 when stopped.

    The handler is built once, after the port is bound and before the first
    request (``--reload`` restarts the whole process on a change). Stopping
    runs the app's shutdown (ASGI lifespan, shutdown hooks). A FunctionSet
    (faas.yml's functions) serves each request from the function owning its
    route; ``legacy`` (a base URL) answers the requests none owns.
    """
    try:
        from werkzeug import serving
    except ImportError:
        raise ConfigurationError(
            "faas-bridge serve needs werkzeug: pip install 'faas-bridge[serve]'"
        ) from None
    _quiet_werkzeug()
    request_handler = _request_handler_class()
    if reload and not serving.is_running_from_reloader():
        return _watch(_bind(host, port))
    sock = None if reload else _bind(host, port)
    _stop_on_sigterm()
    handler = build_handler()
    gateway = Gateway(
        handler,
        emulation,
        RequestLog(out or sys.stdout, json_lines=log_json),
        timeout=timeout,
        legacy=legacy,
        stream=stream,
    )
    try:
        if sock is None:
            bound = _inherited_port(host)
            if announce is not None:
                announce(handler, _url(host, bound, emulation.mount))
            serving.run_simple(
                host,
                port,
                gateway,
                use_reloader=True,
                reloader_type="stat",
                request_handler=request_handler,
                threaded=True,
            )
        else:
            server = serving.make_server(
                host,
                port,
                gateway,
                threaded=True,
                request_handler=request_handler,
                fd=sock.fileno(),
            )
            sock.close()
            if announce is not None:
                announce(handler, _url(host, server.port, emulation.mount))
            server.serve_forever()  # returns on Ctrl-C or SIGTERM
    finally:
        print("faas-bridge: stopping: running the app's shutdown", file=sys.stderr, flush=True)
        handler.shutdown()
    print("faas-bridge: stopped", file=sys.stderr, flush=True)
    return 0


def _url(host: str, port: int, mount: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{mount}/"


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line ConfigurationError saying what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        import errno

        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"port {port} on {host} is in use: stop the program using it, "
                "or pick another port with --port N (--port 0 takes any free one)"
            ) from None
        raise ConfigurationError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): check --host and --port"
        ) from None
    sock.set_inheritable(True)
    return sock


def _inherited_port(host: str) -> int:
    """The port of the socket the reloader's watching process bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.fromfd(int(os.environ["WERKZEUG_SERVER_FD"]), family, socket.SOCK_STREAM)
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


def _stop_on_sigterm() -> None:
    """SIGTERM stops the server as Ctrl-C does, so the app's shutdown runs.

    Installed before the handler is built: its lifecycle chains this handler
    after running the shutdown itself.
    """

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


#: The exit status of werkzeug's serving process asking to be started again.
_RESTART = 3
#: Signals that stop ``serve --reload``: each is passed on to the serving process as Ctrl-C.
_STOPPING_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def _watch(sock: socket.socket) -> int:
    """``--reload``'s first process: it only watches; a child serves, anew after each change.

    The child inherits the bound socket and runs werkzeug's reloader, which
    exits with status 3 when a source file changes. The child runs in a
    process group of its own, so that a stopping signal (Ctrl-C, SIGTERM,
    a closed terminal) reaches it once, from here, as Ctrl-C: it then runs
    the app's shutdown before exiting, and this process waits for it.
    """
    import subprocess

    env = {**os.environ, "WERKZEUG_RUN_MAIN": "true", "WERKZEUG_SERVER_FD": str(sock.fileno())}
    command = [sys.executable, *sys.orig_argv[1:]]
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, frame: Any) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)

    previous = {}
    for name in _STOPPING_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and threading.current_thread() is threading.main_thread():
            previous[number] = signal.signal(number, stop)
    try:
        while True:
            child = subprocess.Popen(
                command, env=env, pass_fds=(sock.fileno(),), start_new_session=True
            )
            status = child.wait()
            if status != _RESTART:
                return 0 if status in (0, -signal.SIGINT) else status
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        sock.close()


class _WerkzeugNoise(logging.Filter):
    """Keep werkzeug's reloader messages; drop its banner (ours says more)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not any(s in text for s in ("Running on", "CTRL+C", "development server"))


def _quiet_werkzeug() -> None:
    log = logging.getLogger("werkzeug")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("faas-bridge:%(message)s"))
        handler.addFilter(_WerkzeugNoise())
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _request_handler_class() -> type[Any]:
    """werkzeug's request handler, keeping what the gateway needs of the raw request."""
    from werkzeug.serving import WSGIRequestHandler

    class GatewayRequestHandler(WSGIRequestHandler):
        """Keeps the raw request target and header lines (order and repeats) in the environ."""

        def parse_request(self) -> bool:
            """Refuse what a real server refuses before the app: Content-Length in doubt.

            As gunicorn: 400 for a repeated Content-Length (equal values too),
            one beside Transfer-Encoding, or one that is not digits. Which body
            the client meant is unknown, and so is where the next request starts.
            """
            if not super().parse_request():
                return False
            lengths = self.headers.get_all("Content-Length") or []
            problem = ""
            if len(lengths) > 1:
                problem = "more than one Content-Length"
            elif lengths and self.headers.get("Transfer-Encoding") is not None:
                problem = "Content-Length with Transfer-Encoding"
            elif lengths and not (lengths[0].isascii() and lengths[0].isdigit()):
                problem = "Content-Length is not a number"
            if problem:
                self.send_error(400, problem)  # closes the connection
                return False
            return True

        def handle_expect_100(self) -> bool:
            # werkzeug writes the 100 Continue itself when it starts the app;
            # http.server's would be a second one.
            return True

        def make_environ(self) -> dict[str, Any]:
            environ = super().make_environ()
            environ["faas_bridge.target"] = self.path
            environ["faas_bridge.headers"] = list(self.headers.items())
            return environ

        def send_response(self, code: int, message: str | None = None) -> None:
            # The reply's own headers only: no Server, and the gateway sets Date.
            self.send_response_only(code, message)

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """The gateway logs each request itself, with more to say."""

    return GatewayRequestHandler
