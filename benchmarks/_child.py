"""What the cold-start and RSS measurements run in fresh interpreters.

    python -m benchmarks._child first-reply APP CONTENDER SETUP.json
    python -m benchmarks._child rss APP CONTENDER WARM MORE

``first-reply`` imports only what that contender needs (this module imports
nothing beyond the standard library at the top), answers one event, and prints
the ``time.perf_counter()`` of the reply and of the moment the app was
imported: the parent, on the same monotonic clock, subtracts the moment it
started the process. ``rss`` answers WARM
invocations, then MORE, and prints the resident set size and live object
count after each.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def _first_reply(app_name: str, contender: str, setup_file: str) -> None:
    import json
    from importlib import import_module

    with open(setup_file, encoding="utf-8") as f:
        setup = json.load(f)
    module, attribute, interface = setup["app"]
    app = getattr(import_module(f"benchmarks.apps.{module}"), attribute)
    app_loaded = time.perf_counter()
    event = setup["event"]
    if contender == "floor":
        status = _floor(app, interface, setup)
    else:
        handler = _handler(contender, app)
        reply = handler(event, None)
        status = reply["statusCode"]
    replied = time.perf_counter()
    print(json.dumps({"replied": replied, "app_loaded": app_loaded, "status": status}))


def _floor(app: Any, interface: str, setup: dict[str, Any]) -> int:
    import io

    if interface == "wsgi":
        environ = dict(setup["environ"])
        environ.update(
            {
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": sys.stderr,
                "wsgi.version": (1, 0),
                "wsgi.multithread": False,
                "wsgi.multiprocess": False,
                "wsgi.run_once": False,
            }
        )
        started: list[str] = []

        def start_response(status: str, headers: object, exc_info: object = None) -> None:
            started.append(status)

        result = app(environ, start_response)
        b"".join(result)
        getattr(result, "close", lambda: None)()
        return int(started[0][:3])
    import asyncio

    scope = dict(setup["scope"])
    scope["headers"] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in scope["headers"]]
    scope["raw_path"] = scope["raw_path"].encode("latin-1")
    scope["query_string"] = scope["query_string"].encode("latin-1")
    scope["client"] = tuple(scope["client"]) if scope["client"] else None
    scope["server"] = tuple(scope["server"]) if scope["server"] else None
    scope["state"] = {}
    sent: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            sent.append(message["status"])

    asyncio.new_event_loop().run_until_complete(app(scope, receive, send))
    return sent[0]


def _handler(contender: str, app: Any) -> Any:
    if contender == "faas_bridge":
        from faas_bridge import wrap

        return wrap(app)
    if contender == "apig-wsgi":
        from apig_wsgi import make_lambda_handler

        return make_lambda_handler(app)
    if contender == "serverless-wsgi":
        import serverless_wsgi  # type: ignore[import-untyped]

        return lambda event, context: serverless_wsgi.handle_request(app, event, context)
    from mangum import Mangum

    lifespan: Any = "off" if contender.endswith("(lifespan off)") else "auto"
    if contender.startswith("mangum+a2wsgi"):
        from a2wsgi import WSGIMiddleware

        wsgi_app: Any = WSGIMiddleware(app)
        return Mangum(wsgi_app, lifespan=lifespan)
    return Mangum(app, lifespan=lifespan)


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def _rss(app_name: str, contender: str, warm: int, more: int) -> None:
    import gc
    import json

    from benchmarks.cases import Bench

    names = ["v2-get", "v1-post-10k", "alb-multi"]
    bench = Bench(names)
    calls = []
    for name in names:
        contenders, _ = bench.contenders(app_name, name)
        calls += [c.call for c in contenders if c.name == contender]

    def run(count: int) -> None:
        for i in range(count):
            calls[i % len(calls)]()

    run(warm)
    gc.collect()
    first = {"rss_kib": _rss_kib(), "objects": len(gc.get_objects())}
    began = time.perf_counter()
    run(more)
    seconds = time.perf_counter() - began
    gc.collect()
    second = {"rss_kib": _rss_kib(), "objects": len(gc.get_objects())}
    print(json.dumps({"after_warm": first, "after_more": second, "seconds": seconds}))


def main(argv: list[str]) -> None:
    if argv[0] == "first-reply":
        _first_reply(argv[1], argv[2], argv[3])
    elif argv[0] == "rss":
        _rss(argv[1], argv[2], int(argv[3]), int(argv[4]))
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
