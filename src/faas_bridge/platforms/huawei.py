"""Huawei Cloud FunctionGraph behind APIG (API Gateway), and Open Telekom Cloud's.

Recognised by ``requestContext.apiId`` with ``requestContext.stage``, ``path``
and ``httpMethod``, and none of ``resource`` (AWS REST), ``multiValueHeaders``
(AWS, Yandex, Scaleway), ``stageVariable`` (Scaleway), ``requestContext.identity``
(AWS REST, Yandex) or Tencent's ``serviceId`` / ``envId``: the format has no
marker of its own, so it is told apart by what it lacks.

``path`` is the complete request path (the stage selects an environment and is
not part of the URL). Whether it is percent-encoded is not documented: it is
treated as encoded, which is right either way except for ``%2F`` and a literal
``%``. ``queryStringParameters`` holds decoded values, one per key (a list is
accepted too), so a repeated key loses values. The body arrives base64-encoded
by default (``isBase64Encoded: true``). The client is
``requestContext.sourceIp`` when the event has it (Huawei's Go runtime models
the field), else the ``x-real-ip`` header APIG sets (seen in every sample).
The reply is ``{body, headers, statusCode, isBase64Encoded}`` with one string
per header, so only the last Set-Cookie survives (logged once). APIG accepts
request bodies up to 4 MB.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faas_bridge.http import Request, Response
from faas_bridge.platforms import _gateways as gw
from faas_bridge.platforms import _markers
from faas_bridge.platforms.base import (
    Platform,
    mapping_at,
    query_from_params,
    read_headers,
    require_str,
    source_ip,
)


class FunctionGraphAPIG(Platform):
    name = "huawei-fg-apig"
    #: FunctionGraph's synchronous invocation limits ("valid payload size of
    #: invocation request / response body": 6 MB each), the reply counted as
    #: its JSON, as the service documents it.
    request_limit = reply_limit = 6_291_456

    __slots__ = ("_reply",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._reply = gw.SingleValueReply("Huawei FunctionGraph APIG")

    def matches(self, event: Any) -> bool:
        return _markers.huawei(event) and not _markers.outranked(event, self.name)

    def decode(self, event: Any, context: Any) -> Request:
        rc = mapping_at(event, "requestContext", "requestContext")
        method = require_str(event, "httpMethod", "httpMethod")
        headers = read_headers(event.get("headers"), "headers")
        client = source_ip(rc.get("sourceIp")) or source_ip(headers.last.get("x-real-ip"))
        return gw.gateway_request(
            self,
            event,
            context,
            method=method,
            query=query_from_params(event.get("queryStringParameters"), "queryStringParameters"),
            headers=headers,
            client=client,
        )

    def encode(self, response: Response, event: Any, context: Any) -> dict[str, Any]:
        return gw.reply(response, self.options, self._reply.headers(response))

    def request_id(self, event: Any, context: Any) -> str | None:
        getter = getattr(context, "getRequestID", None)
        if callable(getter):
            return str(getter())
        rid = gw.context_request_id(context)
        if rid:
            return rid
        rc = event.get("requestContext") if isinstance(event, Mapping) else None
        if isinstance(rc, Mapping) and rc.get("requestId"):
            return str(rc["requestId"])
        return None
