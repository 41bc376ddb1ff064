"""Scaleway Serverless Functions emulation: the event its ingress sends."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    event_body,
    json_reply,
)
from faas_bridge.platforms.scaleway import Scaleway as ScalewayAdapter

#: The internal proxy hop Scaleway appends to X-Forwarded-For (a 100.64.0.0/10 address).
_INTERNAL_HOP = "100.64.0.57"


def build_event(call: HttpCall, *, host: str | None = None) -> dict[str, Any]:
    """The event Scaleway sends for ``call``, as its emulator and a capture show it.

    The path is decoded; the query keeps the first value of each key; header
    names are title-cased with repeats comma-joined (a WSGI server's view);
    ingress headers are added; the body is base64 unless it is UTF-8 text.
    ``host`` None leaves Host out, as in a console test.
    """
    headers: dict[str, str] = {}
    for name, value in call.headers:
        key = "-".join(part.capitalize() for part in name.split("-"))
        if key == "Host":
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    if host is not None:
        headers = {"Host": host, **headers}
    forwarded = headers.get("X-Forwarded-For")
    chain = f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip
    headers.update(
        {
            "Forwarded": f"for={call.client_ip};proto=https",
            "K-Proxy-Request": "activator",
            "X-Envoy-External-Address": call.client_ip,
            "X-Forwarded-For": f"{chain}, {_INTERNAL_HOP}",
            "X-Forwarded-Proto": "https",
            "X-Request-Id": str(uuid.uuid4()),
        }
    )
    query: dict[str, str] = {}
    for part in call.query.split("&") if call.query else ():
        key, _, value = part.partition("=")
        query.setdefault(unquote(key.replace("+", " ")), unquote(value.replace("+", " ")))
    body, is_base64 = event_body(call)
    event: dict[str, Any] = {
        "path": unquote(call.path),
        "httpMethod": call.method,
        "headers": headers,
        "multiValueHeaders": None,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariable": {},
        "requestContext": {
            "accountId": "",
            "resourceId": "",
            "stage": "",
            "requestId": "",
            "resourcePath": "",
            "authorizer": None,
            "httpMethod": call.method,
            "apiId": "",
        },
        "body": body or "",
    }
    if is_base64 or not body:
        event["isBase64Encoded"] = True  # the emulator also flags the empty body
    return event


# -- The emulator ---------------------------------------------------------------------------


def http_reply(reply: Any, event: Any = None) -> HttpReply:
    """A string (the body of a 200) or ``{statusCode, headers, body, isBase64Encoded}``.

    Header values may be lists; Scaleway's front end adds
    ``Access-Control-Allow-Origin: *`` and ``server: envoy``.
    """
    if isinstance(reply, str):
        headers: list[tuple[str, str]] = []
        status, body = 200, reply.encode("utf-8")
    else:
        status, headers, body = json_reply(reply)
    names = {name.lower() for name, _ in headers}
    if "access-control-allow-origin" not in names:
        headers.append(("Access-Control-Allow-Origin", "*"))
    headers = [(k, v) for k, v in headers if k.lower() != "server"] + [("server", "envoy")]
    return status, headers, body


class ScalewayFunctions(Emulator):
    """Scaleway Serverless Functions behind their ingress."""

    name = "scaleway"
    adapter = "scaleway:Scaleway"
    description = "Scaleway Serverless Functions HTTP events"
    settings_declared = declare(host=None)
    body_limit = ScalewayAdapter.request_limit
    #: "/favicon.ico and /robots.txt are dropped" before the function.
    refused_paths = frozenset({"/favicon.ico", "/robots.txt"})
    url_layout = "/ (https://NAMESPACE-FUNCTION.functions.fnc.fr-par.scw.cloud)"
    PASSAGE = Passage(repeated_headers="joined", repeated_query="first", query="re-encoded")

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(call, host=host or self.values["host"])

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)
