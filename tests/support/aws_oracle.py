"""The AWS oracle: one client request through a real server and through faas_bridge.

Shared by tests/oracle/test_oracle_aws.py and the gateway tests. Each test
takes one client HTTP request and

(a) sends it over a socket to the echo app under a real server on 127.0.0.1
    (gunicorn for ``flask_app`` and ``wsgi_app``, uvicorn for ``asgi_app``; see
    support/real_servers.py), exactly as the AWS service would forward it: ``Host`` is the
    public host the event carries, ``X-Forwarded-For``/``-Port``/``-Proto`` are
    added as the vendor adds them, and the request-target bytes are sent as is
    (``http.client`` with no normalisation of the path);
(b) turns it into the AWS event with the adapter's ``build_event`` and runs it
    through ``faas_bridge.wrap(app)``; the vendor reply is then turned back into
    HTTP the way the AWS service does.

What the app saw (the echo JSON) must match field by field, and the reply
(status, headers including both Set-Cookie lines and the repeated X-Repeat,
body bytes) must match what the real server sent.

Event forms: REST API on the execute-api host (stage ``prod``, so the app is
mounted at ``/prod``), HTTP API payload 1.0 and 2.0 (``$default`` stage and a
named stage ``v1stage``), Function URL, ALB single-value and multi-value, REST
on a custom domain with base path ``/v1`` (``wrap(app, base_path="/v1")``), and
each of these except ALB again as a console-test style event without a Host
header (``*_nohost``; an ALB event has no domain name to fall back on). Every
case runs on every form for all three echo apps, each on a fresh handler;
``test_same_as_real_server_after_other_event_forms`` then checks that one
handler serving events of every form (one function behind several AWS
services) still reads each event as its own form.

Known, legitimate differences that are normalised (anything else is a bug):

1. Payload 1.0 (REST, HTTP API 1.0) has no raw query string: API Gateway only
   passes decoded parameters, so the query is rebuilt (``%20`` comes back as
   ``+``, keys grouped). Query strings (QUERY_STRING, the query part of
   RAW_URI / url) are compared parsed, as ``{key: [values in order]}``.
2. HTTP APIs (payload 1.0 and 2.0) deliver the path percent-decoded, so ``%2F``
   arrives as ``/`` and cannot be told apart: for them the expected raw path
   (RAW_URI, raw_path) is the sent one with ``%2F`` turned into ``/``. REST,
   Function URL and ALB must keep ``%2F`` exactly.
3. HTTP API 2.0 and Function URLs join repeated request headers with commas:
   the app sees one ``x-multi: 1,2``. gunicorn joins repeated headers with
   ``,`` in the environ too, so only the ASGI header list is normalised (the
   uvicorn repeats become one comma-joined header).
4. ALB single-value mode keeps only the last value of a repeated request header
   (and, likewise, of a repeated query key), and its reply can carry only one
   value per header: one Set-Cookie (the last) and a comma-joined X-Repeat.
5. HTTP API 2.0 / Function URL replies carry one value per header name (besides
   ``cookies``), so a repeated reply header arrives comma-joined (RFC 9110
   field combination): ``X-Repeat: one, two``. Set-Cookie lines stay separate.
6. gunicorn's SERVER_NAME/SERVER_PORT come from the listening socket; the
   adapter uses the public host. Not echoed by the apps (Flask's host and url
   come from the Host header), so nothing to normalise beyond this note.
7. REMOTE_ADDR under gunicorn is the socket peer 127.0.0.1 (gunicorn does not
   take the client from X-Forwarded-For); the adapter uses the vendor's source
   IP: the expected value is the client IP of the request. (uvicorn does take
   it from X-Forwarded-For, so the ASGI client is compared as is.)
8. Console-test events have no Host header at all, so the app cannot see one;
   the real server was sent ``Host: <domainName>``. The Host header is dropped
   from the server's header list, and the host is compared through what apps
   derive it from (Flask ``host``/``url`` via SERVER_NAME, Starlette ``url`` via
   the scope's ``server``), which must still be the domain name.
9. Headers the server adds itself (Date, Server, Connection, Transfer-Encoding)
   are not compared. Content-Length is compared exactly when the two bodies are
   the same bytes; for echo replies (whose JSON legitimately differs, e.g. in
   remote_addr) it must be present on both sides or neither and, where a body
   is sent, equal the body's length. Reason phrases are not compared: only ALB
   replies carry one (``statusDescription``, the standard phrase).
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import pytest

import faas_bridge
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v1, aws_apigw_v2, aws_function_url
from faas_bridge.devtools.emulators.base import HttpCall

CLIENT_IP = "198.51.100.7"
EXECUTE_API = "abcdef1234.execute-api.us-east-1.amazonaws.com"
LAMBDA_URL = "abcdefghij1234567890.lambda-url.us-east-1.on.aws"
ALB_HOST = "my-alb-1234567890.us-east-1.elb.amazonaws.com"
CUSTOM_DOMAIN = "api.example.com"

APPS = ("flask_app", "wsgi_app", "asgi_app")
BINARY = bytes(range(256))
COMMON_HEADERS = (("User-Agent", "faas-bridge-oracle/1.0"), ("Accept", "*/*"))
#: Reply headers a server adds by itself, whatever the app does.
SERVER_HEADERS = frozenset({"date", "server", "connection", "transfer-encoding", "keep-alive"})


# -- The requests ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A client request; ``target`` is below the mount prefix (added per form)."""

    name: str
    target: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @property
    def all_headers(self) -> list[tuple[str, str]]:
        return [*COMMON_HEADERS, *self.headers]


