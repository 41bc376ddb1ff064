"""Azure Functions: serve a whole WSGI or ASGI app from one function.

    # function_app.py
    from faas_bridge.azure import function_app
    from myproject.wsgi import application

    app = function_app(application, auth_level="ANONYMOUS")

The Python worker indexes ``app`` (an ``azure.functions.FunctionApp``) and
finds one HTTP function on the catch-all route ``{*route}``, every method.
``azure.functions`` is imported only when :func:`function_app` is called.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from faas_bridge.platforms.azure import ROUTE_PREFIX_VARIABLE

__all__ = ["ROUTE_PREFIX_VARIABLE", "function_app"]


def function_app(
    app: Any = None,
    *,
    auth_level: str = "FUNCTION",
    function_name: str = "http_app_func",
    **wrap_options: Any,
) -> Any:
    """An ``azure.functions.FunctionApp`` that serves every path and method with ``app``.

    >>> app = function_app(wsgi_or_asgi_app, auth_level="ANONYMOUS")   # function_app.py

    One function, ``function_name``, on the catch-all route ``{*route}`` for
    every HTTP method, like Azure's own ``WsgiFunctionApp`` and
    ``AsgiFunctionApp``, but through faas_bridge: nothing the app writes to
    ``wsgi.errors`` (the process's stderr) fails the invocation, a 5xx reply
    is a reply, ASGI lifespan runs once at startup, and URLs the app builds
    include the route prefix. ``app`` may be a WSGI or ASGI app (wrapped with
    ``wrap_options``), a handler from :func:`faas_bridge.wrap`, or None for
    ``faas_bridge.handler`` (the app named in ``FAAS_BRIDGE_APP``).
    ``auth_level`` is ``"ANONYMOUS"``, ``"FUNCTION"`` (Azure's default: a
    function key is required) or ``"ADMIN"``.

    With the ``response_stream`` option (the handler's, or
    ``FAAS_BRIDGE_RESPONSE_STREAM`` for ``faas_bridge.handler``) the function
    is an HTTP streams function, typed with the
    ``azurefunctions-extensions-http-fastapi`` types: replies go out as the
    app produces them (``faas_bridge.platforms.azure_streams``).
    """
    import inspect

    import azure.functions as func

    from faas_bridge import ConfiguredHandler, handler
    from faas_bridge.dispatch import Handler, wrap

    target: Any
    built = inspect.unwrap(app) if callable(app) else app  # as_function() and faas_bridge.handler
    if app is None or isinstance(built, (Handler, ConfiguredHandler)):
        if wrap_options:
            raise TypeError("wrap options apply to an app, not to a handler already built")
        target = handler if app is None else app
    else:
        target = wrap(app, **wrap_options)

    def http_app_func(req: Any, context: Any) -> Any:
        return target(req, context)

    # The worker binds parameters by name and checks their annotations.
    http_app_func.__annotations__ = {
        "req": func.HttpRequest,
        "context": func.Context,
        "return": func.HttpResponse,
    }
    function: Callable[..., Any] = http_app_func
    if _streams(inspect.unwrap(target)):
        from faas_bridge.platforms.azure_streams import stream_function

        function = stream_function(target)
    function_app = func.FunctionApp(http_auth_level=auth_level)
    route = function_app.route(
        route="{*route}", methods=[m.value for m in func.HttpMethod], auth_level=auth_level
    )
    function_app.function_name(name=function_name)(route(function))
    return function_app


def _streams(target: Any) -> bool:
    """Whether the handler's replies stream (``response_stream``): its options say so,
    or, for ``faas_bridge.handler`` (built on first call), ``FAAS_BRIDGE_RESPONSE_STREAM``."""
    from faas_bridge.options import Options

    options = getattr(target, "options", None)
    if isinstance(options, Options):
        return options.response_stream
    return Options.from_environ(os.environ).response_stream
