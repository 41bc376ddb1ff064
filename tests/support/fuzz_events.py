"""Seed events for every adapter, and the mutations the fuzz tests apply to them.

A seed is a valid request event: a sample event (``tests/samples``, written
from the vendor's documented format, and the extra corpus's when
``FAAS_BRIDGE_EVENTS`` names one) or what the adapter module's
``build_event`` makes of a client request. Events are JSON
trees (dicts, lists, scalars); the two vendors that hand over objects
(OpenFaaS, kubeless) are described by a JSON tree too and turned into their
objects by :func:`materialize` after mutation, so every adapter is mutated
the same way.

Mutations are drawn through a :class:`Chooser`, which the hypothesis tests
back with ``data.draw`` (so failures shrink) and the exploration script with
``random.Random``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any, Protocol, TypeVar

from faas_bridge.devtools.emulators import (
    aliyun,
    aws_alb,
    aws_apigw_v1,
    aws_apigw_v2,
    aws_edge,
    aws_function_url,
    aws_lattice,
    huawei,
    openwhisk,
    scaleway,
    tencent,
    yandex,
)
from faas_bridge.devtools.emulators.base import HttpCall
from support.events import event_names, load_event

T = TypeVar("T")

#: Sample folders of each adapter (below ``tests/samples``, and in the extra corpus).
SAMPLE_FOLDERS = {
    "aws-alb": ["aws-alb"],
    "aws-edge": ["aws-edge"],
    "aws-lattice": ["aws-lattice"],
    "aws-function-url": ["aws-function-url"],
    "aws-apigw-v2": ["aws-apigw-v2"],
    "yandex": ["yandex"],
    "aws-apigw-v1": ["aws-apigw-v1"],
    "aliyun-fc3": ["aliyun-fc3"],
    "tencent-scf-apigw": ["tencent-scf-apigw"],
    "huawei-fg-apig": ["huawei-fg-apig"],
    "aliyun-apigw": ["aliyun-apigw"],
    "openwhisk": ["openwhisk-web"],
    "scaleway": ["scaleway"],
}

BINARY = bytes(range(256)) * 2


def calls() -> list[HttpCall]:
    """Client requests the builders turn into seeds: query, cookies, repeats, bodies."""
    return [
        HttpCall(
            "GET",
            "/caf%C3%A9/a%2Fb?x=1&x=2&y=a+b&z=%2F",
            [
                ("Accept", "text/html"),
                ("Cookie", "a=1; b=2"),
                ("X-Dup", "one"),
                ("X-Dup", "two"),
                ("X-Forwarded-For", "203.0.113.66"),
                ("User-Agent", "fuzz/1.0"),
            ],
        ),
        HttpCall(
            "POST",
            "/upload",
            [("Content-Type", "application/octet-stream"), ("Content-Length", "512")],
            BINARY,
        ),
        HttpCall(
            "PUT",
            "/items/7?q=%E2%82%AC",
            [("Content-Type", "application/json; charset=utf-8")],
            b'{"name": "caf\xc3\xa9"}',
        ),
    ]


def _rest(call: HttpCall) -> Any:
    """A REST API on its ``execute-api`` host: the client's URL starts with the stage."""
    return aws_apigw_v1.build_event(call._replace(target="/prod" + call.target))


def _tencent(call: HttpCall) -> Any:
    staged = call._replace(target="/release" + call.target)
    return tencent.build_event(staged)


def _azure_spec(call: HttpCall) -> Any:
    from faas_bridge.devtools.emulators import azure

    request = azure.build_event(call)
    return {
        "azure": {
            "method": request.method,
            "url": request.url,
            "headers": dict(request.headers),
            "params": dict(request.params),
            "route_params": dict(request.route_params),
            "body": request.get_body(),
        }
    }


def _gcp_spec(call: HttpCall) -> Any:
    from faas_bridge.devtools.emulators import gcp

    return {"gcp": {**_plain(gcp.build_event(call).environ), "body": call.body}}


def _fc2_spec(call: HttpCall) -> Any:
    return {"fc2": {**_plain(aliyun.build_fc2_environ(call)), "body": call.body}}


