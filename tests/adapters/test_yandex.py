"""Yandex Cloud Functions: direct HTTP invocation and API Gateway payloads 0.1 and 1.0.

Expected values are read off the samples (``tests/samples``, and the extra
corpus when ``FAAS_BRIDGE_EVENTS`` names one) by hand, following Yandex's docs:
a direct invocation has no path below the function (no ``path`` or ``url``, or
``url`` empty) and only decoded query parameters (``queryStringParameters``
keeps a repeated key's last value, ``multiValueQueryStringParameters`` all of
them); API Gateway 0.1 has the requested path and query in ``url`` (which ends
with ``?`` when there is no query; ``path`` is the route template); the client
is ``requestContext.identity.sourceIp``.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.yandex import build_event
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.echo_apps import asgi_app, flask_app
from support.events import load_event, reply_body
from support.sample_tables import assert_tables_cover, table_cases
from support.vendor_checks import BINARY, asgi_view, b64, call, flask_view, seen

DIRECT = "yandex/http-direct.json"
GATEWAY = "yandex/apigw-payload-0.1.json"
NO_QUERY = "yandex/apigw-payload-0.1-empty-query.json"
GATEWAY_HOST = "d5dm3k7q1r9t2v4w6x8z.apigw.yandexcloud.net"
#: The client of the events build_event makes (HttpCall's default address).
CLIENT = "198.51.100.7"
REPLY_TYPES = {
    "statusCode": int,
    "headers": dict,
    "multiValueHeaders": dict,
    "body": str,
    "isBase64Encoded": bool,
}

Row = tuple[str, str, str, list[tuple[str, str]], str, str | None]
#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, Row] = {
    # No path below the function: the query comes from the decoded parameters,
    # every value of the repeated tag (multiValueQueryStringParameters).
    DIRECT: (
        "GET",
        "/",
        "",
        [("page", "2"), ("tag", "alpha"), ("tag", "beta")],
        "",
        "198.51.100.80",
    ),
    # url is "/users/17/orders?status=open&status=paid"; path is the template.
    GATEWAY: (
        "GET",
        "/users/17/orders",
        "",
        [("status", "open"), ("status", "paid")],
        "",
        "203.0.113.27",
    ),
    # url is "/feedback?": the query is empty; a JSON body comes as text.
    NO_QUERY: ("POST", "/feedback", "", [], '{"rating": 5, "text": "ok"}', "203.0.113.27"),
}
#: The same for the extra corpus's files.
A12 = [("a", "1"), ("a", "2")]
EXTRA_EXPECTED: dict[str, Row] = {
    "extra/yandex/handmade-http-direct.json": ("GET", "/", "", A12, "", "198.51.100.7"),
    "extra/yandex/handmade-apigw-payload-0.1.json": (
        "GET",
        "/items/42",
        "",
        A12,
        "",
        "198.51.100.7",
    ),
}
CASES = table_cases(EXPECTED, EXTRA_EXPECTED, "yandex")


def test_every_sample_has_an_expectation() -> None:
    assert_tables_cover(EXPECTED, EXTRA_EXPECTED, "yandex")


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_gateway_host_scheme_and_cookies() -> None:
    info = seen(wrap(flask_app)(load_event(GATEWAY), None))
    assert info["url"] == f"https://{GATEWAY_HOST}/users/17/orders?status=open&status=paid"
    # Through API Gateway the Cookie header reaches the function.
    assert info["cookies"] == [["session", "7f3a9c"]]


def test_a_url_ending_with_a_question_mark_has_an_empty_query() -> None:
    info = seen(wrap(flask_app)(load_event(NO_QUERY), None))
    assert (info["url"], info["query_string"]) == (f"https://{GATEWAY_HOST}/feedback", "")
    assert info["content_length"] == len('{"rating": 5, "text": "ok"}')


def test_direct_headers_keep_every_value_of_a_repeat() -> None:
    """``headers`` keeps the last value of X-Tag; ``multiValueHeaders`` has both."""
    info = seen(wrap(asgi_app)(load_event(DIRECT), None))
    assert [v for k, v in info["headers"] if k == "x-tag"] == ["alpha", "beta"]
    assert info["url"] == "https://functions.yandexcloud.net/?page=2&tag=alpha&tag=beta"


def test_direct_call_without_host_is_on_the_functions_host() -> None:
    event = load_event(DIRECT)
    for key in ("headers", "multiValueHeaders"):
        del event[key]["Host"]
    info = seen(wrap(flask_app)(event, None))
    assert info["host"] == "functions.yandexcloud.net"


def test_client_is_the_source_ip_not_x_forwarded_for() -> None:
    event = load_event(GATEWAY)
    event["multiValueHeaders"]["X-Forwarded-For"] = ["6.6.6.6, 203.0.113.27"]
    event["requestContext"]["identity"]["sourceIp"] = "198.51.100.9"
    assert seen(wrap(flask_app)(event, None))["remote_addr"] == "198.51.100.9"


# -- detection ----------------------------------------------------------------------

PLATFORMS = load_platforms(Options())


def matching(event: dict[str, Any]) -> list[str]:
    return [p.name for p in PLATFORMS if p.matches(event)]


@pytest.mark.parametrize("form", ["direct", "0.1"])
def test_built_events_are_only_yandex(form: str) -> None:
    assert matching(build_event(call("GET", "/x?a=1"), form=form)) == ["yandex"]


def test_payload_10_is_only_yandex() -> None:
    assert matching(build_event(call("GET", "/x?a=1"), form="1.0")) == ["yandex"]


def test_payload_10_is_read_by_yandex_first() -> None:
    """Until then, Yandex sits before aws-apigw-v1, so a fresh handler reads it right."""
    event = build_event(call("GET", "/x?a=1"), form="1.0")
    assert seen(wrap(flask_app)(event, None))["remote_addr"] == CLIENT
    assert set(wrap(flask_app)(event, None)) == set(REPLY_TYPES)


def test_websocket_events_are_not_requests() -> None:
    event = load_event(GATEWAY)
    event["requestContext"]["connectionId"] = "abc"
    event["requestContext"]["eventType"] = "MESSAGE"
    assert matching(event) == []


# -- replies ------------------------------------------------------------------------


def fixed_app(headers: list[tuple[str, str]], body: bytes, status: int = 200) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(f"{status} Whatever", headers)
        return [body]

    return app


def test_reply_has_the_documented_fields() -> None:
    reply = wrap(flask_app)(load_event(GATEWAY), None)
    assert set(reply) == set(REPLY_TYPES)
    for key, kind in REPLY_TYPES.items():
        assert type(reply[key]) is kind, key
    assert reply["headers"]["Content-Type"] == "application/json"
    # A name in both fields would lose its `headers` value: repeats live in one place.
    assert not set(reply["headers"]) & set(reply["multiValueHeaders"])
    cookies = reply["multiValueHeaders"]["Set-Cookie"]
    assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]
    assert reply["multiValueHeaders"]["X-Repeat"] == ["one", "two"]


def test_headers_yandex_rejects_are_dropped(caplog: pytest.LogCaptureFixture) -> None:
    headers = [
        ("Content-Type", "text/plain"),
        ("Transfer-Encoding", "chunked"),
        ("Via", "1.1 proxy"),
        ("Proxy-Authenticate", "Basic"),
    ]
    handler = wrap(fixed_app(headers, b"hi"))
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        reply = handler(load_event(GATEWAY), None)
        handler(load_event(GATEWAY), None)
    assert reply["headers"] == {"Content-Type": "text/plain"}
    assert reply["multiValueHeaders"] == {}
    assert len([r for r in caplog.records if "502" in r.getMessage()]) == 1


def test_bytes_both_ways() -> None:
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    event = build_event(call("POST", "/up", headers, BINARY), form="0.1")
    assert event["isBase64Encoded"] is True
    reply = wrap(flask_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


def test_head_and_204_send_no_body() -> None:
    reply = wrap(flask_app)(build_event(call("HEAD", "/")), None)
    assert (reply["statusCode"], reply["body"], reply["isBase64Encoded"]) == (200, "", False)
    assert int(reply["headers"]["Content-Length"]) > 0  # what a GET would send
    reply = wrap(flask_app)(build_event(call("GET", "/", [("X-Reply-Status", "204")])), None)
    assert (reply["statusCode"], reply["body"]) == (204, "")


# -- fidelity through build_event -------------------------------------------------


def _asgi(event: dict[str, Any]) -> Any:
    return seen(wrap(asgi_app)(event, None))


@pytest.mark.parametrize(
    ("target", "raw_path", "path"),
    [
        ("/a%20b", "/a%20b", "/a b"),
        ("/a%2Fb", "/a%2Fb", "/a/b"),
        ("/caf%C3%A9", "/caf%C3%A9", "/caf\u00e9"),
    ],
)
@pytest.mark.parametrize("form", ["0.1", "1.0"])
def test_gateway_paths_keep_their_encoding(
    form: str, target: str, raw_path: str, path: str
) -> None:
    # Our reading of an undocumented point: `url` (0.1) and `path` (1.0) as sent.
    info = _asgi(build_event(call("GET", target), form=form))
    assert (info["root_path"], info["raw_path"], info["path"]) == ("", raw_path, path)


def test_direct_calls_have_no_path() -> None:
    """Vendor limit: a function's URL has nothing below ``/<function id>``."""
    info = _asgi(build_event(call("GET", "/a/b?x=1")))
    assert (info["raw_path"], info["query_string"]) == ("/", "x=1")


