"""The process's one event loop, created on first use and reused by every call."""

from __future__ import annotations

import asyncio
import threading

_loop: asyncio.AbstractEventLoop | None = None


def event_loop() -> asyncio.AbstractEventLoop:
    """The persistent loop; loop-bound resources stay valid across invocations."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        if threading.current_thread() is threading.main_thread():
            asyncio.set_event_loop(_loop)
    return _loop
