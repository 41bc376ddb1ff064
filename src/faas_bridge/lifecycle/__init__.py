"""What outlives one invocation: startup and shutdown, once each per process.

One module per job: ``hooks`` (the handler's startup and shutdown hooks,
bounded by ``shutdown_timeout``), ``lifespan`` (the ASGI lifespan protocol),
``signals`` (SIGTERM, SnapStart restores, the process-wide registry) and
``warmup`` (keep-warm pings). The WSGI deadline watch lives beside the WSGI
bridge (:mod:`faas_bridge.bridges.wsgi_deadline`).

``LifespanFailure`` (what a handler raises when the app's lifespan startup
fails with ``lifespan="on"``) and ``shutdown_all`` stay importable from here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LifespanFailure", "shutdown_all"]


def __getattr__(name: str) -> Any:
    """Imported on first use: a WSGI handler never loads the ASGI lifespan module."""
    if name == "LifespanFailure":
        from faas_bridge.lifecycle.lifespan import LifespanFailure

        return LifespanFailure
    if name == "shutdown_all":
        from faas_bridge.lifecycle.signals import shutdown_all

        return shutdown_all
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
