"""What a client receives from each vendor for a function's reply.

``http_response(vendor, reply, event, context)`` turns the reply an adapter
returned into the (status, headers, body) the vendor sends its client, by
the vendor's documented rules: base64 decoded when flagged (or, for
OpenWhisk, when the content type is binary or JSON), header lists expanded,
payload 1.0 and 2.0 replies read by the AWS modules' own ``http_reply``
(which the local gateway uses too) when they have one. This module is not
``conftest.py``: import it by name.
"""

from __future__ import annotations

import base64
from typing import Any

from faas_bridge.platforms import (
    aws_alb,
    aws_apigw_v1,
    aws_apigw_v2,
    aws_function_url,
    openwhisk,
)

Reply = tuple[int, list[tuple[str, str]], bytes]

#: Adapters whose replies are ``{statusCode, headers, body, isBase64Encoded}``
#: with header values a string or a list of strings.
FLAT_REPLIES = frozenset(
    {
        "aws-lattice",
        "aliyun-fc3",
        "aliyun-apigw",
        "tencent-scf-apigw",
        "tencent-cloudbase",
        "huawei-fg-apig",
        "scaleway",
        "yandex",
    }
)
#: The AWS modules' own readers: what API Gateway, Function URLs and ALB make of a reply.
AWS_READERS = {
    "aws-alb": aws_alb,
    "aws-apigw-v1": aws_apigw_v1,
    "aws-apigw-v2": aws_apigw_v2,
    "aws-function-url": aws_function_url,
}


def http_response(vendor: str, reply: Any, event: Any = None, context: Any = None) -> Reply:
    """(status, [(name, value)...], body) as the vendor's client receives them."""
    module = AWS_READERS.get(vendor)
    if module is not None and hasattr(module, "http_reply"):
        status, headers, body = module.http_reply(reply, event)
        return status, list(headers), body
    if module is not None:
        return _payload(reply)
    if vendor in FLAT_REPLIES:
        return _payload(reply)
    if vendor == "aws-edge":
        headers = [(e["key"], e["value"]) for values in reply["headers"].values() for e in values]
        body = reply.get("body", "")
        data = base64.b64decode(body) if reply.get("bodyEncoding") == "base64" else body.encode()
        return int(reply["status"]), headers, data
    if vendor == "openwhisk":
        return _openwhisk(reply)
    if vendor == "openfaas":
        body, status, grouped = reply
        return status, [(k, v) for k, values in grouped.items() for v in values], body
    if vendor == "kubeless":
        return reply.status_code, list(reply.headerlist), reply.body
    if vendor == "azure":
        return reply.status_code, list(reply.headers.items()), reply.get_body()
    if vendor == "gcp":
        return reply.status_code, list(reply.headers.items()), reply.get_data()
    if vendor == "aliyun-fc2":
        return int(context.status[:3]), list(context.headers), b"".join(reply)
    raise AssertionError(f"no reader for {vendor} replies")


def _payload(reply: dict[str, Any]) -> Reply:
    """A ``{statusCode, headers, multiValueHeaders, body, isBase64Encoded}`` reply.

    A name in ``multiValueHeaders`` wins over ``headers`` (as API Gateway and
    Yandex read it); a list value is one header line per element.
    """
    multi = reply.get("multiValueHeaders") or {}
    headers: list[tuple[str, str]] = []
    taken = {name.lower() for name in multi}
    for name, value in (reply.get("headers") or {}).items():
        if name.lower() not in taken:
            headers += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    headers += [(name, v) for name, values in multi.items() for v in values]
    headers += [("Set-Cookie", c) for c in reply.get("cookies") or ()]
    body = reply.get("body") or ""
    data = base64.b64decode(body) if reply.get("isBase64Encoded") else body.encode("utf-8")
    return reply["statusCode"], headers, data


def _openwhisk(reply: dict[str, Any]) -> Reply:
    """The controller base64-decodes binary and JSON bodies and sends text as UTF-8."""
    headers: list[tuple[str, str]] = []
    for name, value in reply.get("headers", {}).items():
        headers += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    body = reply.get("body") or ""
    binary = content_type is not None and (
        openwhisk.is_binary(content_type) or openwhisk.is_json_family(content_type)
    )
    data = base64.b64decode(body) if binary else body.encode("utf-8")
    return reply["statusCode"], headers, data


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    """Every value of header ``name`` (any case), in order."""
    return [value for key, value in headers if key.lower() == name.lower()]
