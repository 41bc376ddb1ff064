"""What every emulator is: the :class:`Emulator` contract, and the client's request.

An emulator is one explicit class per platform of :data:`faas_bridge.platforms.REGISTRY`
(:data:`faas_bridge.devtools.emulators.REGISTRY` maps each name to its class). It
declares, as data, everything the local gateway needs: the settings it takes,
the vendor's limits, the request headers the vendor drops, how it refuses a
WebSocket upgrade, the URL layout, and what a request loses or changes on the
way (:class:`Passage`, from which the README's cross-vendor table is made).
Its methods build the vendor's event (or call) for an :class:`HttpCall` and
turn the function's reply into the vendor's HTTP response.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple
from urllib.parse import quote

from faas_bridge import b64
from faas_bridge.errors import ConfigurationError
from faas_bridge.options import Options

#: (status, header lines, body): an HTTP response.
HttpReply = tuple[int, list[tuple[str, str]], bytes]

# -- Building events: what the vendor would send for a real HTTP request --------
#
# Used by `faas-bridge events`, the local gateway and the tests. Each emulator
# module has builders (``build_event(call, ...)``) that mirror how the vendor
# turns an HTTP request into an event, quirks included.


class HttpCall(NamedTuple):
    """An HTTP request as a client sends it, before any vendor touches it.

    A named tuple (``call._replace(target=...)`` for a changed copy): this
    module is imported on every cold start, and a dataclass's generated code
    would cost it a third of a millisecond.
    """

    method: str = "GET"
    #: The request target as on the request line: percent-encoded path and query.
    target: str = "/"
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    client_ip: str = "198.51.100.7"

    @property
    def path(self) -> str:
        return self.target.partition("?")[0] or "/"

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (any case)."""
        found = None
        for key, value in self.headers:
            if key.lower() == name.lower():
                found = value
        return found


def event_body(call: HttpCall, text_types: tuple[str, ...] = ()) -> tuple[str | None, bool]:
    """(body, isBase64Encoded) as AWS services encode a request body.

    Text-like content types without Content-Encoding travel as text; anything
    else (and text that is not UTF-8) as base64.
    """
    if not call.body:
        return None, False
    options = Options(text_types=text_types)
    if options.is_text(call.header("content-type")) and not call.header("content-encoding"):
        try:
            return call.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return b64.encode(call.body), True


def lower_header_lines(call: HttpCall, host: str, *, separator: str) -> list[tuple[str, str]]:
    """The call's header lines as an AWS load balancer (ALB, VPC Lattice) passes them.

    Names lower-case, Host first and set to ``host``, the client's address
    appended to X-Forwarded-For, its hops joined by ``separator``.
    """
    forwarded = call.header("x-forwarded-for")
    lines = [("host", host)]
    lines += [
        (k.lower(), v) for k, v in call.headers if k.lower() not in ("host", "x-forwarded-for")
    ]
    chain = f"{forwarded}{separator}{call.client_ip}" if forwarded else call.client_ip
    return [*lines, ("x-forwarded-for", chain)]


