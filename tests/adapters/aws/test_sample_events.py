"""Every AWS HTTP sample event through a Flask and an ASGI echo app.

The samples are the project's own (``tests/samples``), and, when
``FAAS_BRIDGE_EVENTS`` names an extra corpus, that corpus's files too. The
expected values are read off each event by hand (path, mount point, query
arguments, client) following the vendor's rules, not computed by the adapter.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

import pytest

from faas_bridge import wrap
from support.echo_apps import asgi_app, flask_app
from support.events import (
    EXTRA,
    extra_dir,
    extra_event_names,
    load_event,
    own_event_names,
    reply_headers,
    reply_json,
)

FOLDERS = ("aws-apigw-v1", "aws-apigw-v2", "aws-function-url", "aws-alb")

Expected = tuple[str, str, str, list[tuple[str, str]], str, str | None]

#: The REST samples' text body: CRLF line ends and a tab, sent as is (no base64 flag).
CART = '{\r\n\t"item": "desk lamp",\r\n\t"qty": 2\r\n}'

#: file -> (method, path below the mount, root path, sorted query args, body, client host)
# fmt: off
OWN: dict[str, Expected] = {
    # Health checks carry no X-Forwarded-For: the client is unknown.
    "aws-alb/health-check-empty-query.json": ("GET", "/", "", [], "", None),
    "aws-alb/health-check.json": ("GET", "/healthz", "", [], "", None),
    "aws-alb/single-value.json": ("GET", "/search", "", [("q", "lamp")], "", "198.51.100.60"),
    "aws-alb/multi-value.json": ("GET", "/inventory", "", [("sku", "A-100")], "", "198.51.100.61"),
    # The client sent its own X-Forwarded-For: the entry the load balancer appended counts.
    "aws-alb/single-value-get-with-body.json": ("GET", "/status", "", [("check", "db")], "probe", "203.0.113.80"),
    "aws-alb/multi-value-query.json": ("GET", "/products", "", [("color", "blue"), ("color", "red"), ("size", "l")], "", "198.51.100.62"),
    "aws-alb/multi-value-headers-empty-query.json": ("GET", "/orders", "", [], "", "198.51.100.63"),
    # ALB passes query values undecoded: the app decodes %2F, %3F and %3D itself.
    "aws-alb/percent-encoded-query.json": ("GET", "/login", "", [("redirect", "/home?tab=news")], "hello alb", "203.0.113.81"),
    # Both header forms: the multi-value ones win (both values of next).
    "aws-alb/both-header-forms-encoded-query.json": ("GET", "/login", "", [("next", "/a?x=1"), ("next", "/b")], "hello alb", "203.0.113.82"),
    # A form body is not on ALB's text list: it arrives base64-encoded.
    "aws-alb/post-base64-body.json": ("POST", "/signup", "", [("ref", "mail")], "name=Ada+Lovelace&lang=en", "198.51.100.64"),
    # REST on the execute-api host: the stage is the mount point, not in path.
    "aws-apigw-v1/rest-post-base64-body.json": ("POST", "/orders/42/notes", "/prod", [("notify", "yes")], '{"note": "order 42 left at the door"}', "198.51.100.14"),
    "aws-apigw-v1/rest-post-json-with-query.json": ("POST", "/cart/items", "/staging", [("currency", "EUR")], CART, "198.51.100.23"),
    "aws-apigw-v1/rest-post-openapi-operation-name.json": ("POST", "/cart/items", "/staging", [("currency", "EUR")], CART, "198.51.100.23"),
    # queryStringParameters keeps only the last tag: the multi-value field has both.
    "aws-apigw-v1/rest-post-multi-value-query.json": ("POST", "/search", "/dev", [("page", "2"), ("tag", "blue"), ("tag", "red")], '{"in": "titles"}', "203.0.113.77"),
    "aws-apigw-v1/rest-get-without-multi-value-keys.json": ("GET", "/reports/2024", "/test", [("format", "csv")], "", "192.0.2.31"),
    # A custom domain: path carries the API mapping (v1), the stage is no mount point.
    "aws-apigw-v1/rest-custom-domain-base-path.json": ("GET", "/v1/orders/7", "", [("expand", "lines")], "", "198.51.100.90"),
    # Console test: no Host, not the execute-api host, no stage mount.
    "aws-apigw-v1/rest-console-test-invoke.json": ("POST", "/widgets", "", [], '{\r\n  "name": "sprocket",\r\n  "size": 3\r\n}', "test-invoke-source-ip"),
    # sam local start-api serves without the stage in the URL.
    "aws-apigw-v1/sam-local-get.json": ("GET", "/status", "", [], "", "127.0.0.1"),
    # HTTP API payload 1.0 on the $default stage: no mount point.
    "aws-apigw-v1/http-api-payload-1.0-get.json": ("GET", "/catalog/items", "", [("color", "green"), ("color", "red"), ("size", "m")], "hello there", "198.51.100.7"),
    "aws-apigw-v2/get-root.json": ("GET", "/", "", [], "", "203.0.113.25"),
    "aws-apigw-v2/post-base64-body-with-cookies.json": ("POST", "/uploads", "", [("mode", "append"), ("tag", "draft"), ("tag", "q2")], "id,qty\n1,3\n2,5\n", "198.51.100.88"),
    "aws-apigw-v2/jwt-authorizer.json": ("POST", "/orders", "", [("coupon", "SPRING")], '{"sku": "LMP-200", "qty": 1}', "203.0.113.61"),
    "aws-apigw-v2/iam-authorizer.json": ("GET", "/reports", "", [("region", "eu"), ("region", "us"), ("year", "2024")], "", "198.51.100.140"),
    "aws-apigw-v2/lambda-authorizer.json": ("DELETE", "/orders/42", "", [], "", "192.0.2.77"),
    "aws-apigw-v2/get-with-query-and-cookies.json": ("GET", "/dashboard", "", [("filter", "new"), ("filter", "open"), ("view", "compact")], "", "203.0.113.9"),
    # HTTP APIs hand over the path decoded: a literal space.
    "aws-apigw-v2/raw-path-with-space.json": ("GET", "/files/annual report.pdf", "", [("download", "1")], "", "192.0.2.140"),
    "aws-apigw-v2/sam-local-get.json": ("GET", "/health", "", [], "", "127.0.0.1"),
    # A named HTTP API stage leads rawPath: it becomes the mount point.
    "aws-apigw-v2/named-stage-in-raw-path.json": ("POST", "/profile/settings", "/beta", [("compact", "1"), ("tab", "privacy"), ("tab", "security")], "notify by mail", "198.51.100.33"),
    "aws-function-url/post-iam.json": ("POST", "/webhooks/build", "", [("retry", "1"), ("source", "ci"), ("source", "cron")], "build 1424 passed", "203.0.113.200"),
    "aws-function-url/browser-get-no-auth.json": ("GET", "/", "", [], "", "198.51.100.201"),
    "aws-function-url/get-with-headers.json": ("GET", "/", "", [("page", "3"), ("sort", "asc")], "", "198.51.100.202"),
    "aws-function-url/post-iam-with-query.json": ("POST", "/jobs", "", [("dry", "0"), ("queue", "bulk"), ("queue", "fast")], '{"job": "reindex", "priority": "high"}', "203.0.113.201"),
    "aws-function-url/cookie-header-and-cookies.json": ("GET", "/account", "", [("tab", "orders"), ("tab", "returns")], "", "192.0.2.201"),
}

B = '{\r\n\t"a": 1\r\n}'
P3 = [("parameter1", "value1"), ("parameter1", "value2"), ("parameter2", "value")]

#: The same for the extra corpus's files (used only when FAAS_BRIDGE_EVENTS names it).
EXTRA_EXPECTED: dict[str, Expected] = {
    "extra/aws-alb/doc-health-check.json": ("GET", "/", "", [], "", None),
    "extra/aws-alb/go-multi-value.json": ("GET", "/", "", [("key", "hello")], "", "72.21.198.67"),
    "extra/aws-alb/go-single-value.json": ("GET", "/", "", [("key", "hello")], "", "25.12.198.67"),
    "extra/aws-alb/powertools-multi-value-headers.json": ("GET", "/todos", "", [], "", "123.123.123.123"),
    "extra/aws-alb/powertools-multi-value-query.json": ("GET", "/todos", "", P3, "", "123.123.123.123"),
    "extra/aws-alb/powertools-single-value-get.json": ("GET", "/lambda", "", [("query", "1234ABCD")], "Test", "72.12.164.125"),
    "extra/aws-alb/rust-health-check.json": ("GET", "/", "", [], "", None),
    # ALB passes query values undecoded: the app decodes %3F and %3D itself.
    "extra/aws-alb/rust-multi-value-percent-encoded-query.json": ("GET", "/", "", [("myKey", "?showAll=false"), ("myKey", "?showAll=true")], "request_body", "72.21.198.66"),
    "extra/aws-alb/rust-percent-encoded-query.json": ("GET", "/", "", [("myKey", "?showAll=true")], "request_body", "72.21.198.66"),
    "extra/aws-alb/sam-post-base64-body.json": ("POST", "/path/to/resource", "", [("query", "1234ABCD")], '{"test":"body"}', "72.12.164.125"),
    # REST on the execute-api host: the stage is the mount point.
    "extra/aws-apigw-v1/go-post-json-with-query.json": ("POST", "/hello/world", "/testStage", [("name", "me")], B, "192.168.196.186"),
    "extra/aws-apigw-v1/go-post-openapi-operationname.json": ("POST", "/hello/world", "/testStage", [("name", "me")], B, "192.168.196.186"),
    # HTTP API payload 1.0 on the $default stage: no mount point.
    "extra/aws-apigw-v1/httpapi-payload-1.0-get.json": ("GET", "/my/path", "", P3, "Hello from Lambda!", "192.168.0.1/32"),
    # Console test: no Host, not the execute-api host, no stage mount.
    "extra/aws-apigw-v1/rust-console-test-invoke.json": ("POST", "/myPath", "", [], B, "test-invoke-source-ip"),
    "extra/aws-apigw-v1/rust-get-no-multivalue-no-body.json": ("GET", "/hello", "/test", [("name", "me")], "", "192.168.100.1"),
    "extra/aws-apigw-v1/rust-post-multi-value-query.json": ("POST", "/hello/world", "/testStage", [("multiValueName", "me"), ("multiValueName", "you"), ("name", "me")], B, "192.168.196.186"),
    # sam local start-api serves without the stage in the URL.
    "extra/aws-apigw-v1/rust-sam-local-start-api-get.json": ("GET", "/test", "", [], "", "127.0.0.1"),
    "extra/aws-apigw-v1/sam-post-base64-body.json": ("POST", "/path/to/resource", "/prod", [("foo", "bar")], '{"test":"body"}', "127.0.0.1"),
    "extra/aws-apigw-v2/go-get-root-no-authorizer.json": ("GET", "/", "", [], "", "1.2.3.4"),
    "extra/aws-apigw-v2/go-post-iam-authorizer.json": ("GET", "/my/path", "", P3, B, "IP"),
    "extra/aws-apigw-v2/go-post-jwt-authorizer.json": ("GET", "/my/path", "", P3, B, "IP"),
    "extra/aws-apigw-v2/go-post-lambda-authorizer.json": ("GET", "/my/path", "", P3, B, "IP"),
    "extra/aws-apigw-v2/powertools-get.json": ("GET", "/my/path", "", P3, "", "192.168.0.1/32"),
    "extra/aws-apigw-v2/rust-rawpath-with-space.json": ("POST", "/my/path-with space", "", P3, "Hello from Lambda", "IP"),
    "extra/aws-apigw-v2/rust-sam-local-start-api.json": ("GET", "/hello", "", [], "", "127.0.0.1"),
    # A named HTTP API stage leads rawPath: it becomes the mount point.
    "extra/aws-apigw-v2/rust-stage-in-rawpath.json": ("POST", "/my/path", "/Prod", P3, "Hello from Lambda", "IP"),
    "extra/aws-apigw-v2/sam-post-base64-body.json": ("POST", "/path/to/resource", "", P3, '{"test":"body"}', "192.168.0.1/32"),
    "extra/aws-function-url/go-post-iam.json": ("POST", "/my/path", "", P3, "Hello from client!", "123.123.123.123"),
    "extra/aws-function-url/powertools-browser-get-noauth.json": ("GET", "/", "", [], "", "123.123.123.123"),
    "extra/aws-function-url/powertools-get-with-headers.json": ("GET", "/", "", [], "", "123.123.123.123"),
    "extra/aws-function-url/powertools-post-iam.json": ("POST", "/my/path", "", P3, "Hello from client!", "123.123.123.123"),
    "extra/aws-function-url/rust-get-cookie-header-and-cookies.json": ("GET", "/my/path", "", P3, "", "65.78.31.245"),
}
# fmt: on


def _cases() -> dict[str, Expected]:
    extra = set(extra_event_names(*FOLDERS))
    return {**OWN, **{name: v for name, v in EXTRA_EXPECTED.items() if name in extra}}


CASES = _cases()


def test_every_own_sample_has_an_expectation() -> None:
    assert set(own_event_names(*FOLDERS)) == set(OWN)


def test_every_extra_sample_has_an_expectation() -> None:
    expected = set(EXTRA_EXPECTED) if extra_dir() is not None else set()
    assert set(extra_event_names(*FOLDERS)) == expected


def folder(name: str) -> str:
    """The sample folder of a name, own or extra."""
    return name.removeprefix(EXTRA).split("/")[0]


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
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    body64 = base64.b64encode(body.encode()).decode()
    assert view(reply_json(reply)) == (method, path, root, args, body64, client)
    _check_set_cookies(name, reply)


def _check_set_cookies(name: str, reply: dict[str, Any]) -> None:
    cookies = sorted(v for k, v in reply_headers(reply) if k == "set-cookie")
    single_value_alb = folder(name) == "aws-alb" and "multiValueHeaders" not in load_event(name)
    if single_value_alb:
        assert len(cookies) == 1  # the format carries one Set-Cookie; the last is kept
        assert cookies[0].startswith("b=2")
    else:
        assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]
    if folder(name) in ("aws-apigw-v2", "aws-function-url"):
        headers = {k.lower(): v for k, v in reply["headers"].items()}
        assert "set-cookie" not in headers
        assert headers["x-repeat"] == "one, two"


def test_v2_cookies_become_one_cookie_header() -> None:
    seen = reply_json(
        wrap(flask_app)(load_event("aws-apigw-v2/named-stage-in-raw-path.json"), None)
    )
    assert sorted(seen["cookies"]) == [["lang", "de"], ["seen", "1"]]
    cookie_headers = [v for k, v in seen["headers"] if k == "cookie"]
    assert cookie_headers == ["lang=de; seen=1"]


def test_function_url_cookie_is_not_counted_twice() -> None:
    event = load_event("aws-function-url/cookie-header-and-cookies.json")
    seen = reply_json(wrap(asgi_app)(event, None))
    assert [v for k, v in seen["headers"] if k == "cookie"] == ["lang=en; theme=dark"]


def test_event_without_host_uses_the_domain_name() -> None:
    seen = reply_json(
        wrap(flask_app)(load_event("aws-apigw-v2/named-stage-in-raw-path.json"), None)
    )
    host = "h2t4p8v0zq.execute-api.eu-west-1.amazonaws.com"
    assert seen["host"] == host
    assert seen["url"].startswith(f"https://{host}/beta/profile/settings?")


def test_function_url_without_host_uses_the_domain_name() -> None:
    seen = reply_json(wrap(flask_app)(load_event("aws-function-url/post-iam.json"), None))
    host = "q4w7e2r9t5y1u8i3o6p0a2s5d8f1g4h7.lambda-url.eu-west-1.on.aws"
    assert (seen["host"], seen["scheme"]) == (host, "https")


def test_a_custom_domain_mounts_the_configured_base_path() -> None:
    """The API mapping is the mount point when the app is told it (never the stage)."""
    event = load_event("aws-apigw-v1/rest-custom-domain-base-path.json")
    seen = reply_json(wrap(flask_app, base_path="v1")(event, None))
    assert (seen["script_root"], seen["path"]) == ("/v1", "/orders/7")
    assert seen["url"] == "https://shop.example.com/v1/orders/7?expand=lines"


def test_alb_scheme_and_host_come_from_forwarded_headers() -> None:
    seen = reply_json(wrap(flask_app)(load_event("aws-alb/multi-value.json"), None))
    assert seen["scheme"] == "http"  # x-forwarded-proto: http
    assert (
        seen["url"] == "http://shop-alb-1029384756.eu-west-1.elb.amazonaws.com/inventory?sku=A-100"
    )


def test_console_test_invoke_without_headers_is_served_over_https() -> None:
    """No Host and no X-Forwarded-Proto: the request context's domain, and https."""
    seen = reply_json(
        wrap(flask_app)(load_event("aws-apigw-v1/rest-console-test-invoke.json"), None)
    )
    assert seen["scheme"] == "https"
    assert seen["url"].lower() == "https://testprefix.testdomainname/widgets"  # any case: a host


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
