"""Scaleway Serverless Functions HTTP events.

Recognised by ``stageVariable`` (singular) beside ``httpMethod``: AWS events
spell it ``stageVariables``. Scaleway publishes no event reference; the shape
is that of its own emulator (``scaleway_functions_python.local``, which
"emulates the provider-side processing") and of an event captured from a
deployed function:

* ``path`` is the path Scaleway's ingress decoded (the emulator passes Flask's
  ``request.path``), so it is percent-encoded again here and ``%2F`` cannot be
  told from ``/``; a function has its own domain, so there is no mount prefix.
* ``headers`` holds one value per name; ``multiValueHeaders`` and
  ``multiValueQueryStringParameters`` are null, and ``queryStringParameters``
  keeps one value per key (the first, in the emulator): the query string is
  rebuilt from it, repeated keys lost.
* ``isBase64Encoded`` appears when the body is base64 (the emulator also sets
  it for an empty body); it is honoured as given.
* ``X-Forwarded-For`` lists the client first and Scaleway's internal proxies
  after it, so neither end is the platform's own record: the client is
  ``X-Envoy-External-Address``, which Scaleway's Envoy sets to the address it
  accepted the connection from. A console test may carry no Host.

Replies are ``{statusCode, headers, body, isBase64Encoded}``; Scaleway's docs
show header values as lists, so a repeated header (every Set-Cookie) is one
list-valued entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Headers, Request, Response
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    decode_body,
    encode_body,
    encode_path,
    group_headers,
    header_pairs,
    rebuild_query,
    require_str,
    server_address,
    split_prefix,
    str_at,
)


class Scaleway(Platform):
    name = "scaleway"
    #: Requests over 6 MB are refused (the emulator's constant, 6291456).
    request_limit = 6_291_456
    #: X-Forwarded-For ends with Envoy's record of the peer, then an internal hop.
    forwarded_window = 2

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return _markers.scaleway(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        method = require_str(event, "httpMethod", "httpMethod")
        multi = event.get("multiValueHeaders")
        if multi is not None:
            headers = header_pairs(multi, "multiValueHeaders")
        else:
            headers = header_pairs(event.get("headers"), "headers")
        path = str_at(event, "path", "path", "/")
        if not isinstance(path, str):
            raise MalformedEvent(f"expected a string, got {type(path).__name__}", "path")
        raw_path = encode_path(path)
        root = self.options.base_path
        if root:
            rest = split_prefix(raw_path, root)
            raw_path = raw_path if rest is None else rest
        scheme, server = server_address(headers, None)
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
            client=_client(headers),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        body, is_base64 = encode_body(response, self.options)
        headers: dict[str, str | list[str]] = {}
        for name, values in group_headers(response).items():
            headers[name] = values[0] if len(values) == 1 else values
        return {
            "statusCode": response.status,
            "headers": headers,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def request_id(self, event: Any, context: Any) -> str | None:
        headers = event.get("headers") if isinstance(event, Mapping) else None
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                if str(name).lower() == "x-request-id" and value:
                    return str(value)
        return super().request_id(event, context)


def _client(headers: Headers) -> tuple[str, int] | None:
    """The address Scaleway's Envoy accepted the connection from."""
    for name, value in headers:
        if name == "x-envoy-external-address" and value.strip():
            return (value.strip(), 0)
    return None
