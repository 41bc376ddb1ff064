"""Tencent Cloud: SCF behind API Gateway, and CloudBase's HTTP access service.

**SCF API Gateway trigger, integration request** (``tencent-scf-apigw``):
recognised by ``requestContext.serviceId``. ``path`` is the request path
without the stage; on the gateway's default domains
(``*.apigw.tencentcs.com``, ``*.apigateway.myqcloud.com``) the client's URL
starts with ``/<stage>``, so ``requestContext.stage`` becomes the root path
there (what Tencent's own Flask/Django shims do); on a custom domain the
configured ``base_path`` is the mount point. ``queryString`` holds the complete
decoded query (``queryStringParameters`` only the parameters declared on the
API); a repeated key is accepted as a list (its representation is not
documented). Whether ``path`` is percent-encoded is not documented either: it
is treated as encoded, which is right either way except for ``%2F`` and a
literal ``%``. The client is ``requestContext.sourceIp``. ``isBase64Encoded``
is honoured when present (the docs ask clients to base64-encode files).
The integration reply is ``{isBase64Encoded, statusCode, headers, body}`` with
a repeated header given as a list of strings, so every Set-Cookie is kept. The
docs say a ``Location`` reply header is "not supported currently".

**CloudBase HTTP access service** (``tencent-cloudbase``, 云开发 HTTP 访问服务):
a different gateway with a different event, recognised by
``requestContext.envId``: ``path`` (the full path, trigger path included),
``httpMethod``, ``headers``, ``queryStringParameters`` (decoded, one value per
key), ``body``, ``isBase64Encoded``. No stage, and no client address field:
which X-Forwarded-For entries the gateway adds is not documented, so the client
stays unknown rather than client-forgeable. The integrated reply has the SCF
shape, but only one value per header is documented, so only the last
Set-Cookie survives (logged once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.http import Request, Response
from faas_bridge.platforms import _gateways as gw
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    apply_base_path,
    clean_raw_path,
    group_headers,
    mapping_at,
    query_from_params,
    read_headers,
    require_str,
    source_ip,
)

#: SCF's synchronous invocation limit, which a request body through either
#: gateway is under (CloudBase documents 6 MB for non-text bodies).
REQUEST_LIMIT = 6 * 1024 * 1024
#: Hosts whose URLs carry the stage as their first path segment.
DEFAULT_DOMAINS = (".apigw.tencentcs.com", ".apigateway.myqcloud.com")


def _request_context(event: Any) -> Mapping[str, Any] | None:
    if not isinstance(event, Mapping):
        return None
    rc = event.get("requestContext")
    return rc if isinstance(rc, Mapping) else None


class SCFAPIGateway(Platform):
    name = "tencent-scf-apigw"
    request_limit = REQUEST_LIMIT

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return _markers.tencent_apigw(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext", "requestContext")
        method = require_str(event, "httpMethod", "httpMethod")
        headers = read_headers(event.get("headers"), "headers")
        host = headers.last.get("host")
        raw_path = clean_raw_path(gw.path_at(event, "path"))
        stage = rc.get("stage")
        if is_default_domain(host) and isinstance(stage, str) and stage:
            root = "/" + stage
        else:
            root, raw_path = apply_base_path(raw_path, self.options)
        if "queryString" in event:
            query = query_from_params(event.get("queryString"), "queryString")
        else:
            query = query_from_params(event.get("queryStringParameters"), "queryStringParameters")
        return gw.gateway_request(
            self,
            event,
            context,
            method=method,
            query=query,
            headers=headers,
            mount=(root, raw_path),
            client=source_ip(rc.get("sourceIp")),
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        headers: dict[str, str | list[str]] = {}
        for name, values in group_headers(response).items():
            headers[name] = values[0] if len(values) == 1 else values
        return gw.reply(response, self.options, headers)

    def request_id(self, event: Any, context: Any) -> str | None:
        return gw.context_request_id(context) or _event_request_id(event)


class CloudBase(gw.PlainGateway):
    name = "tencent-cloudbase"
    request_limit = REQUEST_LIMIT
    vendor = "Tencent CloudBase HTTP access"
    params_key = "queryStringParameters"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return _markers.tencent_cloudbase(event) and not _markers.outranked(event, self.name)

    def request_id(self, event: Any, context: Any) -> str | None:
        return gw.context_request_id(context) or _event_request_id(event)


def is_default_domain(host: str | None) -> bool:
    """Whether the request reached one of API Gateway's own (stage-prefixed) domains."""
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.lower().endswith(DEFAULT_DOMAINS)


def _event_request_id(event: Any) -> str | None:
    rc = _request_context(event)
    if rc is not None and rc.get("requestId"):
        return str(rc["requestId"])
    return None
