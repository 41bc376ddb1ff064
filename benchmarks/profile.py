"""Where faas_bridge's per-invocation time goes, for one app and one event.

    python -m benchmarks.profile --app flask --event v2-get

Prints (1) each pipeline stage timed on its own, interleaved like the main
benchmark (warm-up check, detection, deadline bookkeeping, decode, environ or
scope, the app alone, encode), and (2) a cProfile of whole invocations, the
functions sorted by their own time. Used to rank optimisations; the numbers
are per call, in µs.
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
from .timing import FULL, QUICK, Settings, measure


def stages(bench: Bench, app_name: str, event_name: str) -> list[tuple[str, Callable[[], Any]]]:
    """The pipeline's stages as separate calls, with what each needs pre-built."""
    from faas_bridge.bridges.asgi import build_scope
    from faas_bridge.bridges.wsgi import build_environ

    contenders, _ = bench.contenders(app_name, event_name)
    floor = contenders[0]
    handler: Any = bench.handlers(app_name)[adapters.FAAS_BRIDGE]
    event = bench.events[event_name]
    ctx = adapters.CONTEXT
    platform = handler.detect(event)
    request = platform.decode(event, ctx)
    response = handler.respond(request, platform, ctx)
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
    if handler._warmup is not None:
        out.append(("warm-up check", lambda: handler._warmup(event)))
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
    print(stage_table(bench, args.app, args.event, QUICK if args.quick else FULL))
    if not args.no_cprofile:
        print()
        print(cprofile_table(bench, args.app, args.event, args.calls, args.top))


if __name__ == "__main__":
    main()
