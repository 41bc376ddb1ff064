"""Application Load Balancer emulation: its Lambda target events, replies and limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    lower_header_lines,
    reply_body,
    reply_headers,
    reply_status,
)
from faas_bridge.platforms import _aws
from faas_bridge.platforms.aws_alb import ALB
from faas_bridge.platforms.base import (
    status_line,
)

#: What ALB sends as text; every other body (and any with Content-Encoding) is base64.
_ALB_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


#: The load balancer's DNS name.
HOST = "my-alb-1234567890.us-east-1.elb.amazonaws.com"


def build_event(
    call: HttpCall,
    *,
    multi_value: bool = False,
    host: str = HOST,
) -> dict[str, Any]:
    """The event an ALB sends for ``call``, in single- or multi-value mode.

    Path and query values are passed through undecoded. In single-value mode
    the last value of a repeated header or query key wins.
    """
    headers = lower_header_lines(call, host, separator=", ")
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
REQUEST_LIMIT = _aws.LAMBDA_REQUEST_LIMIT
#: The load balancer's own limits (the adapter enforces them too): request
#: body bytes and reply JSON bytes.
BODY_LIMIT = ALB.request_limit
REPLY_LIMIT = ALB.reply_limit
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
    status = reply_status(reply)
    multi = isinstance(event, Mapping) and event.get("multiValueHeaders") is not None
    field = "multiValueHeaders" if multi else "headers"
    headers = reply_headers(reply.get(field), field)
    return status, headers, reply_body(reply)


def error_reply(status: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """The load balancer's own HTML error page (``Server: awselb/2.0``)."""
    line = status_line(status)
    page = (
        f"<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n"
        f"<center><h1>{line}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    return status, [("Server", "awselb/2.0"), ("Content-Type", "text/html")], page.encode()


# -- The emulator ---------------------------------------------------------------------------


class LoadBalancer(Emulator):
    """An Application Load Balancer with a Lambda target group."""

    name = "aws-alb"
    adapter = "aws_alb:ALB"
    description = "AWS Application Load Balancer events (Lambda targets)"
    settings_declared = declare(multi_value=False, host=HOST)
    request_limit = REQUEST_LIMIT
    body_limit = BODY_LIMIT
    reply_limit = REPLY_LIMIT
    reject_upgrade = REJECT_UPGRADE
    PASSAGE = Passage(repeated_headers="last", repeated_query="last", reply_cookies="one")

    def passage(self) -> Passage:
        if not self.values["multi_value"]:
            return self.PASSAGE
        return Passage()

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(
            call, multi_value=bool(self.values["multi_value"]), host=host or self.values["host"]
        )

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)

    def error_reply(self, status: int) -> HttpReply:
        return error_reply(status)
