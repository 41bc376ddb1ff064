"""The handler: vendor call in, vendor reply out.

decode (platform adapter) -> Request -> bridge (WSGI or ASGI) -> Response ->
encode (the same adapter). Failures each get a defined reply in the vendor's
format: 400 for an event that cannot be decoded, 500 for an app failure, 504
for a request still running at the deadline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from . import lifecycle
from .apps import interface_of
from .errors import MalformedEvent, UnrecognisedEvent
from .http import Request, Response, plain_response
from .options import DEFAULT_WARMUP, Interface, LifespanMode, Options
from .platforms import Platform, load_platforms
from .platforms.base import status_line

logger = logging.getLogger("faas_bridge")

_NO_BODY_STATUSES = frozenset({204, 304})
#: What a warm-up ping is answered with.
WARM_REPLY = {"faas_bridge": "warm"}

HookT = TypeVar("HookT", bound=Callable[[], Any])


class Handler:
    """A WSGI or ASGI app as a function handler: ``handler(event, context)``.

    Build it once per process, at import time: the app then starts (ASGI
    lifespan, startup hooks) during the platform's init phase, and every
    invocation reuses it. It stops once, on SIGTERM or at interpreter exit.
    """

    __slots__ = (
        "_last",
        "_warmup",
        "app",
        "asgi",
        "bridge",
        "cold",
        "interface",
        "lifecycle",
        "options",
        "platforms",
        "timings",
        "wsgi",
    )

    def __init__(
        self, app: Any, options: Options | None = None, *, import_seconds: float | None = None
    ) -> None:
        began = time.perf_counter()
        self.app = app
        self.options = options = options if options is not None else Options()
        self.interface: Interface = options.interface or interface_of(app)
        self.platforms = load_platforms(options)
        self._last: Platform = self.platforms[0]
        self._warmup = lifecycle.WarmupMatcher(options.warmup) if options.warmup else None
        self.asgi: Any = None
        self.wsgi: Any = None
        lifespan = None
        runner = None
        if self.interface == "asgi":
            from .asgi import ASGIBridge

            self.asgi = ASGIBridge(_single_callable(app))
            runner = self.asgi.runner
            if options.lifespan != "off":
                lifespan = lifecycle.Lifespan(self.asgi.app, runner)
        else:
            from .wsgi import WSGIBridge

            self.wsgi = WSGIBridge(app)
        self.bridge = self.asgi or self.wsgi
        self.lifecycle = lifecycle.Lifecycle(
            runner, lifespan, options.lifespan, options.shutdown_timeout
        )
        self.lifecycle.startup()
        if lifespan is not None and lifespan.supported:
            self.asgi.state = lifespan.state
        #: True until the first invocation has been answered.
        self.cold = True
        self.timings = {
            "app_import_ms": None if import_seconds is None else round(import_seconds * 1000, 1),
            "startup_ms": round(self.lifecycle.startup_seconds * 1000, 1),
            "init_ms": round((time.perf_counter() - began) * 1000, 1),
        }

    def __repr__(self) -> str:
        return f"<faas_bridge.Handler {self.interface} app={self.app!r}>"

    # -- lifecycle hooks ------------------------------------------------------------

    def on_startup(self, hook: HookT) -> HookT:
        """Register a startup hook (sync or async); runs once, at once if started."""
        self.lifecycle.add_startup(hook)
        return hook

    def on_shutdown(self, hook: HookT) -> HookT:
        """Register a shutdown hook (sync or async); runs once, on SIGTERM or exit."""
        self.lifecycle.shutdown_hooks.append(hook)
        return hook

    def on_restore(self, hook: HookT) -> HookT:
        """Register a hook run after an AWS Lambda SnapStart restore."""
        self.lifecycle.restore_hooks.append(hook)
        return hook

    def shutdown(self) -> None:
        """Stop the app now (lifespan shutdown, shutdown hooks); idempotent."""
        self.lifecycle.shutdown()

    # -- invocations ------------------------------------------------------------------

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
        if self._warmup is not None and self._warmup(event):
            return dict(WARM_REPLY)
        if isinstance(event, (bytes, bytearray, str)):
            event = _parse_json(event)  # Alibaba FC delivers events as bytes of JSON
        platform = self.detect(event)
        try:
            request = platform.decode(event, context)
        except MalformedEvent as exc:
            return self._reject(platform, event, context, str(exc), exc.status)
        except (KeyError, TypeError, ValueError, AttributeError, UnicodeError) as exc:
            return self._reject(platform, event, context, f"{type(exc).__name__}: {exc}")
        try:
            response = self._run(request, platform, context)
        finally:
            if self.cold:
                self._report_cold_start(platform)
            lifecycle.after_invocation()
        if response.body and (request.method == "HEAD" or response.status in _NO_BODY_STATUSES):
            response.body = b""  # a server sends no body here whatever the app wrote
        return platform.encode(response, request.event, context)

    def _run(self, request: Request, platform: Platform, context: Any) -> Response:
        """The app's reply, with failures and the deadline turned into replies."""
        budget = None
        remaining = platform.remaining_time(context)
        if remaining is not None:
            budget = remaining - self.options.deadline_margin
        try:
            if self.asgi is not None:
                if budget is not None and budget <= 0:
                    raise asyncio.TimeoutError
                response: Response = self.asgi(request, budget)
                return response
            if budget is None:
                return self.wsgi(request)  # type: ignore[no-any-return]
            watch = lifecycle.stack_watch()
            token = watch.watch(max(budget, 0.0), platform.request_id(request.event, context))
            try:
                return self.wsgi(request)  # type: ignore[no-any-return]
            finally:
                watch.unwatch(token)
        except asyncio.TimeoutError:
            logger.error(
                "faas_bridge: %s %s cancelled %.2f s before the deadline (request id %s)",
                request.method,
                _target(request),
                self.options.deadline_margin,
                platform.request_id(request.event, context),
            )
            return plain_response(504, "Gateway Timeout")
        except Exception:
            logger.exception(
                "faas_bridge: the app failed on %s %s (request id %s)",
                request.method,
                _target(request),
                platform.request_id(request.event, context),
            )
            return plain_response(500, "Internal Server Error")

    def _reject(
        self, platform: Platform, event: Any, context: Any, reason: str, status: int = 400
    ) -> Any:
        logger.warning(
            "faas_bridge: malformed %s event (request id %s): %s",
            platform.name,
            platform.request_id(event, context),
            reason,
        )
        phrase = status_line(status).split(" ", 1)[1]
        return platform.encode(plain_response(status, f"{phrase}: {reason}"), event, context)

    def _report_cold_start(self, platform: Platform) -> None:
        self.cold = False
        logger.info(
            "faas_bridge cold start %s",
            json.dumps({"platform": platform.name, "interface": self.interface, **self.timings}),
        )


