"""Scaleway Serverless Functions emulation: the event its ingress sends."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import unquote

from faas_bridge.devtools.emulators.base import HttpCall, event_body

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
