"""The handler: vendor call in, vendor reply out.

decode (platform adapter) -> Request -> bridge (WSGI or ASGI) -> Response ->
encode (the same adapter). Failures each get a defined reply in the vendor's
format: 400 for an event that cannot be decoded, 500 for an app failure, 504
for a request still running at the deadline.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable
from threading import get_ident
from typing import TYPE_CHECKING, Any, TypeVar

from faas_bridge.bridges.apps import interface_of
from faas_bridge.errors import (
    AppFailure,
    FaasBridgeError,
    MalformedEvent,
    ReplyTooLarge,
    RequestTooLarge,
    UnrecognisedEvent,
    request_id_of,
    safe_text,
)
from faas_bridge.http import (
    Request,
    Response,
    buffer_stream,
    check_reply,
    check_request,
    plain_response,
)
from faas_bridge.lifecycle import signals
from faas_bridge.lifecycle.hooks import Lifecycle
from faas_bridge.options import (
    DEFAULT_WARMUP,
    Interface,
    LifespanMode,
    NonHttpEvents,
    Options,
    UnderscoreHeaders,
)
from faas_bridge.platforms import Platform, load_platform, platform_entries
from faas_bridge.platforms.base import forwarded_client, status_line

if TYPE_CHECKING:
    from faas_bridge.bridges.wsgi_deadline import StackWatch
    from faas_bridge.lifecycle.warmup import WarmupMatcher
    from faas_bridge.routing.routes import RouteTable
    from faas_bridge.routing.triggers import TriggerRouter

logger = logging.getLogger("faas_bridge")

_NO_BODY_STATUSES = frozenset({204, 304})
_INF = float("inf")
#: What a warm-up ping is answered with.
WARM_REPLY = {"faas_bridge": "warm"}
#: The attribute of ``context`` by which faas_bridge's runtime says it takes a
#: StreamedReply and a Finishing (faas_bridge.runtime.client): a handler then
#: streams where the integration does, and returns an ASGI app's reply before
#: the app's remaining work. The managed runtime's context has none.
RUNTIME_MARK = "faas_bridge_runtime"

HookT = TypeVar("HookT", bound=Callable[[], Any])


class Handler:
    """A WSGI or ASGI app as a function handler: ``handler(event, context)``.

    Build it once per process, at import time: the app then starts (ASGI
    lifespan, startup hooks) during the platform's init phase, and every
    invocation reuses it. It stops once, on SIGTERM or at interpreter exit.
    Where a platform takes only a plain function as its target (Google's
    functions-framework), give it :meth:`as_function`.
    """

    __slots__ = (
        "_adapters",
        "_deadline_unread",
        "_entries",
        "_last",
        "_said_unstreamed",
        "_warmup",
        "_watch",
        "app",
        "asgi",
        "bridge",
        "bridge_input",
        "cold",
        "function",
        "interface",
        "lifecycle",
        "options",
        "routes",
        "timings",
        "triggers",
        "wsgi",
    )

    def __init__(
        self, app: Any, options: Options | None = None, *, import_seconds: float | None = None
    ) -> None:
        began = time.perf_counter()
        self.app = app
        self.options = options = options if options is not None else Options()
        self.interface: Interface = options.interface or interface_of(app)
        # Adapters are imported and built on demand, in detection order: a cold
        # start loads the few that come before the vendor's own.
        self._entries = platform_entries(options)
        self._adapters: list[Platform | None] = [None] * len(self._entries)
        self._last: Platform | None = None
        #: Whether a context's unreadable remaining time has been logged.
        self._deadline_unread = False
        #: Whether it has been logged that response_stream is on where nothing can stream.
        self._said_unstreamed = False
        #: Recognises warm-up pings, made by the first event no adapter claims.
        self._warmup: WarmupMatcher | None = None
        self.asgi: Any = None
        self.wsgi: Any = None
        self._watch: StackWatch | None = None
        lifespan = None
        runner = None
        #: What the bridge runs on, made from a vetted Request: a WSGI environ, or
        #: an ASGI scope and body.
        self.bridge_input: Callable[[Request], Any]
        if self.interface == "asgi":
            from faas_bridge.bridges.asgi import ASGIBridge, scope_input

            self.asgi = ASGIBridge(_single_callable(app))
            self.bridge_input = scope_input
            runner = self.asgi.runner
            if options.lifespan != "off":
                from faas_bridge.lifecycle.lifespan import Lifespan

                lifespan = Lifespan(self.asgi.app, runner)
        else:
            from faas_bridge.bridges.wsgi import WSGIBridge, build_environ
            from faas_bridge.bridges.wsgi_deadline import stack_watch

            self.wsgi = WSGIBridge(app)
            self.bridge_input = build_environ
            if options.underscore_headers == "keep":
                self.bridge_input = functools.partial(build_environ, keep_underscores=True)
            #: Logs the stack of a request still running near its deadline.
            self._watch = stack_watch()
        self.bridge = self.asgi or self.wsgi
        self.lifecycle = Lifecycle(runner, lifespan, options.lifespan, options.shutdown_timeout)
        self.lifecycle.startup()
        if lifespan is not None and lifespan.supported:
            self.asgi.state = lifespan.state
        #: True until the first invocation has been answered.
        self.cold = True
        #: The faas.yml function this handler runs, named in refusals; None for wrap(app).
        self.function: str | None = None
        #: The routes this function serves (faas.yml); None: every route.
        self.routes: RouteTable | None = None
        #: Non-HTTP event routes and allowed commands; None until any is set.
        self.triggers: TriggerRouter | None = None
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
        """Register a shutdown hook (sync or async); runs once, on SIGTERM or exit.

        Hooks run newest first, each in a thread of its own, within the
        handler's ``shutdown_timeout`` (see :meth:`Lifecycle.shutdown`).
        """
        self.lifecycle.shutdown_hooks.append(hook)
        return hook

    def on_restore(self, hook: HookT) -> HookT:
        """Register a hook run after an AWS Lambda SnapStart restore."""
        self.lifecycle.restore_hooks.append(hook)
        return hook

    def shutdown(self) -> None:
        """Stop the app now (lifespan shutdown, shutdown hooks); idempotent."""
        self.lifecycle.shutdown()

    # -- non-HTTP events and commands (faas_bridge.routing.triggers) --------------------------

    def on(self, trigger: str, **settings: Any) -> Any:
        """Route non-HTTP events of type ``trigger`` (``"aws.sqs"``...) to a callable or the app.

        As a decorator, to the callable, called with the event and context::

            @handler.on("aws.sqs", source="*:orders")
            def take_order(event, context): ...

        With ``route="POST /internal/jobs/nightly"``, to the app (the event as the
        JSON body; HTTP requests to that path are then answered 404), and with
        ``call="package.module:function"`` to that callable. ``source`` and
        ``match`` narrow the events taken; faas_bridge.routing.kinds lists the types.
        """
        return self.trigger_router().on(self, trigger, **settings)

    def allow_commands(self, *names: str) -> None:
        """Let command events run these management commands (faas.yml ``commands``)."""
        self.trigger_router().allow(*names)

    def trigger_router(self) -> TriggerRouter:
        """The handler's trigger routes and allowed commands, made on first use."""
        if self.triggers is None:
            from faas_bridge.routing.triggers import TriggerRouter

            self.triggers = TriggerRouter()
        return self.triggers

    # -- invocations ------------------------------------------------------------------

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """Every adapter this handler may use, in detection order."""
        return tuple(self._adapter(i) for i in range(len(self._entries)))

    def _adapter(self, index: int) -> Platform:
        adapter = self._adapters[index]
        if adapter is None:
            adapter = load_platform(self._entries[index][1], self.options)
            self._adapters[index] = adapter
        return adapter

    def detect(self, event: Any) -> Platform:
        """The adapter for this event: the last one used is asked first."""
        last = self._last
        if last is not None and _matches(last, event):
            return last
        for index in range(len(self._entries)):
            platform = self._adapter(index)
            if platform is not last and _matches(platform, event):
                self._last = platform
                return platform
        raise UnrecognisedEvent(event, (name for name, _ in self._entries))

    def as_function(self) -> Callable[..., Any]:
        """This handler as a plain function, for platforms that accept nothing else.

        Google's functions-framework refuses a target that is not a
        ``types.FunctionType``: set ``handler = wrap(app).as_function()`` in
        ``main.py``. The function's ``__wrapped__`` is this handler.
        """

        def handler(event: Any, context: Any = None) -> Any:
            return self(event, context)

        return functools.update_wrapper(handler, self, assigned=(), updated=())

    def __call__(self, event: Any, context: Any = None) -> Any:
        if isinstance(event, (bytes, bytearray, str)):
            event = _parse_json(event)  # Alibaba FC delivers events as bytes of JSON
        try:
            platform = self.detect(event)
        except UnrecognisedEvent as exc:
            unrecognised: UnrecognisedEvent | None = exc
        else:
            unrecognised = None
        if unrecognised is not None:  # outside the except: later errors are not chained to it
            return self._not_http(event, context, unrecognised)
        try:
            request = platform.decode(event, context)
            self.vet(request, platform)
        except MalformedEvent as exc:
            return self._reject(platform, event, context, str(exc), exc.status)
        except FaasBridgeError:
            raise  # not a request at all (a Lambda@Edge response trigger): the platform says so
        except Exception as exc:
            # A safety net: adapters raise MalformedEvent naming the key themselves,
            # so this is an adapter to fix; its traceback is logged.
            logger.warning(
                "faas_bridge: the %s adapter failed on an event", platform.name, exc_info=True
            )
            return self._reject(platform, event, context, f"{type(exc).__name__}: {exc}")
        try:
            routes = self.routes
            if routes is None or routes.allows(request):
                response = self._run(self.bridge_input(request), platform, event, context)
            else:
                response = routes.refusal(request)  # another function's route (faas.yml)
        finally:
            if self.cold:
                self._report_cold_start(platform)
        return self._encode(response, request.method == "HEAD", platform, event, context)

    def _not_http(self, event: Any, context: Any, unrecognised: UnrecognisedEvent) -> Any:
        """A warm-up ping, a command, a routed non-HTTP event, or the error saying what would.

        Pings are looked for only among the events no adapter claims: a
        request is the app's, whatever keys lie beside it.
        """
        if self.options.warmup:
            warmup = self._warmup
            if warmup is None:
                from faas_bridge.lifecycle.warmup import WarmupMatcher

                warmup = self._warmup = WarmupMatcher(self.options.warmup)
            if warmup(event):
                return dict(WARM_REPLY)
        from faas_bridge.routing.triggers import handle_event

        return handle_event(self, event, context, unrecognised)

    def vet(self, request: Request, platform: Platform) -> None:
        """Check what every adapter's request must satisfy, once for all of them.

        MalformedEvent (400) for what no HTTP client sends, RequestTooLarge (413)
        for a body over the vendor's limit; with ``trusted_proxy_hops``, the
        client address is then read from X-Forwarded-For.
        """
        check_request(request)
        limit = platform.request_limit
        if limit is not None and len(request.body) > limit:
            raise RequestTooLarge(
                f"the request body holds {len(request.body)} bytes; {platform.name} passes "
                f"at most {limit} to a function",
                "body",
            )
        hops = self.options.trusted_proxy_hops
        if hops:
            client = forwarded_client(
                request.headers, request.client, hops, platform.forwarded_window
            )
            if client != request.client and client is not None:
                request.client = client
                if request.environ is not None:  # the vendor's own environ, passed to WSGI apps
                    environ = {**request.environ, "REMOTE_ADDR": client[0]}
                    environ.pop("REMOTE_PORT", None)
                    if client[1]:
                        environ["REMOTE_PORT"] = str(client[1])
                    request.environ = environ

    def _encode(
        self,
        response: Response,
        head: bool,
        platform: Platform,
        event: Any,
        context: Any,
        whole: bool = False,
    ) -> Any:
        """The vendor's reply for the app's response, or a defined error reply.

        A reply that is not valid HTTP is a 500 (logged, never sent: a CR or LF
        in a header would forge headers); one the vendor would refuse, a 502.
        A streamed reply, or one with work left to run after it, is made by
        :meth:`_encode_open`; ``whole`` encodes the reply with its body whole
        whatever the options (``_encode_open`` asks so where nothing streams).
        """
        if not whole and (response.after is not None or self.options.response_stream):
            return self._encode_open(response, head, platform, event, context)
        try:
            header_chars = check_reply(response)
        except AppFailure as exc:
            return self._fail(platform, exc, event, context)
        if response.body and (head or response.status in _NO_BODY_STATUSES):
            response.body = b""  # a server sends no body here whatever the app wrote
        try:
            reply = platform.encode(response, event, context)
        except AppFailure as exc:
            return self._fail(platform, exc, event, context)
        except Exception:
            logger.exception(
                "faas_bridge: the %s adapter could not encode the app's reply (request id %s)",
                platform.name,
                request_id_of(platform, event, context),
            )
            return self._fail(
                platform, AppFailure("the reply could not be encoded"), event, context
            )
        limit = platform.reply_limit
        # JSON holds a body byte in at most 6 bytes and a header character in 3:
        # only a reply that might be too large is measured.
        bound = 6 * len(response.body) + 3 * header_chars + 16 * len(response.headers) + 1024
        if limit is not None and bound > limit:
            size = platform.reply_size(reply)
            if size > limit:
                message = (
                    f"the app's reply is {size} bytes as {platform.name} counts it; "
                    f"it accepts at most {limit}"
                )
                return self._fail(platform, ReplyTooLarge(message), event, context)
        return reply

    def _fail(self, platform: Platform, exc: AppFailure, event: Any, context: Any) -> Any:
        """The reply for a failure after the app ran: logged once, details never sent on 500."""
        return self._vendor(platform, self._failure(platform, exc, event, context), event, context)

    def _failure(self, platform: Platform, exc: AppFailure, event: Any, context: Any) -> Response:
        status = exc.status
        logger.error(
            "faas_bridge: %s; answered %d instead (request id %s)",
            exc,
            status,
            request_id_of(platform, event, context),
        )
        phrase = status_line(status).split(" ", 1)[1]
        text = phrase if status == 500 else f"{phrase}: {exc}"
        return plain_response(status, text)

    def _vendor(self, platform: Platform, response: Response, event: Any, context: Any) -> Any:
        """faas_bridge's own reply (an error) in the vendor's format, streamed where replies are."""
        if self._streams(platform, context):
            return self._streamed(response, False, platform, event, context)
        return platform.encode(response, event, context)

    # -- streamed replies, and work after the reply (under faas_bridge's runtime) --------

    def _streams(self, platform: Platform, context: Any) -> bool:
        """Whether this reply goes out as a stream: ``response_stream`` is on, and
        either the vendor's own server sends a stream (its adapter makes a streamed
        reply: functions-framework), or the integration streams (its adapter writes
        a stream's head) and the caller can send a stream (faas_bridge's runtime,
        Azure's HTTP streams function, or the local gateway's ``--stream``)."""
        return self.options.response_stream and (
            hasattr(platform, "stream_reply")
            or (getattr(context, RUNTIME_MARK, False) is True and hasattr(platform, "stream_head"))
        )

    def _unstreamed(self, platform: Platform) -> None:
        """Say once that replies are buffered although response_stream is on."""
        self._said_unstreamed = True
        if hasattr(platform, "stream_head"):
            logger.warning(
                "faas_bridge: response_stream is on, but this runtime cannot stream: %s replies "
                "are buffered (run the function on faas_bridge.runtime; README: Streaming)",
                platform.name,
            )
        else:
            logger.warning(
                "faas_bridge: response_stream is on, but %s cannot stream a reply: replies are "
                "buffered (README: Streaming)",
                platform.name,
            )

    def _encode_open(
        self, response: Response, head: bool, platform: Platform, event: Any, context: Any
    ) -> Any:
        """The vendor's reply for a streamed reply, or one whose app has work left (``after``).

        The work left is handed to the runtime in a Finishing, which runs it once
        the reply is posted.
        """
        after, response.after = response.after, None
        try:
            if self._streams(platform, context):
                reply = self._streamed(response, head, platform, event, context)
            else:
                if self.options.response_stream and not self._said_unstreamed:
                    self._unstreamed(platform)
                buffer_stream(response)  # only a streaming integration takes a stream
                reply = self._encode(response, head, platform, event, context, whole=True)
        except BaseException:
            if after is not None:
                after()
            raise
        if after is None:
            return reply
        run_after = getattr(platform, "run_after", None)
        if run_after is not None:  # the vendor's server runs it once the reply is sent
            return run_after(reply, after)
        from faas_bridge.runtime.client import Finishing

        return Finishing(reply, after)

    def _streamed(
        self, response: Response, head: bool, platform: Platform, event: Any, context: Any
    ) -> Any:
        """The reply as a stream: the adapter's own streamed reply (``stream_reply``), or
        what the Runtime API's streaming mode sends (a StreamedReply: the prelude, then the body).

        The same checks as a buffered reply's; no size limit of ours (Lambda
        bounds a streamed reply itself).
        """
        from faas_bridge.runtime.client import HttpHead, StreamedReply

        stream = response.stream
        try:
            check_reply(response)
        except AppFailure as exc:
            if stream is not None:
                stream.close()
            response = self._failure(platform, exc, event, context)
            stream = None
        if head or response.status in _NO_BODY_STATUSES:
            if stream is not None:
                stream.close()  # a server sends no body here whatever the app writes
            response.body, stream = b"", None
        chunks = stream if stream is not None else (response.body,) if response.body else ()
        try:
            stream_reply = getattr(platform, "stream_reply", None)
            if stream_reply is not None:  # the vendor's server sends it (functions-framework)
                return stream_reply(response, chunks)
            status, headers, cookies = platform.stream_head(response)  # type: ignore[attr-defined]
        except BaseException:
            if stream is not None:
                stream.close()
            raise
        return StreamedReply(chunks, HttpHead(status, headers, cookies))

    def respond(self, request: Request, platform: Platform, context: Any) -> Response:
        """The app's whole reply to a decoded request, once the app has returned.

        Failures and the deadline are made replies. (An invocation under
        faas_bridge's runtime may send the reply first: see :meth:`_encode_open`.)
        """
        response = self._run(self.bridge_input(request), platform, request.event, context)
        after, response.after = response.after, None
        try:
            buffer_stream(response)
        finally:
            if after is not None:
                after()
        return response

    def _run(self, taken: Any, platform: Platform, event: Any, context: Any) -> Response:
        """The app's reply to its input (an environ, or a scope and body).

        Failures and the deadline are turned into replies.
        """
        budget = None
        try:
            remaining = platform.remaining_time(context)
        except Exception as exc:
            self._no_deadline(_exception_text(exc), platform, event, context)
            remaining = None
        if remaining is not None:
            budget = remaining - self.options.deadline_margin
            if not -_INF < budget < _INF:  # NaN, infinities
                if remaining != _INF:  # +inf is a readable "no deadline"
                    self._no_deadline(f"it reads {remaining!r}", platform, event, context)
                budget = None
        try:
            if self.asgi is not None:
                if budget is not None and budget <= 0:
                    raise TimeoutError
                scope, body = taken
                streams = self._streams(platform, context)
                if streams or getattr(context, RUNTIME_MARK, False) is True:
                    # The reply goes out before the app's remaining work (see open()).
                    opened: Response = self.asgi.open(scope, body, budget, stream=streams)
                    return opened
                response: Response = self.asgi.runner.run(self.asgi.run(scope, body, budget))
                return response
            run = self.wsgi.run
            if self.options.response_stream and self._streams(platform, context):
                run = self.wsgi.stream
            if budget is None:
                return run(taken)  # type: ignore[no-any-return]
            watch = self._watch
            assert watch is not None
            if budget < watch.idle:
                watch.shorten(budget)
            # The watch's thread reads the deadline from the context, if it must.
            running = watch.running
            thread_id = get_ident()
            outer = running.get(thread_id)  # the app called the handler itself
            running[thread_id] = (platform, event, context, self.options.deadline_margin)
            try:
                return run(taken)  # type: ignore[no-any-return]
            finally:
                if outer is None:
                    del running[thread_id]
                else:
                    running[thread_id] = outer
        except TimeoutError:  # the ASGI bridge's deadline (asyncio's is turned into it)
            logger.error(
                "faas_bridge: %s cancelled %.2f s before the deadline (request id %s)",
                _describe(taken),
                self.options.deadline_margin,
                request_id_of(platform, event, context),
            )
            return plain_response(504, "Gateway Timeout")
        except Exception:
            logger.exception(
                "faas_bridge: the app failed on %s (request id %s)",
                _describe(taken),
                request_id_of(platform, event, context),
            )
            return plain_response(500, "Internal Server Error")

    def _no_deadline(self, problem: str, platform: Platform, event: Any, context: Any) -> None:
        """A context whose remaining time cannot be read: no deadline known, said once."""
        if not self._deadline_unread:
            self._deadline_unread = True
            logger.warning(
                "faas_bridge: the context's remaining time cannot be read (%s); requests "
                "run without a deadline while it cannot (request id %s; logged once)",
                safe_text(problem, 200),
                request_id_of(platform, event, context),
            )

    def _reject(
        self, platform: Platform, event: Any, context: Any, reason: str, status: int = 400
    ) -> Any:
        reason = safe_text(reason, 800)
        logger.warning(
            "faas_bridge: malformed %s event (request id %s): %s",
            platform.name,
            request_id_of(platform, event, context),
            reason,
        )
        phrase = status_line(status).split(" ", 1)[1]
        return self._vendor(platform, plain_response(status, f"{phrase}: {reason}"), event, context)

    def _report_cold_start(self, platform: Platform) -> None:
        self.cold = False
        logger.info(
            "faas_bridge cold start %s",
            json.dumps({"platform": platform.name, "interface": self.interface, **self.timings}),
        )


