"""``faas-bridge serve``: a real HTTP server, answering as the emulated vendor would.

Each platform mode runs as its own ``python -m faas_bridge serve`` process on
127.0.0.1 (started once for this module, stopped at its end), serving the apps
of ``cli_apps`` (the echo apps plus redirects and big replies). Every request
is also sent to the same app under gunicorn (Flask) or uvicorn (ASGI), with the
headers the vendor adds (the oracle tests' servers), and the two answers must
agree, up to the differences the vendor itself makes: the oracle tests'
normalisations (``tests/oracle/test_oracle_aws.py``), which are applied here
unchanged through its ``compare``.

The gateway uses the client's Host, so the real server is sent the same Host,
``X-Forwarded-Proto: http``, the gateway's port as ``X-Forwarded-Port`` and
the client address 127.0.0.1 as ``X-Forwarded-For``.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from faas_bridge import ConfigurationError, wrap
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v1, aws_apigw_v2, aws_function_url
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.devtools.gateway import Emulation, finish_headers, request_target, support
from support import aws_oracle as oracle
from support import echo_apps
from support.cli_apps import big_body
from support.cli_servers import REPO, CliAppsServer, Gateway, command_env, start_all, stop_all
from support.events import reply_json

# Behind the local gateway the vendor's record of the client is the socket peer.
oracle.CLIENT_IP = "127.0.0.1"

APPS = {"flask_app": "gunicorn", "asgi_app": "uvicorn"}
FORMS = {form.name: form for form in oracle.FORMS}


@dataclass(frozen=True)
class Mode:
    """One way to run ``serve``, and the oracle form with the same vendor rules."""

    name: str
    args: tuple[str, ...]
    form: str
    prefix: str = ""


MODES = (
    Mode("httpapi_v2", ("--platform", "aws-apigw-v2"), "httpapi_v2"),
    Mode("rest", ("--platform", "aws-apigw-v1", "--stage", "prod"), "rest", "/prod"),
    Mode("function_url", ("--platform", "aws-function-url"), "function_url"),
    Mode("alb_single", ("--platform", "aws-alb"), "alb_single"),
    Mode("alb_multi", ("--platform", "aws-alb", "--alb-multi-value", "--log-json"), "alb_multi"),
)
MODE = {mode.name: mode for mode in MODES}


@dataclass
class Servers:
    gateways: dict[tuple[str, str], Gateway]
    reals: dict[tuple[str, str], CliAppsServer]

    def gateway(self, mode: Mode, app: str) -> Gateway:
        return self.gateways[(mode.name, app)]

    def real(self, mode: Mode, app: str) -> CliAppsServer:
        return self.reals[(app, mode.prefix)]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    gateways = {
        (mode.name, app): Gateway(f"{mode.name}-{app}", [f"support.cli_apps:{app}", *mode.args])
        for mode in MODES
        for app in APPS
    }
    reals = {
        (app, prefix): CliAppsServer(app=app, kind=kind, prefix=prefix)
        for app, kind in APPS.items()
        for prefix in {mode.prefix for mode in MODES}
    }
    try:
        start_all(gateways.values(), reals.values(), tmp_path_factory.mktemp("gateways"))
        yield Servers(gateways, reals)
    finally:
        stop_all([*gateways.values(), *reals.values()])


def to_gateway(gateway: Gateway, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("Host", f"127.0.0.1:{gateway.port}"), *headers]


def forwarded(gateway: Gateway, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request as the vendor forwards it: what the real server must be sent."""
    return [
        *to_gateway(gateway, headers),
        ("X-Forwarded-For", "127.0.0.1"),
        ("X-Forwarded-Port", str(gateway.port)),
        ("X-Forwarded-Proto", "http"),
    ]


def both(
    servers: Servers, mode: Mode, app: str, case: oracle.Case
) -> tuple[oracle.Reply, oracle.Reply]:
    """(the real server's reply, the gateway's) to the client request ``case``."""
    gateway, real = servers.gateway(mode, app), servers.real(mode, app)
    got = oracle.send_real(
        gateway.port,
        case.method,
        mode.prefix + case.target,
        to_gateway(gateway, case.all_headers),
        case.body,
    )
    expected = oracle.send_real(
        real.port,
        case.method,
        real.target_for(mode.prefix, case.target),
        forwarded(gateway, case.all_headers),
        case.body,
    )
    return expected, got


