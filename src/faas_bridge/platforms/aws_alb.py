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

from faas_bridge import b64
from faas_bridge.errors import MalformedEvent
from faas_bridge.http import Request, Response
from faas_bridge.platforms import _aws, _markers, aws_apigw_v2
from faas_bridge.platforms.base import (
    HttpCall,
    LaneBuild,
    Platform,
    T,
    address_from,
    apply_base_path,
    clean_query,
    clean_raw_path,
    decode_body,
    header_pairs,
    is_mapping,
    lane_path,
    last_entry,
    param_text,
    proxy_client,
    require_str,
    server_address,
    status_line,
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
        multi = event.get("multiValueHeaders")
        if multi is not None:
            headers = header_pairs(multi, "multiValueHeaders")
        else:
            headers = header_pairs(event.get("headers"), "headers")
        scheme, server = server_address(headers, None)
        root, raw_path = apply_base_path(
            clean_raw_path(str_at(event, "path", "path", "/")), self.options
        )
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=_query(event),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=proxy_client(headers),
            event=event,
            context=context,
            platform=self.name,
        )

    def lane(self, event: Any, context: Any, build: LaneBuild[T]) -> T | None:
        read = _aws.lane_start(event)
        if read is None:
            return None
        method, names, values, last = read
        path = lane_path(event.get("path"))
        body = decode_body(event.get("body"), event.get("isBase64Encoded"))
        if path is None or len(body) > _LIMIT:
            return None
        root, raw_path = apply_base_path(path, self.options)
        if not root.isascii():
            return None
        scheme, server = address_from(last, None)
        return build(
            method,
            root,
            raw_path,
            _query(event).decode("ascii"),
            names,
            values,
            body,
            scheme,
            server,
            last_entry(last.get("x-forwarded-for")),
            "1.1",
            event,
            context,
            self.name,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        multi = is_mapping(event) and event.get("multiValueHeaders") is not None
        if not multi and not self._warned:
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
            text = None if value is None else param_text(value, f"{where}.{key}")
            parts.append(key if text is None else f"{key}={text}")
    return clean_query("&".join(parts), where)


#: What ALB sends as text; every other body (and any with Content-Encoding) is base64.
_ALB_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


def build_event(
    call: HttpCall,
    *,
    multi_value: bool = False,
    host: str = "my-alb-1234567890.us-east-1.elb.amazonaws.com",
) -> dict[str, Any]:
    """The event an ALB sends for ``call``, in single- or multi-value mode.

    Path and query values are passed through undecoded. In single-value mode
    the last value of a repeated header or query key wins.
    """
    headers: list[tuple[str, str]] = [("host", host)]
    headers += [(k.lower(), v) for k, v in call.headers if k.lower() != "host"]
    forwarded = call.header("x-forwarded-for")
    headers = [pair for pair in headers if pair[0] != "x-forwarded-for"]
    headers.append(
        ("x-forwarded-for", f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip)
    )
    headers += [("x-forwarded-port", "443"), ("x-forwarded-proto", "https")]
    query: list[tuple[str, str]] = []
    for part in call.query.split("&") if call.query else ():
        name, _, value = part.partition("=")
        query.append((name, value))
    body = None
    is_base64 = False
    if call.body:
        content_type = (call.header("content-type") or "").split(";")[0].strip().lower()
        if content_type.startswith(_ALB_TEXT_TYPES) and not call.header("content-encoding"):
            try:
                body = call.body.decode("utf-8")
            except UnicodeDecodeError:
                body = None
        if body is None:
            body, is_base64 = b64.encode(call.body), True
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                "targetgroup/faas-bridge/0123456789abcdef"
            }
        },
        "httpMethod": call.method,
        "path": call.path,
    }
    if multi_value:
        multi_query: dict[str, list[str]] = {}
        for name, value in query:
            multi_query.setdefault(name, []).append(value)
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            multi_headers.setdefault(name, []).append(value)
        event["multiValueQueryStringParameters"] = multi_query
        event["multiValueHeaders"] = multi_headers
    else:
        event["queryStringParameters"] = dict(query)
        event["headers"] = dict(headers)
    event["body"] = body or ""
    event["isBase64Encoded"] = is_base64
    return event


# -- The local gateway (`faas-bridge serve`): what the load balancer does around the function --
#
# "Lambda functions as targets" (ELB user guide), Limits: request body at most
# 1 MB, response JSON at most 1 MB, WebSocket upgrades rejected with 400; the
# reply uses ``multiValueHeaders`` when the target group has multi-value
# headers enabled and ``headers`` otherwise.

#: Lambda's synchronous invocation limit for the event (bytes of JSON).
REQUEST_LIMIT = 6_291_456
#: The load balancer's own limits: request body bytes and reply JSON bytes.
BODY_LIMIT = 1_048_576
REPLY_LIMIT = 1_048_576
#: The status an ``Upgrade`` (WebSocket) request is rejected with.
REJECT_UPGRADE = 400


def http_reply(reply: Any, event: Any = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP response the load balancer makes of the reply.

    The header field must match the request's mode: ``multiValueHeaders`` when
    the event had them, ``headers`` otherwise (the other field is not read).
    ValueError: a reply the load balancer cannot use (it answers 502).
    """
    if not isinstance(reply, Mapping):
        raise ValueError(f"the reply must be a JSON object, not {type(reply).__name__}")
    status = aws_apigw_v2.reply_status(reply)
    multi = isinstance(event, Mapping) and event.get("multiValueHeaders") is not None
    field = "multiValueHeaders" if multi else "headers"
    headers = aws_apigw_v2.reply_headers(reply.get(field), field)
    return status, headers, aws_apigw_v2.reply_body(reply)


def error_reply(status: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """The load balancer's own HTML error page (``Server: awselb/2.0``)."""
    line = status_line(status)
    page = (
        f"<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n"
        f"<center><h1>{line}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    return status, [("Server", "awselb/2.0"), ("Content-Type", "text/html")], page.encode()