# A SIGTERM that arrives while a thread is inside the handler waits until it returns.
signals.busy_codes.add(Handler.__call__.__code__)


def _single_callable(app: Any) -> Any:
    """ASGI 3 form of the app; asgiref is imported only for ASGI 2 apps."""
    if getattr(app, "_asgi_double_callable", False) or isinstance(app, type):
        from asgiref.compatibility import guarantee_single_callable

        return guarantee_single_callable(app)  # type: ignore[no-untyped-call]
    return app


def _matches(platform: Platform, event: Any) -> bool:
    """Whether the adapter claims the event; one that fails to tell does not."""
    try:
        return platform.matches(event)
    except Exception:
        return False


def _describe(taken: Any) -> str:
    """``GET /path`` for a log line, from a bridge's input (not the query: it may hold secrets)."""
    if type(taken) is tuple:
        scope = taken[0]
        return f"{scope['method']} {scope['raw_path'].decode('latin-1')}"
    # A server's environ (Google's, Alibaba FC 2.0's) is given to the app as the
    # server made it, so its values are formatted, never assumed to be text.
    method, root, path = (taken.get(k, "") for k in ("REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO"))
    return f"{method} {root}{path}"


def _exception_text(exc: BaseException) -> str:
    """``Type: message`` for a log line, even from an exception whose str() fails."""
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:
        return type(exc).__name__


