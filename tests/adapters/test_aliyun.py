"""Alibaba Cloud Function Compute: the FC 3.0 HTTP trigger and the API Gateway trigger.

Expected values are read off the samples (``tests/samples``, and the extra
corpus when ``FAAS_BRIDGE_EVENTS`` names one) by hand, following the vendor's
documentation: FC 3.0 keeps ``rawPath`` percent-encoded and joins repeated
query values and headers with commas; API Gateway passes decoded query values,
the first of a repeated key. Both deliver the event as bytes of JSON.
"""

from __future__ import annotations

import base64
import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.aliyun import build_apigw_event, build_event
from faas_bridge.devtools.emulators.base import HttpCall
from support.echo_apps import asgi_app, flask_app
from support.events import event_names, load_event, reply_body
from support.sample_tables import assert_tables_cover, table_cases
from support.vendor_checks import (
    BINARY,
    asgi_view,
    b64,
    call,
    check_reply_shape,
    flask_view,
    seen,
    single_header_values,
)

FC3 = "aliyun-fc3/http-trigger-request.json"
FC3_UPLOAD = "aliyun-fc3/post-base64-body.json"
APIGW = "aliyun-apigw/apigw-request.json"
FOLDERS = ("aliyun-fc3", "aliyun-apigw")
#: The bytes FC3_UPLOAD's base64 body holds: a PNG signature and the start of its header.
PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"

Row = tuple[str, str, str, list[tuple[str, str]], str | bytes, str | None]
#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, Row] = {
    # FC joined the repeated zone parameter into one value.
    FC3: (
        "POST",
        "/inventory/items",
        "",
        [("sku", "A-1007"), ("zone", "north,south")],
        "restock: 12 crates",
        "203.0.113.58",
    ),
    # A binary body arrives base64-encoded and flagged; an empty query is {}.
    FC3_UPLOAD: ("POST", "/inventory/photos", "", [], PNG_START, "203.0.113.58"),
    # No client field in API Gateway events: X-Forwarded-For is not trusted, the
    # client stays unknown.
    APIGW: (
        "GET",
        "/v2/books/9780000000002",
        "",
        [("fields", "title"), ("lang", "en")],
        "",
        None,
    ),
}
#: The same for the extra corpus's files.
EXTRA_EXPECTED: dict[str, Row] = {
    # FC joined a repeated parameter2 into one value; the client is masked in the doc.
    "extra/aliyun-fc3/doc-http-trigger-request.json": (
        "GET",
        "/example",
        "",
        [("parameter1", "value1"), ("parameter2", "value1,value2")],
        "Hello FC!",
        "11.11.11.**",
    ),
    "extra/aliyun-apigw/handmade-apigw-event.json": (
        "GET",
        "/api/items/42",
        "",
        [("a", "1")],
        "",
        None,
    ),
}
CASES = table_cases(EXPECTED, EXTRA_EXPECTED, *FOLDERS)


def test_every_sample_has_an_expectation() -> None:
    assert_tables_cover(EXPECTED, EXTRA_EXPECTED, *FOLDERS)


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    check_reply_shape(reply)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_fc3_headers_and_host() -> None:
    info = seen(wrap(flask_app)(load_event(FC3), None))
    headers = dict(map(tuple, info["headers"]))
    assert headers["content-type"] == "text/plain"
    assert headers["x-warehouse"] == "north,south"  # FC's comma-joined repeat, as it came
    # No Host header in the sample (nor in the doc's): the recorded domain name is used.
    asgi = seen(wrap(asgi_app)(load_event(FC3), None))
    assert asgi["url"] == (
        "https://inventory-api-qxkzvtrwpb.cn-shanghai.fcapp.run/inventory/items"
        "?sku=A-1007&zone=north,south"
    )


def test_apigw_url_comes_from_the_host_header() -> None:
    info = seen(wrap(flask_app)(load_event(APIGW), None))
    assert info["url"] == "https://books.example.net/v2/books/9780000000002?fields=title&lang=en"


