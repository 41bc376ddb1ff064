"""Alibaba FC 2.0 HTTP trigger: the runtime calls ``handler(environ, start_response)``.

No vendor library exists to test against, so the environ is built here the
way Alibaba's Python runtime builds it (``get_environ``: ``PATH_INFO`` below
the function, ``fc.request_uri`` the whole target with the default URL's
``/2016-08-15/proxy/SERVICE/FUNCTION`` prefix and the query, ``QUERY_STRING``
cut from it, repeated headers joined with ",", ``CONTENT_TYPE`` defaulting to
``application/octet-stream``, ``SERVER_NAME`` ``FCRUNTIME``, ``http`` scheme,
``REMOTE_ADDR`` the client IP, ``fc.context`` the context), and the reply is
collected the way its ``StartResponseWrapper`` does: every header value kept
per name, the body joined from the returned iterable.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.aliyun import build_fc2_environ
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.echo_apps import asgi_app, flask_app, wsgi_app

PREFIX = "/2016-08-15/proxy/shop/web"
HOST = "1234567890123456.cn-hangzhou.fc.aliyuncs.com"
BINARY = bytes(range(256))
FC_CONTEXT = SimpleNamespace(request_id="c0ffee00-1111-2222-3333-444455556666")


def runtime_environ(
    method: str = "GET",
    uri: str = PREFIX + "/",
    path_info: str = "/",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "FC_FUNC_CODE_PATH": "/code",  # the runtime merges the process environment in
        "CONTENT_LENGTH": str(len(body)),
        "HTTP": "on",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "FCRUNTIME",
        "SERVER_PORT": "9000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "FCRUNTIME/1.0",
        "CONTENT_TYPE": "application/octet-stream",
        "QUERY_STRING": uri.partition("?")[2],
        "wsgi.version": (1, 0),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "PATH_INFO": path_info,
        "REQUEST_METHOD": method,
        "fc.request_uri": uri,
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_HOST": HOST,
        "HTTP_X_FC_FUNCTION_HANDLER": "index.handler",
        "fc.context": FC_CONTEXT,
    }
    for name, value in (headers or {}).items():
        if name.lower() == "content-type":
            environ["CONTENT_TYPE"] = value
        else:
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


class Runtime:
    """The runtime's side: start_response collecting headers per name, the joined body."""

    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: dict[str, list[str]] = {}

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        self.status = int(status.split()[0])
        for name, value in headers:
            self.headers.setdefault(name, []).append(value)
        return None

    def call(self, handler: Any, environ: dict[str, Any]) -> bytes:
        output = handler(environ, self.start_response)
        return b"".join(output)

    def header(self, name: str) -> list[str]:
        return [v for k, vs in self.headers.items() if k.lower() == name for v in vs]


def call(app: Any, environ: dict[str, Any]) -> tuple[Runtime, bytes]:
    runtime = Runtime()
    return runtime, runtime.call(wrap(app), environ)


FIDELITY = {
    "uri": PREFIX + "/caf%C3%A9/a%2Fb?x=1&x=2&y=%20z",
    "headers": {"cookie": "a=1; b=2", "x-rep": "one,two"},
}


@pytest.mark.parametrize(
    "path_info",
    ["/café/a/b", "/café/a/b".encode().decode("latin-1")],
    ids=["text", "native"],
)
def test_flask_sees_the_path_below_the_prefix_and_the_prefix_as_root(path_info: str) -> None:
    environ = runtime_environ("GET", path_info=path_info, **FIDELITY)  # type: ignore[arg-type]
    runtime, body = call(flask_app, environ)
    assert runtime.status == 200
    info = json.loads(body)
    assert (info["script_root"], info["path"]) == (PREFIX, "/café/a/b")
    assert info["args"] == [["x", "1"], ["x", "2"], ["y", " z"]]
    assert info["cookies"] == [["a", "1"], ["b", "2"]]
    assert ["x-rep", "one,two"] in info["headers"]
    assert info["remote_addr"] == "203.0.113.9"
    assert info["url"] == f"http://{HOST}{PREFIX}/café/a/b?x=1&x=2&y=%20z"


def test_asgi_sees_the_raw_path_and_root() -> None:
    environ = runtime_environ("GET", path_info="/café/a/b", **FIDELITY)  # type: ignore[arg-type]
    info = json.loads(call(asgi_app, environ)[1])
    assert info["root_path"] == PREFIX
    assert info["raw_path"] == PREFIX + "/caf%C3%A9/a%2Fb"  # %2F told apart from /
    assert info["query_string"] == "x=1&x=2&y=%20z"
    assert info["client_host"] == "203.0.113.9"
    assert info["cookies"] == [["a", "1"], ["b", "2"]]