def _parse_json(event: bytes | bytearray | str) -> Any:
    """The JSON document an event delivered as text or bytes holds, else the event."""
    try:
        return json.loads(event)
    except (ValueError, RecursionError):
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
    trusted_proxy_hops: int = 0,
    non_http_events: NonHttpEvents = "auto",
    underscore_headers: UnderscoreHeaders = "drop",
    response_stream: bool = False,
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
    ``shutdown_timeout``: the most seconds the whole shutdown (hooks, then
    the lifespan) may take; a step past its share is abandoned.
    ``warmup``: ``"key=value"`` markers of warm-up pings.
    ``trusted_proxy_hops``: how many proxies of your own (a CloudFront
    distribution, say) stand in front of the vendor; the client address is
    then read that many entries into X-Forwarded-For. 0: the vendor's record.
    ``non_http_events``: ``"auto"`` takes trigger deliveries except where an
    anonymous HTTP caller can write the whole event; ``"accept"`` there too;
    ``"refuse"`` never (see faas_bridge.routing.surfaces).
    ``underscore_headers``: ``"drop"`` request headers whose names hold ``_``
    from a WSGI environ (as gunicorn does), or ``"keep"`` them.
    ``response_stream``: the integration streams replies (a Function URL in
    the ``RESPONSE_STREAM`` invoke mode, a REST API with response streaming);
    under faas_bridge's runtime, replies then go out as the app produces them
    (README: Streaming).
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
        trusted_proxy_hops=trusted_proxy_hops,
        non_http_events=non_http_events,
        underscore_headers=underscore_headers,
        response_stream=response_stream,
    )
    return Handler(app, options)
