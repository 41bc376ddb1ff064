"""Alibaba Cloud Function Compute: the FC 3.0 HTTP trigger and the API Gateway trigger.

Both deliver the event as bytes of JSON; the handler parses it before detection.
(The FC 2.0 HTTP trigger calls a WSGI app directly and needs no adapter here.)

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

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..http import Request, Response
from . import _gateways as gw
from .base import (
    HttpCall,
    Platform,
    apply_base_path,
    clean_raw_path,
    decode_body,
    event_body,
    header_pairs,
    http_version,
    mapping_at,
    query_from_params,
    request_id,
    require_str,
    server_address,
    source_ip,
)


class FC3HttpTrigger(Platform):
    name = "aliyun-fc3"

    __slots__ = ("_reply",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._reply = gw.SingleValueReply("Alibaba FC 3.0 HTTP trigger")

    def matches(self, event: Any) -> bool:
        return (
            isinstance(event, Mapping)
            and event.get("version") == "v1"
            and "rawPath" in event
            and isinstance(event.get("requestContext"), Mapping)
            and not gw.claimed_by_aws(event)
        )

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext", "requestContext")
        http = mapping_at(rc, "http", "requestContext.http")
        method = require_str(http, "method", "requestContext.http.method")
        headers = header_pairs(event.get("headers"), "headers")
        root, raw_path = apply_base_path(clean_raw_path(gw.path_at(event, "rawPath")), self.options)
        domain = rc.get("domainName")
        scheme, server = server_address(headers, domain if isinstance(domain, str) else None)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=query_from_params(event.get("queryParameters"), "queryParameters"),
            headers=headers,
            body=decode_body(
                event.get("body"), gw.flag(event.get("isBase64Encoded"), "isBase64Encoded")
            ),
            scheme=scheme,
            server=server,
            client=source_ip(http.get("sourceIp")),
            http_version=http_version(http.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        return gw.reply(response, self.options, self._reply.headers(response))

    def request_id(self, event: Any, context: Any) -> str | None:
        return gw.context_request_id(context) or _event_request_id(event)


class APIGateway(Platform):
    name = "aliyun-apigw"

    __slots__ = ("_reply",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._reply = gw.SingleValueReply("Alibaba API Gateway")

    def matches(self, event: Any) -> bool:
        return (
            isinstance(event, Mapping)
            and "queryParameters" in event
            and "httpMethod" in event
            and "rawPath" not in event
            and not gw.claimed_by_aws(event)
        )

    def decode(self, event: Any, context: Any) -> Request:
        method = require_str(event, "httpMethod", "httpMethod")
        headers = header_pairs(event.get("headers"), "headers")
        root, raw_path = apply_base_path(clean_raw_path(gw.path_at(event, "path")), self.options)
        scheme, server = server_address(headers, None)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=query_from_params(event.get("queryParameters"), "queryParameters"),
            headers=headers,
            body=decode_body(
                event.get("body"), gw.flag(event.get("isBase64Encoded"), "isBase64Encoded")
            ),
            scheme=scheme,
            server=server,
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        return gw.reply(response, self.options, self._reply.headers(response))

    def request_id(self, event: Any, context: Any) -> str | None:
        return gw.context_request_id(context)


def _event_request_id(event: Any) -> str | None:
    rc = event.get("requestContext") if isinstance(event, Mapping) else None
    if isinstance(rc, Mapping) and rc.get("requestId"):
        return str(rc["requestId"])
    return None


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``{name: value}`` with a repeated name's values comma-joined, as FC does."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def build_event(
    call: HttpCall, *, host: str = "faas-bridge-abcdefghij.cn-hangzhou.fcapp.run"
) -> dict[str, Any]:
    """The event an FC 3.0 HTTP trigger builds for ``call`` (before JSON encoding).

    ``rawPath`` stays percent-encoded, ``requestContext.http.path`` is decoded;
    repeated headers and query values are comma-joined.
    """
    headers = _joined(
        [("host", host)] + [(k.lower(), v) for k, v in call.headers if k.lower() != "host"]
    )
    body, is_base64 = event_body(call)
    now = time.time()
    return {
        "version": "v1",
        "rawPath": call.path,
        "body": body or "",
        "isBase64Encoded": is_base64,
        "headers": headers,
        "queryParameters": _joined(parse_qsl(call.query, keep_blank_values=True)),
        "requestContext": {
            "accountId": "1234567890123456",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": call.method,
                "path": unquote(call.path),
                "protocol": "HTTP/1.1",
                "sourceIp": call.client_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": "1-" + request_id(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "timeEpoch": str(int(now * 1000)),
        },
    }


def build_apigw_event(
    call: HttpCall,
    *,
    host: str = "abcdef0123456789-cn-hangzhou.alicloudapi.com",
    path_parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The event Alibaba API Gateway sends a function for ``call``.

    Query values are URL-decoded and a repeated key keeps its first value;
    repeated headers are comma-joined (GUESS: not documented).
    """
    pairs = [("Host", host)] + [(k, v) for k, v in call.headers if k.lower() != "host"]
    query: dict[str, str] = {}
    for name, value in parse_qsl(call.query, keep_blank_values=True):
        query.setdefault(name, value)
    body, is_base64 = event_body(call)
    return {
        "path": call.path,
        "httpMethod": call.method,
        "headers": _joined(pairs),
        "queryParameters": query,
        "pathParameters": dict(path_parameters or {}),
        "body": body or "",
        "isBase64Encoded": is_base64,
    }