OCTET = (("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BINARY))))

CASES = (
    Case("root", "/"),
    Case("space", "/a%20b/c"),
    Case("slash", "/a%2Fb/c"),
    Case("unicode", "/caf%C3%A9"),
    Case("query", "/q?x=a+b&y=c%20d&a=1&a=2&b="),
    Case("multi_header", "/h", headers=(("X-Multi", "1"), ("X-Multi", "2"))),
    Case("cookies", "/c", headers=(("Cookie", "a=1; b=2"),)),
    Case("binary_upload", "/up", "POST", OCTET, BINARY),
    Case("binary_download", "/down", "POST", (*OCTET, ("X-Reply-Binary", "1")), BINARY),
    Case("empty_post", "/empty", "POST", (("Content-Length", "0"),)),
    Case("head", "/h", "HEAD"),
    Case("status_204", "/s", headers=(("X-Reply-Status", "204"),)),
    Case("status_304", "/s", headers=(("X-Reply-Status", "304"),)),
    Case("trailing_slash", "/dir/"),
)


# -- The event forms ---------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """One AWS event form and how its vendor treats requests and replies."""

    name: str
    host: str
    build: Callable[[HttpCall], dict[str, Any]]
    #: "v1" (headers + multiValueHeaders), "v2" (headers + cookies) or "alb".
    reply: str
    #: Where the app is mounted: the real server's SCRIPT_NAME / root path.
    prefix: str = ""
    base_path: str = ""
    #: The path arrives percent-decoded (HTTP APIs): %2F is lost.
    decoded_path: bool = False
    #: Payload 1.0: no raw query string, rebuilt from decoded parameters.
    payload_v1: bool = False
    #: Repeated request headers arrive comma-joined (payload 2.0).
    joins_headers: bool = False
    #: ALB without multi-value headers: last value of each header / query key.
    alb_single: bool = False
    #: Console-test style: the event has no Host header.
    no_host: bool = False

    @property
    def single_value_reply(self) -> bool:
        return self.reply == "v2" or self.alb_single


FORMS = (
    Form(
        "rest",
        EXECUTE_API,
        lambda call: aws_apigw_v1.build_event(call, stage="prod", host=EXECUTE_API),
        "v1",
        prefix="/prod",
        payload_v1=True,
    ),
    Form(
        "httpapi_v1",
        EXECUTE_API,
        lambda call: aws_apigw_v1.build_event(call, host=EXECUTE_API, http_api=True),
        "v1",
        decoded_path=True,
        payload_v1=True,
    ),
    Form(
        "httpapi_v1_stage",
        EXECUTE_API,
        lambda call: aws_apigw_v1.build_event(
            call, stage="v1stage", host=EXECUTE_API, http_api=True
        ),
        "v1",
        prefix="/v1stage",
        decoded_path=True,
        payload_v1=True,
    ),
    Form(
        "httpapi_v2",
        EXECUTE_API,
        lambda call: aws_apigw_v2.build_event(call, host=EXECUTE_API),
        "v2",
        decoded_path=True,
        joins_headers=True,
    ),
    Form(
        "httpapi_v2_stage",
        EXECUTE_API,
        lambda call: aws_apigw_v2.build_event(call, stage="v1stage", host=EXECUTE_API),
        "v2",
        prefix="/v1stage",
        decoded_path=True,
        joins_headers=True,
    ),
    Form(
        "function_url",
        LAMBDA_URL,
        lambda call: aws_function_url.build_event(call, host=LAMBDA_URL),
        "v2",
        joins_headers=True,
    ),
    Form(
        "alb_single",
        ALB_HOST,
        lambda call: aws_alb.build_event(call, multi_value=False, host=ALB_HOST),
        "alb",
        alb_single=True,
    ),
    Form(
        "alb_multi",
        ALB_HOST,
        lambda call: aws_alb.build_event(call, multi_value=True, host=ALB_HOST),
        "alb",
    ),
    Form(
        "rest_custom_domain",
        CUSTOM_DOMAIN,
        lambda call: aws_apigw_v1.build_event(call, host=CUSTOM_DOMAIN),
        "v1",
        prefix="/v1",
        base_path="/v1",
        payload_v1=True,
    ),
)
# Console-test style events (no Host) exist wherever API Gateway or a Function
# URL records a domain name; an ALB event has none to fall back on.
FORMS += tuple(
    dataclasses.replace(form, name=f"{form.name}_nohost", no_host=True)
    for form in FORMS
    if form.reply != "alb"
)

MATRIX = [
    pytest.param(case, form, app, id=f"{form.name}-{case.name}-{app}")
    for form in FORMS
    for case in CASES
    for app in APPS
]


# -- Running the request both ways -------------------------------------------------


@dataclass
class Reply:
    status: int
    #: (lower-case name, value) in order, repeats kept.
    headers: list[tuple[str, str]]
    body: bytes

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


def send_real(
    port: int, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> Reply:
    """One request over a fresh connection, the request-target sent byte for byte."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(body or None)
        response = conn.getresponse()
        data = response.read()
        pairs = [(k.lower(), v) for k, v in response.getheaders()]
        return Reply(response.status, pairs, data)
    finally:
        conn.close()


def forwarded_headers(form: Form, case: Case) -> list[tuple[str, str]]:
    """The request headers as the AWS service forwards them to the target."""
    return [
        ("Host", form.host),
        *case.all_headers,
        ("X-Forwarded-For", CLIENT_IP),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]


def drop_host(event: dict[str, Any]) -> None:
    """Make ``event`` look like an API Gateway console test: no Host header."""
    for key in ("headers", "multiValueHeaders"):
        headers = event.get(key)
        if isinstance(headers, dict):
            for name in [n for n in headers if n.lower() == "host"]:
                del headers[name]


def vendor_http(form: Form, event: dict[str, Any], reply: dict[str, Any]) -> Reply:
    """The HTTP reply the AWS service makes of the function's reply."""
    headers: list[tuple[str, str]] = []
    if form.reply == "v2":
        headers = [(k.lower(), v) for k, v in (reply.get("headers") or {}).items()]
        headers += [("set-cookie", c) for c in reply.get("cookies") or ()]
    elif form.reply == "alb":
        if event.get("multiValueHeaders") is not None:
            for name, values in (reply.get("multiValueHeaders") or {}).items():
                headers += [(name.lower(), v) for v in values]
        else:
            headers = [(k.lower(), v) for k, v in (reply.get("headers") or {}).items()]
    else:
        # API Gateway merges the two; a name in both takes multiValueHeaders' values.
        multi = {k.lower(): list(v) for k, v in (reply.get("multiValueHeaders") or {}).items()}
        for name, value in (reply.get("headers") or {}).items():
            if name.lower() not in multi:
                headers.append((name.lower(), value))
        for name, values in multi.items():
            headers += [(name, v) for v in values]
    raw = reply.get("body") or ""
    body = base64.b64decode(raw) if reply.get("isBase64Encoded") else raw.encode("utf-8")
    return Reply(int(reply["statusCode"]), headers, body)


# -- Normalisation -------------------------------------------------------------------


def query_view(query: str, form: Form) -> Any:
    """The raw query, or ``{key: [values]}`` where the vendor keeps no raw one."""
    if not (form.payload_v1 or form.alb_single):
        return query
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    return grouped


def last_values_only(query: str) -> str:
    """ALB single-value: a repeated query key keeps its last value only."""
    parts = query.split("&") if query else []
    keys = [p.partition("=")[0] for p in parts]
    return "&".join(p for i, p in enumerate(parts) if keys[i] not in keys[i + 1 :])


def uri_view(uri: str | None, form: Form) -> Any:
    if uri is None:
        return None
    path, _, query = uri.partition("?")
    return {"path": path, "query": query_view(query, form)}


def canonical(app: str, echo: dict[str, Any], form: Form) -> dict[str, Any]:
    """Representation-only changes, applied to both sides alike."""
    echo = dict(echo)
    echo["query_string"] = query_view(echo["query_string"], form)
    if app == "asgi_app":
        echo["url"] = uri_view(echo["url"], form)
    else:
        echo["raw_uri"] = uri_view(echo["raw_uri"], form)
        if app == "flask_app":
            echo["url"] = uri_view(echo["url"], form)
    return echo


def decoded_slashes(path: str) -> str:
    return path.replace("%2F", "/").replace("%2f", "/")


def expected_echo(app: str, real: dict[str, Any], form: Form, case: Case) -> dict[str, Any]:
    """What the app behind the real server saw, moved into the vendor's terms."""
    exp = dict(real)
    sent = [(k.lower(), v) for k, v in case.all_headers]
    names = [k for k, _ in sent]
    repeated = {k: [v for n, v in sent if n == k] for k in names if names.count(k) > 1}

    # 4. ALB single-value: last value of a repeated query key.
    if form.alb_single:
        exp["query_string"] = last_values_only(exp["query_string"])
        for key in ("raw_uri", "url"):
            if exp.get(key) is not None:
                head, sep, query = exp[key].partition("?")
                exp[key] = head + sep + last_values_only(query)
        if app == "flask_app":
            kept = dict(parse_qsl(case.target.partition("?")[2], keep_blank_values=True))
            counts: dict[str, int] = {}
            for key, _ in exp["args"]:
                counts[key] = counts.get(key, 0) + 1
            exp["args"] = [[k, v] for k, v in exp["args"] if counts[k] == 1 or kept.get(k) == v]

    # 2. HTTP APIs: %2F arrives as "/".
    if form.decoded_path:
        if app == "asgi_app":
            exp["raw_path"] = decoded_slashes(exp["raw_path"])
        else:
            path, sep, query = exp["raw_uri"].partition("?")
            exp["raw_uri"] = decoded_slashes(path) + sep + query

    # 7. REMOTE_ADDR: the vendor's source IP, not the socket peer.
    if app in ("flask_app", "wsgi_app"):
        exp["remote_addr"] = CLIENT_IP

    # Headers: 3 (joined), 4 (last value only), 8 (no Host).
    host_key = "HTTP_HOST" if app == "wsgi_app" else "host"
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, value in exp["headers"]:
        name = key[5:].lower().replace("_", "-") if app == "wsgi_app" else key
        if form.no_host and key == host_key:
            continue
        if name in repeated and (form.alb_single or (app == "asgi_app" and form.joins_headers)):
            if name in seen:
                continue
            seen.add(name)
            value = repeated[name][-1] if form.alb_single else ",".join(repeated[name])
        headers.append((key, value))
    exp["headers"] = sorted([list(pair) for pair in headers])
    return exp


def compare_echo(
    app: str, real: dict[str, Any], got: dict[str, Any], form: Form, case: Case
) -> None:
    exp = canonical(app, expected_echo(app, real, form, case), form)
    seen = canonical(app, got, form)
    lines = []
    for key in sorted(set(exp) | set(seen)):
        mine, theirs = seen.get(key), exp.get(key)
        if mine == theirs:
            continue
        if isinstance(mine, list) and isinstance(theirs, list):
            pad = " " * len(key)
            lines.append(f"{key}: only under faas_bridge {[x for x in mine if x not in theirs]}")
            lines.append(
                f"{pad}  only under the real server {[x for x in theirs if x not in mine]}"
            )
        else:
            lines.append(f"{key}: faas_bridge {json.dumps(mine, ensure_ascii=False)}")
            lines.append(f"{' ' * len(key)}  real server {json.dumps(theirs, ensure_ascii=False)}")
    assert not lines, (
        f"{app} saw different things under faas_bridge ({form.name}) and the real server:\n"
        + "\n".join(lines)
    )


def header_view(reply: Reply, form: Form, *, expected: bool) -> dict[str, list[str]]:
    """Reply headers by name, server-added ones and Content-Length left out."""
    grouped: dict[str, list[str]] = {}
    for name, value in reply.headers:
        if name in SERVER_HEADERS or name == "content-length":
            continue
        grouped.setdefault(name, []).append(value)
    if form.single_value_reply:
        for name, values in grouped.items():
            if name != "set-cookie":
                grouped[name] = [", ".join(values)]  # 5. / 4.
            elif expected and form.alb_single:
                grouped[name] = values[-1:]  # 4. one Set-Cookie: the last
    return grouped


def compare_replies(real: Reply, got: Reply, form: Form, case: Case) -> None:
    assert got.status == real.status, f"status {got.status} != real server's {real.status}"
    assert header_view(got, form, expected=False) == header_view(real, form, expected=True)
    real_length, got_length = real.values("content-length"), got.values("content-length")
    if not is_echo(real):
        assert got.body == real.body
        assert got_length == real_length
        return
    # An echo's JSON differs legitimately (remote_addr, ...), so its length does too.
    assert bool(got_length) == bool(real_length), (
        f"Content-Length {got_length} vs real server's {real_length}"
    )
    if got.body and got_length:
        assert got_length == [str(len(got.body))]


def is_echo(reply: Reply) -> bool:
    """Whether the reply is an echo app's JSON (sent or, for HEAD/204/304, not)."""
    return reply.values("content-type")[-1:] == ["application/json"]


def is_json(reply: Reply) -> bool:
    return bool(reply.body) and is_echo(reply)


# -- One request, both ways ---------------------------------------------------------------


def faas_reply(case: Case, form: Form, handler: faas_bridge.Handler) -> Reply:
    """The HTTP reply the client gets when the vendor runs ``handler`` on the event."""
    event = form.build(call_for(case, form))
    if form.no_host:
        drop_host(event)
    return vendor_http(form, event, handler(event, None))


def real_reply(real_servers: dict[tuple[str, str], Any], case: Case, form: Form, app: str) -> Reply:
    """The reply of the real server, sent the request as the vendor forwards it."""
    server = real_servers[(app, form.prefix)]
    real = send_real(
        server.port,
        case.method,
        server.target_for(form.prefix, case.target),
        forwarded_headers(form, case),
        case.body,
    )
    assert real.status == int(dict(case.headers).get("X-Reply-Status", "200"))
    return real


def compare(real: Reply, got: Reply, form: Form, case: Case, app: str) -> None:
    """What the app saw and what it answered must be the same both ways."""
    compare_replies(real, got, form, case)
    if is_json(real):
        assert is_json(got), f"faas_bridge replied {got.values('content-type')}, {got.body!r}"
        compare_echo(app, json.loads(real.body), json.loads(got.body), form, case)


def call_for(case: Case, form: Form) -> HttpCall:
    """The client's request: its URL carries the mount prefix."""
    return HttpCall(
        method=case.method,
        target=form.prefix + case.target,
        headers=case.all_headers,
        body=case.body,
        client_ip=CLIENT_IP,
    )
