"""``faas-bridge serve --platform X`` against a real server, for every vendor but the AWS gateways.

The AWS API Gateway, Function URL and ALB modes have their own comparison
(``test_gateway.py``); here are the other fifteen platforms: Lambda@Edge, VPC
Lattice, Yandex, Alibaba FC 3.0 / FC 2.0 / API Gateway, Tencent SCF /
CloudBase, Huawei, OpenWhisk, Scaleway, OpenFaaS, kubeless, Azure and Google.

One ``serve`` process per platform (all started at once for this module, on
127.0.0.1) serves ``vendor_apps``: the WSGI echo app for some platforms, the
ASGI one for the others, so both bridges meet every kind of vendor. Each
request is also sent to the same app under gunicorn (WSGI) or uvicorn (ASGI),
mounted where the vendor mounts it (OpenWhisk's action URL, Azure's ``/api``),
with the same Host. What the app saw (method, path, query, the request
headers the client sent, cookies, body) and what the client got back
(status, reply headers, body) must be equal, up to the differences the vendor
makes: :data:`DIFFERENCES` names each one per platform with the documentation
it comes from. Headers a vendor adds on the way (``X-Forwarded-*``, ``Via``,
request ids) and those every server writes itself (Date, Server, Connection,
Content-Length) are not compared.

Facts come from /work/shared/EVENTS.md (its source tags, e.g. [YC-INVOKE],
are the vendor documents listed there) and the runtimes' own code where the
vendor runs a known server (waitress for OpenFaaS, Bottle for kubeless,
gunicorn for Google's functions-framework, the azure-functions library).
"""

from __future__ import annotations

import base64
import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from faas_bridge.devtools.emulators import emulator_class
from faas_bridge.devtools.emulators.openwhisk import ACTION_URL
from faas_bridge.platforms.aws_edge import BODY_LIMITS, REPLY_LIMITS
from support import aws_oracle as oracle
from support.cli_apps import big_body
from support.cli_servers import CliAppsServer, Gateway, start_all, stop_all
from support.vendor_apps import digest

Case = oracle.Case
JSON_BODY = '{"name": "café", "items": [1, 2]}'.encode()

#: The requests: the oracle's (paths with a space, %2F and é, a repeated query
#: key and header, two cookies in, binary bodies both ways, HEAD, 204, 304, a
#: trailing slash) and a JSON body, a 418 and a redirect. Every echo reply
#: carries two Set-Cookie lines and a repeated X-Repeat.
CASES = (
    *oracle.CASES,
    Case("json_body", "/j", "POST", (("Content-Type", "application/json"),), JSON_BODY),
    Case("teapot", "/t", headers=(("X-Reply-Status", "418"),)),
    Case("redirect", "/redirect/relative"),
)
#: Reply headers every server writes itself, and the one each computes anew.
SERVER_HEADERS = oracle.SERVER_HEADERS | {"content-length"}


# -- What was seen and answered --------------------------------------------------------------


@dataclass
class View:
    """One side's answer: the reply, and for an echo what the app saw (comparable parts)."""

    status: int
    headers: dict[str, list[str]]
    body: bytes
    seen: dict[str, Any] | None
    case: Case


def view(reply: oracle.Reply, case: Case) -> View:
    headers: dict[str, list[str]] = {}
    for name, value in reply.headers:
        if name not in SERVER_HEADERS:
            headers.setdefault(name, []).append(value)
    seen = None
    if reply.body and headers.get("content-type") == ["application/json"]:
        echo = json.loads(reply.body)
        sent = {name.lower() for name, _ in case.all_headers}
        seen = {key: echo.get(key) for key in ("method", "path", "query_string", "args")}
        seen["cookies"] = sorted(map(tuple, echo["cookies"]))
        seen["body"] = echo["body"]
        seen["headers"] = sorted(
            (name, value) for name, value in echo["headers"] if name in sent | {"content-type"}
        )
        return View(reply.status, headers, b"", seen, case)
    return View(reply.status, headers, reply.body, None, case)


