"""Tencent Cloud: SCF behind API Gateway, and CloudBase's HTTP access service.

Expected values are read off the samples (``tests/samples``, and the extra
corpus when ``FAAS_BRIDGE_EVENTS`` names one) by hand, following Tencent's
documentation: the SCF event's ``path`` has no stage (which leads the URL on
the gateway's default domains), ``queryString`` is the whole decoded query,
the client is ``requestContext.sourceIp``, and a repeated reply header is a
list of strings.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest

from faas_bridge import wrap
from faas_bridge.devtools.emulators.tencent import build_cloudbase_event, build_event
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from support.echo_apps import asgi_app, flask_app
from support.events import load_event, reply_body
from support.sample_tables import assert_tables_cover, table_cases
from support.vendor_checks import (
    BINARY,
    REPLY_TYPES,
    asgi_view,
    b64,
    call,
    check_reply_shape,
    flask_view,
    seen,
    single_header_values,
)

DOC = "tencent-scf-apigw/integration-request.json"
SCFCLI = "tencent-scf-apigw/scf-cli-local-request.json"
DEFAULT_HOST = "service-3ei3tii4-1251000691.gz.apigw.tencentcs.com"

#: The example event of docs.cloudbase.net/service/access-cloud-function ("集成请求"),
#: transcribed; there is no sample file for CloudBase.
CLOUDBASE_DOC_EVENT: dict[str, Any] = {
    "path": "/",
    "httpMethod": "GET",
    "headers": {
        "host": "env-id.service.tcloudbase.com",
        "connection": "close",
        "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/79.0.3945.88 Safari/537.36",
        "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.9",
        "accept-encoding": "gzip, deflate, br",
        "accept-language": "zh-CN,zh;q=0.9,en;q=0.8",
    },
    "requestContext": {
        "requestId": "cdbb96328072184d19d3fcd243e8cc4d",
        "envId": "env-id",
        "appId": 123456789,
        "uin": 123456789,
    },
    "isBase64Encoded": False,
    "body": "",
}

Row = tuple[str, str, str, list[tuple[str, str]], str, str | None]
#: file -> (method, path below the mount, root, sorted args, body, client)
EXPECTED: dict[str, Row] = {
    # On the gateway's default domain the URL starts with the stage: the mount point.
    # The query is queryString (notify was declared on the API, source was not).
    DOC: (
        "PUT",
        "/notes/n-0042",
        "/release",
        [("notify", "true"), ("source", "web")],
        '{"title": "Groceries", "done": false}',
        "203.0.113.120",
    ),
    # A custom domain: no stage in the URL. scf-cli's local events come from 127.0.0.1.
    SCFCLI: (
        "POST",
        "/echo",
        "",
        [("debug", "1")],
        '{"message": "hello from scf local"}',
        "127.0.0.1",
    ),
}
#: The same for the extra corpus's files. Their host (…apigateway.myqloud.com,
#: sic) is no gateway default domain, so the stage is not a mount point there.
Q = [("bob", "alice"), ("foo", "bar")]
EXTRA_EXPECTED: dict[str, Row] = {
    "extra/tencent-scf-apigw/doc-integration-request.json": (
        "POST",
        "/test/value",
        "",
        Q,
        '{"test":"body"}',
        "10.0.2.14",
    ),
    "extra/tencent-scf-apigw/scfcli-proxy.json": (
        "POST",
        "/test/value",
        "",
        Q,
        '{"msg": "hello apigateway"}',
        "127.0.0.1",
    ),
}
CASES = table_cases(EXPECTED, EXTRA_EXPECTED, "tencent-scf-apigw")


def test_every_sample_has_an_expectation() -> None:
    assert_tables_cover(EXPECTED, EXTRA_EXPECTED, "tencent-scf-apigw")


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_app_sees_the_sample_request(name: str, app: Any, view: Any) -> None:
    method, path, root, args, body, client = CASES[name]
    reply = wrap(app)(load_event(name), None)
    assert reply["statusCode"] == 200
    assert view(seen(reply)) == (method, path, root, args, b64(body), client)


def test_query_comes_from_query_string_not_declared_parameters() -> None:
    """queryStringParameters holds only the API's declared ones (notify); source is real too."""
    event = load_event(DOC)
    assert event["queryStringParameters"] == {"notify": "true"}
    assert seen(wrap(flask_app)(event, None))["query_string"] == "notify=true&source=web"
    # With no queryString the declared parameters are all there is.
    del event["queryString"]
    assert seen(wrap(flask_app)(event, None))["query_string"] == "notify=true"


