"""Azure Functions HTTP trigger (Python worker, v2 programming model).

There is no JSON event: the Python worker hands the function an
``azure.functions.HttpRequest`` (and, when asked for, an
``azure.functions.Context``), and expects an ``azure.functions.HttpResponse``
back. Recognised without importing ``azure.functions``: an object, not a
mapping, with ``method`` and ``url`` strings, a callable ``get_body`` and
``route_params`` (a werkzeug/Flask request has ``get_data``, no ``get_body``).
``azure.functions`` is imported only to build the reply.

What the Functions host sends (azure-functions-host, ``ToRpcHttp``):

- ``url`` is ``scheme://Host`` + ASP.NET Core's escaped request path + the raw
  query string, so the path arrives percent-encoded and the query as sent.
  ``params`` (one value per key, empty values dropped) is not used.
- ``headers`` hold one string per name, lower-cased; the host joins a
  repeated header's values with ``,``. They are passed on as one header each.
- Every route starts with the host's route prefix (``host.json``
  ``extensions.http.routePrefix``, ``api`` by default). It is moved into the
  root path (``SCRIPT_NAME``), so the app routes ``/items`` and generates
  ``/api/items``. The prefix is the ``FAAS_BRIDGE_AZURE_ROUTE_PREFIX``
  setting when set (``""`` for none); else, under a catch-all route
  ``{*route}`` (what :func:`faas_bridge.azure.function_app` registers), whatever precedes the
  ``route`` value in the URL path, which is exact whatever ``host.json`` says;
  else the default ``api`` when the path starts with it.
- The client is the ``client-ip`` header, which App Service's front end sets
  and overwrites when a client sends one (Azure/app-service-linux-docs,
  "Headers on Azure App Service"); without it, the last ``X-Forwarded-For``
  entry (the one the front end appended). The front end (IIS ARR) writes
  ``ip:port`` there; a port, when present, becomes the client port.
- The context carries no deadline: nothing is cancelled before the host's
  timeout (and the front end answers 502 after 230 s whatever the timeout).
  The request id is ``context.invocation_id``.

The reply: the worker keeps one value per header name, so a repeated header
is sent comma-joined (RFC 9110 allows it for every field but Set-Cookie). Each
Set-Cookie is added separately: the worker turns every one into a cookie of
its own (through ``http.cookies.SimpleCookie``), so all of them reach the
client. SimpleCookie drops a cookie it cannot parse (a non-ASCII value, the
``Partitioned`` attribute) and keeps only Domain, Path, Expires, Max-Age,
Secure, HttpOnly and SameSite; such a loss is logged once. The worker adds
``Content-Type: text/plain; charset=utf-8`` to a reply that has none.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import unquote, urlsplit

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Headers, Request, Response
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    apply_base_path,
    clean_query,
    clean_raw_path,
    group_headers,
    header_pairs,
    split_host,
    split_prefix,
)

logger = logging.getLogger("faas_bridge")

#: Environment variable naming the host's route prefix (host.json routePrefix).
ROUTE_PREFIX_VARIABLE = "FAAS_BRIDGE_AZURE_ROUTE_PREFIX"
#: The host's route prefix when host.json does not set one.
DEFAULT_ROUTE_PREFIX = "api"
#: The route parameter of the catch-all route ``{*route}``.
CATCH_ALL = "route"


class AzureFunctions(Platform):
    name = "azure"
    #: The Functions host refuses requests over 100 MB (104,857,600 bytes).
    request_limit = 104_857_600

    __slots__ = ("_warned", "route_prefix")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned = False
        setting = os.environ.get(ROUTE_PREFIX_VARIABLE)
        #: The configured route prefix without slashes, or None to detect it.
        self.route_prefix = None if setting is None else setting.strip().strip("/")

    def matches(self, event: Any) -> bool:
        return _markers.azure(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        method = event.method
        if not method:
            raise MalformedEvent("expected a non-empty string, got ''", "method")
        try:
            url = urlsplit(event.url)
        except ValueError as exc:
            raise MalformedEvent(f"not a URL ({exc})", "url") from None
        if not url.scheme or not url.netloc:
            raise MalformedEvent(f"expected an absolute URL, got {event.url!r}", "url")
        body = event.get_body()
        if body is None:
            body = b""
        if not isinstance(body, (bytes, bytearray)):
            raise MalformedEvent(f"expected bytes, got {type(body).__name__}", "get_body()")
        headers = header_pairs(event.headers, "headers")
        root, raw_path = self._split_root(clean_raw_path(url.path or "/"), event.route_params)
        scheme, server = _server(headers, url.scheme.lower(), url.netloc)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=clean_query(url.query),
            headers=headers,
            body=bytes(body),
            scheme=scheme,
            server=server,
            client=_client(headers),
            event=event,
            context=context,
            platform=self.name,
        )

    def _split_root(self, raw_path: bytes, route_params: Any) -> tuple[str, bytes]:
        """(root path, path below it): the route prefix, then any base path."""
        prefix: str | None = self.route_prefix
        found = None
        if prefix is None:
            found = _prefix_from_route(raw_path, route_params)
            if found is None:
                prefix = DEFAULT_ROUTE_PREFIX
        if found is None:
            found = ("", raw_path)
            if prefix:
                rest = split_prefix(raw_path, "/" + prefix)
                if rest is not None:
                    found = ("/" + prefix, rest)
        root, rest = found
        if not self.options.base_path:
            return root, rest
        base_root, rest = apply_base_path(rest, self.options)
        return root + base_root, rest

    def encode(self, response: Response, event: Any, context: Any) -> Any:
        import azure.functions as func

        reply = func.HttpResponse(body=response.body, status_code=response.status)
        for name, values in group_headers(response).items():
            if name.lower() == "set-cookie":
                for value in values:
                    self._check_cookie(value)
                    reply.headers.add(name, value)
            else:
                reply.headers.add(name, ", ".join(values))
        return reply

    def stream_head(self, response: Response) -> tuple[int, dict[str, str], list[str]]:
        """The head of a streamed reply (HTTP streams: ``function_app`` with ``response_stream``).

        The buffered reply's header rules (a repeated header comma-joined, each
        Set-Cookie on its own); the reply goes out through the worker's own web
        server, so no SimpleCookie step drops a cookie there.
        """
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, values in group_headers(response).items():
            if name.lower() == "set-cookie":
                cookies += values
            else:
                headers[name] = ", ".join(values)
        return response.status, headers, cookies

    def _check_cookie(self, value: str) -> None:
        """Log (once) a Set-Cookie the worker's SimpleCookie step will drop."""
        if self._warned:
            return
        try:
            parsed = len(SimpleCookie(value))
        except CookieError:
            parsed = 0
        if not parsed:
            self._warned = True
            logger.warning(
                "faas_bridge: the Azure Functions Python worker drops a Set-Cookie it cannot "
                "parse with http.cookies.SimpleCookie (non-ASCII value, Partitioned...): %r. "
                "(Logged once.)",
                value,
            )

    def request_id(self, event: Any, context: Any) -> str | None:
        value = getattr(context, "invocation_id", None)
        return str(value) if value else None


