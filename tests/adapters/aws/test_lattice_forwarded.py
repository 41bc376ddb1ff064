"""VPC Lattice: the scheme and port come from the headers Lattice adds, never the client's.

Lattice's docs ("HTTP targets in VPC Lattice") list the x-forwarded headers
it adds: ``x-forwarded-for`` (the source address), ``x-forwarded-for-port``
(the destination port) and ``x-forwarded-for-proto`` (the connection's
protocol, http or https). ``X-Forwarded-Proto`` and ``X-Forwarded-Port`` are
not among them, so in an event they are whatever the client sent (issue 18,
finding 7: they used to win). Events are built with the module's own
builder, V1 and V2, with the headers of each case added as a client or
Lattice would.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.aws_lattice import build_event
from faas_bridge.devtools.emulators.base import HttpCall
from support.vendor_replies import http_response

HOST = "svc-0123456789abcdef0.7d67968.vpc-lattice-svcs.us-east-1.on.aws"


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    seen = {
        "scheme": environ["wsgi.url_scheme"],
        "server": [environ["SERVER_NAME"], environ["SERVER_PORT"]],
        "client_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    seen = {"scheme": scope["scheme"], "server": [scope["server"][0], str(scope["server"][1])]}
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def lattice_event(version: int, client: dict[str, str], lattice: dict[str, str]) -> Any:
    """The event for a request whose client sent ``client`` headers; Lattice adds ``lattice``."""
    event = build_event(
        HttpCall(target="/x", headers=list(client.items())), version=version, host=HOST
    )
    headers = event["headers"]
    for name in ("x-forwarded-for-proto", "x-forwarded-for-port"):
        headers.pop(name)
    for name, value in lattice.items():
        headers[name] = [value] if version == 2 else value
    return event


CASES = [
    # client-sent headers, Lattice's headers, the scheme and port the app must see
    ({"X-Forwarded-Proto": "http", "X-Forwarded-Port": "8080"}, {}, "https", "443"),
    (
        {"X-Forwarded-Proto": "http", "X-Forwarded-Port": "8080"},
        {"x-forwarded-for-proto": "https", "x-forwarded-for-port": "443"},
        "https",
        "443",
    ),
    (
        {"X-Forwarded-Proto": "https", "X-Forwarded-Port": "443"},
        {"x-forwarded-for-proto": "http", "x-forwarded-for-port": "80"},
        "http",
        "80",
    ),
    ({}, {"x-forwarded-for-proto": "http", "x-forwarded-for-port": "8080"}, "http", "8080"),
    ({}, {}, "https", "443"),
]


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(("client", "lattice", "scheme", "port"), CASES)
def test_scheme_and_port_are_lattices(
    version: int, client: dict[str, str], lattice: dict[str, str], scheme: str, port: str
) -> None:
    for app in (wsgi_app, asgi_app):
        handler = wrap(app, lifespan="off")
        try:
            reply = handler(lattice_event(version, client, lattice), None)
        finally:
            handler.shutdown()
        status, _, body = http_response("aws-lattice", reply)
        assert status == 200, body
        seen = json.loads(body)
        assert (seen["scheme"], seen["server"]) == (scheme, [HOST, port]), app
        if app is wsgi_app:  # the client's header still reaches the app, as any header
            assert seen["client_proto"] == client.get("X-Forwarded-Proto")


def test_the_builder_writes_the_headers_lattice_documents() -> None:
    for version in (1, 2):
        headers = build_event(HttpCall(), version=version)["headers"]
        assert "x-forwarded-for-proto" in headers and "x-forwarded-for-port" in headers
        assert "x-forwarded-proto" not in headers and "x-forwarded-port" not in headers
