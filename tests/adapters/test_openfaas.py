"""OpenFaaS (``python3-http`` template) and kubeless (Python runtime) calls.

Neither vendor sends JSON: each hands the function an object made from its own
web server's request. The tests build those objects the way the vendors do,
from a WSGI environ shaped as their servers fill it (waitress for the OpenFaaS
template, CherryPy's cheroot for kubeless: both keep the raw request target in
``REQUEST_URI``), with real Flask and real Bottle, and send the replies back
through them:

* OpenFaaS: inside Flask's request context, an object with the template's
  ``Event`` attributes (``body`` bytes, ``headers``, ``method``, ``query``,
  ``path``); the reply goes through ``Flask.make_response``, as the template's
  view returns it.
* kubeless: a ``bottle.BaseRequest`` whose environ keeps the body in
  ``bottle.request.body`` and is pickled into the function (the runtime runs
  the function in another process), the event dict the runtime builds, and
  the reply pickled back and returned from a Bottle route.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote_to_bytes

import bottle
import pytest
from flask import Flask
from flask import request as flask_request

from faas_bridge import wrap
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.echo_apps import asgi_app, flask_app, wsgi_app
from support.vendor_checks import BINARY

CLIENT = "10.1.2.3"
PLATFORMS = load_platforms(Options())


def server_environ(
    method: str,
    target: str,
    headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    body: bytes = b"",
    *,
    server: str = "waitress",
) -> dict[str, Any]:
    """The environ a WSGI server fills for a request: raw target, decoded path, peer."""
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "SERVER_NAME": "0.0.0.0",
        "SERVER_PORT": "5000" if server == "waitress" else "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": CLIENT,
        "REMOTE_PORT": "40000",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in [("Host", "gateway:8080"), *headers]:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]}, {value}" if key in environ else value
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


# -- OpenFaaS ------------------------------------------------------------------------

template_app = Flask("openfaas-template")


class TemplateEvent:
    """An object with the attributes the ``python3-http`` template's Event sets."""

    def __init__(self) -> None:
        self.body = flask_request.get_data()
        self.headers = flask_request.headers
        self.method = flask_request.method
        self.query = flask_request.args
        self.path = flask_request.path


class Reply:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name]


def openfaas(app: Any, method: str, target: str, headers: Any = (), body: bytes = b"") -> Reply:
    """One request through the template: Event in, the handler's value through Flask."""
    handler = wrap(app)
    environ = server_environ(method, target, list(headers), body)
    with template_app.request_context(environ):
        result = handler(TemplateEvent(), SimpleNamespace(hostname="fn-1"))
        response = template_app.make_response(result)
    data = b"" if method == "HEAD" else response.get_data()
    return Reply(response.status_code, list(response.headers.items()), data)


def echo(reply: Reply) -> Any:
    return json.loads(reply.body)


def test_template_event_is_openfaas_only() -> None:
    environ = server_environ("GET", "/")
    with template_app.request_context(environ):
        assert [p.name for p in PLATFORMS if p.matches(TemplateEvent())] == ["openfaas"]
    assert [p.name for p in PLATFORMS if p.matches(SimpleNamespace(body="x"))] == []


def test_the_app_sees_what_the_server_saw() -> None:
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("Cookie", "a=1; b=2")]
    info = echo(openfaas(wsgi_app, "GET", "/a%2Fb/caf%C3%A9?x=a+b&x=c%20d", headers))
    assert info["method"] == "GET"
    assert info["raw_uri"] == "/a%2Fb/caf%C3%A9?x=a+b&x=c%20d"
    assert info["path_info"] == "/a/b/caf\u00e9".encode().decode("latin-1")
    assert info["query_string"] == "x=a+b&x=c%20d"
    headers_seen = dict(map(tuple, info["headers"]))
    assert headers_seen["HTTP_X_DUP"] == "one, two"  # as the server joined them
    assert headers_seen["HTTP_COOKIE"] == "a=1; b=2"
    assert headers_seen["HTTP_HOST"] == "gateway:8080"
    assert (info["remote_addr"], info["scheme"]) == (CLIENT, "http")


@pytest.mark.parametrize(
    ("target", "raw_path", "path"),
    [
        ("/a%20b", "/a%20b", "/a b"),
        ("/a%2Fb", "/a%2Fb", "/a/b"),
        ("/caf%C3%A9", "/caf%C3%A9", "/caf\u00e9"),
    ],
)
def test_paths_keep_their_encoding(target: str, raw_path: str, path: str) -> None:
    info = echo(openfaas(asgi_app, "GET", target))
    assert (info["root_path"], info["raw_path"], info["path"]) == ("", raw_path, path)
    assert info["client_host"] == CLIENT


