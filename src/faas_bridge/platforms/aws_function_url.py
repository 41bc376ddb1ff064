"""AWS Lambda Function URL events: payload 2.0 from a ``*.lambda-url.*`` host.

The format is API Gateway's payload 2.0, with two differences that matter:
``rawPath`` stays percent-encoded, and there is no stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.http import Response
from faas_bridge.platforms import aws_apigw_v2
from faas_bridge.platforms.aws_apigw_v2 import APIGatewayV2, _v2_event
from faas_bridge.platforms.base import HttpCall, apply_base_path, clean_raw_path, str_at


class FunctionURL(APIGatewayV2):
    name = "aws-function-url"
    function_url = True

    __slots__ = ()

    def mount(
        self, event: Mapping[str, Any], rc: Mapping[str, Any], host: str | None
    ) -> tuple[str, bytes]:
        path = clean_raw_path(str_at(event, "rawPath", "rawPath", "/"), "rawPath")
        return apply_base_path(path, self.options)

    def stream_head(self, response: Response) -> tuple[int, dict[str, str], list[str]]:
        """The prelude of a streamed reply (the ``RESPONSE_STREAM`` invoke mode).

        Lambda reads the status, headers and cookies from the JSON before the
        eight NUL bytes, with the buffered reply's rules; the body follows raw,
        never base64.
        """
        return aws_apigw_v2.reply_head(response)


def build_event(
    call: HttpCall, *, host: str = "abcdefghij1234567890.lambda-url.us-east-1.on.aws"
) -> dict[str, Any]:
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
