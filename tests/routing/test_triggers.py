"""Non-HTTP events: recognised as the right type, routed to a callable or to the app.

Every sample in ``tests/samples/non-http/`` (and in the extra corpus's
``non-http/`` when ``FAAS_BRIDGE_EVENTS`` names one; and the documented shapes
of the types no sample covers, in faasyml_events) is recognised as the type
its vendor's documentation gives, is delivered both ways, and without a route
fails with an error naming the type and the faas.yml key that would route it.
No HTTP sample is ever taken for a trigger event, nor the other way round.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from faas_bridge import ConfigurationError, UnrecognisedEvent, wrap
from faas_bridge.dispatch import WARM_REPLY
from faas_bridge.options import Options
from faas_bridge.platforms import load_platforms
from faas_bridge.routing.kinds import KINDS, recognise
from faas_bridge.routing.triggers import TriggerFailed, UnroutedEvent, trigger_type
from support import faasyml_apps as apps
from support import faasyml_events as fe
from support.cli_servers import REPO, command_env
from support.events import (
    event_names,
    extra_dir,
    extra_event_names,
    load_event,
    own_event_names,
    reply_json,
    sample_folders,
)

PLATFORMS = load_platforms(Options())
#: Every non-HTTP sample present (own, and the extra corpus's) -> its documented type.
TYPES = {
    **fe.SAMPLE_TYPES,
    **{
        n: fe.EXTRA_SAMPLE_TYPES[n]
        for n in extra_event_names("non-http")
        if n in fe.EXTRA_SAMPLE_TYPES
    },
}
SOURCES = {**fe.SAMPLE_SOURCES, **fe.EXTRA_SAMPLE_SOURCES}
SAMPLES = [name for name, kind in TYPES.items() if kind]
DOCUMENTED = [f"doc:{name}" for name in fe.documented_names()]
ALL = SAMPLES + DOCUMENTED
#: Every sample of every other folder: HTTP requests (and a few replies), none a trigger.
HTTP_NAMES = event_names(*[folder for folder in sample_folders() if folder != "non-http"])
CONTEXT = SimpleNamespace(aws_request_id="req-1", get_remaining_time_in_millis=lambda: 30_000)


def event_of(name: str) -> Any:
    return fe.documented_event(name[4:]) if name.startswith("doc:") else load_event(name)


def type_of(name: str) -> str:
    if name.startswith("doc:"):
        return fe.documented_type(name[4:])
    kind = TYPES[name]
    assert kind is not None
    return kind


def units(name: str) -> list[Any]:
    """What one delivery carries: the event narrowed to each record (documented behaviour)."""
    event = event_of(name)
    records = KINDS[type_of(name)].records
    if records is None:
        return [event]
    return [{**event, records: [record]} for record in event[records]]


@pytest.fixture(autouse=True)
def fresh_records() -> None:
    apps.CALLS.clear()
    apps.DELIVERED.clear()


# -- Recognition ------------------------------------------------------------------------------


def test_every_non_http_sample_has_an_expected_type() -> None:
    assert sorted(fe.SAMPLE_TYPES) == own_event_names("non-http")
    if extra_dir() is not None:
        assert sorted(fe.EXTRA_SAMPLE_TYPES) == extra_event_names("non-http")


def test_the_http_folders_are_found() -> None:
    """HTTP_NAMES comes from the folders on disk: make sure it is not empty by mistake."""
    folders = {name.split("/")[0] for name in HTTP_NAMES}
    assert {"aws-edge", "aws-lattice"} <= folders
    assert not [name for name in HTTP_NAMES if name.startswith(("non-http/", "extra/non-http/"))]


@pytest.mark.parametrize("name", ALL)
def test_recognised_as_its_type(name: str) -> None:
    assert recognise(event_of(name)) == type_of(name)


@pytest.mark.parametrize("name", ALL)
def test_no_http_adapter_claims_a_trigger_event(name: str) -> None:
    assert [p.name for p in PLATFORMS if p.matches(event_of(name))] == []


@pytest.mark.parametrize("name", HTTP_NAMES)
def test_no_http_event_is_taken_for_a_trigger(name: str) -> None:
    assert recognise(load_event(name)) is None


def test_call_shaped_http_events_are_not_triggers() -> None:
    from support.sample_kinds import CALL_SHAPED

    for _, event in CALL_SHAPED:
        assert recognise(event) is None


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (fe.azure_timer, "azure.timer"),
        (fe.azure_queue, "azure.queue"),
        (fe.cloudevent_object, "google.cloudevent"),
    ],
)
def test_sdk_objects_are_recognised(event: Any, kind: str) -> None:
    built = event()
    assert recognise(built) == kind
    assert [p.name for p in PLATFORMS if p.matches(built)] == []


@pytest.mark.parametrize(
    "event",
    [
        {"Records": []},
        {"Records": [{"eventSource": "aws:somethingelse"}]},
        {"detail-type": "Scheduled Event", "source": 3, "detail": {}},
        {"triggerTime": "x", "triggerName": "y"},  # no payload: not Alibaba's timer
        {"Type": "Timer"},  # no TriggerName
        {"messages": [{"event_metadata": {"event_type": "something.Else"}}]},
        {"specversion": "1.0", "type": "t"},
        {"hello": "world"},
        [1, 2],
        None,
    ],
)
def test_near_misses_are_not_recognised(event: Any) -> None:
    assert recognise(event) is None


# -- Delivery to a callable and to the app ----------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_routed_to_a_callable(name: str) -> None:
    kind = type_of(name)
    handler = wrap(apps.web_app)
    handler.on(kind, call="support.faasyml_apps:record")
    reply = handler(event_of(name), CONTEXT)
    expected = units(name)
    assert [(unit, CONTEXT) for unit in expected] == apps.CALLS
    if KINDS[kind].batch:
        assert reply == {"batchItemFailures": []}
    elif len(expected) == 1:
        assert reply == {"got": expected[0]}
    else:
        assert reply == [{"got": unit} for unit in expected]


@pytest.mark.parametrize("name", ALL)
def test_routed_to_the_app(name: str) -> None:
    kind = type_of(name)
    handler = wrap(apps.web_app)
    handler.on(kind, route="POST /jobs/run")
    reply = handler(event_of(name), CONTEXT)
    expected = units(name)
    assert [seen["json"] for seen in apps.DELIVERED] == expected
    for seen in apps.DELIVERED:
        assert (seen["method"], seen["path"], seen["trigger"]) == ("POST", "/jobs/run", kind)
        assert seen["headers"]["x-faas-bridge-trigger"] == kind
        assert seen["headers"]["content-type"] == "application/json"
        if name in SOURCES:
            assert seen["headers"]["x-faas-bridge-source"] == SOURCES[name]
    if KINDS[kind].batch:
        assert reply == {"batchItemFailures": []}
    elif len(expected) == 1:
        assert reply == apps.DELIVERED[0]  # the app's JSON answer is the reply
    else:
        assert reply == apps.DELIVERED


@pytest.mark.parametrize("name", ALL)
def test_an_unrouted_event_names_its_type_and_the_key(name: str) -> None:
    kind = type_of(name)
    handler = wrap(apps.web_app)
    other = "aws.sns" if kind != "aws.sns" else "aws.sqs"
    # A route for another type does not take it.
    handler.on(other, call="support.faasyml_apps:record")
    with pytest.raises(UnroutedEvent) as info:
        handler(event_of(name), None)
    message = str(info.value)
    assert message.startswith(f"faas_bridge: no route for this {kind} event (")
    assert (
        f"route it in faas.yml under functions.<name>.triggers: "
        f"'- {{type: {kind}, call: package.module:function}}' (a Python callable) or "
        f"'- {{type: {kind}, route: POST /path}}' (the app), or with "
        f'@handler.on("{kind}")'
    ) in message
    assert isinstance(info.value, UnrecognisedEvent)  # what the platform is told, as before
    assert apps.CALLS == []


def test_the_unrouted_error_names_the_function_of_faas_yml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from faas_bridge.config import configured_handler

    (tmp_path / "faas.yml").write_text(
        "app: support.faasyml_apps:web_app\nfunctions:\n  worker:\n    routes: []\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAAS_BRIDGE_FUNCTION", raising=False)
    handler = configured_handler({})
    with pytest.raises(UnroutedEvent) as info:
        handler(load_event("non-http/aws-s3-put.json"), None)
    assert str(info.value).startswith(
        "faas_bridge: no route for this aws.s3 event (S3 object notifications from "
        "'notes-uploads-eu') in function 'worker'; route it in faas.yml under "
        "functions.worker.triggers: "
    )


@pytest.mark.parametrize("mode", ["auto", "refuse"])
def test_a_function_without_triggers_weighs_the_event_as_a_routed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """A faas.yml function that routes no trigger has no router to build, yet its
    non-HTTP events meet the same checks: ``non_http_events`` first, then the
    error naming the function."""
    from faas_bridge.config import configured_handler
    from faas_bridge.routing.surfaces import EventRefused

    (tmp_path / "faas.yml").write_text(
        "app: support.faasyml_apps:web_app\nfunctions:\n  worker:\n    routes: []\n"
        f"    options:\n      non_http_events: {mode}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAAS_BRIDGE_FUNCTION", raising=False)
    handler = configured_handler({})
    assert (handler.function, handler.triggers) == ("worker", None)
    event = load_event("non-http/aws-s3-put.json")
    if mode == "refuse":
        with pytest.raises(EventRefused, match="this function takes HTTP requests only"):
            handler(event, None)
    else:
        with pytest.raises(UnroutedEvent, match=r"in function 'worker'; route it in faas\.yml"):
            handler(event, None)
    assert apps.CALLS == []


def test_the_warm_up_ping_is_still_answered_first() -> None:
    handler = wrap(apps.web_app, warmup=["source=serverless-plugin-warmup", "warmer=true"])
    handler.on("aws.events.scheduled", call="support.faasyml_apps:record")
    handler.on("custom", match={"warmer": True}, call="support.faasyml_apps:record")
    assert handler(load_event("non-http/serverless-plugin-warmup.json"), None) == (WARM_REPLY)
    assert handler({"warmer": True}, None) == WARM_REPLY
    assert apps.CALLS == []


# -- Batches -------------------------------------------------------------------------------


def sqs(bodies: list[str], queue: str = "arn:aws:sqs:eu-west-1:123456789012:thumbnails") -> Any:
    event = load_event("non-http/aws-sqs-two-records.json")
    template = event["Records"][0]
    event["Records"] = [
        {**template, "messageId": f"m{i}", "body": body, "eventSourceARN": queue}
        for i, body in enumerate(bodies)
    ]
    return event


@pytest.mark.parametrize(
    "route",
    [{"call": "support.faasyml_apps:picky"}, {"route": "POST /jobs/picky"}],
    ids=["call", "app"],
)
def test_sqs_reports_the_failed_messages_only(route: dict[str, str]) -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.sqs", **route)
    reply = handler(sqs(["ok", "fail", "ok", "fail"]), CONTEXT)
    assert reply == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}
    delivered = apps.CALLS if "call" in route else apps.DELIVERED
    assert len(delivered) == 4 if "route" in route else len(delivered) == 2


def test_a_batch_where_every_message_fails_is_an_invocation_error() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.sqs", call="support.faasyml_apps:picky")
    with pytest.raises(TriggerFailed, match=r"every aws.sqs record delivered failed \(2 of 2\)"):
        handler(sqs(["fail", "fail"]), CONTEXT)


def test_a_fifo_queue_stops_at_the_first_failure_and_returns_the_rest() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.sqs", call="support.faasyml_apps:picky")
    event = sqs(["ok", "fail", "ok"], queue="arn:aws:sqs:eu-west-1:123456789012:orders.fifo")
    reply = handler(event, CONTEXT)
    assert reply == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert len(apps.CALLS) == 1  # the third message waits for the second


def test_a_stream_stops_at_the_first_failure_and_reports_its_sequence_number() -> None:
    event = fe.documented_event("aws-kinesis")
    third = json.loads(json.dumps(event["Records"][1]))
    third["kinesis"]["sequenceNumber"] = "3"
    event["Records"].append(third)
    event["Records"][1]["kinesis"]["partitionKey"] = "fail"
    handler = wrap(apps.web_app)
    handler.on("aws.kinesis", call="support.faasyml_apps:picky")
    reply = handler(event, CONTEXT)
    second = event["Records"][1]["kinesis"]["sequenceNumber"]
    assert reply == {"batchItemFailures": [{"itemIdentifier": second}]}
    assert len(apps.CALLS) == 1


def test_partial_batch_off_fails_the_whole_batch() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.sqs", call="support.faasyml_apps:picky", partial_batch=False)
    with pytest.raises(ValueError, match="a message this worker refuses"):
        handler(sqs(["ok", "fail"]), CONTEXT)


def test_a_non_2xx_answer_is_a_failure_the_platform_retries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.events.scheduled", route="POST /jobs/fail")
    with caplog.at_level(logging.ERROR, logger="faas_bridge"), pytest.raises(TriggerFailed) as info:
        handler(load_event("non-http/aws-eventbridge-scheduled.json"), CONTEXT)
    assert str(info.value) == (
        "faas_bridge: POST /jobs/fail answered 500 to the aws.events.scheduled event "
        "3f8a1c27-5e90-4b6d-8a2f-c71e0d94b5a3; the platform retries it"
    )
    assert "POST /jobs/fail answered 500" in caplog.text


def test_a_failing_callable_fails_a_non_batch_event() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.sns", call="support.faasyml_apps:picky")
    event = load_event("non-http/aws-sns-notification.json")
    event["Records"][0]["Sns"]["Message"] = "fail"
    with pytest.raises(ValueError, match="refuses"):
        handler(event, CONTEXT)


# -- Narrowing, decorators, call shapes --------------------------------------------------------


def test_source_picks_between_routes_of_one_type() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.events.scheduled", source="*:rule/Nightly", route="POST /jobs/nightly")
    handler.on("aws.events.scheduled", route="POST /jobs/other")
    event = load_event("non-http/aws-eventbridge-scheduled.json")
    assert handler(event, None)["path"] == "/jobs/other"  # rule/nightly-digest
    event["resources"] = ["arn:aws:events:eu-west-1:123456789012:rule/Nightly"]
    assert handler(event, None)["path"] == "/jobs/nightly"


def test_match_narrows_on_the_events_keys() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.events", match={"detail.state": "termin*"}, route="POST /jobs/ec2")
    event = load_event("non-http/aws-eventbridge-custom.json")
    assert handler(event, None)["path"] == "/jobs/ec2"
    event["detail"]["state"] = "running"
    with pytest.raises(UnroutedEvent, match=r"aws\.events event"):
        handler(event, None)


def test_custom_events_are_routed_by_match_only() -> None:
    handler = wrap(apps.web_app)
    handler.on("custom", match={"job": "reindex", "full": True}, route="POST /jobs/reindex")
    reply = handler({"job": "reindex", "full": True}, None)
    assert (reply["path"], reply["trigger"], reply["json"]) == (
        "/jobs/reindex",
        "custom",
        {"job": "reindex", "full": True},
    )
    with pytest.raises(UnrecognisedEvent, match="platforms tried: aws-apigw-v2"):
        handler({"job": "other"}, None)


def test_the_decorator_form() -> None:
    handler = wrap(apps.web_app)
    seen = []

    @handler.on("tencent.timer", source="EveryNight")
    def every_day(event: Any, context: Any) -> str:
        seen.append(event["Message"])
        return "done"

    assert every_day.__name__ == "every_day"  # the decorator returns the function
    assert handler(load_event("non-http/tencent-scf-timer.json"), None) == "done"
    assert seen == ["rotate-logs"]


def test_an_async_callable_is_awaited() -> None:
    handler = wrap(apps.web_app)
    handler.on("huawei.timer", call="support.faasyml_apps:async_record")
    event = load_event("non-http/huawei-fg-timer.json")
    assert handler(event, None) == {"got": event}


def test_alibaba_events_arrive_as_json_bytes() -> None:
    handler = wrap(apps.web_app)
    handler.on("aliyun.timer", route="POST /jobs/timer")
    event = load_event("non-http/aliyun-fc-timer.json")
    reply = handler(json.dumps(event).encode(), None)
    assert (reply["trigger"], reply["json"]) == ("aliyun.timer", event)


@pytest.mark.parametrize(
    ("build", "kind", "as_json"),
    [
        (fe.azure_timer, "azure.timer", {"past_due": True, "schedule_status": {}, "schedule": {}}),
        (
            fe.azure_queue,
            "azure.queue",
            {
                "id": "msg-1",
                "dequeue_count": None,
                "body": '{"job": "resize"}',
                "insertion_time": None,
                "expiration_time": None,
                "time_next_visible": None,
            },
        ),
        (
            fe.cloudevent_object,
            "google.cloudevent",
            {
                "type": "google.cloud.storage.object.v1.finalized",
                "source": "//storage.googleapis.com/projects/_/buckets/uploads",
                "id": "42",
                "specversion": "1.0",
                "data": {"bucket": "uploads", "name": "a.jpg"},
            },
        ),
    ],
)
def test_sdk_objects_reach_callables_whole_and_the_app_as_json(
    build: Any, kind: str, as_json: dict[str, Any]
) -> None:
    handler = wrap(apps.web_app)
    handler.on(kind, call="support.faasyml_apps:record")
    event = build()
    assert handler(event) == {"got": event}  # Azure and functions-framework pass one argument
    assert apps.CALLS[0][0] is event
    handler = wrap(apps.web_app)
    handler.on(kind, route="POST /jobs/sdk")
    seen = handler(build())["json"]
    seen.pop("time", None)  # the CloudEvents SDK stamps the time it was built
    assert seen == as_json


def test_an_asgi_app_runs_deliveries_too() -> None:
    handler = wrap(apps.asgi_app)
    handler.on("aws.events.scheduled", route="PUT /jobs/run")
    event = load_event("non-http/aws-eventbridge-scheduled.json")
    reply = handler(event, CONTEXT)
    assert (reply["app"], reply["method"], reply["path"], reply["trigger"]) == (
        "asgi",
        "PUT",
        "/jobs/run",
        "aws.events.scheduled",
    )
    assert reply["json"] == event


def test_deliveries_keep_the_base_path_as_root() -> None:
    handler = wrap(apps.web_app, base_path="/v1")
    handler.on("tencent.timer", route="POST /jobs/run")
    reply = handler(load_event("non-http/tencent-scf-timer.json"), None)
    assert (reply["script_name"], reply["path"]) == ("/v1", "/jobs/run")


def test_a_trigger_route_is_never_served_over_http() -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.events.scheduled", route="POST /internal/jobs/nightly")
    # Function URLs keep the path percent-encoded: the app decodes %2F into a slash.
    event = load_event("aws-function-url/browser-get-no-auth.json")
    event["requestContext"]["http"]["method"] = "POST"
    for path in (
        "/internal/jobs/nightly",
        "/internal/jobs/nightly/",
        "//internal//jobs/nightly",
        "/internal%2Fjobs/nightly",
        "/%69nternal/jobs/nightly",
    ):
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        reply = handler(event, None)
        assert reply["statusCode"] == 404, path
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/internal/jobs/other"
    assert reply_json(handler(event, None))["trigger"] is None  # an HTTP request: no trigger


def test_http_requests_are_answered_as_without_triggers() -> None:
    plain = wrap(apps.web_app)
    routed = wrap(apps.web_app)
    routed.on("aws.sqs", call="support.faasyml_apps:record")
    for name in ("aws-apigw-v2/get-with-query-and-cookies.json", "aws-alb/multi-value.json"):
        assert routed(load_event(name), None) == plain(load_event(name), None)


def test_the_first_delivery_reports_the_cold_start(caplog: pytest.LogCaptureFixture) -> None:
    handler = wrap(apps.web_app)
    handler.on("aws.events.scheduled", call="support.faasyml_apps:record")
    with caplog.at_level(logging.INFO, logger="faas_bridge"):
        handler(load_event("non-http/aws-eventbridge-scheduled.json"), None)
    assert handler.cold is False
    assert '"platform": "trigger"' in caplog.text


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"trigger": "aws.sqss", "call": "a:b"},
            "handler.on('aws.sqss'): unknown trigger type 'aws.sqss'; expected one of aws.sqs, "
            "aws.sns, aws.s3, aws.dynamodb, aws.kinesis, aws.events.scheduled, aws.events, "
            "aliyun.timer, aliyun.oss, aliyun.mns, tencent.timer, tencent.cos, tencent.cmq, "
            "huawei.timer, yandex.timer, google.cloudevent, azure.timer, azure.queue, custom; "
            "did you mean 'aws.sqs'?",
        ),
        (
            {"trigger": "aws.sqs", "call": "a:b", "route": "/x"},
            "handler.on('aws.sqs'): both 'call' and 'route' are given; expected one of 'call' "
            "(a Python callable, package.module:function) or 'route' (an app route, METHOD "
            "/path); keep one",
        ),
        (
            {"trigger": "custom", "call": "a:b"},
            "handler.on('custom'): a custom trigger needs 'match'; expected match: a mapping of "
            "the event's keys to values, such as {job: reindex}",
        ),
        (
            {"trigger": "aws.sqs", "route": "POST /jobs/*"},
            "handler.on('aws.sqs'): '/jobs/*' is not an exact path; expected 'METHOD /path' "
            "such as 'POST /internal/jobs/nightly' (an exact path)",
        ),
    ],
)
def test_on_explains_a_wrong_route(settings: dict[str, Any], message: str) -> None:
    handler = wrap(apps.web_app)
    with pytest.raises(ConfigurationError) as info:
        handler.on(settings.pop("trigger"), **settings)
    assert str(info.value) == message


def test_trigger_type_reads_the_bridge_key_never_a_header() -> None:
    assert trigger_type({"faas_bridge.platform": "trigger:aws.sqs"}) == "aws.sqs"
    assert trigger_type({"faas_bridge.platform": "aws-apigw-v2"}) is None
    assert trigger_type({"HTTP_X_FAAS_BRIDGE_TRIGGER": "aws.sqs"}) is None
    assert trigger_type(SimpleNamespace(META={"faas_bridge.platform": "trigger:x"})) == "x"


# -- The Django example's faas.yml -------------------------------------------------------------

DJANGO_DIR = REPO / "examples" / "django_app"
PROBE = """
import json, sys
import faas_bridge
for line in sys.stdin:
    try:
        reply = faas_bridge.handler(json.loads(line), None)
    except Exception as exc:
        reply = {"raised": type(exc).__name__, "message": str(exc)}
    print(json.dumps(reply), flush=True)