def repeated(case: Case) -> dict[str, list[str]]:
    """The request headers the case sends more than once: lower-case name -> values."""
    values: dict[str, list[str]] = {}
    for name, value in case.all_headers:
        values.setdefault(name.lower(), []).append(value)
    return {name: found for name, found in values.items() if len(found) > 1}


# -- The vendors' differences, each a named rule -------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One thing the vendor does to a request or reply, and the document that says so."""

    what: str
    source: str
    #: Edits the real server's view into what the vendor's client gets.
    expect: Callable[[View], None] = lambda v: None
    #: Applied to both views alike: a representation change only.
    normalise: Callable[[View], None] = lambda v: None
    #: The request the real server is sent instead (the vendor changes it first).
    request: Callable[[Case], Case] = lambda c: c


def _policy(pairs: list[tuple[str, str]], policy: str) -> list[tuple[str, str]]:
    """A repeated key's values as the vendor keeps them: kept, first, last or joined (,)."""
    if policy == "kept":
        return pairs
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    pick = {"first": lambda v: v[0], "last": lambda v: v[-1], "joined": ",".join}[policy]
    return [(key, pick(values)) for key, values in grouped.items()]


def query_rebuilt(policy: str, source: str) -> Rule:
    """No raw query reaches the function: it is rebuilt from decoded parameters."""

    def normalise(v: View) -> None:
        if v.seen is not None:
            v.seen["query_string"] = parse_qsl(v.seen["query_string"], keep_blank_values=True)

    def expect(v: View) -> None:
        if v.seen is not None:
            v.seen["query_string"] = _policy(v.seen["query_string"], policy)
            if v.seen["args"] is not None:
                v.seen["args"] = sorted(map(list, _policy(v.seen["args"], policy)))

    what = "query rebuilt from decoded parameters" + (
        "" if policy == "kept" else f", a repeated key's values {policy}"
    )
    return Rule(what, source, expect, normalise)


def headers_joined(separator: str, source: str) -> Rule:
    def expect(v: View) -> None:
        if v.seen is not None:
            many = repeated(v.case)
            kept = [h for h in v.seen["headers"] if h[0] not in many]
            joined = [(name, separator.join(values)) for name, values in many.items()]
            v.seen["headers"] = sorted(kept + joined)

    return Rule(f"a repeated request header comma-joined ({separator!r})", source, expect)


def header_last(source: str) -> Rule:
    def expect(v: View) -> None:
        if v.seen is not None:
            many = repeated(v.case)
            kept = [h for h in v.seen["headers"] if h[0] not in many]
            v.seen["headers"] = sorted(kept + [(n, vs[-1]) for n, vs in many.items()])

    return Rule("a repeated request header: the last value only", source, expect)


def reply_single_values(cookies: str, source: str) -> Rule:
    """One value per reply header name: repeats comma-joined; Set-Cookie ``last`` or ``all``."""

    def expect(v: View) -> None:
        for name, values in v.headers.items():
            if name != "set-cookie":
                v.headers[name] = [", ".join(values)]
            elif cookies == "last":
                v.headers[name] = values[-1:]

    what = "one value per reply header (repeats joined)" + (
        ", one Set-Cookie: the last" if cookies == "last" else ", every Set-Cookie kept"
    )
    return Rule(what, source, expect)


def reply_header_added(name: str, value: str, source: str, *, when_absent: bool = True) -> Rule:
    def expect(v: View) -> None:
        if not (when_absent and name in v.headers):
            v.headers[name] = [value]

    return Rule(f"reply gets {name}: {value}" + (" when it has none" * when_absent), source, expect)


def reply_header_dropped(name: str, source: str, statuses: tuple[int, ...] = ()) -> Rule:
    def expect(v: View) -> None:
        if not statuses or v.status in statuses:
            v.headers.pop(name, None)

    where = f" on {'/'.join(map(str, statuses))}" if statuses else ""
    return Rule(f"reply header {name} dropped{where}", source, expect)


