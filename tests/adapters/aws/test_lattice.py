"""AWS VPC Lattice (Lambda targets, structures V1 and V2): samples, fidelity, replies, limits.

The samples are ``tests/samples/aws-lattice/`` (and, when ``FAAS_BRIDGE_EVENTS``
names an extra corpus, its ``aws-lattice/`` files too, with a table of their
own). Expected values are read off each event by hand: V1 ``raw_path`` / V2 ``path``
is the path, the query comes from the parameters (V2 lists, V1 one value),
the client is the last X-Forwarded-For entry (the one Lattice appended), and
the host is the service's ``*.vpc-lattice-svcs.*`` Host header.
"""

from __future__ import annotations

import base64
import json
import logging
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.aws_lattice import build_event
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.echo_apps import asgi_app, flask_app, wsgi_app
from support.events import extra_dir, extra_event_names, load_event, own_event_names, reply_body

BINARY = bytes(range(256))
VERSIONS = (1, 2)
REPLY_KEYS = {"statusCode", "statusDescription", "isBase64Encoded", "headers", "body"}

Expected = tuple[str, str, str, list[tuple[str, str]], str, str, str]
#: Hosts (the Host header) and clients (the last X-Forwarded-For entry) of the own samples.
SVC = "inventory-0c4d2e8f1a3b5c7d9.a1b2c3d.vpc-lattice-svcs.eu-west-1.on.aws"
SVC2 = "billing-05e6f7a8b9c0d1e2f.a1b2c3d.vpc-lattice-svcs.eu-west-1.on.aws"
CLIENT = "192.0.2.44"
WAREHOUSE = [("warehouse", "ams-2")]

#: file -> (method, path, root, sorted query args, body, client, host)
# fmt: off
OWN_EXPECTED: dict[str, Expected] = {
    # X-Forwarded-For "198.51.100.7, 192.0.2.44": Lattice appended the last one.
    # The body is base64 '{"include":"stock"}' (is_base64_encoded).
    "aws-lattice/v1-get-base64-body.json":
        ("GET", "/inventory/items", "", WAREHOUSE, '{"include":"stock"}', CLIENT, SVC),
    "aws-lattice/v1-trailing-slash.json":
        ("GET", "/inventory/items/", "", WAREHOUSE, "", CLIENT, SVC),
    # Header and query values are lists, as the V2 structure has them.
    "aws-lattice/v2-get.json":
        ("GET", "/inventory/items/8812", "", [("fields", "name")], "", CLIENT, SVC),
    "aws-lattice/v2-multi-value-headers-and-query.json": (
        "POST", "/billing/invoices", "",
        [("limit", "20"), ("status", "open"), ("status", "overdue")],
        '{"customer":"c-1093","total":"42.50"}', "192.0.2.61", SVC2,
    ),
    # A V2 event with plain-string headers and the V1 spelling query_string_parameters,
    # as some published samples have it: still read.
    "aws-lattice/v2-trailing-slash.json":
        ("GET", "/inventory/items/", "", WAREHOUSE, "", CLIENT, SVC),
}
#: The same for the extra corpus's files (Powertools' test events).
PT_SVC = "test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws"
PT_SVC2 = "lattice-svc-027b423199122da5f.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
PT_IP1 = "10.213.229.10"
PT_IP2 = "172.31.40.143"
PT_ORDER = [("order-id", "1")]
PT_P3 = [("parameter1", "value1"), ("parameter1", "value2"), ("parameter2", "value")]
PT_V1_BODY = '{"test": "event"}'  # base64 "eyJ0ZXN0IjogImV2ZW50In0=" in the samples
PT_V2_BODY = '{"message": "Hello from Lambda!"}'
EXTRA_EXPECTED: dict[str, Expected] = {
    "extra/aws-lattice/v1-get-base64-body.json":
        ("GET", "/testpath", "", PT_ORDER, PT_V1_BODY, PT_IP1, PT_SVC),
    "extra/aws-lattice/v1-trailing-slash.json":
        ("GET", "/testpath/", "", PT_ORDER, PT_V1_BODY, PT_IP1, PT_SVC),
    "extra/aws-lattice/v2-get.json": ("GET", "/newpath", "", PT_ORDER, PT_V2_BODY, PT_IP1, PT_SVC),
    "extra/aws-lattice/v2-multi-value-headers-and-query.json":
        ("GET", "/newpath", "", PT_P3, PT_V2_BODY, PT_IP2, PT_SVC2),
    # A V2 event carrying the V1 spelling query_string_parameters (as published): still read.
    "extra/aws-lattice/v2-trailing-slash.json":
        ("GET", "/newpath/", "", PT_ORDER, PT_V2_BODY, PT_IP1, PT_SVC),
}
# fmt: on
_EXTRA_NAMES = extra_event_names("aws-lattice")
#: Every sample present: our own, and the extra corpus's when it is set.
EXPECTED = {
    **OWN_EXPECTED,
    **{name: value for name, value in EXTRA_EXPECTED.items() if name in _EXTRA_NAMES},
}


