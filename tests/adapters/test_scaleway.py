"""Scaleway Serverless Functions.

Scaleway publishes no event reference: the own sample (``tests/samples``) has
the shape its emulator (``scaleway_functions_python.local``) builds, and a
deployed function's captured event shows the rest: ``X-Forwarded-For`` lists
the client first, then Scaleway's internal proxies, and
``X-Envoy-External-Address`` is the client. Expected values are read off the
samples by hand (the extra corpus's too, when ``FAAS_BRIDGE_EVENTS`` names one).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.scaleway import build_event
from support.echo_apps import asgi_app, flask_app
from support.events import load_event, reply_body
from support.sample_tables import assert_tables_cover, table_cases
from support.vendor_checks import BINARY, asgi_view, b64, call, flask_view, seen

SAMPLE = "scaleway/get-with-query.json"
DEPLOYED = "scaleway/post-json-text-body.json"
REPLY_TYPES = {"statusCode": int, "headers": dict, "body": str, "isBase64Encoded": bool}

Row = tuple[str, str, str, list[tuple[str, str]], str, str | None]
#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, Row] = {
    # An empty body flagged base64 (the emulator does so): still empty. The client
    # is X-Envoy-External-Address.
    SAMPLE: ("GET", "/greeting", "", [("lang", "pt"), ("name", "Ana")], "", "192.0.2.33"),
    # A text body without isBase64Encoded, as a deployed function receives it.
    DEPLOYED: (
        "POST",
        "/api/orders",
        "",
        [("notify", "email")],
        '{"sku": "B-2231", "qty": 1}',
        "198.51.100.42",
    ),
}
#: The same for the extra corpus's files.
EXTRA_EXPECTED: dict[str, Row] = {
    "extra/scaleway/handmade-get-with-query.json": (
        "GET",
        "/path",
        "",
        [("param_1", "value_1"), ("param_2", "value_2")],
        "",
        "127.0.0.1",
    ),
}
CASES = table_cases(EXPECTED, EXTRA_EXPECTED, "scaleway")


def test_every_sample_has_an_expectation() -> None:
    assert_tables_cover(EXPECTED, EXTRA_EXPECTED, "scaleway")


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_scheme_and_host_come_from_the_headers() -> None:
    info = seen(wrap(flask_app)(load_event(SAMPLE), None))
    # The emulator serves plain http on the port it listens on.
    assert info["url"] == "http://192.0.2.10:8080/greeting?name=Ana&lang=pt"
    info = seen(wrap(flask_app)(load_event(DEPLOYED), None))
    host = "shopnsx7k2m9q-orders.functions.fnc.fr-par.scw.cloud"
    assert info["url"] == f"https://{host}/api/orders?notify=email"
    assert (info["content_length"], info["scheme"]) == (27, "https")


def captured_like_event() -> dict[str, Any]:
    """The sample with what a deployed function's console test showed instead."""
    event = load_event(SAMPLE)
    event["headers"] = {
        "Accept": "*/*",
        "X-Envoy-External-Address": "203.0.113.5",
        "X-Forwarded-For": "192.0.2.66, 203.0.113.5, 100.64.7.161, 100.64.0.57",
        "X-Forwarded-Proto": "https",
        "Forwarded": "for=203.0.113.5;proto=https, for=100.64.7.161",
    }
    del event["isBase64Encoded"]  # absent for a text body
    return event


def test_client_is_envoys_record_not_an_x_forwarded_for_end() -> None:
    # The first X-Forwarded-For entry here is one the client sent itself.
    info = seen(wrap(flask_app)(captured_like_event(), None))
    assert info["remote_addr"] == "203.0.113.5"
    assert info["scheme"] == "https"


def test_no_envoy_header_means_no_client() -> None:
    event = captured_like_event()
    del event["headers"]["X-Envoy-External-Address"]
    assert seen(wrap(flask_app)(event, None))["remote_addr"] is None


# -- replies ------------------------------------------------------------------------


