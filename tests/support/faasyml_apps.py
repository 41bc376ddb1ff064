"""Apps and callables for the faas.yml tests (triggers, commands, function sets).

``web_app`` and ``api_app`` (Flask) answer every path with JSON naming the app
and what it saw, so a test can tell which function served a request:

    {"app": "web", "method": ..., "path": ..., "trigger": <trigger_type(request)>,
     "headers": {x-faas-bridge-*, content-type, host}, "json": <the JSON body or null>}

``DELIVERED`` keeps what they saw. Paths below ``/jobs/fail`` answer 500;
below ``/jobs/picky`` 500 when the body holds ``"fail"``. ``web_app`` also has
Flask CLI commands: ``greet NAME [--loud]``, ``boom`` (a click error, exit 1),
``crash`` (raises), ``quit3`` (exit status 3).

``asgi_app`` answers like them, as a plain ASGI app (``"app": "asgi"``).

Callables: ``record`` keeps each (event, context) in ``CALLS`` and returns
``{"got": <the event>}``; ``picky`` raises when the event's JSON holds
``"fail"``; ``async_record`` is ``record`` as a coroutine.
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask, Response, request

from faas_bridge.routing.triggers import trigger_type
from support.echo_apps import read_body

CALLS: list[tuple[Any, Any]] = []
#: What the Flask apps saw, one entry per request.
DELIVERED: list[dict[str, Any]] = []
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def _seen(name: str) -> dict[str, Any]:
    headers = {
        k.lower(): v
        for k, v in request.headers.items()
        if k.lower().startswith("x-faas-bridge-") or k.lower() in ("content-type", "host")
    }
    body = request.get_data()
    return {
        "app": name,
        "method": request.method,
        "path": request.path,
        "script_name": request.script_root,
        "trigger": trigger_type(request),
        "headers": headers,
        "json": json.loads(body) if body else None,
    }


def _answer(name: str) -> Response:
    seen = _seen(name)
    DELIVERED.append(seen)
    status = 200
    body = request.get_data(as_text=True)
    if request.path.startswith("/jobs/fail") or (
        request.path.startswith("/jobs/picky") and "fail" in body
    ):
        status = 500
    return Response(json.dumps(seen), status=status, mimetype="application/json")


def _flask(name: str) -> Flask:
    app = Flask(f"faasyml_{name}")
    app.add_url_rule(
        "/", "root", defaults={"rest": ""}, view_func=lambda rest: _answer(name), methods=METHODS
    )
    app.add_url_rule("/<path:rest>", "any", view_func=lambda rest: _answer(name), methods=METHODS)
    return app


web_app = _flask("web")
api_app = _flask("api")


@web_app.cli.command("greet")
@click.argument("who")
@click.option("--loud", is_flag=True)
def greet(who: str, loud: bool) -> None:
    from flask import current_app

    click.echo(f"hello {who} from {current_app.name}" + ("!" if loud else ""))
    click.echo("a note on stderr", err=True)


@web_app.cli.command("boom")
def boom() -> None:
    raise click.ClickException("it went boom")


@web_app.cli.command("crash")
def crash() -> None:
    raise RuntimeError("the command crashed")


@web_app.cli.command("quit3")
def quit3() -> None:
    raise SystemExit(3)


async def asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{message['type'].split('.')[1]}.complete"})
            if kind == "shutdown":
                return
    body = await read_body(receive)
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    seen = {
        "app": "asgi",
        "method": scope["method"],
        "path": scope["path"][len(scope.get("root_path", "")) :],
        "trigger": trigger_type(scope),
        "headers": {k: v for k, v in headers.items() if k.startswith("x-faas-bridge-")},
        "json": json.loads(body) if body else None,
    }
    status = 500 if seen["path"].startswith("/jobs/fail") else 200
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def record(event: Any, context: Any) -> dict[str, Any]:
    CALLS.append((event, context))
    return {"got": event}


async def async_record(event: Any, context: Any) -> dict[str, Any]:
    return record(event, context)


def picky(event: Any, context: Any) -> str:
    if "fail" in json.dumps(event):
        raise ValueError("a message this worker refuses")
    CALLS.append((event, context))
    return "ok"
