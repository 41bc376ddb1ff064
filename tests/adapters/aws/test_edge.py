"""AWS Lambda@Edge (CloudFront request triggers): samples, fidelity, replies, limits.

The samples are ``tests/samples/aws-edge/`` (and, when ``FAAS_BRIDGE_EVENTS``
names an extra corpus, its ``aws-edge/`` files too, with a table of their own).
Expected values are read off each event by hand, following CloudFront's rules
(CloudFront Developer Guide: Lambda@Edge event structure, generated responses,
restrictions on edge functions): ``uri`` is the path, ``querystring`` the raw
query, ``clientIp`` the client, and on origin-request a Host that CloudFront set
to the origin's domain is the distribution's domain name to the app.
"""

from __future__ import annotations

import base64
import json
import logging
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

import pytest

from faas_bridge import FaasBridgeError, MalformedEvent, wrap
from faas_bridge.devtools.emulators.aws_edge import build_event
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.platforms import aws_edge
from faas_bridge.platforms.aws_edge import ResponseTriggerEvent
from support.echo_apps import asgi_app, flask_app, wsgi_app
from support.events import extra_dir, extra_event_names, load_event, own_event_names

BINARY = bytes(range(256))
TRIGGERS = ("viewer-request", "origin-request")
#: The distribution's domain name (config.distributionDomainName) of the own samples.
DIST = "d2ht5ygm0qd7b1.cloudfront.net"
#: The custom domain (CNAME) a viewer used, in the Host of the viewer-request samples.
CNAME = "shop.example.com"
ORDER = '{"sku":"UMB-42","qty":2}'  # base64 "eyJza3UiOiJVTUItNDIiLCJxdHkiOjJ9" in the sample

Expected = tuple[str, str, str, list[tuple[str, str]], str, str, str]
#: file -> (method, path, root, sorted query args, body, client, host the app sees)
# fmt: off
OWN_EXPECTED: dict[str, Expected] = {
    # Host shop-origin.example.net is the origin's domain (origin.custom.domainName):
    # CloudFront set it, so the app sees the distribution's domain name instead.
    "aws-edge/origin-request.json": ("GET", "/index.html", "", [], "", "203.0.113.45", DIST),
    "aws-edge/viewer-request.json": ("GET", "/", "", [], "", "198.51.100.23", DIST),
    # On viewer-request the Host is the viewer's own: the custom domain.
    "aws-edge/request-with-querystring.json": (
        "GET", "/catalog/umbrellas", "", [("lang", "de"), ("page", "3")], "",
        "2001:db8:85a3::8a2e:370:7334", CNAME,
    ),
    # Include Body: the body arrives base64-encoded; the client is clientIp, not the
    # first X-Forwarded-For entry; uri is the path, origin.custom.path (/v2) only
    # where CloudFront forwards it to at the origin.
    "aws-edge/origin-request-custom-origin.json": (
        "POST", "/api/orders", "", [("coupon", "SPRING"), ("currency", "EUR")], ORDER,
        "198.51.100.77", DIST,
    ),
    # No eventType, no querystring key at all (as SAM's templates): no query.
    "aws-edge/request-without-querystring.json": (
        "GET", "/status", "", [], "", "2001:db8:4f1c::7a", CNAME,
    ),
}
#: The same for the extra corpus's files (the CloudFront guide's examples and SAM's).
DOC_DIST = "d111111abcdef8.cloudfront.net"
DOC_VIEWER = "203.0.113.178"
SAM_IPV6 = "2001:cdba::3257:9652"
SAM_HOST = "d123.cf.net"
SAM_QUERY = [("auth", "test"), ("foo", "bar")]
EXTRA_EXPECTED: dict[str, Expected] = {
    # Host example.org is the origin's domain: the app sees the distribution's instead.
    "extra/aws-edge/doc-origin-request.json": ("GET", "/", "", [], "", DOC_VIEWER, DOC_DIST),
    "extra/aws-edge/doc-viewer-request.json": ("GET", "/", "", [], "", DOC_VIEWER, DOC_DIST),
    "extra/aws-edge/sam-modify-querystring.json":
        ("GET", "/test", "", SAM_QUERY, "", SAM_IPV6, SAM_HOST),
    # No querystring key at all: no query.
    "extra/aws-edge/sam-response-generation.json": ("GET", "/test", "", [], "", SAM_IPV6, SAM_HOST),
    "extra/aws-edge/sam-simple-remote-call.json": ("GET", "/test", "", [], "", SAM_IPV6, SAM_HOST),
}
# fmt: on
OWN_RESPONSE_TRIGGERS = {
    "aws-edge/origin-response.json": "origin-response",
    "aws-edge/viewer-response.json": "viewer-response",
}
EXTRA_RESPONSE_TRIGGERS = {
    "extra/aws-edge/doc-origin-response.json": "origin-response",
    "extra/aws-edge/doc-viewer-response.json": "viewer-response",
}
_EXTRA_NAMES = extra_event_names("aws-edge")
#: Every request sample present: our own, and the extra corpus's when it is set.
EXPECTED = {
    **OWN_EXPECTED,
    **{name: value for name, value in EXTRA_EXPECTED.items() if name in _EXTRA_NAMES},
}
RESPONSE_TRIGGERS = {
    **OWN_RESPONSE_TRIGGERS,
    **{name: value for name, value in EXTRA_RESPONSE_TRIGGERS.items() if name in _EXTRA_NAMES},
}


