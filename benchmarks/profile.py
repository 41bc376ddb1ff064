"""Where faas_bridge's per-invocation time goes, for one app and one event.

    python -m benchmarks.profile --app flask --event v2-get

Prints (1) each pipeline stage timed on its own, interleaved like the main
benchmark (detection, deadline bookkeeping, decode, environ or
scope, the app alone, encode); (2) each of faas_bridge's own stages timed in
place: what one more run of it adds to a whole invocation; and (3) a cProfile
of whole invocations, the functions sorted by their own time. Used to rank
optimisations; the numbers are per call, in µs.

A stage timed alone, in a loop, runs with its code and data in the CPU's
caches. Beside a real framework it does not: the app's code evicts it, and
each invocation meets it cold again. So the stages timed alone add up to far
less than the overhead; timed in place, they add up to nearly all of it (the
rest is the bridge collecting the reply and the handler's own glue).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
from collections.abc import Callable
from threading import get_ident
from typing import Any

from . import adapters
from .cases import Bench
from .coldstart import paired_added
from .timing import FULL, QUICK, Settings, measure


def _one_request(bench: Bench, app_name: str, event_name: str) -> tuple[Any, ...]:
    """(handler, event, context, adapter, request, response): one invocation's parts, built."""
    handler: Any = bench.handlers(app_name)[adapters.FAAS_BRIDGE]
    event = bench.events[event_name]
    ctx = adapters.CONTEXT
    platform = handler.detect(event)
    request = platform.decode(event, ctx)
    response = handler.respond(request, platform, ctx)
    return handler, event, ctx, platform, request, response


def stages(bench: Bench, app_name: str, event_name: str) -> list[tuple[str, Callable[[], Any]]]:
    """The pipeline's stages as separate calls, with what each needs pre-built."""
    from faas_bridge.bridges.asgi import build_scope
    from faas_bridge.bridges.wsgi import build_environ

    contenders, _ = bench.contenders(app_name, event_name)
    floor = contenders[0]
    handler, event, ctx, platform, request, response = _one_request(bench, app_name, event_name)
    watch = handler._watch
    margin = handler.options.deadline_margin

    def deadline() -> None:
        """What the handler does for a WSGI request's deadline (see dispatch.Handler._run)."""
        budget = platform.remaining_time(ctx) - margin
        if watch is not None:
            if budget < watch.idle:
                watch.shorten(budget)
            thread_id = get_ident()
            outer = watch.running.get(thread_id)
            watch.running[thread_id] = (platform, event, ctx, margin)
            if outer is None:
                del watch.running[thread_id]

    out: list[tuple[str, Callable[[], Any]]] = [
        ("whole invocation", lambda: handler(event, ctx)),
        ("app alone (floor)", floor.call),
    ]
    out += [
        ("detect", lambda: handler.detect(event)),
        ("deadline bookkeeping", deadline),
        ("decode", lambda: platform.decode(event, ctx)),
    ]
    if handler.wsgi is not None:
        out.append(("build_environ", lambda: build_environ(request)))
        out.append(("WSGI bridge (environ + app + collect)", lambda: handler.wsgi(request)))
    else:
        out.append(("build_scope", lambda: build_scope(request)))
        out.append(("ASGI bridge (scope + loop + app)", lambda: handler.asgi(request, None)))
    out.append(("encode", lambda: platform.encode(response, event, ctx)))
    return out


def stage_table(bench: Bench, app_name: str, event_name: str, settings: Settings) -> str:
    calls = stages(bench, app_name, event_name)
    samples = measure(calls, settings)
    whole = samples["whole invocation"].median
    floor = samples["app alone (floor)"].median
    lines = [
        f"faas_bridge stages, {app_name} / {event_name} (median µs per call)",
        f"overhead = whole - floor = {whole - floor:.1f} µs ({whole / floor:.2f}x floor)",
        "",
        f"{'stage':<42} {'µs':>9}",
    ]
    for name, _ in calls:
        lines.append(f"{name:<42} {samples[name].median:>9.2f}")
    return "\n".join(lines)