# -- The same answers as a real server ----------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("case", oracle.CASES, ids=lambda case: case.name)
@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.name)
def test_same_answers_as_a_real_server(
    servers: Servers, mode: Mode, case: oracle.Case, app: str
) -> None:
    expected, got = both(servers, mode, app, case)
    if mode.name == "rest" and not expected.values("content-type"):
        # "API Gateway includes a Content-Type header for all integration
        # responses. By default, the content type is application/json."
        expected.headers.append(("content-type", "application/json"))
    oracle.compare(expected, got, FORMS[mode.form], case, app)


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("kind", ["relative", "absolute"])
@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.name)
def test_redirects_point_where_the_real_servers_do(
    servers: Servers, mode: Mode, kind: str, app: str
) -> None:
    """Absolute ones included: the app sees the local URL, so its links work locally."""
    expected, got = both(servers, mode, app, oracle.Case(kind, f"/redirect/{kind}"))
    assert (got.status, got.values("location")) == (expected.status, expected.values("location"))
    location = got.values("location")[0]
    assert location.endswith(f"{mode.prefix}/target")
    if kind == "absolute":
        assert location == f"http://127.0.0.1:{servers.gateway(mode, app).port}{mode.prefix}/target"


#: (mode, the most binary body one request can carry there, one that is too big)
BIG = {
    "httpapi_v2": (4_000_000, 5_000_000),
    "rest": (4_000_000, 5_000_000),
    "function_url": (4_000_000, 5_000_000),
    "alb_single": (700_000, 1_100_000),
}


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("mode", [MODE[name] for name in BIG], ids=lambda mode: mode.name)
def test_big_binary_bodies_both_ways(servers: Servers, mode: Mode, app: str) -> None:
    """Just within the limits: base64 in the event and the reply leaves it byte-exact."""
    size = BIG[mode.name][0]
    body = big_body(size)
    headers = (*oracle.OCTET[:1], ("Content-Length", str(size)), ("X-Reply-Binary", "1"))
    case = oracle.Case("big", "/up", "POST", headers, body)
    expected, got = both(servers, mode, app, case)
    assert got.status == expected.status == 200
    assert got.body == expected.body == body


@pytest.mark.parametrize("mode", [MODE[name] for name in BIG], ids=lambda mode: mode.name)
def test_a_request_over_the_vendors_limit_is_refused_413(servers: Servers, mode: Mode) -> None:
    gateway = servers.gateway(mode, "flask_app")
    size = BIG[mode.name][1]
    headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(size))]
    reply = oracle.send_real(
        gateway.port, "POST", mode.prefix + "/up", to_gateway(gateway, headers), big_body(size)
    )
    assert reply.status == 413
    if mode.name.startswith("alb"):
        assert b"413 Request Entity Too Large" in reply.body  # the load balancer's own page
    else:
        assert json.loads(reply.body)["message"]


@pytest.mark.parametrize("app", APPS)
@pytest.mark.parametrize("mode", [MODE[name] for name in BIG], ids=lambda mode: mode.name)
def test_a_reply_over_the_vendors_limit_is_a_502(servers: Servers, mode: Mode, app: str) -> None:
    """Binary replies travel base64 (4/3 the size): the limit applies to that."""
    gateway = servers.gateway(mode, app)
    fits, too_big = BIG[mode.name]
    ok = oracle.send_real(
        gateway.port, "GET", f"{mode.prefix}/big/{fits}", to_gateway(gateway, []), b""
    )
    assert (ok.status, len(ok.body)) == (200, fits)
    assert ok.body == big_body(fits)
    bad = oracle.send_real(
        gateway.port, "GET", f"{mode.prefix}/big/{too_big}", to_gateway(gateway, []), b""
    )
    assert bad.status == 502


def test_rest_urls_start_with_the_stage(servers: Servers) -> None:
    gateway = servers.gateway(MODE["rest"], "flask_app")
    reply = oracle.send_real(gateway.port, "GET", "/hello", to_gateway(gateway, []), b"")
    assert reply.status == 404
    assert json.loads(reply.body) == {"message": "Not Found"}
    assert f"listening  http://127.0.0.1:{gateway.port}/prod/" in gateway.stderr()