"""


def run_example(function: str, events: list[Any], tmp_path: Path) -> list[Any]:
    """Replies of the example deployed as ``function`` (faas_bridge.handler, faas.yml)."""
    env = command_env(
        FAAS_BRIDGE_FUNCTION=function, DJANGO_SQLITE_PATH=str(tmp_path / "notes.sqlite3")
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=DJANGO_DIR,
        env=env,
        input="".join(json.dumps(e) + "\n" for e in events),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def http_event(method: str, path: str, body: str | None = None) -> Any:
    event = load_event("aws-apigw-v2/get-root.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"]["content-type"] = "application/json"
    event["body"] = body
    return event


def test_the_django_example_runs_its_nightly_job_and_queue_worker(tmp_path: Path) -> None:
    queue = load_event("non-http/aws-sqs-one-record.json")
    good = queue["Records"][0]
    queue["Records"] = [
        {**good, "messageId": "a", "body": json.dumps({"title": "from the queue"})},
        {**good, "messageId": "b", "body": json.dumps({"title": ""})},  # invalid: retried
    ]
    schedule = load_event("non-http/aws-eventbridge-scheduled.json")
    api = run_example(
        "api", [queue, http_event("GET", "/api/notes/"), http_event("GET", "/notes/")], tmp_path
    )
    assert api[0] == {"batchItemFailures": [{"itemIdentifier": "b"}]}
    assert [n["title"] for n in reply_json(api[1])["notes"]] == ["from the queue"]
    assert api[2]["statusCode"] == 404  # the HTML pages are the web function's
    web = run_example(
        "web",
        [schedule, http_event("POST", "/internal/jobs/nightly/", "{}"), queue],
        tmp_path,
    )
    assert web[0] == {"scheduled_at": "2024-06-21T03:00:00Z", "notes": 1, "notes_last_day": 1}
    assert web[1]["statusCode"] == 404  # the job's route is no HTTP route
    assert web[2]["raised"] == "UnroutedEvent"
    assert "functions.web.triggers" in web[2]["message"]


# -- faas-bridge invoke with trigger events ----------------------------------------------------

INVOKE_YML = """\
app: support.faasyml_apps:web_app
functions:
  worker:
    routes: []
    triggers:
      - type: aws.sqs
        call: support.faasyml_apps:picky
      - type: aws.events.scheduled
        route: POST /jobs/fail
