"""Google Cloud Functions / Cloud Run functions, through the real functions-framework.

functions-framework loads ``--target`` from ``--source`` and accepts it only
if ``isinstance(target, types.FunctionType)``; it then calls it with the
current ``flask.Request`` for every path and method, and turns the return
value into the reply with Flask's ``make_response``. These tests point it at
``handler = wrap(app).as_function()`` and at ``faas_bridge.handler`` exactly as a user's
``main.py`` would, and speak HTTP to it (Flask's test client, and once the
framework's own server on 127.0.0.1).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import functions_framework
import httpx
import pytest
from flask.testing import FlaskClient

import faas_bridge
from faas_bridge import wrap
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.devtools.emulators.gcp import build_event
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.echo_apps import flask_app

TESTS = Path(__file__).resolve().parents[1]
BINARY = bytes(range(256))
TARGET = "/caf%C3%A9/a%2Fb?x=1&x=2&y=%20z"

MAIN = """
from faas_bridge import wrap
from support.echo_apps import {app}

handler = wrap({app}).as_function()
"""


@pytest.fixture
def framework(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``make(source_code) -> test client`` of functions-framework's app for ``handler``."""
    # functions-framework writes these and extends sys.path: keep them per test.
    monkeypatch.setenv("FUNCTION_TARGET", "handler")
    monkeypatch.setenv("FUNCTION_SIGNATURE_TYPE", "http")
    monkeypatch.setattr(sys, "path", list(sys.path))
    names: list[str] = []

    def make(code: str) -> FlaskClient:
        name = f"gcp_main_{len(names)}_{os.getpid()}"
        names.append(name)
        source = tmp_path / f"{name}.py"
        source.write_text(code)
        app = functions_framework.create_app(target="handler", source=str(source))
        return app.test_client(use_cookies=False)  # send the Cookie headers as given

    yield make
    for name in names:
        sys.modules.pop(name, None)


@pytest.fixture(params=["flask", "asgi"])
def client(request: pytest.FixtureRequest, framework: Any) -> FlaskClient:
    app = {"flask": "flask_app", "asgi": "asgi_app"}[request.param]
    return framework(MAIN.format(app=app))  # type: ignore[no-any-return]


def test_handlers_pass_functions_frameworks_target_check() -> None:
    built = wrap(flask_app)
    assert type(built.as_function()) is types.FunctionType
    assert type(faas_bridge.handler) is types.FunctionType
    assert built.as_function().__wrapped__ is built
    assert type(built) is faas_bridge.Handler
    assert not isinstance(built, types.FunctionType)  # no class spoofing


def test_functions_framework_refuses_a_handler_object_and_takes_its_function(
    framework: Any,
) -> None:
    """What functions-framework itself does with each target (its own check, not ours)."""
    with pytest.raises(Exception, match="needs to be of type function"):
        framework(
            "from faas_bridge import wrap\nfrom support.echo_apps import flask_app\n"
            "handler = wrap(flask_app)\n"
        )
    client = framework(MAIN.format(app="flask_app"))
    assert client.get("/x").get_json()["path"] == "/x"


def test_path_query_headers_cookies(client: FlaskClient) -> None:
    reply = client.get(
        TARGET,
        headers=[("Cookie", "a=1; b=2"), ("X-Rep", "one"), ("X-Rep", "two")],
    )
    assert reply.status_code == 200
    info = reply.get_json()
    assert info["method"] == "GET"
    assert info["query_string"] == "x=1&x=2&y=%20z"
    assert info["cookies"] == [["a", "1"], ["b", "2"]]
    if "script_root" in info:  # Flask
        assert (info["script_root"], info["path"]) == ("", "/café/a/b")
        assert info["raw_uri"] == TARGET
        assert info["args"] == [["x", "1"], ["x", "2"], ["y", " z"]]
        reps = [v for k, v in info["headers"] if k == "x-rep"]
    else:  # raw ASGI
        assert (info["root_path"], info["raw_path"]) == ("", "/caf%C3%A9/a%2Fb")
        assert info["path"] == "/café/a/b"
        reps = [v for k, v in info["headers"] if k == "x-rep"]
    # werkzeug's test client joins repeated headers with ", " in the environ, as a server does.
    assert reps == ["one, two"]


def test_two_cookies_and_repeated_reply_headers(client: FlaskClient) -> None:
    reply = client.get("/")
    assert sorted(reply.headers.getlist("Set-Cookie"))[0].startswith("a=1")
    assert len(reply.headers.getlist("Set-Cookie")) == 2
    assert reply.headers.getlist("X-Repeat") == ["one", "two"]
    assert reply.headers["Content-Type"] == "application/json"


def test_binary_both_ways(client: FlaskClient) -> None:
    reply = client.post(
        "/upload",
        data=BINARY,
        headers={"Content-Type": "application/octet-stream", "X-Reply-Binary": "1"},
    )
    assert reply.status_code == 200
    assert reply.get_data() == BINARY
    assert reply.headers["Content-Type"] == "application/octet-stream"


def test_head_and_204(client: FlaskClient) -> None:
    head = client.head("/x")
    assert (head.status_code, head.get_data()) == (200, b"")
    empty = client.get("/x", headers={"X-Reply-Status": "204"})
    assert (empty.status_code, empty.get_data()) == (204, b"")


def test_no_content_type_is_invented(framework: Any) -> None:
    """Flask would add text/html; a reply without Content-Type keeps none."""
    client = framework(
        "from faas_bridge import wrap\n"
        "def bare(environ, start_response):\n"
        "    start_response('302 Found', [('Location', '/elsewhere')])\n"
        "    return [b'']\n"
        "handler = wrap(bare).as_function()\n"
    )
    reply = client.get("/")
    assert reply.status_code == 302
    assert "Content-Type" not in reply.headers
    assert reply.headers["Location"] == "/elsewhere"


