"""Apache OpenWhisk web actions (IBM Cloud Functions, DigitalOcean Functions).

Expected values are read off the samples (``tests/samples``, and the extra
corpus when ``FAAS_BRIDGE_EVENTS`` names one) by hand, following OpenWhisk's
``webactions.md`` and the controller's rules (``WebActions.scala``):
``__ow_path`` is the path after the action (empty: the action's own URL), raw
actions get ``__ow_query`` and ``__ow_body`` (base64 for binary types and
``application/json``), default actions get query and JSON/form bodies merged
into the parameters. The controller records no client address: the client is
the last ``x-forwarded-for`` entry, which the front proxy appends.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.openwhisk import build_event
from support.echo_apps import asgi_app, flask_app
from support.events import load_event
from support.sample_tables import assert_tables_cover, table_cases
from support.vendor_checks import BINARY, asgi_view, b64, call, flask_view

RAW = "openwhisk-web/raw-http-post-json.json"
GET = "openwhisk-web/get-with-extension.json"
QUERY = "openwhisk-web/get-query.json"
FORM = "openwhisk-web/post-form.json"
JSON_BODY = "openwhisk-web/post-json.json"
TEXT = "openwhisk-web/post-text.json"

Row = tuple[str, str, str, list[tuple[str, str]], str, str | None]
#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, Row] = {
    # A .json extension is consumed by the controller: the action's own URL.
    GET: ("GET", "/", "", [], "", None),
    # Default actions: the query was merged into the parameters; it is rebuilt.
    QUERY: ("GET", "/", "", [("city", "Porto"), ("days", "3")], "", None),
    # Default actions: a form or JSON object body was merged; it is rebuilt as one
    # (form values quote_plus-encoded, JSON compact, its values' types kept).
    FORM: ("POST", "/", "", [], "city=Lisbon+Old+Town&days=2", None),
    JSON_BODY: ("POST", "/", "", [], '{"city":"Lisbon","days":2,"tags":["food","museums"]}', None),
    # A text/plain body is not merged: __ow_body holds it as text.
    TEXT: ("POST", "/", "", [], "remember the milk", None),
    # Raw: the query as sent, the JSON body base64-encoded by the controller; the
    # front proxy appended the client to x-forwarded-for.
    RAW: ("POST", "/", "", [("trip", "42")], '{"note":"window seat"}', "203.0.113.200"),
}
#: The same for the extra corpus's files.
JANE = [("name", "Jane")]
EXTRA_EXPECTED: dict[str, Row] = {
    "extra/openwhisk-web/doc-get-json-ext.json": ("GET", "/", "", [], "", None),
    "extra/openwhisk-web/doc-get-query.json": ("GET", "/", "", JANE, "", None),
    "extra/openwhisk-web/doc-post-form.json": ("POST", "/", "", [], "name=Jane", None),
    "extra/openwhisk-web/doc-post-json.json": ("POST", "/", "", [], '{"name":"Jane"}', None),
    "extra/openwhisk-web/doc-post-text.json": ("POST", "/", "", [], "Jane", None),
    "extra/openwhisk-web/doc-raw-http-post-json.json": (
        "POST",
        "/",
        "",
        JANE,
        '{"name":"Jane"}',
        None,
    ),
}
CASES = table_cases(EXPECTED, EXTRA_EXPECTED, "openwhisk-web")


def test_every_sample_has_an_expectation() -> None:
    assert_tables_cover(EXPECTED, EXTRA_EXPECTED, "openwhisk-web")


def controller_body(reply: dict[str, Any]) -> bytes:
    """The bytes the controller sends for a reply, for the content types used here.

    JSON and binary types are base64-decoded; text (and no content type, served
    as text/html) is sent as UTF-8.
    """
    content_type = header(reply, "content-type") or ""
    body = reply["body"]
    if body and (content_type.startswith(("application/json", "image/", "application/octet"))):
        return base64.b64decode(body)
    return str(body).encode("utf-8")


def header(reply: dict[str, Any], name: str) -> Any:
    for key, value in reply["headers"].items():
        if key.lower() == name:
            return value
    return None


def seen(reply: dict[str, Any]) -> Any:
    return json.loads(controller_body(reply))


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_rebuilt_body_fixes_the_content_length() -> None:
    # The client sent %20 where the rebuilt form has +: 31 bytes then, 27 now.
    info = seen(wrap(flask_app)(load_event(FORM), None))
    assert info["content_length"] == len("city=Lisbon+Old+Town&days=2")
    info = seen(wrap(flask_app)(load_event(JSON_BODY), None))
    assert info["content_length"] == len('{"city":"Lisbon","days":2,"tags":["food","museums"]}')
    assert dict(map(tuple, info["headers"]))["content-type"] == "application/json"


def test_default_actions_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(flask_app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        handler(load_event(GET), None)
        handler(load_event(QUERY), None)
        handler(load_event(RAW), None)
    warnings = [r for r in caplog.records if "web raw" in r.getMessage()]
    assert len(warnings) == 1


def test_bound_parameters_are_indistinguishable_from_the_query() -> None:
    """Vendor limit: a default action's input mixes bound parameters in."""
    event = build_event(call("GET", "/?q=1"), raw=False, params={"apiKey": "s3cret"})
    assert seen(wrap(flask_app)(event, None))["query_string"] == "apiKey=s3cret&q=1"


