"""The equivalence machinery of the lanes tests: two readings of one event, compared.

Shared by tests/properties/test_lanes.py (the AWS family) and
test_lanes_vendors.py (Alibaba, Tencent, Huawei): the bridge's input read the
quick way and the careful way (``lane_input``, ``general_input``), their
differences, the client requests and seeded mutations the events come from,
and replies compared cold, warm and with the quick reading off.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import faas_bridge
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v1, aws_apigw_v2, aws_function_url
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.dispatch import Handler
from faas_bridge.errors import MalformedEvent, UnrecognisedEvent
from faas_bridge.http import check_request
from faas_bridge.platforms import base
from support.echo_apps import b64, read_body
from support.events import event_names, extra_dir, load_event, sample_folders

LANE_PLATFORMS = ("aws-apigw-v2", "aws-function-url", "aws-apigw-v1", "aws-alb")
#: Environ keys compared apart from the rest: the body stream, and the error stream.
STREAMS = ("wsgi.input", "wsgi.errors")
CONTEXT = SimpleNamespace(aws_request_id="lane-test-request", function_name="lanes")
SEED = 20240611
RANDOM_CASES = 600
EXECUTE_API = "abcdef1234.execute-api.us-east-1.amazonaws.com"
CUSTOM_DOMAIN = "api.example.com"


# -- Tiny raw apps: enough to build handlers ---------------------------------------


def raw_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def raw_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def make_handler(interface: str, base_path: str = "") -> Handler:
    if interface == "wsgi":
        return faas_bridge.wrap(raw_wsgi, base_path=base_path)
    return faas_bridge.wrap(raw_asgi, base_path=base_path, lifespan="off")


# -- The two ways, and how their outputs are compared ------------------------------


@contextlib.contextmanager
def careful_reading() -> Iterator[None]:
    """Every event's headers read one by one, as the quick reading would decline them."""
    real = base.plain_headers
    base.plain_headers = lambda headers: None
    try:
        yield
    finally:
        base.plain_headers = real


def general_input(handler: Handler, event: Any, ctx: Any) -> Any:
    """The bridge's input the careful way: decode, vet every header, build from the Request."""
    platform = handler.detect(event)
    with careful_reading():
        req = platform.decode(event, ctx)
    assert not req.checked
    handler.vet(req, platform)
    return handler.bridge_input(req)


def lane_input(handler: Handler, event: Any, ctx: Any) -> Any:
    """The bridge's input when the quick reading takes the event (None: declined).

    A request it marks checked must pass every check of the careful way.
    """
    platform = handler.detect(event)
    req = platform.decode(event, ctx)
    handler.vet(req, platform)
    if not req.checked:
        return None
    req.checked = False
    check_request(req)  # what the handler skips for a checked request
    return handler.bridge_input(req)


def differences(lane: Any, general: Any) -> list[str]:
    """What differs between a lane's input and the general way's (empty: equal)."""
    found: list[str] = []
    if isinstance(general, dict):  # a WSGI environ
        if not isinstance(lane, dict):
            return [f"lane gave a {type(lane).__name__}, the general way an environ"]
        if set(lane) != set(general):
            found.append(
                f"keys: lane only {sorted(set(lane) - set(general))}, "
                f"general only {sorted(set(general) - set(lane))}"
            )
        for key in sorted(set(lane) & set(general) - set(STREAMS)):
            a, b = lane[key], general[key]
            if type(a) is not type(b) or a != b:
                found.append(f"{key}: lane {a!r} != general {b!r}")
        if all(key in lane and key in general for key in STREAMS):
            a_body, b_body = lane["wsgi.input"].read(), general["wsgi.input"].read()
            if a_body != b_body:
                found.append(f"wsgi.input: lane {a_body[:80]!r} != general {b_body[:80]!r}")
        return found
    # ASGI: (scope, body)
    if type(lane) is not tuple or len(lane) != 2:
        return [f"lane gave {type(lane).__name__}, the general way (scope, body)"]
    (scope_a, body_a), (scope_b, body_b) = lane, general
    if set(scope_a) != set(scope_b):
        found.append(f"scope keys: lane {sorted(scope_a)} != general {sorted(scope_b)}")
    for key in sorted(set(scope_a) & set(scope_b)):
        a, b = scope_a[key], scope_b[key]
        if type(a) is not type(b) or a != b:
            found.append(f"scope[{key!r}]: lane {a!r} != general {b!r}")
    if scope_a != scope_b and not found:
        found.append("scopes differ")
    if type(body_a) is not type(body_b) or body_a != body_b:
        found.append(f"body: lane {body_a[:80]!r} != general {body_b[:80]!r}")
    return found


