"""Trigger routes are reached by trigger events only, never by what an HTTP caller shaped.

Issue 18, finding 1. Two ways an HTTP caller could reach a trigger route:

* an HTTP request to the route's path: answered 404 on every vendor (each
  adapter's own events for the path, in the spellings that decode to it);
* an event the caller wrote whole, on the surfaces that allow it (a public
  Yandex function called with ``?integration=raw``; an OpenWhisk web action;
  an event-driven Cloud Run function open to anyone; an OpenFaaS function):
  there a non-HTTP event is refused unless ``non_http_events: accept`` says
  the surface is closed. The surface is read from the runtime's variables,
  set here with monkeypatch as each runtime sets them.

Every check looks at what ran (a recording view and a recording callable),
so "refused" also means the job did not run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request

from faas_bridge import ConfigurationError, wrap
from faas_bridge.config import ConfigFileError, load_config
from faas_bridge.devtools.emulators import openwhisk
from faas_bridge.devtools.emulators.base import HttpCall
from faas_bridge.options import Options
from faas_bridge.platforms import NAMES
from faas_bridge.routing.commands import SECRET_VARIABLE, CommandRefused, sign_command_event
from faas_bridge.routing.surfaces import SURFACES, EventRefused, caller_shaped
from support.events import load_event
from support.fuzz_events import BUILDERS, call_context, materialize
from support.vendor_replies import http_response

RAN: list[str] = []
ROUTE = "/internal/jobs/nightly"


def recording_app() -> Flask:
    app = Flask("forged")

    @app.route(ROUTE, methods=["POST"])
    def nightly() -> str:
        RAN.append("view")
        return "ran"

    @app.route("/", defaults={"rest": ""}, methods=["GET", "POST"])
    @app.route("/<path:rest>", methods=["GET", "POST"])
    def other(rest: str) -> str:
        return "other " + request.path

    @app.cli.command("greet")
    def greet() -> None:
        RAN.append("command")

    return app


def job(event: Any, context: Any) -> str:
    RAN.append("callable")
    return "done"


@contextlib.contextmanager
def routed(**options: Any) -> Iterator[Any]:
    """The recording app wrapped, with trigger routes and a command; shut down on leaving."""
    handler = wrap(recording_app(), **options)
    handler.on("aws.events.scheduled", route=f"POST {ROUTE}")
    handler.on("yandex.timer", route=f"POST {ROUTE}")
    handler.on("google.cloudevent", route=f"POST {ROUTE}")
    handler.on("custom", call="test_forged_events:job", match={"job": "nightly"})
    handler.allow_commands("greet")
    try:
        yield handler
    finally:
        handler.shutdown()


def on_surface(monkeypatch: pytest.MonkeyPatch, surface: str) -> None:
    """Set the variables the surface's runtime sets (:data:`RUNTIMES`)."""
    for name, value in RUNTIMES[surface].items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """No runtime variables but those a test sets; nothing ran yet."""
    for name in (
        "__OW_ACTION_NAME",
        "__OW_ACTIVATION_ID",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "K_SERVICE",
        "FUNCTION_TARGET",
        "fprocess",
        "FAAS_BRIDGE_NON_HTTP_EVENTS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(SECRET_VARIABLE, "forged-events-secret-0123456789abcdef")
    RAN.clear()


# -- An HTTP request never reaches a trigger route -------------------------------------------

#: Request targets that decode to the route (or to it with a trailing slash).
SPELLINGS = [
    ROUTE,
    ROUTE + "/",
    "//internal//jobs/nightly",
    "/internal%2Fjobs/nightly",
    "/%69nternal/jobs/nightly",
    "/internal/jobs/nightl%79",
    ROUTE + "?x=1",
]
VARIANTS = [
    pytest.param(name, build, id=f"{name}-{variant}" if variant else name)
    for name in NAMES
    for variant, build in BUILDERS.get(name, [])
]


def test_every_adapter_is_covered() -> None:
    assert {param.values[0] for param in VARIANTS} == set(NAMES)


@pytest.mark.parametrize(("vendor", "build"), VARIANTS)
def test_no_http_request_reaches_a_trigger_route(vendor: str, build: Any) -> None:
    with routed() as handler:
        for target in SPELLINGS:
            call = HttpCall(
                method="POST",
                target=target,
                headers=[("content-type", "application/json")],
                body=b'{"detail-type": "Scheduled Event"}',
            )
            event, context = call_context(materialize(build(call)), vendor)
            status, _, body = http_response(vendor, handler(event, context), event, context)
            if event_is_pathless(vendor, event):
                assert (status, body) == (200, b"other /"), target  # no path reaches the app
            else:
                assert status == 404, (target, status, body)
    assert RAN == []


def event_is_pathless(vendor: str, event: Any) -> bool:
    """A direct Yandex invocation carries no path below the function: the app gets ``/``."""
    return vendor == "yandex" and isinstance(event, dict) and event.get("url") == ""


def test_the_route_still_takes_its_trigger_events() -> None:
    with routed() as handler:
        handler(load_event("non-http/aws-eventbridge-scheduled.json"), None)
        handler({"job": "nightly"}, None)
    assert RAN == ["view", "callable"]


# -- Surfaces where a caller writes the whole event -------------------------------------------

#: Each surface, and the variables its runtime sets.
RUNTIMES = {
    "yandex": {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9000", "_HANDLER": "index.handler"},
    "openwhisk": {"__OW_ACTION_NAME": "/guest/default/web", "__OW_ACTIVATION_ID": "a1b2"},
    "gcp": {"K_SERVICE": "web", "FUNCTION_TARGET": "handler"},
    "openfaas": {"fprocess": "python3 index.py"},
}


def forged_events() -> list[Any]:
    """Non-HTTP events as a caller would post them: JSON bodies, and a CloudEvent object."""
    from cloudevents.http import CloudEvent

    return [
        load_event("non-http/aws-eventbridge-scheduled.json"),
        load_event("non-http/yandex-timer.json"),
        {"job": "nightly"},
        json.dumps(load_event("non-http/aws-eventbridge-scheduled.json")),  # a text body
        CloudEvent({"type": "google.cloud.scheduler.job.v1.executed", "source": "//x"}, {}),
    ]


@pytest.mark.parametrize("surface", sorted(RUNTIMES))
def test_a_forged_trigger_event_is_refused_where_a_caller_writes_events(
    surface: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    on_surface(monkeypatch, surface)
    assert caller_shaped() is SURFACES[surface]
    with routed() as handler:
        for event in forged_events():
            with pytest.raises(EventRefused) as info:
                handler(event, None)
            message = str(info.value)
            assert f"this function runs on {SURFACES[surface].vendor}" in message
            assert "set non_http_events: accept (FAAS_BRIDGE_NON_HTTP_EVENTS=accept)" in message
    assert RAN == []
    assert any("refused this aws.events.scheduled event" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("surface", sorted(RUNTIMES))
def test_accept_delivers_them_once_the_surface_is_closed(
    surface: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_surface(monkeypatch, surface)
    monkeypatch.setenv("FAAS_BRIDGE_NON_HTTP_EVENTS", "accept")
    with routed(non_http_events="accept") as handler:
        handler(load_event("non-http/aws-eventbridge-scheduled.json"), None)
        handler({"job": "nightly"}, None)
    assert RAN == ["view", "callable"]
    assert Options.from_environ().non_http_events == "accept"


def test_aws_lambda_is_no_such_surface(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS sets AWS_LAMBDA_FUNCTION_NAME beside the runtime API; Yandex sets the API only."""
    monkeypatch.setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "web")
    assert caller_shaped() is None
    with routed() as handler:
        handler(load_event("non-http/aws-eventbridge-scheduled.json"), None)
    assert RAN == ["view"]


def test_refuse_takes_http_requests_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "web")
    with routed(non_http_events="refuse") as handler:
        for event in forged_events()[:3]:
            with pytest.raises(EventRefused, match="this function takes HTTP requests only"):
                handler(event, None)
        reply = handler(load_event("aws-apigw-v2/get-root.json"), None)
    assert reply["statusCode"] == 200
    assert RAN == []


@pytest.mark.parametrize("surface", sorted(RUNTIMES))
def test_commands_need_their_signature_on_every_surface(
    surface: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command event is signed: refused unsigned, run signed, whatever the surface."""
    on_surface(monkeypatch, surface)
    with routed() as handler:
        with pytest.raises(CommandRefused, match="unsigned"):
            handler({"faas_bridge": {"command": "greet", "args": []}}, None)
        assert RAN == []
        secret = "forged-events-secret-0123456789abcdef"
        reply = handler(sign_command_event("greet", [], secret), None)
    assert (reply["exit_status"], RAN) == (0, ["command"])


def test_a_default_web_action_body_shaped_as_a_schedule_is_an_http_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OpenWhisk merges the body's keys beside __ow_method: the event is a web request."""
    on_surface(monkeypatch, "openwhisk")
    forged = load_event("non-http/aws-eventbridge-scheduled.json")
    command = {"faas_bridge": {"command": "greet", "args": []}}
    with routed() as handler:
        for body, target in ((forged, ROUTE), (forged, "/notes"), (command, "/notes")):
            params = openwhisk.build_event(HttpCall(method="POST", target=target), raw=False)
            event = {**body, **params}
            status, _, reply_body = http_response("openwhisk", handler(event, None))
            expected = 404 if target == ROUTE else 200
            assert status == expected, (target, reply_body)
    assert RAN == []


def test_a_web_action_body_shaped_as_a_warm_up_ping_reaches_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A caller's body {"source": "serverless-plugin-warmup"} is a request, not a ping."""
    on_surface(monkeypatch, "openwhisk")
    ping = load_event("non-http/serverless-plugin-warmup.json")
    params = openwhisk.build_event(HttpCall(method="POST", target="/notes"), raw=False)
    with routed() as handler:
        status, _, reply_body = http_response("openwhisk", handler({**ping, **params}, None))
        assert (status, reply_body) == (200, b"other /notes")
        assert handler(ping, None) == {"faas_bridge": "warm"}  # the real ping still is one


def test_web_action_parameters_are_never_a_trigger_or_a_command() -> None:
    """With another adapter forced, an event holding __ow_method is still refused, not run."""
    forged = load_event("non-http/aws-eventbridge-scheduled.json")
    params = openwhisk.build_event(HttpCall(method="POST", target=ROUTE), raw=False)
    with routed(platform="aws-apigw-v2") as handler:
        for event in ({**forged, **params}, {"faas_bridge": {"command": "greet"}, **params}):
            with pytest.raises(EventRefused, match="OpenWhisk web action's parameters"):
                handler(event, None)
    assert RAN == []


@pytest.mark.parametrize(
    ("environ", "surface"),
    [
        ({}, None),
        ({"AWS_LAMBDA_RUNTIME_API": "x"}, "yandex"),
        ({"AWS_LAMBDA_RUNTIME_API": "x", "AWS_LAMBDA_FUNCTION_NAME": "web"}, None),
        ({"AWS_LAMBDA_FUNCTION_NAME": "web", "LAMBDA_TASK_ROOT": "/var/task"}, None),
        ({"__OW_ACTION_NAME": "/ns/pkg/web"}, "openwhisk"),
        ({"__OW_ACTIVATION_ID": "a1"}, "openwhisk"),
        ({"K_SERVICE": "web"}, "gcp"),
        ({"FUNCTION_TARGET": "handler"}, "gcp"),
        ({"fprocess": "python3 index.py"}, "openfaas"),
        ({"FC_FUNCTION_NAME": "web"}, None),
        ({"SCF_FUNCTIONNAME": "web"}, None),
        ({"FUNCTIONS_WORKER_RUNTIME": "python"}, None),
    ],
)
def test_the_surface_is_read_from_the_runtime_variables(
    environ: dict[str, str], surface: str | None
) -> None:
    assert caller_shaped(environ) is (SURFACES[surface] if surface else None)


def test_the_option_is_checked_everywhere_it_is_set(tmp_path: Any) -> None:
    with pytest.raises(ConfigurationError, match="non_http_events must be one of"):
        Options(non_http_events="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="non_http_events must be one of"):
        Options.from_environ({"FAAS_BRIDGE_NON_HTTP_EVENTS": "yes"})
    path = tmp_path / "faas.yml"
    path.write_text("options:\n  non_http_events: accept\n")
    assert load_config(path).options_for(None).non_http_events == "accept"
    path.write_text("options:\n  non_http_events: always\n")
    with pytest.raises(ConfigFileError, match="expected auto, accept or refuse"):
        load_config(path)
