"""Raw WSGI and ASGI hello apps: no framework, so adapter overhead shows in full."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from . import BINARY, HELLO

_TEXT = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(HELLO)))]
_BINARY = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BINARY)))]
_COOKIES = [
    *_TEXT,
    ("Set-Cookie", "session=abc123; Path=/; HttpOnly"),
    ("Set-Cookie", "theme=dark"),
]


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read()
        reply = json.dumps({"received": len(body)}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [reply]
    if path == "/binary":
        start_response("200 OK", _BINARY)
        return [BINARY]
    start_response("200 OK", _COOKIES if path == "/cookies" else _TEXT)
    return [HELLO]


def _encode(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


_A_TEXT, _A_BINARY, _A_COOKIES = _encode(_TEXT), _encode(_BINARY), _encode(_COOKIES)
_A_JSON = _encode([("Content-Type", "application/json")])

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def asgi_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    path = scope["path"]
    if scope["method"] == "POST":
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        reply = json.dumps({"received": len(body)}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": _A_JSON})
        await send({"type": "http.response.body", "body": reply})
        return
    if path == "/binary":
        headers, body = _A_BINARY, BINARY
    else:
        headers, body = (_A_COOKIES if path == "/cookies" else _A_TEXT), HELLO
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
