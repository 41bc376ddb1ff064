"""Google Cloud Functions emulation: the ``flask.Request`` functions-framework passes."""

from __future__ import annotations

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
from faas_bridge.platforms.gcp import CloudFunctions


def build_event(
    call: HttpCall,
    *,
    host: str = "faas-bridge-abcdefghij-uc.a.run.app",
    peer: str = "169.254.1.1",
    scheme: str = "https",
) -> Any:
    """The ``flask.Request`` functions-framework passes for ``call``, as behind gunicorn.

    The environ is werkzeug's for the request, with gunicorn's ``RAW_URI``
    (the request target as sent) and the front end's ``X-Forwarded-For`` /
    ``X-Forwarded-Proto`` (GUESS: the exact headers Google's front end adds).
    """
    from flask import Request as FlaskRequest

    # gunicorn, which functions-framework runs under, joins a repeated header with ",".
    names: dict[str, str] = {}
    values: dict[str, list[str]] = {}
    for name, value in call.headers:
        key = name.lower()
        if key not in ("host", "x-forwarded-for"):
            names.setdefault(key, name)
            values.setdefault(key, []).append(value)
    forwarded = call.header("x-forwarded-for")
    headers = [
        *((names[key], ",".join(found)) for key, found in values.items()),
        ("X-Forwarded-For", f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip),
        ("X-Forwarded-Proto", scheme),
    ]
    return FlaskRequest(server_environ(call, host, headers, peer))


# -- The emulator ---------------------------------------------------------------------------


def http_reply(reply: Any, event: Any = None) -> HttpReply:
    """The HTTP response functions-framework's Flask app sends for the function's return."""
    status = getattr(reply, "status_code", None)
    get_data = getattr(reply, "get_data", None)
    if get_data is None or not isinstance(status, int):
        raise ValueError(f"the function returned {type(reply).__name__}, not a Flask response")
    return status, [(str(k), str(v)) for k, v in reply.headers.items()], bytes(get_data())


class CloudFunctionsHttp(Emulator):
    """functions-framework serving an HTTP function (Cloud Run functions, 2nd gen)."""

    name = "gcp"
    adapter = "gcp:CloudFunctions"
    description = "Google Cloud Functions / Cloud Run functions (Python, functions-framework)"
    settings_declared = declare(host="faas-bridge-abcdefghij-uc.a.run.app")
    body_limit = CloudFunctions.request_limit
    json_events = False
    status = "request objects, not JSON events"
    streams = True
    #: functions-framework answers these 404 itself, never calling the function.
    refused_paths = frozenset({"/favicon.ico", "/robots.txt"})
    url_layout = "/ (Cloud Run functions; 1st gen: /FUNCTION_NAME/...)"
    PASSAGE = Passage(repeated_headers="joined")

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        return build_event(call, host=host or self.values["host"])

    def build_local(self, call: HttpCall, host: str | None, port: int) -> Any:
        return build_event(call, host=host or self.values["host"], scheme="http")

    def invoke(self, handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        """functions-framework calls the function with the request alone."""
        return handler(event, None)

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)
