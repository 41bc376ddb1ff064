"""What outlives one invocation (being split into one module per job)."""

from faas_bridge.lifecycle.hooks import (
    Deadlined,
    Lifecycle,
    Lifespan,
    LifespanFailure,
    StackWatch,
    WarmupMatcher,
    busy_codes,
    request_id_of,
    shutdown_all,
    stack_watch,
)

__all__ = [
    "Deadlined",
    "Lifecycle",
    "Lifespan",
    "LifespanFailure",
    "StackWatch",
    "WarmupMatcher",
    "busy_codes",
    "request_id_of",
    "shutdown_all",
    "stack_watch",
]
