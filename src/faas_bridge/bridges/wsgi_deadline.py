"""The WSGI bridge's deadline: show where a request hangs before the vendor kills it.

A WSGI app runs in the invoking thread and cannot be cancelled; when the
vendor's deadline passes (AWS Lambda's function timeout, a context's
``get_remaining_time_in_millis``), the platform stops the invocation and
its log says only that it timed out. The watch logs the request's stack shortly before
that deadline, so the user learns where it hung. An ASGI request needs none of
this: the ASGI bridge cancels it at its own deadline.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from faas_bridge.errors import request_id_of

if TYPE_CHECKING:  # for the type checker: building Protocol classes would slow every cold start
    from typing import Protocol

    class Deadlined(Protocol):
        """What the watch asks about a request: its adapter's view of the deadline and id."""

        def remaining_time(self, context: Any, /) -> float | None: ...
        def request_id(self, event: Any, context: Any, /) -> str | None: ...

    #: A running request as the handler registers it: (its adapter, event, context,
    #: the margin before the deadline at which its stack is logged).
    Running = tuple[Deadlined, Any, Any, float]

logger = logging.getLogger("faas_bridge")


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


_watch: StackWatch | None = None


def stack_watch() -> StackWatch:
    global _watch
    if _watch is None:
        _watch = StackWatch()
    return _watch
