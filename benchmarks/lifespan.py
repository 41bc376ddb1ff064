"""Per-invocation cost with ASGI lifespan on versus off (faas_bridge only).

faas_bridge runs lifespan startup once, when the handler is built, so a call
should cost the same either way; mangum's default runs it on every call. Run:
``python -m benchmarks.lifespan`` (prints the median ratio on/off).
"""

from __future__ import annotations

import statistics
import time
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from faas_bridge import wrap
from faas_bridge.devtools.emulators.aws_apigw_v2 import build_event
from faas_bridge.devtools.emulators.base import HttpCall


@asynccontextmanager
async def lifespan(app: Starlette) -> Any:
    yield {"pool": object()}


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hi")


def measure(rounds: int = 31, calls: int = 2000) -> tuple[float, float, float]:
    """(median µs with lifespan on, median µs off, median per-round ratio on/off)."""
    app = Starlette(routes=[Route("/", hello)], lifespan=lifespan)
    handlers = {"on": wrap(app, lifespan="on"), "off": wrap(app, lifespan="off")}
    event = build_event(HttpCall("GET", "/"))
    times: dict[str, list[float]] = {"on": [], "off": []}
    ratios = []
    for round_ in range(rounds):
        order = ("on", "off") if round_ % 2 else ("off", "on")
        pair = {}
        for name in order:
            handler = handlers[name]
            began = time.perf_counter()
            for _ in range(calls):
                handler(event, None)
            pair[name] = (time.perf_counter() - began) / calls * 1e6
            times[name].append(pair[name])
        ratios.append(pair["on"] / pair["off"])
    for handler in handlers.values():
        handler.shutdown()
    return (
        statistics.median(times["on"]),
        statistics.median(times["off"]),
        statistics.median(ratios),
    )


def main() -> None:
    on, off, ratio = measure()
    print(
        f"Starlette hello, HTTP API v2 GET: lifespan on {on:.1f} µs, off {off:.1f} µs, "
        f"median ratio on/off {ratio:.3f} (31 interleaved rounds × 2000 calls)"
    )


if __name__ == "__main__":
    main()