def test_custom_domain_has_no_prefix() -> None:
    environ = runtime_environ("GET", "/items/7?q=1", "/items/7")
    info = json.loads(call(flask_app, environ)[1])
    assert (info["script_root"], info["path"]) == ("", "/items/7")


def test_wsgi_app_gets_the_runtimes_environ() -> None:
    seen: dict[str, Any] = {}

    def peek(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return [environ["wsgi.input"].read()]

    environ = runtime_environ("POST", PREFIX + "/a", "/a", body=b"payload")
    assert call(peek, environ)[1] == b"payload"
    assert seen["fc.context"] is FC_CONTEXT
    assert seen["FC_FUNC_CODE_PATH"] == "/code"
    assert seen["HTTP_X_FC_FUNCTION_HANDLER"] == "index.handler"
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == (PREFIX, "/a")
    assert seen["faas_bridge.platform"] == "aliyun-fc2"


@pytest.mark.parametrize("app", [flask_app, asgi_app, wsgi_app], ids=["flask", "asgi", "wsgi"])
def test_two_cookies_and_repeated_headers_reach_the_runtime(app: Any) -> None:
    runtime, _ = call(app, runtime_environ())
    cookies = sorted(runtime.header("set-cookie"))
    assert len(cookies) == 2
    assert cookies[0].startswith("a=1") and cookies[1].startswith("b=2")
    assert runtime.header("x-repeat") == ["one", "two"]


@pytest.mark.parametrize("app", [flask_app, asgi_app, wsgi_app], ids=["flask", "asgi", "wsgi"])
def test_binary_both_ways(app: Any) -> None:
    environ = runtime_environ(
        "POST",
        PREFIX + "/upload",
        "/upload",
        {"content-type": "application/octet-stream", "x-reply-binary": "1"},
        BINARY,
    )
    runtime, body = call(app, environ)
    assert body == BINARY
    assert runtime.header("content-type") == ["application/octet-stream"]


@pytest.mark.parametrize("app", [flask_app, asgi_app], ids=["flask", "asgi"])
def test_head_and_204(app: Any) -> None:
    runtime, body = call(app, runtime_environ("HEAD", PREFIX + "/x", "/x"))
    assert (runtime.status, body) == (200, b"")
    environ = runtime_environ("GET", PREFIX + "/x", "/x", {"x-reply-status": "204"})
    runtime, body = call(app, environ)
    assert (runtime.status, body) == (204, b"")


def test_function_root_without_trailing_slash() -> None:
    info = json.loads(call(flask_app, runtime_environ("GET", PREFIX, "/"))[1])
    assert (info["script_root"], info["path"]) == (PREFIX, "/")


def test_malformed_environ_is_a_400_through_start_response() -> None:
    for environ in (
        runtime_environ("", PREFIX + "/x", "/x"),
        {**runtime_environ(), "wsgi.input": 42},
    ):
        runtime, body = call(flask_app, environ)
        assert runtime.status == 400
        assert body.startswith(b"Bad Request")


def test_no_start_response_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="start_response"):
        wrap(flask_app)(runtime_environ(), None)


def test_request_id_from_the_fc_context() -> None:
    fc2 = next(p for p in load_platforms(Options()) if p.name == "aliyun-fc2")
    assert fc2.request_id(runtime_environ(), None) == FC_CONTEXT.request_id


def test_only_fc2_matches_an_environ() -> None:
    platforms = load_platforms(Options())
    assert [p.name for p in platforms if p.matches(runtime_environ())] == ["aliyun-fc2"]


def test_built_environ_has_the_runtimes_keys() -> None:
    call_ = HttpCall("POST", "/caf%C3%A9?x=1", [("Content-Type", "text/plain")], b"hi")
    built = build_fc2_environ(call_, prefix=PREFIX, context=FC_CONTEXT)
    real = runtime_environ("POST", PREFIX + "/caf%C3%A9?x=1", "/café", body=b"hi")
    assert set(real) - set(built) == {"FC_FUNC_CODE_PATH"}  # the process environment
    assert built["fc.request_uri"] == real["fc.request_uri"]
    assert built["QUERY_STRING"] == "x=1"
    assert built["CONTENT_TYPE"] == "text/plain"
    info = json.loads(call(flask_app, built)[1])
    assert (info["script_root"], info["path"]) == (PREFIX, "/café")
    assert base64.b64decode(info["body"]) == b"hi"
