"""The handler: vendor call in, vendor reply out.

decode (platform adapter) -> Request -> bridge (WSGI or ASGI) -> Response ->
encode (the same adapter). Failures each get a defined reply in the vendor's
format: 400 for an event that cannot be decoded, 500 for an app failure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from .apps import interface_of
from .errors import MalformedEvent, UnrecognisedEvent
from .http import Request, Response, plain_response
from .options import Interface, Options
from .platforms import Platform, load_platforms

logger = logging.getLogger("faas_bridge")

Bridge = Callable[[Request], Response]
_NO_BODY_STATUSES = frozenset({204, 304})


def make_bridge(app: Any, interface: Interface) -> Bridge:
    """The bridge that runs ``app``; asgiref is imported only for ASGI 2 apps."""
    if interface == "asgi":
        from .asgi import ASGIBridge

        if getattr(app, "_asgi_double_callable", False) or _is_class(app):
            from asgiref.compatibility import guarantee_single_callable

            app = guarantee_single_callable(app)  # type: ignore[no-untyped-call]
        return ASGIBridge(app)
    from .wsgi import WSGIBridge

    return WSGIBridge(app)


def _is_class(obj: Any) -> bool:
    return isinstance(obj, type)


class Handler:
    """A WSGI or ASGI app as a function handler: ``handler(event, context)``.

    Build it once per process (at import time, so the app is imported during
    the platform's init phase); every invocation then reuses it.
    """

    __slots__ = ("_last", "app", "bridge", "interface", "options", "platforms")

    def __init__(self, app: Any, options: Options | None = None) -> None:
        self.app = app
        self.options = options if options is not None else Options()
        self.interface: Interface = self.options.interface or interface_of(app)
        self.bridge = make_bridge(app, self.interface)
        self.platforms = load_platforms(self.options)
        self._last: Platform = self.platforms[0]

    def __repr__(self) -> str:
        return f"<faas_bridge.Handler {self.interface} app={self.app!r}>"

    def detect(self, event: Any) -> Platform:
        """The adapter for this event: the last one used is asked first."""
        last = self._last
        if last.matches(event):
            return last
        for platform in self.platforms:
            if platform is not last and platform.matches(event):
                self._last = platform
                return platform
        raise UnrecognisedEvent(event, (p.name for p in self.platforms))

    def __call__(self, event: Any, context: Any = None) -> Any:
        if isinstance(event, (bytes, bytearray, str)):
            event = _parse_json(event)  # Alibaba FC delivers events as bytes of JSON
        platform = self.detect(event)
        try:
            request = platform.decode(event, context)
        except MalformedEvent as exc:
            return self._reject(platform, event, context, str(exc))
        except (KeyError, TypeError, ValueError, AttributeError, UnicodeError) as exc:
            return self._reject(platform, event, context, f"{type(exc).__name__}: {exc}")
        try:
            response = self.bridge(request)
        except Exception:
            logger.exception(
                "faas_bridge: the app failed on %s %s (request id %s)",
                request.method,
                request.root_path + request.raw_path.decode("latin-1"),
                platform.request_id(event, context),
            )
            response = plain_response(500, "Internal Server Error")
        if response.body and (request.method == "HEAD" or response.status in _NO_BODY_STATUSES):
            response.body = b""  # a server sends no body here whatever the app wrote
        return platform.encode(response, event, context)

    def _reject(self, platform: Platform, event: Any, context: Any, reason: str) -> Any:
        logger.warning(
            "faas_bridge: malformed %s event (request id %s): %s",
            platform.name,
            platform.request_id(event, context),
            reason,
        )
        return platform.encode(plain_response(400, f"Bad Request: {reason}"), event, context)


def _parse_json(event: bytes | bytearray | str) -> Any:
    """The JSON document an event delivered as text or bytes holds, else the event."""
    try:
        return json.loads(event)
    except ValueError:
        return event  # not JSON: detection reports it as unrecognised


def wrap(
    app: Any,
    *,
    base_path: str = "",
    text_types: tuple[str, ...] | list[str] = (),
    platform: str | None = None,
    interface: Interface | None = None,
) -> Handler:
    """Turn a WSGI or ASGI app into a function handler, in one line.

    >>> handler = wrap(app)          # then set the function's handler to module.handler

    ``base_path``: a custom-domain API mapping to move into the root path.
    ``text_types``: extra reply content types (or prefixes) to send as text.
    ``platform``: force an adapter by name instead of detecting it per event.
    ``interface``: ``"wsgi"`` or ``"asgi"`` when detection cannot tell.
    """
    options = Options(
        base_path=base_path, text_types=tuple(text_types), platform=platform, interface=interface
    )
    return Handler(app, options)
