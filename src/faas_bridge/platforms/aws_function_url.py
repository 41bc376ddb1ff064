"""AWS Lambda Function URL events: payload 2.0 from a ``*.lambda-url.*`` host.

The format is API Gateway's payload 2.0, with two differences that matter:
``rawPath`` stays percent-encoded, and there is no stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.http import Response
from faas_bridge.platforms import aws_apigw_v2
from faas_bridge.platforms.aws_apigw_v2 import APIGatewayV2
from faas_bridge.platforms.base import apply_base_path, clean_raw_path, str_at


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
