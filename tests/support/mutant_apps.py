"""Apps for tests/test_mutants_killed.py, served by faas_bridge and by real servers alike."""

from __future__ import annotations

from typing import Any


async def fails_after_reply(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Completes its reply, then raises (a cleanup step that fails)."""
    if scope["type"] != "http":
        return  # no lifespan support: uvicorn and faas_bridge carry on without it
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"complete", "more_body": False})
    raise RuntimeError("the cleanup after the reply failed")
