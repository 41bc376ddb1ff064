"""faas_bridge: run any WSGI or ASGI web app as a cloud function, with one line.

    from faas_bridge import wrap
    handler = wrap(app)

or set the function's handler to ``faas_bridge.handler`` and name the app in
``FAAS_BRIDGE_APP``. Importing this package is cheap: the pipeline is loaded
on first use.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faas_bridge.dispatch import Handler, wrap
    from faas_bridge.errors import (
        AppFailure,
        ConfigurationError,
        FaasBridgeError,
        MalformedEvent,
        ReplyRejected,
        ReplyTooLarge,
        RequestTooLarge,
        UnrecognisedEvent,
    )
    from faas_bridge.options import Options

__version__ = "0.1.0"

__all__ = [
    "AppFailure",
    "ConfigurationError",
    "ConfiguredHandler",
    "FaasBridgeError",
    "Handler",
    "MalformedEvent",
    "Options",
    "ReplyRejected",
    "ReplyTooLarge",
    "RequestTooLarge",
    "UnrecognisedEvent",
    "handler",
    "wrap",
]

_LAZY = {
    "wrap": "dispatch",
    "Handler": "dispatch",
    "Options": "options",
    "FaasBridgeError": "errors",
    "ConfigurationError": "errors",
    "MalformedEvent": "errors",
    "RequestTooLarge": "errors",
    "UnrecognisedEvent": "errors",
    "AppFailure": "errors",
    "ReplyRejected": "errors",
    "ReplyTooLarge": "errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faas_bridge' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


class ConfiguredHandler:
    """``faas_bridge.handler``: the Handler for the app named in configuration.

    Built on first call from ``faas.yml`` when there is one (the running
    function's app, options, routes, triggers and commands), else from
    ``FAAS_BRIDGE_APP`` (or ``DJANGO_SETTINGS_MODULE``); ``FAAS_BRIDGE_*``
    options apply either way. Then reused: the app is imported once per
    process, and importing faas_bridge stays cheap.
    """

    __slots__ = ("_handler", "_lock")

    def __init__(self) -> None:
        self._handler: Handler | None = None
        self._lock = threading.Lock()

    def get(self) -> Handler:
        """The Handler, built the first time it is needed."""
        handler = self._handler
        if handler is None:
            with self._lock:
                handler = self._handler
                if handler is None:
                    from faas_bridge.configured import environment_handler, find_config

                    if find_config() is None:  # config.py is loaded only to read a file
                        handler = environment_handler()
                    else:
                        from faas_bridge.config import configured_handler

                        handler = configured_handler()
                    self._handler = handler
        return handler

    def __call__(self, event: Any, context: Any = None) -> Any:
        return self.get()(event, context)

    def __repr__(self) -> str:
        state = "not built yet" if self._handler is None else repr(self._handler)
        return f"<faas_bridge.handler ({state})>"


_configured = ConfiguredHandler()


def handler(event: Any, context: Any = None) -> Any:
    """Set your function's handler here and name the app in ``FAAS_BRIDGE_APP`` (or faas.yml).

    A plain function, as Google's functions-framework requires of its target;
    its ``__wrapped__`` is the :class:`ConfiguredHandler` behind it.
    """
    return _configured(event, context)


functools.update_wrapper(handler, _configured, assigned=(), updated=())
