"""Alibaba Cloud Function Compute: the FC 3.0 and FC 2.0 HTTP triggers, API Gateway.

FC 3.0 and API Gateway deliver the event as bytes of JSON; the handler parses
it before detection. The FC 2.0 HTTP trigger calls the handler WSGI-style
(``aliyun-fc2``, described at :class:`AliyunFC2`).

**FC 3.0 HTTP trigger, built-in runtimes** (``aliyun-fc3``): recognised by
``version == "v1"`` with ``rawPath``. ``rawPath`` is percent-encoded (its
decoded form is ``requestContext.http.path``), so it is passed through. There
is no raw query string: ``queryParameters`` holds decoded values, a repeated
key's values joined with commas, so ``?a=1&a=2`` reaches the app as ``a=1,2``
(the format cannot tell it from ``?a=1,2``). Repeated request headers arrive
comma-joined as well. The client is ``requestContext.http.sourceIp``. The
reply is ``{statusCode, headers, isBase64Encoded, body}``; how FC returns
several headers of one name is not documented, so one string per name is
sent and only the last Set-Cookie survives (logged once).

**API Gateway trigger** (``aliyun-apigw``): recognised by ``queryParameters``
and ``httpMethod`` without ``rawPath`` (no other vendor uses
``queryParameters``). Fields: ``path``, ``httpMethod``, ``headers``,
``queryParameters``, ``pathParameters``, ``body``, ``isBase64Encoded``.
API Gateway URL-decodes query values and passes only the first value of a
repeated key unless the parameter is declared an array (then a list, which is
accepted too). Whether ``path`` is still percent-encoded is not documented: it
is treated as encoded, which is right either way except for ``%2F`` and a
literal ``%``. The event has no client address field, and which
X-Forwarded-For entries the gateway adds is not documented, so the client stays
unknown rather than client-forgeable. The reply is
``{isBase64Encoded, statusCode, headers, body}`` (a different shape makes API
Gateway answer 503); its headers carry one value per name, so only the last
Set-Cookie survives (logged once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response
from faas_bridge.platforms import _gateways as gw
from faas_bridge.platforms import _markers
from faas_bridge.platforms._environ import from_environ
from faas_bridge.platforms.base import (
    Platform,
    clean_raw_path,
    encode_path,
    http_version,
    mapping_at,
    query_from_params,
    require_str,
    source_ip,
    split_prefix,
    status_line,
)

#: Function Compute's limit on a synchronous invocation's HTTP request body: 32 MB.
FC_REQUEST_LIMIT = 32 * 1024 * 1024


class FC3HttpTrigger(Platform):
    name = "aliyun-fc3"
    request_limit = FC_REQUEST_LIMIT

    __slots__ = ("_reply",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._reply = gw.SingleValueReply("Alibaba FC 3.0 HTTP trigger")

    def matches(self, event: Any) -> bool:
        return _markers.fc3(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext", "requestContext")
        http = mapping_at(rc, "http", "requestContext.http")
        method = require_str(http, "method", "requestContext.http.method")
        domain = rc.get("domainName")
        return gw.gateway_request(
            self,
            event,
            context,
            method=method,
            query=query_from_params(event.get("queryParameters"), "queryParameters"),
            path_key="rawPath",
            client=source_ip(http.get("sourceIp")),
            fallback_host=domain if isinstance(domain, str) else None,
            version=http_version(http.get("protocol")),
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        return gw.reply(response, self.options, self._reply.headers(response))

    def request_id(self, event: Any, context: Any) -> str | None:
        return gw.context_request_id(context) or _event_request_id(event)


class APIGateway(gw.PlainGateway):
    name = "aliyun-apigw"
    request_limit = FC_REQUEST_LIMIT
    vendor = "Alibaba API Gateway"
    params_key = "queryParameters"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return _markers.aliyun_apigw(event) and not _markers.outranked(event, self.name)

    def request_id(self, event: Any, context: Any) -> str | None:
        return gw.context_request_id(context)


def _event_request_id(event: Any) -> str | None:
    rc = event.get("requestContext") if isinstance(event, Mapping) else None
    if isinstance(rc, Mapping) and rc.get("requestId"):
        return str(rc["requestId"])
    return None


class AliyunFC2(Platform):
    """FC 2.0 HTTP trigger (and FC 3.0 custom runtimes keeping its Python handler).

    The runtime calls ``handler(environ, start_response)``: the handler *is* a
    WSGI app, so ``faas_bridge.handler`` or ``handler = wrap(app)`` is set as
    the function's handler directly. Recognised by a dict with
    ``REQUEST_METHOD`` and ``wsgi.input``, which no JSON event has.

    The runtime builds the environ from the request FC forwards to it
    (Alibaba's Python runtime, ``get_environ``): ``PATH_INFO`` is the path
    below the function (the default URL
    ``/2016-08-15/proxy/SERVICE/FUNCTION/...`` loses its prefix, as handlers
    published for FC 2.0 show by routing on ``PATH_INFO`` and cutting the
    prefix from ``fc.request_uri``; whether it is decoded is not documented,
    and both forms are read), while
    ``fc.request_uri`` keeps the whole target as sent, query included;
    ``QUERY_STRING`` is cut from it. ``REMOTE_ADDR`` is FC's record of the
    client IP. Repeated headers arrive comma-joined; ``CONTENT_TYPE`` is
    ``application/octet-stream`` when the client sent none; ``SCRIPT_NAME`` is
    empty, ``SERVER_NAME``/``SERVER_PORT`` are the runtime's own
    (``FCRUNTIME``/``9000``) and ``wsgi.url_scheme`` is ``http`` whatever the
    client used. ``fc.context`` holds the FC context (request id,
    credentials); the process environment is merged in too.

    A WSGI app is given a copy of that environ, every key kept, with two
    repairs when ``fc.request_uri`` shows them: the prefix the runtime cut off
    becomes ``SCRIPT_NAME`` (so URLs the app builds keep it), and
    ``PATH_INFO`` is set to the path's bytes as latin-1 code points (a WSGI
    native string), as a server sets it. An ASGI app gets a scope with the
    same root and the raw path from ``fc.request_uri`` (``%2F`` kept).

    The reply is ``start_response(status, headers)`` with every header as the
    app sent it (the runtime keeps repeats, so every Set-Cookie), and the
    body as ``[body]``, byte-exact.
    """

    name = "aliyun-fc2"
    request_limit = FC_REQUEST_LIMIT

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return _markers.fc2(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        environ = dict(event)
        request = from_environ(environ, _read_input(environ))
        request.root_path, request.raw_path = _fc2_paths(environ)
        environ["PATH_INFO"] = unquote_to_bytes(request.raw_path).decode("latin-1")
        if request.root_path:
            environ["SCRIPT_NAME"] = request.root_path.encode("utf-8").decode("latin-1")
        if not request.root_path and self.options.base_path:
            rest = split_prefix(request.raw_path, self.options.base_path)
            if rest is not None:
                request.root_path, request.raw_path = self.options.base_path, rest
                environ["SCRIPT_NAME"] = self.options.base_path.encode("utf-8").decode("latin-1")
                environ["PATH_INFO"] = unquote_to_bytes(rest).decode("latin-1")
        request.environ = environ
        request.event = event
        request.context = context
        request.platform = self.name
        return request

    def encode(self, response: Response, event: Any, context: Any) -> list[bytes]:
        if not callable(context):
            raise TypeError(
                "the FC 2.0 HTTP trigger calls handler(environ, start_response); "
                f"got {type(context).__name__} instead of start_response"
            )
        context(status_line(response.status), list(response.headers))
        return [response.body]

    def request_id(self, event: Any, context: Any) -> str | None:
        fc_context = event.get("fc.context") if isinstance(event, Mapping) else None
        return gw.context_request_id(fc_context)


def _read_input(environ: Mapping[str, Any]) -> bytes:
    """The request body from ``wsgi.input`` (``CONTENT_LENGTH`` bytes when given)."""
    stream = environ.get("wsgi.input")
    read = getattr(stream, "read", None)
    if read is None:
        raise MalformedEvent(
            f"expected a readable stream, got {type(stream).__name__}", "wsgi.input"
        )
    length = str(environ.get("CONTENT_LENGTH") or "").strip()
    # A length beyond any body (or not a number) reads the stream to its end.
    fits = length.isascii() and length.isdigit() and len(length) <= 15
    data = read(int(length)) if fits else read()
    if not isinstance(data, (bytes, bytearray)):
        raise MalformedEvent(f"read() gave {type(data).__name__}, not bytes", "wsgi.input")
    return bytes(data)


def _fc2_paths(environ: Mapping[str, Any]) -> tuple[str, bytes]:
    """(root path, raw path below it) from ``fc.request_uri`` and ``PATH_INFO``.

    The path below the function is the longest tail of the raw target that
    starts at a ``/`` and decodes to ``PATH_INFO``; what precedes it is the
    prefix the runtime removed. Without a matching target the path
    is ``PATH_INFO`` re-encoded (``%2F`` then reads as ``/``) and there is no root.
    """
    path_info = environ.get("PATH_INFO")
    text = _path_text(path_info) if isinstance(path_info, str) and path_info else "/"
    uri = environ.get("fc.request_uri")
    target = uri.partition("?")[0] if isinstance(uri, str) else ""
    if target.startswith(("http://", "https://")):
        parts = target.split("/", 3)  # absolute-form: drop the scheme and authority
        target = "/" + parts[3] if len(parts) == 4 else "/"
    if target.startswith("/"):
        raw = clean_raw_path(target)
        if text == "/" and not raw.endswith(b"/"):
            return unquote(raw.decode("ascii")), b"/"  # the function's own URL, no slash after
        start = 0
        while start != -1:
            tail = raw[start:]
            if unquote(tail.decode("ascii")) == text:
                return unquote(raw[:start].decode("ascii")), tail
            start = raw.find(b"/", start + 1)
    return "", encode_path(text)


def _path_text(path_info: str) -> str:
    """``PATH_INFO`` as text: decoded from a native string, or as given if it is text."""
    try:
        return path_info.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path_info