def test_host_is_the_controllers_and_scheme_defaults_to_https() -> None:
    info = seen(wrap(flask_app)(load_event(RAW), None))
    assert info["url"] == "https://192.0.2.15/?trip=42"
    assert seen(wrap(flask_app)(load_event(GET), None))["url"] == "https://192.0.2.15/"


# -- the mount point ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "root"),
    [
        ("/guest/demo/hello", "/api/v1/web/guest/demo/hello"),
        ("/guest/hello", "/api/v1/web/guest/default/hello"),
        ("", ""),
    ],
)
def test_the_web_action_url_is_the_root(
    monkeypatch: pytest.MonkeyPatch, action: str, root: str
) -> None:
    monkeypatch.setenv("__OW_ACTION_NAME", action)
    info = seen(wrap(asgi_app)(build_event(call("GET", "/a/b")), None))
    assert (info["root_path"], info["path"]) == (root, root + "/a/b")


def test_base_path_overrides_the_action_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("__OW_ACTION_NAME", "/guest/demo/hello")
    info = seen(wrap(asgi_app, base_path="/app")(build_event(call("GET", "/x")), None))
    assert (info["root_path"], info["raw_path"]) == ("/app", "/app/x")


# -- replies ------------------------------------------------------------------------


def fixed_app(headers: list[tuple[str, str]], body: bytes, status: int = 200) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(f"{status} Whatever", headers)
        return [body]

    return app


def reply_for(headers: list[tuple[str, str]], body: bytes, status: int = 200) -> Any:
    return wrap(fixed_app(headers, body, status))(load_event(RAW), None)


def test_reply_has_the_documented_fields() -> None:
    reply = wrap(flask_app)(load_event(RAW), None)
    assert set(reply) == {"statusCode", "headers", "body"}
    assert type(reply["statusCode"]) is int
    for value in reply["headers"].values():
        assert isinstance(value, str) or all(isinstance(v, str) for v in value)
    # The controller sends one header line per array element.
    assert [c.split(";")[0] for c in header(reply, "set-cookie")] == ["a=1", "b=2"]
    assert header(reply, "x-repeat") == ["one", "two"]


@pytest.mark.parametrize(
    ("content_type", "body", "as_base64"),
    [
        ("text/html; charset=utf-8", "<p>caf\u00e9</p>".encode(), False),
        ("text/plain", b"plain", False),
        ("image/png", BINARY, True),
        ("application/octet-stream", b"ascii but binary", True),
        # Akka registers SVG as a binary image type: the controller decodes base64.
        ("image/svg+xml", b"<svg/>", True),
        # JSON is decoded when it looks like base64: "true" would be, so always base64.
        ("application/json", b"true", True),
        ("application/problem+json", b'{"a":1}', True),
        # An unregistered type without a charset is binary to Akka, with one text.
        ("application/x-custom", b"custom", True),
        ("application/x-custom; charset=utf-8", b"custom", False),
    ],
)
def test_body_encoding_follows_the_controllers_content_type_rule(
    content_type: str, body: bytes, as_base64: bool
) -> None:
    reply = reply_for([("Content-Type", content_type)], body)
    expected = base64.b64encode(body).decode("ascii") if as_base64 else body.decode("utf-8")
    assert reply["body"] == expected


