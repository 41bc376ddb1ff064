"""Lambda@Edge emulation: CloudFront's viewer-request and origin-request events."""

from __future__ import annotations

import os
from typing import Any

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.platforms.aws_edge import BODY_LIMITS, REQUEST_TRIGGERS, _disallowed


def build_event(
    call: HttpCall,
    *,
    trigger: str = "viewer-request",
    host: str = "d111111abcdef8.cloudfront.net",
    origin_domain: str = "example.org",
    forward_host: bool = False,
    include_body: bool = True,
) -> dict[str, Any]:
    """The event CloudFront sends a viewer-request or origin-request trigger for ``call``.

    ``host`` is the distribution's domain name (the Host the viewer used). On
    origin-request, Host becomes ``origin_domain`` unless ``forward_host`` (an
    origin request policy forwarding it), X-Forwarded-For gets the viewer's
    address and Via is added; every other viewer header is forwarded (policy
    AllViewer). Headers CloudFront never exposes are left out. With
    ``include_body`` the body is base64-encoded and truncated at the trigger's
    limit, as "Include body" does.
    """
    if trigger not in REQUEST_TRIGGERS:
        raise ValueError(f"trigger must be one of {REQUEST_TRIGGERS}, not {trigger!r}")
    viewer = trigger == "viewer-request"
    headers: list[tuple[str, str]] = [("Host", host if viewer or forward_host else origin_domain)]
    headers += [(k, v) for k, v in call.headers if k.lower() != "host" and not _disallowed(k)]
    if not viewer:
        forwarded = call.header("x-forwarded-for")
        headers = [pair for pair in headers if pair[0].lower() != "x-forwarded-for"]
        headers.append(
            ("X-Forwarded-For", f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip)
        )
        headers.append(("Via", "2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)"))
    grouped: dict[str, list[dict[str, str]]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append({"key": name, "value": value})
    request: dict[str, Any] = {}
    if include_body and call.body:
        limit = BODY_LIMITS[trigger]
        request["body"] = {
            "inputTruncated": len(call.body) > limit,
            "action": "read-only",
            "encoding": "base64",
            "data": b64.encode(call.body[:limit]),
        }
    request["clientIp"] = call.client_ip
    request["headers"] = grouped
    request["method"] = call.method
    if not viewer:
        request["origin"] = {
            "custom": {
                "customHeaders": {},
                "domainName": origin_domain,
                "keepaliveTimeout": 5,
                "path": "",
                "port": 443,
                "protocol": "https",
                "readTimeout": 30,
                "sslProtocols": ["TLSv1.2"],
            }
        }
    request["querystring"] = call.query
    request["uri"] = call.path
    config = {
        "distributionDomainName": host,
        "distributionId": "EDFDVBD6EXAMPLE",
        "eventType": trigger,
        "requestId": b64.encode(os.urandom(40)),
    }
    return {"Records": [{"cf": {"config": config, "request": request}}]}
