"""Huawei Cloud FunctionGraph behind APIG.

Expected values are read off the samples (``tests/samples``, and the extra
corpus when ``FAAS_BRIDGE_EVENTS`` names one) by hand, following the
FunctionGraph documentation: ``path`` is the complete path, the body is
base64-encoded when ``isBase64Encoded`` says so (APIG's default), the client is
the ``x-real-ip`` APIG sets. The ``response-*.json`` samples are replies a
function returns; the encoder's output is checked against them.
"""

from __future__ import annotations

import base64
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.huawei import build_event
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

HTML = "huawei-fg-apig/get-text-body.json"
BASE64 = "huawei-fg-apig/get-base64-body.json"
POST = "huawei-fg-apig/post-json.json"
REPLY_TEXT = "huawei-fg-apig/response-text.json"
REPLY_BASE64 = "huawei-fg-apig/response-base64.json"
HOST = "7d3e1f0a9b2c4d5e8f6a1b2c3d4e5f60.apig.ap-southeast-3.huaweicloudapis.com"
CLIENT = "198.51.100.61"
#: The bytes REPLY_BASE64 holds: a 1x1 GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)

Row = tuple[str, str, str, list[tuple[str, str]], str, str | None]
#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, Row] = {
    # isBase64Encoded false: the body is the text itself.
    HTML: (
        "GET",
        "/forecast",
        "",
        [("city", "Shenzhen"), ("units", "metric")],
        "hello FunctionGraph",
        CLIENT,
    ),
    # isBase64Encoded true (APIG's default): UTF-8 text, base64-encoded.
    BASE64: ("GET", "/greeting", "", [("lang", "de")], "Gr\u00fc\u00dfe aus Shenzhen", CLIENT),
    POST: (
        "POST",
        "/orders",
        "",
        [("dryRun", "false")],
        '{"item": "oolong tea", "qty": 2}',
        CLIENT,
    ),
}
#: The same for the extra corpus's request files.
OTC_CLIENT = "103.218.216.98"
EXTRA_EXPECTED: dict[str, Row] = {
    "extra/huawei-fg-apig/otc-get-html.json": (
        "GET",
        "/",
        "",
        [("responseType", "html")],
        '{"name": "T Cloud Public"}',
        OTC_CLIENT,
    ),
    "extra/huawei-fg-apig/otc-get-base64-body.json": (
        "GET",
        "/",
        "",
        [("responseType", "html")],
        '{"name": "OpenTelekomCloud"}',
        OTC_CLIENT,
    ),
    "extra/huawei-fg-apig/otc-post-json.json": (
        "POST",
        "/index",
        "",
        [("responseType", "application/json")],
        '{"name": "Hello World"}',
        OTC_CLIENT,
    ),
}
#: The reply samples, own and extra: not requests.
REPLIES = {REPLY_TEXT, REPLY_BASE64}
EXTRA_REPLIES = {
    "extra/huawei-fg-apig/response-text.json",
    "extra/huawei-fg-apig/response-base64.json",
}
CASES = table_cases(EXPECTED, EXTRA_EXPECTED, "huawei-fg-apig")


def test_every_sample_has_an_expectation() -> None:
    assert_tables_cover(
        {**dict.fromkeys(EXPECTED), **dict.fromkeys(REPLIES)},
        {**dict.fromkeys(EXTRA_EXPECTED), **dict.fromkeys(EXTRA_REPLIES)},
        "huawei-fg-apig",
    )


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_scheme_and_host_come_from_the_forwarded_headers() -> None:
    info = seen(wrap(flask_app)(load_event(POST), None))
    assert info["url"] == f"https://{HOST}/orders?dryRun=false"
    assert info["content_length"] == len('{"item": "oolong tea", "qty": 2}')
    assert dict(map(tuple, info["headers"]))["content-type"] == "application/json"


def test_source_ip_field_wins_over_the_header() -> None:
    event = load_event(HTML)
    event["requestContext"]["sourceIp"] = "198.51.100.9"
    assert seen(wrap(flask_app)(event, None))["remote_addr"] == "198.51.100.9"


# -- replies ---------------------------------------------------------------------


def fixed_app(headers: list[tuple[str, str]], body: bytes, status: int = 200) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(f"{status} Whatever", headers)
        return [body]

    return app


#: reply sample -> (Content-Type, body) of the app whose reply it is.
REPLY_APPS: dict[str, tuple[str, bytes]] = {
    REPLY_TEXT: ("text/plain; charset=utf-8", b"Order 1042 received"),
    REPLY_BASE64: ("image/gif", GIF),
}
EXTRA_REPLY_APPS: dict[str, tuple[str, bytes]] = {
    "extra/huawei-fg-apig/response-text.json": ("application/json", b"Hello OpenTelekomCloud"),
}


@pytest.mark.parametrize(
    "name", sorted(table_cases(REPLY_APPS, EXTRA_REPLY_APPS, "huawei-fg-apig"))
)
def test_reply_is_the_sample(name: str) -> None:
    content_type, body = {**REPLY_APPS, **EXTRA_REPLY_APPS}[name]
    reply = wrap(fixed_app([("Content-Type", content_type)], body))(load_event(POST), None)
    assert reply == load_event(name)
    assert reply_body(reply) == body


