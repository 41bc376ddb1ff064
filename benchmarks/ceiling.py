"""What faas_bridge's layers cost: an invocation beside the same work done in one pass.

    python -m benchmarks.ceiling [--app flask] [--quick]

faas_bridge reads an event in steps, each reading what the one before made:
detect the adapter, decode a neutral Request, check it, build the environ from
it, run the app, check the reply, encode it. ``fused_v2_wsgi`` below does the
same work for an HTTP API (payload 2.0) request in one function: it checks
what faas_bridge checks (the method, header names and values, cookies, path,
query, the reply's status, names and values) and registers the request with
the same deadline watch, but takes no step the usual event does not need and
builds no Request. It answers only such usual events: anything else raises
:class:`Uncommon`. It is a yardstick, not part of faas_bridge.

Before timing, each app is shown to get the same environ from both, and the
caller the same reply. The table then gives each contender's time over the
app alone, interleaved as in the main benchmark: faas_bridge's excess over
the fused pass is what the layering costs, per invocation, next to a real
framework.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from threading import get_ident
from typing import Any

from . import adapters
from .cases import Bench
from .coldstart import paired_added
from .timing import FULL, QUICK, Settings, measure


class Uncommon(Exception):
    """The event or the reply is not one the fused pass was written for."""


def fused_v2_wsgi(app: Callable[..., Any], handler: Any) -> Callable[[Any, Any], dict[str, Any]]:
    """An HTTP API v2 handler for ``app`` doing ``handler``'s work in one pass (usual events)."""
    from faas_bridge.bridges import CONTEXT_KEY, EVENT_KEY, PLATFORM_KEY
    from faas_bridge.bridges.wsgi import _CONSTANT, _KEYS, _close, _Collector
    from faas_bridge.http import _METHOD, _REPLY_SPECIAL, LOWER_NAMES, METHODS
    from faas_bridge.platforms.base import _LOWER_COMMON, _PLAIN_PATH, plain_value

    options = handler.options
    margin = options.deadline_margin
    watch = handler._watch
    platform = handler.detect(_PROBE)

    def fused(event: Any, context: Any) -> dict[str, Any]:
        if type(event) is not dict or event.get("version") != "2.0" or "rawPath" not in event:
            raise Uncommon("not payload 2.0")
        rc = event["requestContext"]
        http = rc["http"]
        method = http["method"]
        headers = event["headers"]
        # The request: names HTTP API lower-cases, values ASCII without CR, LF or NUL.
        if method not in METHODS or type(headers) is not dict:
            raise Uncommon("method or headers")
        if not _LOWER_COMMON.issuperset(headers) or not plain_value("".join(headers.values())):
            raise Uncommon("headers")
        environ = _CONSTANT.copy()
        for name, value in headers.items():
            environ[_KEYS[name]] = value
        cookies = event.get("cookies")
        if cookies:
            cookie = "; ".join(cookies)
            if "cookie" in headers or not plain_value(cookie):
                raise Uncommon("cookies")
            environ["HTTP_COOKIE"] = cookie
        path = event["rawPath"]
        query = event.get("rawQueryString") or ""
        if type(path) is not str or _PLAIN_PATH(path) is None:
            raise Uncommon("path")
        if not (query.isascii() and " " not in query and query.isprintable()):
            raise Uncommon("query")
        host = headers.get("host") or rc.get("domainName")
        stage = rc.get("stage")
        if not host or ":" in host or (stage and stage != "$default" and ".execute-api." in host):
            raise Uncommon("host or stage")
        if event.get("body") or http.get("protocol") != "HTTP/1.1":
            raise Uncommon("body or protocol")
        scheme = "http" if headers.get("x-forwarded-proto") == "http" else "https"
        port = headers.get("x-forwarded-port") or ("443" if scheme == "https" else "80")
        if not port.isdigit():
            raise Uncommon("port")
        environ["REQUEST_METHOD"] = method
        environ["SCRIPT_NAME"] = ""
        environ["PATH_INFO"] = path
        environ["QUERY_STRING"] = query
        environ["RAW_URI"] = environ["REQUEST_URI"] = path + "?" + query if query else path
        environ["SERVER_PROTOCOL"] = "HTTP/1.1"
        environ["SERVER_NAME"] = host
        environ["SERVER_PORT"] = port
        environ["wsgi.url_scheme"] = scheme
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["wsgi.errors"] = sys.stderr
        environ[EVENT_KEY] = event
        environ[CONTEXT_KEY] = context
        environ[PLATFORM_KEY] = platform.name
        if http.get("sourceIp"):
            environ["REMOTE_ADDR"] = http["sourceIp"]
        # The deadline, as the handler registers a WSGI request with its watch.
        budget = context.get_remaining_time_in_millis() / 1000 - margin
        if budget < watch.idle:
            watch.shorten(budget)
        thread_id = get_ident()
        watch.running[thread_id] = (platform, event, context, margin)
        try:
            collector = _Collector()
            result = app(environ, collector.start_response)
            try:
                body = b"".join(result)
            finally:
                _close(result)
        finally:
            del watch.running[thread_id]
        # The reply: names HTTP tokens, once each; values printable ASCII; text body.
        status = collector.status
        if type(status) is not int or not 200 <= status <= 599:
            raise Uncommon("status")
        reply_headers: dict[str, str] = {}
        content_type = None
        for name, value in collector.headers:
            lower = LOWER_NAMES.get(name)
            if lower is None:
                if _METHOD.fullmatch(name) is None:
                    raise Uncommon("header name")
                lower = name.lower()
            if lower in _REPLY_SPECIAL:
                if lower == "content-type":
                    content_type = value
                elif lower != "content-length" or not value.isdigit():
                    raise Uncommon("header")
            if name in reply_headers or not (value.isascii() and value.isprintable()):
                raise Uncommon("header value")
            reply_headers[name] = value.strip(" \t")
        if not body or not options.is_text(content_type) or len(body) > 500_000:
            raise Uncommon("body")
        return {
            "statusCode": status,
            "headers": reply_headers,
            "body": body.decode("utf-8"),
            "isBase64Encoded": False,
        }

    return fused


