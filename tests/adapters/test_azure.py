"""Azure Functions HTTP trigger, through the real ``azure-functions`` library.

Requests are built the way the Python worker builds them: the library's own
``HttpRequestConverter.decode`` on the data the host sends (``url`` is scheme,
Host, ASP.NET Core's escaped path and the raw query; headers one string per
name, repeats joined with ","). Replies go through the library's own
``HttpResponseConverter.encode``, which is what the worker sends back to the
host: one value per header name, every Set-Cookie as a cookie of its own.
"""

from __future__ import annotations

import json
import logging
import sys
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest
from azure.functions import meta
from azure.functions.http import HttpRequestConverter, HttpResponseConverter

from faas_bridge import wrap
from faas_bridge.azure import function_app
from faas_bridge.devtools.emulators.azure import build_event
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from faas_bridge.platforms.azure import AzureFunctions
from support.echo_apps import asgi_app, flask_app, wsgi_app

HOST = "myapp.azurewebsites.net"
BINARY = bytes(range(256))
CONTEXT = SimpleNamespace(invocation_id="5a1c2d3e-0000-4000-8000-000000000001")


def worker_request(
    method: str = "GET",
    target: str = "/api/",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    route: str | None = "",
) -> Any:
    """The HttpRequest the worker hands a function on the ``{*route}`` route."""
    all_headers = {"host": HOST, **(headers or {})}
    params = {} if route is None else {"route": meta.Datum(route, "string")}
    data = meta.Datum(
        type="http",
        value={
            "method": meta.Datum(method, "string"),
            "url": meta.Datum(f"https://{HOST}{target}", "string"),
            "headers": {k: meta.Datum(v, "string") for k, v in all_headers.items()},
            "query": {},
            "params": params,
            "body": meta.Datum(body, "bytes"),
        },
    )
    return HttpRequestConverter.decode(data, trigger_metadata={})


def sent(reply: Any) -> dict[str, Any]:
    """What the worker sends the host for ``reply``: status, headers, cookies, body."""
    assert isinstance(reply, func.HttpResponse)
    datum = HttpResponseConverter.encode(reply, expected_type=None).value
    cookies = []
    for cookie in datum["cookies"] or []:
        for name, morsel in cookie.items():
            cookies.append((name, morsel.value, morsel["path"], bool(morsel["httponly"])))
    return {
        "status": int(datum["status_code"].value),
        "headers": {k.lower(): v.value for k, v in datum["headers"].items()},
        "cookies": cookies,
        "body": datum["body"].value,
    }


def seen(reply: Any) -> Any:
    return json.loads(reply.get_body())


# -- the app sees the request a real server would pass it --------------------------

FIDELITY_TARGET = "/api/caf%C3%A9/a%2Fb?x=1&x=2&y=%20z"
FIDELITY_HEADERS = {
    "cookie": "a=1; b=2",
    "x-rep": "one,two",  # the host joins a repeated header with ","
    "client-ip": "203.0.113.9:50123",
    "x-forwarded-for": "10.9.9.9, 203.0.113.9:50123",
}


def test_flask_sees_path_query_headers_cookies_and_mount() -> None:
    req = worker_request("GET", FIDELITY_TARGET, FIDELITY_HEADERS, route="café/a%2Fb")
    info = seen(wrap(flask_app)(req, CONTEXT))
    assert info["method"] == "GET"
    assert info["script_root"] == "/api"  # the route prefix is the mount point
    assert info["path"] == "/café/a/b"
    assert info["raw_uri"] == FIDELITY_TARGET
    assert info["args"] == [["x", "1"], ["x", "2"], ["y", " z"]]
    assert info["cookies"] == [["a", "1"], ["b", "2"]]
    assert ["x-rep", "one,two"] in info["headers"]
    assert info["remote_addr"] == "203.0.113.9"  # client-ip, not the forgeable first XFF entry
    assert info["url"] == f"https://{HOST}/api/café/a/b?x=1&x=2&y=%20z"


def test_asgi_sees_raw_path_and_root_path() -> None:
    req = worker_request("GET", FIDELITY_TARGET, FIDELITY_HEADERS, route="café/a%2Fb")
    info = seen(wrap(asgi_app)(req, CONTEXT))
    assert info["root_path"] == "/api"
    assert info["raw_path"] == "/api/caf%C3%A9/a%2Fb"
    assert info["path"] == "/api/café/a/b"
    assert info["query_string"] == "x=1&x=2&y=%20z"
    assert info["client_host"] == "203.0.113.9"
    assert info["scheme"] == "https"
    assert info["cookies"] == [["a", "1"], ["b", "2"]]