def test_wsgi_app_gets_the_frameworks_own_environ(framework: Any) -> None:
    client = framework(
        "import json\n"
        "from faas_bridge import wrap\n"
        "def peek(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'application/json')])\n"
        "    keys = sorted(k for k in environ if k.startswith(('werkzeug.', 'faas_bridge.')))\n"
        "    body = environ['wsgi.input'].read()\n"
        "    return [json.dumps([keys, environ['PATH_INFO'], body.decode()]).encode()]\n"
        "handler = wrap(peek).as_function()\n"
    )
    keys, path_info, body = client.post("/a%2Fb", data=b"payload").get_json()
    assert "werkzeug.request" in keys  # a key only Flask's own environ has
    assert {"faas_bridge.event", "faas_bridge.platform"} <= set(keys)
    assert path_info == "/a/b"
    assert body == "payload"  # re-readable although Flask read it first


def test_first_gen_url_gets_the_function_name_as_root(
    framework: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("K_SERVICE", "shop")
    client = framework(MAIN.format(app="flask_app"))
    base = "https://us-central1-proj.cloudfunctions.net"
    info = client.get("/items/7", base_url=base).get_json()
    assert (info["script_root"], info["path"]) == ("/shop", "/items/7")
    assert info["url"] == f"{base}/shop/items/7"  # url_for and redirects keep /shop
    # Cloud Run's own URL carries no prefix.
    info = client.get("/items/7", base_url="https://shop-abc-uc.a.run.app").get_json()
    assert (info["script_root"], info["path"]) == ("", "/items/7")


def test_request_id_and_detection() -> None:
    request = build_event(HttpCall("GET", "/", [("Function-Execution-Id", "exec-1")]))
    platforms = load_platforms(Options())
    assert [p.name for p in platforms if p.matches(request)] == ["gcp"]
    gcp = next(p for p in platforms if p.name == "gcp")
    assert gcp.request_id(request, None) == "exec-1"


def test_unreadable_body_is_a_400_flask_reply() -> None:
    request = build_event(HttpCall("POST", "/", [("Content-Type", "text/plain")], b"data"))

    def broken(*args: Any, **kwargs: Any) -> bytes:
        from werkzeug.exceptions import ClientDisconnected

        raise ClientDisconnected()

    request.get_data = broken  # type: ignore[method-assign]
    reply = wrap(flask_app)(request)
    assert reply.status_code == 400
    assert reply.get_data().startswith(b"Bad Request")


def test_an_app_failing_on_a_servers_odd_environ_is_a_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The app gets the server's environ as the server made it; a broken server
    # (SCRIPT_NAME as bytes, which PEP 3333 forbids) makes the app fail, and the
    # failure is a logged 500 like any other, not an error of the log line itself.
    request = build_event(HttpCall("GET", "/a"))
    request.environ["SCRIPT_NAME"] = b"/bytes"

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError(f"cannot use {environ['SCRIPT_NAME']!r}")

    reply = wrap(app)(request)
    assert reply.status_code == 500
    assert any("GET b'/bytes'/a" in record.getMessage() for record in caplog.records)


def test_built_request_matches_what_the_framework_passes(framework: Any) -> None:
    call = HttpCall("POST", TARGET, [("Content-Type", "text/plain")], b"hi")
    built = build_event(call)
    assert type(built).__name__ == "Request"
    assert built.environ["RAW_URI"] == TARGET
    assert built.get_data() == b"hi"
    info = json.loads(wrap(flask_app)(built).get_data())
    assert (info["path"], info["query_string"]) == ("/café/a/b", "x=1&x=2&y=%20z")
    assert info["remote_addr"] == "169.254.1.1"  # the server's peer: Google's front end


# -- the framework's own server, target faas_bridge.handler as is ---------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_real_server_with_faas_bridge_handler_as_target(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("from faas_bridge import handler\n")
    port = _free_port()
    env = {
        **os.environ,
        "FAAS_BRIDGE_APP": "support.echo_apps:asgi_app",
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    for name in ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE"):
        env.pop(name, None)
    command = [
        sys.executable,
        "-m",
        "functions_framework",
        "--target",
        "handler",
        "--source",
        str(tmp_path / "main.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/ready", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((tmp_path / "server.log").read_text())
                time.sleep(0.1)
        reply = httpx.post(
            url + TARGET,
            content=BINARY,
            headers={"Content-Type": "application/octet-stream", "Cookie": "a=1; b=2"},
        )
        info = reply.json()
        assert info["raw_path"] == "/caf%C3%A9/a%2Fb"  # gunicorn's RAW_URI: %2F survives
        assert info["query_string"] == "x=1&x=2&y=%20z"
        assert info["client_host"] == "127.0.0.1"
        assert info["cookies"] == [["a", "1"], ["b", "2"]]
        assert base64.b64decode(info["body"]) == BINARY
        assert len(reply.headers.get_list("set-cookie")) == 2
        assert reply.headers.get_list("x-repeat") == ["one", "two"]
        binary = httpx.post(url + "/b", content=BINARY, headers={"X-Reply-Binary": "1"}).content
        assert binary == BINARY
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_readme_main_py_example(framework: Any, tmp_path: Path) -> None:
    import re

    readme = (TESTS.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    (block,) = [b for b in blocks if b.startswith("# main.py")]
    (tmp_path / "myapp.py").write_text("from support.echo_apps import flask_app as application\n")
    sys.path.insert(0, str(tmp_path))  # the fixture restores sys.path
    try:
        client = framework(block)
        assert client.get("/a%2Fb?x=1").get_json()["raw_uri"] == "/a%2Fb?x=1"
    finally:
        sys.modules.pop("myapp", None)