#: The least event the adapter for payload 2.0 claims (to find it).
_PROBE = {"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "GET"}}}


def same_work(app: Any, handler: Any, event: Any) -> None:
    """Assert that the fused pass gives the app faas_bridge's environ and the caller its reply."""
    seen: list[dict[str, Any]] = []

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        seen.append({k: v for k, v in environ.items() if k != "wsgi.input"})
        return app(environ, start_response)

    from faas_bridge.dispatch import Handler

    ours = Handler(recording, handler.options)
    fused = fused_v2_wsgi(recording, ours)
    replies = [ours(event, adapters.CONTEXT), fused(event, adapters.CONTEXT)]
    assert seen[0] == seen[1], "the fused pass built another environ"
    assert replies[0] == replies[1], "the fused pass answered otherwise"


def table(bench: Bench, app_name: str, settings: Settings) -> str:
    """Each contender's µs over the app alone (paired by round), and faas_bridge's excess."""
    event_name = "v2-get"
    contenders, _ = bench.contenders(app_name, event_name)
    by_name = {c.name: c.call for c in contenders}
    handler = bench.handlers(app_name)[adapters.FAAS_BRIDGE]
    event = bench.events[event_name]
    app = handler.app  # type: ignore[attr-defined]
    same_work(app, handler, event)
    fused = fused_v2_wsgi(app, handler)
    calls = [
        ("app alone (floor)", by_name[adapters.FLOOR]),
        ("faas_bridge", by_name[adapters.FAAS_BRIDGE]),
        ("fused pass, same checks", lambda: fused(event, adapters.CONTEXT)),
    ]
    if "apig-wsgi" in by_name:  # installed with the bench extra
        calls.append(("apig-wsgi", by_name["apig-wsgi"]))
    samples = measure(calls, settings)
    floor = samples["app alone (floor)"].per_call_us
    over = {name: paired_added(samples[name].per_call_us, floor) for name, _ in calls[1:]}
    lines = [
        f"{app_name} / HTTP API v2 GET: µs per invocation over the app alone",
        "",
        f"{'contender':<28} {'µs':>7}",
    ]
    lines += [f"{name:<28} {added:>7.1f}" for name, added in over.items() if added is not None]
    ours, one_pass = over["faas_bridge"], over["fused pass, same checks"]
    if ours is not None and one_pass is not None:
        lines += ["", f"what the layers cost: {ours - one_pass:.1f} µs per invocation"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling", description=__doc__)
    parser.add_argument("--app", action="append", choices=["flask", "django-wsgi", "raw-wsgi"])
    parser.add_argument("--quick", action="store_true", help="5 rounds instead of 31")
    args = parser.parse_args(argv)
    bench = Bench(["v2-get"])
    try:
        for app_name in args.app or ["flask", "django-wsgi"]:
            print(table(bench, app_name, QUICK if args.quick else FULL), end="\n\n", flush=True)
    finally:
        bench.close()


if __name__ == "__main__":
    main()