def reply_bytes(reply: dict[str, Any]) -> bytes:
    """The body of an Edge reply, as CloudFront would send it."""
    body = reply.get("body", "")
    if reply.get("bodyEncoding") == "base64":
        return base64.b64decode(body)
    return str(body).encode("utf-8")


def reply_json(reply: dict[str, Any]) -> Any:
    return json.loads(reply_bytes(reply))


def values(reply: dict[str, Any], name: str) -> list[str]:
    return [entry["value"] for entry in reply["headers"].get(name, [])]


def check_shape(reply: dict[str, Any]) -> None:
    """The generated-response object CloudFront documents, nothing else."""
    assert set(reply) <= {"status", "statusDescription", "headers", "body", "bodyEncoding"}
    assert isinstance(reply["status"], str) and reply["status"].isdigit()
    assert 200 <= int(reply["status"]) <= 599
    for name, entries in reply["headers"].items():
        assert name == name.lower()
        assert isinstance(entries, list) and entries
        for entry in entries:
            assert set(entry) == {"key", "value"}
            assert entry["key"].lower() == name and isinstance(entry["value"], str)
    assert ("body" in reply) == ("bodyEncoding" in reply)
    if "body" in reply:
        assert reply["bodyEncoding"] in ("text", "base64") and isinstance(reply["body"], str)