@pytest.mark.parametrize("name", event_names(*FOLDERS))
def test_events_delivered_as_json_bytes(name: str) -> None:
    """Alibaba hands the function bytes of JSON, not a dict."""
    event = load_event(name)
    expected = seen(wrap(flask_app)(event, None))
    raw = json.dumps(event, ensure_ascii=False).encode("utf-8")
    assert seen(wrap(flask_app)(raw, None)) == expected


# -- replies ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [FC3, APIGW])
def test_reply_has_the_documented_fields(name: str) -> None:
    reply = wrap(flask_app)(load_event(name), None)
    check_reply_shape(reply)
    assert "isBase64" not in reply  # API Gateway's field is isBase64Encoded, as FC's
    headers = single_header_values(reply)
    assert headers["content-type"] == "application/json"
    assert headers["x-repeat"] == "one, two"
    # One string per header name: of the two cookies only the last survives.
    assert headers["set-cookie"].startswith("b=2;")
    assert reply["isBase64Encoded"] is False
    assert json.loads(reply["body"])["method"] == EXPECTED[name][0]


@pytest.mark.parametrize("name", [FC3, APIGW])
def test_lost_cookies_are_logged_once(name: str, caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(flask_app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        handler(load_event(name), None)
        handler(load_event(name), None)
    warnings = [r for r in caplog.records if "Set-Cookie" in r.getMessage()]
    assert len(warnings) == 1
    assert "Alibaba" in warnings[0].getMessage()


@pytest.mark.parametrize("name", [FC3, APIGW])
def test_binary_reply_is_base64(name: str) -> None:
    event = load_event(name)
    event["headers"]["x-reply-binary"] = "1"
    event["body"] = b64(BINARY)
    event["isBase64Encoded"] = True
    reply = wrap(asgi_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


# -- fidelity through build_event ---------------------------------------------------

BUILDERS = {"fc3": build_event, "apigw": build_apigw_event}


def _asgi_seen(kind: str, http_call: HttpCall) -> Any:
    return seen(wrap(asgi_app)(BUILDERS[kind](http_call), None))


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize(
    ("target", "raw_path", "path"),
    [
        ("/a%20b", "/a%20b", "/a b"),
        ("/a%2Fb", "/a%2Fb", "/a/b"),
        ("/caf%C3%A9", "/caf%C3%A9", "/caf\u00e9"),
    ],
)
def test_paths_keep_their_encoding(kind: str, target: str, raw_path: str, path: str) -> None:
    # FC documents rawPath as encoded. For API Gateway this is our reading of
    # an undocumented point: were `path` decoded, %2F would arrive as "/".
    info = _asgi_seen(kind, call("GET", target))
    assert (info["raw_path"], info["path"]) == (raw_path, path)


def test_fc3_repeated_query_keys_arrive_comma_joined() -> None:
    """Vendor limit: FC joins a repeated key's values, so the app sees one value."""
    info = _asgi_seen("fc3", call("GET", "/q?a=1&a=2&b=x%20y"))
    assert info["query_string"] == "a=1,2&b=x+y"
    flask = seen(wrap(flask_app)(build_event(call("GET", "/q?a=1&a=2&b=x%20y")), None))
    assert flask["args"] == [["a", "1,2"], ["b", "x y"]]


def test_apigw_repeated_query_keys_keep_the_first_value() -> None:
    """Vendor limit: API Gateway passes a non-array parameter's first value only."""
    info = _asgi_seen("apigw", call("GET", "/q?a=1&a=2&b=x%20y"))
    assert info["query_string"] == "a=1&b=x+y"


def test_apigw_array_parameters_are_kept() -> None:
    event = load_event(APIGW)
    event["queryParameters"] = {"a": ["1", "2"], "next": "/x y"}
    info = seen(wrap(asgi_app)(event, None))
    assert info["query_string"] == "a=1&a=2&next=/x+y"


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_repeated_headers_and_cookies(kind: str) -> None:
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("Cookie", "a=1; b=2")]
    info = seen(wrap(flask_app)(BUILDERS[kind](call("GET", "/", headers)), None))
    sent = dict(map(tuple, info["headers"]))
    assert sent["x-dup"] == "one,two"  # the vendor joins repeats into one header
    assert info["cookies"] == [["a", "1"], ["b", "2"]]


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_bytes_both_ways(kind: str) -> None:
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    event = BUILDERS[kind](call("POST", "/upload", headers, BINARY))
    assert event["isBase64Encoded"] is True
    reply = wrap(flask_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_head_and_204_send_no_body(kind: str) -> None:
    reply = wrap(flask_app)(BUILDERS[kind](call("HEAD", "/")), None)
    assert (reply["statusCode"], reply["body"]) == (200, "")
    assert int(single_header_values(reply)["content-length"]) > 0  # what a GET would send
    reply = wrap(flask_app)(BUILDERS[kind](call("GET", "/", [("X-Reply-Status", "204")])), None)
    assert (reply["statusCode"], reply["body"], reply["isBase64Encoded"]) == (204, "", False)


def test_built_events_have_the_samples_shape() -> None:
    built = build_event(call("POST", "/inventory/items?sku=A-1007", body=b"restock"))
    sample = load_event(FC3)
    assert set(built) == set(sample)
    assert set(built["requestContext"]) == set(sample["requestContext"])
    assert set(built["requestContext"]["http"]) == set(sample["requestContext"]["http"])
    assert isinstance(built["requestContext"]["timeEpoch"], str)  # a string, as documented
    apigw = build_apigw_event(call("GET", "/v2/books/9780000000002?lang=en"))
    assert set(apigw) == set(load_event(APIGW))


def test_fc3_built_event_paths() -> None:
    event = build_event(call("GET", "/caf%C3%A9?x=1"))
    assert event["rawPath"] == "/caf%C3%A9"
    assert event["requestContext"]["http"]["path"] == "/caf\u00e9"


def test_base_path_moves_into_the_root() -> None:
    event = build_event(call("GET", "/v1/users"))
    info = seen(wrap(asgi_app, base_path="/v1")(event, None))
    assert (info["root_path"], info["path"]) == ("/v1", "/v1/users")


# -- malformed events -------------------------------------------------------------


@pytest.mark.parametrize("name", [FC3, APIGW])
def test_broken_base64_is_a_400(name: str, caplog: pytest.LogCaptureFixture) -> None:
    event = load_event(name)
    event["body"] = "not*base64!"
    event["isBase64Encoded"] = True
    reply = wrap(flask_app)(event, SimpleNamespace(request_id="req-ali"))
    check_reply_shape(reply)
    assert (reply["statusCode"], reply["isBase64Encoded"]) == (400, False)
    assert reply_body(reply).startswith(b"Bad Request: body: flagged base64 but not valid")
    assert any("req-ali" in r.getMessage() for r in caplog.records)


def test_fc3_missing_method_is_a_400() -> None:
    event = load_event(FC3)
    del event["requestContext"]["http"]["method"]
    reply = wrap(flask_app)(event, None)
    assert reply["statusCode"] == 400
    assert reply_body(reply) == (
        b"Bad Request: requestContext.http.method: expected a non-empty string, got None"
    )


def test_apigw_wrong_types_are_a_400() -> None:
    event = load_event(APIGW)
    event["httpMethod"] = 7
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: httpMethod: expected a non-empty string, got 7"
    event = load_event(APIGW)
    event["queryParameters"] = ["a"]
    assert wrap(flask_app)(event, None)["statusCode"] == 400
    event = load_event(APIGW)
    event["isBase64Encoded"] = "maybe"
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: isBase64Encoded: expected true or false, got 'maybe'"


def test_flag_as_a_string_is_read_as_a_boolean() -> None:
    """The docs print the flag as "true|false"; a string "false" must not mean base64."""
    event = load_event(APIGW)
    event["body"] = "plain"
    event["isBase64Encoded"] = "false"
    assert seen(wrap(flask_app)(event, None))["body"] == b64("plain")


def test_fc3_headers_must_be_an_object() -> None:
    event = load_event(FC3)
    event["headers"] = ["x"]
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: headers: expected an object, got list"