@pytest.mark.parametrize("app", [flask_app, asgi_app], ids=["flask", "asgi"])
@pytest.mark.parametrize(
    "host", [DEFAULT_HOST, DEFAULT_HOST.replace(".apigw.tencentcs.com", ".apigateway.myqcloud.com")]
)
def test_default_domain_mounts_the_app_at_the_stage(app: Any, host: str) -> None:
    event = load_event(DOC)
    event["headers"]["Host"] = host
    info = seen(wrap(app)(event, None))
    assert info["url"] == f"https://{host}/release/notes/n-0042?notify=true&source=web"
    if app is flask_app:
        assert (info["script_root"], info["path"]) == ("/release", "/notes/n-0042")
    else:
        assert (info["root_path"], info["raw_path"]) == ("/release", "/release/notes/n-0042")


def test_custom_domain_has_no_stage_in_the_url() -> None:
    info = seen(wrap(flask_app)(load_event(SCFCLI), None))
    assert info["url"] == "https://api.example.com/echo?debug=1"
    event = load_event(DOC)
    event["headers"]["Host"] = "notes.example.com"
    info = seen(wrap(flask_app)(event, None))
    assert (info["script_root"], info["path"]) == ("", "/notes/n-0042")


def test_custom_domain_uses_the_base_path() -> None:
    event = load_event(DOC)
    event["headers"]["Host"] = "api.example.com"
    event["path"] = "/v1/notes/n-0042"
    info = seen(wrap(flask_app, base_path="v1")(event, None))
    assert (info["script_root"], info["path"]) == ("/v1", "/notes/n-0042")


# -- replies ---------------------------------------------------------------------


