"""Every AWS sample event from ../shared/events through a Flask and an ASGI echo app.

The expected values are read off each event by hand (path, mount point, query
arguments, client) following the vendor's rules, not computed by the adapter.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

import pytest

from echo_apps import asgi_app, flask_app
from events import event_names, load_event, reply_headers, reply_json
from faas_bridge import wrap

B = '{\r\n\t"a": 1\r\n}'
P3 = [("parameter1", "value1"), ("parameter1", "value2"), ("parameter2", "value")]

#: file -> (method, path below the mount, root path, sorted query args, body, client host)
# fmt: off
EXPECTED: dict[str, tuple[str, str, str, list[tuple[str, str]], str, str | None]] = {
    "aws-alb/health-check-empty-query.json": ("GET", "/", "", [], "", None),
    "aws-alb/multi-value.json": ("GET", "/", "", [("key", "hello")], "", "72.21.198.67"),
    "aws-alb/single-value.json": ("GET", "/", "", [("key", "hello")], "", "25.12.198.67"),
    "aws-alb/multi-value-headers-empty-query.json": ("GET", "/todos", "", [], "", "123.123.123.123"),
    "aws-alb/multi-value-query.json": ("GET", "/todos", "", P3, "", "123.123.123.123"),
    "aws-alb/single-value-get-with-body.json": ("GET", "/lambda", "", [("query", "1234ABCD")], "Test", "72.12.164.125"),
    "aws-alb/health-check.json": ("GET", "/", "", [], "", None),
    # ALB passes query values undecoded: the app decodes %3F and %3D itself.
    "aws-alb/both-header-forms-encoded-query.json": ("GET", "/", "", [("myKey", "?showAll=false"), ("myKey", "?showAll=true")], "request_body", "72.21.198.66"),
    "aws-alb/percent-encoded-query.json": ("GET", "/", "", [("myKey", "?showAll=true")], "request_body", "72.21.198.66"),
    "aws-alb/post-base64-body.json": ("POST", "/path/to/resource", "", [("query", "1234ABCD")], '{"test":"body"}', "72.12.164.125"),
    # REST on the execute-api host: the stage is the mount point.
    "aws-apigw-v1/rest-post-json-with-query.json": ("POST", "/hello/world", "/testStage", [("name", "me")], B, "192.168.196.186"),
    "aws-apigw-v1/rest-post-openapi-operation-name.json": ("POST", "/hello/world", "/testStage", [("name", "me")], B, "192.168.196.186"),
    # HTTP API payload 1.0 on the $default stage: no mount point.
    "aws-apigw-v1/http-api-payload-1.0-get.json": ("GET", "/my/path", "", P3, "Hello from Lambda!", "192.168.0.1/32"),
    # Console test: no Host, not the execute-api host, no stage mount.
    "aws-apigw-v1/rest-console-test-invoke.json": ("POST", "/myPath", "", [], B, "test-invoke-source-ip"),
    "aws-apigw-v1/rest-get-without-multi-value-keys.json": ("GET", "/hello", "/test", [("name", "me")], "", "192.168.100.1"),
    "aws-apigw-v1/rest-post-multi-value-query.json": ("POST", "/hello/world", "/testStage", [("multiValueName", "me"), ("multiValueName", "you"), ("name", "me")], B, "192.168.196.186"),
    # sam local start-api serves without the stage in the URL.
    "aws-apigw-v1/sam-local-get.json": ("GET", "/test", "", [], "", "127.0.0.1"),
    "aws-apigw-v1/rest-post-base64-body.json": ("POST", "/path/to/resource", "/prod", [("foo", "bar")], '{"test":"body"}', "127.0.0.1"),
    "aws-apigw-v2/get-root.json": ("GET", "/", "", [], "", "1.2.3.4"),
    "aws-apigw-v2/iam-authorizer.json": ("GET", "/my/path", "", P3, B, "IP"),
    "aws-apigw-v2/jwt-authorizer.json": ("GET", "/my/path", "", P3, B, "IP"),
    "aws-apigw-v2/lambda-authorizer.json": ("GET", "/my/path", "", P3, B, "IP"),
    "aws-apigw-v2/get-with-query-and-cookies.json": ("GET", "/my/path", "", P3, "", "192.168.0.1/32"),
    "aws-apigw-v2/raw-path-with-space.json": ("POST", "/my/path-with space", "", P3, "Hello from Lambda", "IP"),
    "aws-apigw-v2/sam-local-get.json": ("GET", "/hello", "", [], "", "127.0.0.1"),
    # A named HTTP API stage leads rawPath: it becomes the mount point.
    "aws-apigw-v2/named-stage-in-raw-path.json": ("POST", "/my/path", "/Prod", P3, "Hello from Lambda", "IP"),
    "aws-apigw-v2/post-base64-body-with-cookies.json": ("POST", "/path/to/resource", "", P3, '{"test":"body"}', "192.168.0.1/32"),
    "aws-function-url/post-iam.json": ("POST", "/my/path", "", P3, "Hello from client!", "123.123.123.123"),
    "aws-function-url/browser-get-no-auth.json": ("GET", "/", "", [], "", "123.123.123.123"),
    "aws-function-url/get-with-headers.json": ("GET", "/", "", [], "", "123.123.123.123"),
    "aws-function-url/post-iam-with-query.json": ("POST", "/my/path", "", P3, "Hello from client!", "123.123.123.123"),
    "aws-function-url/cookie-header-and-cookies.json": ("GET", "/my/path", "", P3, "", "65.78.31.245"),
}
# fmt: on

FOLDERS = ("aws-apigw-v1", "aws-apigw-v2", "aws-function-url", "aws-alb")


def test_every_sample_event_has_an_expectation() -> None:
    assert set(event_names(*FOLDERS)) == set(EXPECTED)


def flask_view(seen: dict[str, Any]) -> tuple[Any, ...]:
    """(method, path below the mount, root path, args, body, client) from the Flask echo."""
    args = sorted(map(tuple, seen["args"]))
    return (
        seen["method"],
        seen["path"],
        seen["script_root"],
        args,
        seen["body"],
        seen["remote_addr"],
    )


def asgi_view(seen: dict[str, Any]) -> tuple[Any, ...]:
    """The same from the raw ASGI echo, whose ``path`` includes ``root_path`` (as uvicorn's)."""
    root = seen["root_path"]
    assert seen["path"].startswith(root)
    args = sorted(parse_qsl(seen["query_string"], keep_blank_values=True))
    return (
        seen["method"],
        seen["path"][len(root) :],
        root,
        args,
        seen["body"],
        seen["client_host"],
    )


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_app_sees_the_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = EXPECTED[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    body64 = base64.b64encode(body.encode()).decode()
    assert view(reply_json(reply)) == (method, path, root, args, body64, client)
    _check_set_cookies(name, reply)


def _check_set_cookies(name: str, reply: dict[str, Any]) -> None:
    cookies = sorted(v for k, v in reply_headers(reply) if k == "set-cookie")
    single_value_alb = name.startswith("aws-alb/") and "multiValueHeaders" not in load_event(name)
    if single_value_alb:
        assert len(cookies) == 1  # the format carries one Set-Cookie; the last is kept
        assert cookies[0].startswith("b=2")
    else:
        assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]
    if name.startswith(("aws-apigw-v2/", "aws-function-url/")):
        headers = {k.lower(): v for k, v in reply["headers"].items()}
        assert "set-cookie" not in headers
        assert headers["x-repeat"] == "one, two"


def test_v2_cookies_become_one_cookie_header() -> None:
    seen = reply_json(wrap(flask_app)(load_event("aws-apigw-v2/named-stage-in-raw-path.json"), None))
    assert sorted(seen["cookies"]) == [["cookie1", "value1"], ["cookie2", "value2"]]
    cookie_headers = [v for k, v in seen["headers"] if k == "cookie"]
    assert cookie_headers == ["cookie1=value1; cookie2=value2"]


def test_function_url_cookie_is_not_counted_twice() -> None:
    event = load_event("aws-function-url/cookie-header-and-cookies.json")
    seen = reply_json(wrap(asgi_app)(event, None))
    assert [v for k, v in seen["headers"] if k == "cookie"] == ["test=hi"]


def test_event_without_host_uses_the_domain_name() -> None:
    seen = reply_json(wrap(flask_app)(load_event("aws-apigw-v2/named-stage-in-raw-path.json"), None))
    assert seen["host"] == "id.execute-api.us-east-1.amazonaws.com"
    assert seen["url"].startswith("https://id.execute-api.us-east-1.amazonaws.com/Prod/my/path?")


def test_alb_scheme_and_host_come_from_forwarded_headers() -> None:
    seen = reply_json(wrap(flask_app)(load_event("aws-alb/multi-value.json"), None))
    assert seen["scheme"] == "http"  # x-forwarded-proto: http
    assert seen["url"] == "http://lambda-test-alb-1234567.us-east-1.elb.amazonaws.com/?key=hello"


def test_event_and_context_reach_the_app() -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return []

    event = load_event("aws-alb/single-value.json")
    context = object()
    wrap(app)(event, context)
    assert seen["faas_bridge.event"] is event
    assert seen["faas_bridge.context"] is context
    assert seen["faas_bridge.platform"] == "aws-alb"
