"""Pieces shared by the AWS adapters (API Gateway, Function URLs, ALB)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, urlencode

from ..errors import MalformedEvent
from ..http import Response
from ..options import Options
from .base import encode_body, group_headers, split_prefix, status_line

logger = logging.getLogger("faas_bridge")

# Characters a query value may hold literally (RFC 3986 query minus the delimiters).
_QUERY_SAFE = "/?:@!$'()*,;~"


def require_str(mapping: Mapping[str, Any], key: str, where: str) -> str:
    """``mapping[key]`` when it is a non-empty string, else MalformedEvent."""
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"expected a non-empty string, got {value!r}", where)
    return value


def mapping_at(event: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    """``event[key]`` as a mapping; a missing or null one is empty."""
    value = event.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedEvent(f"expected an object, got {type(value).__name__}", where or key)
    return value


def is_execute_api(host: str | None) -> bool:
    """Whether the request reached API Gateway's own ``execute-api`` host."""
    return host is not None and ".execute-api." in host


def host_of(headers: list[tuple[bytes, bytes]], context: Mapping[str, Any]) -> str | None:
    """The Host the client used, else the domain name API Gateway recorded."""
    for name, value in headers:
        if name == b"host":
            return value.decode("latin-1")
    domain = context.get("domainName")
    return domain if isinstance(domain, str) else None


def mount(
    raw_path: bytes, options: Options, host: str | None, stage: Any, *, stage_in_path: bool
) -> tuple[str, bytes]:
    """(root_path, raw_path below it) for an API Gateway request.

    On the ``execute-api`` host the stage is the mount point: a REST API's path
    never carries it, an HTTP API's carries a named one (``$default`` is never
    a mount point). Elsewhere (a custom domain) the configured base path is.
    """
    if is_execute_api(host):
        if not isinstance(stage, str) or not stage or stage == "$default":
            return "", raw_path
        prefix = "/" + stage
        if not stage_in_path:
            return prefix, raw_path
        rest = split_prefix(raw_path, prefix)
        return ("", raw_path) if rest is None else (prefix, rest)
    return apply_base_path(raw_path, options)


def apply_base_path(raw_path: bytes, options: Options) -> tuple[str, bytes]:
    """(root_path, raw_path) with the configured base path moved into the root.

    The root is the base path even when the path does not carry it: HTTP APIs
    leave the custom-domain mapping out of ``rawPath``, yet URLs the app builds
    must include it.
    """
    base = options.base_path
    if not base:
        return "", raw_path
    rest = split_prefix(raw_path, base)
    return base, raw_path if rest is None else rest


def rebuild_query(multi: Any, single: Any) -> bytes:
    """A query string from decoded parameters (payload 1.0 keeps no raw one)."""
    pairs: list[tuple[str, str]] = []
    if multi:
        if not isinstance(multi, Mapping):
            raise MalformedEvent("expected an object", "multiValueQueryStringParameters")
        for key, values in multi.items():
            if isinstance(values, list):
                pairs.extend((key, v) for v in values if v is not None)
            elif values is not None:
                pairs.append((key, str(values)))
    elif single:
        if not isinstance(single, Mapping):
            raise MalformedEvent("expected an object", "queryStringParameters")
        pairs.extend((k, v) for k, v in single.items() if v is not None)
    if not pairs:
        return b""
    # Encode only what a browser would: "/", ":", "@"... stay as typed.
    return urlencode(pairs, safe=_QUERY_SAFE, quote_via=quote_plus).encode("ascii")


def source_ip(value: Any) -> tuple[str, int] | None:
    """An ASGI-style client address from the vendor's source IP field."""
    return (value, 0) if isinstance(value, str) and value else None


def http_version(protocol: Any) -> str:
    """``"1.1"`` from ``"HTTP/1.1"``; HTTP/1.1 when the vendor does not say."""
    if isinstance(protocol, str) and protocol.upper().startswith("HTTP/"):
        return protocol[5:]
    return "1.1"


def aws_request_id(event: Any, context: Any) -> str | None:
    """Lambda's request id, else API Gateway's."""
    rid = getattr(context, "aws_request_id", None)
    if rid:
        return str(rid)
    rc = event.get("requestContext") if isinstance(event, Mapping) else None
    if isinstance(rc, Mapping) and rc.get("requestId"):
        return str(rc["requestId"])
    return None


def v1_reply(
    response: Response, options: Options, *, multi_value: bool, description: bool = False
) -> dict[str, Any]:
    """A payload-1.0-shaped reply (API Gateway REST, HTTP API 1.0, ALB).

    With ``multi_value`` every header goes to ``multiValueHeaders``; otherwise
    ``headers`` holds one value per name and repeated Set-Cookie lines, which
    cannot be comma-joined, go to ``multiValueHeaders`` (REST accepts both).
    """
    body, is_base64 = encode_body(response, options)
    reply: dict[str, Any] = {"statusCode": response.status}
    if description:
        reply["statusDescription"] = status_line(response.status)
    grouped = group_headers(response.headers)
    if multi_value:
        reply["multiValueHeaders"] = grouped
    else:
        single: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for name, values in grouped.items():
            if len(values) > 1 and name.lower() == "set-cookie":
                multi[name] = values
            else:
                single[name] = ", ".join(values)
        reply["headers"] = single
        if multi:
            reply["multiValueHeaders"] = multi
    reply["body"] = body
    reply["isBase64Encoded"] = is_base64
    return reply