@dataclass
class Tally:
    """Cases run through :func:`compare`, and what became of them."""

    outcomes: Counter[str] = field(default_factory=Counter)
    taken_by: Counter[str] = field(default_factory=Counter)
    seen_by: Counter[str] = field(default_factory=Counter)
    #: The mount points (SCRIPT_NAME / root_path) of the inputs lanes gave.
    roots: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def report(self) -> str:
        shown = "\n\n".join(self.failures[:6])
        return f"{len(self.failures)} discrepancies ({dict(self.outcomes)}):\n\n{shown}"


def shown_event(event: Any) -> str:
    try:
        text = json.dumps(event, ensure_ascii=True, default=repr)
    except (TypeError, ValueError):
        text = repr(event)
    return text if len(text) < 2500 else text[:2500] + "..."


def compare(handler: Handler, event: Any, label: str, tally: Tally) -> str:
    """Run one event both ways; a lane's value must equal the general way's.

    Returns the outcome: ``unrecognised`` (no adapter claims it), ``declined``
    (the lane returned None or raised), ``taken`` (and equal), ``failed``.
    """
    try:
        platform = handler.detect(event)
    except UnrecognisedEvent:
        tally.outcomes["unrecognised"] += 1
        return "unrecognised"
    tally.seen_by[platform.name] += 1
    before = copy.deepcopy(event)
    try:
        lane = lane_input(handler, event, CONTEXT)
    except MalformedEvent as exc:  # the careful way must say the same
        lane = None
        try:
            general_input(handler, event, CONTEXT)
        except MalformedEvent as careful:
            if (str(careful), careful.status) != (str(exc), exc.status):
                tally.failures.append(
                    f"[{label}] {platform.name}: quick {exc.status} {exc}, careful "
                    f"{careful.status} {careful}\nevent: {shown_event(event)}"
                )
                tally.outcomes["failed"] += 1
                return "failed"
        else:
            tally.failures.append(f"[{label}] {platform.name}: only the quick reading raised {exc}")
            tally.outcomes["failed"] += 1
            return "failed"
    if event != before:
        tally.failures.append(f"[{label}] the lane changed the event:\n{shown_event(before)}")
        tally.outcomes["failed"] += 1
        return "failed"
    if lane is None:
        tally.outcomes["declined"] += 1
        return "declined"
    tally.taken_by[platform.name] += 1
    try:
        general = general_input(handler, event, CONTEXT)
    except Exception as exc:
        tally.failures.append(
            f"[{label}] {platform.name}: the lane took the event but the general way "
            f"raised {type(exc).__name__}: {exc}\nevent: {shown_event(event)}"
        )
        tally.outcomes["failed"] += 1
        return "failed"
    found = differences(lane, general)
    if found:
        tally.failures.append(
            f"[{label}] {platform.name} ({'environ' if isinstance(general, dict) else 'scope'})"
            f": " + "; ".join(found) + f"\nevent: {shown_event(event)}"
        )
        tally.outcomes["failed"] += 1
        return "failed"
    tally.outcomes["taken"] += 1
    tally.roots[lane["SCRIPT_NAME"] if isinstance(lane, dict) else lane[0]["root_path"]] += 1
    return "taken"


# -- Events: the sample events (own and extra) ------------------------------------


def sample_events() -> list[tuple[str, dict[str, Any]]]:
    """Every sample event (of any folder, own and extra) that a lane adapter claims."""
    detector = make_handler("wsgi")
    folders = set(sample_folders())
    extra = extra_dir()
    if extra is not None:
        folders |= {path.name for path in extra.iterdir() if path.is_dir()}
    found = []
    for label in event_names(*sorted(folders)):
        event = load_event(label)
        try:
            name = detector.detect(event).name
        except UnrecognisedEvent:
            continue
        if name in LANE_PLATFORMS:
            found.append((label, event))
    return found


