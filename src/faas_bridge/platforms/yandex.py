"""Yandex Cloud Functions: direct HTTP invocation and API Gateway (payload 0.1 and 1.0).

Recognised by ``httpMethod`` with a ``requestContext`` holding ``identity`` and
``requestTimeEpoch`` (Yandex's request context, WebSocket events excluded), and
one of Yandex's own keys:

* ``url`` / ``params`` / ``multiValueParams`` / ``pathParams``: a direct
  invocation (``url`` empty) or API Gateway payload 0.1 (``url`` is the path
  and query the client asked for; ``path`` is the OpenAPI template, not used);
* ``parameters`` / ``multiValueParameters`` / ``operationId``: API Gateway
  payload 1.0, otherwise shaped like AWS payload 1.0 (``path`` is the request
  path, the query comes as decoded parameters and is rebuilt). AWS never sends
  these keys, which is what tells the two apart;
* none of them, no ``path`` (or an empty one), no ``resource`` or ``version``:
  a direct invocation as the older docs show it.

A direct invocation has no path below the function and no Host (the host is
``functions.yandexcloud.net``), and Yandex strips ``Cookie`` and
``Authorization`` from it. The client is ``requestContext.identity.sourceIp``;
``X-Forwarded-For`` keeps what the client sent in front of it. Bodies are
base64 (flagged) except JSON.

Replies are ``{statusCode, headers, multiValueHeaders, body, isBase64Encoded}``:
a repeated header (every Set-Cookie) goes to ``multiValueHeaders`` only, since
Yandex ignores ``headers`` for a name in both. Yandex rejects a reply carrying
``Transfer-Encoding``, ``Via`` or ``Proxy-Authenticate`` (a 502), so those are
dropped, with a warning for the last two; it renames ``Date``, ``Server``,
``Content-Md5`` and ``Www-Authenticate`` to ``X-Yf-Remapped-*``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response
from faas_bridge.platforms import _markers
from faas_bridge.platforms._markers import V10_KEYS
from faas_bridge.platforms.base import (
    Platform,
    clean_query,
    clean_raw_path,
    decode_body,
    encode_body,
    group_headers,
    header_pairs,
    mapping_at,
    rebuild_query,
    require_str,
    server_address,
    source_ip,
    split_prefix,
)

logger = logging.getLogger("faas_bridge")

#: The host of a direct invocation URL, ``https://functions.yandexcloud.net/<function id>``.
FUNCTIONS_HOST = "functions.yandexcloud.net"

_FATAL_REPLY_HEADERS = frozenset({"via", "proxy-authenticate"})
_DROPPED_REPLY_HEADERS = frozenset({"transfer-encoding", "connection"})


def is_payload_v10(event: Mapping[str, Any]) -> bool:
    """Yandex API Gateway payload 1.0: AWS's shape plus Yandex's own keys."""
    return any(key in event for key in V10_KEYS)


class Yandex(Platform):
    name = "yandex"
    #: "Maximum size of the JSON structure of a request and response: 3.5 MB".
    request_limit = reply_limit = 3_670_016

    __slots__ = ("_warned",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned = False

    def matches(self, event: Any) -> bool:
        return _markers.yandex(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext")
        method = require_str(event, "httpMethod", "httpMethod")
        multi = event.get("multiValueHeaders")
        if multi is not None:
            headers = header_pairs(multi, "multiValueHeaders")
        else:
            headers = header_pairs(event.get("headers"), "headers")
        raw_path, query = self._target(event)
        root = self.options.base_path
        if root:
            rest = split_prefix(raw_path, root)
            raw_path = raw_path if rest is None else rest
        has_host = any(name == "host" for name, _ in headers)
        direct = not is_payload_v10(event) and not event.get("url")
        scheme, server = server_address(
            headers, FUNCTIONS_HOST if direct and not has_host else None
        )
        identity = rc.get("identity")
        client = source_ip(identity.get("sourceIp")) if isinstance(identity, Mapping) else None
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=query,
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=client,
            event=event,
            context=context,
            platform=self.name,
        )

    def _target(self, event: Mapping[str, Any]) -> tuple[bytes, bytes]:
        """(raw path, query) from ``url`` (0.1), ``path`` (1.0) or neither (direct)."""
        key = "path" if is_payload_v10(event) else "url"
        value = event.get(key)
        if value is not None and not isinstance(value, str):
            raise MalformedEvent(f"expected a string, got {type(value).__name__}", key)
        target = value or ""
        path, mark, query = target.partition("?") if key == "url" else (target, "", "")
        raw_path = clean_raw_path(path or "/", key)
        if not raw_path.startswith(b"/"):
            raw_path = b"/" + raw_path
        if mark:
            return raw_path, clean_query(query, key)
        return raw_path, rebuild_query(
            event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        body, is_base64 = encode_body(response, self.options)
        headers: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        for name, values in group_headers(response).items():
            key = name.lower()
            if key in _DROPPED_REPLY_HEADERS:
                continue
            if key in _FATAL_REPLY_HEADERS:
                self._warn(name)
                continue
            if len(values) == 1:
                headers[name] = values[0]
            else:
                multi[name] = values
        return {
            "statusCode": response.status,
            "headers": headers,
            "multiValueHeaders": multi,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    def _warn(self, name: str) -> None:
        if not self._warned:
            self._warned = True
            logger.warning(
                "faas_bridge: Yandex Cloud Functions answers 502 to a reply with a %s header, "
                "so it was dropped. (Logged once.)",
                name,
            )

    def request_id(self, event: Any, context: Any) -> str | None:
        rid = super().request_id(event, context)
        if rid:
            return str(rid)
        rc = event.get("requestContext") if isinstance(event, Mapping) else None
        if isinstance(rc, Mapping) and rc.get("requestId"):
            return str(rc["requestId"])
        return None