def seen_of(reply: dict[str, Any]) -> Any:
    return json.loads(reply_body(reply))


def check_shape(reply: dict[str, Any]) -> None:
    """The ALB-like reply Lattice documents, each field of its type."""
    assert set(reply) == REPLY_KEYS
    assert type(reply["statusCode"]) is int
    assert reply["statusDescription"].startswith(f"{reply['statusCode']} ")
    assert type(reply["isBase64Encoded"]) is bool
    assert isinstance(reply["body"], str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in reply["headers"].items())


def header(reply: dict[str, Any], name: str) -> str | None:
    found = [v for k, v in reply["headers"].items() if k.lower() == name]
    assert len(found) <= 1
    return found[0] if found else None


def test_every_sample_is_covered() -> None:
    assert set(own_event_names("aws-lattice")) == set(OWN_EXPECTED)
    if extra_dir() is not None:
        assert set(_EXTRA_NAMES) == set(EXTRA_EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_flask_sees_the_request(name: str) -> None:
    method, path, root, args, body, client, host = EXPECTED[name]
    reply = wrap(flask_app)(load_event(name), None)
    check_shape(reply)
    assert (reply["statusCode"], reply["statusDescription"]) == (200, "200 OK")
    seen = seen_of(reply)
    assert (seen["method"], seen["path"], seen["script_root"]) == (method, path, root)
    assert sorted(map(tuple, seen["args"])) == args
    assert base64.b64decode(seen["body"]) == body.encode()
    assert seen["remote_addr"] == client
    assert (seen["host"], seen["scheme"]) == (host, "https")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_asgi_sees_the_request(name: str) -> None:
    method, path, root, args, body, client, host = EXPECTED[name]
    seen = seen_of(wrap(asgi_app)(load_event(name), None))
    assert (seen["method"], seen["path"], seen["root_path"]) == (method, path, root)
    assert sorted(parse_qsl(seen["query_string"], keep_blank_values=True)) == args
    assert base64.b64decode(seen["body"]) == body.encode()
    assert seen["client_host"] == client
    assert seen["url"].startswith(f"https://{host}{path}?")


def test_v2_header_lists_become_repeated_headers() -> None:
    event = load_event("aws-lattice/v2-multi-value-headers-and-query.json")
    seen = seen_of(wrap(asgi_app)(event, None))
    assert [v for k, v in seen["headers"] if k == "x-request-tag"] == ["blue", "green"]
    assert [v for k, v in seen["headers"] if k == "tenant-zone"] == ["north", "south"]
    seen = seen_of(wrap(wsgi_app)(event, None))
    assert ["HTTP_X_REQUEST_TAG", "blue,green"] in seen["headers"]
    assert ["HTTP_TENANT_ZONE", "north,south"] in seen["headers"]


def test_v1_comma_joined_header_reaches_the_app_as_sent() -> None:
    seen = seen_of(wrap(asgi_app)(load_event("aws-lattice/v1-get-base64-body.json"), None))
    assert [v for k, v in seen["headers"] if k == "x-tenant"] == ["north,south"]


@pytest.mark.parametrize("app", [flask_app, asgi_app], ids=["flask", "asgi"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reply_headers(name: str, app: Any, caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        reply = handler(load_event(name), None)
        handler(load_event(name), None)
    check_shape(reply)
    assert reply["isBase64Encoded"] is False
    assert header(reply, "content-type") == "application/json"
    assert header(reply, "x-repeat") == "one, two"  # RFC 9110 field combination
    # One string per header: of the two cookies the echo app sets, the last is kept...
    cookie = header(reply, "set-cookie")
    assert cookie is not None and cookie.startswith("b=2") and "a=1" not in cookie
    # ... and the loss is logged, once per handler.
    assert len([r for r in caplog.records if "Set-Cookie" in r.getMessage()]) == 1


def test_query_in_the_path_is_used_verbatim() -> None:
    """AWS's Go library fixture: V2 ``path`` carries the query beside the parameters."""
    event = load_event("aws-lattice/v2-get.json")
    event["path"] = "/?query1=value1&query1=value2&sp=a%20b"
    event["queryStringParameters"] = {"query1": ["value1", "value2"], "sp": ["a b"]}
    seen = seen_of(wrap(flask_app)(event, None))
    assert seen["path"] == "/"
    assert seen["query_string"] == "query1=value1&query1=value2&sp=a%20b"  # not doubled
    assert sorted(map(tuple, seen["args"])) == [
        ("query1", "value1"), ("query1", "value2"), ("sp", "a b")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ("1.2.3.4,2.3.4.5", "2.3.4.5"),
        ("6.6.6.6, 10.0.0.1", "10.0.0.1"),
        (["6.6.6.6", "10.0.0.2"], "10.0.0.2"),
    ],
)
def test_client_is_the_last_forwarded_for_entry(forwarded: Any, client: str) -> None:
    event = load_event("aws-lattice/v2-get.json")
    event["headers"]["x-forwarded-for"] = forwarded
    assert seen_of(wrap(flask_app)(event, None))["remote_addr"] == client


@pytest.mark.parametrize(
    ("headers", "scheme", "port"),
    [
        ({}, "https", "443"),
        ({"x-forwarded-proto": "http"}, "https", "443"),  # the client's, not Lattice's
        ({"x-forwarded-for-proto": "http", "x-forwarded-for-port": "8080"}, "http", "8080"),
    ],
)
def test_scheme_and_port(headers: dict[str, str], scheme: str, port: str) -> None:
    event = load_event("aws-lattice/v1-get-base64-body.json")
    event["headers"].update(headers)
    seen = seen_of(wrap(wsgi_app)(event, None))
    assert seen["scheme"] == scheme
    environ: dict[str, Any] = {}

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        environ.update(env)
        start_response("204 No Content", [])
        return []

    wrap(app)(event, None)
    assert (environ["wsgi.url_scheme"], environ["SERVER_PORT"]) == (scheme, port)


# -- Fidelity: client requests through build_event ----------------------------------


def run(app: Any, call: HttpCall, version: int) -> dict[str, Any]:
    reply = wrap(app)(build_event(call, version=version), None)
    check_shape(reply)
    return reply


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("target", "path", "raw"),
    [
        ("/a%20b/c", "/a b/c", "/a%20b/c"),
        ("/a%2Fb/c", "/a/b/c", "/a%2Fb/c"),
        ("/caf%C3%A9", "/caf\u00e9", "/caf%C3%A9"),
        ("/dir/", "/dir/", "/dir/"),
    ],
)
def test_paths_stay_percent_encoded(version: int, target: str, path: str, raw: str) -> None:
    seen = seen_of(run(asgi_app, HttpCall(target=target), version))
    assert (seen["path"], seen["raw_path"]) == (path, raw)
    seen = seen_of(run(wsgi_app, HttpCall(target=target), version))
    assert seen["raw_uri"] == raw
    assert seen["path_info"] == path.encode("utf-8").decode("latin-1")  # PEP 3333 native string
    assert seen_of(run(flask_app, HttpCall(target=target), version))["path"] == path


@pytest.mark.parametrize("version", VERSIONS)
def test_query_string_is_passed_verbatim(version: int) -> None:
    seen = seen_of(run(flask_app, HttpCall(target="/q?x=a+b&y=c%20d&a=1&a=2&b="), version))
    assert seen["query_string"] == "x=a+b&y=c%20d&a=1&a=2&b="
    assert sorted(map(tuple, seen["args"])) == [
        ("a", "1"), ("a", "2"), ("b", ""), ("x", "a b"), ("y", "c d")
    ]  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
def test_query_rebuilt_from_parameters_when_the_path_has_none(version: int) -> None:
    event = build_event(HttpCall(target="/q?a=1&a=2&x=c%20d"), version=version)
    if version == 2:
        event["path"] = "/q"
        assert event["queryStringParameters"] == {"a": ["1", "2"], "x": ["c%20d"]}
        expected = "a=1&a=2&x=c%20d"
    else:
        event["raw_path"] = "/q"
        assert event["query_string_parameters"] == {"a": "2", "x": "c%20d"}  # V1: the last value
        expected = "a=2&x=c%20d"
    seen = seen_of(wrap(flask_app)(event, None))
    assert (seen["path"], seen["query_string"]) == ("/q", expected)


@pytest.mark.parametrize("version", VERSIONS)
def test_repeated_headers_and_cookies(version: int) -> None:
    call = HttpCall(
        target="/h", headers=[("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "a=1; b=2")]
    )
    seen = seen_of(run(asgi_app, call, version))
    multi = [v for k, v in seen["headers"] if k == "x-multi"]
    assert multi == (["1", "2"] if version == 2 else ["1, 2"])  # V1 joins repeats
    assert seen["cookies"] == [["a", "1"], ["b", "2"]]
    assert seen_of(run(flask_app, call, version))["cookies"] == [["a", "1"], ["b", "2"]]


@pytest.mark.parametrize("version", VERSIONS)
def test_forged_forwarded_for_is_not_the_client(version: int) -> None:
    call = HttpCall(target="/", headers=[("X-Forwarded-For", "6.6.6.6")], client_ip="10.1.2.3")
    assert seen_of(run(flask_app, call, version))["remote_addr"] == "10.1.2.3"


@pytest.mark.parametrize("version", VERSIONS)
def test_binary_bodies_both_ways(version: int) -> None:
    octet = [("Content-Type", "application/octet-stream")]
    seen = seen_of(run(flask_app, HttpCall("POST", "/up", octet, BINARY), version))
    assert base64.b64decode(seen["body"]) == BINARY
    down = HttpCall("POST", "/down", [*octet, ("X-Reply-Binary", "1")], BINARY)
    reply = run(asgi_app, down, version)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


@pytest.mark.parametrize("version", VERSIONS)
def test_text_body_not_flagged_base64(version: int) -> None:
    body = "caf\u00e9".encode()
    event = build_event(
        HttpCall("POST", "/t", [("Content-Type", "text/plain")], body), version=version
    )
    flag = "isBase64Encoded" if version == 2 else "is_base64_encoded"
    event.update({"body": body.decode(), flag: False})
    assert base64.b64decode(seen_of(wrap(flask_app)(event, None))["body"]) == body


@pytest.mark.parametrize("version", VERSIONS)
def test_head_and_204_have_no_body(version: int) -> None:
    reply = run(flask_app, HttpCall("HEAD", "/h"), version)
    assert (reply["statusCode"], reply["body"]) == (200, "")
    assert header(reply, "content-type") == "application/json"
    reply = run(asgi_app, HttpCall(target="/s", headers=[("X-Reply-Status", "204")]), version)
    assert (reply["statusCode"], reply["statusDescription"], reply["body"]) == (
        204,
        "204 No Content",
        "",
    )


# -- Malformed events ----------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        ("base64", "body: flagged base64 but not valid base64"),
        ("method", "method: expected a non-empty string, got None"),
        ("headers", "headers: expected an object, got list"),
        ("path", "path: expected a string, got int"),
        ("query", "expected an object, got list"),
    ],
)
def test_malformed_events_get_a_400(
    version: int, break_it: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = build_event(HttpCall("POST", "/p", [], b"hello"), version=version)
    flag, path, query = (
        ("isBase64Encoded", "path", "queryStringParameters")
        if version == 2
        else ("is_base64_encoded", "raw_path", "query_string_parameters")
    )
    if break_it == "base64":
        event.update({"body": "not*base64!", flag: True})
    elif break_it == "method":
        del event["method"]
    elif break_it == "headers":
        event["headers"] = ["not", "an", "object"]
    elif break_it == "path":
        event[path] = 42
    else:
        event[path] = "/p"
        event[query] = ["x"]
    reply = wrap(flask_app)(event, SimpleNamespace(aws_request_id="req-400"))
    check_shape(reply)
    assert (reply["statusCode"], reply["statusDescription"]) == (400, "400 Bad Request")
    assert reply["isBase64Encoded"] is False
    assert reply_body(reply).startswith(b"Bad Request: ")
    assert message.encode() in reply_body(reply)
    assert any("req-400" in r.getMessage() for r in caplog.records)


# -- The response size limit ---------------------------------------------------------

LIMIT = 6 * 1024 * 1024  # "maximum size of the response JSON ... is 6 MB"


def text_app(body: bytes) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return app


def json_size(reply: dict[str, Any]) -> int:
    return len(json.dumps(reply, ensure_ascii=False).encode("utf-8"))


def test_reply_at_the_limit_passes_one_byte_more_is_a_502(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = build_event(HttpCall())
    probe = wrap(text_app(b"x" * 1000))(event, None)
    fill = 1000 + LIMIT - json_size(probe)  # the body length that makes the JSON 6 MB
    fits = wrap(text_app(b"x" * fill))(event, None)
    assert fits["statusCode"] == 200 and json_size(fits) == LIMIT
    with caplog.at_level(logging.ERROR, logger="faas_bridge"):
        reply = wrap(text_app(b"x" * (fill + 1)))(event, SimpleNamespace(aws_request_id="r-big"))
    check_shape(reply)
    assert (reply["statusCode"], reply["statusDescription"]) == (502, "502 Bad Gateway")
    text = reply_body(reply).decode()
    assert text.startswith("Bad Gateway:") and f"6 MB ({LIMIT} bytes)" in text
    assert str(LIMIT + 1) in text
    assert len([r for r in caplog.records if "r-big" in r.getMessage()]) == 1


def test_binary_reply_is_measured_as_base64() -> None:
    """4.6 MB of bytes is over 6 MB once base64-encoded into the JSON."""
    big = 46 * 1024 * 1024 // 10

    def binary(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [b"\x00" * big]

    assert wrap(text_app(b"x" * big))(build_event(HttpCall()), None)["statusCode"] == 200
    assert wrap(binary)(build_event(HttpCall()), None)["statusCode"] == 502


# -- Recognition and built events ----------------------------------------------------

PLATFORMS = load_platforms(Options())


@pytest.mark.parametrize("version", VERSIONS)
def test_built_events_are_recognised_by_lattice_alone(version: int) -> None:
    event = build_event(HttpCall("POST", "/x?y=1", [], b"z"), version=version)
    assert [p.name for p in PLATFORMS if p.matches(event)] == ["aws-lattice"]


def test_payload_2_events_with_raw_path_are_not_lattice() -> None:
    event = build_event(HttpCall())
    event["rawPath"] = "/"
    assert "aws-lattice" not in [p.name for p in PLATFORMS if p.matches(event)]
    v2 = load_event("aws-apigw-v2/get-with-query-and-cookies.json")
    v2["requestContext"]["serviceNetworkArn"] = "arn:aws:vpc-lattice:::servicenetwork/sn-1"
    assert [p.name for p in PLATFORMS if p.matches(v2)] == ["aws-apigw-v2"]


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__


@pytest.mark.parametrize(
    ("version", "sample"),
    [(1, "v1-get-base64-body.json"), (2, "v2-multi-value-headers-and-query.json")],
)
def test_built_events_have_the_samples_shape(version: int, sample: str) -> None:
    real = load_event(f"aws-lattice/{sample}")
    built = build_event(HttpCall("POST", "/p?order-id=1", [], b"{}"), version=version)
    assert set(built) == set(real)
    for key in ("method", "body", "raw_path", "path", "version"):
        if key in real:
            assert type(built[key]) is type(real[key]), key
    assert shape(built["headers"]["host"]) == shape(real["headers"]["host"])
    if version == 2:
        assert set(built["requestContext"]) == set(real["requestContext"])
        assert set(built["requestContext"]["identity"]) <= set(real["requestContext"]["identity"])
        assert isinstance(built["requestContext"]["timeEpoch"], str)  # microseconds, a string
        assert built["queryStringParameters"] == {"order-id": ["1"]}
    else:
        assert built["query_string_parameters"] == {"order-id": "1"}
