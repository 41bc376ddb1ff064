"""The local gateway behind ``faas-bridge serve``, and the event builders it shares.

``serve`` is a real HTTP server on 127.0.0.1 (werkzeug's) that does to every
request what the emulated vendor does before and after a deployed function:

1. the platform module's ``build_event`` (the builder ``faas-bridge events new``
   prints with) turns the HTTP request into the vendor's event;
2. one :class:`~faas_bridge.Handler`, built once per process and warm across
   requests like one Lambda instance, answers it; requests take turns, as an
   instance serves one invocation at a time;
3. the module's ``http_reply`` turns the reply into HTTP as the vendor does:
   base64 decoded, every Set-Cookie kept, a malformed reply answered 502.

The vendor's limits apply as the vendor applies them (payload sizes, header
rules, REST binary media types), answered with the vendor's own error replies.

The app sees the URL the client used, as under ``sam local``: the event carries
the client's Host with ``X-Forwarded-Proto: http`` and the local port, so links,
redirects and CSRF origin checks work locally. Where the vendor mounts the app
below a path (a REST stage, a named HTTP API stage, ``--base-path``), URLs start
with it and the handler is given it as ``base_path``.

Platform modules and the gateway
--------------------------------
Platforms are the rows of :data:`faas_bridge.platforms.REGISTRY`. The gateway
uses these names of a platform's module; all but the first two are optional:

``build_event(call, **settings)``
    The vendor's event for an :class:`HttpCall`; all ``events new`` needs. A
    module serving several platforms names its other builders
    ``build_<what>_event``; a platform takes the one its adapter recognises.
``http_reply(reply, event=None, **settings)``
    ``(status, header lines, body)``: the vendor's HTTP for the function's reply;
    ValueError for a reply the vendor rejects. ``serve`` needs it.
``url_prefix(**settings)``
    The path the vendor mounts the app at (a stage), which URLs start with.
``prepare_event(event, call, **settings)``
    What the vendor's front end does beyond ``build_event`` (REST: binary types).
``error_reply(status)``
    The vendor's own error reply (413 too large, 502 unusable reply...).
``REQUEST_LIMIT``, ``BODY_LIMIT``, ``REPLY_LIMIT``
    Bytes of event JSON, request body and reply JSON the vendor accepts.
``DROPPED_REQUEST_HEADERS``
    Lower-case names of request headers the vendor never forwards.
``REJECT_UPGRADE``
    The status an ``Upgrade`` (WebSocket) request is refused with.

Settings are keyword arguments (``stage``, ``multi_value``...); each function
is given the ones it declares.

werkzeug (the ``serve`` extra) is imported by :func:`serve` only.
"""

from __future__ import annotations

import difflib
import inspect
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
from dataclasses import dataclass
from functools import cache, cached_property
from http import HTTPStatus
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.errors import ConfigurationError
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES, REGISTRY
from faas_bridge.platforms.base import Platform

if TYPE_CHECKING:
    from faas_bridge.config import FunctionSet
    from faas_bridge.dispatch import Handler

logger = logging.getLogger("faas_bridge")

#: (status, header lines, body): an HTTP response.
HttpReply = tuple[int, list[tuple[str, str]], bytes]
#: Names of the first positional parameters of the module functions: not settings.
_NOT_SETTINGS = frozenset({"call", "event", "reply", "status"})
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


#: One line per platform whose module serves several, which its docstring cannot say.
DESCRIPTIONS = {
    "aliyun-fc3": "Alibaba Cloud Function Compute 3.0 HTTP trigger (built-in runtimes)",
    "aliyun-apigw": "Alibaba Cloud API Gateway with a Function Compute backend",
    "aliyun-fc2": "Alibaba Cloud Function Compute 2.0 HTTP trigger (WSGI-style handler)",
    "tencent-scf-apigw": "Tencent Cloud SCF behind API Gateway (integration request)",
    "tencent-cloudbase": "Tencent CloudBase HTTP access service",
    "huawei-fg-apig": "Huawei Cloud (and Open Telekom Cloud) FunctionGraph behind APIG",
    "openfaas": "OpenFaaS python3-http template: handle(event, context)",
    "kubeless": "kubeless Python runtime: handler(event, context) under Bottle",
}