SAMPLES = sample_events()


# -- Events: what the adapters' build_event make of client requests -----------------

BINARY = bytes(range(256))

#: Requests every lane must take (ASCII paths without escapes, plain headers).
CLEAN_CALLS = [
    HttpCall("GET", "/"),
    HttpCall(
        "GET",
        "/hello/world?name=me&x=1&x=2&blank=",
        [
            ("Accept", "text/html"),
            ("User-Agent", "lanes/1.0"),
            ("Cookie", "a=1; b=2"),
            ("X-Dup", "one"),
            ("X-Dup", "two"),
        ],
    ),
    HttpCall(
        "POST",
        "/items?q=a+b&r=%2F",
        [("Content-Type", "application/json"), ("X-Request-Id", "abc")],
        b'{"a": 1}',
    ),
    HttpCall("PUT", "/upload", [("Content-Type", "application/octet-stream")], BINARY),
    HttpCall("PATCH", "/x", [("Content-Type", "text/plain; charset=utf-8")], "héllo".encode()),
    HttpCall("DELETE", "/items/42", [("Authorization", "Bearer t0k3n")]),
    HttpCall("HEAD", "/"),
    HttpCall("OPTIONS", "/cors", [("Origin", "https://example.org")]),
    HttpCall("GET", "/with/trailing/", [("X-Forwarded-For", "203.0.113.9")]),
]

#: Requests that may be declined: escapes and non-ASCII in path, query and headers.
ODD_CALLS = [
    HttpCall("GET", "/caf%C3%A9/a%2Fb?x=%C3%A9&y=a%20b"),
    HttpCall("GET", "/a%20b/%25?q=%25"),
    HttpCall("POST", "/plain", [("X-Name", "café"), ("Content-Type", "text/plain")], b"x"),
    HttpCall("GET", "/q?%zz=1&b=%"),
    HttpCall("GET", "/prod"),
]


def prefixed(call: HttpCall, prefix: str) -> HttpCall:
    return HttpCall(call.method, prefix + call.target, list(call.headers), call.body)


#: (label, builder): how each adapter's event is built for a client request.
BUILDERS: list[tuple[str, Callable[[HttpCall], dict[str, Any]]]] = [
    ("v2", lambda c: aws_apigw_v2.build_event(c)),
    ("v2-stage", lambda c: aws_apigw_v2.build_event(prefixed(c, "/Prod"), stage="Prod")),
    ("v2-domain", lambda c: aws_apigw_v2.build_event(c, host=CUSTOM_DOMAIN)),
    (
        "v2-domain-base",
        lambda c: aws_apigw_v2.build_event(prefixed(c, "/api"), host=CUSTOM_DOMAIN),
    ),
    ("url", lambda c: aws_function_url.build_event(c)),
    ("url-base", lambda c: aws_function_url.build_event(prefixed(c, "/api"))),
    ("rest", lambda c: aws_apigw_v1.build_event(prefixed(c, "/prod"), stage="prod")),
    ("rest-domain", lambda c: aws_apigw_v1.build_event(c, host=CUSTOM_DOMAIN)),
    (
        "rest-domain-base",
        lambda c: aws_apigw_v1.build_event(prefixed(c, "/api"), host=CUSTOM_DOMAIN),
    ),
    ("v1-http", lambda c: aws_apigw_v1.build_event(c, http_api=True)),
    (
        "v1-http-stage",
        lambda c: aws_apigw_v1.build_event(prefixed(c, "/Prod"), http_api=True, stage="Prod"),
    ),
    ("alb", lambda c: aws_alb.build_event(c, multi_value=False)),
    ("alb-multi", lambda c: aws_alb.build_event(c, multi_value=True)),
]


def built_events(calls: list[HttpCall]) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for label, build in BUILDERS:
        for index, call in enumerate(calls):
            try:
                event = build(call)
            except ValueError:
                continue  # a URL this vendor would not route (REST without the stage)
            events.append((f"{label}#{index} {call.method} {call.target}", event))
    return events


