"""What outlives one invocation: startup and shutdown, once each per process.

The wrapped app must behave as it does under uvicorn or gunicorn: started
once (during the platform's init phase when the handler is built at import
time), kept warm across invocations, stopped once when the runtime is told to
stop (SIGTERM, interpreter exit). Also here: the watchdog that shows where a
WSGI request hangs before its deadline, and warm-up ping recognition.
"""

from __future__ import annotations

import _thread
import atexit
import functools
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, Protocol

from faas_bridge.options import LifespanMode

if TYPE_CHECKING:  # asyncio is imported for ASGI apps only: a WSGI cold start skips it
    import asyncio

    from faas_bridge.bridges._loop import LoopRunner

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
        """Run the shutdown hooks (newest first), then the lifespan shutdown, once.

        All of it within ``shutdown_timeout``: each step may take an equal share
        of the time left (one that ends early leaves its time to those after
        it). A step still running at the end of its share is abandoned, with
        a log line naming it (an async hook is cancelled), and the next one
        starts. Each step runs in a thread of its own, so that it can be
        abandoned; async hooks and the lifespan run on the app's event loop.
        """
        with self._lock:
            if self.stopped or not self.started:
                return
            self.stopped = True
        steps: list[tuple[str, Callable[[float], Any]]] = [
            (f"the shutdown hook {_hook_name(hook)}", functools.partial(self._run_hook, hook))
            for hook in reversed(self.shutdown_hooks)
        ]
        lifespan = self.lifespan
        if lifespan is not None and lifespan.supported:
            steps.append(("the ASGI lifespan shutdown", lifespan.shutdown))
        deadline = time.monotonic() + self.shutdown_timeout
        for index, (name, step) in enumerate(steps):
            share = max(deadline - time.monotonic(), 0.0) / (len(steps) - index)
            _bounded(name, step, share)

    def _run_hook(self, hook: Hook, timeout: float) -> None:
        """One shutdown hook; an async one is cancelled after ``timeout`` seconds."""
        result = hook()
        if _isawaitable(result):
            if self.runner is None:
                from faas_bridge.bridges._loop import loop_runner

                self.runner = loop_runner()
            self.runner.run(_within(result, timeout))

    def restored(self) -> None:
        """After a SnapStart restore: run the restore hooks (reconnect clients)."""
        for hook in self.restore_hooks:
            self._call(hook)

    def _call(self, hook: Hook) -> None:
        result = hook()
        if _isawaitable(result):
            if self.runner is None:
                from faas_bridge.bridges._loop import loop_runner

                self.runner = loop_runner()
            self.runner.run(_await(result))


async def _await(awaitable: Any) -> Any:
    return await awaitable


class _Cancelled(Exception):
    """A shutdown step's awaitable was cancelled for running past its share."""


async def _within(awaitable: Any, timeout: float) -> None:
    """Await ``awaitable`` for ``timeout`` seconds at most, then cancel it.

    Not asyncio.wait_for: a TimeoutError the hook raises itself is its own
    failure, not the timeout's. The cancelled hook is given a moment (its
    ``finally`` blocks) before the step ends.
    """
    import asyncio

    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait((task,), timeout=timeout)
    if done:
        task.result()
        return
    task.cancel()
    await asyncio.wait((task,), timeout=timeout / 18)  # within the wait's last tenth
    raise _Cancelled


def _hook_name(hook: Hook) -> str:
    """``module.qualname`` of a hook, for a log line."""
    name = getattr(hook, "__qualname__", None) or getattr(hook, "__name__", None)
    module = getattr(hook, "__module__", None)
    if not isinstance(name, str):
        return repr(hook)
    return f"{module}.{name}" if isinstance(module, str) else name