def test_reply_has_the_documented_fields_and_list_headers() -> None:
    reply = wrap(flask_app)(load_event(SAMPLE), None)
    assert set(reply) == set(REPLY_TYPES)
    for key, kind in REPLY_TYPES.items():
        assert type(reply[key]) is kind, key
    headers = {k.lower(): v for k, v in reply["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert [c.split(";")[0] for c in headers["set-cookie"]] == ["a=1", "b=2"]
    assert headers["x-repeat"] == ["one", "two"]
    assert reply["isBase64Encoded"] is False


def test_bytes_both_ways() -> None:
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    event = build_event(call("POST", "/up", headers, BINARY))
    assert event["isBase64Encoded"] is True
    reply = wrap(flask_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


def test_head_and_204_send_no_body() -> None:
    reply = wrap(flask_app)(build_event(call("HEAD", "/")), None)
    assert (reply["statusCode"], reply["body"], reply["isBase64Encoded"]) == (200, "", False)
    reply = wrap(flask_app)(build_event(call("GET", "/", [("X-Reply-Status", "204")])), None)
    assert (reply["statusCode"], reply["body"]) == (204, "")


# -- fidelity through build_event -------------------------------------------------


def _asgi(event: dict[str, Any]) -> Any:
    return seen(wrap(asgi_app)(event, None))


@pytest.mark.parametrize(
    ("target", "raw_path", "path"),
    [
        ("/a%20b", "/a%20b", "/a b"),
        ("/caf%C3%A9", "/caf%C3%A9", "/caf\u00e9"),
        # Vendor limit: the path arrives decoded, so %2F cannot be told from /.
        ("/a%2Fb", "/a/b", "/a/b"),
    ],
)
def test_paths(target: str, raw_path: str, path: str) -> None:
    event = build_event(call("GET", target))
    info = _asgi(event)
    assert (info["raw_path"], info["path"]) == (raw_path, path)


def test_repeated_query_keys_keep_one_value() -> None:
    """Vendor limit: ``queryStringParameters`` keeps one value per key."""
    event = build_event(call("GET", "/q?a=1&a=2&b=x%20y"))
    assert event["queryStringParameters"] == {"a": "1", "b": "x y"}
    assert sorted(map(tuple, seen(wrap(flask_app)(event, None))["args"])) == [
        ("a", "1"),
        ("b", "x y"),
    ]


def test_repeated_headers_and_cookies() -> None:
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("Cookie", "a=1; b=2")]
    info = seen(wrap(flask_app)(build_event(call("GET", "/", headers)), None))
    assert dict(map(tuple, info["headers"]))["x-dup"] == "one,two"
    assert info["cookies"] == [["a", "1"], ["b", "2"]]
    assert info["remote_addr"] == "198.51.100.7"


def test_base_path_moves_into_the_root() -> None:
    info = seen(wrap(asgi_app, base_path="/v1")(build_event(call("GET", "/v1/x")), None))
    assert (info["root_path"], info["raw_path"]) == ("/v1", "/v1/x")


def test_built_event_has_the_samples_shape() -> None:
    built = build_event(call("GET", "/greeting?name=Ana"), host="192.0.2.10:8080")
    sample = load_event(SAMPLE)
    assert set(built) == set(sample)
    assert set(built["requestContext"]) == set(sample["requestContext"])
    assert set(built["headers"]) == set(sample["headers"]) - {"User-Agent", "Accept"}
    assert built["isBase64Encoded"] is sample["isBase64Encoded"] is True


# -- malformed events -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": "not*base64!"}, b"body: flagged base64 but not valid base64"),
        ({"httpMethod": None}, b"httpMethod: expected a non-empty string, got None"),
        ({"headers": ["x"]}, b"headers: expected an object, got list"),
        ({"path": ["/"]}, b"path: expected a string, got list"),
    ],
)
def test_malformed_events_get_a_400(change: dict[str, Any], message: bytes) -> None:
    event = load_event(SAMPLE)
    event.update(change)
    reply = wrap(flask_app)(event, None)
    assert set(reply) == set(REPLY_TYPES)
    assert (reply["statusCode"], reply["isBase64Encoded"]) == (400, False)
    assert reply_body(reply).startswith(b"Bad Request: " + message)