def request_header_dropped(name: str, source: str) -> Rule:
    def expect(v: View) -> None:
        if v.seen is not None:
            v.seen["headers"] = [h for h in v.seen["headers"] if h[0] != name]
            if name == "cookie":
                v.seen["cookies"] = []

    return Rule(f"request header {name} removed", source, expect)


def request_header_default(name: str, value: str, source: str) -> Rule:
    def expect(v: View) -> None:
        if v.seen is not None and not any(h[0] == name for h in v.seen["headers"]):
            v.seen["headers"] = sorted([*v.seen["headers"], (name, value)])

    return Rule(f"request without {name} gets {value}", source, expect)


def path_lost(source: str) -> Rule:
    """A direct call carries no path: every request reaches the app as ``/`` (query kept)."""

    def request(case: Case) -> Case:
        _, mark, query = case.target.partition("?")
        return replace(case, target="/" + mark + query)

    return Rule("the path is lost: the app sees / for every URL", source, request=request)


# Sources, as EVENTS.md tags them (its section 21 lists each document).
CF = "[CF-EVT] lambda-event-structure; [CF-RESP] lambda-generating-http-responses-in-requests"
LATTICE = "[LATTICE] lambda-functions (response: ALB's shape, one value per header)"
YC = "[YC-INVOKE] functions/concepts/function-invoke"
FC3 = "[FC3] fc-3-0 http-trigger-invoking-function"
FC_APIGW = "[FC-APIGW] configure-an-api-gateway-trigger"
FC2 = "[FC2-HTTP] fc-2-0 http-handlers (the runtime's WSGI environ)"
TC = "[TC-APIGW] API 网关触发器概述"
TCB = "CloudBase HTTP access service, integrated request (one value per query key)"
HW = "[HW-OTC] trigger_apig_event (single-valued headers and query)"
OW = "[OW] docs/webactions.md (raw HTTP web actions)"
SCW = "[SCW] scaleway_functions_python/local (event.py, serving.py)"
WAITRESS = "python3-http template served by waitress: parser.py joins repeats with ', '"
BOTTLE = "kubeless Python runtime (Bottle): BaseResponse.bad_headers, default Content-Type"
AZ = "[AZ-LIB] azure/functions/http.py, _http.py (HttpResponse's default mimetype text/plain)"


@dataclass(frozen=True)
class Vendor:
    """One platform served, the app it serves, and the differences its vendor makes."""

    name: str
    app: str
    rules: tuple[Rule, ...] = ()
    args: tuple[str, ...] = ()
    mount: str = ""
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", "gunicorn" if self.app == "flask_app" else "uvicorn")


