"""The process's one event loop, and running coroutines on it from any thread.

Every invocation runs on the same loop, so loop-bound resources (a database
pool opened in lifespan startup, say) stay usable in every later request.

The common case is one invocation at a time (AWS Lambda): the calling thread
runs the loop itself, with no thread hand-off. When invocations overlap
(Azure, functions-framework with threads, Alibaba FC instance concurrency), or
the caller already runs an event loop of its own, the request is scheduled on
the loop thread-safely and a driver thread keeps the loop running until every
such request is answered. At most one thread runs the loop at any moment.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class LoopRunner:
    """Runs coroutines on one persistent event loop, from any number of threads."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._running = threading.Lock()  # held by the thread running the loop
        self._state = threading.Lock()  # guards _pending and _driving
        self._pending = 0
        self._driving = False
        self._wake: asyncio.Event | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the loop and return its result, in the calling thread."""
        if self._running.acquire(blocking=False):
            try:
                return self.loop.run_until_complete(coro)
            except RuntimeError:
                # asyncio refuses to start a loop inside another one, before it
                # takes the coroutine: when the caller runs a loop of its own in
                # this thread, the coroutine goes to the driver thread below.
                # Any other RuntimeError is the app's.
                if not _in_running_loop():
                    raise
            finally:
                self._running.release()
        return self._run_elsewhere(coro)

    def _run_elsewhere(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        with self._state:
            self._pending += 1
            start_driver = not self._driving
            self._driving = True
        future.add_done_callback(self._finished)
        if start_driver:
            threading.Thread(target=self._drive, name="faas_bridge-loop", daemon=True).start()
        return future.result()

    def _finished(self, _: Future[Any]) -> None:
        with self._state:
            self._pending -= 1
        # Runs on the loop (the future completes there), so the event is safe to set.
        if self._wake is not None:
            self._wake.set()

    def _drive(self) -> None:
        """Run the loop until no thread-safe submission is outstanding."""
        with self._running:
            self.loop.run_until_complete(self._drain())

    async def _drain(self) -> None:
        self._wake = asyncio.Event()
        while True:
            with self._state:
                if self._pending == 0:
                    self._driving = False
                    return
            self._wake.clear()
            await self._wake.wait()

    def close(self) -> None:
        """Close the loop (tests and interpreter exit only)."""
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()


def _in_running_loop() -> bool:
    """Whether the calling thread is inside a running event loop (its own or ours)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


_runner: LoopRunner | None = None
_runner_lock = threading.Lock()


def loop_runner() -> LoopRunner:
    """The process-wide runner, created on first use."""
    global _runner
    runner = _runner
    if runner is None:
        with _runner_lock:
            if _runner is None:
                _runner = LoopRunner()
            runner = _runner
    return runner