def _prefix_from_route(raw_path: bytes, route_params: Any) -> tuple[str, bytes] | None:
    """(prefix, rest) from a catch-all ``{*route}`` value, None when there is none.

    The rest is the last segments of the percent-encoded path, as many as the
    route value has; the check that they decode to that value guards against
    any other route template.
    """
    if not isinstance(route_params, Mapping):
        return None
    route = route_params.get(CATCH_ALL)
    if not isinstance(route, str):
        return None
    if not route:
        head = raw_path.rstrip(b"/")
        return unquote(head.decode("ascii")), b"/"
    segments = raw_path.split(b"/")
    count = route.count("/") + 1
    if count >= len(segments):
        return None
    tail = b"/".join(segments[-count:])
    if unquote(tail.decode("ascii")) != unquote(route):
        return None
    head = b"/".join(segments[:-count])
    return unquote(head.decode("ascii")), b"/" + tail


def _server(headers: Headers, url_scheme: str, netloc: str) -> tuple[str, tuple[str, int]]:
    """(scheme, server): X-Forwarded-Proto/-Port when the front end set them, else the URL."""
    host = netloc
    scheme = url_scheme if url_scheme in ("http", "https") else "https"
    port_text = None
    for name, value in headers:
        if name == "host" and value.strip():
            host = value.strip()
        elif name == "x-forwarded-proto":
            proto = value.split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                scheme = proto
        elif name == "x-forwarded-port":
            port_text = value.split(",")[-1].strip()
    server_name, port = split_host(host)
    if port_text and port_text.isdigit():
        port = int(port_text)
    return scheme, (server_name, port or (443 if scheme == "https" else 80))


def _client(headers: Headers) -> tuple[str, int] | None:
    """The client from ``client-ip``, else from the last X-Forwarded-For entry."""
    forwarded = None
    for name, value in headers:
        if name == "client-ip" and value.strip():
            return _address(value.strip())
        if name == "x-forwarded-for":
            forwarded = value
    if not forwarded:
        return None
    return _address(forwarded.rsplit(",", 1)[-1].strip())


def _address(text: str) -> tuple[str, int] | None:
    """``("203.0.113.9", 50123)`` from ``203.0.113.9:50123``; IPv6 with or without a port."""
    if not text:
        return None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else 0
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        return host, int(port) if port.isdigit() else 0
    return text, 0
