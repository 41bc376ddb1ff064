"""Bridges: run a WSGI or ASGI app on a neutral Request and return its Response."""

#: Where both bridges hand the app the original invocation: keys of the WSGI
#: environ and of the ASGI scope.
EVENT_KEY = "faas_bridge.event"
CONTEXT_KEY = "faas_bridge.context"
PLATFORM_KEY = "faas_bridge.platform"
