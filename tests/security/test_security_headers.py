"""Header smuggling (issue 18, findings 2 and 4).

Finding 2: a request header name holding ``_`` (``X_Forwarded_Proto``,
``X-Forwarded_For``, ``Content_Type``) maps to the same WSGI environ key as the
dashed name a proxy sets, so werkzeug's ProxyFix and Django's
``SECURE_PROXY_SSL_HEADER`` would read the client's value. gunicorn (its
``header_map`` setting, default ``drop``) and werkzeug's own server drop such
names before building the environ; faas_bridge does the same on every adapter,
unless ``underscore_headers="keep"``. An ASGI scope keeps them, as uvicorn's does:
its header names are not mangled, so nothing merges.

Finding 4: a reply header name holding a newline is refused (500) on the first
reply and on every later one; no earlier reply with names that join to the same
text may let it through.
"""

from __future__ import annotations

import copy
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from faas_bridge import ConfigurationError, wrap
from faas_bridge.config import ConfigFileError, load_config
from faas_bridge.devtools.emulators import aws_alb, aws_apigw_v1, aws_apigw_v2, aws_function_url
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES
from support.fresh_process import run_fresh
from support.fuzz_events import BUILDERS, call_context, materialize
from support.vendor_replies import http_response

Build = Callable[[HttpCall], Any]
VARIANTS = [
    pytest.param(name, build, id=f"{name}-{variant}" if variant else name)
    for name in NAMES
    for variant, build in BUILDERS.get(name, [])
]
#: Adapters handed an environ that the vendor's own WSGI server built (from which
#: the request is read back): the header names were mapped to keys by that server
#: before faas_bridge saw them (functions-framework's gunicorn drops ``_`` names).
VENDOR_ENVIRON = {"gcp", "aliyun-fc2", "openfaas", "kubeless"}
#: Header names a proxy sets, spelled with ``_``, with the client's forged values.
FORGED = [
    ("X-Forwarded_For", "6.6.6.6"),
    ("X_Forwarded_Proto", "forged-proto"),
    ("Content_Type", "forged/type"),
    ("X_Custom", "forged-custom"),
]


def environ_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers with every text value of the environ, as JSON."""
    environ["wsgi.input"].read()
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


async def scope_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers with the scope's headers, as JSON pairs."""
    if scope["type"] != "http":
        return
    await receive()
    headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(headers).encode()})


def invoke(app: Any, vendor: str, event: Any, **options: Any) -> tuple[int, Any]:
    """(status, the JSON the app answered) for one event, as the client receives it."""
    handler = wrap(app, lifespan="off", **options)
    try:
        event, context = call_context(materialize(event), vendor)
        reply = handler(copy.copy(event), context)
        status, _, body = http_response(vendor, reply, event, context)
        return status, json.loads(body) if status == 200 else body
    finally:
        handler.shutdown()


def forged_call() -> HttpCall:
    return HttpCall(
        "POST",
        "/echo",
        [("Content-Type", "text/plain"), ("X-Custom", "real"), *FORGED],
        b"hello",
    )


# -- Finding 2: every adapter --------------------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "build"), [v for v in VARIANTS if v.values[0] not in VENDOR_ENVIRON]
)
def test_underscore_header_names_never_reach_the_wsgi_environ(vendor: str, build: Build) -> None:
    status, seen = invoke(environ_app, vendor, build(forged_call()))
    assert status == 200, seen
    smuggled = {k: v for k, v in seen.items() if "forged" in v or "6.6.6.6" in v}
    assert smuggled == {}
    assert seen["HTTP_X_CUSTOM"] == "real"
    assert seen["CONTENT_TYPE"] == "text/plain"


@pytest.mark.parametrize(
    ("vendor", "build"), [v for v in VARIANTS if v.values[0] not in VENDOR_ENVIRON]
)
def test_keep_maps_underscore_names_as_gunicorn_dangerous_mode_does(
    vendor: str, build: Build
) -> None:
    """The opt-in: ``_`` read as ``-``, so both names share a key (values joined)."""
    status, seen = invoke(environ_app, vendor, build(forged_call()), underscore_headers="keep")
    assert status == 200, seen
    assert seen["HTTP_X_CUSTOM"].split(",") == ["real", "forged-custom"]
    assert "forged-proto" in seen["HTTP_X_FORWARDED_PROTO"].split(",")
    assert "6.6.6.6" in seen["HTTP_X_FORWARDED_FOR"]