VENDORS = (
    Vendor("aws-edge", "flask_app"),  # the viewer request as sent, every header a list
    Vendor(
        "aws-lattice",
        "asgi_app",
        (reply_single_values("last", LATTICE),),
    ),
    Vendor(
        "yandex",
        "flask_app",
        (
            path_lost(YC + ": the direct call's event has no path field"),
            query_rebuilt("kept", YC + ": multiValueQueryStringParameters, decoded"),
            request_header_dropped("cookie", YC + ": Cookie among the removed headers"),
        ),
    ),
    Vendor(
        "aliyun-fc3",
        "asgi_app",
        (
            query_rebuilt("joined", FC3 + ": queryParameters, repeats comma-separated"),
            headers_joined(",", FC3 + ": headers, repeats comma-separated"),
            reply_single_values("last", FC3 + ": headers {k: v}, one value each"),
        ),
    ),
    Vendor(
        "tencent-scf-apigw",
        "flask_app",
        (
            query_rebuilt("kept", TC + ": queryString, the complete query as a dict"),
            reply_header_dropped("location", TC + ": 'the Location key header is not supported'"),
        ),
    ),
    Vendor(
        "tencent-cloudbase",
        "asgi_app",
        (
            query_rebuilt("last", TCB),
            headers_joined(",", TCB),
            reply_single_values("last", TCB),
        ),
    ),
    Vendor(
        "huawei-fg-apig",
        "flask_app",
        (
            query_rebuilt("last", HW + ": queryStringParameters {k: v}"),
            reply_single_values("last", HW + ": headers {k: v}"),
        ),
    ),
    Vendor(
        "aliyun-apigw",
        "asgi_app",
        (
            query_rebuilt("first", FC_APIGW + ": queryParameters {k: v}"),
            headers_joined(",", FC_APIGW + ": headers {k: v}"),
            reply_single_values("last", FC_APIGW + ": headers {k: v}"),
        ),
    ),
    Vendor(
        "openwhisk",
        "flask_app",
        (
            query_rebuilt("kept", OW + ": __ow_query re-rendered by the controller"),
            header_last(OW + ": __ow_headers, one string per name"),
            reply_header_added(
                "content-type", "text/html; charset=UTF-8", OW + ": a string body is text/html"
            ),
        ),
        mount=ACTION_URL,
    ),
    Vendor(
        "scaleway",
        "asgi_app",
        (
            query_rebuilt("first", SCW + ": queryStringParameters, one value per key"),
            headers_joined(",", SCW + ": headers, single-valued"),
            reply_header_added("access-control-allow-origin", "*", SCW + ": added by the front"),
        ),
    ),
    Vendor(
        "openfaas",
        "flask_app",
        (
            headers_joined(", ", WAITRESS),
            reply_header_added("content-type", "text/html; charset=utf-8", "Flask make_response"),
        ),
    ),
    Vendor(
        "kubeless",
        "asgi_app",
        (
            headers_joined(", ", "kubeless's WSGI server (repeats in one environ key)"),
            reply_header_added("content-type", "text/html; charset=UTF-8", BOTTLE),
            reply_header_dropped("content-type", BOTTLE, statuses=(204, 304)),
        ),
    ),
    Vendor(
        "azure",
        "flask_app",
        (
            reply_single_values("all", AZ + ": Set-Cookie apart, other headers {name: value}"),
            reply_header_added("content-type", "text/plain; charset=utf-8", AZ),
        ),
        mount="/api",
    ),
    Vendor(
        "gcp",
        "asgi_app",
        (headers_joined(",", "[FF] functions-framework under gunicorn (repeats joined ',')"),),
    ),
    Vendor(
        "aliyun-fc2",
        "flask_app",
        (
            request_header_default(
                "content-type", "application/octet-stream", FC2 + ": CONTENT_TYPE's default"
            ),
        ),
    ),
)
VENDOR = {vendor.name: vendor for vendor in VENDORS}
#: The AWS gateways, compared with real servers in test_gateway.py: served here
#: only to hold their declared Passage to what they do.
AWS = (
    Vendor("aws-apigw-v2", "asgi_app"),
    Vendor("aws-apigw-v1", "flask_app", mount="/prod"),
    Vendor("aws-function-url", "asgi_app"),
    Vendor("aws-alb", "asgi_app"),
)


# -- The servers ---------------------------------------------------------------------------------


class VendorAppsServer(CliAppsServer):
    """gunicorn/uvicorn serving ``vendor_apps``."""

    def command(self) -> list[str]:
        return [*super().command()[:-1], f"support.vendor_apps:{self.app}"]

    def start(self, log_dir: Path) -> None:
        # The log is named after the prefix: OpenWhisk's has slashes in it.
        name = f"{self.kind}-{self.app}-{self.prefix.strip('/') or 'root'}"
        (log_dir / name).parent.mkdir(parents=True, exist_ok=True)
        super().start(log_dir)


@dataclass
class Servers:
    gateways: dict[str, Gateway]
    reals: dict[tuple[str, str], VendorAppsServer]

    def real(self, vendor: Vendor) -> VendorAppsServer:
        return self.reals[(vendor.app, vendor.mount)]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    gateways = {
        v.name: Gateway(v.name, [f"support.vendor_apps:{v.app}", "--platform", v.name, *v.args])
        for v in (*VENDORS, *AWS)
    }
    reals = {
        (v.app, v.mount): VendorAppsServer(app=v.app, kind=v.kind, prefix=v.mount) for v in VENDORS
    }
    try:
        start_all(gateways.values(), reals.values(), tmp_path_factory.mktemp("vendors"))
        yield Servers(gateways, reals)
    finally:
        stop_all([*gateways.values(), *reals.values()])


