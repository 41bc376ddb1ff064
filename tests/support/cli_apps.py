"""Apps for the CLI and gateway tests: the echo apps, plus redirects, big replies, a lifespan.

``flask_app`` (WSGI) and ``asgi_app`` (ASGI) answer every request as the apps
of ``echo_apps`` do (the same code), and also:

``GET /redirect/relative``  302 to ``<mount>/target``, the Location without scheme and host;
``GET /redirect/absolute``  302 to the absolute URL of ``<mount>/target``, built from
                            the scheme and host the app sees;
``GET /big/<n>``            ``n`` bytes of ``application/octet-stream``.

``asgi_app`` also runs the ASGI lifespan: startup and shutdown each append a
line to the file named by ``CLI_APPS_LIFESPAN_LOG`` when it is set.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, redirect, url_for

from support import echo_apps

METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]


def big_body(size: int) -> bytes:
    """``size`` bytes cycling through every byte value (not text, not compressible)."""
    return (bytes(range(256)) * (size // 256 + 1))[:size]


# -- WSGI: Flask -------------------------------------------------------------------------

flask_app = Flask("cli_apps")


@flask_app.get("/redirect/relative")
def redirect_relative() -> Any:
    return redirect(url_for("target"))


@flask_app.get("/redirect/absolute")
def redirect_absolute() -> Any:
    return redirect(url_for("target", _external=True))


@flask_app.get("/target")
def target() -> str:
    return "target"


@flask_app.get("/big/<int:size>")
def big(size: int) -> Response:
    return Response(big_body(size), mimetype="application/octet-stream")


flask_app.add_url_rule("/", defaults={"rest": ""}, view_func=echo_apps.flask_echo, methods=METHODS)
flask_app.add_url_rule("/<path:rest>", view_func=echo_apps.flask_echo, methods=METHODS)


# -- ASGI ------------------------------------------------------------------------------------


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    root = scope.get("root_path", "")
    route = scope["path"][len(root) :] if scope["path"].startswith(root) else scope["path"]
    if route in ("/redirect/relative", "/redirect/absolute"):
        location = f"{root}/target"
        if route.endswith("absolute"):
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            location = f"{scope['scheme']}://{host}{location}"
        await _reply(send, 302, [(b"location", location.encode("latin-1"))], b"")
    elif route.startswith("/big/"):
        body = big_body(int(route[5:]))
        await _reply(send, 200, [(b"content-type", b"application/octet-stream")], body)
    else:
        await echo_apps.asgi_app(scope, receive, send)


async def _reply(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        phase = message["type"].rpartition(".")[2]
        log = os.environ.get("CLI_APPS_LIFESPAN_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(phase + "\n")
        await send({"type": f"lifespan.{phase}.complete"})
        if phase == "shutdown":
            return
