"""OpenWhisk web action emulation (also IBM Cloud Functions and DigitalOcean)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    json_reply,
)
from faas_bridge.platforms.openwhisk import OpenWhisk as OpenWhiskAdapter
from faas_bridge.platforms.openwhisk import (
    _request_is_base64,
    is_binary,
    is_json_family,
    media_type,
)

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


# -- The emulator ---------------------------------------------------------------------------

#: The URL of the emulated web action (namespace ``guest``, the default package).
ACTION_URL = "/api/v1/web/guest/default/faas-bridge"


def http_reply(reply: Any, event: Any = None) -> HttpReply:
    """The HTTP response the controller makes of a web action's result.

    ``statusCode`` defaults to 200 (204 without a body); header values may be
    arrays; a body under a binary Content-Type is base64-decoded (an error if
    it is not base64); without a Content-Type a string body is served as
    ``text/html`` and a JSON object or array as ``application/json``.
    """
    if not isinstance(reply, Mapping):
        raise ValueError(f"the result must be a JSON object, not {type(reply).__name__}")
    body = reply.get("body")
    status = reply.get("statusCode", 200 if body not in (None, "") else 204)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"'statusCode' must be an integer HTTP status, not {status!r}")
    _, headers, _ = json_reply({"statusCode": status, "headers": reply.get("headers")})
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    if body is None:
        data = b""
    elif isinstance(body, (dict, list)):
        data = json.dumps(body).encode("utf-8")
        if content_type is None:
            headers.append(("Content-Type", "application/json"))
    elif not isinstance(body, str):
        raise ValueError(f"'body' must be a string, object or array, not {type(body).__name__}")
    elif content_type is not None and is_binary(content_type):
        try:
            data = b64.decode(body)
        except ValueError:
            raise ValueError("a binary Content-Type with a body that is not base64") from None
    elif content_type is not None and is_json_family(content_type):
        try:  # JSON travels base64 as a raw request's does; plain JSON text passes as is
            data = b64.decode(body)
        except ValueError:
            data = body.encode("utf-8")
    else:
        data = body.encode("utf-8")
        if content_type is None:
            headers.append(("Content-Type", "text/html; charset=UTF-8"))
    return status, headers, data


class WebAction(Emulator):
    """An OpenWhisk web action (raw HTTP by default) under the controller's URL."""

    name = "openwhisk"
    adapter = "openwhisk:OpenWhisk"
    description = (
        "Apache OpenWhisk web actions: also IBM Cloud Functions and DigitalOcean Functions"
    )
    settings_declared = declare(raw=True, digitalocean=False, host="172.17.0.1")
    body_limit = OpenWhiskAdapter.request_limit
    url_layout = "/api/v1/web/NAMESPACE/PACKAGE/ACTION/... (here " + ACTION_URL + ")"
    PASSAGE = Passage(repeated_headers="last", query="re-encoded")

    def passage(self) -> Passage:
        if self.values["raw"]:
            return self.PASSAGE
        return Passage(
            repeated_headers="last", repeated_query="last", query="lost (merged into parameters)"
        )

    def url_prefix(self) -> str:
        return ACTION_URL

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        """The action's input; a call to the action URL (``.http`` allowed) is taken below it."""
        path = call.path
        for prefix in (ACTION_URL + ".http", ACTION_URL):
            if path == prefix or path.startswith(prefix + "/"):
                rest = path[len(prefix) :] or "/"
                call = call._replace(target=rest + call.target[len(path) :])
                break
        values = self.values
        return build_event(
            call,
            raw=bool(values["raw"]),
            digitalocean=bool(values["digitalocean"]),
            host=host or values["host"],
        )

    def localise(self, event: Any, port: int) -> Any:
        headers = event["http"]["headers"] if "http" in event else event["__ow_headers"]
        headers["x-forwarded-proto"] = "http"
        headers["x-forwarded-port"] = str(port)
        return event

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)
