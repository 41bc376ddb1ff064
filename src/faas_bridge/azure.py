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

from faas_bridge.platforms.azure import ROUTE_PREFIX_VARIABLE, function_app

__all__ = ["ROUTE_PREFIX_VARIABLE", "function_app"]