def test_text_in_another_charset_keeps_its_characters() -> None:
    """Vendor limit: the controller re-sends text as UTF-8 labelled charset=UTF-8."""
    reply = reply_for(
        [("Content-Type", "text/plain; charset=latin-1")], "caf\u00e9".encode("latin-1")
    )
    assert reply["body"] == "caf\u00e9"


def test_no_content_type() -> None:
    # The controller serves a string as text/html: a UTF-8 body goes as text...
    assert reply_for([], b"hello")["body"] == "hello"
    # ...binary needs a binary type to arrive byte-exact, so one is added.
    reply = reply_for([], BINARY)
    assert header(reply, "content-type") == "application/octet-stream"
    assert base64.b64decode(reply["body"]) == BINARY


def test_length_and_framing_headers_are_left_to_the_controller() -> None:
    reply = reply_for([("Content-Type", "text/plain"), ("Content-Length", "5")], b"hello")
    assert header(reply, "content-length") is None
    assert reply["body"] == "hello"


def test_compressed_text_cannot_pass_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """Vendor limit: the controller re-sends text as UTF-8, which breaks compressed bytes."""
    headers = [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")]
    app = wrap(fixed_app(headers, b"\x1f\x8b compressed"))
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        app(load_event(RAW), None)
        app(load_event(RAW), None)
    assert len([r for r in caplog.records if "Content-Encoding" in r.getMessage()]) == 1
    # Compressed JSON or binary is fine: those go as base64.
    headers = [("Content-Type", "application/json"), ("Content-Encoding", "gzip")]
    reply = reply_for(headers, b"\x1f\x8b json")
    assert base64.b64decode(reply["body"]) == b"\x1f\x8b json"


# -- fidelity through build_event -------------------------------------------------


def _asgi(event: dict[str, Any], app: Any = asgi_app) -> Any:
    return seen(wrap(app)(event, None))


@pytest.mark.parametrize(
    ("target", "ow_path", "path"),
    [
        ("/a%20b", "/a%20b", "/a b"),
        ("/a%2Fb/c", "/a%2Fb/c", "/a/b/c"),
        ("/caf%C3%A9", "/caf%C3%A9", "/caf\u00e9"),
        ("/dir/", "/dir/", "/dir/"),
        ("/", "", "/"),
    ],
)
def test_paths_keep_their_encoding(target: str, ow_path: str, path: str) -> None:
    event = build_event(call("GET", target))
    assert event["__ow_path"] == ow_path
    info = _asgi(event)
    assert (info["raw_path"], info["path"]) == (ow_path or "/", path)


def test_the_query_is_re_rendered_but_equivalent() -> None:
    event = build_event(call("GET", "/q?a=1&a=2&x=a+b&y=c%20d&s=%2F&e="))
    # Akka parses and re-renders the query: %20 becomes +, %2F a plain /.
    assert event["__ow_query"] == "a=1&a=2&x=a+b&y=c+d&s=/&e="
    info = seen(wrap(flask_app)(event, None))
    args = sorted(map(tuple, info["args"]))
    assert args == [("a", "1"), ("a", "2"), ("e", ""), ("s", "/"), ("x", "a b"), ("y", "c d")]


def test_repeated_headers_keep_the_last_value() -> None:
    """Vendor limit: ``__ow_headers`` maps each name to one string."""
    event = build_event(call("GET", "/", [("X-Dup", "one"), ("X-Dup", "two")]))
    info = seen(wrap(flask_app)(event, None))
    assert [v for k, v in info["headers"] if k == "x-dup"] == ["two"]


def test_cookies_in_and_set_cookies_out() -> None:
    reply = wrap(flask_app)(build_event(call("GET", "/", [("Cookie", "a=1; b=2")])), None)
    assert seen(reply)["cookies"] == [["a", "1"], ["b", "2"]]
    assert len(header(reply, "set-cookie")) == 2


def test_bytes_both_ways() -> None:
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    event = build_event(call("POST", "/up", headers, BINARY))
    assert base64.b64decode(event["__ow_body"]) == BINARY
    reply = wrap(flask_app)(event, None)
    assert header(reply, "content-type") == "application/octet-stream"
    assert base64.b64decode(reply["body"]) == BINARY


def test_binary_without_a_content_type_is_octet_stream() -> None:
    event = build_event(call("POST", "/up", [("X-Reply-Binary", "1")], BINARY))
    assert event["__ow_headers"]["content-type"] == "application/octet-stream"
    assert base64.b64decode(wrap(flask_app)(event, None)["body"]) == BINARY


def test_text_that_is_not_utf8_is_lossy() -> None:
    """Vendor limit: the controller reads text bodies as UTF-8, replacing bad bytes."""
    event = build_event(call("POST", "/", [("Content-Type", "text/plain")], b"caf\xe9"))
    info = _asgi(event)
    assert base64.b64decode(info["body"]) == "caf\ufffd".encode()


def test_head_and_204_send_no_body() -> None:
    event = build_event(call("HEAD", "/"))
    assert event["__ow_method"] == "head"
    reply = wrap(flask_app)(event, None)
    assert (reply["statusCode"], reply["body"]) == (200, "")
    reply = wrap(flask_app)(build_event(call("GET", "/", [("X-Reply-Status", "204")])), None)
    assert (reply["statusCode"], reply["body"]) == (204, "")


def test_default_action_json_and_form_bodies_are_rebuilt() -> None:
    json_call = call("POST", "/", [("Content-Type", "application/json")], b'{"a": [1, 2]}')
    event = build_event(json_call, raw=False)
    assert event["a"] == [1, 2] and "__ow_body" not in event
    assert base64.b64decode(_asgi(event)["body"]) == b'{"a":[1,2]}'
    form_call = call("POST", "/", [("Content-Type", "application/x-www-form-urlencoded")], b"x=1")
    assert base64.b64decode(_asgi(build_event(form_call, raw=False))["body"]) == b"x=1"
    array_call = call("POST", "/", [("Content-Type", "application/json")], b"[1, 2]")
    event = build_event(array_call, raw=False)
    assert event["__ow_body"] == [1, 2]  # not an object: passed as the JSON value
    assert base64.b64decode(_asgi(event)["body"]) == b"[1,2]"


def test_digitalocean_forms() -> None:
    target = "/a%2Fb?x=1&x=2"
    headers = [("Cookie", "a=1"), ("X-Forwarded-For", "6.6.6.6")]
    event = build_event(call("POST", target, headers, BINARY), digitalocean=True)
    assert set(event) == {"http"}
    assert event["http"]["isBase64Encoded"] is True
    info = seen(wrap(flask_app)(event, None))
    assert info["raw_uri"] == target
    assert sorted(map(tuple, info["args"])) == [("x", "1"), ("x", "2")]
    assert base64.b64decode(info["body"]) == BINARY
    # DigitalOcean documents x-forwarded-for as the client: the entry it added is last.
    assert info["remote_addr"] == "198.51.100.7"
    assert info["scheme"] == "https"
    default = build_event(call("GET", "/?q=1"), raw=False, digitalocean=True)
    assert set(default) == {"http", "q"}
    assert seen(wrap(flask_app)(default, None))["query_string"] == "q=1"


def test_built_events_have_the_samples_shape() -> None:
    body = b'{"note":"window seat"}'
    headers = [("Content-Type", "application/json"), ("Content-Length", "22")]
    built = build_event(call("POST", "/?trip=42", headers, body))
    sample = load_event(RAW)
    assert set(built) == set(sample)
    assert built["__ow_body"] == sample["__ow_body"]
    assert built["__ow_query"] == sample["__ow_query"]
    assert built["__ow_method"] == sample["__ow_method"] == "post"
    default = build_event(call("GET", "/?city=Porto&days=3"), raw=False)
    assert set(default) == set(load_event(QUERY))


# -- malformed events -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"__ow_body": "not*base64!"}, "__ow_body: expected base64 for this content type"),
        ({"__ow_method": None}, "__ow_method: expected a non-empty string, got None"),
        ({"__ow_headers": ["x"]}, "__ow_headers: expected an object, got list"),
        ({"__ow_path": ["/"]}, "__ow_path: expected a string, got list"),
        ({"__ow_query": 3}, "__ow_query: expected a string, got int"),
    ],
)
def test_malformed_events_get_a_400(change: dict[str, Any], message: str) -> None:
    event = load_event(RAW)
    event.update(change)
    reply = wrap(flask_app)(event, None)
    assert set(reply) == {"statusCode", "headers", "body"}
    assert reply["statusCode"] == 400
    assert header(reply, "content-type").startswith("text/plain")
    assert reply["body"].startswith("Bad Request: " + message)
