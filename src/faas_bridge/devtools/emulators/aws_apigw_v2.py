"""API Gateway HTTP API emulation, payload 2.0: events, replies, errors, limits.

The reply helpers (``reply_status``, ``reply_headers``, ``reply_body``) are
shared by the other AWS emulators, whose replies have the same fields."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    event_body,
    reply_body,
    reply_headers,
    reply_status,
    request_id,
)
from faas_bridge.platforms import _aws
from faas_bridge.platforms.base import (
    status_line,
)

#: The API's own host, on which a stage leads every path but $default's.
HOST = "abcdef1234.execute-api.us-east-1.amazonaws.com"


def build_event(
    call: HttpCall,
    *,
    stage: str = "$default",
    host: str = HOST,
) -> dict[str, Any]:
    """The payload 2.0 event an HTTP API sends for ``call``.

    ``rawPath`` is the percent-decoded path, a named stage kept at its front;
    ``rawQueryString`` is verbatim; Cookie headers become ``cookies``; other
    repeated headers are joined with commas.
    """
    return _v2_event(call, unquote(call.path), stage, host, cookie_header=False)


def _v2_event(
    call: HttpCall, raw_path: str, stage: str, host: str, *, cookie_header: bool
) -> dict[str, Any]:
    headers: dict[str, str] = {"host": host}
    cookies: list[str] = []
    for name, value in call.headers:
        key = name.lower()
        if key == "host":
            continue
        if key == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            if not cookie_header:
                continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip
    headers.setdefault("x-forwarded-port", "443")
    headers.setdefault("x-forwarded-proto", "https")
    params: dict[str, str] = {}
    for name, value in parse_qsl(call.query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    body, is_base64 = event_body(call)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": call.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if params:
        event["queryStringParameters"] = params
    event["requestContext"] = {
        "accountId": "123456789012",
        "apiId": host.split(".", 1)[0],
        "domainName": host,
        "domainPrefix": host.split(".", 1)[0],
        "http": {
            "method": call.method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": call.client_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id(),
        "routeKey": "$default",
        "stage": stage,
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "timeEpoch": int(now * 1000),
    }
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


# -- The local gateway (`faas-bridge serve`): what API Gateway does around the function --

#: Lambda's synchronous invocation limits, in bytes of event and reply JSON.
REQUEST_LIMIT = _aws.LAMBDA_REQUEST_LIMIT
REPLY_LIMIT = _aws.LAMBDA_REPLY_LIMIT
#: API Gateway's own payload quota (10 MB), checked before the event is built.
BODY_LIMIT = 10_485_760
#: The ``message`` of API Gateway's own error replies. 500/502 are documented
#: ("Internal Server Error" for HTTP APIs); the other texts are approximations.
_HTTP_API_MESSAGES = {
    404: "Not Found",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    502: "Internal Server Error",
}


def url_prefix(stage: str = "$default") -> str:
    """The URL prefix a stage adds: a named stage leads the path, ``$default`` never does."""
    return "" if stage == "$default" else "/" + stage


def error_reply(status: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """API Gateway's own JSON error reply (413 too large, 502 unusable reply...)."""
    return json_error(status, _HTTP_API_MESSAGES)


def json_error(
    status: int, messages: Mapping[int, str]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """``{"message": ...}`` as API Gateway answers errors it raises itself."""
    message = messages.get(status) or status_line(status).partition(" ")[2]
    body = json.dumps({"message": message}).encode("utf-8")
    return status, [("Content-Type", "application/json")], body


def http_reply(reply: Any, event: Any = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP response an HTTP API makes of a payload 2.0 reply (Function URLs too).

    A reply without ``statusCode`` is response inference: any JSON value becomes
    the body of a 200 ``application/json`` response (a string as itself).
    ``headers`` carry one value per name, ``cookies`` one Set-Cookie each, and a
    base64 body is decoded. ValueError: a reply API Gateway cannot use (it
    answers 502).
    """
    if not isinstance(reply, Mapping) or "statusCode" not in reply:
        text = reply if isinstance(reply, str) else json.dumps(reply)
        return 200, [("Content-Type", "application/json")], text.encode("utf-8")
    status = reply_status(reply)
    headers = reply_headers(reply.get("headers"), "headers")
    cookies = reply.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
            raise ValueError("'cookies' must be a list of strings")
        headers += [("Set-Cookie", cookie) for cookie in cookies]
    return status, headers, reply_body(reply)


# -- The emulator ---------------------------------------------------------------------------

#: What an HTTP API (payload 2.0) and a Function URL do to a request and its reply.
PAYLOAD_V2_PASSAGE = Passage(repeated_headers="joined")


class HttpApiV2(Emulator):
    """An HTTP API with a Lambda integration, payload format 2.0."""

    name = "aws-apigw-v2"
    adapter = "aws_apigw_v2:APIGatewayV2"
    description = "AWS API Gateway HTTP API events, payload format 2.0"
    settings_declared = declare(stage="$default", host=HOST)
    request_limit = REQUEST_LIMIT
    body_limit = BODY_LIMIT
    reply_limit = REPLY_LIMIT
    url_layout = "/ on $default, /STAGE/... on a named stage"
    PASSAGE = PAYLOAD_V2_PASSAGE

    def url_prefix(self) -> str:
        return url_prefix(self.values["stage"])

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(call, stage=self.values["stage"], host=host or self.values["host"])

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)

    def error_reply(self, status: int) -> HttpReply:
        return error_reply(status)
