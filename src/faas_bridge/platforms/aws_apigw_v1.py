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
    LaneBuild,
    Platform,
    T,
    address_from,
    clean_raw_path,
    decode_body,
    encode_path,
    header_pairs,
    http_version,
    is_mapping,
    lane_path,
    mapping_at,
    rebuild_query,
    require_str,
    server_address,
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
        multi = event.get("multiValueHeaders")
        if multi is not None:
            headers = header_pairs(multi, "multiValueHeaders")
        else:
            headers = header_pairs(event.get("headers"), "headers")
        host = _aws.host_of(headers, rc)
        root, raw_path = self._mount(event, rc, host)
        scheme, server = server_address(headers, host)
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=rebuild_query(
                event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
            ),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=_client(rc),
            http_version=http_version(rc.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
        )

    def _mount(
        self, event: Mapping[str, Any], rc: Mapping[str, Any], host: str | None
    ) -> tuple[str, bytes]:
        """(root_path, raw_path): a REST API's path is percent-encoded, HTTP API 1.0's not."""
        path = str_at(event, "path", "path", "/")
        http_api = event.get("version") == "1.0"
        raw_path = encode_path(path) if http_api else clean_raw_path(path)
        return _aws.mount(raw_path, self.options, host, rc.get("stage"), stage_in_path=http_api)

    def lane(self, event: Any, context: Any, build: LaneBuild[T]) -> T | None:
        read = _aws.lane_start(event)
        if read is None:
            return None
        method, names, values, last = read
        rc = event["requestContext"]
        host = _aws.or_domain(last.get("host"), rc)
        path = lane_path(event.get("path"))  # plain: the same whether REST encoded it or not
        body = decode_body(event.get("body"), event.get("isBase64Encoded"))
        if path is None or len(body) > _aws.LAMBDA_REQUEST_LIMIT:
            return None
        http_api = event.get("version") == "1.0"
        root, raw_path = _aws.mount(
            path, self.options, host, rc.get("stage"), stage_in_path=http_api
        )
        if not root.isascii():
            return None
        query = rebuild_query(
            event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
        )
        scheme, server = address_from(last, host)
        return build(
            method,
            root,
            raw_path,
            query.decode("ascii"),
            names,
            values,
            body,
            scheme,
            server,
            _client(rc),
            http_version(rc.get("protocol")),
            event,
            context,
            self.name,
        )

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