def server_environ(
    call: HttpCall, host: str, headers: Sequence[tuple[str, str]], remote_addr: str
) -> dict[str, Any]:
    """The WSGI environ a Python server (gunicorn, waitress) builds for ``call``.

    werkzeug's environ for the request, with gunicorn's ``RAW_URI`` (the
    target as sent); a server passes an empty body's ``Content-Length: 0`` on.
    """
    from werkzeug.test import EnvironBuilder  # the vendors' own server stack: dev tooling only

    overrides = {"REMOTE_ADDR": remote_addr, "RAW_URI": call.target}
    length = call.header("content-length")
    if length is not None and not call.body:
        overrides["CONTENT_LENGTH"] = length
    builder = EnvironBuilder(
        path=quote(call.path, safe="/%!$&'()*+,;=:@-._~"),
        method=call.method,
        headers=list(headers),
        data=call.body,
        query_string=call.query,
        base_url=f"http://{host}/",
        environ_overrides=overrides,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def request_id() -> str:
    """A fresh id in the vendors' UUID form."""
    import uuid  # for event builders only: not on a cold start

    return str(uuid.uuid4())


# -- The emulator contract -----------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """What a request and its reply lose or change between the client and the app.

    Each field is one short phrase for the README's cross-vendor table; the
    tests check the phrases against the running emulators. Every field
    defaults to passing unchanged, so an emulator names only what its vendor
    changes.
    """

    #: A request header sent twice: ``joined`` (one value, comma-joined),
    #: ``last`` (the last value only), ``kept`` (both values reach the app).
    repeated_headers: str = "kept"
    #: A query key given twice: ``kept``, ``joined``, ``first``, ``last``.
    repeated_query: str = "kept"
    #: Whether the query reaches the app ``verbatim`` or ``re-encoded`` from
    #: decoded values (``%2B`` and ``+`` may then read alike), or is ``lost``.
    query: str = "verbatim"
    #: Two cookies in the request: ``kept``, or ``dropped``.
    cookies: str = "kept"
    #: Two Set-Cookie headers in the reply: ``both`` reach the client, or ``one``.
    reply_cookies: str = "both"
    #: A binary request body: ``exact``, or how it is changed.
    binary_body: str = "exact"


class Emulator:
    """One vendor's gateway around a function, with the settings the user chose.

    Subclasses set the class attributes and :meth:`build_event`, and
    :meth:`http_reply` where the vendor's reply is not the common
    ``{statusCode, headers, body}``; everything else has the common default.
    """

    #: The platform name (a row of :data:`faas_bridge.platforms.REGISTRY`).
    name: ClassVar[str]
    #: The adapter the events feed, as that row names it (``"module:Class"``).
    adapter: ClassVar[str]
    #: One line: what the vendor is.
    description: ClassVar[str]
    #: The settings this vendor takes, with their defaults (``host`` where
    #: the event names the host the client used).
    settings_declared: ClassVar[Mapping[str, Any]] = {}
    #: Bytes of event JSON, request body and reply JSON the vendor accepts
    #: (None: no limit stated, or the adapter checks it itself).
    request_limit: ClassVar[int | None] = None
    body_limit: ClassVar[int | None] = None
    reply_limit: ClassVar[int | None] = None
    #: Lower-case names of request headers the vendor never forwards.
    dropped_request_headers: ClassVar[frozenset[str]] = frozenset()
    #: The status an ``Upgrade`` (WebSocket) request is refused with, or None.
    reject_upgrade: ClassVar[int | None] = None
    #: The status the vendor answers a reply it cannot use with.
    bad_reply_status: ClassVar[int] = 502
    #: Whether the vendor's event is JSON (False: request objects or a WSGI call).
    json_events: ClassVar[bool] = True
    #: Whether the event may name the local host (False: the vendor's domain
    #: is how the adapter recognises the event; only its Host header is local).
    local_host: ClassVar[bool] = True
    #: Whether the integration can stream a reply.
    streams: ClassVar[bool] = False
    #: Paths the vendor answers itself (404) without invoking the function.
    refused_paths: ClassVar[frozenset[str]] = frozenset()
    #: Whether the app is told the mount point as its ``base_path`` (False
    #: where the adapter reads it from the event, as Azure's route prefix).
    mount_option: ClassVar[bool] = True
    #: Where the vendor serves the function, for the serve banner.
    url_layout: ClassVar[str] = "/ (the function's own host)"
    #: What a request loses or changes on the way (with the default settings).
    PASSAGE: ClassVar[Passage]

    def __init__(self, **settings: Any) -> None:
        chosen = {k: v for k, v in settings.items() if v is not None}
        unknown = sorted(set(chosen) - set(self.settings_declared))
        if unknown:
            raise ConfigurationError(
                f"{', '.join(unknown)} does not apply to {self.name}: it takes "
                + (", ".join(sorted(self.settings_declared)) or "no settings")
            )
        #: The settings the user gave (the defaults fill the rest).
        self.chosen: dict[str, Any] = chosen
        self.values: dict[str, Any] = {**self.settings_declared, **chosen}

    @classmethod
    def settings(cls) -> dict[str, Any]:
        """Every setting this vendor takes, with its default."""
        return dict(cls.settings_declared)

    # The CLI's vocabulary for what the emulator can do.
    can_build: ClassVar[bool] = True
    can_serve: ClassVar[bool] = True
    status: ClassVar[str] = "local emulation"
    problem: ClassVar[str] = ""

    def passage(self) -> Passage:
        """What a request loses or changes on the way, with these settings."""
        return self.PASSAGE

    def url_prefix(self) -> str:
        """The path the vendor mounts the app at (a stage), which URLs start with."""
        return ""

    def stage_prefix(self) -> str:
        """The path prefix the vendor's own URLs carry (where events are built for them)."""
        return self.url_prefix()

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        """The vendor's event (or call object) for ``call``; ``host`` the client's Host."""
        raise NotImplementedError

    def build(self, call: HttpCall, host: str | None = None) -> tuple[Any, str]:
        """(event, note): as :meth:`build_event`, below the stage when the URL lacks it.

        A vendor whose URLs carry the stage (a REST API on its own host) rejects
        a path without it; the path is then tried again below the stage, and
        the note says so.
        """
        try:
            return self.build_event(call, host), ""
        except ValueError:
            prefix = self.stage_prefix().rstrip("/")
            if not prefix or call.path == prefix or call.path.startswith(prefix + "/"):
                raise
            moved = call._replace(target=prefix + call.target)
            note = f"the vendor's URLs start with the stage: built for {moved.path}"
            return self.build_event(moved, host), note

    def invoke(self, handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        """Call the function as the vendor's runtime does: ``handler(event, context)``."""
        return handler(event, context)

    def build_local(self, call: HttpCall, host: str | None, port: int) -> Any:
        """The event for a request the local server took on ``port`` (scheme http)."""
        event, _ = self.build(call, host)
        return self.localise(event, port)

    def localise(self, event: Any, port: int) -> Any:
        """The event as the local server delivers it: scheme http, the local port."""
        set_header(event, "x-forwarded-proto", "http")
        set_header(event, "x-forwarded-port", str(port))
        return event

    def event_size(self, event: Any) -> int | None:
        """Bytes of the event as the vendor counts them, or None for a call object."""
        return json_size(event) if self.json_events else None

    def reply_size(self, reply: Any) -> int | None:
        return json_size(reply) if self.json_events else None

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        """The vendor's HTTP response for the function's reply; ValueError if it rejects it.

        By default ``{statusCode, headers, body, isBase64Encoded}`` read as
        most gateways read it (:func:`json_reply`); a vendor with its own
        reply rules overrides this.
        """
        return json_reply(reply)

    def error_reply(self, status: int) -> HttpReply:
        """The vendor's own error reply (413 too large, 502 unusable reply...)."""
        return status, [("Content-Type", "text/plain; charset=utf-8")], phrase(status).encode()


def declare(**defaults: Any) -> Mapping[str, Any]:
    """An emulator's settings with their defaults (read-only)."""
    return MappingProxyType(defaults)


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


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def json_reply(reply: Any) -> HttpReply:
    """``{statusCode, headers, body, isBase64Encoded}`` as most gateways read it.

    ``headers`` values may be lists (one header line each); with
    ``multiValueHeaders`` too, a name in both keeps the multi-value ones.
    ValueError: a reply the gateway cannot use.
    """
    if not isinstance(reply, Mapping):
        raise ValueError(f"the reply must be a JSON object, not {type(reply).__name__}")
    return reply_status(reply), merged_reply_headers(reply), reply_body(reply)


def merged_reply_headers(reply: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``headers`` and ``multiValueHeaders`` as header lines, a name in both from the latter.

    API Gateway's payload 1.0 rule, which the gateways with the same reply
    fields follow too.
    """
    multi = reply_headers(reply.get("multiValueHeaders"), "multiValueHeaders")
    taken = {name.lower() for name, _ in multi}
    single = reply_headers(reply.get("headers"), "headers")
    return [pair for pair in single if pair[0].lower() not in taken] + multi


def reply_status(reply: Mapping[str, Any]) -> int:
    """``statusCode`` as an HTTP status; ValueError when it is not one."""
    status = reply.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"'statusCode' must be an integer HTTP status, not {status!r}")
    return status


def reply_headers(headers: Any, where: str) -> list[tuple[str, str]]:
    """(name, value) pairs from a reply's ``{name: value}`` or ``{name: [values]}``."""
    if headers is None:
        return []
    if not isinstance(headers, Mapping):
        raise ValueError(f"{where!r} must be an object")
    pairs: list[tuple[str, str]] = []
    for name, value in headers.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((str(name), _header_text(item, where)))
    return pairs


def _header_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ValueError(f"{where!r} values must be strings, not {type(value).__name__}")


def reply_body(reply: Mapping[str, Any], *, decode: bool = True) -> bytes:
    """The reply body bytes, base64-decoded when flagged (and ``decode`` is set)."""
    body = reply.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise ValueError(f"'body' must be a string, not {type(body).__name__}")
    if decode and reply.get("isBase64Encoded") is True:
        try:
            return b64.decode(body)
        except ValueError:
            raise ValueError("'body' is flagged base64 but is not valid base64") from None
    return body.encode("utf-8")