def host(gateway: Gateway) -> tuple[str, str]:
    return ("Host", f"127.0.0.1:{gateway.port}")


def send(servers: Servers, vendor: Vendor, case: Case) -> oracle.Reply:
    gw = servers.gateways[vendor.name]
    return oracle.send_real(
        gw.port, case.method, vendor.mount + case.target, [host(gw), *case.all_headers], case.body
    )


def both(servers: Servers, vendor: Vendor, case: Case) -> tuple[View, View]:
    """(what the vendor's client should get, what it got), views normalised alike."""
    gateway, real = servers.gateways[vendor.name], servers.real(vendor)
    got = view(send(servers, vendor, case), case)
    sent = case
    for rule in vendor.rules:
        sent = rule.request(sent)
    reply = oracle.send_real(
        real.port,
        sent.method,
        real.target_for(vendor.mount, sent.target),
        [host(gateway), *sent.all_headers],
        sent.body,
    )
    expected = view(reply, case)
    for rule in vendor.rules:
        rule.normalise(expected)
        rule.normalise(got)
        rule.expect(expected)
    return expected, got


# -- Same answers as the real server, up to the vendor's documented differences -----------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
@pytest.mark.parametrize("vendor", VENDORS, ids=lambda vendor: vendor.name)
def test_same_answers_as_a_real_server(servers: Servers, vendor: Vendor, case: Case) -> None:
    expected, got = both(servers, vendor, case)
    assert got.status == expected.status
    assert got.headers == expected.headers
    assert got.body == expected.body
    assert got.seen == expected.seen


def test_every_rule_changes_something(servers: Servers) -> None:
    """No rule in the table is dead: without it, some request's answers differ."""
    unused = []
    for vendor in VENDORS:
        for rule in vendor.rules:
            without = replace(vendor, rules=tuple(r for r in vendor.rules if r is not rule))
            if all(_agree(*both(servers, without, case)) for case in CASES):
                unused.append(f"{vendor.name}: {rule.what}")
    assert unused == []


def _agree(expected: View, got: View) -> bool:
    return (expected.status, expected.headers, expected.body, expected.seen) == (
        got.status,
        got.headers,
        got.body,
        got.seen,
    )


# -- Each emulator's declaration (its Passage) holds against the running gateway ------------------


@pytest.mark.parametrize("vendor", (*AWS, *VENDORS), ids=lambda vendor: vendor.name)
def test_the_declared_passage_is_what_happens(servers: Servers, vendor: Vendor) -> None:
    passage = emulator_class(vendor.name)().passage()
    cases = {case.name: case for case in CASES}
    header = view(send(servers, vendor, cases["multi_header"]), cases["multi_header"]).seen
    query = view(send(servers, vendor, cases["query"]), cases["query"]).seen
    cookie = view(send(servers, vendor, cases["cookies"]), cases["cookies"])
    binary = view(send(servers, vendor, cases["binary_upload"]), cases["binary_upload"]).seen
    assert header is not None and query is not None and binary is not None
    assert cookie.seen is not None
    multi = [value for name, value in header["headers"] if name == "x-multi"]
    observed_headers = {
        ("1", "2"): "kept",
        ("2",): "last",
        ("1,2",): "joined",
        ("1, 2",): "joined",
    }[tuple(multi)]
    if vendor.app == "flask_app" and observed_headers == "joined":
        # A WSGI environ holds one value per name: both kept and joined read "1,2".
        assert passage.repeated_headers in ("kept", "joined")
    else:
        assert passage.repeated_headers == observed_headers
    a_values = [v for k, v in parse_qsl(query["query_string"], keep_blank_values=True) if k == "a"]
    observed_query = {("1", "2"): "kept", ("1",): "first", ("2",): "last", ("1,2",): "joined"}
    assert observed_query[tuple(a_values)] == passage.repeated_query
    # Verbatim: each parameter as sent (a repeated key may still lose values), "%20" kept.
    verbatim = "y=c%20d" in query["query_string"].split("&")
    assert verbatim == passage.query.startswith("verbatim")
    assert ("kept" if cookie.seen["cookies"] == [("a", "1"), ("b", "2")] else "dropped") == (
        passage.cookies.split()[0]
    )
    set_cookies = cookie.headers.get("set-cookie", [])
    assert ("both" if len(set_cookies) == 2 else "one") == passage.reply_cookies
    if passage.binary_body == "exact":
        assert base64.b64decode(binary["body"]) == oracle.BINARY


