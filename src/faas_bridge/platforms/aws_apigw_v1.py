"""AWS API Gateway REST API proxy events, and HTTP API events in payload 1.0.

Recognised by ``requestContext`` and either ``resource`` (REST) or
``version: "1.0"`` (HTTP API); WebSocket events (``connectionId``) and ALB
events (``requestContext.elb``) are not these.

REST leaves ``path`` percent-encoded and without the stage; HTTP APIs decode it
and keep a named stage at its front. Payload 1.0 has no raw query string, so it
is rebuilt from the decoded multi-value parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.http import Request, Response
from faas_bridge.platforms import _aws, _markers, aws_apigw_v2
from faas_bridge.platforms.base import (
    Platform,
    address_from,
    clean_raw_path,
    decode_body,
    encode_path,
    http_version,
    is_mapping,
    mapping_at,
    rebuild_query,
    require_str,
    source_ip,
    str_at,
)


class APIGatewayV1(Platform):
    name = "aws-apigw-v1"
    request_limit = _aws.LAMBDA_REQUEST_LIMIT
    reply_limit = _aws.LAMBDA_REPLY_LIMIT
    #: A REST API's X-Forwarded-For ends "client, CloudFront edge" (edge-optimized).
    forwarded_window = 2

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        if not _markers.rest_api(event):
            return False
        # Only OpenWhisk and payload 2.0 rank above (_markers), and each needs one of these.
        if "__ow_method" not in event and "http" not in event and "rawPath" not in event:
            return True
        return not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext")
        method = require_str(event, "httpMethod", "httpMethod")
        read = _aws.read_v1_headers(event)
        host = _aws.or_domain(read.host, rc)
        root, raw_path = self._mount(event, rc, host)
        scheme, server = address_from(read.last, host)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=rebuild_query(
                event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
            ),
            headers=read.pairs,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=_client(rc),
            http_version=http_version(rc.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
            checked=read.checked,
        )

    def _mount(
        self, event: Mapping[str, Any], rc: Mapping[str, Any], host: str | None
    ) -> tuple[str, bytes]:
        """(root_path, raw_path): a REST API's path is percent-encoded, HTTP API 1.0's not."""
        path = str_at(event, "path", "path", "/")
        http_api = event.get("version") == "1.0"
        raw_path = encode_path(path) if http_api else clean_raw_path(path)
        return _aws.mount(raw_path, self.options, host, rc.get("stage"), stage_in_path=http_api)

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        multi = is_mapping(event) and "multiValueHeaders" in event
        return _aws.v1_reply(response, self.options, multi_value=multi)

    def stream_head(self, response: Response) -> tuple[int, dict[str, str], list[str]]:
        """The prelude of a streamed reply (REST APIs with response streaming).

        API Gateway reads ``statusCode``, ``headers`` and ``cookies`` there, as a
        Function URL does (``multiValueHeaders`` too, which this leaves out).
        """
        return aws_apigw_v2.reply_head(response)

    def request_id(self, event: Any, context: Any) -> str | None:
        return _aws.aws_request_id(event, context)


def _client(rc: Mapping[str, Any]) -> tuple[str, int] | None:
    identity = rc.get("identity")
    return source_ip(identity.get("sourceIp")) if is_mapping(identity) else None