@pytest.mark.parametrize(
    ("vendor", "build"),
    [
        ("aws-apigw-v2", aws_apigw_v2.build_event),
        ("aws-alb", lambda c: aws_alb.build_event(c, multi_value=True)),
        ("aws-apigw-v1", lambda c: aws_apigw_v1.build_event(c, http_api=True)),
    ],
)
def test_an_asgi_scope_keeps_underscore_names_as_uvicorn_does(vendor: str, build: Build) -> None:
    status, headers = invoke(scope_app, vendor, build(forged_call()))
    assert status == 200, headers
    pairs = {(name, value) for name, value in headers}
    assert ("x_forwarded_proto", "forged-proto") in pairs
    assert ("x_custom", "forged-custom") in pairs
    assert ("x-custom", "real") in pairs


def test_the_option_reads_its_variable_and_faas_yml_and_refuses_other_values(
    tmp_path: Path,
) -> None:
    assert Options().underscore_headers == "drop"
    env = {"FAAS_BRIDGE_UNDERSCORE_HEADERS": "keep"}
    assert Options.from_environ(env).underscore_headers == "keep"
    with pytest.raises(ConfigurationError, match="underscore_headers"):
        Options(underscore_headers="dangerous")  # type: ignore[arg-type]
    path = tmp_path / "faas.yml"
    path.write_text("app: a:b\noptions:\n  underscore_headers: keep\n")
    config = load_config(path)
    assert config.options_for(None, {}).underscore_headers == "keep"
    path.write_text("app: a:b\noptions:\n  underscore_headers: dangerous\n")
    with pytest.raises(ConfigFileError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:3: options.underscore_headers: this is text ('dangerous'); expected drop or keep"
    )


# -- Finding 2: what the frameworks' proxy support reads ---------------------------------


def flask_proxy_app() -> Any:
    app = Flask(__name__)

    @app.route("/whoami")
    def whoami() -> Any:
        return {"scheme": request.scheme, "client": request.remote_addr}

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    return app


def with_headers(event: dict[str, Any], pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``event`` with ``pairs`` set in its header maps (a name already there keeps its place)."""
    for key in ("headers", "multiValueHeaders"):
        found = event.get(key)
        if isinstance(found, dict):
            for name, value in pairs:
                found[name] = [value] if key == "multiValueHeaders" else value
    return event


def alb_http(multi_value: bool) -> Callable[[HttpCall], Any]:
    """An ALB event from a plain-HTTP listener (port 80): the load balancer says ``http``."""

    def build(call: HttpCall) -> Any:
        event = aws_alb.build_event(call, multi_value=multi_value)
        return with_headers(event, [("x-forwarded-proto", "http"), ("x-forwarded-port", "80")])

    return build


#: (vendor, event builder, the scheme the vendor's proxy reports, the client's address).
PROXIED = [
    pytest.param("aws-alb", alb_http(False), "http", "198.51.100.7", id="alb-http-single"),
    pytest.param("aws-alb", alb_http(True), "http", "198.51.100.7", id="alb-http-multi"),
    pytest.param("aws-apigw-v2", aws_apigw_v2.build_event, "https", "198.51.100.7", id="v2"),
    pytest.param(
        "aws-apigw-v1",
        lambda c: aws_apigw_v1.build_event(c._replace(target="/prod" + c.target)),
        "https",
        "198.51.100.7",
        id="rest",
    ),
    pytest.param(
        "aws-function-url", aws_function_url.build_event, "https", "198.51.100.7", id="fn-url"
    ),
]


@pytest.mark.parametrize(("vendor", "build", "scheme", "client"), PROXIED)
def test_flask_proxy_fix_reads_only_what_the_vendor_set(
    vendor: str, build: Build, scheme: str, client: str
) -> None:
    """ProxyFix trusts the last entry: the forged names come after the vendor's own."""
    flipped = "http" if scheme == "https" else "https"
    event = with_headers(
        build(HttpCall("GET", "/whoami")),
        [("X_Forwarded_Proto", flipped), ("X-Forwarded_For", "6.6.6.6")],
    )
    status, seen = invoke(flask_proxy_app(), vendor, event)
    assert status == 200, seen
    assert seen == {"scheme": scheme, "client": client}


DJANGO_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import django
    from django.conf import settings
    from django.http import JsonResponse
    from django.urls import path

    def whoami(request):
        return JsonResponse({
            "secure": request.is_secure(),
            "forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR"),
        })

    urlpatterns = [path("whoami", whoami)]
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only",
        ROOT_URLCONF="__main__",
        ALLOWED_HOSTS=["*"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application
    from faas_bridge import wrap

    handler = wrap(get_wsgi_application())
    replies = [handler(event, None) for event in json.load(sys.stdin)]
    json.dump(replies, sys.stdout)
    """
)


def test_django_secure_proxy_ssl_header_reads_only_what_the_vendor_set() -> None:
    """Django reads the first value: the forged names come before the vendor's own."""
    events = []
    for multi in (False, True):
        call = HttpCall(
            "GET", "/whoami", [("X_Forwarded_Proto", "https"), ("X-Forwarded_For", "6.6.6.6")]
        )
        events.append(alb_http(multi)(call))
    call = HttpCall("GET", "/whoami", [("X-Forwarded_For", "6.6.6.6")])
    events.append(aws_apigw_v2.build_event(call))
    replies = run_fresh(DJANGO_SCRIPT, events)
    seen = [json.loads(reply["body"]) for reply in replies]
    assert [reply["statusCode"] for reply in replies] == [200, 200, 200]
    assert seen[0] == seen[1] == {"secure": False, "forwarded_for": "198.51.100.7"}
    assert seen[2] == {"secure": True, "forwarded_for": "198.51.100.7"}


# -- Finding 4: the reply's header names, checked on every reply ---------------------------


def reply_app(first: list[tuple[str, str]], then: list[tuple[str, str]]) -> Any:
    """A WSGI app answering ``first`` to its first request and ``then`` afterwards."""
    calls: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        calls.append(1)
        start_response("200 OK", list(first if len(calls) == 1 else then))
        return [b"the app's reply"]

    return app


def asgi_reply_app(first: list[tuple[str, str]], then: list[tuple[str, str]]) -> Any:
    calls: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await receive()
        calls.append(1)
        headers = first if len(calls) == 1 else then
        raw = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]
        await send({"type": "http.response.start", "status": 200, "headers": raw})
        await send({"type": "http.response.body", "body": b"the app's reply"})

    return app


