"""Behaviour a mutation audit found no test watching (issue 23), pinned from the documents.

Each test states a documented rule and plants the input that tells the right
code from a plausible wrong one: a chunk an ASGI app sends after its last one,
an encoded body that happens to be valid UTF-8, a forged first
``X-Forwarded-Proto`` value, a stale ``Content-Length``. (The reply of exactly
the vendor's limit is in ``tests/security/test_hardening.py``, with the other limits.)
Expected values come from the vendors' documents and from gunicorn, never from
the adapters. ``python -m mutation`` (see ``mutation/__init__.py``) plants the
bugs these tests must catch.
"""

from __future__ import annotations

import base64
import copy
import http.client
import json
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.base import HttpCall
from support import mutant_apps
from support.echo_apps import wsgi_app
from support.fuzz_events import BUILDERS, call_context, materialize
from support.real_servers import RealServer
from support.vendor_replies import http_response


def first_event(vendor: str) -> tuple[Any, Any]:
    build = BUILDERS[vendor][0][1]
    return call_context(materialize(build(HttpCall())), vendor)


# -- ASGI: nothing after the last body chunk ---------------------------------------------


async def late_chunk_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Ends its body, then sends one more chunk (a background task that outlived the reply)."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"done", "more_body": False})
    await send({"type": "http.response.body", "body": b"LATE", "more_body": False})


def test_an_asgi_chunk_after_the_last_one_is_not_sent() -> None:
    # ASGI HTTP spec: "more_body: ... If False, response will be taken as complete
    # and closed, and any further messages on the channel will be ignored."
    handler = wrap(late_chunk_app, lifespan="off")
    try:
        event, context = first_event("aws-apigw-v2")
        status, _, body = http_response("aws-apigw-v2", handler(event, context), event, context)
    finally:
        handler.shutdown()
    assert (status, body) == (200, b"done")


# -- A Content-Encoding always travels as base64 -------------------------------------------

#: ``deflate`` (raw) of b"aaaa": compressed bytes that happen to be valid UTF-8, so
#: only the Content-Encoding tells that the body is not text.
DEFLATED = zlib.compress(b"aaaa", wbits=-15)

#: The reply field each vendor reads to decode the body (README, "Options",
#: text_types: "any body with a Content-Encoding is returned base64").
FLAGGED = {
    name: ("bodyEncoding", "base64") if name == "aws-edge" else ("isBase64Encoded", True)
    for name in (
        "aws-alb",
        "aws-apigw-v1",
        "aws-apigw-v2",
        "aws-function-url",
        "aws-lattice",
        "aws-edge",
        "yandex",
        "aliyun-fc3",
        "aliyun-apigw",
        "tencent-scf-apigw",
        "tencent-cloudbase",
        "huawei-fg-apig",
        "scaleway",
    )
}


@pytest.mark.parametrize("vendor", sorted(FLAGGED))
@pytest.mark.parametrize("content_type", ["text/plain; charset=utf-8", "application/json"])
def test_an_encoded_body_is_base64_whatever_its_type(vendor: str, content_type: str) -> None:
    assert DEFLATED.decode("utf-8") == "KLLL\x04\x00"  # valid UTF-8: the trap is set

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", content_type), ("Content-Encoding", "deflate")])
        return [DEFLATED]

    event, context = first_event(vendor)
    handler = wrap(app)
    try:
        reply = handler(copy.copy(event), context)
    finally:
        handler.shutdown()
    key, flag = FLAGGED[vendor]
    assert reply[key] == flag
    assert base64.b64decode(reply["body"]) == DEFLATED
    assert http_response(vendor, reply, event, context)[2] == DEFLATED


# -- X-Forwarded-Proto: the last value is the proxy's --------------------------------------


def alb_event(proto: str | list[str], multi: bool) -> dict[str, Any]:
    """An ALB event (ELB guide's request format) whose X-Forwarded-Proto is ``proto``."""
    headers: dict[str, Any] = {
        "host": "lb-0123456789.us-east-1.elb.amazonaws.com",
        "x-forwarded-for": "198.51.100.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": proto,
    }
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {
                "targetGroupArn": (
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789"
                )
            }
        },
        "httpMethod": "GET",
        "path": "/",
        "body": "",
        "isBase64Encoded": False,
    }
    if multi:
        event["multiValueHeaders"] = {
            k: v if isinstance(v, list) else [v] for k, v in headers.items()
        }
        event["multiValueQueryStringParameters"] = {}
    else:
        event["headers"] = headers
        event["queryStringParameters"] = {}
    return event