def _bounded(name: str, step: Callable[[float], Any], seconds: float) -> None:
    """Run ``step`` in a thread of its own and wait at most ``seconds`` for it.

    The step is abandoned if it runs longer (a sync hook cannot be stopped;
    the process is about to end). Where no thread can be started (Python
    3.12 at interpreter exit), it runs here, and only an async step is bounded.
    A bare ``_thread`` thread: this may run in a signal handler that
    interrupted ``threading``'s own bookkeeping, whose locks it must not take.
    """
    outcome: list[BaseException | None] = []
    finished = _thread.allocate_lock()
    finished.acquire()

    def run() -> None:
        try:
            step(inner)
        except BaseException as exc:  # reported below, in the waiting thread
            outcome.append(exc)
        else:
            outcome.append(None)
        finally:
            finished.release()

    # The step's own timeout (an async hook's, the lifespan's) falls a little
    # inside the wait for it, so that it is cancelled rather than abandoned.
    inner = seconds * 0.9
    try:
        _thread.start_new_thread(run, ())
    except RuntimeError:  # can't create new thread at interpreter shutdown
        run()
    else:
        finished.acquire(timeout=seconds)
    if not outcome:
        logger.error(
            "faas_bridge: %s did not finish in its share of shutdown_timeout (%.2f s); abandoned",
            name,
            seconds,
        )
        return
    exc = outcome[0]
    if exc is None:
        return
    if isinstance(exc, _Cancelled):
        logger.error(
            "faas_bridge: %s did not finish in its share of shutdown_timeout (%.2f s); cancelled",
            name,
            seconds,
        )
    else:
        logger.error("faas_bridge: %s failed", name, exc_info=exc)


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


#: Code objects whose frames mean "an invocation (or the app's startup) is
#: running in this thread": a SIGTERM then waits for it (dispatch adds the
#: handler's own).
busy_codes: set[CodeType] = set()

#: How often the thread that waits for the invocations looks at them, and how
#: long no invocation must run before the signal is acted on: time for the
#: runtime to send the reply the handler has just returned.
_POLL = 0.01
_SETTLE = 0.1


class _SignalState:
    """A SIGTERM waiting for the invocations in progress (main thread and waiter share it)."""

    deferred: int | None = None
    waiting = False
    stopping = False


_signals = _SignalState()
busy_codes.update((Lifecycle.startup.__code__, Lifecycle._call.__code__))


def _busy() -> bool:
    """Whether any thread is inside an invocation or a startup, as its frames show."""
    codes = busy_codes
    for frame in list(sys._current_frames().values()):
        current: FrameType | None = frame
        while current is not None:
            if current.f_code in codes:
                return True
            current = current.f_back
    return False


def _make_sigterm_handler(previous: Any) -> Callable[[int, Any], None]:
    def on_sigterm(signum: int, frame: Any) -> None:
        state = _signals
        if state.stopping:
            return  # a repeat while the shutdown runs
        if _busy():
            # An invocation is running (in this thread, interrupted, or in
            # another): stopping now would lose its reply, or pull resources
            # from under it. Act once every invocation has returned.
            state.deferred = signum
            if not state.waiting:
                state.waiting = True
                _thread.start_new_thread(_redeliver, ())  # see _bounded: no threading locks
            return
        state.deferred = None
        state.stopping = True
        try:
            shutdown_all()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
        finally:
            state.stopping = False

    return on_sigterm


def _redeliver() -> None:
    """Send the deferred SIGTERM again once no invocation has run for a while.

    Signal handlers run in the main thread only, so the handler installed
    before ours (sys.exit, a server's graceful stop) gets the signal there.
    """
    state = _signals
    while True:
        time.sleep(_POLL)
        if _busy():
            continue
        time.sleep(_SETTLE)
        if not _busy():
            break
    state.waiting = False
    signum, state.deferred = state.deferred, None
    if signum is not None:
        os.kill(os.getpid(), signum)


def _register_snapstart() -> None:
    """AWS Lambda SnapStart: run restore hooks after the snapshot is restored.

    Startup already ran during init, so it is in the snapshot; after a restore
    the hooks reconnect whatever the snapshot froze (database clients...).
    """
    try:
        from snapshot_restore_py import register_after_restore
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
        if "__ow_method" in event:
            # An OpenWhisk web request: a default web action merges the
            # caller's JSON body beside __ow_method, so a body shaped like a
            # ping is the caller's request, which the app must answer.
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