#: Per adapter, (variant, builder): what the vendor sends for a client request,
#: as a JSON tree (:func:`materialize` makes the vendor's object of it).
BUILDERS: dict[str, list[tuple[str, Callable[[HttpCall], Any]]]] = {
    "aws-alb": [
        ("single-value", aws_alb.build_event),
        ("multi-value", lambda c: aws_alb.build_event(c, multi_value=True)),
    ],
    "aws-edge": [
        ("viewer-request", aws_edge.build_event),
        ("origin-request", lambda c: aws_edge.build_event(c, trigger="origin-request")),
    ],
    "aws-lattice": [
        ("v2", aws_lattice.build_event),
        ("v1", lambda c: aws_lattice.build_event(c, version=1)),
    ],
    "aws-function-url": [("", aws_function_url.build_event)],
    "aws-apigw-v2": [
        ("$default", aws_apigw_v2.build_event),
        ("stage dev", lambda c: aws_apigw_v2.build_event(c, stage="dev")),
    ],
    "yandex": [
        (form, lambda c, form=form: yandex.build_event(c, form=form))  # type: ignore[misc]
        for form in ("direct", "0.1", "1.0")
    ],
    "aws-apigw-v1": [
        ("rest", _rest),
        ("http-api-1.0", lambda c: aws_apigw_v1.build_event(c, http_api=True)),
    ],
    "aliyun-fc3": [("", aliyun.build_event)],
    "aliyun-apigw": [("", aliyun.build_apigw_event)],
    "tencent-scf-apigw": [("", _tencent)],
    "tencent-cloudbase": [("", tencent.build_cloudbase_event)],
    "huawei-fg-apig": [("", huawei.build_event)],
    "openwhisk": [
        ("raw", openwhisk.build_event),
        ("default", lambda c: openwhisk.build_event(c, raw=False)),
        ("digitalocean", lambda c: openwhisk.build_event(c, digitalocean=True)),
    ],
    "scaleway": [
        ("", lambda c: scaleway.build_event(c, host="fn.functions.fnc.fr-par.scw.cloud")),
    ],
    "openfaas": [("", lambda c: {"openfaas": _environ(c)})],
    "kubeless": [("", lambda c: {"kubeless": _environ(c)})],
    "azure": [("", _azure_spec)],
    "gcp": [("", _gcp_spec)],
    "aliyun-fc2": [("", _fc2_spec)],
}


def _built(name: str) -> list[Any]:
    """Events the adapter module's builders make of :func:`calls`."""
    return [build(call) for call in calls() for _, build in BUILDERS.get(name, [])]


def _plain(environ: dict[str, Any]) -> dict[str, Any]:
    """The environ's data (strings, numbers, tuples), without its streams and objects."""
    return {
        key: value
        for key, value in environ.items()
        if value is None or isinstance(value, (str, int, bytes, tuple))
    }


def _environ(call: HttpCall) -> dict[str, Any]:
    """The environ a WSGI server (waitress, cheroot) fills for ``call``."""
    from urllib.parse import unquote_to_bytes

    environ: dict[str, Any] = {
        "REQUEST_METHOD": call.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(call.path).decode("latin-1"),
        "QUERY_STRING": call.query,
        "REQUEST_URI": call.target,
        "SERVER_NAME": "0.0.0.0",
        "SERVER_PORT": "8080",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": call.client_ip,
        "REMOTE_PORT": "40000",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "gateway:8080",
        "body": call.body,
    }
    for name, value in call.headers:
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        environ[key] = f"{environ[key]}, {value}" if key in environ else value
    return environ


def seeds(name: str) -> list[Any]:
    """Every seed event of adapter ``name``: its samples, then built events."""
    found: list[Any] = []
    for folder in SAMPLE_FOLDERS.get(name, []):
        found += [load_event(n) for n in event_names(folder) if "/response-" not in n]
    return found + _built(name)


class _Headers(dict[str, Any]):
    """Werkzeug's EnvironHeaders as far as the adapter reads it: items and ``environ``."""

    environ: Any


def materialize(event: Any) -> Any:
    """The event as the vendor passes it: objects for OpenFaaS and kubeless."""
    if isinstance(event, dict) and len(event) == 1:
        if "openfaas" in event:
            return _openfaas(event["openfaas"])
        if "kubeless" in event:
            return _kubeless(event["kubeless"])
        if "azure" in event:
            return _azure(event["azure"])
        if "gcp" in event:
            return _gcp(event["gcp"])
        if "fc2" in event:
            return _fc2(event["fc2"])
    return event


