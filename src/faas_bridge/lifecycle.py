"""What outlives one invocation: startup and shutdown, once each per process.

The wrapped app must behave as it does under uvicorn or gunicorn: started
once (during the platform's init phase when the handler is built at import
time), kept warm across invocations, stopped once when the runtime is told to
stop (SIGTERM, interpreter exit). Also here: the watchdog that shows where a
WSGI request hangs before its deadline, and warm-up ping recognition.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .options import LifespanMode

if TYPE_CHECKING:  # asyncio is imported for ASGI apps only: a WSGI cold start skips it
    import asyncio

    from ._loop import LoopRunner

logger = logging.getLogger("faas_bridge")

Hook = Callable[[], Any]


class LifespanFailure(RuntimeError):
    """The app reported ``lifespan.startup.failed`` (or ``shutdown.failed``)."""


class Lifespan:
    """The ASGI lifespan protocol for one app, on the persistent loop.

    The app's lifespan coroutine stays suspended between invocations (waiting
    for ``lifespan.shutdown``), exactly as under uvicorn.
    """

    def __init__(self, app: Any, runner: LoopRunner) -> None:
        self.app = app
        self.runner = runner
        self.state: dict[str, Any] = {}
        self.supported = False
        self._inbox: asyncio.Queue[dict[str, Any]] | None = None
        self._received = False
        self._startup: asyncio.Future[tuple[str, Any]] | None = None
        self._shutdown: asyncio.Future[tuple[str, Any]] | None = None
        self._task: asyncio.Task[None] | None = None

    def startup(self, mode: LifespanMode) -> None:
        """Send ``lifespan.startup`` and wait for the app's answer.

        With ``"on"`` a failure raises the app's own error (like uvicorn
        refusing to start); with ``"auto"`` an app without lifespan support
        (Django's ASGI handler) is left alone quietly and a real startup
        failure is logged once.
        """
        outcome, detail = self.runner.run(self._start())
        if outcome == "complete":
            self.supported = True
            return
        if outcome == "failed":
            if mode == "on":
                raise LifespanFailure(f"lifespan startup failed: {detail}")
            logger.error("faas_bridge: the app's lifespan startup failed: %s", detail)
        elif outcome == "error" and self._received:
            if mode == "on":
                raise detail
            logger.error("faas_bridge: the app's lifespan startup raised", exc_info=detail)
        elif mode == "on":
            raise LifespanFailure(
                "the app does not support the ASGI lifespan protocol"
                + (f" ({type(detail).__name__}: {detail})" if detail is not None else "")
                + "; use lifespan='auto' or 'off'"
            ) from detail
        else:
            logger.debug("faas_bridge: the app does not support lifespan; going on without")

    async def _start(self) -> tuple[str, Any]:
        import asyncio

        loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._startup = loop.create_future()
        self._shutdown = loop.create_future()
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        self._task = loop.create_task(self._main(scope))
        self._inbox.put_nowait({"type": "lifespan.startup"})
        return await self._startup

    async def _main(self, scope: dict[str, Any]) -> None:
        assert self._startup is not None and self._shutdown is not None
        try:
            await self.app(scope, self._receive, self._send)
        except Exception as exc:
            for phase in (self._startup, self._shutdown):
                if not phase.done():
                    phase.set_result(("error", exc))
                    break
        for phase in (self._startup, self._shutdown):
            if not phase.done():
                phase.set_result(("returned", None))

    async def _receive(self) -> dict[str, Any]:
        assert self._inbox is not None
        self._received = True
        return await self._inbox.get()

    async def _send(self, message: Mapping[str, Any]) -> None:
        assert self._startup is not None and self._shutdown is not None
        kind = message.get("type", "")
        phase = self._startup if kind.startswith("lifespan.startup.") else self._shutdown
        if kind.endswith(".complete") and not phase.done():
            phase.set_result(("complete", None))
        elif kind.endswith(".failed") and not phase.done():
            phase.set_result(("failed", message.get("message", "")))

    def shutdown(self, timeout: float) -> None:
        """Send ``lifespan.shutdown`` and wait at most ``timeout`` seconds."""
        if not self.supported or self._task is None or self._task.done():
            return
        outcome, detail = self.runner.run(self._stop(timeout))
        if outcome == "failed":
            logger.error("faas_bridge: the app's lifespan shutdown failed: %s", detail)
        elif outcome == "error":
            logger.error("faas_bridge: the app's lifespan shutdown raised", exc_info=detail)
        elif outcome == "timeout":
            logger.error("faas_bridge: lifespan shutdown did not finish in %.1f s", timeout)

    async def _stop(self, timeout: float) -> tuple[str, Any]:
        import asyncio

        assert self._inbox is not None and self._shutdown is not None and self._task
        self._inbox.put_nowait({"type": "lifespan.shutdown"})
        try:
            return await asyncio.wait_for(asyncio.shield(self._shutdown), timeout)
        except asyncio.TimeoutError:
            self._task.cancel()
            return ("timeout", None)


class Lifecycle:
    """Startup and shutdown hooks and the ASGI lifespan of one handler."""

    def __init__(
        self,
        runner: LoopRunner | None,
        lifespan: Lifespan | None,
        mode: LifespanMode,
        shutdown_timeout: float,
    ) -> None:
        self.runner = runner
        self.lifespan = lifespan
        self.mode = mode
        self.shutdown_timeout = shutdown_timeout
        self.startup_hooks: list[Hook] = []
        self.shutdown_hooks: list[Hook] = []
        self.restore_hooks: list[Hook] = []
        self.started = False
        self.stopped = False
        self.startup_seconds = 0.0
        self._lock = threading.Lock()

    def startup(self) -> None:
        """Run the lifespan startup and the startup hooks, once."""
        with self._lock:
            if self.started:
                return
            began = time.perf_counter()
            if self.lifespan is not None:
                self.lifespan.startup(self.mode)
            for hook in self.startup_hooks:
                self._call(hook)
            self.started = True
            self.startup_seconds = time.perf_counter() - began
        _register(self)

    def add_startup(self, hook: Hook) -> None:
        """Register a startup hook; after startup it runs at once (still once)."""
        with self._lock:
            self.startup_hooks.append(hook)
            run_now = self.started
        if run_now:
            self._call(hook)

    def shutdown(self) -> None:
        """Run the shutdown hooks (newest first), then the lifespan shutdown, once."""
        with self._lock:
            if self.stopped or not self.started:
                return
            self.stopped = True
        for hook in reversed(self.shutdown_hooks):
            try:
                self._call(hook)
            except Exception:
                logger.exception("faas_bridge: a shutdown hook failed: %r", hook)
        if self.lifespan is not None:
            self.lifespan.shutdown(self.shutdown_timeout)

    def restored(self) -> None:
        """After a SnapStart restore: run the restore hooks (reconnect clients)."""
        for hook in self.restore_hooks:
            self._call(hook)

    def _call(self, hook: Hook) -> None:
        result = hook()
        if _isawaitable(result):
            if self.runner is None:
                from ._loop import loop_runner

                self.runner = loop_runner()
            self.runner.run(_await(result))


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _isawaitable(value: Any) -> bool:
    """inspect.isawaitable, without importing inspect for a hook that returns None."""
    if value is None:
        return False
    import inspect

    return inspect.isawaitable(value)


# -- Process-wide: shut every started lifecycle down once, on SIGTERM or at exit --

_lifecycles: list[Lifecycle] = []
_registry_lock = threading.Lock()
_installed = False
_deferred_signal: int | None = None


def _register(lifecycle: Lifecycle) -> None:
    global _installed
    with _registry_lock:
        _lifecycles.append(lifecycle)
        if _installed:
            return
        _installed = True
    atexit.register(shutdown_all)
    _install_sigterm()
    _register_snapstart()


def shutdown_all() -> None:
    """Shut down every started handler in this process, newest first, once each."""
    with _registry_lock:
        lifecycles = list(_lifecycles)
        _lifecycles.clear()
    for lifecycle in reversed(lifecycles):
        lifecycle.shutdown()


def _install_sigterm() -> None:
    """Run the shutdowns on SIGTERM, then whatever handled SIGTERM before us."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _make_sigterm_handler(previous))
    except (ValueError, OSError):  # pragma: no cover - no signals in this environment
        pass


def _make_sigterm_handler(previous: Any) -> Callable[[int, Any], None]:
    def on_sigterm(signum: int, frame: Any) -> None:
        global _deferred_signal
        aio = sys.modules.get("asyncio")  # no loop can run before asyncio is imported
        running = aio._get_running_loop() if aio is not None else None
        if running is not None and not running.is_closed():
            # The signal interrupted an invocation in this thread: the loop
            # cannot be re-entered. Stop as soon as the invocation returns.
            _deferred_signal = signum
            return
        shutdown_all()
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    return on_sigterm


def after_invocation() -> None:
    """Act on a SIGTERM that arrived during the invocation that just ended."""
    global _deferred_signal
    signum, _deferred_signal = _deferred_signal, None
    if signum is not None:
        os.kill(os.getpid(), signum)


def _register_snapstart() -> None:
    """AWS Lambda SnapStart: run restore hooks after the snapshot is restored.

    Startup already ran during init, so it is in the snapshot; after a restore
    the hooks reconnect whatever the snapshot froze (database clients...).
    """
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
    except ImportError:
        return

    def restore_all() -> None:
        with _registry_lock:
            lifecycles = list(_lifecycles)
        for lifecycle in lifecycles:
            lifecycle.restored()

    register_after_restore(restore_all)


# -- Deadlines for WSGI apps: show where a request hangs --------------------------


class Deadlined(Protocol):
    """What the watch asks about a request: its adapter's view of the deadline and id."""

    def remaining_time(self, context: Any, /) -> float | None: ...
    def request_id(self, event: Any, context: Any, /) -> str | None: ...


#: A running request as the handler registers it: (its adapter, event, context,
#: the margin before the deadline at which its stack is logged).
Running = tuple[Deadlined, Any, Any, float]


class StackWatch:
    """Logs the stack of a request still running shortly before its deadline.

    A WSGI app cannot be cancelled, but the user can learn where it hung. One
    daemon thread serves every handler. Registering a request costs one
    dictionary entry, ``running[thread id] = (adapter, event, context,
    margin)``, removed when it finishes: the thread works out each request's
    deadline itself, from the context, the first time it sees it. It looks at
    ``running`` again at the next deadline or, with none to wait for, after
    the shortest budget seen (a request registered meanwhile is then found
    before its own deadline), so it is only woken when a request comes with a
    budget shorter than any before (:meth:`shorten`): on AWS Lambda, whose
    invocations share one timeout, once.
    """

    def __init__(self) -> None:
        #: thread id -> the request that thread is running.
        self.running: dict[int, Running] = {}
        #: How long the thread sleeps with nothing due: the shortest budget seen.
        self.idle = float("inf")
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def shorten(self, budget: float) -> None:
        """A request has ``budget`` seconds, less than :attr:`idle`: look sooner."""
        with self._cond:
            self.idle = max(min(budget, self.idle), _SHORTEST_IDLE)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="faas_bridge-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        #: thread id -> (the request last seen there, its deadline; inf once logged).
        seen: dict[int, tuple[Running, float]] = {}
        while True:
            with self._cond:
                now = time.monotonic()
                wake_at = now + self.idle
                stuck: list[tuple[int, Running]] = []
                current: dict[int, tuple[Running, float]] = {}
                # list() copies in one step in C: safe while requests come and go.
                for thread_id, request in list(self.running.items()):
                    known = seen.get(thread_id)
                    due = known[1] if known is not None and known[0] is request else None
                    if due is None:
                        due = _deadline(request, now)
                    if due <= now:
                        stuck.append((thread_id, request))
                        due = float("inf")  # logged once
                    current[thread_id] = (request, due)
                    wake_at = min(wake_at, due)
                seen = current
                if not stuck:
                    self._cond.wait(wake_at - now)
                    continue
            for thread_id, (platform, event, context, _) in stuck:
                frame = sys._current_frames().get(thread_id)
                stack = "".join(traceback.format_stack(frame)) if frame else "(gone)\n"
                logger.error(
                    "faas_bridge: request %s is about to reach its deadline and is still "
                    "running; where it is now:\n%s",
                    request_id_of(platform, event, context),
                    stack,
                )


_INF = float("inf")

#: The shortest sleep of the idle watchdog thread, in seconds.
_SHORTEST_IDLE = 0.1


def _deadline(request: Running, now: float) -> float:
    """When the request's stack is logged (monotonic seconds); inf when the context cannot tell."""
    platform, _, context, margin = request
    try:
        remaining = platform.remaining_time(context)
    except Exception:
        remaining = None
    if remaining is None or not -_INF < remaining < _INF:  # NaN: no deadline known
        return _INF
    return now + remaining - margin


def request_id_of(platform: Deadlined, event: Any, context: Any) -> str | None:
    """The invocation's id for a log line; None when even that cannot be read."""
    try:
        return platform.request_id(event, context)
    except Exception:
        return None


_watch: StackWatch | None = None


def stack_watch() -> StackWatch:
    global _watch
    if _watch is None:
        _watch = StackWatch()
    return _watch


# -- Warm-up pings -----------------------------------------------------------------


class WarmupMatcher:
    """Recognises warm-up pings from ``"key=value"`` markers (dotted keys allowed).

    The default marker is serverless-plugin-warmup's payload. A scheduled rule
    whose input is a constant such as ``{"warmer": true}`` is matched by the
    marker ``warmer=true``; a real scheduled event never carries it.
    """

    __slots__ = ("_markers", "keys")

    def __init__(self, markers: tuple[str, ...]) -> None:
        parsed: list[tuple[tuple[str, ...], str]] = []
        for marker in markers:
            path, sep, value = marker.partition("=")
            if sep and path.strip():
                parsed.append((tuple(path.strip().split(".")), value.strip()))
        self._markers = tuple(parsed)
        #: The top-level keys the markers read: an event with none of them is no ping.
        self.keys = frozenset(path[0] for path, _ in parsed)

    def __call__(self, event: Any) -> bool:
        if type(event) is not dict and not isinstance(event, Mapping):
            return False
        for path, expected in self._markers:
            value: Any = event.get(path[0])
            if value is None:
                continue  # the usual case: an HTTP event has no such key
            for key in path[1:]:
                value = value.get(key) if isinstance(value, Mapping) else None
            if value is not None and _text(value) == expected:
                return True
        return False


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)
