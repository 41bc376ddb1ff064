"""AWS VPC Lattice: Lambda targets, event structures V1 and V2.

Recognised by shape, exclusive of every other AWS format. V2 has
``version: "2.0"`` and ``requestContext.serviceNetworkArn`` but no ``rawPath``,
which API Gateway's payload 2.0 and Function URLs always carry. V1 has the
snake_case ``raw_path`` and neither ``version`` nor ``requestContext``.

The vendor's quirks, as followed here:

* Path and query. AWS's own Go event library, whose fixtures were checked
  against a running function, shows V2 ``path`` as the whole request target,
  query included (``"/?query1=value1&query1=value2"``), beside the parsed
  ``queryStringParameters``. So a query after ``?`` in the path (V2 ``path`` or
  V1 ``raw_path``) is used verbatim: order, repeats and encoding as the client
  sent them. Only when the path carries none is the query rebuilt from the
  parameters (V2: lists of values; V1: one value per key, the last one sent),
  passed through without re-encoding as ALB does. The path is taken as the
  percent-encoded target as received (V1 calls it ``raw_path``); stray
  characters are encoded. Neither point is stated in the Lattice docs.
* Headers: V2 sends a list of values per name (some published samples use
  plain strings; both are read), V1 one string with repeats comma-joined.
* Client: Lattice appends the caller's address to X-Forwarded-For, so the last
  entry is the client, never a first one the caller could forge.
  ``requestContext.identity`` holds the caller's identity, not an address.
* Scheme and port: Lattice adds ``x-forwarded-for-proto`` (the connection's
  protocol) and ``x-forwarded-for-port`` (the destination port), and only
  those are read. An ``X-Forwarded-Proto`` or ``-Port`` is not among the
  headers Lattice documents adding, so one in the event is the client's own
  and would let it choose the scheme and port the app sees; it reaches the
  app as any other header. https (port 443) when Lattice's are absent.
* Bodies arrive base64-encoded or as text, as ``is_base64_encoded`` (V1) or
  ``isBase64Encoded`` (V2) says.
* Reply: ALB-like ``{statusCode, statusDescription, isBase64Encoded, headers,
  body}``, one string per header name (the documented format has no
  multi-value field). Repeated headers are comma-joined (RFC 9110); Set-Cookie
  lines cannot be, so only the last is kept and a warning is logged once.
* Limits: the response JSON may hold at most 6 MB; a larger reply becomes a
  502 that says why (and is logged), not Lattice's opaque failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Headers, Request, Response, plain_response
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    address_from,
    apply_base_path,
    clean_query,
    clean_raw_path,
    decode_body,
    encode_body,
    group_headers,
    header_pairs,
    json_size,
    param_text,
    proxy_client,
    require_str,
    single_headers,
    status_line,
)

logger = logging.getLogger("faas_bridge")

#: The most a Lambda function may answer VPC Lattice with, as response JSON.
RESPONSE_LIMIT = 6 * 1024 * 1024
#: The headers Lattice adds for the scheme and port, and the names address_from reads.
_LATTICE_ADDRESS = {
    "host": "host",
    "x-forwarded-for-proto": "x-forwarded-proto",
    "x-forwarded-for-port": "x-forwarded-port",
}


def is_lattice_v2(event: Any) -> bool:
    """Event structure V2: versioned, with a service network, and no ``rawPath``."""
    if not isinstance(event, Mapping) or event.get("version") != "2.0" or "rawPath" in event:
        return False
    rc = event.get("requestContext")
    return isinstance(rc, Mapping) and "serviceNetworkArn" in rc


def is_lattice_v1(event: Any) -> bool:
    """Event structure V1: snake_case ``raw_path``, no version, no request context."""
    return (
        isinstance(event, Mapping)
        and "raw_path" in event
        and "version" not in event
        and "requestContext" not in event
    )


class Lattice(Platform):
    name = "aws-lattice"
    #: Request body at most 6 MB; the reply's limit is checked in encode().
    request_limit = 6 * 1024 * 1024

    __slots__ = ("_warned",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned = False

    def matches(self, event: Any) -> bool:
        return _markers.lattice(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        v2 = event.get("version") == "2.0"
        method = require_str(event, "method", "method")
        path_key = "path" if v2 else "raw_path"
        target = event.get(path_key)
        if target is None:
            target = "/"
        elif not isinstance(target, str):
            raise MalformedEvent(f"expected a string, got {type(target).__name__}", path_key)
        path, has_query, query = target.partition("?")
        if not has_query:
            query = _rebuilt_query(event, v2)
        headers = header_pairs(event.get("headers"), "headers")
        scheme, server = address_from(_lattice_address(headers), None)
        root, raw_path = apply_base_path(clean_raw_path(path or "/", path_key), self.options)
        flag = "isBase64Encoded" if v2 else "is_base64_encoded"
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=clean_query(query, path_key if has_query else "queryStringParameters"),
            headers=headers,
            body=decode_body(event.get("body"), event.get(flag)),
            scheme=scheme,
            server=server,
            client=proxy_client(headers),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        reply = self._reply(response)
        size = _json_size(reply)
        if size > RESPONSE_LIMIT:
            logger.error(
                "faas_bridge: the app's reply is %d bytes of response JSON; VPC Lattice accepts "
                "at most %d (6 MB) from a Lambda function: answered 502 instead (request id %s)",
                size,
                RESPONSE_LIMIT,
                self.request_id(event, context),
            )
            reply = self._reply(
                plain_response(
                    502,
                    f"Bad Gateway: the app's reply is {size} bytes as Lambda response JSON; "
                    f"VPC Lattice accepts at most 6 MB ({RESPONSE_LIMIT} bytes).",
                )
            )
        return reply

    def _reply(self, response: Response) -> dict[str, Any]:
        body, is_base64 = encode_body(response, self.options)
        headers = single_headers(response)
        if headers is None:
            headers = {}
            for name, values in group_headers(response).items():
                if len(values) > 1 and name.lower() == "set-cookie":
                    self._warn_cookies(len(values))
                    headers[name] = values[-1]
                else:
                    headers[name] = ", ".join(values)
        return {
            "statusCode": response.status,
            "statusDescription": status_line(response.status),
            "isBase64Encoded": is_base64,
            "headers": headers,
            "body": body,
        }

    def _warn_cookies(self, count: int) -> None:
        if self._warned:
            return
        self._warned = True
        logger.warning(
            "faas_bridge: a VPC Lattice reply carries one value per header: %d Set-Cookie "
            "headers were set, only the last is kept. Set one cookie per response (or "
            "combine them) for Lattice clients. (Logged once.)",
            count,
        )


def _rebuilt_query(event: Mapping[str, Any], v2: bool) -> str:
    """The query from the parsed parameters, when the path carries none."""
    key = "queryStringParameters" if v2 else "query_string_parameters"
    params = event.get(key)
    if params is None and v2:
        key = "query_string_parameters"  # seen in published V2 samples
        params = event.get(key)
    if not params:
        return ""
    if not isinstance(params, Mapping):
        raise MalformedEvent(f"expected an object, got {type(params).__name__}", key)
    parts: list[str] = []
    for name, values in params.items():
        for value in values if isinstance(values, list) else [values]:
            text = None if value is None else param_text(value, f"{key}.{name}")
            parts.append(str(name) if text is None else f"{name}={text}")
    return "&".join(parts)


def _lattice_address(headers: Headers) -> dict[str, str]:
    """Host and the scheme and port Lattice wrote, by the names address_from reads.

    A client-sent X-Forwarded-Proto / -Port is left out: Lattice does not
    document setting them, so their value is the client's choice.
    """
    last: dict[str, str] = {}
    for name, value in headers:
        known = _LATTICE_ADDRESS.get(name)
        if known is not None:
            last[known] = value  # a repeated header counts by its last value
    return last


def _json_size(reply: dict[str, Any]) -> int:
    """The reply's size as JSON, exact only when it could be near the limit."""
    chars = len(reply["body"]) + sum(len(k) + len(v) for k, v in reply["headers"].items())
    if 6 * chars + 1024 <= RESPONSE_LIMIT:  # no character takes more than 6 bytes in JSON
        return chars
    return json_size(reply)  # a base64 body is counted, not copied
