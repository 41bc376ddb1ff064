"""Pieces shared by the Alibaba, Tencent and Huawei adapters.

Their gateways hand over decoded parameter maps instead of a raw query string,
and most of their replies carry one value per header name; these helpers keep
those rules in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Headers, Request, Response
from faas_bridge.options import Options
from faas_bridge.platforms.base import (
    HeaderRead,
    Platform,
    address_from,
    apply_base_path,
    clean_raw_path,
    decode_body,
    encode_body,
    group_headers,
    query_from_params,
    read_headers,
    require_str,
    single_headers,
)
from faas_bridge.platforms.base import flag as flag  # re-exported: the adapters read ``gw.flag``

logger = logging.getLogger("faas_bridge")


def claimed_by_aws(event: Mapping[str, Any]) -> bool:
    """Whether an AWS adapter recognises this event's shape.

    The AWS adapters claim ``resource``, ``version`` 1.0 / 2.0 and
    ``requestContext.elb``; the other vendors' adapters step aside for those
    keys, so no event ever has two adapters.
    """
    if "resource" in event or event.get("version") in ("1.0", "2.0"):
        return True
    rc = event.get("requestContext")
    return isinstance(rc, Mapping) and "elb" in rc


def path_at(event: Mapping[str, Any], key: str) -> str:
    """The request path string at ``key``; an empty one is ``/``."""
    value = event.get(key)
    if value is None or value == "":
        return "/"
    if not isinstance(value, str):
        raise MalformedEvent(f"expected a string, got {type(value).__name__}", key)
    return value


def gateway_request(
    platform: Platform,
    event: Mapping[str, Any],
    context: Any,
    *,
    method: str,
    query: bytes,
    headers: HeaderRead | None = None,
    mount: tuple[str, bytes] | None = None,
    path_key: str = "path",
    client: tuple[str, int] | None = None,
    fallback_host: str | None = None,
    version: str = "1.1",
) -> Request:
    """The Request of a gateway event: what these vendors' events share.

    Each adapter passes what its vendor does its own way (method, query,
    client, mount point); headers, path, body, scheme and server are read the
    same way for all of them.
    """
    if headers is None:
        headers = read_headers(event.get("headers"), "headers")
    if mount is None:
        mount = apply_base_path(clean_raw_path(path_at(event, path_key)), platform.options)
    root, raw_path = mount
    scheme, server = address_from(headers.last, fallback_host)
    return Request(
        method=method.upper(),
        raw_path=raw_path,
        root_path=root,
        query_string=query,
        headers=headers.pairs,
        body=decode_body(event.get("body"), flag(event.get("isBase64Encoded"), "isBase64Encoded")),
        scheme=scheme,
        server=server,
        client=client,
        http_version=version,
        event=event,
        context=context,
        platform=platform.name,
        checked=headers.checked,
    )


def header_value(headers: Headers, name: str) -> str | None:
    """The last value of a (lower-case) request header, or None."""
    found = None
    for key, value in headers:
        if key == name:
            found = value
    return found


def context_request_id(context: Any) -> str | None:
    """The invocation id from a context object or a context dict (Tencent's)."""
    if isinstance(context, Mapping):
        value = context.get("request_id")
    else:
        value = getattr(context, "request_id", None)
    return str(value) if value else None


class SingleValueReply:
    """Replies whose ``headers`` hold one string per name.

    Repeated headers are joined with ``", "``; Set-Cookie cannot be joined (its
    dates contain commas), so only the last one is kept and the loss is logged
    once per handler, naming the vendor.
    """

    __slots__ = ("_warned", "vendor")

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self._warned = False

    def headers(self, response: Response) -> dict[str, str]:
        single = single_headers(response)
        if single is not None:
            return single
        single = {}
        for name, values in group_headers(response).items():
            if name.lower() == "set-cookie":
                if len(values) > 1:
                    self._warn(len(values))
                single[name] = values[-1]
            else:
                single[name] = ", ".join(values)
        return single

    def _warn(self, count: int) -> None:
        if self._warned:
            return
        self._warned = True
        logger.warning(
            "%s replies carry one Set-Cookie header: %d were set, only the last is kept. "
            "Set one cookie per response (or combine their values) to keep them all. "
            "(Logged once.)",
            self.vendor,
            count,
        )


class PlainGateway(Platform):
    """A gateway whose event is the common shape and whose reply has one value per header.

    ``httpMethod``, ``headers``, ``path``, ``body`` and ``isBase64Encoded``,
    with the decoded query parameters under :attr:`params_key`. Subclasses
    set ``name``, the limits, ``vendor`` (for the Set-Cookie warning),
    ``params_key``, ``matches`` and ``request_id``.
    """

    vendor: ClassVar[str]
    params_key: ClassVar[str]

    __slots__ = ("_reply",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._reply = SingleValueReply(self.vendor)

    def decode(self, event: Any, context: Any) -> Request:
        key = self.params_key
        return gateway_request(
            self,
            event,
            context,
            method=require_str(event, "httpMethod", "httpMethod"),
            query=query_from_params(event.get(key), key),
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        return reply(response, self.options, self._reply.headers(response))


def reply(response: Response, options: Options, headers: Mapping[str, Any]) -> dict[str, Any]:
    """The ``{isBase64Encoded, statusCode, headers, body}`` reply these vendors share."""
    body, is_base64 = encode_body(response, options)
    return {
        "isBase64Encoded": is_base64,
        "statusCode": response.status,
        "headers": dict(headers),
        "body": body,
    }
