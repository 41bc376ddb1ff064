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
from urllib.parse import urlencode

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response
from faas_bridge.platforms import _markers
from faas_bridge.platforms._environ import (
    checked_text,
    forwarded_scheme,
    from_environ,
    server_from_headers,
)
from faas_bridge.platforms.base import (
    Platform,
    encode_path,
    group_headers,
    split_prefix,
    utf8,
)

logger = logging.getLogger("faas_bridge")

# Characters a path may hold literally (RFC 3986 pchar and "/").


class OpenFaaS(Platform):
    name = "openfaas"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return _markers.openfaas(event) and not _markers.outranked(event, self.name)

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
            (checked_text(str(name).lower(), "headers"), checked_text(value, f"headers.{name}"))
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
        scheme = forwarded_scheme(headers, "http")
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=query,
            headers=headers,
            body=body,
            scheme=scheme,
            server=server_from_headers(headers, scheme, None),
        )

    def encode(
        self, response: Response, event: Any, context: Any
    ) -> tuple[bytes, int, dict[str, list[str]]]:
        headers = dict(group_headers(response))
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
        return _markers.kubeless(event) and not _markers.outranked(event, self.name)

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


def _items(mapping: Any, *, multi: bool = False) -> Iterable[tuple[Any, Any]]:
    """(key, value) pairs of a dict, or of a Werkzeug multi-dict with repeats kept."""
    if multi and hasattr(mapping, "lists"):
        return [(key, value) for key, values in mapping.lists() for value in values]
    items = getattr(mapping, "items", None)
    if items is None:
        return []
    return list(items())
