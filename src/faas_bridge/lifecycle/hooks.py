"""Startup and shutdown hooks: started once per process, stopped once, in bounded time.

The wrapped app must behave as it does under uvicorn or gunicorn: started
once (during the platform's init phase when the handler is built at import
time), kept warm across invocations, stopped once when the runtime is told to
stop (SIGTERM, interpreter exit). A vendor gives a stopping process little
time (AWS Lambda: about 500 ms after SIGTERM with an internal extension, 2 s
with an external one, then SIGKILL), so the shutdown steps share
``shutdown_timeout`` and a step that overruns its share is abandoned rather
than taking the others down with it.
"""

from __future__ import annotations

import _thread
import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from faas_bridge.lifecycle import signals
from faas_bridge.options import LifespanMode

if TYPE_CHECKING:
    from faas_bridge.bridges._loop import LoopRunner
    from faas_bridge.lifecycle.lifespan import Lifespan

logger = logging.getLogger("faas_bridge")

Hook = Callable[[], Any]


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
        signals.register(self)

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


# A SIGTERM during the startup (a hook, the lifespan) waits for it, as for an invocation.
signals.busy_codes.update((Lifecycle.startup.__code__, Lifecycle._call.__code__))
