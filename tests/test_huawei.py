"""Huawei Cloud FunctionGraph behind APIG.

Expected values are read off the Open Telekom Cloud FunctionGraph samples by
hand: ``path`` is the complete path, the body is base64-encoded when
``isBase64Encoded`` says so (APIG's default), the client is the ``x-real-ip``
APIG sets. The ``response-*.json`` samples are replies a function returns; the
encoder's output is checked against them.
"""

from __future__ import annotations

import base64
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from echo_apps import asgi_app, flask_app
from events import load_event, reply_body
from faas_bridge import wrap
from faas_bridge.platforms.huawei import build_event
from vendor_checks import (
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
CLIENT = "103.218.216.98"

#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, tuple[str, str, str, list[tuple[str, str]], str, str | None]] = {
    HTML: ("GET", "/", "", [("responseType", "html")], '{"name": "T Cloud Public"}', CLIENT),
    BASE64: ("GET", "/", "", [("responseType", "html")], '{"name": "OpenTelekomCloud"}', CLIENT),
    POST: (
        "POST",
        "/index",
        "",
        [("responseType", "application/json")],
        '{"name": "Hello World"}',
        CLIENT,
    ),
}


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = EXPECTED[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_scheme_and_host_come_from_the_forwarded_headers() -> None:
    info = seen(wrap(flask_app)(load_event(POST), None))
    assert info["url"] == "https://host/index?responseType=application/json"
    assert info["content_length"] == len('{"name": "Hello World"}')


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


def test_text_reply_is_the_documented_sample() -> None:
    app = fixed_app([("Content-Type", "application/json")], b"Hello OpenTelekomCloud")
    assert wrap(app)(load_event(HTML), None) == load_event("huawei-fg-apig/response-text.json")


def test_base64_reply_has_the_samples_shape() -> None:
    sample = load_event("huawei-fg-apig/response-base64.json")
    app = fixed_app([("Content-Type", "application/octet-stream")], b"Hello OpenTelekomCloud")
    reply = wrap(app)(load_event(HTML), None)
    assert set(reply) == set(sample)
    assert {k: type(v) for k, v in reply.items()} == {k: type(v) for k, v in sample.items()}
    assert reply["isBase64Encoded"] is sample["isBase64Encoded"] is True
    assert reply_body(reply) == reply_body(sample) == b"Hello OpenTelekomCloud"


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
    built = build_event(call("GET", "/?responseType=html"))
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
    event["path"] = ["/index"]
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: path: expected a string, got list"
    event = load_event(POST)
    event["body"] = {"name": "Hello World"}
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: body: expected a string, got dict"