def test_repeated_query_keys_and_cookies() -> None:
    info = echo(openfaas(flask_app, "GET", "/q?a=1&a=2", [("Cookie", "a=1; b=2")]))
    assert info["args"] == [["a", "1"], ["a", "2"]]
    assert info["cookies"] == [["a", "1"], ["b", "2"]]


def test_reply_through_flask_keeps_every_header_and_the_bytes() -> None:
    reply = openfaas(flask_app, "GET", "/")
    assert reply.status == 200
    assert [c.split(";")[0] for c in reply.values("set-cookie")] == ["a=1", "b=2"]
    assert reply.values("x-repeat") == ["one", "two"]
    assert reply.values("content-type") == ["application/json"]
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    reply = openfaas(flask_app, "POST", "/up", headers, BINARY)
    assert reply.body == BINARY


def test_reply_is_a_flask_response_tuple() -> None:
    environ = server_environ("GET", "/")
    with template_app.request_context(environ):
        result = wrap(flask_app)(TemplateEvent(), None)
    body, status, headers = result
    assert (type(body), status) == (bytes, 200)
    assert headers["Set-Cookie"] == ["a=1; Path=/", "b=2; HttpOnly; Path=/"]


def test_head_and_204() -> None:
    reply = openfaas(flask_app, "HEAD", "/")
    assert reply.status == 200 and reply.body == b""
    # Template limit: Flask sizes the (empty) body itself, so HEAD says 0, not a GET's length.
    assert reply.values("content-length") == ["0"]
    reply = openfaas(flask_app, "GET", "/", [("X-Reply-Status", "204")])
    assert (reply.status, reply.body) == (204, b"")


def test_no_content_type_gets_flasks_default() -> None:
    """Template limit: Flask labels a reply without a content type text/html."""

    def bare(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"x"]

    assert openfaas(bare, "GET", "/").values("content-type") == ["text/html; charset=utf-8"]


def test_event_without_an_environ_uses_its_attributes() -> None:
    event = SimpleNamespace(
        body=b"hi",
        headers={"Host": "fn.example", "Content-Type": "text/plain", "X-Forwarded-Proto": "https"},
        method="POST",
        query={"q": "a b"},
        path="/caf\u00e9",
    )
    info = json.loads(wrap(asgi_app)(event, None)[0])
    assert (info["raw_path"], info["query_string"]) == ("/caf%C3%A9", "q=a+b")
    assert info["client_host"] is None
    info = json.loads(wrap(flask_app)(event, None)[0])
    assert (info["scheme"], info["host"], info["path"]) == ("https", "fn.example", "/caf\u00e9")
    assert base64.b64decode(info["body"]) == b"hi"


def test_malformed_openfaas_event_is_a_400() -> None:
    event = SimpleNamespace(body=b"", headers={}, method="", query={}, path="/")
    body, status, headers = wrap(flask_app)(event, None)
    assert status == 400
    assert body == b"Bad Request: method: expected a non-empty string, got ''"
    assert headers["Content-Type"] == ["text/plain; charset=utf-8"]


# -- kubeless --------------------------------------------------------------------------


class ProcessSafeRequest(bottle.BaseRequest):  # type: ignore[misc]
    """A Bottle request that survives pickling, as the kubeless runtime's does.

    The body is kept in ``bottle.request.body``; streams and app objects are
    left out of the pickled environ.
    """

    def __init__(self, data: bytes, environ: dict[str, Any]) -> None:
        super().__init__(environ)
        self.environ["bottle.request.body"] = io.BytesIO(data)

    def __getstate__(self) -> dict[str, Any]:
        unpicklable = ("wsgi.input", "wsgi.errors", "bottle.app", "bottle.route", "route.handle")
        return {k: v for k, v in self.environ.items() if k not in unpicklable}

    def __setstate__(self, environ: dict[str, Any]) -> None:
        self.environ = environ


def kubeless_runtime(handler: Any) -> bottle.Bottle:
    """A Bottle app doing what the kubeless runtime does around ``handler``."""
    runtime = bottle.Bottle()

    @runtime.route("/<:re:.*>", method=["GET", "POST", "PATCH", "DELETE"])  # type: ignore[misc]
    def invoke() -> Any:
        request = bottle.request
        data: Any = request.body.read()
        carried = ProcessSafeRequest(data, request.environ.copy())
        if request.get_header("content-type") == "application/json":
            data = request.json
        event = {
            "data": data,
            "event-id": request.get_header("event-id"),
            "event-type": request.get_header("event-type"),
            "event-time": request.get_header("event-time"),
            "event-namespace": request.get_header("event-namespace"),
            "extensions": {"request": carried},
        }
        context = {"function-name": "handler", "timeout": 180.0, "runtime": "python3.9"}
        # The function runs in another process: the event goes there pickled,
        # and the result comes back pickled.
        result = handler(pickle.loads(pickle.dumps(event)), context)
        return pickle.loads(pickle.dumps(result))

    return runtime