@pytest.mark.parametrize("name", [n for n in event_names("huawei-fg-apig") if "/response-" in n])
def test_reply_samples_have_the_encoders_shape(name: str) -> None:
    """Every reply sample has the encoder's fields, each of the same type."""
    app = fixed_app([("Content-Type", "application/octet-stream")], b"\x00\x01")
    reply = wrap(app)(load_event(HTML), None)
    sample = load_event(name)
    assert {k: type(v) for k, v in reply.items()} == {k: type(v) for k, v in sample.items()}
    assert reply["isBase64Encoded"] is True


def test_one_value_per_header_and_one_cookie(caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(flask_app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        reply = handler(load_event(HTML), None)
        handler(load_event(POST), None)
    check_reply_shape(reply)
    headers = single_header_values(reply)
    assert headers["x-repeat"] == "one, two"
    assert headers["set-cookie"].startswith("b=2;")  # the format carries one; the last is kept
    warnings = [r for r in caplog.records if "Set-Cookie" in r.getMessage()]
    assert len(warnings) == 1 and "Huawei" in warnings[0].getMessage()


# -- fidelity through build_event ---------------------------------------------------


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
def test_paths_keep_their_encoding(target: str, raw_path: str, path: str) -> None:
    # Our reading of an undocumented point: were `path` decoded, %2F would arrive as "/".
    info = _asgi(build_event(call("GET", target)))
    assert (info["root_path"], info["raw_path"], info["path"]) == ("", raw_path, path)


def test_repeated_query_keys_keep_one_value() -> None:
    """Vendor limit: queryStringParameters holds one value per key."""
    event = build_event(call("GET", "/q?a=1&a=2&b=x%20y"))
    assert event["queryStringParameters"] == {"a": "2", "b": "x y"}
    assert _asgi(event)["query_string"] == "a=2&b=x+y"


def test_list_query_values_are_accepted() -> None:
    event = load_event(HTML)
    event["queryStringParameters"] = {"a": ["1", "2"]}
    assert _asgi(event)["query_string"] == "a=1&a=2"


def test_repeated_headers_cookies_and_client() -> None:
    headers = [
        ("X-Dup", "one"),
        ("X-Dup", "two"),
        ("Cookie", "a=1; b=2"),
        ("X-Real-IP", "6.6.6.6"),  # the client's own value is replaced by APIG's
    ]
    info = seen(wrap(flask_app)(build_event(call("GET", "/", headers)), None))
    assert dict(map(tuple, info["headers"]))["x-dup"] == "one,two"
    assert info["cookies"] == [["a", "1"], ["b", "2"]]
    assert info["remote_addr"] == "198.51.100.7"


def test_bytes_both_ways() -> None:
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    event = build_event(call("POST", "/upload", headers, BINARY))
    assert event["isBase64Encoded"] is True
    reply = wrap(flask_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


def test_head_and_204_send_no_body() -> None:
    reply = wrap(flask_app)(build_event(call("HEAD", "/")), None)
    assert (reply["statusCode"], reply["body"]) == (200, "")
    assert int(single_header_values(reply)["content-length"]) > 0
    reply = wrap(flask_app)(build_event(call("GET", "/", [("X-Reply-Status", "204")])), None)
    assert (reply["statusCode"], reply["body"], reply["isBase64Encoded"]) == (204, "", False)


def test_built_event_has_the_samples_shape() -> None:
    built = build_event(call("GET", "/forecast?city=Shenzhen"))
    sample = load_event(HTML)
    assert set(built) == set(sample)
    assert set(built["requestContext"]) == set(sample["requestContext"])
    apig_set = {"host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-real-ip"}
    assert apig_set <= set(sample["headers"])
    assert set(built["headers"]) == apig_set
    assert built["body"] == "" and built["isBase64Encoded"] is True


def test_base_path_moves_into_the_root() -> None:
    info = _asgi(build_event(call("GET", "/v1/x")))
    assert info["root_path"] == ""
    info = seen(wrap(asgi_app, base_path="/v1")(build_event(call("GET", "/v1/x")), None))
    assert (info["root_path"], info["raw_path"]) == ("/v1", "/v1/x")


# -- malformed events -------------------------------------------------------------


def test_broken_base64_is_a_400(caplog: pytest.LogCaptureFixture) -> None:
    event = load_event(BASE64)
    event["body"] = "not*base64!"
    context = SimpleNamespace(getRequestID=lambda: "req-hw")
    reply = wrap(flask_app)(event, context)
    check_reply_shape(reply)
    assert (reply["statusCode"], reply["isBase64Encoded"]) == (400, False)
    assert reply_body(reply).startswith(b"Bad Request: body: flagged base64 but not valid")
    assert any("req-hw" in r.getMessage() for r in caplog.records)


def test_wrong_types_are_a_400() -> None:
    event = load_event(POST)
    event["httpMethod"] = None
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: httpMethod: expected a non-empty string, got None"
    event = load_event(POST)
    event["path"] = ["/orders"]
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: path: expected a string, got list"
    event = load_event(POST)
    event["body"] = {"item": "oolong tea"}
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: body: expected a string, got dict"