"""


@pytest.mark.parametrize(
    ("event", "status", "out", "err"),
    [
        (sqs(["ok", "ok"]), 0, {"batchItemFailures": []}, ""),
        (sqs(["ok", "fail"]), 1, {"batchItemFailures": [{"itemIdentifier": "m1"}]}, ""),
        (
            load_event("non-http/aws-eventbridge-scheduled.json"),
            1,
            None,
            "faas-bridge: POST /jobs/fail answered 500 to the aws.events.scheduled event "
            "3f8a1c27-5e90-4b6d-8a2f-c71e0d94b5a3; the platform retries it",
        ),
        (
            load_event("non-http/aws-s3-put.json"),
            2,
            None,
            "faas-bridge: error: no route for this aws.s3 event (S3 object notifications from "
            "'notes-uploads-eu') in function 'worker'; route it in faas.yml under "
            "functions.worker.triggers: ",
        ),
    ],
    ids=["delivered", "partial", "app-failed", "unrouted"],
)
def test_invoke_delivers_trigger_events(
    tmp_path: Path, event: Any, status: int, out: Any, err: str
) -> None:
    (tmp_path / "faas.yml").write_text(INVOKE_YML)
    (tmp_path / "event.json").write_text(json.dumps(event))
    done = subprocess.run(
        [sys.executable, "-m", "faas_bridge", "invoke", "event.json"],
        cwd=tmp_path,
        env=command_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == status, done.stderr
    if out is not None:
        assert json.loads(done.stdout) == out
    if err:
        assert done.stderr.strip().splitlines()[-1].startswith(err)
