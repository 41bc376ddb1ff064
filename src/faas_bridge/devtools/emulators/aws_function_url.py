"""Lambda Function URL emulation: payload 2.0 on a ``*.lambda-url.*`` host."""

from __future__ import annotations

from typing import Any

from faas_bridge.devtools.emulators import aws_apigw_v2
from faas_bridge.devtools.emulators.aws_apigw_v2 import _v2_event
from faas_bridge.devtools.emulators.base import Emulator, HttpCall, HttpReply, declare

#: A Function URL's host: the adapter knows its events by it.
HOST = "abcdefghij1234567890.lambda-url.us-east-1.on.aws"


def build_event(call: HttpCall, *, host: str = HOST) -> dict[str, Any]:
    """The event a Function URL sends for ``call``.

    As an HTTP API's payload 2.0, but ``rawPath`` stays percent-encoded and the
    Cookie header is kept beside ``cookies`` (as real captures show).
    """
    event = _v2_event(call, call.path, "$default", host, cookie_header=True)
    event["requestContext"]["accountId"] = "anonymous"
    return event


# -- The local gateway (`faas-bridge serve`): what a Function URL does around the function --

#: Lambda's synchronous invocation limits, in bytes of event and reply JSON.
REQUEST_LIMIT = aws_apigw_v2.REQUEST_LIMIT
REPLY_LIMIT = aws_apigw_v2.REPLY_LIMIT


def http_reply(reply: Any, event: Any = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP response a Function URL makes of the reply: payload 2.0's rules."""
    return aws_apigw_v2.http_reply(reply, event)


def error_reply(status: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """The Function URL's own error reply (texts not documented: approximations)."""
    return aws_apigw_v2.json_error(status, {502: "Internal Server Error"})


# -- The emulator ---------------------------------------------------------------------------


class FunctionUrl(Emulator):
    """A Lambda Function URL (buffered invoke mode)."""

    name = "aws-function-url"
    adapter = "aws_function_url:FunctionURL"
    description = "AWS Lambda Function URL events: payload 2.0 from a *.lambda-url.* host"
    settings_declared = declare(host=HOST)
    request_limit = REQUEST_LIMIT
    reply_limit = REPLY_LIMIT
    local_host = False
    streams = True
    PASSAGE = aws_apigw_v2.PAYLOAD_V2_PASSAGE

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(call, host=host or self.values["host"])

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)

    def error_reply(self, status: int) -> HttpReply:
        return error_reply(status)