def test_alb_refuses_websocket_upgrades_with_400(servers: Servers) -> None:
    gateway = servers.gateway(MODE["alb_single"], "asgi_app")
    headers = [("Connection", "Upgrade"), ("Upgrade", "websocket")]
    reply = oracle.send_real(gateway.port, "GET", "/ws", to_gateway(gateway, headers), b"")
    assert reply.status == 400


def test_chunked_request_bodies_arrive_whole(servers: Servers) -> None:
    gateway = servers.gateway(MODE["httpapi_v2"], "flask_app")
    conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/chunked",
            body=iter([b"hello ", b"world"]),
            headers={"Content-Type": "text/plain", "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        seen = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    assert base64.b64decode(seen["body"]) == b"hello world"
    assert "transfer-encoding" not in {name for name, _ in seen["headers"]}


def raw_exchange(port: int, head: bytes, body: bytes = b"", pause: float = 0.0) -> bytes:
    """Everything a server writes back on one connection, read until it closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        if pause:
            time.sleep(pause)
        sock.sendall(body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_expect_100_continue_is_answered_once_as_gunicorn_does(servers: Servers) -> None:
    mode = MODE["httpapi_v2"]
    head = (
        b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    got = raw_exchange(servers.gateway(mode, "flask_app").port, head, b"hello", pause=0.3)
    expected = raw_exchange(servers.real(mode, "flask_app").port, head, b"hello", pause=0.3)
    assert expected.count(b"100 Continue") == 1  # the oracle: gunicorn
    assert got.count(b"100 Continue") == 1
    assert got.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")


@pytest.mark.parametrize(
    "lengths",
    [
        b"Content-Length: 5\r\nContent-Length: 11\r\n",
        b"Content-Length: 5\r\nContent-Length: 5\r\n",
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Content-Length: +5\r\n",
    ],
    ids=["conflicting", "repeated", "with-chunked", "signed"],
)
def test_a_content_length_in_doubt_is_refused_400_as_gunicorn_does(
    servers: Servers, lengths: bytes
) -> None:
    mode = MODE["httpapi_v2"]
    head = b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\n" + lengths + b"\r\n"
    body = b"hello world" if b"chunked" not in lengths else b"5\r\nhello\r\n0\r\n\r\n"
    expected = raw_exchange(servers.real(mode, "flask_app").port, head, body)
    got = raw_exchange(servers.gateway(mode, "flask_app").port, head, body)
    assert expected.startswith(b"HTTP/1.1 400 ")  # the oracle: gunicorn
    assert got.startswith(b"HTTP/1.1 400 ")
    assert got.count(b"HTTP/1.1 ") == 1  # nothing after: the connection is closed
    assert servers.gateway(mode, "flask_app").stdout().count("POST /x ") == 0  # never invoked


# -- The log and the banner ----------------------------------------------------------------------


def test_one_readable_log_line_per_request(servers: Servers) -> None:
    gateway = servers.gateway(MODE["rest"], "asgi_app")
    oracle.send_real(gateway.port, "GET", "/prod/logged?x=1", to_gateway(gateway, []), b"")
    line = [ln for ln in gateway.stdout().splitlines() if "/prod/logged?x=1" in ln][-1]
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d GET /prod/logged\?x=1 -> 200 \(\d+\.\d ms, (cold|warm), aws-apigw-v1\)",
        line,
    ), line


def test_log_json_lines(servers: Servers) -> None:
    gateway = servers.gateway(MODE["alb_multi"], "flask_app")
    oracle.send_real(gateway.port, "HEAD", "/json-logged", to_gateway(gateway, []), b"")
    entries = [json.loads(line) for line in gateway.stdout().splitlines()]
    entry = [e for e in entries if e["path"] == "/json-logged"][-1]
    assert entry["method"] == "HEAD"
    assert entry["status"] == 200
    assert entry["platform"] == "aws-alb"
    assert entry["start"] in ("cold", "warm")
    assert entry["client"] == "127.0.0.1"
    assert isinstance(entry["duration_ms"], float)
    assert entry["request_id"]


def test_the_handler_is_built_once_and_stays_warm(servers: Servers) -> None:
    gateway = servers.gateway(MODE["function_url"], "asgi_app")
    for _ in range(3):
        oracle.send_real(gateway.port, "GET", "/warm", to_gateway(gateway, []), b"")
    starts = [
        line.split("(")[1].split(",")[1].strip()
        for line in gateway.stdout().splitlines()
        if " -> " in line
    ]
    assert starts[0] == "cold"
    assert set(starts[1:]) == {"warm"}


def test_startup_banner_says_what_is_emulated(servers: Servers) -> None:
    banner = servers.gateway(MODE["alb_single"], "flask_app").stderr()
    assert "app        support.cli_apps:flask_app (Flask, WSGI), from argument" in banner
    assert "emulating  aws-alb: AWS Application Load Balancer events" in banner
    assert "limits     request body 1 MB, event 6 MB, reply 1 MB" in banner
    assert re.search(r"started    app import [\d.]+ ms, startup [\d.]+ ms", banner)


# -- Processes of their own: stopping, errors, the embedded example ------------------------------


def start_one(tmp_path: Path, name: str, args: list[str], **env: str) -> Gateway:
    gateway = Gateway(name, args, env=command_env(**env))
    try:
        start_all([gateway], [], tmp_path)
    except BaseException:
        gateway.stop()
        raise
    return gateway


@pytest.mark.parametrize("reload", [False, True], ids=["", "reload"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_runs_the_lifespan_shutdown_once(tmp_path: Path, sig: int, reload: bool) -> None:
    """Also under --reload, whose first process only watches: the signal reaches the server."""
    log = tmp_path / "lifespan.log"
    args = ["support.cli_apps:asgi_app", *(["--reload"] if reload else [])]
    gateway = start_one(tmp_path, "lifespan", args, CLI_APPS_LIFESPAN_LOG=str(log))
    try:
        reply = oracle.send_real(gateway.port, "GET", "/", to_gateway(gateway, []), b"")
        assert reply.status == 200
        assert log.read_text().split() == ["startup"]
    finally:
        code = gateway.stop(sig)
    assert log.read_text().split() == ["startup", "shutdown"]
    assert code == 0
    assert gateway.stderr().rstrip().endswith("faas-bridge: stopped")


def test_the_embedded_example_is_served_by_default(tmp_path: Path) -> None:
    """The README's run command minus the install: no app named, from the repository root."""
    gateway = Gateway("example", [], cwd=REPO)
    try:
        start_all([gateway], [], tmp_path)
        reply = oracle.send_real(gateway.port, "GET", "/api/notes", to_gateway(gateway, []), b"")
    finally:
        gateway.stop()
    assert reply.status == 200
    assert json.loads(reply.body) == {"count": 0, "notes": []}
    assert "from the embedded example" in gateway.stderr()
    assert "emulating  aws-apigw-v2:" in gateway.stderr()


def run_serve(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "faas_bridge", "serve", *args],
        cwd=cwd,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_serve("--port", str(port))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"faas-bridge: error: port {port} on 127.0.0.1 is in use: stop the program using it, "
        "or pick another port with --port N (--port 0 takes any free one)"
    ]