def _azure(spec: Any) -> Any:
    """An object with ``azure.functions.HttpRequest``'s attributes, whatever their types."""
    if not isinstance(spec, dict):
        return spec
    body = spec.get("body")
    return SimpleNamespace(
        method=spec.get("method"),
        url=spec.get("url"),
        headers=spec.get("headers"),
        params=spec.get("params"),
        route_params=spec.get("route_params"),
        get_body=lambda: body,
    )


def _with_input(environ: Any) -> Any:
    """The environ with ``wsgi.input`` holding its body, as a server hands it over."""
    import io
    import sys

    if not isinstance(environ, dict):
        return environ
    body = environ.get("body", b"")
    environ = {k: v for k, v in environ.items() if k != "body"}
    environ["wsgi.input"] = io.BytesIO(body if isinstance(body, bytes) else b"")
    environ["wsgi.errors"] = sys.stderr
    return environ


def _gcp(environ: Any) -> Any:
    from flask import Request as FlaskRequest

    environ = _with_input(environ)
    try:
        return FlaskRequest(environ)
    except Exception:  # werkzeug reads some keys at once: a duck-typed request instead
        return SimpleNamespace(environ=environ, get_data=lambda **kwargs: b"")


def _fc2(environ: Any) -> Any:
    return _with_input(environ)


def _openfaas(environ: Any) -> Any:
    headers = _Headers()
    headers.environ = environ
    if not isinstance(environ, dict):
        return SimpleNamespace(body=b"", method="GET", path="/", headers=headers, query={})
    body = environ.get("body", b"")
    for key, value in environ.items():
        if isinstance(key, str) and key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").title()] = value
    return SimpleNamespace(
        body=body if isinstance(body, bytes) else str(body).encode("utf-8", "replace"),
        method=environ.get("REQUEST_METHOD")
        if isinstance(environ.get("REQUEST_METHOD"), str)
        else "GET",
        path=environ.get("PATH_INFO") if isinstance(environ.get("PATH_INFO"), str) else "/",
        headers=headers,
        query={},
    )


def _kubeless(environ: Any) -> Any:
    import io

    data = environ.get("body", b"") if isinstance(environ, dict) else b""
    if isinstance(environ, dict) and isinstance(data, bytes):
        environ = {**environ, "bottle.request.body": io.BytesIO(data)}
    return {
        "data": data,
        "event-id": "fuzz-1",
        "event-type": "application/json",
        "event-time": "2024-01-01T00:00:00Z",
        "event-namespace": "kubeless",
        "extensions": {"request": SimpleNamespace(environ=environ)},
    }


# -- Mutations --------------------------------------------------------------------


class Chooser(Protocol):
    """Where mutations get their choices: hypothesis draws or a random generator."""

    def choice(self, options: Sequence[T]) -> T: ...
    def integer(self, low: int, high: int) -> int: ...


MB = 1024 * 1024
ONE_MB = "x" * MB
TEN_MB = "A" * (10 * MB)

#: Values put where the vendor puts something else.
ODD_VALUES: list[Any] = [
    None,
    "",
    0,
    -1,
    2**64,
    1.5,
    float("nan"),
    True,
    False,
    [],
    {},
    [None],
    ["a", None, 1, {}],
    {"a": {"b": None}},
    "\ud800",
    "a\udcffb",
    "%zz%E0%A4%",
    "%",
    "not*base64!",
    "QUJD=",
    "YQ",
    "a\r\nX-Injected: 1",
    "\r\n\r\nHTTP/1.1 200 OK",
    "\x00",
    "caf\u00e9 \u20ac \U0001f600",
    " ",
    "GET /x HTTP/1.1",
    "../../etc/passwd",
    "http://evil.example/",
    "2.0",
    "v1",
    b"bytes",
    ONE_MB,
]
#: Whole events that are not events at all.
ODD_EVENTS: list[Any] = [None, [], [1, 2], "", "text", b"", b"\xff\xfe", 0, 1.5, True, "[]", "{}"]

Path = tuple[Any, ...]


def paths(tree: Any, prefix: Path = (), depth: int = 0) -> list[Path]:
    """The path of every node below the root (dict keys and list indexes)."""
    found: list[Path] = []
    if depth > 12:
        return found
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key), depth + 1)
    elif isinstance(tree, list) and len(tree) <= 50:
        for index, value in enumerate(tree):
            found.append((*prefix, index))
            found += paths(value, (*prefix, index), depth + 1)
    return found


