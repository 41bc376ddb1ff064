"""One contender's invocations, for ``benchmarks/cachegrind.py`` to run under valgrind.

    python -m benchmarks._cachegrind_child APP EVENT CONTENDER N

Builds the contenders as the main benchmark does, warms CONTENDER up with
rounds of (CONTENDER, floor) interleaved, then makes N more calls of
CONTENDER alone and exits. The parent runs this twice, with N = 0 and with
N > 0, and divides the difference of the totals by N: start-up, imports,
building the handlers and the warm-up are the same in both runs and cancel.

The floor call between two warm-up calls runs the app's code on its own,
which evicts the adapter's code and data from the caches as a real app's
work does, and leaves every lazy cache (the adapters', the interpreter's
specialised bytecode) in the state the main benchmark's interleaved rounds
leave it in.
"""

from __future__ import annotations

import sys

from . import adapters
from .cases import Bench

#: Rounds of (contender, floor) before the counted calls.
WARMUP = 200


def run(app_name: str, event_name: str, who: str, calls: int) -> None:
    bench = Bench([event_name])
    if event_name not in bench.events:
        raise SystemExit(f"event {event_name!r} not built: {bench.skipped_events[event_name]}")
    contenders, _ = bench.contenders(app_name, event_name)
    by_name = {c.name: c.call for c in contenders}
    if who not in by_name:
        raise SystemExit(f"no contender {who!r} for {app_name} / {event_name}")
    call, floor = by_name[who], by_name[adapters.FLOOR]
    for _ in range(WARMUP):
        call()
        floor()
    for _ in range(calls):
        call()
    bench.close()


if __name__ == "__main__":
    app_name, event_name, who, calls = sys.argv[1:]
    run(app_name, event_name, who, int(calls))