# -- Bodies at and over the vendor's limit ------------------------------------------------------

#: The request body limit each vendor states (Lambda@Edge: viewer-request's
#: Include-body truncation; OpenFaaS and kubeless state none).
BODY_LIMIT = {
    vendor.name: emulator_class(vendor.name).body_limit
    for vendor in VENDORS
    if emulator_class(vendor.name).body_limit
} | {"aws-edge": BODY_LIMITS["viewer-request"]}
#: Bodies this big are sent only with FAAS_BRIDGE_BIG_BODIES=1 (tens of MB each).
BIG = 6 * 1024 * 1024
LIMITED = [VENDOR[name] for name in BODY_LIMIT]


def post_digest(servers: Servers, vendor: Vendor, size: int) -> oracle.Reply:
    body = big_body(size)
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("Content-Length", str(size)),
        ("X-Digest", "1"),
    ]
    gateway = servers.gateways[vendor.name]
    return oracle.send_real(
        gateway.port, "POST", vendor.mount + "/digest", [host(gateway), *headers], body
    )


@pytest.mark.parametrize("vendor", LIMITED, ids=lambda vendor: vendor.name)
def test_a_body_at_the_vendors_limit_arrives_whole(servers: Servers, vendor: Vendor) -> None:
    size = BODY_LIMIT[vendor.name]
    if size > BIG and not os.environ.get("FAAS_BRIDGE_BIG_BODIES"):
        size = BIG  # within the limit still; the limit itself with FAAS_BRIDGE_BIG_BODIES=1
    reply = post_digest(servers, vendor, size)
    assert reply.status == 200
    assert reply.body == digest(big_body(size))


def refused_unread(port: int, target: str, size: int) -> bytes:
    """The reply to a request announcing ``size`` bytes of body, none of them sent."""
    head = (
        f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        received = b""
        while b"\r\n\r\n" not in received and (chunk := sock.recv(65536)):
            received += chunk
    return received


@pytest.mark.parametrize("vendor", LIMITED, ids=lambda vendor: vendor.name)
def test_a_body_over_the_vendors_limit_is_refused_413(servers: Servers, vendor: Vendor) -> None:
    size = BODY_LIMIT[vendor.name] + 1
    gateway = servers.gateways[vendor.name]
    if vendor.name == "aws-edge":
        # CloudFront truncates it and flags inputTruncated; the adapter answers 413.
        reply = post_digest(servers, vendor, size)
        assert reply.status == 413
        assert "inputTruncated" not in gateway.stdout()
        return
    head = refused_unread(gateway.port, vendor.mount + "/digest", size)
    assert head.startswith(b"HTTP/1.1 413 "), head[:80]


def test_a_reply_over_lambda_edges_limit_is_a_502(servers: Servers) -> None:
    """A viewer request's generated response: 40 KB of headers and body [CF-RESTR]."""
    gateway, limit = servers.gateways["aws-edge"], REPLY_LIMITS["viewer-request"]
    fits = limit - 1024  # room for the header lines
    ok = oracle.send_real(gateway.port, "GET", f"/big/{fits}", [host(gateway)], b"")
    assert (ok.status, ok.body) == (200, big_body(fits))
    bad = oracle.send_real(gateway.port, "GET", f"/big/{limit + 1}", [host(gateway)], b"")
    assert bad.status == 502