# -- Which platforms can do what --------------------------------------------------------


@dataclass(frozen=True)
class PlatformSupport:
    """What faas-bridge can do for one platform: build its events, emulate it."""

    name: str
    module: ModuleType | None = None
    adapter: type[Platform] | None = None
    builder: Callable[..., Any] | None = None
    problem: str = ""

    @property
    def description(self) -> str:
        """What the platform is: its own line, else the first sentence of its module's docstring."""
        if self.name in DESCRIPTIONS:
            return DESCRIPTIONS[self.name]
        adapter_module = sys.modules.get(self.adapter.__module__) if self.adapter else None
        doc = (adapter_module.__doc__ or "") if adapter_module is not None else ""
        paragraph = " ".join(doc.strip().split("\n\n")[0].split())
        sentence = paragraph.split(". ")[0].rstrip(".").replace("``", "")
        return sentence or self.name

    def hook(self, name: str) -> Any:
        """The module attribute ``name`` the gateway may use, or None."""
        return getattr(self.module, name, None) if self.module is not None else None

    @property
    def can_build(self) -> bool:
        return self.builder is not None

    @property
    def can_serve(self) -> bool:
        return self.can_build and callable(self.hook("http_reply")) and self.json_events

    @cached_property
    def json_events(self) -> bool:
        """Whether the vendor sends JSON events (Azure and GCP hand over request objects)."""
        if self.builder is None:
            return False
        try:
            event, _ = self.build_event(HttpCall(), {})
        except Exception:
            return True  # a builder that needs settings: its events are still JSON
        return isinstance(event, (dict, list))

    @property
    def status(self) -> str:
        """One phrase for ``events list`` and ``serve --help``."""
        if self.problem:
            return f"unavailable ({self.problem})"
        if not self.can_build:
            return "no event builder yet"
        if not self.json_events:
            return "request objects, not JSON events"
        if not self.can_serve:
            return "no local emulation yet"
        return "local emulation"

    def build_event(self, call: HttpCall, settings: Mapping[str, Any]) -> tuple[Any, str]:
        """(event, note): the vendor's event for ``call``, front-end rules applied.

        ``serve`` and ``events new`` both build events here, so what one prints
        is what the other sends. See :func:`build` for the note.
        """
        if self.builder is None:
            raise ConfigurationError(f"{self.name} has {self.status}")
        event, note = build(self.builder, call, settings, self.hook("url_prefix"))
        prepare = self.hook("prepare_event")
        if callable(prepare):
            prepare(event, call, **_accepted(prepare, settings))
        return event, note

    def settings(self) -> dict[str, Any]:
        """Every setting the builder or the gateway functions take, with its default."""
        found: dict[str, Any] = {}
        for func in (self.builder, *map(self.hook, ("url_prefix", "prepare_event", "http_reply"))):
            if callable(func):
                for name, default in _keywords(func).items():
                    found.setdefault(name, default)
        return found


def _keywords(func: Callable[..., Any]) -> dict[str, Any]:
    """The keyword parameters of ``func`` with their defaults (``None`` when required)."""
    params: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        if param.name in _NOT_SETTINGS or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.kind is param.POSITIONAL_ONLY:
            continue
        params[param.name] = None if param.default is param.empty else param.default
    return params