def test_wsgi_environ_paths_are_native_strings() -> None:
    req = worker_request("GET", FIDELITY_TARGET, FIDELITY_HEADERS, route="café/a%2Fb")
    info = seen(wrap(wsgi_app)(req, CONTEXT))
    assert info["script_name"] == "/api"
    assert info["path_info"] == "/café/a/b".encode().decode("latin-1")
    assert info["query_string"] == "x=1&x=2&y=%20z"


@pytest.mark.parametrize("app", [flask_app, asgi_app], ids=["flask", "asgi"])
def test_two_cookies_reach_the_host_and_repeats_are_joined(app: Any) -> None:
    out = sent(wrap(app)(worker_request(route=""), CONTEXT))
    assert out["status"] == 200
    assert sorted(c[:3] for c in out["cookies"]) == [("a", "1", "/"), ("b", "2", "/")]
    assert [c[3] for c in sorted(out["cookies"])] == [False, True]
    assert "set-cookie" not in out["headers"]
    assert out["headers"]["x-repeat"] == "one, two"  # not only the last one
    assert out["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize("app", [flask_app, asgi_app, wsgi_app], ids=["flask", "asgi", "wsgi"])
def test_binary_both_ways(app: Any) -> None:
    req = worker_request(
        "POST",
        "/api/upload",
        {"content-type": "application/octet-stream", "x-reply-binary": "1"},
        BINARY,
        route="upload",
    )
    reply = wrap(app)(req, CONTEXT)
    out = sent(reply)
    assert out["body"] == BINARY
    assert out["headers"]["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("app", [flask_app, asgi_app], ids=["flask", "asgi"])
def test_head_and_204_send_no_body(app: Any) -> None:
    handler = wrap(app)
    head = sent(handler(worker_request("HEAD", "/api/x", route="x"), CONTEXT))
    assert (head["status"], head["body"]) == (200, b"")
    empty = sent(handler(worker_request("GET", "/api/x", {"x-reply-status": "204"}, route="x")))
    assert (empty["status"], empty["body"]) == (204, b"")


# -- the route prefix ------------------------------------------------------------


def test_prefix_found_from_the_catch_all_route_whatever_host_json_says() -> None:
    req = worker_request("GET", "/v2/items/7", route="items/7")
    info = seen(wrap(flask_app)(req))
    assert (info["script_root"], info["path"]) == ("/v2", "/items/7")


def test_empty_route_prefix_and_request_to_the_root() -> None:
    info = seen(wrap(flask_app)(worker_request("GET", "/items", route="items")))
    assert (info["script_root"], info["path"]) == ("", "/items")
    info = seen(wrap(flask_app)(worker_request("GET", "/api/", route="")))
    assert (info["script_root"], info["path"]) == ("/api", "/")


def test_other_route_templates_fall_back_to_the_default_prefix() -> None:
    """A route ``items/{id}`` has no catch-all value: host.json's default ``api`` applies."""
    req = worker_request("GET", "/api/items/42", route=None)
    assert seen(wrap(flask_app)(req))["script_root"] == "/api"


def test_route_prefix_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAAS_BRIDGE_AZURE_ROUTE_PREFIX", "")
    info = seen(wrap(flask_app)(worker_request("GET", "/api/x", route=None)))
    assert (info["script_root"], info["path"]) == ("", "/api/x")
    monkeypatch.setenv("FAAS_BRIDGE_AZURE_ROUTE_PREFIX", "/svc/v1/")
    info = seen(wrap(flask_app)(worker_request("GET", "/svc/v1/x", route=None)))
    assert (info["script_root"], info["path"]) == ("/svc/v1", "/x")


# -- the client --------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, client",
    [
        ({"client-ip": "203.0.113.9:50123", "x-forwarded-for": "1.2.3.4"}, "203.0.113.9"),
        ({"x-forwarded-for": "1.2.3.4, 203.0.113.9:50123"}, "203.0.113.9"),
        ({"client-ip": "[2001:db8::1]:443"}, "2001:db8::1"),
        ({"client-ip": "2001:db8::1"}, "2001:db8::1"),
        ({}, None),
    ],
)
def test_client_address(headers: dict[str, str], client: str | None) -> None:
    info = seen(wrap(asgi_app)(worker_request(headers=headers), CONTEXT))
    assert info["client_host"] == client


# -- failures ----------------------------------------------------------------------


def test_malformed_request_is_a_400_http_response() -> None:
    handler = wrap(flask_app)
    no_method = worker_request("", "/api/x", route="x")
    relative = func.HttpRequest(method="GET", url="/api/x", body=b"", route_params={})
    for req in (no_method, relative):
        reply = handler(req, CONTEXT)
        assert isinstance(reply, func.HttpResponse)
        assert reply.status_code == 400
        assert reply.get_body().startswith(b"Bad Request")


def test_app_failure_and_5xx_are_replies_and_wsgi_errors_writes_do_not_fail() -> None:
    """Azure's WsgiMiddleware raises on any wsgi.errors write or 5xx; a reply is sent here."""

    def noisy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.errors"].write("deprecation warning\n")
        status = environ.get("HTTP_X_STATUS", "200 OK")
        start_response(status, [("Content-Type", "text/plain")])
        return [b"done"]

    (function,) = function_app(noisy).get_functions()
    handler = function.get_user_function()
    assert sent(handler(worker_request(), CONTEXT))["body"] == b"done"
    failed = handler(worker_request(headers={"x-status": "503 Service Unavailable"}), CONTEXT)
    assert failed.status_code == 503


def test_unparseable_cookie_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Set-Cookie", "p=1; Path=/; Partitioned")] * 2)
        return [b""]

    handler = wrap(app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        handler(worker_request(), CONTEXT)
        handler(worker_request(), CONTEXT)
    assert len([r for r in caplog.records if "SimpleCookie" in r.getMessage()]) == 1


def test_request_id_is_the_invocation_id() -> None:
    platform = AzureFunctions(Options())
    assert platform.request_id(None, CONTEXT) == CONTEXT.invocation_id
    assert platform.remaining_time(CONTEXT) is None


# -- the FunctionApp helper --------------------------------------------------------


def test_function_app_registers_one_catch_all_function() -> None:
    app = function_app(flask_app, auth_level="ANONYMOUS")
    assert isinstance(app, func.FunctionApp)
    (function,) = app.get_functions()
    trigger = json.loads(function.get_function_json())["bindings"][0]
    assert trigger["type"] == "httpTrigger"
    assert trigger["route"] == "{*route}"
    assert trigger["authLevel"] == "ANONYMOUS"
    assert set(trigger["methods"]) >= {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
    user_function = function.get_user_function()
    reply = user_function(worker_request("GET", "/api/hello", route="hello"), CONTEXT)
    assert seen(reply)["path"] == "/hello"


def test_function_app_defaults_and_handlers() -> None:
    (function,) = function_app(wrap(wsgi_app)).get_functions()
    assert json.loads(function.get_function_json())["bindings"][0]["authLevel"] == "FUNCTION"
    with pytest.raises(TypeError):
        function_app(wrap(wsgi_app), base_path="/x")


# -- detection and the event builder -------------------------------------------------


def test_only_the_azure_adapter_matches_an_http_request() -> None:
    platforms = load_platforms(Options())
    assert [p.name for p in platforms if p.matches(worker_request())] == ["azure"]


def test_built_request_has_the_workers_shape() -> None:
    call = HttpCall("POST", "/caf%C3%A9/a%2Fb?x=1&x=2", [("X-Rep", "1"), ("X-Rep", "2")], b"hi")
    built = build_event(call, host=HOST)
    real = worker_request("POST", "/api/caf%C3%A9/a%2Fb?x=1&x=2", {"x-rep": "1,2"}, b"hi", "x")
    assert type(built).__name__ == type(real).__name__ == "HttpRequest"
    assert built.url == real.url
    assert built.headers["x-rep"] == real.headers["x-rep"] == "1,2"
    assert built.route_params["route"] == "café/a%2Fb"
    assert built.get_body() == b"hi"
    info = seen(wrap(flask_app)(built))
    assert (info["script_root"], info["path"]) == ("/api", "/café/a/b")


def test_readme_function_app_example(monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    import types
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    (block,) = [b for b in blocks if "from faas_bridge.azure import function_app" in b]
    myapp = types.ModuleType("myapp")
    myapp.application = flask_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "myapp", myapp)
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    (function,) = namespace["app"].get_functions()
    reply = function.get_user_function()(worker_request("GET", "/api/x", route="x"), CONTEXT)
    assert seen(reply)["url"] == f"https://{HOST}/api/x"