CLEAN_BUILT = built_events(CLEAN_CALLS)
ODD_BUILT = built_events(ODD_CALLS)


# -- Events: seeded random mutations ------------------------------------------------

ODD_VALUES: list[Any] = [
    "café",
    "日本語",
    "ÿ",
    "a\r\nX-Injected: 1",
    "a\nb",
    "a\rb",
    "a\x00b",
    "a\tb",
    "\t",
    "",
    " ",
    " padded ",
    "a\x7fb",
    "a\x01b",
    "\ud800",
    None,
    0,
    42,
    3.5,
    True,
    [],
    ["x", "y"],
    ["x", None],
    [1],
    {"a": 1},
    "plain",
]
ODD_NAMES: list[Any] = ["Bad Name", "näme", "", "x:y", "X_Under", "a\nb", "X-Ok", "ACCEPT", 5]
HOSTS = [
    "example.com:8443",
    "[::1]:8080",
    "[::1]",
    "EXAMPLE.com",
    "",
    "bücher.de",
    "h:abc",
    "a.b, c.d",
    " spaced.example ",
    EXECUTE_API,
    CUSTOM_DOMAIN,
    "x.lambda-url.us-east-1.on.aws",
]
PROTOS = ["http", "HTTP", "https", "https, http", "http,https", "ftp", "", " http "]
PORTS = ["8080", "abc", "443, 8443", "", "99999", "0", "٣", "80 "]
FORWARDED = ["1.2.3.4, 5.6.7.8", "", " ", "1.2.3.4,", "[2001:db8::1]:443", "not-an-ip"]
PATHS: list[Any] = [
    "/a b",
    "/café",
    "/a%2Fb",
    "/a%20b",
    "/%",
    "/%zz",
    "",
    None,
    5,
    "no-slash",
    "//double",
    "/api",
    "/api/x",
    "/apix",
    "/API/x",
    "/Prod",
    "/Prod/x",
    "/prod/x",
    "/x?y",
    "/x#y",
    "/\x00",
    "/ü%C3%BC",
    "/plain/path",
]
STAGES: list[Any] = ["Prod", "prod", "$default", "", None, 5, "a b", "Pröd", "a%b"]
DOMAINS: list[Any] = [EXECUTE_API, CUSTOM_DOMAIN, None, 5, "", "x.lambda-url.us-east-1.on.aws"]
RAW_QUERIES: list[Any] = [
    "a=b c",
    "q=café",
    "x=%zz",
    "a=1&a=2",
    "",
    None,
    0,
    False,
    [],
    5,
    "a=%",
    "a=\x00",
    "a#b",
    "a=b\tc",
    "é",
    "a=%C3%A9",
    "a+b=c",
    "=",
    "&&",
    "a=\x7f",
]
PARAM_VALUES: list[Any] = [
    "a b",
    "café",
    "%",
    "%zz",
    "a&b",
    "a=b",
    "",
    None,
    5,
    True,
    ["x", None],
    [],
    ["1", "2"],
    "\ud800",
    "plain",
]
PARAM_NAMES: list[Any] = ["a b", "ké", "", "k", "%", "a=b"]
COOKIES: list[Any] = [
    ["a=1", None],
    ["a=1", 5],
    ["naïve=1"],
    ["a=b\r\n"],
    ["a"],
    "a=b",
    [],
    None,
    ["a=1", "b=2"],
    [""],
    {"a": "1"},
]
BODIES: list[Any] = [None, "", "hello", "café", "aGVsbG8=", "@@@", "abc", "aGVsbG8", 5, "a\x00b"]
B64_FLAGS: list[Any] = [True, False, "true", "false", None, 1, 0, "yes", "missing"]
METHODS_ODD: list[Any] = [
    "get",
    "PROPFIND",
    "GE T",
    "",
    None,
    5,
    "HEAD",
    "OPTIONS",
    "Get",
    "patch",
    "TRACE",
    "Mé",
    "GET ",
    ["GET"],
]
PROTOCOLS: list[Any] = ["HTTP/2.0", "http/1.0", "", 5, None, "HTTP/3", "SPDY"]


def kind_of(name: str) -> str:
    return "v2" if name in ("aws-apigw-v2", "aws-function-url") else name