def _accepted(func: Callable[..., Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    names = _keywords(func)
    return {name: value for name, value in settings.items() if name in names}


@cache
def platform_support() -> tuple[PlatformSupport, ...]:
    """Every registered platform, in :data:`REGISTRY` order, with what it supports.

    Importing a module that fails (another vendor's work in progress) marks
    that platform unavailable instead of failing the command.
    """
    rows_per_module: dict[str, int] = {}
    for _, target in REGISTRY:
        module_name = target.partition(":")[0]
        rows_per_module[module_name] = rows_per_module.get(module_name, 0) + 1
    found = []
    for name, target in REGISTRY:
        module_name, _, class_name = target.partition(":")
        try:
            adapter = getattr(import_module(f"faas_bridge.platforms.{module_name}"), class_name)
            module = import_module(f"faas_bridge.devtools.emulators.{module_name}")
        except Exception as exc:
            found.append(PlatformSupport(name, problem=f"{type(exc).__name__}: {exc}"))
            continue
        builder = _pick_builder(module, adapter, shared=rows_per_module[module_name] > 1)
        found.append(PlatformSupport(name, module, adapter, builder))
    return tuple(found)


def support(name: str) -> PlatformSupport:
    """The support for platform ``name``; ConfigurationError for an unknown name."""
    for entry in platform_support():
        if entry.name == name:
            return entry
    close = difflib.get_close_matches(name, NAMES, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigurationError(
        f"unknown platform {name!r}: {hint}choose one of {', '.join(NAMES)} "
        "(faas-bridge events list describes them)"
    )


def _pick_builder(
    module: ModuleType, adapter: type[Platform], *, shared: bool
) -> Callable[..., Any] | None:
    """The module's event builder for this platform.

    When one module serves several platforms, each takes the builder whose
    event its own adapter recognises (a built event matches one adapter only).
    """
    candidates: list[Callable[..., Any]] = [
        getattr(module, name)
        for name in sorted(dir(module), key=lambda n: (n != "build_event", n))
        if (name == "build_event" or (name.startswith("build_") and name.endswith("_event")))
        and callable(getattr(module, name))
        and getattr(getattr(module, name), "__module__", None) == module.__name__
    ]
    if not shared:
        return candidates[0] if candidates and candidates[0].__name__ == "build_event" else None
    platform = adapter(Options())
    for builder in candidates:
        try:
            event, _ = build(builder, HttpCall(), {}, getattr(module, "url_prefix", None))
        except Exception:
            continue
        if platform.matches(event):
            return builder
    return None


def build(
    builder: Callable[..., Any],
    call: HttpCall,
    settings: Mapping[str, Any],
    url_prefix: Callable[..., str] | None = None,
) -> tuple[Any, str]:
    """(event, note): the builder's event for ``call`` with the settings it takes.

    A vendor whose URLs carry the stage (a REST API on its own host) rejects a
    path without it; the path is then tried again below the stage (from the
    module's ``url_prefix``, else the builder's ``stage`` default), and the
    note says so.
    """
    kwargs = _accepted(builder, settings)
    try:
        return builder(call, **kwargs), ""
    except ValueError:
        if url_prefix is not None:
            prefix = url_prefix(**_accepted(url_prefix, settings)).rstrip("/")
        else:
            stage = kwargs.get("stage", _keywords(builder).get("stage"))
            prefix = f"/{stage}" if isinstance(stage, str) and stage else ""
        if not prefix or call.path == prefix or call.path.startswith(prefix + "/"):
            raise
        moved = call._replace(target=prefix + call.target)
        note = f"the vendor's URLs start with the stage: built for {moved.path}"
        return builder(moved, **kwargs), note


# -- One platform's gateway behaviour ------------------------------------------------------


class Emulation:
    """What one vendor does around the function, with the settings the user chose."""

    def __init__(
        self, platform: PlatformSupport, settings: Mapping[str, Any], *, base_path: str = ""
    ) -> None:
        if not platform.can_serve:
            raise ConfigurationError(
                f"platform {platform.name} has {platform.status}: serve one of "
                + ", ".join(p.name for p in platform_support() if p.can_serve)
            )
        self.platform = platform
        self.settings = {k: v for k, v in settings.items() if v is not None}
        unknown = sorted(set(self.settings) - set(platform.settings()))
        if unknown:
            raise ConfigurationError(
                f"{', '.join(unknown)} does not apply to {platform.name}: it takes "
                + (", ".join(sorted(platform.settings())) or "no settings")
            )
        self.request_limit: int | None = platform.hook("REQUEST_LIMIT")
        self.body_limit: int | None = platform.hook("BODY_LIMIT")
        self.reply_limit: int | None = platform.hook("REPLY_LIMIT")
        self.reject_upgrade: int | None = platform.hook("REJECT_UPGRADE")
        self.dropped = frozenset(platform.hook("DROPPED_REQUEST_HEADERS") or ()) | (
            _REQUEST_CONNECTION_HEADERS
        )
        base = base_path.strip().strip("/")
        self.base_path = "/" + base if base else ""
        url_prefix = platform.hook("url_prefix")
        prefix = url_prefix(**_accepted(url_prefix, self.settings)) if url_prefix else ""
        #: The path every URL starts with: the app's mount point.
        self.mount: str = self.base_path or prefix.rstrip("/")
        assert platform.adapter is not None
        self._adapter = platform.adapter(Options())
        self._host_builds: bool | None = None

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

    def event(self, call: HttpCall, host: str, port: int) -> dict[str, Any]:
        """The vendor's event for a request that reached ``host`` on local ``port``."""
        call = call._replace(headers=[h for h in call.headers if h[0].lower() not in self.dropped])
        event = self._build(call, host)
        set_header(event, "x-forwarded-proto", "http")
        set_header(event, "x-forwarded-port", str(port))
        return event

    def _build(self, call: HttpCall, host: str) -> dict[str, Any]:
        """Built for the local host when the vendor's event can say so, else localised.

        Some vendors' events are recognised by their domain (Function URLs): for
        those the event keeps the vendor's domain and only its Host header is local.
        """
        builder = self.platform.builder
        assert builder is not None
        if self._host_builds is not False and "host" in _keywords(builder):
            event, _ = self.platform.build_event(call, {**self.settings, "host": host})
            if self._host_builds is None:
                self._host_builds = self._adapter.matches(event)
            if self._host_builds:
                return dict(event)
        event, _ = self.platform.build_event(call, self.settings)
        set_header(event, "host", host)
        return dict(event)

    def reply(self, reply: Any, event: Any) -> HttpReply:
        """The vendor's HTTP for the function's reply; ValueError when it rejects it."""
        http_reply = self.platform.hook("http_reply")
        status, headers, body = http_reply(reply, event, **_accepted(http_reply, self.settings))
        return int(status), [(str(k), str(v)) for k, v in headers], bytes(body)

    def error(self, status: int) -> HttpReply:
        """The vendor's own error reply."""
        error_reply = self.platform.hook("error_reply")
        if callable(error_reply):
            code, headers, body = error_reply(status)
            return int(code), list(headers), bytes(body)
        phrase = _phrase(status)
        return status, [("Content-Type", "text/plain; charset=utf-8")], phrase.encode()

    def describe_limits(self) -> str:
        parts = []
        if self.body_limit:
            parts.append(f"request body {megabytes(self.body_limit)}")
        if self.request_limit:
            parts.append(f"event {megabytes(self.request_limit)}")
        if self.reply_limit:
            parts.append(f"reply {megabytes(self.reply_limit)}")
        return ", ".join(parts) or "none stated"


def set_header(event: Any, name: str, value: str) -> None:
    """Set header ``name`` (any case) in an event's ``headers``/``multiValueHeaders``."""
    if not isinstance(event, dict):
        return
    for field, multi in (("headers", False), ("multiValueHeaders", True)):
        headers = event.get(field)
        if not isinstance(headers, dict):
            continue
        keys = [key for key in headers if str(key).lower() == name]
        for key in keys[1:]:
            del headers[key]
        key = keys[0] if keys else name
        headers[key] = [value] if multi else value


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact JSON: what an invocation payload weighs."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB".replace(".0 MB", " MB")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


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
        if entry["method"] == "HEAD":
            body = b""
        headers = finish_headers(headers, body, entry["method"], status)
        start_response(f"{status} {_phrase(status)}", headers)
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
        size = json_size(event)
        if emulation.request_limit and size > emulation.request_limit:
            raise _Refused(
                413,
                f"the event would be {megabytes(size)}; "
                f"Lambda accepts {megabytes(emulation.request_limit)}",
            )
        context = LocalContext(self.timeout)
        entry["request_id"] = context.aws_request_id
        with self._instance:
            entry["start"] = "cold" if handler.cold else "warm"
            reply = handler(event, context)
        if emulation.reply_limit:
            size = json_size(reply)
            if size > emulation.reply_limit:
                raise _Refused(
                    502,
                    f"the reply is {megabytes(size)}; "
                    f"{emulation.name} accepts {megabytes(emulation.reply_limit)}",
                )
        try:
            return emulation.reply(reply, event)
        except (ValueError, TypeError, KeyError) as exc:
            raise _Refused(502, f"{emulation.name} cannot use the reply: {exc}") from None

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
