"""OpenFaaS (``python3-http`` template) and kubeless (Python runtime) calls.

Both run the function inside a small Python web server and hand it an object
made from that server's request, so no JSON event exists. Each is recognised
by its shape, without importing the vendor's libraries:

``openfaas``
    ``handle(event, context)`` of the ``python3-http`` template: ``event`` has
    ``body`` (bytes), ``headers``, ``method``, ``query`` and ``path`` attributes,
    set from Flask's request under waitress. ``event.headers`` is Werkzeug's
    view of the WSGI environ, whose ``environ`` gives the request as the server
    saw it: the raw target (``REQUEST_URI``), the raw query, every header, the
    peer address. Without it, the attributes are used (the path re-encoded, the
    query rebuilt from the parsed arguments).

    The template turns a dict reply's body into ``str(body)`` and sets headers
    one value per name, so a dict cannot carry binary bodies or two Set-Cookie
    lines; it passes any other value to Flask unchanged. The reply is therefore
    a Flask response tuple ``(body bytes, status, {name: [values]})``. Flask
    adds ``Content-Type: text/html; charset=utf-8`` when the app sets none.

``kubeless``
    ``handler(event, context)`` of the kubeless Python runtime: ``event`` is a
    dict of ``data`` (the body, or its parsed JSON), ``event-id``,
    ``event-type``, ``event-time``, ``event-namespace`` and
    ``extensions.request``, the Bottle request (pickled into the function's
    process: its ``environ`` lost ``wsgi.input`` but keeps the body bytes in
    ``bottle.request.body``). The request is read from that environ. The
    runtime routes only GET (and so HEAD), POST, PATCH and DELETE.

    The reply is a ``bottle.HTTPResponse`` (the runtime returns it to Bottle
    as is), imported only when replying; Bottle adds ``Content-Type:
    text/html; charset=UTF-8`` when the app sets none.

The client is the server's peer address (``REMOTE_ADDR``): behind the
OpenFaaS gateway or a Kubernetes ingress that is a proxy, and which
``X-Forwarded-For`` entry to trust depends on the deployment, so it is left
to the app (e.g. Werkzeug's ``ProxyFix``), as behind any server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from ..errors import MalformedEvent, shown
from ..http import Request, Response
from .base import (
    Platform,
    clean_query,
    clean_raw_path,
    encode_path,
    group_headers,
    is_port,
    split_host,
    split_prefix,
    utf8,
)

logger = logging.getLogger("faas_bridge")

# Characters a path may hold literally (RFC 3986 pchar and "/").
_PATH_SAFE = "/!$&'()*+,;=:@-._~"


class OpenFaaS(Platform):
    name = "openfaas"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        if isinstance(event, Mapping):
            return False
        return (
            isinstance(getattr(event, "body", None), (bytes, bytearray))
            and isinstance(getattr(event, "method", None), str)
            and isinstance(getattr(event, "path", None), str)
            and hasattr(event, "headers")
            and hasattr(event, "query")
        )

    def decode(self, event: Any, context: Any) -> Request:
        body = bytes(event.body)
        environ = getattr(event.headers, "environ", None)
        if isinstance(environ, Mapping):
            request = from_environ(environ, body, self.options.base_path)
        else:
            request = self._from_attributes(event, body)
        request.event = event
        request.context = context
        request.platform = self.name
        return request

    def _from_attributes(self, event: Any, body: bytes) -> Request:
        """The request from the template's attributes alone (no environ)."""
        method = event.method
        if not method:
            raise MalformedEvent("expected a non-empty string, got ''", "method")
        headers = [
            (_latin1(str(name).lower(), "headers"), _latin1(value, f"headers.{name}"))
            for name, value in _items(event.headers)
        ]
        raw_path = encode_path(event.path or "/", "path")
        root = self.options.base_path
        if root:
            rest = split_prefix(raw_path, root)
            raw_path = raw_path if rest is None else rest
        try:
            query = urlencode(list(_items(event.query, multi=True))).encode("ascii")
        except UnicodeEncodeError:
            raise MalformedEvent("a lone surrogate is not valid Unicode text", "query") from None
        scheme = _forwarded_scheme(headers, "http")
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=query,
            headers=headers,
            body=body,
            scheme=scheme,
            server=_server(headers, scheme, None),
        )

    def encode(
        self, response: Response, event: Any, context: Any
    ) -> tuple[bytes, int, dict[str, list[str]]]:
        headers = dict(group_headers(response.headers))
        return response.body, response.status, headers

    def request_id(self, event: Any, context: Any) -> str | None:
        try:
            value = event.headers.get("X-Call-Id")
        except (AttributeError, TypeError):
            return None
        return str(value) if value else None