def test_every_sample_is_covered() -> None:
    assert set(own_event_names("aws-edge")) == set(OWN_EXPECTED) | set(OWN_RESPONSE_TRIGGERS)
    if extra_dir() is not None:
        assert set(_EXTRA_NAMES) == set(EXTRA_EXPECTED) | set(EXTRA_RESPONSE_TRIGGERS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_flask_sees_the_request(name: str) -> None:
    method, path, root, args, body, client, host = EXPECTED[name]
    reply = wrap(flask_app)(load_event(name), None)
    check_shape(reply)
    assert (reply["status"], reply["statusDescription"]) == ("200", "OK")
    seen = reply_json(reply)
    assert (seen["method"], seen["path"], seen["script_root"]) == (method, path, root)
    assert sorted(map(tuple, seen["args"])) == args
    assert seen["body"] == base64.b64encode(body.encode()).decode()
    assert seen["remote_addr"] == client
    assert seen["host"] == host
    assert seen["scheme"] == "https"
    query = "&".join(f"{k}={v}" for k, v in args)
    assert seen["url"] == f"https://{host}{path}" + (f"?{query}" if query else "")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_asgi_sees_the_request(name: str) -> None:
    method, path, root, args, body, client, host = EXPECTED[name]
    reply = wrap(asgi_app)(load_event(name), None)
    check_shape(reply)
    seen = reply_json(reply)
    assert (seen["method"], seen["path"], seen["root_path"]) == (method, path, root)
    assert sorted(parse_qsl(seen["query_string"], keep_blank_values=True)) == args
    assert seen["body"] == base64.b64encode(body.encode()).decode()
    assert seen["client_host"] == client
    assert ["host", host] in seen["headers"]
    assert seen["url"].startswith(f"https://{host}{path}")


@pytest.mark.parametrize("app", [flask_app, asgi_app], ids=["flask", "asgi"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_reply_header_value_is_kept(name: str, app: Any) -> None:
    reply = wrap(app)(load_event(name), None)
    assert [c.split(";")[0] for c in values(reply, "set-cookie")] == ["a=1", "b=2"]
    assert values(reply, "x-repeat") == ["one", "two"]
    assert reply["headers"]["set-cookie"][0]["key"].lower() == "set-cookie"
    assert reply["headers"]["content-type"] == [
        {"key": reply["headers"]["content-type"][0]["key"], "value": "application/json"}
    ]
    assert reply["bodyEncoding"] == "text"
    assert "content-length" not in reply["headers"]  # read-only: CloudFront sets it


def test_every_request_header_value_is_kept() -> None:
    event = load_event("aws-edge/viewer-request.json")
    headers = event["Records"][0]["cf"]["request"]["headers"]
    headers["x-multi"] = [{"key": "X-Multi", "value": "1"}, {"key": "x-multi", "value": "2"}]
    headers["cookie"] = [{"key": "Cookie", "value": "a=1; b=2"}]
    headers["x-no-key"] = [{"value": "keyless"}]  # "key" is optional
    seen = reply_json(wrap(asgi_app)(event, None))
    assert [v for k, v in seen["headers"] if k == "x-multi"] == ["1", "2"]
    assert ["x-no-key", "keyless"] in seen["headers"]
    assert seen["cookies"] == [["a", "1"], ["b", "2"]]
    seen = reply_json(wrap(wsgi_app)(event, None))
    assert ["HTTP_X_MULTI", "1,2"] in seen["headers"]


def test_forwarded_viewer_host_is_kept_on_origin_request() -> None:
    event = load_event("aws-edge/origin-request.json")
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["host"] = [{"key": "Host", "value": "www.example.com"}]
    seen = reply_json(wrap(flask_app)(event, None))
    assert seen["host"] == "www.example.com"  # not the origin's: the viewer's own


def test_origin_host_on_origin_request_becomes_the_public_one() -> None:
    seen = reply_json(wrap(asgi_app)(load_event("aws-edge/origin-request.json"), None))
    hosts = [v for k, v in seen["headers"] if k == "host"]
    assert hosts == [DIST]  # not shop-origin.example.net
    assert seen["url"] == f"https://{DIST}/index.html"


@pytest.mark.parametrize(
    ("name", "path"), [("viewer-request.json", "/"), ("origin-request.json", "/index.html")]
)
def test_without_host_the_app_sees_the_distribution(name: str, path: str) -> None:
    event = load_event(f"aws-edge/{name}")
    del event["Records"][0]["cf"]["request"]["headers"]["host"]
    seen = reply_json(wrap(flask_app)(event, None))
    assert seen["url"] == f"https://{DIST}{path}"


@pytest.mark.parametrize(
    ("trigger", "scheme"), [("origin-request", "http"), ("viewer-request", "https")]
)
def test_cloudfront_forwarded_proto_counts_only_after_viewer_request(
    trigger: str, scheme: str
) -> None:
    call = HttpCall(target="/", headers=[("CloudFront-Forwarded-Proto", "http")])
    seen = reply_json(wrap(flask_app)(build_event(call, trigger=trigger), None))
    # On viewer-request only the viewer can have sent it: CloudFront adds it later.
    assert seen["scheme"] == scheme


@pytest.mark.parametrize("name", sorted(RESPONSE_TRIGGERS))
def test_response_triggers_fail_the_invocation_clearly(name: str) -> None:
    handler = wrap(flask_app)
    assert handler.detect(load_event(name)).name == "aws-edge"
    with pytest.raises(ResponseTriggerEvent) as info:
        handler(load_event(name), None)
    assert isinstance(info.value, FaasBridgeError)
    assert not isinstance(info.value, MalformedEvent)  # no 400 reply: an invocation error
    assert info.value.trigger == RESPONSE_TRIGGERS[name]
    assert RESPONSE_TRIGGERS[name] in str(info.value)
    assert "viewer-request or origin-request" in str(info.value)


def test_a_response_object_alone_marks_a_response_trigger() -> None:
    event = load_event("aws-edge/viewer-response.json")
    del event["Records"][0]["cf"]["config"]["eventType"]  # as SAM templates leave it out
    with pytest.raises(ResponseTriggerEvent):
        wrap(flask_app)(event, None)


# -- Fidelity: client requests through build_event ----------------------------------


def run(app: Any, call: HttpCall, trigger: str, **kwargs: Any) -> dict[str, Any]:
    reply = wrap(app)(build_event(call, trigger=trigger, **kwargs), None)
    check_shape(reply)
    return reply


@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize(
    ("target", "path", "raw"),
    [
        ("/a%20b/c", "/a b/c", "/a%20b/c"),
        ("/a%2Fb/c", "/a/b/c", "/a%2Fb/c"),  # %2F stays distinguishable in the raw path
        ("/caf%C3%A9", "/caf\u00e9", "/caf%C3%A9"),
        ("/dir/", "/dir/", "/dir/"),
    ],
)
def test_paths_stay_percent_encoded(trigger: str, target: str, path: str, raw: str) -> None:
    seen = reply_json(run(asgi_app, HttpCall(target=target), trigger))
    assert (seen["path"], seen["raw_path"]) == (path, raw)
    seen = reply_json(run(wsgi_app, HttpCall(target=target), trigger))
    assert seen["raw_uri"] == raw
    assert seen["path_info"] == path.encode("utf-8").decode("latin-1")  # PEP 3333 native string
    seen = reply_json(run(flask_app, HttpCall(target=target), trigger))
    assert seen["path"] == path


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_query_string_is_passed_verbatim(trigger: str) -> None:
    call = HttpCall(target="/q?x=a+b&y=c%20d&a=1&a=2&b=")
    seen = reply_json(run(flask_app, call, trigger))
    assert seen["query_string"] == "x=a+b&y=c%20d&a=1&a=2&b="
    assert sorted(map(tuple, seen["args"])) == [
        ("a", "1"), ("a", "2"), ("b", ""), ("x", "a b"), ("y", "c d")
    ]  # fmt: skip


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_repeated_headers_and_cookies_reach_the_app(trigger: str) -> None:
    call = HttpCall(
        target="/h", headers=[("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "a=1; b=2")]
    )
    seen = reply_json(run(asgi_app, call, trigger))
    assert [v for k, v in seen["headers"] if k == "x-multi"] == ["1", "2"]
    assert seen["cookies"] == [["a", "1"], ["b", "2"]]
    reply = run(flask_app, call, trigger)
    assert reply_json(reply)["cookies"] == [["a", "1"], ["b", "2"]]
    assert [c.split(";")[0] for c in values(reply, "set-cookie")] == ["a=1", "b=2"]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_binary_bodies_both_ways(trigger: str) -> None:
    octet = [("Content-Type", "application/octet-stream")]
    seen = reply_json(run(flask_app, HttpCall("POST", "/up", octet, BINARY), trigger))
    assert base64.b64decode(seen["body"]) == BINARY
    reply = run(
        asgi_app, HttpCall("POST", "/down", [*octet, ("X-Reply-Binary", "1")], BINARY), trigger
    )
    assert reply["bodyEncoding"] == "base64"
    assert base64.b64decode(reply["body"]) == BINARY


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_text_body_reaches_the_app(trigger: str) -> None:
    body = "caf\u00e9 \u2603".encode()
    call = HttpCall("POST", "/t", [("Content-Type", "text/plain; charset=utf-8")], body)
    event = build_event(call, trigger=trigger)
    event["Records"][0]["cf"]["request"]["body"].update(encoding="text", data=body.decode())
    seen = reply_json(wrap(flask_app)(event, None))
    assert base64.b64decode(seen["body"]) == body


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_head_and_204_have_no_body(trigger: str) -> None:
    reply = run(flask_app, HttpCall("HEAD", "/h"), trigger)
    assert reply["status"] == "200"
    assert "body" not in reply and "bodyEncoding" not in reply
    assert values(reply, "content-type") == ["application/json"]
    reply = run(asgi_app, HttpCall(target="/s", headers=[("X-Reply-Status", "204")]), trigger)
    assert (reply["status"], reply["statusDescription"]) == ("204", "No Content")
    assert "body" not in reply  # CloudFront answers 502 to a viewer-request 204 with a body


def fixed_app(status: int, headers: list[tuple[str, str]], body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(f"{status} Whatever", headers)
        return [body]

    return app


def test_204_with_a_body_from_the_app_still_has_none() -> None:
    reply = wrap(fixed_app(204, [], b"stray"))(build_event(HttpCall()), None)
    assert reply["status"] == "204" and "body" not in reply


@pytest.mark.parametrize(
    ("content_type", "encoding", "body", "as_text"),
    [
        ("text/html; charset=utf-8", None, "<p>caf\u00e9</p>".encode(), True),
        ("application/json", None, b"{}", True),
        ("image/png", None, BINARY, False),
        ("text/plain", "gzip", b"\x1f\x8b compressed", False),
        ("text/plain; charset=latin-1", None, "caf\u00e9".encode("latin-1"), False),
    ],
)
def test_reply_bodies_are_byte_exact(
    content_type: str, encoding: str | None, body: bytes, as_text: bool
) -> None:
    headers = [("Content-Type", content_type)] + (
        [("Content-Encoding", encoding)] if encoding else []
    )
    reply = wrap(fixed_app(200, headers, body))(build_event(HttpCall()), None)
    assert reply["bodyEncoding"] == ("text" if as_text else "base64")
    assert reply_bytes(reply) == body


def test_status_description_and_header_key_spelling() -> None:
    app = fixed_app(404, [("X-Custom-Thing", "1"), ("x-custom-thing", "2")], b"")
    reply = wrap(app)(build_event(HttpCall()), None)
    assert (reply["status"], reply["statusDescription"]) == ("404", "Not Found")
    assert reply["headers"] == {
        "x-custom-thing": [
            {"key": "X-Custom-Thing", "value": "1"},
            {"key": "x-custom-thing", "value": "2"},
        ]
    }


# -- Request body limits -----------------------------------------------------------


def body_length_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = len(environ["wsgi.input"].read())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(length).encode()]


@pytest.mark.parametrize(
    ("trigger", "limit"), [("viewer-request", 40 * 1024), ("origin-request", 1024 * 1024)]
)
def test_truncated_body_is_answered_413(trigger: str, limit: int) -> None:
    octet = [("Content-Type", "application/octet-stream")]
    whole = build_event(HttpCall("POST", "/up", octet, b"x" * limit), trigger=trigger)
    assert whole["Records"][0]["cf"]["request"]["body"]["inputTruncated"] is False
    assert wrap(body_length_app)(whole, None)["body"] == str(limit)
    event = build_event(HttpCall("POST", "/up", octet, b"x" * (limit + 1)), trigger=trigger)
    assert event["Records"][0]["cf"]["request"]["body"]["inputTruncated"] is True
    calls: list[Any] = []
    reply = wrap(lambda environ, start_response: calls.append(environ) or [])(event, None)
    assert calls == []  # the app never sees a truncated body
    check_shape(reply)
    assert reply["status"] == "413"
    text = reply_bytes(reply).decode()
    assert text.startswith(f"{HTTPStatus(413).phrase}:") and trigger in text
    assert ("40 KB" if trigger == "viewer-request" else "1 MB") in text


# -- Malformed events --------------------------------------------------------------


def viewer_event() -> dict[str, Any]:
    return build_event(HttpCall("POST", "/p", [("Content-Type", "text/plain")], b"hello"))


def request_of(event: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = event["Records"][0]["cf"]["request"]
    return request


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda r: r["body"].update(data="not*base64!"), "body.data: flagged base64 but not valid"),
        (lambda r: r["body"].update(encoding="gzip"), "body.encoding: expected 'base64' or 'text'"),
        (lambda r: r.pop("method"), "method: expected a non-empty string, got None"),
        (
            lambda r: r.update(headers=["not", "an", "object"]),
            "headers: expected an object, got list",
        ),
        (lambda r: r["headers"].update(host="d1.cloudfront.net"), "headers.host: expected a list"),
        (lambda r: r["headers"].update(host=[{"key": "Host"}]), "expected {key, value} objects"),
        (lambda r: r.update(uri=["/"]), "request.uri: expected a string, got list"),
        (lambda r: r.update(body="aGVsbG8="), "request.body: expected an object, got str"),
    ],
)
def test_malformed_events_get_a_400_in_the_edge_format(
    break_it: Any, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = viewer_event()
    break_it(request_of(event))
    reply = wrap(flask_app)(event, SimpleNamespace(aws_request_id="req-400"))
    check_shape(reply)
    assert (reply["status"], reply["statusDescription"]) == ("400", "Bad Request")
    assert reply["bodyEncoding"] == "text"
    text = reply_bytes(reply).decode()
    assert text.startswith("Bad Request: Records[0].cf.request.") and message in text
    assert any("req-400" in r.getMessage() for r in caplog.records)


def test_unknown_event_type_gets_a_400() -> None:
    event = viewer_event()
    event["Records"][0]["cf"]["config"]["eventType"] = "viewer-sideways"
    reply = wrap(flask_app)(event, None)
    assert reply["status"] == "400"
    assert b"config.eventType: expected one of viewer-request, origin-request" in reply_bytes(reply)


def test_a_record_without_a_request_gets_a_400() -> None:
    reply = wrap(flask_app)({"Records": [{"cf": {"config": {}}}]}, None)
    assert reply["status"] == "400"
    assert (
        reply_bytes(reply)
        == b"Bad Request: Records[0].cf.request: expected an object, got NoneType"
    )


# -- Reply limits and forbidden headers ---------------------------------------------

OCTET = ("Content-Type", "application/octet-stream")
#: What an Octet-Stream Content-Type header counts: "Content-Type: application/octet-stream\r\n".
OCTET_LINE = len("Content-Type") + len("application/octet-stream") + 4


@pytest.mark.parametrize(
    ("trigger", "limit"), [("viewer-request", 40 * 1024), ("origin-request", 1024 * 1024)]
)
def test_reply_at_the_size_limit_passes_one_byte_more_is_a_502(
    trigger: str, limit: int, caplog: pytest.LogCaptureFixture
) -> None:
    event = build_event(HttpCall(), trigger=trigger)
    fits = wrap(fixed_app(200, [OCTET], b"x" * (limit - OCTET_LINE)))(event, None)
    assert fits["status"] == "200" and len(reply_bytes(fits)) == limit - OCTET_LINE
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        reply = wrap(fixed_app(200, [OCTET], b"x" * (limit - OCTET_LINE + 1)))(
            build_event(HttpCall(), trigger=trigger), SimpleNamespace(aws_request_id="req-big")
        )
    check_shape(reply)
    assert (reply["status"], reply["statusDescription"]) == ("502", "Bad Gateway")
    text = reply_bytes(reply).decode()
    size = "40 KB" if trigger == "viewer-request" else "1 MB"
    assert text.startswith("Bad Gateway:") and f"at most {size} ({limit} bytes)" in text
    assert str(limit + 1) in text  # the reply's size, so the user sees by how much
    logged = [r.getMessage() for r in caplog.records if "req-big" in r.getMessage()]
    assert len(logged) == 1 and trigger in logged[0]


def test_unknown_trigger_uses_the_viewer_limit() -> None:
    event = load_event("aws-edge/request-without-querystring.json")  # no eventType, no origin
    reply = wrap(fixed_app(200, [OCTET], b"x" * (40 * 1024)))(event, None)
    assert reply["status"] == "502"


def test_status_outside_200_599_is_a_502() -> None:
    reply = wrap(fixed_app(600, [], b""))(build_event(HttpCall()), None)
    assert reply["status"] == "502"
    assert b"status 600" in reply_bytes(reply)


#: Hop-by-hop header fields, which the handler drops from every vendor's reply
#: without a word, as a server or proxy does. Connection, and the fields RFC 9110
#: section 7.6.1 says an intermediary removes before forwarding whether or not
#: Connection names them: Proxy-Connection, Keep-Alive, TE, Transfer-Encoding,
#: Upgrade. Trailer: hop-by-hop in RFC 2616 section 13.5.1 (spelt "Trailers"
#: there). RFC 2616's list also has Proxy-Authenticate and Proxy-Authorization,
#: which RFC 9110's does not: the handler passes those on.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)

#: Reply headers CloudFront refuses in a response generated on a request trigger
#: (CloudFront Developer Guide, "Restrictions on edge functions": the disallowed
#: headers, and the read-only headers of viewer-request and origin-request events).
FORBIDDEN = [
    ("Connection", "close"),  # disallowed; hop-by-hop
    ("Keep-Alive", "timeout=5"),  # disallowed; hop-by-hop
    ("Transfer-Encoding", "chunked"),  # read-only on both triggers; hop-by-hop
    ("Upgrade", "h2c"),  # disallowed; hop-by-hop
    ("Proxy-Connection", "close"),  # disallowed; hop-by-hop
    ("TE", "trailers"),  # hop-by-hop (not in CloudFront's lists)
    ("Proxy-Authenticate", "Basic"),  # disallowed
    ("Trailer", "Expires"),  # disallowed; hop-by-hop
    ("Via", "1.1 app"),  # read-only on both triggers
    ("X-Amz-Cf-Pop", "FRA"),  # disallowed: X-Amz-Cf-*
    ("X-Edge-Location", "FRA"),  # disallowed: X-Edge-*
    ("X-Cache", "Miss"),  # disallowed
    ("X-Forwarded-Proto", "https"),  # disallowed
    ("X-Real-IP", "1.2.3.4"),  # disallowed
    ("Content-Length", "2"),  # read-only on both triggers (CloudFront sets it)
]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_forbidden_reply_headers_are_dropped_with_one_warning_each(
    trigger: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = fixed_app(200, [*FORBIDDEN, ("X-Fine", "yes"), ("Content-Type", "text/plain")], b"ok")
    handler = wrap(app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        first = handler(build_event(HttpCall(), trigger=trigger), None)
        second = handler(build_event(HttpCall(), trigger=trigger), None)
    for reply in (first, second):
        assert set(reply["headers"]) == {"x-fine", "content-type"}
        assert reply_bytes(reply) == b"ok"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for name, _ in FORBIDDEN[:-1]:
        # Hop-by-hop headers never reach the adapter: the handler drops them
        # silently for every vendor, as a server does.
        expected = 0 if name.lower() in HOP_BY_HOP else 1
        assert len([w for w in warnings if f" {name} header" in w]) == expected, name
    assert not [w for w in warnings if "Content-Length" in w]  # CloudFront sets it itself


@pytest.mark.parametrize(("trigger", "kept"), [("viewer-request", True), ("origin-request", False)])
def test_read_only_headers_depend_on_the_trigger(trigger: str, kept: bool) -> None:
    app = fixed_app(200, [("Accept-Encoding", "gzip"), ("ETag", '"1"')], b"")
    reply = wrap(app)(build_event(HttpCall(), trigger=trigger), None)
    assert ("accept-encoding" in reply["headers"]) is kept  # read-only on origin-request only
    assert values(reply, "etag") == ['"1"']


# -- Events built for client requests ----------------------------------------------


def shape(value: Any) -> Any:
    """Keys and value types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.mark.parametrize(
    ("trigger", "sample"),
    [("viewer-request", "viewer-request.json"), ("origin-request", "origin-request.json")],
)
def test_built_events_have_the_samples_shape(trigger: str, sample: str) -> None:
    real = load_event(f"aws-edge/{sample}")
    built = build_event(HttpCall(headers=[("User-Agent", "curl/8")]), trigger=trigger)
    real_cf, built_cf = real["Records"][0]["cf"], built["Records"][0]["cf"]
    assert shape(built_cf["config"]) == shape(real_cf["config"])
    assert set(built_cf["request"]) == set(real_cf["request"])
    assert shape(built_cf["request"]["headers"]["host"]) == shape(
        real_cf["request"]["headers"]["host"]
    )
    if trigger == "origin-request":
        assert set(built_cf["request"]["origin"]["custom"]) == set(
            real_cf["request"]["origin"]["custom"]
        )
        assert built_cf["request"]["headers"]["host"][0]["value"] == "example.org"
    body = build_event(HttpCall("POST", "/", [], b"x"), trigger=trigger)["Records"][0]["cf"]
    assert set(body["request"]["body"]) == {"inputTruncated", "action", "encoding", "data"}


def test_built_events_leave_out_headers_cloudfront_never_exposes() -> None:
    call = HttpCall(
        headers=[("Connection", "keep-alive"), ("X-Forwarded-Proto", "http"), ("Accept", "*/*")]
    )
    headers = build_event(call)["Records"][0]["cf"]["request"]["headers"]
    assert set(headers) == {"host", "accept"}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_built_events_are_recognised_by_edge_alone(trigger: str) -> None:
    from faas_bridge.options import Options
    from faas_bridge.platforms import load_platforms

    event = build_event(HttpCall("POST", "/x?y=1", [], b"z"), trigger=trigger)
    assert [p.name for p in load_platforms(Options()) if p.matches(event)] == ["aws-edge"]


def test_request_id_comes_from_the_event_without_a_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    event = load_event("aws-edge/viewer-request.json")
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        reply = wrap(failing)(event, None)
    assert (reply["status"], reply_bytes(reply)) == ("500", b"Internal Server Error")
    assert event["Records"][0]["cf"]["config"]["requestId"] in caplog.records[0].getMessage()


def test_base_path_is_moved_into_the_root() -> None:
    seen = reply_json(
        wrap(flask_app, base_path="/api")(build_event(HttpCall(target="/api/x")), None)
    )
    assert (seen["script_root"], seen["path"]) == ("/api", "/x")


def test_body_limits_match_the_documented_quotas() -> None:
    assert aws_edge.BODY_LIMITS == {"viewer-request": 40 * 1024, "origin-request": 1024 * 1024}
    assert aws_edge.REPLY_LIMITS == {"viewer-request": 40 * 1024, "origin-request": 1024 * 1024}
