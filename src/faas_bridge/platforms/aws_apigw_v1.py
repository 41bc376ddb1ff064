"""AWS API Gateway REST API proxy events, and HTTP API events in payload 1.0.

Recognised by ``requestContext`` and either ``resource`` (REST) or
``version: "1.0"`` (HTTP API); WebSocket events (``connectionId``) and ALB
events (``requestContext.elb``) are not these.

REST leaves ``path`` percent-encoded and without the stage; HTTP APIs decode it
and keep a named stage at its front. Payload 1.0 has no raw query string, so it
is rebuilt from the decoded multi-value parameters.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..http import Request, Response
from . import _aws
from .base import (
    HttpCall,
    Platform,
    clean_raw_path,
    decode_body,
    encode_path,
    event_body,
    header_pairs,
    http_version,
    mapping_at,
    rebuild_query,
    request_id,
    require_str,
    server_address,
    source_ip,
)


class APIGatewayV1(Platform):
    name = "aws-apigw-v1"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        if not isinstance(event, Mapping):
            return False
        rc = event.get("requestContext")
        if not isinstance(rc, Mapping) or "elb" in rc or "connectionId" in rc:
            return False
        if "parameters" in event or "multiValueParameters" in event or "operationId" in event:
            return False  # Yandex API Gateway's payload 1.0, which mimics this one
        return "resource" in event or event.get("version") == "1.0"

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext")
        method = require_str(event, "httpMethod", "httpMethod")
        path = event.get("path") or "/"
        http_api = event.get("version") == "1.0"
        multi = event.get("multiValueHeaders")
        if multi is not None:
            headers = header_pairs(multi, "multiValueHeaders")
        else:
            headers = header_pairs(event.get("headers"), "headers")
        host = _aws.host_of(headers, rc)
        raw_path = encode_path(path) if http_api else clean_raw_path(path)
        root, raw_path = _aws.mount(
            raw_path, self.options, host, rc.get("stage"), stage_in_path=http_api
        )
        scheme, server = server_address(headers, host)
        identity = rc.get("identity")
        client = source_ip(identity.get("sourceIp")) if isinstance(identity, Mapping) else None
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=rebuild_query(
                event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
            ),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=client,
            http_version=http_version(rc.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        multi = isinstance(event, Mapping) and "multiValueHeaders" in event
        return _aws.v1_reply(response, self.options, multi_value=multi)

    def request_id(self, event: Any, context: Any) -> str | None:
        return _aws.aws_request_id(event, context)


def build_event(
    call: HttpCall,
    *,
    stage: str | None = None,
    host: str = "abcdef1234.execute-api.us-east-1.amazonaws.com",
    http_api: bool = False,
) -> dict[str, Any]:
    """The event API Gateway sends for ``call``: REST, or HTTP API payload 1.0.

    The client's URL carries the stage on the ``execute-api`` host; a REST API
    removes it from ``path`` and leaves the path percent-encoded, an HTTP API
    decodes the path and keeps the stage. Query values arrive decoded.
    """
    stage = stage or ("$default" if http_api else "prod")
    full_path = call.path
    path = full_path
    if not http_api and _aws.is_execute_api(host):
        prefix = "/" + stage
        if not (full_path == prefix or full_path.startswith(prefix + "/")):
            raise ValueError(f"a REST API URL on {host} starts with the stage {prefix!r}")
        path = full_path[len(prefix) :] or "/"
    if http_api:
        path = unquote(full_path)
    headers = [(k, v) for k, v in call.headers if k.lower() != "host"]
    headers.insert(0, ("Host", host))
    headers += [
        ("X-Forwarded-For", call.client_ip),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    query = parse_qsl(call.query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in query:
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = event_body(call)
    event: dict[str, Any] = {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": call.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")} if path != "/" else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": host.split(".", 1)[0],
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "httpMethod": call.method,
            "identity": {"sourceIp": call.client_ip, "userAgent": call.header("user-agent")},
            "path": full_path,
            "protocol": "HTTP/1.1",
            "requestId": request_id(),
            "requestTimeEpoch": int(time.time() * 1000),
            "resourceId": "abc123",
            "resourcePath": "/{proxy+}",
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if http_api:
        event = {"version": "1.0", **event}
    return event