class Kubeless(Platform):
    name = "kubeless"

    __slots__ = ("_warned",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned = False

    def matches(self, event: Any) -> bool:
        if not isinstance(event, Mapping) or "event-type" not in event or "data" not in event:
            return False
        extensions = event.get("extensions")
        return isinstance(extensions, Mapping) and hasattr(extensions.get("request"), "environ")

    def decode(self, event: Any, context: Any) -> Request:
        environ = event["extensions"]["request"].environ
        if not isinstance(environ, Mapping):
            raise MalformedEvent("expected a WSGI environ", "extensions.request.environ")
        request = from_environ(environ, _kubeless_body(event, environ), self.options.base_path)
        request.event = event
        request.context = context
        request.platform = self.name
        return request

    def encode(self, response: Response, event: Any, context: Any) -> Any:
        try:
            from bottle import HTTPResponse  # type: ignore[import-untyped, import-not-found, unused-ignore]
        except ImportError:
            if not self._warned:
                self._warned = True
                logger.warning(
                    "faas_bridge: bottle is not importable, so the kubeless reply is the body "
                    "alone (status 200, no headers). (Logged once.)"
                )
            return response.body
        headers = [(name, value.strip(" \t")) for name, value in response.headers]
        return HTTPResponse(body=response.body, status=response.status, headers=headers)

    def request_id(self, event: Any, context: Any) -> str | None:
        value = event.get("event-id") if isinstance(event, Mapping) else None
        return str(value) if value else None


def _kubeless_body(event: Mapping[str, Any], environ: Mapping[str, Any]) -> bytes:
    """The body bytes: kept by the runtime in the environ; ``data`` may be parsed JSON."""
    stored = environ.get("bottle.request.body")
    if stored is not None and hasattr(stored, "getvalue"):
        return bytes(stored.getvalue())
    if stored is not None and hasattr(stored, "read"):
        stored.seek(0)
        return bytes(stored.read())
    data = event.get("data")
    if data is None:
        return b""
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        return utf8(data, "data")
    try:
        return utf8(json.dumps(data), "data")
    except (TypeError, ValueError) as exc:
        raise MalformedEvent(f"expected the body or its JSON data ({exc})", "data") from None


def from_environ(environ: Mapping[str, Any], body: bytes, base_path: str = "") -> Request:
    """The request a WSGI server received, from its environ: raw target, headers, peer.

    The path comes from the raw request target (``RAW_URI`` / ``REQUEST_URI``)
    so ``%2F`` survives, below ``SCRIPT_NAME``; the scheme is the server's
    own ``wsgi.url_scheme``.
    """
    method = environ.get("REQUEST_METHOD")
    if not isinstance(method, str) or not method:
        raise MalformedEvent(f"expected a non-empty string, got {shown(method)}", "REQUEST_METHOD")
    root = _native(environ.get("SCRIPT_NAME"), "SCRIPT_NAME")
    raw_path = _target_path(environ, root)
    if base_path and not root:
        rest = split_prefix(raw_path, base_path)
        root, raw_path = base_path, raw_path if rest is None else rest
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if key.startswith("HTTP_"):
            name = key[5:].lower().replace("_", "-")
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key.lower().replace("_", "-")
        else:
            continue
        headers.append((name.encode("latin-1", "replace"), _latin1(value, key)))
    query = _latin1(environ.get("QUERY_STRING") or "", "QUERY_STRING")
    fallback = None
    if environ.get("SERVER_NAME"):
        fallback = (_text(environ["SERVER_NAME"], "SERVER_NAME"), _port(environ.get("SERVER_PORT")))
    scheme = _text(environ.get("wsgi.url_scheme") or "http", "wsgi.url_scheme")
    client = None
    if environ.get("REMOTE_ADDR"):
        client = (
            _text(environ["REMOTE_ADDR"], "REMOTE_ADDR"),
            _port(environ.get("REMOTE_PORT")) or 0,
        )
    protocol = str(environ.get("SERVER_PROTOCOL") or "")
    return Request(
        method=method.upper(),
        raw_path=raw_path,
        root_path=root,
        query_string=clean_query(query.decode("utf-8", "replace")) if query else b"",
        headers=headers,
        body=body,
        scheme=scheme,
        server=_server(headers, scheme, fallback),
        client=client,
        http_version=protocol[5:] if protocol.upper().startswith("HTTP/") else "1.1",
    )


def _native(value: Any, where: str) -> str:
    """A WSGI native string (latin-1 code points) as the text it encodes."""
    return _latin1(value or "", where).decode("utf-8", "replace")


def _path_bytes(path_info: str) -> bytes:
    """``PATH_INFO``'s bytes: a native string's, or UTF-8 for a server that passes text."""
    try:
        return path_info.encode("latin-1")
    except UnicodeEncodeError:
        return utf8(path_info, "PATH_INFO")


def _text(value: Any, where: str) -> str:
    """A native string the request is built from, checked to be one (latin-1 only)."""
    return _latin1(value, where).decode("latin-1")


def _latin1(value: Any, where: str) -> bytes:
    """The bytes a WSGI native string stands for: one latin-1 character per byte."""
    try:
        return str(value).encode("latin-1")
    except UnicodeEncodeError:
        raise MalformedEvent("not a WSGI native string (latin-1 characters only)", where) from None


def _target_path(environ: Mapping[str, Any], root: str) -> bytes:
    """The percent-encoded path below ``root``, from the raw target when the server kept it."""
    target = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    if target.startswith(("http://", "https://")):
        parts = target.split("/", 3)  # absolute-form: drop the scheme and authority
        target = "/" + parts[3] if len(parts) == 4 else "/"
    if target.startswith("/"):
        full = clean_raw_path(target.partition("?")[0], "RAW_URI")
        below = split_prefix(full, root) if root else full
        if below is not None:
            return below
    path_info = _path_bytes(str(environ.get("PATH_INFO") or "/"))
    return quote(path_info or b"/", safe=_PATH_SAFE).encode("ascii")


def _port(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if is_port(text) else None


def _server(
    headers: list[tuple[bytes, bytes]], scheme: str, fallback: tuple[str, int | None] | None
) -> tuple[str, int] | None:
    """(host, port) as a server sees them: the Host header, else its own name and port."""
    default_port = 443 if scheme == "https" else 80
    for name, value in headers:
        if name == b"host" and value.strip():
            server_name, port = split_host(value.decode("latin-1").strip())
            return server_name, port or default_port
    if fallback is not None:
        return fallback[0], fallback[1] or default_port
    return None


def _forwarded_scheme(headers: list[tuple[bytes, bytes]], default: str) -> str:
    """The last ``X-Forwarded-Proto`` value, else ``default``."""
    scheme = default
    for name, value in headers:
        if name == b"x-forwarded-proto":
            proto = value.decode("latin-1").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scheme = proto
    return scheme


def _items(mapping: Any, *, multi: bool = False) -> Iterable[tuple[Any, Any]]:
    """(key, value) pairs of a dict, or of a Werkzeug multi-dict with repeats kept."""
    if multi and hasattr(mapping, "lists"):
        return [(key, value) for key, values in mapping.lists() for value in values]
    items = getattr(mapping, "items", None)
    if items is None:
        return []
    return list(items())
