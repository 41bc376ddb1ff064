"""faas_bridge: run any WSGI or ASGI web app as a cloud function, with one line.

    from faas_bridge import wrap
    handler = wrap(app)

or set the function's handler to ``faas_bridge.handler`` and name the app in
``FAAS_BRIDGE_APP``. Importing this package is cheap: the pipeline is loaded
on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .dispatch import ConfiguredHandler, Handler, wrap
    from .errors import (
        ConfigurationError,
        FaasBridgeError,
        MalformedEvent,
        UnrecognisedEvent,
    )
    from .options import Options

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "FaasBridgeError",
    "Handler",
    "MalformedEvent",
    "Options",
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
    "UnrecognisedEvent": "errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'faas_bridge' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


class _LazyHandler:
    """Stands in for ``faas_bridge.handler`` until the first call builds it."""

    __slots__ = ("_target",)

    def __init__(self) -> None:
        self._target: ConfiguredHandler | None = None

    def _configured(self) -> ConfiguredHandler:
        if self._target is None:
            from .dispatch import ConfiguredHandler

            self._target = ConfiguredHandler()
        return self._target

    def __call__(self, event: Any, context: Any = None) -> Any:
        return self._configured()(event, context)

    def __repr__(self) -> str:
        return repr(self._configured())


#: Set your function's handler to ``faas_bridge.handler`` and the app to FAAS_BRIDGE_APP.
handler = _LazyHandler()
