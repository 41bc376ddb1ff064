"""AWS API Gateway HTTP API events, payload format 2.0.

Recognised by ``version: "2.0"`` with ``rawPath``. HTTP APIs hand over
``rawPath`` already percent-decoded, with a named stage at its front;
``rawQueryString`` is verbatim. Cookies come apart in ``cookies`` and go back
the same way; every reply carries an explicit ``statusCode`` so API Gateway
never falls back to guessing the reply format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import Request, Response
from . import _aws
from .base import (
    Platform,
    clean_query,
    decode_body,
    encode_body,
    encode_path,
    group_headers,
    header_pairs,
    server_address,
)


class APIGatewayV2(Platform):
    name = "aws-apigw-v2"

    __slots__ = ()

    def matches(self, event: Any) -> bool:
        return (
            isinstance(event, Mapping)
            and event.get("version") == "2.0"
            and "rawPath" in event
            and isinstance(event.get("requestContext"), Mapping)
        )

    def raw_path(self, event: Mapping[str, Any], rc: Mapping[str, Any], host: str | None) -> tuple[str, bytes]:
        """(root_path, raw_path): the stage or base path moved into the root."""
        raw = encode_path(event.get("rawPath") or "/")
        return _aws.mount(raw, self.options, host, rc.get("stage"), stage_in_path=True)

    def decode(self, event: Any, context: Any) -> Request:
        rc = _aws.mapping_at(event, "requestContext")
        http = _aws.mapping_at(rc, "http")
        method = _aws.require_str(http, "method", "requestContext.http.method")
        headers = header_pairs(event.get("headers"), "headers")
        cookies = event.get("cookies")
        if cookies:
            # One Cookie header, as a browser sends it; Function URLs also copy
            # it into headers, which must not count twice.
            headers = [pair for pair in headers if pair[0] != b"cookie"]
            joined = "; ".join(str(c) for c in cookies if c is not None)
            headers.append((b"cookie", joined.encode("utf-8")))
        host = _aws.host_of(headers, rc)
        root, raw_path = self.raw_path(event, rc, host)
        scheme, server = server_address(headers, host)
        query = event.get("rawQueryString")
        return Request(
            method=method.upper(),
            raw_path=raw_path,
            root_path=root,
            query_string=clean_query(query) if isinstance(query, str) else b"",
            headers=headers,
            body=decode_body(event.get("body"), event.get("isBase64Encoded")),
            scheme=scheme,
            server=server,
            client=_aws.source_ip(http.get("sourceIp")),
            http_version=_aws.http_version(http.get("protocol")),
            event=event,
            context=context,
            platform=self.name,
        )

    def encode(self, response: Response, event: Any) -> dict[str, Any]:
        body, is_base64 = encode_body(response, self.options)
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, values in group_headers(response.headers).items():
            if name.lower() == "set-cookie":
                cookies.extend(values)
            else:
                headers[name] = ", ".join(values)
        reply: dict[str, Any] = {"statusCode": response.status, "headers": headers}
        if cookies:
            reply["cookies"] = cookies
        reply["body"] = body
        reply["isBase64Encoded"] = is_base64
        return reply

    def request_id(self, event: Any, context: Any) -> str | None:
        return _aws.aws_request_id(event, context)
