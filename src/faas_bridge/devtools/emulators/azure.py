"""Azure Functions emulation: the ``azure.functions.HttpRequest`` the Python worker builds."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote

from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.platforms.azure import CATCH_ALL, DEFAULT_ROUTE_PREFIX


def build_event(
    call: HttpCall,
    *,
    host: str = "faas-bridge.azurewebsites.net",
    route_prefix: str = DEFAULT_ROUTE_PREFIX,
) -> Any:
    """The ``azure.functions.HttpRequest`` the Python worker builds for ``call``.

    The function is assumed on the catch-all route ``{*route}``, as
    :func:`function_app` registers it. Repeated headers are joined with ``,``
    and ``client-ip`` / ``X-Forwarded-For`` carry the client as ``ip:port``,
    as App Service's front end sends them.
    """
    import azure.functions as func

    prefix = "/" + route_prefix.strip("/") if route_prefix.strip("/") else ""
    address = f"{call.client_ip}:50123"
    headers: dict[str, str] = {"host": host}
    for name, value in call.headers:
        key = name.lower()
        if key not in ("host", "client-ip"):
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    headers["client-ip"] = address
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded},{address}" if forwarded else address
    # Kestrel decodes the path but %2F; ASP.NET re-escapes it, keeping %XX sequences.
    pieces = re.split("%2[fF]", call.path)
    path = "%2F".join(quote(unquote(piece), safe="/%!$&'()*+,;=:@-._~") for piece in pieces)
    route = "%2F".join(unquote(piece) for piece in pieces)
    query = f"?{call.query}" if call.query else ""
    params: dict[str, str] = {}
    for part in call.query.split("&") if call.query else ():
        key, _, value = part.partition("=")
        if value:
            params[unquote(key)] = unquote(value.replace("+", " "))
    return func.HttpRequest(
        method=call.method,
        url=f"https://{host}{prefix}{path}{query}",
        headers=headers,
        params=params,
        route_params={CATCH_ALL: route[1:]},
        body=call.body,
    )
