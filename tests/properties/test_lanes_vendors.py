"""The Alibaba, Tencent and Huawei adapters read the usual event quickly, as carefully.

The same contract as tests/properties/test_lanes.py holds the AWS adapters to (and with
its checker, :func:`test_lanes.compare`): whenever the quick reading of the
headers takes an event, the bridge's input (a WSGI environ, or an ASGI scope
and body) equals what the careful reading gives, and errors are the same both
ways; anything unusual is read carefully. The query rebuilt from these
gateways' parameter maps joins plain parameters without urlencode, to the same
text.

Events compared: the sample events of these vendors (``tests/samples``, and
the extra corpus's when ``FAAS_BRIDGE_EVENTS`` names one), what the emulators'
event builders make of client requests, and seeded random mutations of both.
Then end to end: the reply is the same on the first call, a later call and
with the quick reading turned off, Alibaba's bytes events included.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from faas_bridge.devtools.emulators import aliyun, huawei, tencent
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.errors import MalformedEvent, UnrecognisedEvent
from faas_bridge.platforms import base
from faas_bridge.platforms.base import query_from_params
from support.events import event_names, load_event
from support.lane_checks import (
    BINARY,
    BODIES,
    CLEAN_CALLS,
    CONTEXT,
    CUSTOM_DOMAIN,
    FORWARDED,
    HOSTS,
    INTERFACES,
    METHODS_ODD,
    ODD_CALLS,
    PARAM_NAMES,
    PARAM_VALUES,
    PATHS,
    PORTS,
    PROTOCOLS,
    PROTOS,
    STAGES,
    Tally,
    assert_same_reply_three_ways,
    assert_special_reply_three_ways,
    compare,
    lane_input,
    m_header_name,
    m_header_value,
    m_recase_names,
    m_repeat_name,
    make_handler,
    prefixed,
    put_header,
    set_body,
    special_events,
    wrong_readings,
)

LANE_PLATFORMS = (
    "aliyun-fc3",
    "aliyun-apigw",
    "tencent-scf-apigw",
    "tencent-cloudbase",
    "huawei-fg-apig",
)
#: The vendors' sample folders (CloudBase has no published sample).
SAMPLE_FOLDERS = ("aliyun-fc3", "aliyun-apigw", "tencent-scf-apigw", "huawei-fg-apig")
SEED = 20240612
RANDOM_CASES = 600
BASE_PATHS = ["", "/api"]
TENCENT_DEFAULT = "service-abcd1234-1250000000.gz.apigw.tencentcs.com"
TENCENT_OLD_DEFAULT = "service-abcd1234-1250000000.gz.apigateway.myqcloud.com"


# -- Events: the vendors' samples ---------------------------------------------------


def sample_events() -> list[tuple[str, dict[str, Any]]]:
    """Every request sample in the vendors' folders that a lane adapter claims."""
    detector = make_handler("wsgi")
    found = []
    for sample in event_names(*SAMPLE_FOLDERS):
        event = load_event(sample)
        try:
            name = detector.detect(event).name
        except UnrecognisedEvent:
            continue  # Huawei's response-*.json samples are replies, not requests
        if name in LANE_PLATFORMS:
            found.append((sample, event))
    return found


SAMPLES = sample_events()


# -- Events: what the adapters' builders make of client requests ----------------------

#: More requests every lane must take, on top of test_lanes' CLEAN_CALLS: query
#: values urlencode leaves alone, a repeated key, a form, a binary upload, an
#: empty query, X-Forwarded-Proto and -Port.
VENDOR_CLEAN_CALLS = [
    HttpCall("GET", "/list?a=1,2&path=/x/y&t=~u_v.w-x&s=a:b@c!$'()*;", [("Accept", "*/*")]),
    HttpCall("GET", "/search?q=hello+world&q=again&lang=en", [("Cookie", "sid=abc")]),
    HttpCall("POST", "/form", [("Content-Type", "application/x-www-form-urlencoded")], b"a=1&b=2"),
    HttpCall("POST", "/bin?size=256", [("Content-Type", "image/png")], BINARY),
    HttpCall("GET", "/a/b/c.txt?", [("X-Forwarded-Proto", "http"), ("X-Forwarded-Port", "8080")]),
]
ALL_CLEAN_CALLS = CLEAN_CALLS + VENDOR_CLEAN_CALLS

