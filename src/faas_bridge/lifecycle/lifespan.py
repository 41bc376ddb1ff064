"""The ASGI lifespan protocol: an ASGI app's own startup and shutdown.

An ASGI app (Starlette, FastAPI, Quart...) opens its database pools and
clients in its lifespan, as uvicorn drives it: ``lifespan.startup`` once
before the first request, ``lifespan.shutdown`` once when the server stops.
Here the server is the function's execution environment, which lives across
many invocations, so the lifespan is started once during the platform's init
phase and its coroutine stays suspended on the persistent loop until the
process is told to stop.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from faas_bridge.options import LifespanMode

if TYPE_CHECKING:  # asyncio is imported for ASGI apps only: a WSGI cold start skips it
    import asyncio

    from faas_bridge.bridges._loop import LoopRunner

logger = logging.getLogger("faas_bridge")


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