def header_maps(event: dict[str, Any]) -> list[tuple[str, dict[Any, Any]]]:
    return [
        (key, event[key])
        for key in ("headers", "multiValueHeaders")
        if isinstance(event.get(key), dict)
    ]


def put_header(rng: random.Random, event: dict[str, Any], name: Any, value: Any) -> None:
    """Set a header in every header map the event has (a list in multi-value maps)."""
    maps = header_maps(event)
    if not maps:
        event["headers"] = {}
        maps = [("headers", event["headers"])]
    for key, headers in maps:
        multi = key == "multiValueHeaders"
        headers[name] = [value] if multi and rng.random() < 0.7 else value


def recase(rng: random.Random, text: str) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def m_recase_names(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    maps = header_maps(event)
    if not maps:
        return None
    key, headers = rng.choice(maps)
    for name in [n for n in headers if isinstance(n, str) and rng.random() < 0.5]:
        headers[recase(rng, name)] = headers.pop(name)
    return f"recase {key}"


def m_repeat_name(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    maps = header_maps(event)
    if not maps:
        return None
    key, headers = rng.choice(maps)
    names = [n for n in headers if isinstance(n, str)] + ["x-forwarded-proto", "accept"]
    name = rng.choice(names)
    value = rng.choice(["again", "http", "8080", "1.2.3.4", "text/plain"])
    headers[recase(rng, name) if name.lower() == name else name.lower()] = (
        [value] if key == "multiValueHeaders" else value
    )
    if key == "multiValueHeaders" and isinstance(headers.get(name), list):
        headers[name] = [*headers[name], value]
    return f"repeat {name}"


def m_header_value(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    maps = header_maps(event)
    names = [n for _, h in maps for n in h] + ["x-odd", "user-agent", "cookie"]
    name = rng.choice(names)
    value = rng.choice(ODD_VALUES)
    put_header(rng, event, name, value)
    return f"header value {name!r}={value!r}"


def m_header_name(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    name = rng.choice(ODD_NAMES)
    put_header(rng, event, name, "v")
    return f"header name {name!r}"


def m_host(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    choice = rng.random()
    if choice < 0.3:
        for _, headers in header_maps(event):
            for name in [n for n in headers if isinstance(n, str) and n.lower() == "host"]:
                del headers[name]
        return "no host"
    if choice < 0.5:
        first, second = rng.choice(HOSTS), rng.choice(HOSTS)
        for key, headers in header_maps(event):
            for name in [n for n in headers if isinstance(n, str) and n.lower() == "host"]:
                del headers[name]
            if key == "multiValueHeaders":
                if rng.random() < 0.5:
                    headers["host"] = [first, second]
                else:
                    headers["Host"], headers["host"] = [first], [second]
            else:
                headers["Host"], headers["host"] = first, second
        return "repeated host"
    host = rng.choice(HOSTS)
    put_header(rng, event, rng.choice(["host", "Host"]), host)
    return f"host {host!r}"


def m_forwarded(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    name, values = rng.choice(
        [
            ("X-Forwarded-Proto", PROTOS),
            ("x-forwarded-proto", PROTOS),
            ("X-Forwarded-Port", PORTS),
            ("x-forwarded-port", PORTS),
            ("X-Forwarded-For", FORWARDED),
            ("x-forwarded-for", FORWARDED),
        ]
    )
    if rng.random() < 0.2:
        for _, headers in header_maps(event):
            for key in [n for n in headers if isinstance(n, str) and n.lower() == name.lower()]:
                del headers[key]
        return f"no {name}"
    value = rng.choice(values)
    put_header(rng, event, name, value)
    return f"{name}={value!r}"


def m_headers_shape(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    key = rng.choice(["headers", "multiValueHeaders"])
    shape = rng.choice([None, {}, [], "x", "missing"])
    if shape == "missing":
        event.pop(key, None)
    else:
        event[key] = shape
    return f"{key} -> {shape!r}"


def m_path(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    key = "rawPath" if kind == "v2" else "path"
    path = rng.choice(PATHS)
    if path is None and rng.random() < 0.5:
        event.pop(key, None)
        return f"no {key}"
    event[key] = path
    if kind == "v2" and isinstance(event.get("requestContext"), dict):
        http = event["requestContext"].get("http")
        if isinstance(http, dict) and rng.random() < 0.5:
            http["path"] = path
    return f"{key}={path!r}"


def m_stage(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    rc = event.get("requestContext")
    if not isinstance(rc, dict):
        return None
    stage = rng.choice(STAGES)
    rc["stage"] = stage
    done = [f"stage={stage!r}"]
    if kind == "v2" and isinstance(stage, str) and rng.random() < 0.6:
        raw = event.get("rawPath")
        event["rawPath"] = "/" + stage + (raw if isinstance(raw, str) and raw != "/" else "")
        done.append("stage in rawPath")
    if rng.random() < 0.5:
        domain = rng.choice(DOMAINS)
        rc["domainName"] = domain
        done.append(f"domainName={domain!r}")
    if rng.random() < 0.5:
        host = rng.choice([EXECUTE_API, CUSTOM_DOMAIN])
        put_header(rng, event, "host", host)
        done.append(f"host={host}")
    return ", ".join(done)


def m_query(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    if kind == "v2":
        query = rng.choice(RAW_QUERIES)
        event["rawQueryString"] = query
        return f"rawQueryString={query!r}"
    key = rng.choice(["queryStringParameters", "multiValueQueryStringParameters"])
    if rng.random() < 0.2:
        shape = rng.choice([None, {}, [], "x=1"])
        event[key] = shape
        return f"{key} -> {shape!r}"
    params = event.get(key)
    if not isinstance(params, dict):
        event[key] = params = {}
    name = rng.choice([*PARAM_NAMES, *params])
    value = rng.choice(PARAM_VALUES)
    if key.startswith("multi") and not isinstance(value, list) and rng.random() < 0.7:
        value = [value]
    params[name] = value
    return f"{key}[{name!r}]={value!r}"


def m_cookies(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    if kind != "v2":
        return None
    cookies = copy.deepcopy(rng.choice(COOKIES))
    event["cookies"] = cookies
    if rng.random() < 0.3:
        put_header(rng, event, rng.choice(["cookie", "Cookie"]), "c=3")
    return f"cookies={cookies!r}"


def set_body(rng: random.Random, event: dict[str, Any], bodies: list[Any], flags: list[Any]) -> str:
    """Set a body from ``bodies`` and an isBase64Encoded from ``flags`` ("missing" removes it)."""
    body = rng.choice(bodies)
    flag = rng.choice(flags)
    event["body"] = body
    if flag == "missing":
        event.pop("isBase64Encoded", None)
    else:
        event["isBase64Encoded"] = flag
    return f"body={body!r} isBase64Encoded={flag!r}"


def m_body(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    return set_body(rng, event, BODIES, B64_FLAGS)


def m_method(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    method = rng.choice(METHODS_ODD)
    if kind == "v2":
        http = event.get("requestContext", {}).get("http")
        if not isinstance(http, dict):
            return None
        http["method"] = method
    else:
        event["httpMethod"] = method
    return f"method={method!r}"


def m_missing(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    rc = event.get("requestContext")
    if not isinstance(rc, dict):
        return None
    if kind == "v2":
        http = rc.get("http")
        choice = rng.random()
        if choice < 0.25 or not isinstance(http, dict):
            rc.pop("http", None)
            return "no requestContext.http"
        if choice < 0.6:
            value = rng.choice(["missing", None, 5, "", "2001:db8::1"])
            if value == "missing":
                http.pop("sourceIp", None)
            else:
                http["sourceIp"] = value
            return f"sourceIp={value!r}"
        protocol = rng.choice(PROTOCOLS)
        http["protocol"] = protocol
        return f"protocol={protocol!r}"
    if kind == "aws-apigw-v1":
        choice = rng.random()
        if choice < 0.3:
            rc.pop("identity", None)
            return "no identity"
        if choice < 0.6:
            identity = rc.get("identity")
            if isinstance(identity, dict):
                value = rng.choice(["missing", None, 5, ""])
                if value == "missing":
                    identity.pop("sourceIp", None)
                else:
                    identity["sourceIp"] = value
                return f"identity.sourceIp={value!r}"
            rc["identity"] = None
            return "identity None"
        protocol = rng.choice(PROTOCOLS)
        rc["protocol"] = protocol
        return f"protocol={protocol!r}"
    event.pop(rng.choice(["httpMethod", "path", "body", "isBase64Encoded", "headers"]), None)
    return "alb key dropped"


MUTATIONS = [
    m_recase_names,
    m_repeat_name,
    m_header_value,
    m_header_name,
    m_host,
    m_forwarded,
    m_headers_shape,
    m_path,
    m_stage,
    m_query,
    m_cookies,
    m_body,
    m_method,
    m_missing,
]


def random_events(rng: random.Random, count: int) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(label, mutated event, adapter of the base event), ``count`` of them."""
    detector = make_handler("wsgi")
    bases = [(label, event, detector.detect(event).name) for label, event in SAMPLES]
    bases += [(label, event, detector.detect(event).name) for label, event in CLEAN_BUILT]
    for number in range(count):
        label, base, name = rng.choice(bases)
        event = copy.deepcopy(base)
        applied = []
        for mutation in rng.sample(MUTATIONS, rng.randint(1, 3)):
            done = mutation(rng, event, kind_of(name))
            if done:
                applied.append(done)
        yield f"random#{number} {label}: {'; '.join(applied)}", event, name


# -- The comparison tests -------------------------------------------------------------

INTERFACES = ["wsgi", "asgi"]


def wrong_readings() -> list[Callable[[Any], Any]]:
    """Quick readings that each get one thing wrong, for the checker to catch."""
    real = base.plain_headers

    def value_changed(headers: Any) -> Any:
        read = real(headers)
        if read is None:
            return None
        pairs = [(name, value + "x") for name, value in read.pairs]
        return base.HeaderRead(pairs, read.last, read.host, read.checked)

    def header_dropped(headers: Any) -> Any:
        read = real(headers)
        return None if read is None else base.HeaderRead(read.pairs[1:], read.last, read.host, True)

    def newline_let_through(headers: Any) -> Any:
        read = real(headers)
        if read is None:
            return None
        return base.HeaderRead([*read.pairs, ("x-bad", "a\nb")], read.last, read.host, True)

    return [value_changed, header_dropped, newline_let_through]


# -- End to end: the same reply cold (general way), warm (lane) and with lanes off ---


def echo_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    path = environ.get("PATH_INFO", "")
    if path.endswith("/raise"):
        raise RuntimeError("the app failed")
    if path.endswith("/bad-header"):
        start_response("200 OK", [("X-Bad", "a\nb")])
        return [b"never sent"]
    body = environ["wsgi.input"].read()
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": path,
        "script_name": environ.get("SCRIPT_NAME", ""),
        "raw_uri": environ.get("RAW_URI"),
        "query": environ.get("QUERY_STRING", ""),
        "headers": sorted(
            (k, v)
            for k, v in environ.items()
            if k.startswith("HTTP_") or k in ("CONTENT_TYPE", "CONTENT_LENGTH")
        ),
        "body": b64(body),
        "remote": [environ.get("REMOTE_ADDR"), environ.get("REMOTE_PORT")],
        "server": [environ.get("SERVER_NAME"), environ.get("SERVER_PORT")],
        "scheme": environ["wsgi.url_scheme"],
        "protocol": environ.get("SERVER_PROTOCOL"),
    }
    status = "204 No Content" if path.endswith("/status/204") else "200 OK"
    start_response(status, [("Content-Type", "application/json"), ("X-Echo", "wsgi")])
    return [json.dumps(seen, sort_keys=True).encode("utf-8")]


async def echo_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope["path"]
    if path.endswith("/raise"):
        raise RuntimeError("the app failed")
    body = await read_body(receive)
    if path.endswith("/bad-header"):
        headers = [(b"x-bad", b"a\nb")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"never sent"})
        return
    seen = {
        "method": scope["method"],
        "path": path,
        "raw_path": scope["raw_path"].decode("latin-1"),
        "root_path": scope.get("root_path", ""),
        "query": scope["query_string"].decode("latin-1"),
        "headers": sorted([k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]),
        "body": b64(body),
        "client": scope.get("client"),
        "server": scope.get("server"),
        "scheme": scope.get("scheme"),
        "http_version": scope.get("http_version"),
    }
    status = 204 if path.endswith("/status/204") else 200
    headers = [(b"content-type", b"application/json"), (b"x-echo", b"asgi")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    payload = json.dumps(seen, sort_keys=True).encode("utf-8")
    await send({"type": "http.response.body", "body": payload})


def echo_handler(interface: str) -> tuple[Handler, list[bool]]:
    """A fresh echo handler, and a list recording each request the app got (True: checked)."""
    if interface == "wsgi":
        handler = faas_bridge.wrap(echo_wsgi)
    else:
        handler = faas_bridge.wrap(echo_asgi, lifespan="off")
    built: list[bool] = []
    real = handler.bridge_input

    def counting(request: Any) -> Any:
        built.append(request.checked)
        return real(request)

    handler.bridge_input = counting
    return handler, built


def end_to_end_events() -> list[tuple[str, dict[str, Any], bool]]:
    """(label, event, whether the lane must take it): a handful per adapter."""
    chosen = []
    for label, build in BUILDERS:
        for index in (0, 1, 2, 3):
            chosen.append((f"{label} {CLEAN_CALLS[index].target}", build(CLEAN_CALLS[index]), True))
        chosen.append((f"{label} odd", build(ODD_CALLS[0]), False))
    per_adapter: Counter[str] = Counter()
    detector = make_handler("wsgi")
    for label, event in SAMPLES:
        name = detector.detect(event).name
        if per_adapter[name] < 3:
            per_adapter[name] += 1
            chosen.append((label, event, False))
    return chosen


def replies_three_ways(interface: str, event: Any) -> tuple[list[Any], list[bool]]:
    """The replies to a first call, a later call, and a call read the careful way.

    Also whether the later call's request was read quickly (True: checked).
    """
    snapshot = copy.deepcopy(event)
    handler, built = echo_handler(interface)
    cold = handler(event, CONTEXT)
    del built[:]
    warm = handler(event, CONTEXT)
    plain, plain_built = echo_handler(interface)
    with careful_reading():
        off = plain(event, CONTEXT)
    assert not any(plain_built), "nothing read quickly with the quick reading off"
    assert event == snapshot, "the handler changed the event"
    return [cold, warm, off], built


E2E = end_to_end_events()


def assert_same_reply_three_ways(interface: str, event: Any, clean: bool) -> None:
    """A 200 reply, the same cold, warm and with lanes off; a clean event takes the lane."""
    (cold, warm, off), built = replies_three_ways(interface, event)
    assert cold["statusCode"] == 200, cold
    assert warm == cold
    assert off == cold
    if clean:
        assert built == [True], f"the warm call must take the lane: {built}"


#: Requests answered by a failure or with no body, and the status of each.
SPECIAL_REQUESTS = {
    "raise": (HttpCall("GET", "/raise"), 500),
    "head": (HttpCall("HEAD", "/hello", [("Accept", "text/html")]), 200),
    "204": (HttpCall("POST", "/status/204", [("Content-Type", "text/plain")], b"data"), 204),
    "bad-header": (HttpCall("GET", "/bad-header"), 500),
}


def special_events(
    builders: list[tuple[str, Callable[[HttpCall], dict[str, Any]]]],
) -> list[tuple[str, dict[str, Any]]]:
    """One clean built event per builder, for each special request."""
    return [
        (f"{what} {label}", build(call))
        for what, (call, _) in SPECIAL_REQUESTS.items()
        for label, build in builders
    ]


def assert_special_reply_three_ways(interface: str, label: str, event: Any) -> None:
    """The special request's status, no body on HEAD/204, the same all three ways, by lane."""
    (cold, warm, off), built = replies_three_ways(interface, event)
    assert warm == cold
    assert off == cold
    what = label.split(" ", 1)[0]
    assert cold["statusCode"] == SPECIAL_REQUESTS[what][1], cold
    if what in ("head", "204"):
        assert cold["body"] == "", cold
    assert built == [True], f"the warm call must take the lane: {built}"


SPECIAL = special_events(BUILDERS)