def _single_callable(app: Any) -> Any:
    """ASGI 3 form of the app; asgiref is imported only for ASGI 2 apps."""
    if getattr(app, "_asgi_double_callable", False) or isinstance(app, type):
        from asgiref.compatibility import guarantee_single_callable

        return guarantee_single_callable(app)  # type: ignore[no-untyped-call]
    return app


def _target(request: Request) -> str:
    return request.root_path + request.raw_path.decode("latin-1")


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
    lifespan: LifespanMode = "auto",
    deadline_margin: float = 0.5,
    shutdown_timeout: float = 2.0,
    warmup: tuple[str, ...] | list[str] = DEFAULT_WARMUP,
) -> Handler:
    """Turn a WSGI or ASGI app into a function handler, in one line.

    >>> handler = wrap(app)          # then set the function's handler to module.handler

    ``base_path``: a custom-domain API mapping to move into the root path.
    ``text_types``: extra reply content types (or prefixes) to send as text.
    ``platform``: force an adapter by name instead of detecting it per event.
    ``interface``: ``"wsgi"`` or ``"asgi"`` when detection cannot tell.
    ``lifespan``: ``"auto"``, ``"on"`` or ``"off"`` (ASGI lifespan, run once).
    ``deadline_margin``: seconds before the platform's deadline at which an
    ASGI request is cancelled (504) and a WSGI request's stack is logged.
    ``shutdown_timeout``: the most seconds shutdown may take.
    ``warmup``: ``"key=value"`` markers of warm-up pings.
    """
    options = Options(
        base_path=base_path,
        text_types=tuple(text_types),
        platform=platform,
        interface=interface,
        lifespan=lifespan,
        deadline_margin=deadline_margin,
        shutdown_timeout=shutdown_timeout,
        warmup=tuple(warmup),
    )
    return Handler(app, options)
