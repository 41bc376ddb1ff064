"""Alibaba Cloud emulation: the FC 3.0 and FC 2.0 HTTP triggers and API Gateway."""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from faas_bridge.devtools.emulators.base import HttpCall, event_body, request_id


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """``{name: value}`` with a repeated name's values comma-joined, as FC does."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def build_event(
    call: HttpCall, *, host: str = "faas-bridge-abcdefghij.cn-hangzhou.fcapp.run"
) -> dict[str, Any]:
    """The event an FC 3.0 HTTP trigger builds for ``call`` (before JSON encoding).

    ``rawPath`` stays percent-encoded, ``requestContext.http.path`` is decoded;
    repeated headers and query values are comma-joined.
    """
    headers = _joined(
        [("host", host)] + [(k.lower(), v) for k, v in call.headers if k.lower() != "host"]
    )
    body, is_base64 = event_body(call)
    now = time.time()
    return {
        "version": "v1",
        "rawPath": call.path,
        "body": body or "",
        "isBase64Encoded": is_base64,
        "headers": headers,
        "queryParameters": _joined(parse_qsl(call.query, keep_blank_values=True)),
        "requestContext": {
            "accountId": "1234567890123456",
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": call.method,
                "path": unquote(call.path),
                "protocol": "HTTP/1.1",
                "sourceIp": call.client_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": "1-" + request_id(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "timeEpoch": str(int(now * 1000)),
        },
    }


def build_apigw_event(
    call: HttpCall,
    *,
    host: str = "abcdef0123456789-cn-hangzhou.alicloudapi.com",
    path_parameters: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The event Alibaba API Gateway sends a function for ``call``.

    Query values are URL-decoded and a repeated key keeps its first value;
    repeated headers are comma-joined (GUESS: not documented).
    """
    pairs = [("Host", host)] + [(k, v) for k, v in call.headers if k.lower() != "host"]
    query: dict[str, str] = {}
    for name, value in parse_qsl(call.query, keep_blank_values=True):
        query.setdefault(name, value)
    body, is_base64 = event_body(call)
    return {
        "path": call.path,
        "httpMethod": call.method,
        "headers": _joined(pairs),
        "queryParameters": query,
        "pathParameters": dict(path_parameters or {}),
        "body": body or "",
        "isBase64Encoded": is_base64,
    }


def build_fc2_environ(
    call: HttpCall,
    *,
    host: str = "1234567890123456.cn-hangzhou.fc.aliyuncs.com",
    prefix: str = "/2016-08-15/proxy/faas-bridge/web",
    context: Any = None,
) -> dict[str, Any]:
    """The environ FC 2.0's Python runtime passes to ``handler(environ, start_response)``.

    Mirrors the runtime's ``get_environ``: ``fc.request_uri`` is the target
    as sent (with the default URL's ``prefix``), ``PATH_INFO`` the path below
    it (GUESS: decoded, as text), repeated headers comma-joined, the query cut
    from the URI. The process environment the runtime merges in is left out.
    """
    headers: dict[str, str] = {}
    for name, value in [("Host", host), *call.headers]:
        key = "HTTP_" + name.upper().replace("-", "_")
        if key == "HTTP_HOST" and key in headers:
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    content_type = headers.pop("HTTP_CONTENT_TYPE", None)
    environ: dict[str, Any] = {
        "CONTENT_LENGTH": str(len(call.body)),
        "HTTP": "on",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "FCRUNTIME",
        "SERVER_PORT": "9000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "FCRUNTIME/1.0",
        "CONTENT_TYPE": content_type or "application/octet-stream",
        "QUERY_STRING": call.query,
        "wsgi.version": (1, 0),
        "wsgi.input": io.BytesIO(call.body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "PATH_INFO": unquote(call.path),
        "REQUEST_METHOD": call.method,
        "fc.request_uri": prefix + quote(call.target, safe="/%?&=!$'()*+,;:@-._~"),
        "REMOTE_ADDR": call.client_ip,
        "HTTP_X_FC_FUNCTION_HANDLER": "index.handler",
        "fc.context": context,
    }
    environ.update(headers)
    return environ
