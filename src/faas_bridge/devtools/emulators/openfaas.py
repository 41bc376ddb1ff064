"""OpenFaaS and kubeless emulation: the call objects their Python runtimes pass.

Both runtimes are HTTP servers around ``handler(event, context)``: OpenFaaS's
``python3-http`` template (Flask) hands an ``Event`` with the request's body
bytes, headers, method, query and path; kubeless's Python runtime (Bottle)
hands ``{"data", "event-id", "event-type", ..., "extensions": {"request"}}``
with Bottle's request. The emulators build those objects over a real WSGI
environ (werkzeug's), and turn the reply into HTTP as Flask and Bottle do.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from faas_bridge.devtools.emulators.base import (
    Emulator,
    HttpCall,
    HttpReply,
    Passage,
    declare,
    server_environ,
)

#: The function's own address inside the cluster (its gateway's route).
OPENFAAS_HOST = "127.0.0.1:8080"


def _environ(call: HttpCall, host: str) -> dict[str, Any]:
    """The WSGI environ the runtime's server builds for ``call``, the client its peer."""
    headers = [(k, v) for k, v in call.headers if k.lower() != "host"]
    return server_environ(call, host, headers, call.client_ip)


class OpenFaaSEvent:
    """The ``Event`` the python3-http template passes: the request's parts."""

    def __init__(self, request: Any) -> None:
        self.body = request.get_data()
        self.headers = request.headers
        self.method = request.method
        self.query = request.args
        self.path = request.path


class OpenFaaSContext:
    """The template's ``Context``: the container's host name."""

    def __init__(self) -> None:
        self.hostname = "faas-bridge-local"


def build_openfaas_event(call: HttpCall, *, host: str = OPENFAAS_HOST) -> OpenFaaSEvent:
    """The event the python3-http template builds from its Flask request for ``call``."""
    from flask import Request

    return OpenFaaSEvent(Request(_environ(call, host)))


def openfaas_reply(reply: Any, event: Any = None) -> HttpReply:
    """What the template's Flask view sends for ``handle``'s return value.

    A dict is ``{statusCode, body, headers}`` (200 when no status); anything
    else goes to Flask as a view's return value (a ``(body, status, headers)``
    tuple, a string...), with Flask's default ``text/html; charset=utf-8``.
    """
    from flask import Flask

    if reply is None:
        reply = ("", 200)
    elif isinstance(reply, dict):
        body = reply.get("body", "")
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        reply = (body, reply.get("statusCode", 200), reply.get("headers") or {})
    app = Flask("faas_bridge_openfaas")
    with app.test_request_context():
        try:
            response = app.make_response(reply)
        except TypeError as exc:
            raise ValueError(str(exc)) from None
    return response.status_code, list(response.headers.items()), response.get_data()


class OpenFaaS(Emulator):
    """OpenFaaS's python3-http template (of-watchdog in HTTP mode)."""

    name = "openfaas"
    adapter = "openfaas:OpenFaaS"
    description = "OpenFaaS python3-http template: handle(event, context)"
    settings_declared = declare(host=OPENFAAS_HOST)
    json_events = False
    status = "request objects, not JSON events"
    url_layout = "/function/NAME/... on the gateway (the function sees the path below it)"
    #: The template's waitress joins a repeated request header with ", " (its parser).
    PASSAGE = Passage(repeated_headers="joined")

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_openfaas_event(call, host=host or self.values["host"])

    def invoke(self, handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        return handler(event, OpenFaaSContext())

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return openfaas_reply(reply, event)


def build_kubeless_event(call: HttpCall, *, host: str = "127.0.0.1:8080") -> dict[str, Any]:
    """The event kubeless's Python runtime builds from Bottle's request for ``call``."""
    import bottle  # type: ignore[import-untyped, import-not-found, unused-ignore]

    request = bottle.BaseRequest(_environ(call, host))
    data: Any = request.body.read()  # Bottle keeps the body in the environ
    if (request.content_type or "").startswith("application/json") and data:
        with contextlib.suppress(ValueError):  # the runtime passes bad JSON as it came
            data = json.loads(data)
    return {
        "data": data,
        "event-id": request.get_header("event-id") or str(uuid.uuid4()),
        "event-type": request.get_header("event-type") or "application/json",
        "event-time": request.get_header("event-time") or time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "event-namespace": request.get_header("event-namespace") or "faas-bridge",
        "extensions": {"request": request},
    }


def kubeless_reply(reply: Any, event: Any = None) -> HttpReply:
    """What Bottle sends for the function's return: a response object, or a body (200)."""
    import bottle

    if isinstance(reply, bottle.BaseResponse):
        response = reply
        body = reply.body
    else:
        response = bottle.HTTPResponse()
        body = reply
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif body is None:
        body = b""
    elif not isinstance(body, bytes):
        raise ValueError(f"Bottle cannot send {type(body).__name__}")
    return response.status_code, list(response.headerlist), body


class Kubeless(Emulator):
    """kubeless's Python runtime: Bottle calling ``handler(event, context)``."""

    name = "kubeless"
    adapter = "openfaas:Kubeless"
    description = "kubeless Python runtime: handler(event, context) under Bottle"
    settings_declared = declare(host="127.0.0.1:8080")
    json_events = False
    status = "request objects, not JSON events"
    url_layout = "/ (the function's service; an Ingress may add a prefix)"
    PASSAGE = OpenFaaS.PASSAGE

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_kubeless_event(call, host=host or self.values["host"])

    def invoke(self, handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        runtime_context = {
            "function-name": "faas-bridge",
            "timeout": "180",
            "runtime": "python3.12",
            "memory-limit": "128M",
        }
        return handler(event, runtime_context)

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return kubeless_reply(reply, event)
