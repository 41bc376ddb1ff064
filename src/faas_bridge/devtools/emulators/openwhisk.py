"""OpenWhisk web action emulation (also IBM Cloud Functions and DigitalOcean)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.platforms.openwhisk import _request_is_base64, is_json_family, media_type

# What Akka renders literally in a path segment (RFC 3986 pchar) and in a query value.
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~"
_QUERY_SAFE = "!$'()*,:@/?-._~"


# -- Building events -------------------------------------------------------------


def akka_path(path: str) -> str:
    """A path as the controller re-renders it: each segment decoded, then re-encoded."""
    return "/".join(quote(unquote(segment), safe=_SEGMENT_SAFE) for segment in path.split("/"))


def akka_query(query: str) -> str:
    """A query string as the controller re-renders it (``+`` and ``%20`` both as ``+``)."""
    if not query:
        return ""
    parts = []
    for part in query.split("&"):
        key, eq, value = part.partition("=")
        rendered = quote(unquote(key.replace("+", " ")), safe=_QUERY_SAFE + " ").replace(" ", "+")
        if eq:
            text = unquote(value.replace("+", " "))
            rendered += "=" + quote(text, safe=_QUERY_SAFE + " ").replace(" ", "+")
        parts.append(rendered)
    return "&".join(parts)


def build_event(
    call: HttpCall,
    *,
    raw: bool = True,
    digitalocean: bool = False,
    host: str = "172.17.0.1",
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The input a web action receives for ``call``, whose target is below the action URL.

    ``raw`` selects a raw web action; ``digitalocean`` puts the request in
    DigitalOcean's ``http`` object instead of ``__ow_*`` (its field names beyond
    ``headers`` are not documented by DigitalOcean: see the module notes) and
    adds the ``x-forwarded-*`` headers DigitalOcean documents. ``params`` are
    bound action parameters, merged first as the controller does. Headers are
    one value per name, the last one wins; Host is the controller's address.
    """
    headers: dict[str, str] = {}
    for name, value in call.headers:
        headers[name.lower()] = value
    headers["host"] = host
    if call.body and "content-type" not in headers:
        headers["content-type"] = "application/octet-stream"  # Akka's default entity type
    if digitalocean:
        forwarded = headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = (
            f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip
        )
        headers["x-forwarded-proto"] = "https"
    path = "" if call.path == "/" else akka_path(call.path)
    content_type = headers.get("content-type")
    event: dict[str, Any] = dict(params or {})
    request: dict[str, Any] = {"method": call.method.lower(), "headers": headers, "path": path}
    if raw:
        request["query"] = akka_query(call.query)
        request["body"] = _event_body(call.body, content_type)
    else:
        for key, value in _query_pairs(call.query):
            event[key] = value  # the last value of a repeated key wins
        _merge_body(event, request, call.body, content_type)
    if digitalocean:
        http: dict[str, Any] = {"headers": headers, "method": call.method.upper(), "path": path}
        if raw:
            body = request["body"]
            http["body"] = body
            http["isBase64Encoded"] = bool(body) and _request_is_base64(content_type)
            http["queryString"] = request["query"]
        event["http"] = http
        return event
    for key, value in request.items():
        event["__ow_" + key] = value
    return event


def _event_body(body: bytes, content_type: str | None) -> str:
    if not body:
        return ""
    if _request_is_base64(content_type):
        return b64.encode(body)
    return body.decode("utf-8", "replace")


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&") if query else ():
        key, _, value = part.partition("=")
        pairs.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return pairs


def _merge_body(
    event: dict[str, Any], request: dict[str, Any], body: bytes, content_type: str | None
) -> None:
    """A default web action: JSON objects and forms merge, anything else is ``__ow_body``."""
    if not body:
        return
    if is_json_family(content_type):
        value = json.loads(body)
        if isinstance(value, dict):
            event.update(value)
        else:
            request["body"] = value
    elif media_type(content_type) == "application/x-www-form-urlencoded":
        event.update(_query_pairs(body.decode("utf-8")))
    else:
        request["body"] = _event_body(body, content_type)