def kubeless(app: Any, method: str, target: str, headers: Any = (), body: bytes = b"") -> Reply:
    environ = server_environ(method, target, list(headers), body, server="cheroot")
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers

    data = b"".join(kubeless_runtime(wrap(app))(environ, start_response))
    return Reply(int(captured["status"].split()[0]), captured["headers"], data)


@contextmanager
def kubeless_event(environ: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {
        "data": b"",
        "event-id": "id-1",
        "event-type": None,
        "event-time": None,
        "event-namespace": None,
        "extensions": {"request": ProcessSafeRequest(b"", environ)},
    }


def test_kubeless_event_is_kubeless_only() -> None:
    with kubeless_event(server_environ("GET", "/")) as event:
        assert [p.name for p in PLATFORMS if p.matches(event)] == ["kubeless"]
        assert [p.name for p in PLATFORMS if p.matches(pickle.loads(pickle.dumps(event)))] == [
            "kubeless"
        ]


def test_kubeless_app_sees_what_cheroot_saw() -> None:
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("Cookie", "a=1; b=2")]
    info = echo(kubeless(wsgi_app, "GET", "/a%2Fb/caf%C3%A9?x=a+b&x=c%20d", headers))
    assert info["raw_uri"] == "/a%2Fb/caf%C3%A9?x=a+b&x=c%20d"
    assert info["path_info"] == "/a/b/caf\u00e9".encode().decode("latin-1")
    headers_seen = dict(map(tuple, info["headers"]))
    assert headers_seen["HTTP_X_DUP"] == "one, two"
    assert headers_seen["HTTP_COOKIE"] == "a=1; b=2"
    assert info["remote_addr"] == CLIENT


@pytest.mark.parametrize(
    ("target", "raw_path", "path"),
    [
        ("/a%20b", "/a%20b", "/a b"),
        ("/a%2Fb", "/a%2Fb", "/a/b"),
        ("/caf%C3%A9", "/caf%C3%A9", "/caf\u00e9"),
    ],
)
def test_kubeless_paths_keep_their_encoding(target: str, raw_path: str, path: str) -> None:
    info = echo(kubeless(asgi_app, "GET", target))
    assert (info["raw_path"], info["path"]) == (raw_path, path)


def test_kubeless_json_body_stays_byte_exact() -> None:
    """The runtime parses a JSON body into ``data``; the bytes the client sent are used."""
    body = b'{ "a" : 1 }'
    info = echo(kubeless(flask_app, "POST", "/", [("Content-Type", "application/json")], body))
    assert info["body"] == "eyAiYSIgOiAxIH0="  # base64 of the spaced original


def test_kubeless_reply_keeps_every_header_and_the_bytes() -> None:
    reply = kubeless(flask_app, "GET", "/q?a=1&a=2", [("Cookie", "a=1; b=2")])
    assert reply.status == 200
    assert echo(reply)["args"] == [["a", "1"], ["a", "2"]]
    assert echo(reply)["cookies"] == [["a", "1"], ["b", "2"]]
    assert [c.split(";")[0] for c in reply.values("set-cookie")] == ["a=1", "b=2"]
    assert reply.values("x-repeat") == ["one", "two"]
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    reply = kubeless(flask_app, "POST", "/up", headers, BINARY)
    assert reply.body == BINARY
    assert reply.values("content-type") == ["application/octet-stream"]


def test_kubeless_head_and_204() -> None:
    reply = kubeless(flask_app, "HEAD", "/")
    assert (reply.status, reply.body) == (200, b"")
    reply = kubeless(flask_app, "GET", "/", [("X-Reply-Status", "204")])
    assert (reply.status, reply.body) == (204, b"")


def test_kubeless_put_is_not_routed_by_the_runtime() -> None:
    """Vendor limit: the runtime routes GET, POST, PATCH and DELETE only."""
    assert kubeless(flask_app, "PUT", "/", [], b"x").status == 405


def test_kubeless_event_without_a_stored_body_uses_data() -> None:
    environ = server_environ("POST", "/", [("Content-Type", "application/json")])
    with kubeless_event(environ) as event:
        del event["extensions"]["request"].environ["bottle.request.body"]
        event["data"] = {"a": 1}
        info = json.loads(wrap(flask_app)(event, None).body)
    assert info["body"] == "eyJhIjogMX0="  # json.dumps({"a": 1}): the best left


def test_malformed_kubeless_event_is_a_400() -> None:
    environ = server_environ("GET", "/")
    environ["REQUEST_METHOD"] = ""
    with kubeless_event(environ) as event:
        reply = wrap(flask_app)(event, None)
    assert reply.status_code == 400
    assert reply.body == b"Bad Request: REQUEST_METHOD: expected a non-empty string, got ''"
