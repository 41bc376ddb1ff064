"""The lifecycle: started once, kept warm, stopped once; deadlines; warm-up; threads."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from faas_bridge import UnrecognisedEvent, wrap
from faas_bridge.bridges.wsgi_deadline import StackWatch
from faas_bridge.dispatch import WARM_REPLY
from faas_bridge.lifecycle.lifespan import LifespanFailure
from support.echo_apps import asgi_app, wsgi_app
from support.events import load_event, reply_body, reply_json

V2 = "aws-apigw-v2/get-root.json"
ROOT = Path(__file__).resolve().parents[2]


def v2_event(path: str = "/", query: str = "") -> dict[str, Any]:
    event = load_event(V2)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    return event


def lambda_context(remaining_ms: float, request_id: str = "req-1") -> Any:
    return SimpleNamespace(
        aws_request_id=request_id, get_remaining_time_in_millis=lambda: remaining_ms
    )


def counting_app() -> tuple[Starlette, dict[str, Any]]:
    """A Starlette app that counts lifespan events and opens a loop-bound resource."""
    counts: dict[str, Any] = {"startup": 0, "shutdown": 0, "loops": set(), "used": 0}

    async def lifespan(app: Starlette) -> Any:
        counts["startup"] += 1
        queue: asyncio.Queue[int] = asyncio.Queue()  # bound to the loop it is used on
        queue.put_nowait(0)
        yield {"queue": queue}
        counts["shutdown"] += 1

    async def endpoint(request: StarletteRequest) -> JSONResponse:
        counts["loops"].add(id(asyncio.get_running_loop()))
        queue = request.state.queue
        value = await queue.get()
        await queue.put(value + 1)
        counts["used"] = value + 1
        return JSONResponse({"n": value + 1})

    from contextlib import asynccontextmanager

    app = Starlette(routes=[Route("/", endpoint)], lifespan=asynccontextmanager(lifespan))
    return app, counts


def test_lifespan_starts_once_and_its_resources_serve_every_request() -> None:
    app, counts = counting_app()
    handler = wrap(app)
    assert counts["startup"] == 1  # at construction: the platform's init phase
    for _ in range(1000):
        reply = handler(v2_event(), None)
        assert reply["statusCode"] == 200
    assert counts == {"startup": 1, "shutdown": 0, "loops": counts["loops"], "used": 1000}
    assert len(counts["loops"]) == 1
    handler.shutdown()
    handler.shutdown()
    assert counts["shutdown"] == 1


def test_lifespan_state_is_copied_into_each_request() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["shared"] = "from startup"
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        seen.append(dict(scope["state"]))
        scope["state"]["leak"] = "per request"  # must not reach the next request
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = wrap(app)
    handler(v2_event(), None)
    handler(v2_event(), None)
    assert seen == [{"shared": "from startup"}, {"shared": "from startup"}]


def lifespan_app(behaviour: str) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            if behaviour == "unsupported":
                raise ValueError("Django can only handle ASGI/HTTP connections, not lifespan.")
            await receive()
            if behaviour == "raises":
                raise ConnectionError("database unreachable")
            if behaviour == "fails":
                await send({"type": "lifespan.startup.failed", "message": "no config"})
                return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def test_lifespan_on_refuses_to_start_with_the_apps_own_error() -> None:
    with pytest.raises(ConnectionError, match="database unreachable"):
        wrap(lifespan_app("raises"), lifespan="on")
    with pytest.raises(LifespanFailure, match="no config"):
        wrap(lifespan_app("fails"), lifespan="on")
    with pytest.raises(LifespanFailure, match="does not support"):
        wrap(lifespan_app("unsupported"), lifespan="on")


@pytest.mark.parametrize("behaviour", ["raises", "fails"])
def test_lifespan_auto_logs_a_startup_failure_once_and_goes_on(
    behaviour: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        handler = wrap(lifespan_app(behaviour))
        for _ in range(3):
            assert reply_body(handler(v2_event(), None)) == b"ok"
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


def test_lifespan_auto_leaves_unsupporting_apps_alone_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="faas_bridge"):
        handler = wrap(lifespan_app("unsupported"))
        for _ in range(3):
            assert reply_body(handler(v2_event(), None)) == b"ok"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_lifespan_off_never_sends_lifespan() -> None:
    app, counts = counting_app()
    handler = wrap(app, lifespan="off")
    assert counts["startup"] == 0
    # Without startup the app has no state: Starlette answers 500 for request.state.queue.
    assert handler(v2_event(), None)["statusCode"] == 500


def test_wsgi_startup_and_shutdown_hooks_run_once_each() -> None:
    calls: list[str] = []
    handler = wrap(wsgi_app)

    @handler.on_startup
    def open_pool() -> None:
        calls.append("open")

    @handler.on_startup
    async def warm_cache() -> None:
        await asyncio.sleep(0)
        calls.append("warm")

    @handler.on_shutdown
    def close_pool() -> None:
        calls.append("close")

    for _ in range(5):
        handler(v2_event(), None)
    assert calls == ["open", "warm"]
    handler.shutdown()
    handler.shutdown()
    assert calls == ["open", "warm", "close"]


def test_deadline_cancels_an_asgi_request_and_answers_504(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cancelled = []

    async def slow(request: StarletteRequest) -> PlainTextResponse:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return PlainTextResponse("late")

    async def fast(request: StarletteRequest) -> PlainTextResponse:
        return PlainTextResponse("fine")

    handler = wrap(
        Starlette(routes=[Route("/slow", slow), Route("/fast", fast)]), deadline_margin=0.1
    )
    began = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        reply = handler(v2_event("/slow"), lambda_context(300, "req-504"))
    elapsed = time.monotonic() - began
    assert reply["statusCode"] == 504
    assert reply_body(reply) == b"Gateway Timeout"
    assert 0.15 < elapsed < 0.29  # cancelled at 300 ms - 100 ms, before the platform's deadline
    assert cancelled == [True]
    assert any("req-504" in r.getMessage() for r in caplog.records)
    # The loop is healthy for the next request.
    assert reply_body(handler(v2_event("/fast"), lambda_context(3000))) == b"fine"


def test_deadline_already_spent_answers_504_at_once() -> None:
    handler = wrap(asgi_app, deadline_margin=0.5)
    reply = handler(v2_event(), lambda_context(100))
    assert reply["statusCode"] == 504


def test_deadline_logs_where_a_wsgi_request_hangs(caplog: pytest.LogCaptureFixture) -> None:
    def stuck_in_here(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        time.sleep(0.5)
        start_response("200 OK", [])
        return [b"finished"]

    handler = wrap(stuck_in_here, deadline_margin=0.1)
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        reply = handler(v2_event(), lambda_context(300, "req-wsgi"))
    assert reply_body(reply) == b"finished"  # a WSGI app cannot be cancelled
    stacks = [r.getMessage() for r in caplog.records if "req-wsgi" in r.getMessage()]
    assert len(stacks) == 1
    assert "stuck_in_here" in stacks[0] and "time.sleep(0.5)" in stacks[0]


def test_no_stack_is_logged_for_a_request_that_finishes_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = wrap(wsgi_app, deadline_margin=0.1)
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        handler(v2_event(), lambda_context(250, "req-quick"))
        time.sleep(0.3)
    assert [r for r in caplog.records if "req-quick" in r.getMessage()] == []


class _Deadline:
    """An adapter's view of a request with ``seconds`` left (from now) and an id."""

    def __init__(self, seconds: float, request_id: str) -> None:
        self.due = time.monotonic() + seconds
        self.id = request_id

    def remaining_time(self, context: Any) -> float:
        return self.due - time.monotonic()

    def request_id(self, event: Any, context: Any) -> str:
        return self.id