def scheme_seen(event: Any, vendor: str, context: Any = None) -> str:
    handler = wrap(wsgi_app)
    try:
        _, _, body = http_response(vendor, handler(copy.copy(event), context), event, context)
    finally:
        handler.shutdown()
    scheme: str = json.loads(body)["scheme"]
    return scheme


@pytest.mark.parametrize(
    ("proto", "scheme"),
    # A proxy that appends puts its own value last; the first may be the client's.
    [("http, https", "https"), ("https, http", "http"), (["http", "https"], "https")],
)
@pytest.mark.parametrize("multi", [False, True], ids=["single-value", "multi-value"])
def test_the_last_forwarded_proto_counts(proto: str | list[str], scheme: str, multi: bool) -> None:
    if isinstance(proto, list) and not multi:
        proto = proto[-1]  # single-value mode: the load balancer keeps the last value
    assert scheme_seen(alb_event(proto, multi), "aws-alb") == scheme


@pytest.mark.parametrize(("proto", "scheme"), [("http, https", "https"), ("https, http", "http")])
def test_the_last_forwarded_proto_counts_behind_openfaas(proto: str, scheme: str) -> None:
    # The python3-http template's event when no WSGI environ stands behind its headers.
    event = SimpleNamespace(
        body=b"",
        method="GET",
        path="/",
        query={},
        headers={"Host": "gateway:8080", "X-Forwarded-Proto": proto},
    )
    assert scheme_seen(event, "openfaas") == scheme


# -- CONTENT_LENGTH is the body the app gets --------------------------------------------------


class MutantAppsServer(RealServer):
    """The oracle's gunicorn/uvicorn process, serving ``mutant_apps`` or ``echo_apps``."""

    def command(self) -> list[str]:
        command = super().command()
        module = "support.mutant_apps" if self.app in vars(mutant_apps) else "support.echo_apps"
        return [*command[:-1], f"{module}:{self.app}"]


def serving(server: RealServer, log_dir: Path) -> RealServer:
    """``server`` started and answering (it is stopped by the caller, by process id)."""
    server.start(log_dir)
    deadline = time.monotonic() + 30
    while not server.ready():
        if server.exited() or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{server.kind} did not answer:\n{server.output()}")
        time.sleep(0.1)
    return server


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    """gunicorn serving the WSGI echo app on 127.0.0.1."""
    server = MutantAppsServer(app="wsgi_app", kind="gunicorn", prefix="")
    try:
        yield serving(server, tmp_path_factory.mktemp("gunicorn"))
    finally:
        server.stop()


def gunicorn_sees(server: RealServer, method: str, body: bytes | None) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, "/", body=body, headers={"Host": "localhost"})
        seen: dict[str, Any] = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    return seen


def alb_sees(headers: dict[str, str], body: str) -> dict[str, Any]:
    event = alb_event("https", multi=False)
    event["httpMethod"] = "POST"
    event["headers"].update(headers)
    event["body"] = body
    handler = wrap(wsgi_app)
    try:
        _, _, reply_body = http_response("aws-alb", handler(event, None), event)
    finally:
        handler.shutdown()
    seen: dict[str, Any] = json.loads(reply_body)
    return seen


def test_a_stale_content_length_is_not_passed_on_for_an_empty_body(gunicorn: RealServer) -> None:
    # A client that sends no body sends Content-Length: 0 (http.client does, for a
    # POST); gunicorn hands the header on as it came and the app reads that many bytes.
    real = gunicorn_sees(gunicorn, "POST", b"")
    assert (real["content_length"], real["body"]) == ("0", "")
    # The event says 10 bytes but carries none: the app must be told what it gets.
    seen = alb_sees({"content-length": "10"}, "")
    assert (seen["content_length"], seen["body"]) == (real["content_length"], real["body"])
    # And with a body, the length of the body the app reads, as gunicorn gives it.
    real = gunicorn_sees(gunicorn, "POST", b"0123456789")
    seen = alb_sees({"content-length": "99", "content-type": "text/plain"}, "0123456789")
    assert (seen["content_length"], seen["body"]) == (real["content_length"], real["body"])


# -- Command names and shutdown order ---------------------------------------------------------


