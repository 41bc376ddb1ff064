"""The ASGI bridge: scope shape, receive/send protocol, one persistent loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.bridges.asgi import AppReturnedEarly, ASGIBridge, build_scope, wire_headers
from faas_bridge.http import Request


def running_loop_left() -> bool:
    """Whether the calling thread still has a running event loop (asyncio's public check)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def make_request(**fields: Any) -> Request:
    fields.setdefault("method", "GET")
    fields.setdefault("raw_path", b"/")
    return Request(**fields)


def test_scope_matches_uvicorn_conventions() -> None:
    scope = build_scope(
        make_request(
            raw_path=b"/caf%C3%A9/a%2Fb",
            root_path="/prod",
            query_string=b"x=1",
            headers=[("x-multi", "1"), ("x-multi", "2")],
            client=("203.0.113.9", 0),
            server=("example.com", 443),
        )
    )
    assert scope["type"] == "http"
    assert scope["asgi"]["version"] == "3.0"
    assert scope["path"] == "/prod/caf\u00e9/a/b"  # decoded, root_path included
    assert scope["raw_path"] == b"/prod/caf%C3%A9/a%2Fb"  # %2F distinguishable
    assert scope["root_path"] == "/prod"
    assert scope["query_string"] == b"x=1"
    assert scope["headers"] == [(b"x-multi", b"1"), (b"x-multi", b"2")]
    assert scope["client"] == ("203.0.113.9", 0)
    assert scope["server"] == ("example.com", 443)


@pytest.mark.parametrize(
    ("raw_path", "path"),
    [
        (b"/plain", "/plain"),
        (b"/%7Euser/a%20b", "/~user/a b"),
        (b"/bad%FF%C3", "/bad\ufffd\ufffd"),  # not UTF-8: replaced, as uvicorn reads it
        (b"/half%E2%82", "/half\ufffd"),
        (b"/%", "/%"),  # a lone percent sign stays
    ],
)
def test_the_scope_path_is_the_percent_decoded_utf8_text(raw_path: bytes, path: str) -> None:
    scope = build_scope(make_request(raw_path=raw_path))
    assert (scope["path"], scope["raw_path"]) == (path, raw_path)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], []),
        ([("x-name", "caf\xc3\xa9")], [(b"x-name", "café".encode())]),
        (
            [("a", ""), ("b", "\t x \xff"), ("a", "2")],
            [(b"a", b""), (b"b", b"\t x \xff"), (b"a", b"2")],
        ),
        # Never in a vetted request, but encoded right all the same.
        ([("a", "1\n2"), ("b", "3")], [(b"a", b"1\n2"), (b"b", b"3")]),
        ([("a\nb", "1")], [(b"a\nb", b"1")]),
    ],
)
def test_wire_headers_are_the_native_strings_bytes(
    headers: list[tuple[str, str]], expected: list[tuple[bytes, bytes]]
) -> None:
    assert wire_headers(headers) == expected


def test_receive_gives_body_then_disconnect_after_the_reply() -> None:
    messages: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        messages.append(await receive())
        waiter = asyncio.ensure_future(receive())
        await asyncio.sleep(0)
        assert not waiter.done()  # no disconnect while the reply is still owed
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        messages.append(await waiter)

    response = ASGIBridge(app)(make_request(method="POST", body=b"payload"))
    assert response.body == b"ok"
    assert messages == [
        {"type": "http.request", "body": b"payload", "more_body": False},
        {"type": "http.disconnect"},
    ]


def test_streamed_chunks_are_joined() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 206, "headers": [(b"x-a", b"1")]})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    response = ASGIBridge(app)(make_request())
    assert (response.status, response.headers, response.body) == (206, [("x-a", "1")], b"abc")