def _run_request(watch: StackWatch, seconds: float, request_id: str, duration: float) -> None:
    """What the handler does around a WSGI request: register it, run it, drop it."""
    if seconds < watch.idle:
        watch.shorten(seconds)
    thread_id = threading.get_ident()
    watch.running[thread_id] = (_Deadline(seconds, request_id), None, None, 0.0)
    time.sleep(duration)
    del watch.running[thread_id]


def test_the_watchdog_thread_is_not_woken_by_a_run_of_requests_due_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = StackWatch()
    wakes: list[float] = []
    notify = watch._cond.notify
    watch._cond.notify = lambda n=1: (wakes.append(time.monotonic()), notify(n))  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        _run_request(watch, 2.0, "first", 0.0)  # starts the thread: one wake
        for _ in range(20):  # as invocations come, each with a budget of its own
            _run_request(watch, 3.0, "quick", 0.005)
        assert len(wakes) == 1
        # A shorter budget than any seen still wakes it, and a hang is caught...
        _run_request(watch, 0.15, "req-hung", 0.4)
        assert len(wakes) == 2
        # ...as is one due later than the thread's idle sleep, without waking it.
        _run_request(watch, 0.25, "req-hung-later", 0.5)
        assert len(wakes) == 2
    logged = [r.args[0] for r in caplog.records if isinstance(r.args, tuple) and r.args]
    assert logged == ["req-hung", "req-hung-later"]  # by id: the stack's paths may hold any word


