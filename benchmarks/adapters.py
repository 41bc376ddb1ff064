"""The contenders: the floor (the app called directly), faas_bridge and its peers.

Each contender is built once per app and event, as a deployed function builds
its handler once per instance, and :attr:`Contender.call` is one invocation.
Peers whose package is not installed are left out and listed in
:func:`missing_peers` (``pip install -e ".[bench]"`` installs them all).
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

FLOOR = "floor"
FAAS_BRIDGE = "faas_bridge"

#: Peer name -> (interfaces it serves, the packages it needs).
PEERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "apig-wsgi": (("wsgi",), ("apig_wsgi",)),
    "serverless-wsgi": (("wsgi",), ("serverless_wsgi",)),
    "mangum+a2wsgi": (("wsgi",), ("mangum", "a2wsgi")),
    "mangum+a2wsgi (lifespan off)": (("wsgi",), ("mangum", "a2wsgi")),
    "mangum": (("asgi",), ("mangum",)),
    "mangum (lifespan off)": (("asgi",), ("mangum",)),
}


class LambdaContext:
    """What the Lambda runtime passes as ``context``: a deadline and a request id.

    Passing one matters: faas_bridge watches the deadline of every invocation
    whose context tells it, and that is per-call work a real deployment pays.
    """

    function_name = "benchmark"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:benchmark"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/benchmark"
    log_stream_name = "2024/01/01/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


CONTEXT = LambdaContext()


@dataclass
class Contender:
    name: str
    #: One invocation; returns what the vendor would get back.
    call: Callable[[], Any]
    #: (status, body bytes) from what ``call`` returned.
    read: Callable[[Any], tuple[int, bytes]]


def peer_names(interface: str) -> list[str]:
    """Peers that serve this interface and are installed."""
    return [
        name
        for name, (interfaces, packages) in PEERS.items()
        if interface in interfaces and all(find_spec(p) is not None for p in packages)
    ]


def missing_peers() -> list[str]:
    return [
        name
        for name, (_, packages) in PEERS.items()
        if not all(find_spec(p) is not None for p in packages)
    ]


def read_reply(reply: Any) -> tuple[int, bytes]:
    """(status, body) from a vendor reply dict (AWS and look-alike shapes)."""
    if not isinstance(reply, dict):
        raise TypeError(f"reply is {type(reply).__name__}, not a dict")
    status: Any = reply.get("statusCode", reply.get("status"))
    body = reply.get("body") or ""
    if reply.get("isBase64Encoded") or reply.get("isBase64"):
        data = base64.b64decode(body)
    elif isinstance(body, bytes):
        data = body
    else:
        data = str(body).encode("utf-8")
    return int(status), data


def _read_direct(reply: Any) -> tuple[int, bytes]:
    status, body = reply
    return status, body


# -- the floor ---------------------------------------------------------------------


def wsgi_floor(app: Any, environ: dict[str, Any], body: bytes) -> Contender:
    """The WSGI app called with a pre-built environ, as the leanest server would.

    Per call: a shallow copy of the environ (apps write into it), a fresh
    ``wsgi.input``, start_response, the body joined, ``close()`` called.
    """

    def call() -> tuple[int, bytes]:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(body)
        started: list[Any] = []

        def start_response(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            started[:] = (status, headers)
            return chunks.append

        chunks: list[bytes] = []
        result = app(env, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(started[0][:3]), b"".join(chunks)

    return Contender(FLOOR, call, _read_direct)


def asgi_floor(
    app: Any, scope: dict[str, Any], body: bytes, loop: asyncio.AbstractEventLoop
) -> Contender:
    """The ASGI app on one persistent loop with a pre-built scope.

    Per call: ``run_until_complete`` of one coroutine, a scope copy with an
    empty ``state``, receive() giving the body then (after the reply) a
    disconnect, send() collecting the reply.
    """

    async def invoke() -> tuple[int, bytes]:
        pending = [body]
        chunks: list[bytes] = []
        status = 0
        done: asyncio.Event | None = None
        finished = False

        async def receive() -> dict[str, Any]:
            nonlocal done
            if pending:
                return {"type": "http.request", "body": pending.pop(), "more_body": False}
            if not finished:
                done = done or asyncio.Event()
                await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, finished
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished = True
                    if done is not None:
                        done.set()

        scope_copy = scope.copy()
        scope_copy["state"] = {}
        await app(scope_copy, receive, send)
        return status, b"".join(chunks)

    def call() -> tuple[int, bytes]:
        return loop.run_until_complete(invoke())

    return Contender(FLOOR, call, _read_direct)


# -- faas_bridge and the peers -----------------------------------------------------


def handler_factories(app: Any, interface: str) -> dict[str, Callable[[], Callable[..., Any]]]:
    """Name -> a function that builds that adapter's handler for ``app``."""
    factories: dict[str, Callable[[], Callable[..., Any]]] = {}

    def faas_bridge_handler() -> Callable[..., Any]:
        from faas_bridge import wrap

        return wrap(app)

    factories[FAAS_BRIDGE] = faas_bridge_handler
    for name in peer_names(interface):
        factories[name] = _peer_factory(name, app)
    return factories


def _peer_factory(name: str, app: Any) -> Callable[[], Callable[..., Any]]:
    def build() -> Callable[..., Any]:
        if name == "apig-wsgi":
            from apig_wsgi import make_lambda_handler

            return make_lambda_handler(app)
        if name == "serverless-wsgi":
            import serverless_wsgi  # type: ignore[import-untyped]

            def handle(event: Any, context: Any) -> Any:
                return serverless_wsgi.handle_request(app, event, context)

            return handle
        from mangum import Mangum

        # Mangum logs a traceback on every call for an app without lifespan
        # support (Django); silenced so that its times are not inflated by it.
        logging.getLogger("mangum.lifespan").disabled = True
        lifespan: Any = "off" if name.endswith("(lifespan off)") else "auto"
        if name.startswith("mangum+a2wsgi"):
            from a2wsgi import WSGIMiddleware

            wsgi_app: Any = WSGIMiddleware(app)
            return Mangum(wsgi_app, lifespan=lifespan)
        return Mangum(app, lifespan=lifespan)

    return build


def adapter_contender(name: str, handler: Callable[..., Any], event: Any) -> Contender:
    def call() -> Any:
        return handler(event, CONTEXT)

    return Contender(name, call, read_reply)
