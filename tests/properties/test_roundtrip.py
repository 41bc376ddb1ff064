"""Round trips, for arbitrary requests and replies, through every adapter.

Request: an HTTP request (any path, query, header set, cookies, body) becomes
the vendor's event (the module's ``build_event``), the adapter decodes it,
and the WSGI app must see what a real server would give it for the same
request: ``SCRIPT_NAME`` + ``PATH_INFO`` from the raw path, the query's
parameters, every header as ``HTTP_*``, the cookies, the body byte for byte
with its true ``CONTENT_LENGTH``. Expected values are computed from the raw
request, the way gunicorn computes them, never from the adapter.

Reply: an app's status, headers, cookies and body (binary or text) go out
in the vendor's format and, read back as the vendor's client receives them
(``vendor_replies.http_response``), are the app's reply byte for byte.

Each vendor's documented limits are accounted for, not hidden: a direct
Yandex invocation has no path and no cookies; single-value reply formats keep
one Set-Cookie; OpenWhisk's default (non-raw) web actions lose the request's
shape, so only raw actions are compared. ``FAAS_BRIDGE_FUZZ=long`` runs more
cases.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import string
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faas_bridge import wrap
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.platforms import NAMES
from support.echo_apps import wsgi_app
from support.fuzz_events import BUILDERS, call_context, materialize
from support.vendor_replies import header_values, http_response

LONG = os.environ.get("FAAS_BRIDGE_FUZZ", "quick") == "long"
SETTINGS = settings(
    max_examples=300 if LONG else 12,
    deadline=None,
    database=None,
    derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: The mount prefix each variant's URLs carry (what the app sees as SCRIPT_NAME).
ROOTS = {
    "aws-apigw-v1-rest": "/prod",
    "tencent-scf-apigw": "/release",
    "azure": "/api",
    "aliyun-fc2": "/2016-08-15/proxy/faas-bridge/web",
}
#: Variants that cannot carry a request's shape: skipped, with the reason.
LOSSY_REQUESTS = {
    "openwhisk-default": "a default web action merges query and body into parameters",
}
#: Variants whose paths cannot carry a literal "%": the Azure Functions host
#: decodes the path, then re-escapes it keeping anything that looks like %XX.
NO_PERCENT = {"azure"}
#: Reply formats with one value per header name: only one Set-Cookie survives.
ONE_COOKIE = {
    "aws-alb-single-value",
    "aws-lattice-v2",
    "aws-lattice-v1",
    "aliyun-fc3",
    "aliyun-apigw",
    "tencent-cloudbase",
    "huawei-fg-apig",
}
#: Headers a vendor adds to every reply of its own accord (its client sees them too).
VENDOR_REPLY_HEADERS = {"content-length", "server", "date"}
#: Vendors whose servers speak plain http to the function.
HTTP_SCHEME = {"openfaas", "kubeless", "aliyun-fc2", "gcp"}

VARIANTS = [
    pytest.param(name, f"{name}-{variant}" if variant else name, build, id=variant or name)
    for name in NAMES
    for variant, build in BUILDERS.get(name, [])
]

#: The variants whose requests reach the app as sent (LOSSY_REQUESTS rewrite them;
#: tests/adapters/test_openwhisk.py covers that rewriting).
FAITHFUL_VARIANTS = [param for param in VARIANTS if param.values[1] not in LOSSY_REQUESTS]

# -- Requests ---------------------------------------------------------------------

#: Characters of path segments: RFC 3986 pchar, a space, '%', and non-ASCII text.
SEGMENT = st.text(
    alphabet=string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@ %é€ü😀",
    min_size=1,
    max_size=8,
).filter(lambda s: s not in (".", ".."))
PCHAR = "!$&'()*+,;=:@-._~"
QUERY_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " &=+/?%#,;:é€😀", max_size=8)
TOKEN = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
HEADER_VALUE = st.text(
    alphabet=string.ascii_letters + string.digits + " !#$%&'()*+,-./:;<=>?@[]^_`{|}~\"",
    max_size=20,
).map(str.strip)
COOKIE_VALUE = st.text(alphabet=string.ascii_letters + string.digits + "-._", max_size=8)


@st.composite
def requests(draw: st.DrawFn, percent: bool = True) -> dict[str, Any]:
    """A client request, as parts (unencoded) and as the HttpCall that carries them."""
    segment = SEGMENT if percent else SEGMENT.filter(lambda s: "%" not in s)
    segments = draw(st.lists(segment, min_size=0, max_size=4))
    path = "/" + "/".join(quote(s, safe=PCHAR) for s in segments)
    query = draw(st.dictionaries(QUERY_TEXT.filter(bool), QUERY_TEXT, max_size=4))
    headers = draw(st.dictionaries(TOKEN.map(lambda t: "x-rt-" + t), HEADER_VALUE, max_size=5))
    cookies = draw(st.dictionaries(TOKEN, COOKIE_VALUE, max_size=3))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
    body = b""
    content_type = None
    if method in ("POST", "PUT", "PATCH"):
        if draw(st.booleans()):
            body, content_type = draw(st.binary(max_size=600)), "application/octet-stream"
        else:
            text = draw(st.text(max_size=200).filter(lambda t: "\x00" not in t))
            body = text.encode("utf-8", "surrogatepass")
            content_type = "text/plain; charset=utf-8"
            if not _utf8(body):
                body, content_type = b"", None
    call_headers = list(headers.items())
    if cookies:
        call_headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    if content_type:
        call_headers.append(("Content-Type", content_type))
    target = path + (
        "?" + "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in query.items())
        if query
        else ""
    )
    return {
        "call": HttpCall(method, target, call_headers, body),
        "method": method,
        "path": path,
        "query": list(query.items()),
        "headers": headers,
        "cookies": cookies,
        "body": body,
        "content_type": content_type,
    }


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


HANDLER = wrap(wsgi_app)


def seen_by_app(vendor: str, build: Any, call: HttpCall) -> dict[str, Any]:
    event, context = call_context(materialize(build(call)), vendor)
    reply = HANDLER(copy.copy(event), context)
    status, _, body = http_response(vendor, reply, event, context)
    assert status == 200, body[:500]
    seen: dict[str, Any] = json.loads(body)
    return seen


@pytest.mark.parametrize(("vendor", "variant", "build"), FAITHFUL_VARIANTS)
def test_the_app_sees_what_a_server_would_give_it(vendor: str, variant: str, build: Any) -> None:
    root = ROOTS.get(variant, "")
    direct = variant == "yandex-direct"

    @SETTINGS
    @given(request=requests(percent=variant not in NO_PERCENT))
    def check(request: dict[str, Any]) -> None:
        seen = seen_by_app(vendor, build, request["call"])
        assert seen["method"] == request["method"]
        # What gunicorn gives for the same request target.
        path = "/" if direct else request["path"]
        assert seen["script_name"] == root
        assert seen["path_info"] == unquote_to_bytes(path).decode("latin-1")
        if seen["raw_uri"] is not None:
            assert seen["raw_uri"].partition("?")[0] == quote(root, safe="/") + path
        assert parse_qsl(seen["query_string"], keep_blank_values=True) == request["query"]
        environ_headers = dict(seen["headers"])
        for name, value in request["headers"].items():
            assert environ_headers["HTTP_" + name.upper().replace("-", "_")] == value
        if request["cookies"] and not direct:  # a direct Yandex invocation strips Cookie
            expected = "; ".join(f"{k}={v}" for k, v in request["cookies"].items())
            assert environ_headers["HTTP_COOKIE"] == expected
        assert base64.b64decode(seen["body"]) == request["body"]
        if request["body"]:
            assert seen["content_length"] == str(len(request["body"]))
            assert seen["content_type"] == request["content_type"]
        assert seen["scheme"] == ("http" if vendor in HTTP_SCHEME else "https")

    check()


#: Variants that deliver one value per request header name (documented: the last).
ONE_HEADER_VALUE = {"aws-alb-single-value", "openwhisk-raw", "openwhisk-digitalocean"}
#: Variants that deliver one value per query key, or join a key's values with commas.
ONE_QUERY_VALUE = {
    "aws-alb-single-value",
    "aliyun-fc3",
    "aliyun-apigw",
    "tencent-cloudbase",
    "huawei-fg-apig",
    "scaleway",
}


@pytest.mark.parametrize(("vendor", "variant", "build"), FAITHFUL_VARIANTS)
def test_repeated_headers_and_query_keys_arrive_in_order(
    vendor: str, variant: str, build: Any
) -> None:
    values = st.lists(HEADER_VALUE.filter(lambda v: v and "," not in v), min_size=2, max_size=3)

    @SETTINGS
    @given(headers=values, query=st.lists(QUERY_TEXT, min_size=2, max_size=3))
    def check(headers: list[str], query: list[str]) -> None:
        target = "/?" + "&".join(f"k={quote_plus(v)}" for v in query)
        call = HttpCall("GET", target, [("X-Rt-Many", v) for v in headers])
        seen = seen_by_app(vendor, build, call)
        joined = dict(seen["headers"])["HTTP_X_RT_MANY"]
        got = [part.strip() for part in joined.split(",")]
        assert got == (headers[-1:] if variant in ONE_HEADER_VALUE else headers)
        if variant not in ONE_QUERY_VALUE:
            parsed = parse_qsl(seen["query_string"], keep_blank_values=True)
            assert parsed == [("k", v) for v in query]

    check()


# -- Replies ------------------------------------------------------------------------

REPLY_NAME = TOKEN.map(lambda t: "X-Rt-" + t.capitalize())


@st.composite
def replies(draw: st.DrawFn, cookies_max: int) -> dict[str, Any]:
    status = draw(st.integers(200, 599).filter(lambda s: s not in (204, 205, 304)))
    headers = draw(st.dictionaries(REPLY_NAME, HEADER_VALUE, max_size=5))
    cookies = draw(
        st.lists(
            st.tuples(TOKEN, COOKIE_VALUE).map(lambda c: f"{c[0]}={c[1]}; Path=/"),
            max_size=cookies_max,
        )
    )
    if draw(st.booleans()):
        body, content_type = draw(st.binary(max_size=800)), "application/octet-stream"
    else:
        body = draw(st.text(max_size=200)).encode("utf-8", "replace")
        content_type = "text/plain; charset=utf-8"
    return {
        "status": status,
        "headers": [("Content-Type", content_type), *headers.items()],
        "cookies": cookies,
        "body": body,
    }


@pytest.mark.parametrize(("vendor", "variant", "build"), VARIANTS)
def test_the_client_gets_the_apps_reply_byte_for_byte(
    vendor: str, variant: str, build: Any
) -> None:
    cookies_max = 1 if variant in ONE_COOKIE else 3

    @SETTINGS
    @given(reply=replies(cookies_max))
    def check(reply: dict[str, Any]) -> None:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            headers = reply["headers"] + [("Set-Cookie", c) for c in reply["cookies"]]
            start_response(f"{reply['status']} Whatever", headers)
            return [reply["body"]]

        handler = wrap(app)
        event, context = call_context(materialize(build(HttpCall())), vendor)
        status, headers, body = http_response(
            vendor, handler(copy.copy(event), context), event, context
        )
        assert status == reply["status"]
        assert body == reply["body"]
        for name, value in reply["headers"]:
            if vendor == "openwhisk" and not reply["body"] and name == "Content-Type":
                # The controller serves an empty body with no entity, and drops the
                # Content-Type with it (WebActions.scala, respondWithEmptyEntity).
                assert header_values(headers, name) == []
                continue
            assert header_values(headers, name) == [value], (name, headers)
        assert header_values(headers, "set-cookie") == reply["cookies"]
        sent = {name.lower() for name, _ in reply["headers"]} | {"set-cookie"}
        extra = {name.lower() for name, _ in headers} - sent - VENDOR_REPLY_HEADERS
        assert not extra, extra

    check()