#: Requests that may be declined: spaces, non-ASCII and % in paths, queries, headers.
VENDOR_ODD_CALLS = [
    *ODD_CALLS,
    HttpCall("GET", "/with%20space/caf%C3%A9?name=caf%C3%A9&q=a%20b"),
    HttpCall("GET", "/100%25/%E6%97%A5%E6%9C%AC?k=%E6%97%A5"),
    HttpCall("GET", "/x?a=%26&b=%3D&c=%25", [("X-Long", "x" * 300)]),
]

#: (label, builder): how each adapter's event is built for a client request.
BUILDERS: list[tuple[str, Callable[[HttpCall], dict[str, Any]]]] = [
    ("fc3", lambda c: aliyun.build_event(c)),
    ("fc3-base", lambda c: aliyun.build_event(prefixed(c, "/api"))),
    ("fc3-domain", lambda c: aliyun.build_event(c, host=CUSTOM_DOMAIN)),
    ("apigw", lambda c: aliyun.build_apigw_event(c)),
    ("apigw-base", lambda c: aliyun.build_apigw_event(prefixed(c, "/api"))),
    ("scf", lambda c: tencent.build_event(prefixed(c, "/release"))),
    ("scf-test", lambda c: tencent.build_event(prefixed(c, "/test"), stage="test")),
    (
        "scf-myqcloud",
        lambda c: tencent.build_event(prefixed(c, "/release"), host=TENCENT_OLD_DEFAULT),
    ),
    ("scf-domain", lambda c: tencent.build_event(c, host=CUSTOM_DOMAIN)),
    ("scf-domain-base", lambda c: tencent.build_event(prefixed(c, "/api"), host=CUSTOM_DOMAIN)),
    ("cloudbase", lambda c: tencent.build_cloudbase_event(c)),
    ("cloudbase-base", lambda c: tencent.build_cloudbase_event(prefixed(c, "/api"))),
    ("huawei", lambda c: huawei.build_event(c)),
    ("huawei-base", lambda c: huawei.build_event(prefixed(c, "/api"))),
]


def built_events(calls: list[HttpCall]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{label}#{index} {call.method} {call.target}", build(call))
        for label, build in BUILDERS
        for index, call in enumerate(calls)
    ]


CLEAN_BUILT = built_events(ALL_CLEAN_CALLS)
ODD_BUILT = built_events(VENDOR_ODD_CALLS)


# -- Events: seeded random mutations, where each vendor keeps what ------------------

KINDS = {
    "aliyun-fc3": "fc3",
    "aliyun-apigw": "apigw",
    "tencent-scf-apigw": "scf",
    "tencent-cloudbase": "cloudbase",
    "huawei-fg-apig": "huawei",
}
QUERY_KEYS = {
    "fc3": "queryParameters",
    "apigw": "queryParameters",
    "scf": "queryString",
    "cloudbase": "queryStringParameters",
    "huawei": "queryStringParameters",
}
VENDOR_HOSTS = [
    *HOSTS,
    TENCENT_DEFAULT,
    TENCENT_DEFAULT.upper() + ":443",
    TENCENT_OLD_DEFAULT,
    "evil.apigw.tencentcs.com.example",
    "a:b:c.apigw.tencentcs.com",
]
B64_FLAGS: list[Any] = [True, False, "true", "false", "TRUE", "False", None, 1, 0, "yes", "missing"]
B64_BODIES = [*BODIES, "eyJhIjogMX0=", "////", "aGk=\n", " aGk="]
CLIENT_IPS: list[Any] = ["2001:db8::1", "", " ", None, 5, "1.2.3.4, 5.6.7.8", "missing"]