def test_queries() -> None:
    target = "/q?a=1&a=2&x=a+b&y=c%20d"
    # API Gateway 0.1: the query as sent, from `url`.
    assert _asgi(build_event(call("GET", target), form="0.1"))["query_string"] == target[3:]
    # Direct and 1.0: rebuilt from the decoded parameters, equivalent.
    for form in ("direct", "1.0"):
        info = seen(wrap(flask_app)(build_event(call("GET", target), form=form), None))
        args = sorted(map(tuple, info["args"]))
        assert args == [("a", "1"), ("a", "2"), ("x", "a b"), ("y", "c d")], form


def test_repeated_headers_and_cookies() -> None:
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("Cookie", "a=1; b=2")]
    info = _asgi(build_event(call("GET", "/", headers), form="0.1"))
    assert [v for k, v in info["headers"] if k == "x-dup"] == ["one", "two"]
    assert info["cookies"] == [["a", "1"], ["b", "2"]]
    # Vendor limit: a direct invocation loses Cookie (Yandex strips it).
    assert _asgi(build_event(call("GET", "/", headers)))["cookies"] == []


def test_built_events_have_the_samples_shape() -> None:
    direct = build_event(call("GET", "/?a=1&a=2"))
    sample = load_event(DIRECT)
    assert set(sample) <= set(direct)
    assert set(direct) - set(sample) == {"url", "params", "multiValueParams", "pathParams"}
    assert set(direct["requestContext"]) == set(sample["requestContext"])
    target = "/users/17/orders?status=open&status=paid"
    gateway = build_event(call("GET", target), form="0.1", template="/users/{userId}/orders")
    sample = load_event(GATEWAY)
    assert set(gateway) == set(sample)
    assert gateway["url"] == sample["url"]
    assert gateway["path"] == sample["path"]
    assert set(gateway["headers"]) >= {"Host", "X-Forwarded-For", "X-Serverless-Gateway-Id"}


