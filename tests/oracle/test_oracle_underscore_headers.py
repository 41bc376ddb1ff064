"""gunicorn as the oracle for header names holding ``_`` (issue 18, finding 2).

gunicorn's ``header_map`` setting (default ``drop``) leaves such names out of the
environ: otherwise ``X_Forwarded_Proto`` would land on the key of
``X-Forwarded-Proto``. The same request, sent to gunicorn and delivered to
faas_bridge by API Gateway and ALB, must give the app the same header keys.
"""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

import faas_bridge
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v2
from faas_bridge.devtools.emulators.base import HttpCall
from support import echo_apps

HEADERS = [
    ("Content-Type", "text/plain"),
    ("X-Custom", "real"),
    ("X_Custom", "forged-custom"),
    ("X-Forwarded_For", "6.6.6.6"),
    ("X_Forwarded_Proto", "forged-proto"),
    ("Content_Type", "forged/type"),
    ("X_Only_Underscores", "forged-only"),
]
#: Header keys the vendor adds or a server sets itself: not what is compared.
VENDOR_KEYS = {
    "HTTP_HOST",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_AMZN_TRACE_ID",
    "HTTP_USER_AGENT",
}


def view(echo: dict[str, Any]) -> dict[str, Any]:
    """The environ's headers as the echo app saw them, minus what the vendor adds."""
    headers = {k: v for k, v in echo["headers"] if k not in VENDOR_KEYS}
    return {"headers": headers, "content_type": echo["content_type"]}


def gunicorn_echo(port: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("POST", "/echo", skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", "localhost")
        for name, value in HEADERS:
            conn.putheader(name, value)
        conn.endheaders(b"hello")
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body
        echo: dict[str, Any] = json.loads(body)
        return echo
    finally:
        conn.close()


@pytest.mark.parametrize(
    "build",
    [aws_apigw_v2.build_event, lambda c: aws_alb.build_event(c, multi_value=True)],
    ids=["aws-apigw-v2", "aws-alb-multi-value"],
)
def test_underscore_names_are_dropped_as_gunicorn_drops_them(
    real_servers: dict[tuple[str, str], Any], build: Any
) -> None:
    real = view(gunicorn_echo(real_servers[("wsgi_app", "")].port))
    # What gunicorn gives is what the finding asks for: the dashed names only.
    assert real == {"headers": {"HTTP_X_CUSTOM": "real"}, "content_type": "text/plain"}
    handler = faas_bridge.wrap(echo_apps.wsgi_app)
    try:
        reply = handler(build(HttpCall("POST", "/echo", HEADERS, b"hello")), None)
    finally:
        handler.shutdown()
    assert reply["statusCode"] == 200
    assert view(json.loads(reply["body"])) == real
