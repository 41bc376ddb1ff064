"""Azure Functions emulation: the ``azure.functions.HttpRequest`` the Python worker builds."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote

from faas_bridge.devtools.emulators.base import Emulator, HttpCall, HttpReply, Passage, declare
from faas_bridge.platforms.azure import CATCH_ALL, DEFAULT_ROUTE_PREFIX, AzureFunctions


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


# -- The emulator ---------------------------------------------------------------------------


def http_reply(reply: Any, event: Any = None) -> HttpReply:
    """The HTTP response the Functions host makes of an ``azure.functions.HttpResponse``.

    Every Set-Cookie is kept; any other repeated header is one value (the
    worker builds ``{name: value}``). No response at all is a 204.
    """
    if reply is None:
        return 204, [], b""
    get_body = getattr(reply, "get_body", None)
    status = getattr(reply, "status_code", None)
    if get_body is None or not isinstance(status, int):
        raise ValueError(f"the function returned {type(reply).__name__}, not an HttpResponse")
    single: dict[str, str] = {}
    cookies: list[tuple[str, str]] = []
    for name, value in reply.headers.items():
        if name.lower() == "set-cookie":
            cookies.append((name, value))
        else:
            single[name] = value
    mimetype = getattr(reply, "mimetype", None)
    if mimetype and not any(k.lower() == "content-type" for k in single):
        charset = getattr(reply, "charset", None)
        single["Content-Type"] = f"{mimetype}; charset={charset}" if charset else mimetype
    return status, [*single.items(), *cookies], bytes(get_body())


class AzureFunctionsHttp(Emulator):
    """The Functions host and Python worker: an HTTP trigger on the catch-all route."""

    name = "azure"
    adapter = "azure:AzureFunctions"
    description = "Azure Functions HTTP trigger (Python worker, v2 programming model)"
    settings_declared = declare(
        host="faas-bridge.azurewebsites.net", route_prefix=DEFAULT_ROUTE_PREFIX
    )
    body_limit = AzureFunctions.request_limit
    json_events = False
    mount_option = False
    status = "request objects, not JSON events"
    url_layout = "/api/... (host.json's routePrefix, api by default)"
    PASSAGE = Passage(repeated_headers="joined")

    def url_prefix(self) -> str:
        prefix = str(self.values["route_prefix"]).strip("/")
        return "/" + prefix if prefix else ""

    def build_event(self, call: HttpCall, host: str | None = None) -> Any:
        prefix = self.url_prefix()
        if prefix and (call.path == prefix or call.path.startswith(prefix + "/")):
            call = call._replace(target=call.target[len(prefix) :] or "/")
        values = self.values
        return build_event(call, host=host or values["host"], route_prefix=values["route_prefix"])

    def build_local(self, call: HttpCall, host: str | None, port: int) -> Any:
        """The front end says the scheme and port in X-Forwarded-Proto / -Port."""
        kept = [(k, v) for k, v in call.headers if k.lower() not in _LOCAL]
        local = [("X-Forwarded-Proto", "http"), ("X-Forwarded-Port", str(port))]
        return self.build(call._replace(headers=[*kept, *local]), host)[0]

    def invoke(self, handler: Callable[[Any, Any], Any], event: Any, context: Any) -> Any:
        return handler(event, context)

    def http_reply(self, reply: Any, event: Any) -> HttpReply:
        return http_reply(reply, event)


_LOCAL = frozenset({"x-forwarded-proto", "x-forwarded-port"})
