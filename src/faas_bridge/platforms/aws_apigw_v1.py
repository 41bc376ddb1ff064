"""AWS API Gateway REST API proxy events, and HTTP API events in payload 1.0.

Recognised by ``httpMethod`` + ``requestContext`` and either ``resource`` (REST)
or ``version: "1.0"`` (HTTP API); WebSocket events (``connectionId``) and ALB
events (``requestContext.elb``) are not these.

REST leaves ``path`` percent-encoded and without the stage; HTTP APIs decode it
and keep a named stage at its front. Payload 1.0 has no raw query string, so it
is rebuilt from the decoded multi-value parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import Request, Response
from . import _aws
from .base import Platform, clean_raw_path, decode_body, encode_path, header_pairs, server_address


class APIGatewayV1(Platform):
    name = "aws-apigw-v1"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        if not isinstance(event, Mapping) or "httpMethod" not in event:
            return False
        rc = event.get("requestContext")
        if not isinstance(rc, Mapping) or "elb" in rc or "connectionId" in rc:
            return False
        return "resource" in event or event.get("version") == "1.0"

    def decode(self, event: Any, context: Any) -> Request:
        rc = _aws.mapping_at(event, "requestContext")
        method = _aws.require_str(event, "httpMethod", "httpMethod")
        path = event.get("path") or "/"
        http_api = event.get("version") == "1.0"
        multi = event.get("multiValueHeaders")
        if multi is not None:
            headers = header_pairs(multi, "multiValueHeaders")
        else:
            headers = header_pairs(event.get("headers"), "headers")
        host = _aws.host_of(headers, rc)
        raw_path = encode_path(path) if http_api else clean_raw_path(path)
        root, raw_path = _aws.mount(
            raw_path, self.options, host, rc.get("stage"), stage_in_path=http_api
        )
        scheme, server = server_address(headers, host)
        identity = rc.get("identity")
        client = _aws.source_ip(identity.get("sourceIp")) if isinstance(identity, Mapping) else None
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=_aws.rebuild_query(
                event.get("multiValueQueryStringParameters"), event.get("queryStringParameters")
            ),
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=client,
            http_version=_aws.http_version(rc.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any) -> dict[str, Any]:
        multi = isinstance(event, Mapping) and "multiValueHeaders" in event
        return _aws.v1_reply(response, self.options, multi_value=multi)

    def request_id(self, event: Any, context: Any) -> str | None:
        return _aws.aws_request_id(event, context)