def test_reply_keeps_every_repeated_header_as_a_list() -> None:
    reply = wrap(flask_app)(load_event(DOC), None)
    check_reply_shape(reply)
    headers = {name.lower(): value for name, value in reply["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-repeat"] == ["one", "two"]
    assert [c.split(";")[0] for c in headers["set-cookie"]] == ["a=1", "b=2"]
    for value in headers.values():
        assert isinstance(value, str) or all(isinstance(v, str) for v in value)


def test_binary_reply_is_base64() -> None:
    event = load_event(DOC)
    event["headers"]["X-Reply-Binary"] = "1"
    event["body"] = b64(BINARY)
    event["isBase64Encoded"] = True
    reply = wrap(asgi_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


# -- fidelity through build_event ---------------------------------------------------


def _asgi(event: dict[str, Any]) -> Any:
    return seen(wrap(asgi_app)(event, None))


@pytest.mark.parametrize(
    ("target", "raw_path", "path"),
    [
        ("/release/a%20b", "/release/a%20b", "/release/a b"),
        ("/release/a%2Fb", "/release/a%2Fb", "/release/a/b"),
        ("/release/caf%C3%A9", "/release/caf%C3%A9", "/release/caf\u00e9"),
    ],
)
def test_paths_keep_their_encoding(target: str, raw_path: str, path: str) -> None:
    # Our reading: `path` is left encoded (Tencent's own shims unquote it).
    info = _asgi(build_event(call("GET", target)))
    assert (info["root_path"], info["raw_path"], info["path"]) == ("/release", raw_path, path)


def test_stage_must_lead_the_url_on_a_default_domain() -> None:
    with pytest.raises(ValueError, match="starts with the stage '/release'"):
        build_event(call("GET", "/other"))


def test_repeated_query_keys_are_kept() -> None:
    # GUESS on the representation: a repeated key as a list in queryString.
    event = build_event(call("GET", "/release/q?a=1&a=2&b=x%20y"))
    assert event["queryString"] == {"a": ["1", "2"], "b": "x y"}
    assert _asgi(event)["query_string"] == "a=1&a=2&b=x+y"


def test_repeated_headers_and_cookies() -> None:
    headers = [("X-Dup", "one"), ("X-Dup", "two"), ("Cookie", "a=1; b=2")]
    info = seen(wrap(flask_app)(build_event(call("GET", "/release/", headers)), None))
    assert dict(map(tuple, info["headers"]))["x-dup"] == "one,two"
    assert info["cookies"] == [["a", "1"], ["b", "2"]]


def test_two_set_cookies_out() -> None:
    reply = wrap(flask_app)(build_event(call("GET", "/release/")), None)
    assert len(reply["headers"]["Set-Cookie"]) == 2


def test_bytes_both_ways() -> None:
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    event = build_event(call("POST", "/release/upload", headers, BINARY))
    assert event["isBase64Encoded"] is True
    reply = wrap(flask_app)(event, None)
    assert reply["isBase64Encoded"] is True
    assert base64.b64decode(reply["body"]) == BINARY


def test_head_and_204_send_no_body() -> None:
    reply = wrap(flask_app)(build_event(call("HEAD", "/release/")), None)
    assert (reply["statusCode"], reply["body"]) == (200, "")
    assert int(reply["headers"]["Content-Length"]) > 0
    event = build_event(call("GET", "/release/", [("X-Reply-Status", "204")]))
    reply = wrap(flask_app)(event, None)
    assert (reply["statusCode"], reply["body"], reply["isBase64Encoded"]) == (204, "", False)


def test_built_event_has_the_samples_shape() -> None:
    json_type = [("Content-Type", "application/json")]
    built = build_event(call("PUT", "/release/notes/n-0042?notify=true", json_type, b"{}"))
    sample = load_event(DOC)
    assert set(built) == set(sample)  # no isBase64Encoded for a text body, as in the doc
    assert set(built["requestContext"]) == set(sample["requestContext"])
    assert built["requestContext"]["serviceId"] == "service-abcd1234"


# -- malformed events -------------------------------------------------------------


def test_broken_base64_is_a_400(caplog: pytest.LogCaptureFixture) -> None:
    event = load_event(DOC)
    event["body"] = "not*base64!"
    event["isBase64Encoded"] = True
    reply = wrap(flask_app)(event, {"request_id": "req-tc"})  # SCF's context is a dict
    check_reply_shape(reply)
    assert (reply["statusCode"], reply["isBase64Encoded"]) == (400, False)
    assert reply_body(reply).startswith(b"Bad Request: body: flagged base64 but not valid")
    assert any("req-tc" in r.getMessage() for r in caplog.records)


def test_missing_method_and_wrong_types_are_a_400(caplog: pytest.LogCaptureFixture) -> None:
    event = load_event(SCFCLI)
    del event["httpMethod"]
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: httpMethod: expected a non-empty string, got None"
    # Without a context the request id comes from the event.
    assert any("0e6f1a2b-8c4d-4e3f-b5a6-7d8e9f0a1b2c" in r.getMessage() for r in caplog.records)
    event = load_event(SCFCLI)
    event["queryString"] = "debug=1"
    reply = wrap(flask_app)(event, None)
    assert reply_body(reply) == b"Bad Request: queryString: expected an object, got str"


# -- CloudBase --------------------------------------------------------------------


def test_cloudbase_event_is_its_own_platform() -> None:
    platforms = load_platforms(Options())
    assert [p.name for p in platforms if p.matches(CLOUDBASE_DOC_EVENT)] == ["tencent-cloudbase"]
    assert [p.name for p in platforms if p.matches(build_cloudbase_event(call()))] == [
        "tencent-cloudbase"
    ]


@pytest.mark.parametrize(
    "app, view", [(flask_app, flask_view), (asgi_app, asgi_view)], ids=["flask", "asgi"]
)
def test_cloudbase_doc_event(app: Any, view: Any) -> None:
    reply = wrap(app)(dict(CLOUDBASE_DOC_EVENT), None)
    check_reply_shape(reply)
    # No client address field: unknown rather than guessed.
    assert view(seen(reply)) == ("GET", "/", "", [], "", None)
    assert seen(reply)["url"] == "https://env-id.service.tcloudbase.com/"


def test_cloudbase_reply_keeps_one_cookie_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(flask_app)
    with caplog.at_level(logging.WARNING, logger="faas_bridge"):
        reply = handler(dict(CLOUDBASE_DOC_EVENT), None)
        handler(dict(CLOUDBASE_DOC_EVENT), None)
    assert set(reply) == set(REPLY_TYPES)
    headers = single_header_values(reply)
    assert headers["set-cookie"].startswith("b=2;")
    assert headers["x-repeat"] == "one, two"
    warnings = [r for r in caplog.records if "Set-Cookie" in r.getMessage()]
    assert len(warnings) == 1 and "CloudBase" in warnings[0].getMessage()


def test_cloudbase_fidelity() -> None:
    info = _asgi(build_cloudbase_event(call("GET", "/api/caf%C3%A9?a=1&a=2&b=x%20y")))
    assert (info["raw_path"], info["path"]) == ("/api/caf%C3%A9", "/api/caf\u00e9")
    # Vendor limit: one value per query key (the builder keeps the last).
    assert info["query_string"] == "a=2&b=x+y"
    headers = [("Content-Type", "application/octet-stream"), ("X-Reply-Binary", "1")]
    reply = wrap(flask_app)(build_cloudbase_event(call("POST", "/up", headers, BINARY)), None)
    assert base64.b64decode(reply["body"]) == BINARY
    reply = wrap(flask_app)(build_cloudbase_event(call("HEAD", "/")), None)
    assert (reply["statusCode"], reply["body"]) == (200, "")


def test_cloudbase_built_event_has_the_doc_shape() -> None:
    built = build_cloudbase_event(call("GET", "/?x=1"))
    assert set(built) == set(CLOUDBASE_DOC_EVENT) | {"queryStringParameters"}
    assert set(built["requestContext"]) == set(CLOUDBASE_DOC_EVENT["requestContext"])


def test_cloudbase_malformed_is_a_400() -> None:
    event = dict(CLOUDBASE_DOC_EVENT, body="%%%", isBase64Encoded=True)
    reply = wrap(flask_app)(event, None)
    assert (reply["statusCode"], reply["isBase64Encoded"]) == (400, False)
    assert set(reply) == set(REPLY_TYPES)