def test_a_command_name_is_matched_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django and click command names are case-sensitive: GREET is not greet."""
    from faas_bridge.routing.commands import CommandRefused, command_event
    from support import faasyml_apps as apps

    monkeypatch.setenv("FAAS_BRIDGE_COMMAND_SECRET", "mutants-secret-" + "0" * 32)
    handler = wrap(apps.web_app)
    handler.allow_commands("greet")
    try:
        with pytest.raises(CommandRefused, match="command 'GREET' is not allowed"):
            handler(command_event("GREET", ["ada"]), None)
    finally:
        handler.shutdown()


def test_shutdown_hooks_run_newest_first() -> None:
    """README, Lifecycle: shutdown hooks run newest first (a pool outlives its clients)."""
    ran: list[str] = []
    handler = wrap(wsgi_app)
    handler.on_shutdown(lambda: ran.append("pool"))
    handler.on_shutdown(lambda: ran.append("client"))
    event, context = first_event("aws-apigw-v2")
    assert http_response("aws-apigw-v2", handler(event, context), event, context)[0] == 200
    handler.shutdown()
    assert ran == ["client", "pool"]


# -- An ASGI failure after the complete reply -----------------------------------------------


def test_a_failure_after_the_complete_reply_leaves_the_reply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As under uvicorn, which has sent the reply when the app raises, and logs the error."""
    server = MutantAppsServer(app="fails_after_reply", kind="uvicorn", prefix="")
    try:
        serving(server, tmp_path)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/", headers={"Host": "localhost"})
            response = conn.getresponse()
            real = (response.status, response.getheader("x-a"), response.read())
        finally:
            conn.close()
    finally:
        server.stop()
    assert real == (200, "1", b"complete")
    handler = wrap(mutant_apps.fails_after_reply, lifespan="off")
    try:
        event, context = first_event("aws-apigw-v2")
        status, headers, body = http_response(
            "aws-apigw-v2", handler(event, context), event, context
        )
    finally:
        handler.shutdown()
    assert (status, dict(headers).get("x-a"), body) == real
    assert "failed after its complete reply" in caplog.text


def test_a_command_name_with_a_trailing_newline_is_malformed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A name is letters, digits, '-' and '_' to its very end: "greet\\n" is no name."""
    from faas_bridge.routing.commands import CommandRefused, command_event
    from support import faasyml_apps as apps

    monkeypatch.setenv("FAAS_BRIDGE_COMMAND_SECRET", "mutants-secret-" + "0" * 32)
    handler = wrap(apps.web_app)
    handler.allow_commands("greet")
    try:
        with pytest.raises(CommandRefused, match=r"'command' is 'greet\\n', not a command"):
            handler(command_event("greet\n"), None)
    finally:
        handler.shutdown()


# -- The base path is cut on a segment boundary ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "script_name", "path_info"),
    # README, Options: "/v1 never strips /v10". The root stays the base path (the
    # client's mapping) whether or not the path carries it.
    [("/v1/x", "/v1", "/x"), ("/v1", "/v1", "/"), ("/v10/x", "/v1", "/v10/x")],
)
def test_the_base_path_is_removed_on_a_segment_boundary_only(
    path: str, script_name: str, path_info: str
) -> None:
    event = alb_event("https", multi=False)
    event["path"] = path
    handler = wrap(wsgi_app, base_path="/v1")
    try:
        _, _, body = http_response("aws-alb", handler(event, None), event)
    finally:
        handler.shutdown()
    seen = json.loads(body)
    assert (seen["script_name"], seen["path_info"]) == (script_name, path_info)


# -- A delivery the app refuses is a failure ----------------------------------------------------


def test_a_4xx_answer_to_a_delivery_is_a_failure_the_platform_retries() -> None:
    """README, Errors and limits: "a delivery the app answers with anything but 2xx" is
    raised to the platform, which retries it: a 422 must not drop the event."""
    from faas_bridge.routing.triggers import TriggerFailed

    def refuses(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        start_response("422 Unprocessable Content", [("Content-Type", "text/plain")])
        return [b"not now"]

    # An EventBridge scheduled event, as the EventBridge user guide shows one.
    event = {
        "version": "0",
        "id": "0b6a4c2e-7d1f-4e55-9a3b-2f8c6d1e0a47",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/nightly"],
        "detail": {},
    }
    handler = wrap(refuses)
    handler.on("aws.events.scheduled", route="POST /jobs/nightly")
    try:
        with pytest.raises(TriggerFailed, match="answered 422"):
            handler(event, None)
    finally:
        handler.shutdown()