def test_reply_headers_are_read_from_any_bytes_like_object() -> None:
    """A header's bytes are its characters (latin-1), whatever holds them: bytes,
    bytearray or memoryview (a buffer the app reuses); a text header is the app's error."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"x-bytes", b"caf\xe9"),
            (bytearray(b"x-bytearray"), bytearray(b"2")),
            (memoryview(b"x-view"), memoryview(b"3")),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    response = ASGIBridge(app)(make_request())
    assert response.headers == [("x-bytes", "caf\xe9"), ("x-bytearray", "2"), ("x-view", "3")]

    async def text_header(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [("x-a", "1")]})

    with pytest.raises(TypeError):
        ASGIBridge(text_header)(make_request())


def test_app_returning_without_a_response_is_an_error() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        return None

    with pytest.raises(AppReturnedEarly):
        ASGIBridge(app)(make_request())


def test_one_event_loop_serves_every_call() -> None:
    loops: list[asyncio.AbstractEventLoop] = []
    futures: list[asyncio.Future[None]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        loops.append(loop)
        if not futures:
            futures.append(loop.create_future())  # a loop-bound resource, kept
        assert futures[0].get_loop() is loop
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    bridge = ASGIBridge(app)
    for _ in range(3):
        bridge(make_request())
    assert len(loops) == 3 and loops[0] is loops[1] is loops[2]
    assert not loops[0].is_closed()


class ASGI2App:
    """An old-style double-callable ASGI app."""

    def __init__(self, scope: dict[str, Any]) -> None:
        self.scope = scope

    async def __call__(self, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": self.scope["path"].encode()})


def test_asgi2_apps_are_accepted() -> None:
    from support.events import load_event, reply_body

    handler = wrap(ASGI2App)
    assert handler.interface == "asgi"
    event = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    assert reply_body(handler(event, None)) == b"/dashboard"


def test_starlette_and_fastapi_apps_run() -> None:
    from fastapi import FastAPI
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from support.events import load_event, reply_body

    async def hello(request: Any) -> PlainTextResponse:
        return PlainTextResponse(f"hi {request.url.path} {request.scope['root_path']}")

    star = Starlette(routes=[Route("/profile/settings", hello)])
    api = FastAPI()

    @api.get("/profile/settings")
    async def read(q: str | None = None) -> dict[str, Any]:
        return {"ok": True}

    event = load_event("aws-apigw-v2/named-stage-in-raw-path.json")
    event["requestContext"]["http"]["method"] = "GET"
    assert reply_body(wrap(star)(event, None)) == b"hi /beta/profile/settings /beta"
    assert reply_body(wrap(api)(event, None)) == b'{"ok":true}'


# -- What the app sees: a running loop, as under uvicorn ----------------------------


def test_the_app_runs_in_a_task_on_the_running_loop() -> None:
    """Taken at once or on the loop, a request sees what uvicorn gives it."""
    seen: list[tuple[Any, ...]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        hooks = __import__("sys").get_asyncgen_hooks()
        seen.append(
            (loop, loop.is_running(), asyncio.current_task(), hooks.firstiter, hooks.finalizer)
        )
        if scope["path"] == "/wait":
            await asyncio.sleep(0.001)  # left waiting: the loop takes over
            seen.append((asyncio.get_running_loop(), asyncio.current_task()))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    import sys

    before = sys.get_asyncgen_hooks()
    bridge = ASGIBridge(app)
    assert bridge(make_request()).body == b"done"
    assert bridge(make_request(raw_path=b"/wait")).body == b"done"
    loop, running, task, firstiter, finalizer = seen[0]
    assert running and isinstance(task, asyncio.Task)
    assert firstiter is not None and finalizer is not None  # async generators are the loop's
    assert seen[1][0] is loop and seen[1][2] is not task  # one loop, a task per request
    assert seen[2] == (loop, seen[1][2])  # after the wait: the same loop and task
    # Nothing of the running state is left behind in the calling thread.
    assert not running_loop_left() and not loop.is_running()
    assert sys.get_asyncgen_hooks() == before


def test_tasks_the_app_starts_without_waiting_get_their_first_step() -> None:
    """As under run_until_complete: a fire-and-forget task starts before the reply returns."""
    started: list[str] = []

    async def note(path: str) -> None:
        started.append(path)
        await asyncio.sleep(0)
        started.append(path + " resumed")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        asyncio.get_running_loop().create_task(note(scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    bridge = ASGIBridge(app)
    bridge(make_request(raw_path=b"/one"))
    assert started == ["/one"]
    # Then, as run_until_complete orders them: the first one resumes before the
    # second request runs, and the second's task starts before the call returns.
    bridge(make_request(raw_path=b"/two"))
    assert started == ["/one", "/one resumed", "/two"]


def test_a_failure_in_the_first_step_is_the_apps_own() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise LookupError("no such thing")

    with pytest.raises(LookupError, match="no such thing"):
        ASGIBridge(app)(make_request())
    assert not running_loop_left()


def test_a_runtime_error_of_the_apps_is_its_own() -> None:
    """A RuntimeError is also what asyncio raises inside another loop: the app's is not retried."""
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        raise RuntimeError("the app's own")

    with pytest.raises(RuntimeError, match="the app's own"):
        ASGIBridge(app)(make_request())
    assert calls == ["/"]
    assert not running_loop_left()


def test_inside_a_running_loop_the_app_runs_once_on_the_bridges_loop() -> None:
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    bridge = ASGIBridge(app)

    async def caller() -> tuple[Any, Any]:
        return bridge(make_request(raw_path=b"/inner")), asyncio.get_running_loop()

    response, caller_loop = asyncio.run(caller())
    assert (response.status, response.body, calls) == (200, b"ok", ["/inner"])
    assert caller_loop is not bridge.runner.loop


def test_an_unfinished_async_generator_is_closed_on_the_loop() -> None:
    """The loop's finaliser closes what the app left open, as run_forever's hooks do."""
    closed: list[str] = []

    async def chunks() -> Any:
        try:
            yield b"a"
            yield b"b"
        finally:
            closed.append("closed")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        gen = chunks()
        first = await gen.__anext__()  # left unfinished, then dropped
        del gen
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": first})

    bridge = ASGIBridge(app)
    assert bridge(make_request()).body == b"a"
    bridge(make_request())  # the loop runs the aclose() the finaliser scheduled
    assert closed and closed[0] == "closed"
