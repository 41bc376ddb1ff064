"""Huawei FunctionGraph emulation: the event APIG sends a function."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from faas_bridge import b64
from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    Passage,
    declare,
    request_id,
)
from faas_bridge.platforms.huawei import FunctionGraphAPIG

#: An API group's domain name.
HOST = "0123456789abcdef0123456789abcdef.apig.cn-north-4.huaweicloudapis.com"


def build_event(
    call: HttpCall,
    *,
    host: str = HOST,
    stage: str = "RELEASE",
) -> dict[str, Any]:
    """The event APIG sends FunctionGraph for ``call``.

    The body is always base64-encoded (APIG's default); header names are
    lower-case with repeats comma-joined; query values are decoded, one per key
    (the last; which one APIG keeps is not documented); APIG sets
    ``x-forwarded-*`` and ``x-real-ip``.
    """
    headers: dict[str, str] = {}
    for name, value in call.headers:
        key = name.lower()
        if key in ("host", "x-real-ip", "x-forwarded-port", "x-forwarded-proto"):
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip
    headers.update(
        {
            "host": host,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "x-real-ip": call.client_ip,
        }
    )
    return {
        "body": b64.encode(call.body),
        "requestContext": {
            "apiId": "bc1dcffd-aa35-474d-897c-d53425a4c08e",
            "requestId": request_id().replace("-", ""),
            "stage": stage,
        },
        "queryStringParameters": dict(parse_qsl(call.query, keep_blank_values=True)),
        "httpMethod": call.method,
        "pathParameters": {},
        "headers": headers,
        "path": call.path,
        "isBase64Encoded": True,
    }


# -- The emulator ---------------------------------------------------------------------------


class FunctionGraphApig(Emulator):
    """Huawei APIG (also Open Telekom Cloud's) with a FunctionGraph backend."""

    name = "huawei-fg-apig"
    adapter = "huawei:FunctionGraphAPIG"
    description = "Huawei Cloud (and Open Telekom Cloud) FunctionGraph behind APIG"
    settings_declared = declare(host=HOST, stage="RELEASE")
    body_limit = FunctionGraphAPIG.request_limit
    url_layout = "/ (the API group's domain)"
    PASSAGE = Passage(
        repeated_headers="joined", repeated_query="last", query="re-encoded", reply_cookies="one"
    )

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(call, host=host or self.values["host"], stage=self.values["stage"])