@pytest.mark.parametrize(
    ("name", "hint"),
    [("aws-apigw", "did you mean 'aws-apigw-v2'? "), ("nothing-like-it", "")],
)
def test_an_unknown_platform_is_one_line_and_exit_2(name: str, hint: str) -> None:
    done = run_serve("--platform", name, "--port", "0")
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(
        f"faas-bridge: error: unknown platform '{name}': {hint}choose one of aws-apigw-v2,"
    )


def test_serve_help_lists_every_platform_as_served() -> None:
    """Issue 21: no platform is marked as lacking local emulation any more."""
    done = run_serve("--help")
    from faas_bridge.platforms import NAMES

    listed = done.stdout.split("platforms (serve):", 1)[1].splitlines()
    for name in NAMES:
        [line] = [ln for ln in listed if ln.split()[:1] == [name]]
        assert "[" not in line, line  # no "[no local emulation yet]" or other mark


def test_a_setting_the_vendor_lacks_is_refused() -> None:
    done = run_serve("--platform", "yandex", "--stage", "prod", "--port", "0")
    assert done.returncode == 2
    assert "--stage does not apply to yandex" in done.stderr


def _platforms() -> list[Any]:
    from faas_bridge.devtools.gateway import platform_support

    return list(platform_support())


# -- The vendor rules, in-process --------------------------------------------------------------