def test_the_watchdog_logs_a_hung_request_once_and_each_thread_on_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = StackWatch()
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        threads = [
            threading.Thread(target=_run_request, args=(watch, 0.1, "req-a", 0.6)),
            threading.Thread(target=_run_request, args=(watch, 5.0, "req-b", 0.6)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    logged = [r.args[0] for r in caplog.records if isinstance(r.args, tuple) and r.args]
    assert logged == ["req-a"]  # logged once although still running at later looks
    assert watch.running == {}


def test_a_request_the_app_makes_of_its_own_handler_leaves_the_outer_one_watched() -> None:
    from faas_bridge.bridges.wsgi_deadline import stack_watch

    watch = stack_watch()
    seen: list[Any] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/outer":
            handler(v2_event("/inner"), lambda_context(20_000, "req-inner"))
            seen.append(watch.running.get(threading.get_ident()))
        start_response("200 OK", [])
        return [b""]

    handler = wrap(app)
    outer = v2_event("/outer")
    handler(outer, lambda_context(20_000, "req-outer"))
    assert seen and seen[0] is not None and seen[0][1] is outer
    assert threading.get_ident() not in watch.running


def test_warmup_pings_never_reach_the_app() -> None:
    called = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        called.append(True)
        start_response("200 OK", [])
        return []

    handler = wrap(app, warmup=["source=serverless-plugin-warmup", "warmer=true"])
    assert handler(load_event("non-http/serverless-plugin-warmup.json"), None) == WARM_REPLY
    scheduled = load_event("non-http/aws-eventbridge-scheduled.json")
    assert handler({**scheduled, "warmer": True}, None) == WARM_REPLY
    assert called == []
    # A genuine scheduled event is not a warm-up: it is not swallowed.
    with pytest.raises(UnrecognisedEvent):
        handler(scheduled, None)


@pytest.mark.parametrize(
    "sample", ["aws-apigw-v2/get-root.json", "aws-alb/single-value.json"], ids=["v2", "alb"]
)
def test_a_request_is_the_apps_whatever_keys_lie_beside_it(sample: str) -> None:
    """Pings are looked for among the events no adapter claims, never among requests."""
    handler = wrap(wsgi_app, warmup=["source=serverless-plugin-warmup", "warmer=true"])
    request = load_event(sample)
    plain = handler(request, None)
    assert plain["statusCode"] == 200
    for marker in ({"warmer": True}, {"source": "serverless-plugin-warmup"}):
        reply = handler({**request, **marker}, None)
        assert reply == plain  # the app's reply, not WARM_REPLY
    assert reply_json(plain)["method"] == request_method(request)
    assert handler({"warmer": True}, None) == WARM_REPLY  # the same keys alone are a ping


def request_method(event: dict[str, Any]) -> str:
    return str(event.get("httpMethod") or event["requestContext"]["http"]["method"])


@pytest.mark.parametrize("app", [asgi_app, wsgi_app], ids=["asgi", "wsgi"])
def test_concurrent_threads_each_get_their_own_reply(app: Any) -> None:
    handler = wrap(app)
    errors: list[str] = []

    def worker(n: int) -> None:
        for i in range(200):
            token = f"t{n}-{i}"
            try:
                seen = reply_json(handler(v2_event(f"/{token}", f"id={token}"), None))
                got = seen.get("path") or seen.get("path_info")
                if got != f"/{token}" or seen["query_string"] != f"id={token}":
                    errors.append(f"{token}: got {got} {seen['query_string']}")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(f"{token}: {exc!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)


def test_called_from_inside_a_running_event_loop() -> None:
    handler = wrap(asgi_app)

    async def main() -> Any:
        return handler(v2_event("/inside"), None)

    assert reply_json(asyncio.run(main()))["path"] == "/inside"


def test_cold_start_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(asgi_app)
    assert handler.cold is True
    with caplog.at_level(logging.INFO, logger="faas_bridge"):
        handler(v2_event(), None)
        handler(v2_event(), None)
    assert handler.cold is False
    lines = [r.getMessage() for r in caplog.records if "cold start" in r.getMessage()]
    assert len(lines) == 1
    report = json.loads(lines[0].split("cold start ", 1)[1])
    assert report["platform"] == "aws-apigw-v2"
    assert report["interface"] == "asgi"
    assert report["startup_ms"] >= 0 and report["init_ms"] >= report["startup_ms"]


# -- Whole processes: SIGTERM, interpreter exit, SnapStart --------------------------

PROCESS = """
import json, os, signal, sys, time
sys.path.insert(0, {tests!r})
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from contextlib import asynccontextmanager
import faas_bridge
from support.events import load_event

LOG = {log!r}

def note(text):
    with open(LOG, "a") as f:
        f.write(text + "\\n")

{setup}

@asynccontextmanager
async def lifespan(app):
    note("startup")
    yield
    note("shutdown")

async def slow(request):
    import asyncio
    await asyncio.sleep(float(request.query_params.get("s", "0")))
    note("request done")
    return PlainTextResponse("ok")

asgi = faas_bridge.wrap(Starlette(routes=[Route("/", slow)], lifespan=lifespan))

def wsgi_app(environ, start_response):
    start_response("200 OK", [])
    return [b"ok"]

wsgi = faas_bridge.wrap(wsgi_app)
wsgi.on_shutdown(lambda: note("wsgi shutdown"))

event = load_event("aws-apigw-v2/get-root.json")
{body}
"""


def run_process(tmp_path: Path, body: str, setup: str = "") -> tuple[subprocess.Popen[str], Path]:
    log = tmp_path / "log.txt"
    script = PROCESS.format(
        tests=str(ROOT / "tests"),
        log=str(log),
        setup=textwrap.dedent(setup),
        body=textwrap.dedent(body),
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return process, log


def wait_for_line(process: subprocess.Popen[str], text: str) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == text, process.stderr.read() if process.stderr else line


def test_sigterm_runs_shutdown_once_and_exits_promptly(tmp_path: Path) -> None:
    process, log = run_process(
        tmp_path,
        """
        asgi(event, None)
        print("ready", flush=True)
        time.sleep(30)
        """,
    )
    try:
        wait_for_line(process, "ready")
        began = time.monotonic()
        process.send_signal(15)
        process.wait(timeout=10)
        assert time.monotonic() - began < 3
    finally:
        process.kill()
    assert process.returncode == -15  # the default action still ends the process
    assert log.read_text().splitlines() == ["startup", "request done", "wsgi shutdown", "shutdown"]


def test_sigterm_chains_the_handler_installed_before(tmp_path: Path) -> None:
    process, log = run_process(
        tmp_path,
        """
        asgi(event, None)
        print("ready", flush=True)
        time.sleep(30)
        """,
        setup="""
        def previous(signum, frame):
            note("previous handler")
            sys.exit(3)
        signal.signal(signal.SIGTERM, previous)
        """,
    )
    try:
        wait_for_line(process, "ready")
        process.send_signal(15)
        process.wait(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 3
    lines = log.read_text().splitlines()
    assert lines == ["startup", "request done", "wsgi shutdown", "shutdown", "previous handler"]


def test_sigterm_during_an_invocation_waits_for_it(tmp_path: Path) -> None:
    process, log = run_process(
        tmp_path,
        """
        import threading
        print("ready", flush=True)
        slow = dict(event, rawQueryString="s=0.5")
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
        print(asgi(slow, None)["statusCode"], flush=True)
        time.sleep(30)
        """,
    )
    try:
        wait_for_line(process, "ready")
        process.wait(timeout=10)
    finally:
        process.kill()
    assert process.returncode == -15
    lines = log.read_text().splitlines()
    assert lines == ["startup", "request done", "wsgi shutdown", "shutdown"]


def test_interpreter_exit_runs_shutdown_once(tmp_path: Path) -> None:
    process, log = run_process(tmp_path, "asgi(event, None)")
    process.wait(timeout=20)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert log.read_text().splitlines() == ["startup", "request done", "wsgi shutdown", "shutdown"]


#: AWS's snapshot_restore_py, as a module that records what registers with it.
FAKE_SNAPSHOT_MODULE = """
import types
hooks = []
fake = types.ModuleType("snapshot_restore_py")
fake.register_after_restore = hooks.append
fake.register_before_snapshot = lambda fn: None
fake.restore = lambda: [hook() for hook in hooks]
fake.hooks = hooks
sys.modules["snapshot_restore_py"] = fake
"""


@pytest.mark.parametrize(
    ("initialization", "expected"),
    [
        ("snap-start", ["startup", "reconnected"]),
        # Any other start is never restored from a snapshot: nothing registers.
        ("on-demand", ["startup", "hooks registered: 0"]),
        (None, ["startup", "hooks registered: 0"]),
    ],
)
def test_snapstart_restore_hooks_register_only_in_a_snapstart_init(
    tmp_path: Path, initialization: str | None, expected: list[str]
) -> None:
    setting = (
        f"os.environ['AWS_LAMBDA_INITIALIZATION_TYPE'] = {initialization!r}"
        if initialization
        else "os.environ.pop('AWS_LAMBDA_INITIALIZATION_TYPE', None)"
    )
    process, log = run_process(
        tmp_path,
        """
        wsgi.on_restore(lambda: note("reconnected"))
        import snapshot_restore_py
        if not snapshot_restore_py.hooks:
            note("hooks registered: 0")
        snapshot_restore_py.restore()
        """,
        setup="import os\n" + setting + FAKE_SNAPSHOT_MODULE,
    )
    process.wait(timeout=20)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert log.read_text().splitlines()[:2] == expected


def test_django_asgi_serves_100_requests_without_an_error_logged(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import logging, os, sys
        sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
        os.environ["DJANGO_SQLITE_PATH"] = sys.argv[3]
        logging.basicConfig(level=logging.WARNING)
        from support.events import load_event
        import faas_bridge
        from mysite.asgi import application
        handler = faas_bridge.wrap(application)
        event = load_event("aws-apigw-v2/get-root.json")
        event["rawPath"] = "/notes/"
        statuses = {handler(dict(event), None)["statusCode"] for _ in range(100)}
        print(sorted(statuses))
        """
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(ROOT / "examples" / "django_app"),
            str(ROOT / "tests"),
            str(tmp_path / "db.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[200]"
    assert result.stderr == ""


def test_deadlines_of_concurrent_asgi_requests_are_each_their_own() -> None:
    """One timer serves every deadline: each request is cancelled at its own."""

    async def slow(request: StarletteRequest) -> PlainTextResponse:
        await asyncio.sleep(float(request.query_params["s"]))
        return PlainTextResponse("done")

    handler = wrap(Starlette(routes=[Route("/slow", slow)]), deadline_margin=0.1)
    results: dict[int, tuple[int, float]] = {}

    def worker(n: int) -> None:
        began = time.monotonic()
        if n % 2:  # deadline (after the margin) at 0.1 + 0.05 n seconds; the app takes 5 s
            reply = handler(v2_event("/slow", "s=5"), lambda_context(200 + 50 * n, f"r{n}"))
        else:  # plenty of time; the app takes 0.2 s
            reply = handler(v2_event("/slow", "s=0.2"), lambda_context(3000, f"r{n}"))
        results[n] = (reply["statusCode"], time.monotonic() - began)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for n, (status, elapsed) in sorted(results.items()):
        if n % 2:
            assert status == 504, n
            assert 0.1 + 0.05 * n - 0.02 < elapsed < 0.1 + 0.05 * n + 0.25, (n, elapsed)
        else:
            assert status == 200, n
    assert len(results) == 10
    assert reply_body(handler(v2_event("/slow", "s=0"), lambda_context(3000))) == b"done"


def test_the_names_a_user_may_catch_or_call_stay_importable_from_the_package() -> None:
    """``faas_bridge.lifecycle`` was one module: what a user could reach there still is."""
    import faas_bridge.lifecycle as package
    from faas_bridge.lifecycle import lifespan, signals

    assert package.LifespanFailure is lifespan.LifespanFailure
    assert package.shutdown_all is signals.shutdown_all
    with pytest.raises(AttributeError, match="Lifecycle"):
        package.Lifecycle  # noqa: B018 - internal now: faas_bridge.lifecycle.hooks
