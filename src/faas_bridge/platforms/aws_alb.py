"""AWS Application Load Balancer events (Lambda targets).

Recognised by ``requestContext.elb``. The target group's multi-value setting
shows in the event: ``multiValueHeaders`` present means multi-value mode, and
the reply must use the same field. ALB leaves the path and the query values
percent-encoded exactly as received, so they are passed through, never
re-encoded. The client is the last X-Forwarded-For entry: the one the load
balancer appended, not one the client could forge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response, reply_shape
from faas_bridge.platforms import _aws, _markers
from faas_bridge.platforms.base import (
    Platform,
    address_from,
    apply_base_path,
    clean_query,
    clean_raw_path,
    decode_body,
    is_mapping,
    last_entry,
    param_text,
    require_str,
    str_at,
)

#: "Lambda functions as targets": request body and response JSON at most 1 MB.
_LIMIT = 1_048_576


class ALB(Platform):
    name = "aws-alb"
    request_limit = _LIMIT
    reply_limit = _LIMIT

    __slots__ = ("_warned",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._warned = False

    def matches(self, event: Any) -> bool:
        if not _markers.alb(event):
            return False
        # Only OpenWhisk, payload 2.0 and 1.0 rank above (_markers); each needs one of these.
        if not ("__ow_method" in event or "http" in event or "rawPath" in event) and not (
            "resource" in event or "version" in event
        ):
            return True
        return not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        method = require_str(event, "httpMethod", "httpMethod")
        read = _aws.read_v1_headers(event)
        scheme, server = address_from(read.last, None)
        root, raw_path = apply_base_path(
            clean_raw_path(str_at(event, "path", "path", "/")), self.options
        )
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=_query(event),
            headers=read.pairs,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=last_entry(read.last.get("x-forwarded-for")),
            event=event,
            context=context,
            platform=self.name,
            checked=read.checked,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        multi = is_mapping(event) and event.get("multiValueHeaders") is not None
        if not multi and not self._warned and reply_shape(response).distinct is None:
            cookies = [v for k, v in response.headers if k.lower() == "set-cookie"]
            if len(cookies) > 1:
                self._warned = True
                _aws.logger.warning(
                    "ALB single-value mode returns one Set-Cookie per reply: %d were set, "
                    "only the last is kept. Enable lambda.multi_value_headers.enabled on "
                    "the target group to keep them all. (Logged once.)",
                    len(cookies),
                )
        reply = _aws.v1_reply(response, self.options, multi_value=multi, description=True)
        if not multi:
            extra = reply.pop("multiValueHeaders", None)
            if extra:
                for name, values in extra.items():
                    reply["headers"][name] = values[-1]
        return reply

    def request_id(self, event: Any, context: Any) -> str | None:
        return _aws.aws_request_id(event, context)


def _query(event: Mapping[str, Any]) -> bytes:
    """The query string from the parameters ALB passes through undecoded."""
    multi = event.get("multiValueQueryStringParameters")
    where = "queryStringParameters" if multi is None else "multiValueQueryStringParameters"
    source = multi if multi is not None else event.get("queryStringParameters")
    if not source:
        return b""
    if not isinstance(source, Mapping):
        raise MalformedEvent(f"expected an object, got {type(source).__name__}", where)
    parts: list[str] = []
    for key, values in source.items():
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str):
                parts.append(f"{key}={value}")
            elif value is None:  # a null value: the name alone
                parts.append(key)
            else:
                parts.append(f"{key}={param_text(value, f'{where}.{key}')}")
    return clean_query("&".join(parts), where)