def rest_event(
    body: bytes, content_type: str | None, types: tuple[str, ...] | None = None
) -> dict[str, Any]:
    headers = [("Content-Type", content_type)] if content_type else []
    call = HttpCall("POST", "/prod/x", headers, body, "127.0.0.1")
    settings = {"binary_media_types": types} if types is not None else {}
    return Emulation(support("aws-apigw-v1"), settings).event(call, "127.0.0.1:3000", 3000)


def test_rest_binary_media_types_decide_how_the_body_travels() -> None:
    # */* (the default): every body is binary, so every body arrives base64.
    event = rest_event(b'{"a": 1}', "application/json")
    assert (event["isBase64Encoded"], base64.b64decode(event["body"])) == (True, b'{"a": 1}')
    # A narrower list: JSON travels as text, PNG as base64.
    event = rest_event(b'{"a": 1}', "application/json", ("image/png",))
    assert (event["isBase64Encoded"], event["body"]) == (False, '{"a": 1}')
    event = rest_event(b"\x89PNG\xff", "image/png", ("image/*",))
    assert (event["isBase64Encoded"], event["body"]) == (True, "iVBOR/8=")
    # Binary bytes not declared binary are read as UTF-8 text, invalid bytes replaced.
    event = rest_event(b"\x89PNG\xff", "application/octet-stream", ("image/png",))
    assert (event["isBase64Encoded"], event["body"]) == (False, "\ufffdPNG\ufffd")


def test_rest_decodes_a_base64_reply_only_for_binary_media_types() -> None:
    reply = {
        "statusCode": 200,
        "headers": {"Content-Type": "image/png"},
        "body": "iVBOR/8=",
        "isBase64Encoded": True,
    }
    event = {"headers": {"Accept": "text/html,image/png"}}
    # The first Accept type does not match, but the reply's Content-Type does.
    assert aws_apigw_v1.http_reply(reply, event, binary_media_types=("image/png",))[2] == (
        b"\x89PNG\xff"
    )
    # Neither matches: the client gets the base64 text, as from API Gateway.
    assert aws_apigw_v1.http_reply(reply, event, binary_media_types=("application/pdf",))[2] == (
        b"iVBOR/8="
    )
    # An HTTP API (payload 1.0) has no binary media types: always decoded.
    http_api = {**event, "version": "1.0"}
    assert aws_apigw_v1.http_reply(reply, http_api, binary_media_types=())[2] == b"\x89PNG\xff"