def rc_of(event: dict[str, Any]) -> dict[str, Any] | None:
    rc = event.get("requestContext")
    return rc if isinstance(rc, dict) else None


def m_host(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    headers = event.get("headers")
    if not isinstance(headers, dict):
        return None
    for name in [n for n in headers if isinstance(n, str) and n.lower() == "host"]:
        del headers[name]
    choice = rng.random()
    if choice < 0.2:
        return "no host"
    if choice < 0.4:
        headers["Host"], headers["host"] = rng.choice(VENDOR_HOSTS), rng.choice(VENDOR_HOSTS)
        return "repeated host"
    host = rng.choice(VENDOR_HOSTS)
    headers[rng.choice(["host", "Host", "HOST"])] = host
    return f"host {host!r}"


def m_forwarded(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    name, values = rng.choice(
        [
            ("X-Forwarded-Proto", PROTOS),
            ("x-forwarded-proto", PROTOS),
            ("x-forwarded-port", PORTS),
            ("X-Forwarded-For", FORWARDED),
            ("x-real-ip", CLIENT_IPS),
            ("X-Real-IP", CLIENT_IPS),
        ]
    )
    value = rng.choice(values)
    if value == "missing" or rng.random() < 0.15:
        headers = event.get("headers")
        if isinstance(headers, dict):
            for key in [n for n in headers if isinstance(n, str) and n.lower() == name.lower()]:
                del headers[key]
        return f"no {name}"
    put_header(rng, event, name, value)
    return f"{name}={value!r}"


def m_headers_shape(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    shape = rng.choice([None, {}, [], "x", "missing", "lists", "mixed", "empty list"])
    headers = event.get("headers")
    if shape in ("lists", "mixed", "empty list"):
        if not isinstance(headers, dict) or not headers:
            return None
        lists = {name: [value] for name, value in headers.items()}
        if shape == "mixed":  # one list among strings
            lists = dict(headers)
            lists[next(iter(lists))] = ["x", "y"]
        elif shape == "empty list":
            lists[next(iter(lists))] = []
        event["headers"] = lists
    elif shape == "missing":
        event.pop("headers", None)
    else:
        event["headers"] = shape
    return f"headers -> {shape!r}"


def m_path(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    key = "rawPath" if kind == "fc3" else "path"
    path = rng.choice(PATHS)
    if path is None and rng.random() < 0.5:
        event.pop(key, None)
        return f"no {key}"
    event[key] = path
    return f"{key}={path!r}"


def m_stage(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    rc = rc_of(event)
    if rc is None:
        return None
    if kind == "fc3":
        domain = rng.choice([CUSTOM_DOMAIN, None, 5, "", "bücher.de", "a.fcapp.run:8443"])
        rc["domainName"] = domain
        return f"domainName={domain!r}"
    stage = rng.choice([*STAGES, "release", "test", "a/b"])
    rc["stage"] = stage
    done = [f"stage={stage!r}"]
    if kind == "scf" and isinstance(stage, str) and rng.random() < 0.5:
        host = rng.choice([TENCENT_DEFAULT, TENCENT_OLD_DEFAULT, CUSTOM_DOMAIN])
        put_header(rng, event, rng.choice(["Host", "host"]), host)
        done.append(f"host={host}")
    return ", ".join(done)


def m_query(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    key = QUERY_KEYS[kind]
    if kind == "scf" and rng.random() < 0.3:
        event.pop("queryString", None)  # then queryStringParameters counts
        key = "queryStringParameters"
    if rng.random() < 0.2:
        shape = rng.choice([None, {}, [], "x=1", ["a"], 0, "missing"])
        if shape == "missing":
            event.pop(key, None)
        else:
            event[key] = shape
        return f"{key} -> {shape!r}"
    params = event.get(key)
    if not isinstance(params, dict):
        event[key] = params = {}
    name = rng.choice([*PARAM_NAMES, *params, "x/y", "a,b", "~", "a.b-c_d"])
    value = rng.choice([*PARAM_VALUES, "1,2", "/p/q", "a:b@c", "=", "&", "+", 3.5, False, ["a", 1]])
    params[name] = value
    return f"{key}[{name!r}]={value!r}"


def m_body(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    return set_body(rng, event, B64_BODIES, B64_FLAGS)


def m_method(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    method = rng.choice(METHODS_ODD)
    if kind == "fc3":
        rc = rc_of(event)
        http = rc.get("http") if rc is not None else None
        if not isinstance(http, dict):
            return None
        http["method"] = method
    else:
        event["httpMethod"] = method
    return f"method={method!r}"


def m_missing(rng: random.Random, event: dict[str, Any], kind: str) -> str | None:
    rc = rc_of(event)
    choice = rng.random()
    if kind == "fc3" and rc is not None:
        http = rc.get("http")
        if choice < 0.15 or not isinstance(http, dict):
            rc["http"] = rng.choice([None, "x", {}, "missing"])
            if rc["http"] == "missing":
                del rc["http"]
            return "requestContext.http dropped"
        if choice < 0.6:
            value = rng.choice(CLIENT_IPS)
            if value == "missing":
                http.pop("sourceIp", None)
            else:
                http["sourceIp"] = value
            return f"http.sourceIp={value!r}"
        protocol = rng.choice(PROTOCOLS)
        http["protocol"] = protocol
        return f"http.protocol={protocol!r}"
    if kind in ("scf", "huawei") and rc is not None and choice < 0.5:
        value = rng.choice(CLIENT_IPS)
        if value == "missing":
            rc.pop("sourceIp", None)
        else:
            rc["sourceIp"] = value
        return f"requestContext.sourceIp={value!r}"
    key = rng.choice(["body", "isBase64Encoded", "headers", "httpMethod", "requestContext"])
    event.pop(key, None)
    return f"no {key}"


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
    m_body,
    m_method,
    m_missing,
]


def random_events(rng: random.Random, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, mutated event), ``count`` of them, from the samples and clean built events."""
    detector = make_handler("wsgi")
    bases = [(label, event, KINDS[detector.detect(event).name]) for label, event in SAMPLES]
    bases += [(label, event, KINDS[detector.detect(event).name]) for label, event in CLEAN_BUILT]
    for number in range(count):
        label, base, kind = rng.choice(bases)
        event = copy.deepcopy(base)
        applied = []
        for mutation in rng.sample(MUTATIONS, rng.randint(1, 3)):
            done = mutation(rng, event, kind)
            if done:
                applied.append(done)
        yield f"random#{number} {label}: {'; '.join(applied)}", event


RANDOM = list(random_events(random.Random(SEED), RANDOM_CASES))


# -- The comparison tests -------------------------------------------------------------


def test_samples_are_found() -> None:
    """Guards that the vendors' samples are loaded (a wrong folder would test nothing)."""
    names = Counter(make_handler("wsgi").detect(event).name for _, event in SAMPLES)
    assert set(names) == set(LANE_PLATFORMS) - {"tencent-cloudbase"}, names
    assert sum(names.values()) >= 7, names


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_samples_taken_and_equal(interface: str, base_path: str) -> None:
    """Guards the contract on every vendor sample, and that each one takes the lane."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    declined = [
        label for label, event in SAMPLES if compare(handler, event, label, tally) == "declined"
    ]
    assert not tally.failures, tally.report()
    # Every sample is a plain request: a lane that silently never works would pass
    # the comparison, so each must be taken.
    assert not declined, declined
    assert tally.outcomes["taken"] == len(SAMPLES)
    assert ("/api" in tally.roots) == (base_path == "/api"), tally.roots


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_clean_built_events_are_taken_and_equal(interface: str, base_path: str) -> None:
    """Guards that every clean built event is taken by its lane, with the general way's input."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    declined = []
    for label, event in CLEAN_BUILT:
        if compare(handler, event, label, tally) == "declined":
            declined.append(label)
    assert not tally.failures, tally.report()
    assert not declined, f"{len(declined)} clean events declined by the lane: {declined}"
    assert set(tally.taken_by) == set(LANE_PLATFORMS), tally.taken_by
    # Tencent's stage and the base path are mounted by the lanes too (a base
    # path is the root even where the path does not carry it).
    assert set(tally.roots) == {"/release", "/test", base_path}, tally.roots


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_odd_built_events_lane_equals_general(interface: str, base_path: str) -> None:
    """Guards the contract on built events with escapes and non-ASCII (declining is allowed)."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    for label, event in ODD_BUILT:
        compare(handler, event, label, tally)
    assert not tally.failures, tally.report()
    assert sum(tally.outcomes.values()) == len(ODD_BUILT)
    # A % in the path is declined (the lane passes the path as decoded and raw alike).
    assert tally.outcomes["declined"] >= len(BUILDERS), dict(tally.outcomes)


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_random_mutations_lane_equals_general(interface: str, base_path: str) -> None:
    """Guards the contract on seeded random mutations: a lane's value is the general way's."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    for label, event in RANDOM:
        compare(handler, event, label, tally)
    assert not tally.failures, tally.report()
    # Not vacuous: many mutated events are still taken, by every lane, and many declined.
    assert tally.outcomes["taken"] * 5 >= RANDOM_CASES, dict(tally.outcomes)
    assert tally.outcomes["declined"] * 5 >= RANDOM_CASES, dict(tally.outcomes)
    for name in LANE_PLATFORMS:
        assert tally.taken_by[name] > 0, (name, dict(tally.taken_by))


def _clean(kind: str) -> dict[str, Any]:
    """A clean built event of each kind, with a body, a query and a client."""
    call = HttpCall("POST", "/release/x?a=1", [("Content-Type", "text/plain")], b"hi")
    build = {
        "fc3": aliyun.build_event,
        "apigw": aliyun.build_apigw_event,
        "scf": tencent.build_event,
        "cloudbase": tencent.build_cloudbase_event,
        "huawei": huawei.build_event,
    }[kind]
    return build(call)


def _set_header(event: dict[str, Any], name: str, value: Any) -> None:
    event["headers"][name] = value


#: (what, change): one unusual thing each, read as the careful way reads it.
UNUSUAL: list[tuple[str, Callable[[dict[str, Any], str], None]]] = [
    ("flag 'true'", lambda e, k: e.update(isBase64Encoded="true", body="aGk=")),
    ("flag 'false'", lambda e, k: e.update(isBase64Encoded="false")),
    ("flag 1", lambda e, k: e.update(isBase64Encoded=1, body="aGk=")),
    ("flag 0", lambda e, k: e.update(isBase64Encoded=0)),
    ("bad base64", lambda e, k: e.update(isBase64Encoded=True, body="@@@")),
    ("body a number", lambda e, k: e.update(body=5)),
    ("value CR LF", lambda e, k: _set_header(e, "x-a", "a\r\nX-Injected: 1")),
    ("value NUL", lambda e, k: _set_header(e, "x-a", "a\x00b")),
    ("value non-ASCII", lambda e, k: _set_header(e, "x-a", "café")),
    ("value a number", lambda e, k: _set_header(e, "x-a", 42)),
    ("value null", lambda e, k: _set_header(e, "x-a", None)),
    ("name not a token", lambda e, k: _set_header(e, "x a", "v")),
    ("name non-ASCII", lambda e, k: _set_header(e, "näme", "v")),
    ("repeated Host", lambda e, k: e["headers"].update(Host="a.example", host="b.example")),
    ("headers a list", lambda e, k: e.update(headers=[["host", "x"]])),
    ("path with %", lambda e, k: e.update({"rawPath" if k == "fc3" else "path": "/a%20b"})),
    ("path non-ASCII", lambda e, k: e.update({"rawPath" if k == "fc3" else "path": "/café"})),
    ("path with space", lambda e, k: e.update({"rawPath" if k == "fc3" else "path": "/a b"})),
    ("path a number", lambda e, k: e.update({"rawPath" if k == "fc3" else "path": 5})),
    ("method lower-case", lambda e, k: _method(e, k, "post")),
    ("method unusual", lambda e, k: _method(e, k, "PROPFIND")),
    ("method null", lambda e, k: _method(e, k, None)),
    ("query surrogate", lambda e, k: e.update({QUERY_KEYS[k]: {"a": "\ud800"}})),
    ("query an object value", lambda e, k: e.update({QUERY_KEYS[k]: {"a": {"b": 1}}})),
]


def _method(event: dict[str, Any], kind: str, method: Any) -> None:
    if kind == "fc3":
        event["requestContext"]["http"]["method"] = method
    else:
        event["httpMethod"] = method


@pytest.mark.parametrize("kind", sorted(QUERY_KEYS))
@pytest.mark.parametrize(("what", "change"), UNUSUAL, ids=[u[0] for u in UNUSUAL])
def test_unusual_events_read_as_carefully(
    kind: str, what: str, change: Callable[[dict[str, Any], str], None]
) -> None:
    """Guards each unusual thing: the careful way's input or error, and unusual headers checked."""
    event = _clean(kind)
    handler = make_handler("wsgi")
    assert lane_input(handler, event, CONTEXT) is not None, "the clean event is taken"
    change(event, kind)
    assert KINDS[handler.detect(event).name] == kind
    tally = Tally()
    outcome = compare(handler, event, what, tally)
    assert not tally.failures, tally.report()
    if what.startswith(("value", "name", "headers")):
        assert outcome == "declined", f"{kind}: {what} was taken as checked"


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize("base_path", BASE_PATHS)
def test_tencent_stage_mount(interface: str, base_path: str) -> None:
    """Guards Tencent's stage mount: the root on a default domain unless the stage is no name."""
    handler = make_handler(interface, base_path)
    tally = Tally()
    for host in (TENCENT_DEFAULT, TENCENT_OLD_DEFAULT.upper() + ":443", CUSTOM_DOMAIN):
        for stage in ("release", "Prod", "", None, 5, "missing"):
            event = tencent.build_event(HttpCall("GET", "/api/x"), host=CUSTOM_DOMAIN)
            event["headers"]["Host"] = host
            if stage == "missing":
                del event["requestContext"]["stage"]
            else:
                event["requestContext"]["stage"] = stage
            label = f"{host} stage={stage!r}"
            assert compare(handler, event, label, tally) == "taken", tally.report()
    # Two default domains x two named stages; the rest are mounted at the base path.
    assert tally.roots == Counter({"/release": 2, "/Prod": 2, base_path: 14}), tally.roots


def test_unusual_stages_and_limits_read_as_carefully() -> None:
    """Guards Tencent's stage mount (%, non-ASCII, space, NUL) and the body limit, both ways."""
    handler = make_handler("wsgi")
    tally = Tally()
    for stage in ("a%b", "Pröd", "a b", "a\x00"):
        event = tencent.build_event(HttpCall("GET", "/release/x"))
        event["requestContext"]["stage"] = stage
        compare(handler, event, stage, tally)
    # One byte over SCF's limit: 413, both ways.
    over = HttpCall("POST", "/release/up", body=b"x" * (tencent.REQUEST_LIMIT + 1))
    assert compare(handler, tencent.build_event(over), "over", tally) == "declined"
    at = HttpCall("POST", "/release/up", body=b"x" * tencent.REQUEST_LIMIT)
    assert compare(handler, tencent.build_event(at), "at", tally) == "taken"
    assert not tally.failures, tally.report()


def test_compare_catches_a_wrong_vendor_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the checker on these vendors' events: a quick reading's other headers are reported."""
    for label, event in CLEAN_BUILT[:: len(ALL_CLEAN_CALLS)]:
        handler = make_handler("asgi")
        assert compare(handler, event, label, Tally()) == "taken", label
        for wrong in wrong_readings():
            monkeypatch.setattr(base, "plain_headers", wrong)
            bad = Tally()
            assert compare(handler, event, label, bad) == "failed", (label, wrong.__name__)
            assert bad.failures
            monkeypatch.undo()


# -- The query string: urlencode skipped for plain parameters -----------------------

PRINTABLE = [chr(c) for c in range(0x20, 0x7F)]
QUERY_CASES: list[Any] = [
    *({c: c} for c in PRINTABLE),
    *({"k" + c: "v" + c + "w", "n": "1"} for c in PRINTABLE),
    {"a": "1", "b": "", "": "x"},
    {"a": ["1", "2"], "b": None},
    {"a": 1, "b": True, "c": 2.5},
    {"é": "ü", "x": "日本"},
    {"a": "b=c"},
    {"a&b": "c"},
    {"a": "x", "b": "y=z&w"},
    {},
    None,
    [],
    "",
]


def urlencoded(params: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """query_from_params through urlencode for every query (its error, if any)."""
    with monkeypatch.context() as patched:
        patched.setattr(base, "_PLAIN_QUERY", lambda text: None)
        try:
            return query_from_params(params, "q")
        except MalformedEvent as exc:
            return str(exc)


@pytest.mark.parametrize("params", QUERY_CASES, ids=repr)
def test_plain_query_is_what_urlencode_gives(params: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the query fast path: the text urlencode gives, for any character."""
    try:
        quick: Any = query_from_params(params, "q")
    except MalformedEvent as exc:
        quick = str(exc)
    assert quick == urlencoded(params, monkeypatch)


def test_plain_queries_skip_urlencode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the fast path is taken: plain parameters are joined without urlencode."""

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("urlencode called for plain parameters")

    monkeypatch.setattr(base, "urlencode", refuse)
    assert query_from_params({"name": "world", "x": "1,2", "p": "/a/b"}, "q") == (
        b"name=world&x=1,2&p=/a/b"
    )
    with pytest.raises(AssertionError):
        query_from_params({"q": "a b"}, "q")


# -- End to end: the same reply cold (general way), warm (lane) and with lanes off ---


def end_to_end_events() -> list[tuple[str, Any, bool]]:
    """(label, event, whether the lane must take it): a handful per builder, samples, bytes."""
    chosen: list[tuple[str, Any, bool]] = []
    for label, build in BUILDERS:
        for index in (0, 1, 2, 3):
            call = ALL_CLEAN_CALLS[index]
            chosen.append((f"{label} {call.method} {call.target}", build(call), True))
        chosen.append((f"{label} odd", build(VENDOR_ODD_CALLS[-2]), False))
    chosen += [(label, event, True) for label, event in SAMPLES]
    # Alibaba delivers bytes of JSON: parsed first, they take the lane too.
    for label, build in BUILDERS[:5]:
        raw = json.dumps(build(ALL_CLEAN_CALLS[1]), ensure_ascii=False).encode("utf-8")
        chosen.append((f"{label} as bytes", raw, True))
    for label, event in SAMPLES:
        if "aliyun-" in label:
            raw = json.dumps(event, ensure_ascii=False).encode("utf-8")
            chosen.append((f"{label} as bytes", raw, True))
    return chosen


E2E = end_to_end_events()


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize(("label", "event", "clean"), E2E, ids=[e[0] for e in E2E])
def test_reply_same_cold_warm_and_without_lanes(
    interface: str, label: str, event: Any, clean: bool
) -> None:
    """Guards end to end that the lane changes nothing the app sees or the vendor gets back."""
    assert_same_reply_three_ways(interface, event, clean)


SPECIAL = special_events(BUILDERS)


@pytest.mark.parametrize("interface", INTERFACES)
@pytest.mark.parametrize(("label", "event"), SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_replies_same_both_ways(interface: str, label: str, event: dict[str, Any]) -> None:
    """Guards failures and bodiless replies: 500 for a raise or a newline, no body on HEAD/204."""
    assert_special_reply_three_ways(interface, label, event)
