"""Google Cloud Functions emulation: the ``flask.Request`` functions-framework passes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from faas_bridge.devtools.emulators.base import HttpCall


def build_event(
    call: HttpCall,
    *,
    host: str = "faas-bridge-abcdefghij-uc.a.run.app",
    peer: str = "169.254.1.1",
) -> Any:
    """The ``flask.Request`` functions-framework passes for ``call``, as behind gunicorn.

    The environ is werkzeug's for the request, with gunicorn's ``RAW_URI``
    (the request target as sent) and the front end's ``X-Forwarded-For`` /
    ``X-Forwarded-Proto`` (GUESS: the exact headers Google's front end adds).
    """
    from flask import Request as FlaskRequest
    from werkzeug.test import EnvironBuilder

    headers = [(k, v) for k, v in call.headers if k.lower() != "host"]
    forwarded = call.header("x-forwarded-for")
    headers = [(k, v) for k, v in headers if k.lower() != "x-forwarded-for"]
    headers += [
        ("X-Forwarded-For", f"{forwarded}, {call.client_ip}" if forwarded else call.client_ip),
        ("X-Forwarded-Proto", "https"),
    ]
    builder = EnvironBuilder(
        path=quote(call.path, safe="/%!$&'()*+,;=:@-._~"),
        method=call.method,
        headers=headers,
        data=call.body,
        query_string=call.query,
        base_url=f"http://{host}/",
        environ_overrides={"REMOTE_ADDR": peer, "RAW_URI": call.target},
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    return FlaskRequest(environ)