def own_stages(bench: Bench, app_name: str, event_name: str) -> list[tuple[str, Callable[[], Any]]]:
    """faas_bridge's own work, stage by stage, each on what the stage before it made.

    The app's part (the bridge running it) is left out: run once more it would
    count the app again.
    """
    from faas_bridge.bridges.asgi import build_scope
    from faas_bridge.bridges.wsgi import build_environ
    from faas_bridge.http import check_reply

    handler, event, ctx, platform, request, response = _one_request(bench, app_name, event_name)
    check_reply(response)
    out: list[tuple[str, Callable[[], Any]]] = [
        ("detect", lambda: handler.detect(event)),
        ("decode", lambda: platform.decode(event, ctx)),
        ("request checks (vet)", lambda: handler.vet(request, platform)),
    ]
    if handler.wsgi is not None:
        out.append(("build_environ", lambda: build_environ(request)))
    else:
        out.append(("build_scope", lambda: build_scope(request)))
    out += [
        ("remaining time", lambda: platform.remaining_time(ctx)),
        ("reply checks (check_reply)", lambda: check_reply(response)),
        ("encode", lambda: platform.encode(response, event, ctx)),
    ]
    return out


def in_place_table(bench: Bench, app_name: str, event_name: str, settings: Settings) -> str:
    """Each own stage's cost in place: (it, then a whole invocation) - a whole invocation.

    Medians of the per-round differences (:func:`~benchmarks.coldstart.paired_added`):
    the rounds interleave, so each pairs with the whole invocation timed beside it.
    """
    contenders, _ = bench.contenders(app_name, event_name)
    by_name = {c.name: c.call for c in contenders}
    whole = by_name[adapters.FAAS_BRIDGE]
    floor = ("app alone (floor)", by_name[adapters.FLOOR])
    stages = own_stages(bench, app_name, event_name)

    def beside(stage: Callable[[], Any]) -> Callable[[], Any]:
        def call() -> Any:
            stage()
            return whole()

        return call

    # The peers are timed apart: one that allocates a lot (mangum) would, in
    # the same rotation, disturb the invocations timed after it.
    calls = [("whole invocation", whole), floor]
    samples = measure([*calls, *((name, beside(stage)) for name, stage in stages)], settings)
    peers = [name for name in by_name if name not in (adapters.FLOOR, adapters.FAAS_BRIDGE)]
    apart = ("floor, timed with the peers", floor[1])
    samples.update(measure([apart, *((name, by_name[name]) for name in peers)], settings))

    def added(name: str, to: str) -> float:
        found = paired_added(samples[name].per_call_us, samples[to].per_call_us)
        assert found is not None  # both timed in every round of one measure()
        return found

    overhead = added("whole invocation", "app alone (floor)")
    lines = [
        f"faas_bridge's own stages in place, {app_name} / {event_name} (µs added per call)",
        f"faas_bridge's overhead (whole - floor): {overhead:.1f} µs",
    ]
    lines += [f"{name}'s overhead: {added(name, apart[0]):.1f} µs" for name in peers]
    lines += ["", f"{'stage':<42} {'µs':>9}"]
    total = 0.0
    for name, _ in stages:
        cost = added(name, "whole invocation")
        total += cost
        lines.append(f"{name:<42} {cost:>9.2f}")
    lines.append(f"{'the rest (bridge, glue)':<42} {overhead - total:>9.2f}")
    return "\n".join(lines)


def cprofile_table(bench: Bench, app_name: str, event_name: str, calls: int, top: int) -> str:
    handler: Any = bench.handlers(app_name)[adapters.FAAS_BRIDGE]
    event = bench.events[event_name]
    ctx = adapters.CONTEXT
    for _ in range(50):
        handler(event, ctx)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        handler(event, ctx)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--app", default="raw-wsgi")
    parser.add_argument("--event", default="v2-get")
    parser.add_argument("--calls", type=int, default=5000, help="invocations under cProfile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-cprofile", action="store_true")
    args = parser.parse_args(argv)
    bench = Bench([args.event])
    settings = QUICK if args.quick else FULL
    print(stage_table(bench, args.app, args.event, settings))
    print()
    print(in_place_table(bench, args.app, args.event, settings))
    if not args.no_cprofile:
        print()
        print(cprofile_table(bench, args.app, args.event, args.calls, args.top))


if __name__ == "__main__":
    main()
