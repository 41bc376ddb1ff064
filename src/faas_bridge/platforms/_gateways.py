"""Pieces shared by the Alibaba, Tencent and Huawei adapters.

Their gateways hand over decoded parameter maps instead of a raw query string,
and most of their replies carry one value per header name; these helpers keep
those rules in one place.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import METHODS, Headers, Request, Response
from faas_bridge.options import Options
from faas_bridge.platforms.base import (
    QUERY_VALUE_SAFE,
    LaneBuild,
    Platform,
    T,
    address_from,
    apply_base_path,
    clean_raw_path,
    decode_body,
    encode_body,
    group_headers,
    header_pairs,
    lane_headers,
    lane_text,
    query_from_params,
    require_str,
    server_address,
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
    headers: Headers | None = None,
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
        headers = header_pairs(event.get("headers"), "headers")
    if mount is None:
        mount = apply_base_path(clean_raw_path(path_at(event, path_key)), platform.options)
    root, raw_path = mount
    scheme, server = server_address(headers, fallback_host)
    return Request(
        method=method.upper(),
        raw_path=raw_path,
        root_path=root,
        query_string=query,
        headers=headers,
        body=decode_body(event.get("body"), flag(event.get("isBase64Encoded"), "isBase64Encoded")),
        scheme=scheme,
        server=server,
        client=client,
        http_version=version,
        event=event,
        context=context,
        platform=platform.name,
    )


#: What :func:`lane_headers` gives: (names, values, last value by name).
LaneHeaders = tuple[tuple[str, ...], list[str], Mapping[str, str]]


def gateway_lane(
    platform: Platform,
    event: Mapping[str, Any],
    context: Any,
    build: LaneBuild[T],
    *,
    method: Any,
    read: LaneHeaders | None,
    params: Any,
    mount: tuple[str, bytes] | None = None,
    path_key: str = "path",
    client: tuple[str, int] | None = None,
    fallback_host: str | None = None,
    version: str = "1.1",
) -> T | None:
    """:func:`gateway_request`'s fast lane: the bridge's input from a clean event, or None.

    Each adapter passes what its vendor does its own way, as to
    :func:`gateway_request`, with the headers already read by
    :func:`lane_headers` and the decoded query parameters (``params``) still
    as the event has them.
    """
    if method not in METHODS or read is None:
        return None
    is_base64 = event.get("isBase64Encoded")
    if is_base64 is not True and is_base64 is not False and is_base64 is not None:
        return None  # "true", 1...: flag() reads or refuses them, the general way
    body = decode_body(event.get("body"), is_base64)
    if mount is None:
        mount = apply_base_path(clean_raw_path(path_at(event, path_key)), platform.options)
    root, raw_path = mount
    limit = platform.request_limit
    if (
        b"%" in raw_path
        or (root and ("%" in root or not lane_text(root)))
        or (limit is not None and len(body) > limit)
    ):
        return None
    names, values, last = read
    scheme, server = address_from(last, fallback_host)
    return build(
        method,
        root,
        raw_path.decode("ascii"),
        lane_query(params),
        names,
        values,
        body,
        scheme,
        server,
        client,
        version,
        event,
        context,
        platform.name,
    )


#: Names and values of query parameters that urlencode (as query_from_params
#: calls it) leaves as they are, joined with "=" and "&" (counted apart).
_PLAIN_QUERY = re.compile("[A-Za-z0-9_.~=&" + re.escape(QUERY_VALUE_SAFE) + "-]*").fullmatch


def lane_query(params: Any) -> str:
    """:func:`query_from_params` as text, without urlencode for plain parameters.

    Nearly every query holds a few string parameters with nothing to escape:
    those are joined as they are (urlencode would leave each unchanged). The
    rest (lists, numbers, escapes) go through query_from_params itself.
    """
    if not params:
        return ""
    if type(params) is dict:
        try:
            text = "&".join(map("=".join, params.items()))
        except TypeError:
            pass  # a list, a number, a null: query_from_params reads them
        else:
            # One "=" per parameter and an "&" between two: none inside a name or value.
            if (
                _PLAIN_QUERY(text) is not None
                and text.count("=") == len(params)
                and text.count("&") == len(params) - 1
            ):
                return text
    return query_from_params(params, "query").decode("ascii")


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

    def lane(self, event: Any, context: Any, build: LaneBuild[T]) -> T | None:
        return gateway_lane(
            self,
            event,
            context,
            build,
            method=event.get("httpMethod"),
            read=lane_headers(event.get("headers")),
            params=event.get(self.params_key),
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
