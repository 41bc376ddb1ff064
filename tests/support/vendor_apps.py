"""The CLI apps, and with ``X-Digest: 1`` what the app read of a body, in a few bytes.

A body at a vendor's limit is checked by its SHA-256 and length (text/plain),
so the reply stays far below every vendor's reply limit; a header rather than
a path asks for it, as a Yandex direct call loses the path. Every other
request goes to ``cli_apps`` unchanged.
"""

from __future__ import annotations

import hashlib
from typing import Any

from support import cli_apps, echo_apps


def digest(body: bytes) -> bytes:
    return f"{hashlib.sha256(body).hexdigest()} {len(body)}".encode()


def flask_app(environ: dict[str, Any], start_response: Any) -> Any:
    if environ.get("HTTP_X_DIGEST"):
        reply = digest(environ["wsgi.input"].read())
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [reply]
    return cli_apps.flask_app(environ, start_response)


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and (b"x-digest", b"1") in scope["headers"]:
        reply = digest(await echo_apps.read_body(receive))
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": reply})
        return
    await cli_apps.asgi_app(scope, receive, send)