#: (a valid reply, then one whose names joined with newlines read the same).
SMUGGLED = [
    pytest.param(
        [("X-Echo", "a"), ("Location", "/fine")],
        [("X-Echo\nLocation", "https://evil.example/")],
        id="newline joins two names",
    ),
    pytest.param(
        [("Content-Type", "text/plain"), ("X-A", "1"), ("Set-Cookie", "s=1")],
        [("Content-Type", "text/plain"), ("X-A\nSet-Cookie", "pwned=1")],
        id="a cookie smuggled in a name",
    ),
    pytest.param(
        [("X-A", "1"), ("Content-Length", "15")],
        [("X-A\nContent-Length", "15")],
        id="content-length smuggled",
    ),
]


@pytest.mark.parametrize("interface", ["wsgi", "asgi"])
@pytest.mark.parametrize(("first", "then"), SMUGGLED)
@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_a_reply_header_name_holding_a_newline_is_a_500_cold_and_warm(
    vendor: str,
    build: Build,
    first: list[tuple[str, str]],
    then: list[tuple[str, str]],
    interface: str,
    warm: bool,
) -> None:
    make = reply_app if interface == "wsgi" else asgi_reply_app
    handler = wrap(make(first, then) if warm else make(then, then), lifespan="off")
    try:
        if warm:
            event, context = call_context(materialize(build(HttpCall("GET", "/"))), vendor)
            status, _, _ = http_response(vendor, handler(event, context), event, context)
            assert status == 200
        event, context = call_context(materialize(build(HttpCall("GET", "/"))), vendor)
        status, headers, body = http_response(vendor, handler(event, context), event, context)
    finally:
        handler.shutdown()
    assert status == 500
    assert b"the app's reply" not in body
    for name, value in headers:
        assert "evil" not in value and "pwned" not in value, (name, value)
        assert name.lower() not in ("location", "set-cookie", "x-echo", "x-a")


def test_a_reply_name_that_lower_cases_to_a_token_is_still_refused() -> None:
    """U+212A KELVIN SIGN lower-cases to ASCII "k": the name must be checked as written."""
    from faas_bridge.errors import AppFailure
    from faas_bridge.http import Response, check_reply

    for name in ("\u212aey", "X-\u212a", "\u0130d"):
        with pytest.raises(AppFailure, match="not an HTTP token"):
            check_reply(Response(200, [("Content-Type", "text/plain"), (name, "v")]))