def test_rest_reply_headers_are_remapped_or_dropped_as_documented() -> None:
    reply = {
        "statusCode": 401,
        "headers": {"WWW-Authenticate": "Basic", "Server": "app", "Via": "1.1 app", "X-Ok": "1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Ok": ["2", "3"]},
        "body": "no",
    }
    status, headers, body = aws_apigw_v1.http_reply(reply, {})
    assert status == 401
    assert headers == [
        ("X-Amzn-Remapped-WWW-Authenticate", "Basic"),
        ("X-Amzn-Remapped-Server", "app"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("X-Ok", "2"),  # a name in both fields keeps multiValueHeaders' values
        ("X-Ok", "3"),
        ("Content-Type", "application/json"),  # API Gateway's default
    ]
    assert body == b"no"


def test_rest_request_headers_are_dropped_as_documented() -> None:
    call = HttpCall(
        "GET",
        "/prod/x",
        [("Expect", "100-continue"), ("Max-Forwards", "3"), ("Via", "1.1 proxy"), ("X-A", "1")],
    )
    event = Emulation(support("aws-apigw-v1"), {}).event(call, "127.0.0.1:3000", 3000)
    names = {name.lower() for name in event["multiValueHeaders"]}
    assert {"expect", "max-forwards"}.isdisjoint(names)
    assert {"via", "x-a", "host", "x-forwarded-proto", "x-forwarded-port"} <= names
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["headers"]["X-Forwarded-Port"] == "3000"
    assert event["headers"]["Host"] == "127.0.0.1:3000"


@pytest.mark.parametrize(
    "reply",
    [
        "not an object",
        {"body": "no status"},
        {"statusCode": "200"},
        {"statusCode": 200, "body": 5},
        {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
        {"statusCode": 200, "unexpected": 1},
        {"statusCode": 200, "headers": {"X": {"nested": 1}}},
    ],
)
def test_rest_rejects_malformed_replies(reply: Any) -> None:
    with pytest.raises(ValueError):
        aws_apigw_v1.http_reply(reply, {})


def test_http_api_infers_a_reply_without_status_code() -> None:
    assert aws_apigw_v2.http_reply({"hello": "world"}) == (
        200,
        [("Content-Type", "application/json")],
        b'{"hello": "world"}',
    )
    assert aws_apigw_v2.http_reply("Hello") == (
        200,
        [("Content-Type", "application/json")],
        b"Hello",
    )
    reply = {"statusCode": 204, "headers": {"X-A": "1, 2"}, "cookies": ["a=1", "b=2"]}
    assert aws_function_url.http_reply(reply) == (
        204,
        [("X-A", "1, 2"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        b"",
    )


def test_alb_reads_the_header_field_of_the_requests_mode() -> None:
    reply = {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "headers": {"X-Single": "1"},
        "multiValueHeaders": {"X-Multi": ["1", "2"]},
        "isBase64Encoded": False,
        "body": "",
    }
    assert aws_alb.http_reply(reply, {"multiValueHeaders": {}})[1] == [
        ("X-Multi", "1"),
        ("X-Multi", "2"),
    ]
    assert aws_alb.http_reply(reply, {"headers": {}})[1] == [("X-Single", "1")]


def test_where_each_vendor_mounts_the_app() -> None:
    def mount(name: str, base_path: str = "", **settings: Any) -> str:
        return Emulation(support(name), settings, base_path=base_path).mount

    assert mount("aws-apigw-v1") == "/prod"  # REST URLs carry the stage
    assert mount("aws-apigw-v1", stage="v1") == "/v1"
    assert mount("aws-apigw-v1", http_api=True) == ""  # HTTP API, $default stage
    assert mount("aws-apigw-v2") == ""
    assert mount("aws-apigw-v2", stage="beta") == "/beta"
    assert mount("aws-apigw-v2", "api/", stage="beta") == "/api"  # a custom domain's mapping
    assert mount("aws-alb") == mount("aws-function-url") == ""
    with pytest.raises(ConfigurationError, match="stage does not apply to aws-alb"):
        mount("aws-alb", stage="prod")


def test_a_base_path_is_the_apps_mount_point() -> None:
    emulation = Emulation(support("aws-apigw-v2"), {}, base_path="/v1")
    event = emulation.event(HttpCall("GET", "/v1/items?a=1"), "127.0.0.1:3000", 3000)
    seen = reply_json(wrap(echo_apps.asgi_app, base_path=emulation.mount)(event, None))
    assert (seen["root_path"], seen["path"], seen["query_string"]) == ("/v1", "/v1/items", "a=1")
    assert seen["url"] == "http://127.0.0.1:3000/v1/items?a=1"  # the URL the client used


def test_content_length_is_the_bodys_except_where_no_body_is_sent() -> None:
    headers = [("Content-Length", "99"), ("Connection", "keep-alive"), ("X-A", "1\r\nX-B: 2")]
    sent = dict(finish_headers(headers, b"abc", "GET", 200))
    assert sent["Content-Length"] == "3"
    assert "Connection" not in sent
    assert sent["X-A"] == "1  X-B: 2"  # no header injection
    assert dict(finish_headers(headers, b"", "HEAD", 200))["Content-Length"] == "99"
    assert "Content-Length" not in dict(finish_headers(headers, b"", "GET", 204))


def test_the_request_target_is_kept_percent_encoded() -> None:
    assert request_target({"faas_bridge.target": "/a%2Fb/caf\xc3\xa9?q=1 2"}) == (
        "/a%2Fb/caf%C3%A9?q=1%202"
    )
    assert request_target({"faas_bridge.target": "http://example.com/x?y"}) == "/x?y"
