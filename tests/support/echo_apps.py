"""Echo apps for tests: each answers with exactly what it saw of the request.

The same apps run behind faas_bridge and behind real servers (gunicorn,
uvicorn) so the two views can be compared field by field.

Request headers steer the reply:
``x-reply-status``   the status to answer with (204 and 304 send no body);
``x-reply-binary``   answer with the request body as application/octet-stream;
otherwise the reply is JSON, with two Set-Cookie headers and a repeated
``X-Repeat`` header.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import Flask, Response, request
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.responses import Response as StarletteResponse


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def read_body(receive: Any) -> bytes:
    """The whole request body, however many ``http.request`` messages carry it."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


# -- WSGI: raw environ ---------------------------------------------------------


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A bare WSGI echo: the environ keys a server fills, as received."""
    body = environ["wsgi.input"].read()
    seen = {
        "method": environ["REQUEST_METHOD"],
        "script_name": environ.get("SCRIPT_NAME", ""),
        "path_info": environ.get("PATH_INFO", ""),
        "query_string": environ.get("QUERY_STRING", ""),
        "raw_uri": environ.get("RAW_URI"),
        "content_type": environ.get("CONTENT_TYPE"),
        "content_length": environ.get("CONTENT_LENGTH"),
        "headers": sorted((k, v) for k, v in environ.items() if k.startswith("HTTP_")),
        "scheme": environ["wsgi.url_scheme"],
        "remote_addr": environ.get("REMOTE_ADDR"),
        "body": b64(body),
    }
    return _wsgi_reply(environ, seen, body, start_response)


def _wsgi_reply(
    environ: dict[str, Any], seen: dict[str, Any], body: bytes, start_response: Any
) -> list[bytes]:
    status = int(environ.get("HTTP_X_REPLY_STATUS", "200"))
    if environ.get("HTTP_X_REPLY_BINARY"):
        start_response(f"{status} X", [("Content-Type", "application/octet-stream")])
        return [body]
    payload = json.dumps(seen).encode("utf-8")
    headers = [
        ("Content-Type", "application/json"),
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2; Path=/; HttpOnly"),
        ("X-Repeat", "one"),
        ("X-Repeat", "two"),
    ]
    start_response(f"{status} X", headers)
    return [] if status in (204, 304) else [payload]


# -- Flask -----------------------------------------------------------------------

flask_app = Flask("echo")


@flask_app.route(
    "/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
)
@flask_app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
def flask_echo(rest: str) -> Response:
    body = request.get_data()
    status = int(request.headers.get("x-reply-status", "200"))
    if request.headers.get("x-reply-binary"):
        return Response(body, status=status, mimetype="application/octet-stream")
    seen = {
        "method": request.method,
        "path": request.path,
        "script_root": request.script_root,
        "route_rest": rest,
        "raw_uri": request.environ.get("RAW_URI"),
        "query_string": request.query_string.decode("latin-1"),
        "args": sorted((k, v) for k, vs in request.args.lists() for v in vs),
        "headers": sorted((k.lower(), v) for k, v in request.headers.items()),
        "cookies": sorted(request.cookies.items()),
        "body": b64(body),
        "scheme": request.scheme,
        "host": request.host,
        "url": request.url,
        "remote_addr": request.remote_addr,
        "content_length": request.content_length,
    }
    reply = Response(json.dumps(seen), status=status, mimetype="application/json")
    reply.set_cookie("a", "1")
    reply.set_cookie("b", "2", httponly=True)
    reply.headers.add("X-Repeat", "one")
    reply.headers.add("X-Repeat", "two")
    if status in (204, 304):
        reply.set_data(b"")
    return reply


# -- ASGI: raw scope and Starlette -------------------------------------------------


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A bare ASGI echo: the scope keys a server fills, as received."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = await read_body(receive)
    request = StarletteRequest(scope)
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1") if scope.get("raw_path") else None,
        "root_path": scope.get("root_path", ""),
        "query_string": scope["query_string"].decode("latin-1"),
        "headers": sorted((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
        "cookies": sorted(request.cookies.items()),
        "scheme": scope["scheme"],
        "client_host": scope["client"][0] if scope.get("client") else None,
        "http_version": scope["http_version"],
        "url": str(request.url),
        "body": b64(body),
    }
    headers = dict(scope["headers"])
    status = int(headers.get(b"x-reply-status", b"200"))
    if headers.get(b"x-reply-binary"):
        reply: StarletteResponse = StarletteResponse(
            body, status_code=status, media_type="application/octet-stream"
        )
    else:
        reply = JSONResponse(seen, status_code=status)
        reply.set_cookie("a", "1")
        reply.set_cookie("b", "2", httponly=True)
        reply.raw_headers += [(b"x-repeat", b"one"), (b"x-repeat", b"two")]
        if status in (204, 304):
            reply.body = b""
            reply.raw_headers = [h for h in reply.raw_headers if h[0] != b"content-length"]
    await reply(scope, receive, send)