def _parent(tree: Any, path: Path) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


def _at(tree: Any, path: Path) -> Any:
    for key in path:
        tree = tree[key]
    return tree


MUTATIONS = (
    "drop",
    "replace",
    "replace",
    "replace",
    "inject-header",
    "many-headers",
    "huge-body",
    "surrogate-key",
    "wrap-string",
    "whole-event",
    "as-json-text",
)


def mutate(event: Any, chooser: Chooser, count: int | None = None) -> tuple[Any, list[str]]:
    """A mutated deep copy of ``event`` and a description of each mutation."""
    tree = copy.deepcopy(event)
    done: list[str] = []
    for _ in range(count if count is not None else chooser.integer(1, 3)):
        kind = chooser.choice(MUTATIONS)
        tree, what = _apply(tree, kind, chooser)
        done.append(what)
    return tree, done


def _apply(tree: Any, kind: str, chooser: Chooser) -> tuple[Any, str]:
    if kind == "whole-event":
        value = chooser.choice(ODD_EVENTS)
        return copy.copy(value), f"whole event -> {value!r}"
    if kind == "as-json-text":
        try:
            text = json.dumps(tree)
        except (TypeError, ValueError):
            return tree, "as-json-text skipped"
        as_bytes = chooser.choice([False, True])
        return (text.encode() if as_bytes else text), f"as JSON {'bytes' if as_bytes else 'text'}"
    nodes = paths(tree)
    if kind in ("inject-header", "many-headers", "surrogate-key"):
        dicts = [p for p in [(), *nodes] if isinstance(_at(tree, p), dict)]
        if not dicts:
            return tree, f"{kind} skipped"
        target = chooser.choice(dicts)
        where = ".".join(map(str, target)) or "<root>"
        mapping = _at(tree, target)
        if kind == "inject-header":
            name = chooser.choice(["X-Evil\r\nX-Injected", "X-Evil", "X Bad:Name", "", "\x00"])
            value = chooser.choice(["1\r\nSet-Cookie: pwned=1", "ok", "\x00", "a\nb", ["x\r\n"]])
            mapping[name] = value
            return tree, f"{where}[{name!r}] = {value!r}"
        if kind == "many-headers":
            for i in range(10_000):
                mapping[f"x-many-{i}"] = "v"
            return tree, f"{where} += 10,000 keys"
        mapping["\ud800key"] = "\udfffvalue"
        return tree, f"{where} += lone-surrogate key"
    if not nodes:
        return tree, f"{kind} skipped (no nodes)"
    path = chooser.choice(nodes)
    where = ".".join(map(str, path))
    parent = _parent(tree, path)
    if kind == "drop":
        del parent[path[-1]]
        return tree, f"drop {where}"
    if kind == "huge-body":
        parent[path[-1]] = TEN_MB
        return tree, f"{where} = 10 MB string"
    if kind == "wrap-string":
        value = parent[path[-1]]
        if isinstance(value, str):
            parent[path[-1]] = chooser.choice(
                [value + "\ud800", value + "%", value + "\r\n", "%" + value, value * 3]
            )
            return tree, f"{where} garbled"
        kind = "replace"
    value = copy.deepcopy(chooser.choice(ODD_VALUES))
    parent[path[-1]] = value
    shown = repr(value) if not isinstance(value, str) or len(value) < 40 else "<1 MB string>"
    return tree, f"{where} = {shown}"


class RandomChooser:
    """A :class:`Chooser` backed by ``random.Random`` (the exploration script)."""

    def __init__(self, rng: Any) -> None:
        self.rng = rng

    def choice(self, options: Sequence[T]) -> T:
        return self.rng.choice(list(options))  # type: ignore[no-any-return]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)  # type: ignore[no-any-return]


class StartResponse:
    """The ``start_response`` a WSGI-style vendor (Alibaba FC 2.0) passes as the context."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status, self.headers = status, list(headers)
        return lambda data: None


def call_context(event: Any, vendor: str) -> tuple[Any, Any]:
    """(event, context) as the vendor calls the handler."""
    if vendor == "aliyun-fc2":
        return event, StartResponse()
    return event, SimpleNamespace(aws_request_id="fuzz-request", request_id="fuzz-request")
