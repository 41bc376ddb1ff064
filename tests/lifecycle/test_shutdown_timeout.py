"""shutdown_timeout bounds the whole shutdown: hooks (newest first), then the ASGI lifespan.

Each step may take an equal share of the time left; one that ends early
leaves its time to those after it. A step past its share is abandoned (an
async hook is cancelled) with a log line naming it, and the others still run.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from faas_bridge import wrap
from support.echo_apps import asgi_app, wsgi_app

#: Set when a test ends: sync hooks left running in their threads stop then.
release = threading.Event()


@pytest.fixture(autouse=True)
def released() -> Iterator[None]:
    release.clear()
    yield
    release.set()


def lifespan_app(calls: list[str], stop_seconds: float = 0.0) -> Any:
    """An ASGI app whose lifespan shutdown notes itself after ``stop_seconds``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            try:
                await asyncio.sleep(stop_seconds)
                calls.append("lifespan shutdown")
            except asyncio.CancelledError:
                calls.append("lifespan shutdown cancelled")
                raise
            await send({"type": "lifespan.shutdown.complete"})
            return
        await asgi_app(scope, receive, send)

    return app


def timed_shutdown(handler: Any, caplog: pytest.LogCaptureFixture) -> tuple[float, list[str]]:
    """The seconds ``handler.shutdown()`` took, and the lines logged for steps that overran."""
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        began = time.monotonic()
        handler.shutdown()
        elapsed = time.monotonic() - began
    return elapsed, [r.getMessage() for r in caplog.records if "did not finish" in r.getMessage()]


def test_shutdown_hooks_run_newest_first_then_the_lifespan() -> None:
    calls: list[str] = []
    handler = wrap(lifespan_app(calls))

    @handler.on_shutdown
    def first_registered() -> None:
        calls.append("first")

    @handler.on_shutdown
    async def second_registered() -> None:
        await asyncio.sleep(0)
        calls.append("second")

    @handler.on_shutdown
    def third_registered() -> None:
        calls.append("third")

    handler.shutdown()
    handler.shutdown()
    assert calls == ["third", "second", "first", "lifespan shutdown"]


def test_wsgi_hooks_run_newest_first() -> None:
    calls: list[str] = []
    handler = wrap(wsgi_app)
    handler.on_shutdown(lambda: calls.append("older"))
    handler.on_shutdown(lambda: calls.append("newer"))
    handler.shutdown()
    assert calls == ["newer", "older"]


def test_a_slow_sync_hook_is_abandoned_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    handler = wrap(wsgi_app, shutdown_timeout=0.6)
    handler.on_shutdown(lambda: calls.append("older"))

    @handler.on_shutdown
    def close_slowly() -> None:
        release.wait(5)  # a 5 s hook: without a bound, shutdown takes 5 s
        calls.append("slow finished")

    handler.on_shutdown(lambda: calls.append("newer"))
    elapsed, (line,) = timed_shutdown(handler, caplog)
    assert elapsed < 0.8
    assert calls == ["newer", "older"]
    assert "close_slowly" in line and "abandoned" in line


def test_a_slow_async_hook_is_cancelled_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    handler = wrap(wsgi_app, shutdown_timeout=0.6)
    handler.on_shutdown(lambda: calls.append("older"))

    @handler.on_shutdown
    async def drain_slowly() -> None:
        try:
            await asyncio.sleep(5)
            calls.append("slow finished")
        finally:
            calls.append("slow cleaned up")  # cancellation reaches the hook

    elapsed, (line,) = timed_shutdown(handler, caplog)
    assert elapsed < 0.8
    assert calls == ["slow cleaned up", "older"]
    assert "drain_slowly" in line and "cancelled" in line


def test_hooks_and_lifespan_together_stay_within_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []
    handler = wrap(lifespan_app(calls, stop_seconds=5), shutdown_timeout=0.6)

    @handler.on_shutdown
    async def slow_async() -> None:
        await asyncio.sleep(5)

    @handler.on_shutdown
    def slow_sync() -> None:
        release.wait(5)

    elapsed, lines = timed_shutdown(handler, caplog)
    assert elapsed < 0.8
    assert len(lines) == 3, lines
    assert "slow_sync" in lines[0] and "slow_async" in lines[1]
    assert "lifespan" in lines[2]
    assert calls == ["lifespan shutdown cancelled"]


def test_an_async_hook_that_blocks_the_loop_is_abandoned(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A hook that never yields cannot be cancelled: it is left, and so is the lifespan."""
    calls: list[str] = []
    handler = wrap(lifespan_app(calls), shutdown_timeout=0.6)

    @handler.on_shutdown
    async def blocks_the_loop() -> None:
        release.wait(5)  # no await: the loop itself is held

    elapsed, lines = timed_shutdown(handler, caplog)
    assert elapsed < 0.8
    assert "blocks_the_loop" in lines[0] and "abandoned" in lines[0]
    assert len(lines) == 2 and "lifespan" in lines[1]


def test_time_a_step_leaves_goes_to_the_steps_after_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three hooks, 0.9 s: the first may take a third; the quick second leaves its
    share; the last gets all that is left (about 0.6 s), not a third."""
    handler = wrap(wsgi_app, shutdown_timeout=0.9)

    @handler.on_shutdown
    def last_to_run() -> None:
        release.wait(5)

    handler.on_shutdown(lambda: None)

    @handler.on_shutdown
    def first_to_run() -> None:
        release.wait(5)

    elapsed, (first, last) = timed_shutdown(handler, caplog)
    assert elapsed < 1.1
    shares = [float(re.findall(r"\(([\d.]+) s\)", line)[0]) for line in (first, last)]
    assert "first_to_run" in first and "last_to_run" in last
    assert shares[0] == pytest.approx(0.3, abs=0.02)
    assert shares[1] == pytest.approx(0.6, abs=0.05)


def test_a_failing_hook_is_logged_and_the_others_run(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    handler = wrap(wsgi_app)
    handler.on_shutdown(lambda: calls.append("older"))

    @handler.on_shutdown
    def broken() -> None:
        raise ConnectionError("pool already gone")

    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        handler.shutdown()
    assert calls == ["older"]
    failed = [r for r in caplog.records if "broken" in r.getMessage()]
    assert len(failed) == 1 and failed[0].exc_info is not None
