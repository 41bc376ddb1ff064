"""Reply encoding per AWS format: bodies, headers, cookies, mount points."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from faas_bridge import wrap
from support.events import load_event, reply_body

V1 = "aws-apigw-v1/rest-post-base64-body.json"
V1_OLD = "aws-apigw-v1/rest-get-without-multi-value-keys.json"
V2 = "aws-apigw-v2/get-with-query-and-cookies.json"
URL = "aws-function-url/get-with-headers.json"
ALB_SINGLE = "aws-alb/single-value.json"
ALB_MULTI = "aws-alb/multi-value.json"
ALL = [V1, V1_OLD, V2, URL, ALB_SINGLE, ALB_MULTI]


def fixed_app(status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(f"{status} Whatever", headers)
        return [body]

    return app


def all_headers(reply: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, values in (reply.get("multiValueHeaders") or {}).items():
        found.setdefault(name.lower(), []).extend(values)
    for name, value in (reply.get("headers") or {}).items():
        found.setdefault(name.lower(), []).append(value)
    if reply.get("cookies"):
        found.setdefault("set-cookie", []).extend(reply["cookies"])
    return found


BINARY = bytes(range(256))


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("content_type", "encoding", "body", "as_text"),
    [
        ("application/json", None, b'{"a": "\xc3\xa9"}', True),
        ("text/html; charset=utf-8", None, "<p>caf\u00e9</p>".encode(), True),
        ("image/svg+xml", None, b"<svg/>", True),
        ("application/vnd.api+json", None, b"{}", True),
        ("image/png", None, BINARY, False),
        ("application/octet-stream", None, b"plain ascii but binary type", False),
        ("text/plain", "gzip", b"\x1f\x8b compressed", False),
        ("text/plain; charset=latin-1", None, "caf\u00e9".encode("latin-1"), False),
        (None, None, b"no content type", False),
    ],
)
def test_bodies_are_byte_exact_and_text_only_when_safe(
    name: str, content_type: str | None, encoding: str | None, body: bytes, as_text: bool
) -> None:
    headers = [("Content-Type", content_type)] if content_type else []
    if encoding:
        headers.append(("Content-Encoding", encoding))
    reply = wrap(fixed_app(200, headers, body))(load_event(name), None)
    assert reply["isBase64Encoded"] is (not as_text)
    if as_text:
        assert reply["body"] == body.decode("utf-8")
    else:
        assert base64.b64decode(reply["body"]) == body
    assert reply_body(reply) == body


@pytest.mark.parametrize("name", ALL)
def test_no_content_type_is_invented(name: str) -> None:
    reply = wrap(fixed_app(200, [], b""))(load_event(name), None)
    assert "content-type" not in all_headers(reply)
    assert reply["body"] == "" and reply["isBase64Encoded"] is False


@pytest.mark.parametrize("name", ALL)
def test_status_code_is_always_explicit(name: str) -> None:
    reply = wrap(fixed_app(200, [], b"x"))(load_event(name), None)
    assert reply["statusCode"] == 200


def test_extra_text_types() -> None:
    app = fixed_app(200, [("Content-Type", "application/x-custom")], b"hello")
    assert wrap(app)(load_event(V2), None)["isBase64Encoded"] is True
    reply = wrap(app, text_types=["application/x-custom"])(load_event(V2), None)
    assert (reply["isBase64Encoded"], reply["body"]) == (False, "hello")


def test_rest_without_multi_value_fields_still_keeps_every_cookie() -> None:
    app = fixed_app(
        200,
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-A", "1"), ("X-A", "2")],
        b"",
    )
    reply = wrap(app)(load_event(V1_OLD), None)
    assert reply["headers"] == {"X-A": "1, 2"}
    assert reply["multiValueHeaders"] == {"Set-Cookie": ["a=1", "b=2"]}


def test_rest_with_multi_value_fields_answers_in_multi_value() -> None:
    app = fixed_app(200, [("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("X-A", "1")], b"")
    reply = wrap(app)(load_event(V1), None)
    assert "headers" not in reply
    assert reply["multiValueHeaders"] == {"Set-Cookie": ["a=1", "b=2"], "X-A": ["1"]}


def test_v2_cookies_field_and_comma_joined_headers() -> None:
    app = fixed_app(
        200,
        [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2"), ("Vary", "A"), ("vary", "B")],
        b"",
    )
    reply = wrap(app)(load_event(V2), None)
    assert reply["cookies"] == ["a=1; Path=/", "b=2"]
    assert reply["headers"] == {"Vary": "A, B"}
    assert "multiValueHeaders" not in reply


def test_alb_status_description_and_modes() -> None:
    app = fixed_app(404, [("X-A", "1"), ("X-A", "2")], b"")
    single = wrap(app)(load_event(ALB_SINGLE), None)
    multi = wrap(app)(load_event(ALB_MULTI), None)
    assert single["statusDescription"] == multi["statusDescription"] == "404 Not Found"
    assert single["headers"] == {"X-A": "1, 2"} and "multiValueHeaders" not in single
    assert multi["multiValueHeaders"] == {"X-A": ["1", "2"]} and "headers" not in multi


def test_alb_single_value_warns_once_about_lost_cookies(caplog: pytest.LogCaptureFixture) -> None:
    app = fixed_app(200, [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], b"")
    handler = wrap(app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        first = handler(load_event(ALB_SINGLE), None)
        handler(load_event(ALB_SINGLE), None)
    assert first["headers"] == {"Set-Cookie": "b=2"}
    warnings = [r for r in caplog.records if "Set-Cookie" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.parametrize("name", ALL)
def test_head_and_no_body_statuses_send_no_body(name: str) -> None:
    app = fixed_app(200, [("Content-Type", "text/plain"), ("Content-Length", "5")], b"hello")
    event = load_event(name)
    if "httpMethod" in event:
        event["httpMethod"] = "HEAD"
    else:
        event["requestContext"]["http"]["method"] = "HEAD"
    reply = wrap(app)(event, None)
    assert reply["body"] == ""
    assert all_headers(reply)["content-length"] == ["5"]  # what a GET would send
    for status in (204, 304):
        reply = wrap(fixed_app(status, [], b"stray"))(load_event(name), None)
        assert (reply["statusCode"], reply["body"]) == (status, "")


def path_seen(handler: Any, event: dict[str, Any]) -> tuple[str, str]:
    import json

    seen = json.loads(reply_body(handler(event, None)))
    return seen["script_name"], seen["path_info"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/users", ("/v1", "/users")),
        ("/v1", ("/v1", "/")),
        ("/v10/users", ("/v1", "/v10/users")),  # not a segment boundary: nothing stripped
        ("/other", ("/v1", "/other")),
    ],
)
def test_base_path_strips_only_on_a_segment_boundary(path: str, expected: tuple[str, str]) -> None:
    from support.echo_apps import wsgi_app

    event = load_event(V1)
    event["path"] = path
    event["headers"]["Host"] = "api.example.com"
    event["multiValueHeaders"]["Host"] = ["api.example.com"]
    assert path_seen(wrap(wsgi_app, base_path="v1/"), event) == expected


def test_default_stage_never_appears() -> None:
    from support.echo_apps import wsgi_app

    for name in (V2, "aws-apigw-v1/http-api-payload-1.0-get.json", URL):
        script, _ = path_seen(wrap(wsgi_app), load_event(name))
        assert script == ""


def test_header_values_are_trimmed_as_a_server_would() -> None:
    app = fixed_app(200, [("Set-Cookie", " a=1; Path=/"), ("X-A", " padded \t")], b"")
    reply = wrap(app)(load_event(V2), None)
    assert reply["cookies"] == ["a=1; Path=/"]
    assert reply["headers"] == {"X-A": "padded"}


def test_rest_query_is_rebuilt_with_minimal_escaping() -> None:
    import json

    from support.echo_apps import wsgi_app

    event = load_event(V1)
    event["multiValueQueryStringParameters"] = {"next": ["/prod/admin/"], "q": ["a b&c=d+e"]}
    seen = json.loads(reply_body(wrap(wsgi_app)(event, None)))
    assert seen["query_string"] == "next=/prod/admin/&q=a+b%26c%3Dd%2Be"