def test_base_path_moves_into_the_root() -> None:
    event = build_event(call("GET", "/v1/x"), form="0.1")
    info = seen(wrap(asgi_app, base_path="/v1")(event, None))
    assert (info["root_path"], info["raw_path"]) == ("/v1", "/v1/x")


# -- malformed events -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": "not*base64!", "isBase64Encoded": True}, b"body: flagged base64"),
        ({"httpMethod": None}, b"httpMethod: expected a non-empty string, got None"),
        ({"multiValueHeaders": ["x"]}, b"multiValueHeaders: expected an object, got list"),
        ({"url": ["/"]}, b"url: expected a string, got list"),
        ({"multiValueQueryStringParameters": ["a"]}, b"multiValueQueryStringParameters"),
    ],
)
def test_malformed_events_get_a_400(change: dict[str, Any], message: bytes) -> None:
    event = load_event(GATEWAY)
    if "multiValueQueryStringParameters" in change:
        event["url"] = "/users/17/orders"  # no query in `url`: the parameters are used
    event.update(change)
    reply = wrap(flask_app)(event, None)
    assert set(reply) == set(REPLY_TYPES)
    assert (reply["statusCode"], reply["isBase64Encoded"]) == (400, False)
    assert reply_body(reply).startswith(b"Bad Request: " + message)
